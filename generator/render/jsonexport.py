"""The stable shape ``kesu export --format json`` prints (``schema_version`` 1, times ISO 8601
with offset): the computed facts of every record, with their explanations in both languages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from generator.common.model import LateRecorded
from generator.compute.penalties import penalty_totals
from generator.compute.records import Computed
from generator.policy.types import Policy
from generator.render.explain import cancel_text, explanation, start_event
from generator.render.reasons import penalty_text, reason_text

SCHEMA_VERSION = 1


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def _pair(zh: str, en: str) -> dict[str, str] | None:
    return {"zh": zh, "en": en} if zh or en else None


def to_json(
    c: Computed, reopen_of: str | None = None, reopened_as: Sequence[str] = ()
) -> dict[str, Any]:
    """One record's computed fields in the documented export shape; ``reopen_of`` and
    ``reopened_as`` link a reopening and its original both ways."""
    g = c.grade
    return {
        "id": c.record_id,
        "grade": {
            "id": g.grade,
            "name": {"zh": g.name_zh, "en": g.name_en},
            "fact_grade": g.fact_grade,
            "computed_grade": g.computed_grade,
            "declared": g.declared,
            "declared_status": g.declared_status,
            "reasons": [
                {
                    "criterion": r.criterion,
                    "text": {"zh": reason_text(r, "zh"), "en": reason_text(r, "en")},
                    "records": list(r.records),
                }
                for r in g.reasons
            ],
        },
        "not_a_complaint": _pair(c.not_a_complaint_zh, c.not_a_complaint_en),
        "cancelled": c.cancelled,
        "cancel_reason": (
            None
            if c.cancel_reason is None
            else {
                "zh": cancel_text(c.cancel_reason, "zh"),
                "en": cancel_text(c.cancel_reason, "en"),
            }
        ),
        "cancel_at": _iso(c.cancel_at),
        "restarted_at": _iso(c.restarted_at),
        "overdue": c.overdue,
        "next_due": c.next_due.id if c.next_due else None,
        "milestones": [
            {
                "id": m.id,
                "name": {"zh": m.name_zh, "en": m.name_en},
                "variant": m.variant,
                "start_event": start_event(m),
                "start_at": _iso(m.start_at),
                "due_at": _iso(m.due_at),
                "original_due_at": _iso(m.original_due_at),
                "due_source": m.due_source,
                "done_at": _iso(m.done_at),
                "state": m.state,
                "overdue": m.overdue,
                "late_by_seconds": int(m.late_by.total_seconds())
                if m.late_by is not None
                else None,
                "estimated": m.estimated,
                "explanation": {"zh": explanation(m, "zh"), "en": explanation(m, "en")},
            }
            for m in c.milestones
        ],
        "penalties": [
            {
                "rule": p.rule,
                "milestones": list(p.milestones),
                "charged_to": p.charged_to,
                "month": p.month,
                "amount": p.amount,
                "currency": p.currency,
                "provisional": p.provisional,
                "text": {"zh": penalty_text(p, "zh"), "en": penalty_text(p, "en")},
            }
            for p in c.penalties
        ],
        "required_approvals": [
            {
                "id": a.id,
                "role": a.role,
                "subject": a.subject,
                "stage": a.stage,
                "text": {"zh": a.text_zh, "en": a.text_en},
                "decision": a.decision,
                "by": a.by,
                "at": a.at,
            }
            for a in c.required_approvals
        ],
        "reopen_suggested": list(c.reopen_suggested),
        "reopen_of": reopen_of,
        "reopened_as": list(reopened_as),
    }


def export_json(
    results: Mapping[str, Computed],
    policy: Policy,
    as_of: datetime,
    late: Sequence[LateRecorded] = (),
    reopens: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The whole ``kesu export --format json`` document (``schema_version`` 1).

    ``reopens``: each reopening's id → the id it reopens (``reopen_of``), from the records.

    Times are ISO 8601 with the repository zone's offset (working-day deadlines keep their
    exact end-of-day instant, ``…T23:59:59.999999+08:00``); texts are ``{zh, en}``; records
    are ordered by id. Fields are only ever added within a schema version::

        schema_version, as_of, policy {id, name}
        records[]: id
          grade {id, name, fact_grade, computed_grade, declared, declared_status
                 (none|stricter|same|looser|unknown), reasons[] {criterion, text, records[]}}
          not_a_complaint (text|null), cancelled, cancel_reason (text|null),
          cancel_at, restarted_at, overdue, next_due (milestone id|null)
          milestones[] {id, name, variant, start_event, start_at, due_at, original_due_at,
                        due_source (policy|customer|extension), done_at,
                        state (pending|due_soon|overdue|done_on_time|done_late|
                               not_applicable|cancelled),
                        overdue, late_by_seconds, estimated, explanation}
          penalties[] {rule, milestones[], charged_to, month (YYYY-MM), amount, currency,
                       provisional, text}
          required_approvals[] {id, role, subject, stage, text, decision, by, at}
          reopen_suggested[], reopen_of (id|null), reopened_as[]
        penalty_totals[] {charged_to, month, amount, currency, count, records[]}
        late_entries[] {record, field, value, recorded_at, recorded_commit, base_at}
    """
    totals = penalty_totals(p for c in results.values() for p in c.penalties)
    links = {rid: parent for rid, parent in (reopens or {}).items() if rid in results}
    children: dict[str, list[str]] = {}
    for rid in sorted(links, key=_reopen_order):
        children.setdefault(links[rid], []).append(rid)
    return {
        "schema_version": SCHEMA_VERSION,
        "as_of": as_of.isoformat(),
        "policy": {"id": policy.id, "name": {"zh": policy.name.zh, "en": policy.name.en}},
        "records": [
            to_json(results[rid], links.get(rid), children.get(rid, ())) for rid in sorted(results)
        ],
        "penalty_totals": [
            {
                "charged_to": t.charged_to,
                "month": t.month,
                "amount": t.amount,
                "currency": t.currency,
                "count": t.count,
                "records": list(t.records),
            }
            for t in totals
        ],
        "late_entries": [
            {
                "record": e.record,
                "field": e.field,
                "value": e.value,
                "recorded_at": e.recorded_at.astimezone(as_of.tzinfo).isoformat(),
                "recorded_commit": e.recorded_commit,
                "base_at": e.base_at.astimezone(as_of.tzinfo).isoformat(),
            }
            for e in late
            if e.record in results
        ],
    }


def _reopen_order(rid: str) -> tuple[str, int]:
    """``KS-2026-0007-2`` before ``KS-2026-0007-10``."""
    head, _, n = rid.rpartition("-")
    return (head, int(n)) if n.isdigit() else (rid, 0)
