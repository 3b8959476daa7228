"""Parsers: a policy file's validated mapping → the frozen types of :mod:`generator.policy.types`.

The JSON Schema has checked the shape before these run; conditions are parsed by
:mod:`generator.policy.conditionparse`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from generator.policy.conditionparse import parse_condition, parse_optional
from generator.policy.types import (
    LIFECYCLE,
    STATUSES,
    ApprovalRule,
    CancellationRule,
    Criterion,
    Duration,
    Event,
    Grade,
    Milestone,
    PenaltyAmount,
    PenaltyRule,
    StageCheck,
    Text,
    TransitionRule,
    Transitions,
    Variant,
)


def parse_approval(a: Mapping[str, Any]) -> ApprovalRule:
    return ApprovalRule(
        a["id"],
        a["role"],
        a["subject"],
        parse_optional(a.get("applies")),
        a["stage"],
        parse_text(a["text"]),
    )


def _check(entry: Any) -> StageCheck:
    if isinstance(entry, str):
        return StageCheck(entry)
    sev, applies = entry.get("severity", "error"), parse_optional(entry.get("applies"))
    if "approval" in entry:
        return StageCheck(
            "approval", applies, sev, entry["approval"]["role"], entry["approval"]["subject"]
        )
    return StageCheck(entry["check"], applies, sev)


def parse_stages(node: Mapping[str, Any]) -> dict[str, tuple[StageCheck, ...]]:
    """Checks per status; with ``cumulative`` each open status adds its predecessors'."""
    own = {s: tuple(_check(c) for c in node["checks"].get(s, [])) for s in STATUSES}
    if not node.get("cumulative", False):
        return own
    out: dict[str, tuple[StageCheck, ...]] = {"cancelled": own["cancelled"]}
    acc: tuple[StageCheck, ...] = ()
    for status in LIFECYCLE:
        acc = acc + tuple(c for c in own[status] if c not in acc)
        out[status] = acc
    return out


def parse_transitions(node: Mapping[str, Any]) -> Transitions:
    return Transitions(
        node.get("forward", True),
        node.get("cancel_from_open", True),
        tuple(
            TransitionRule(
                r["id"],
                tuple(r["from"]),
                tuple(r["to"]),
                parse_optional(r.get("when")),
                parse_text(r["text"]),
            )
            for r in node.get("rules", [])
        ),
    )


def parse_event(node: Any) -> Event:
    if isinstance(node, str):
        return Event("ref", node)
    if "field" in node:
        return Event("field", node["field"])
    kind = "first_of" if "first_of" in node else "later_of"
    return Event(kind, children=tuple(parse_event(c) for c in node[kind]))


def _duration(node: Mapping[str, Any] | None) -> Duration | None:
    return Duration(float(node["duration"]), node["unit"]) if node else None


def parse_milestone(m: Mapping[str, Any]) -> Milestone:
    variants = tuple(
        Variant(
            v["id"],
            parse_optional(v.get("applies")),
            parse_event(v.get("start", m.get("start"))),
            Duration(float(v.get("duration", m.get("duration"))), v.get("unit", m.get("unit"))),
        )
        for v in (m.get("variants") or [{"id": "default"}])
    )
    return Milestone(
        m["id"],
        parse_text(m["name"]),
        parse_optional(m.get("applies")),
        variants,
        tuple(m.get("done") or [f"milestones.{m['id']}.done_at"]),
        bool(m.get("customer_deadline_applies", False)),
        _duration(m.get("warn_after_start")),
        _duration(m.get("warn_before")),
        parse_text(m["note"]) if "note" in m else None,
    )


def parse_cancellation(c: Mapping[str, Any]) -> CancellationRule:
    return CancellationRule(
        c["id"],
        parse_text(c["text"]),
        parse_optional(c.get("applies")),
        parse_event(c["start"]),
        Duration(float(c["duration"]), c["unit"]),
        parse_event(c["unless"]),
        bool(c.get("restart", False)),
    )


def parse_grade(g: Mapping[str, Any]) -> Grade:
    return Grade(
        g["id"],
        parse_text(g["name"]),
        tuple(
            Criterion(
                c["id"], parse_text(c["text"]), parse_condition(c["when"]), c.get("source", "")
            )
            for c in g.get("criteria", [])
        ),
    )


def parse_penalty_rule(r: Mapping[str, Any]) -> PenaltyRule:
    return PenaltyRule(
        r["id"],
        parse_text(r["text"]),
        tuple(r["milestones"]),
        r["per"],
        tuple(r["triggers"]),
        r["charge_to"],
        tuple(
            PenaltyAmount(parse_optional(a.get("when")), float(a["amount"])) for a in r["amounts"]
        ),
    )


def parse_text(node: Mapping[str, str]) -> Text:
    return Text(node["zh"], node["en"])
