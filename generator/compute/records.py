"""Stage 3: compute each record's grade, deadlines, cancellation, penalties and approvals.

Pure: the records, the policy, the working calendar and ``as_of`` are arguments; nothing is
read or written. ``to_json``/``export_json`` give the stable shape ``kesu export --format json``
prints (``schema_version`` 1, times ISO 8601 with offset); ``explain`` is the text of
``kesu show``.

The result types (``Computed``, ``ApprovalStatus``, ``MilestoneResult``, ``GradeResult``,
``Reason``, ``Penalty``) are frozen slots dataclasses: values, never changed once built.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from generator.common.model import Record
from generator.common.textrules import scrub
from generator.compute.deadlines import (
    NOT_CANCELLED,
    Calendar,
    MilestonePlan,
    MilestoneResult,
    Resolver,
    cancellation_state,
    milestone_results,
    span,
)
from generator.compute.grading import MAX_EVIDENCE, GradeResult, Reason, grade_all, is_occurrence
from generator.compute.penalties import Penalty, PenaltyTotal, penalties_for, penalty_totals
from generator.policy.conditions import Context
from generator.policy.recordpaths import key_value, latest_decision
from generator.time.parse import try_instant

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from generator.common.model import LateRecorded
    from generator.policy.types import Policy

__all__ = [
    "ApprovalStatus",
    "Computed",
    "GradeResult",
    "MilestoneResult",
    "Penalty",
    "PenaltyTotal",
    "Reason",
    "compute_all",
    "explain",
    "export_json",
    "next_reopen_id",
    "penalty_totals",
    "to_json",
]
SCHEMA_VERSION = 1
_OPEN = ("pending", "due_soon", "overdue")


@dataclass(frozen=True, slots=True)
class ApprovalStatus:
    id: str
    role: str
    subject: str
    stage: str
    """The status the record may not be in (or past) without this approval."""
    text_zh: str
    text_en: str
    decision: str | None
    """The latest decision recorded: approved, rejected, or None when there is none yet."""
    by: str | None
    at: str | None
    """The date as written in the record."""


@dataclass(frozen=True, slots=True)
class Computed:
    record_id: str
    grade: GradeResult
    milestones: tuple[MilestoneResult, ...]
    cancelled: bool
    cancel_reason_zh: str
    cancel_reason_en: str
    penalties: tuple[Penalty, ...]
    required_approvals: tuple[ApprovalStatus, ...]
    cancel_at: datetime | None = None
    """When the policy's automatic cancellation takes or took effect."""
    restarted_at: datetime | None = None
    not_a_complaint_zh: str = ""
    """Why the policy does not treat this record as a complaint (empty when it does)."""
    not_a_complaint_en: str = ""
    reopen_suggested: tuple[str, ...] = ()
    """Closed records with the same problem that this record says should be reopened."""

    @property
    def overdue(self) -> bool:
        """A milestone is open past its due."""
        return any(m.overdue for m in self.milestones)

    @property
    def next_due(self) -> MilestoneResult | None:
        """The open milestone due first (overdue ones included; the first of equals)."""
        return min(
            (m for m in self.milestones if m.due_at is not None and m.state in _OPEN),
            key=lambda m: (m.due_at, m.id),
            default=None,
        )


def received_at(records: Sequence[Record], tz: ZoneInfo) -> dict[str, datetime | None]:
    return {r.id: try_instant(r.data.get("received_at"), tz) for r in records}


def processing_order(
    records: Sequence[Record], received: Mapping[str, datetime | None]
) -> list[Record]:
    """Received order, then id; records without a valid received time last."""
    ts = {rid: at.timestamp() for rid, at in received.items() if at is not None}

    def key(r: Record) -> tuple[bool, float, str]:
        at = ts.get(r.id)
        return at is None, at if at is not None else 0.0, r.id

    return sorted(records, key=key)


def closure_recurrences(
    records: Sequence[Record], policy: Policy, tz: ZoneInfo, received: Mapping[str, datetime | None]
) -> dict[str, tuple[str, ...]]:
    """Closed records that a later record with the same key says should be reopened."""
    if not policy.reopen.on_recurrence_after_closure:
        return {}
    spec = (policy.reopen.recurrence_key,)
    reopened = {o for r in records if isinstance(o := r.get("reopen_of"), str)}
    closed: dict[tuple[str, ...], list[tuple[float, str]]] = {}
    for r in records:
        at = try_instant(r.get("d8_closure.closed_at"), tz)
        value = key_value(r, spec)
        if r.get("status") == "closed" and at and value and r.id not in reopened:
            closed.setdefault(value, []).append((at.timestamp(), r.id))
    for items in closed.values():
        items.sort()
    out: dict[str, tuple[str, ...]] = {}
    for r in records:
        at, value = received.get(r.id), key_value(r, spec)
        if at is None or value is None or value not in closed or not is_occurrence(r, policy):
            continue
        items = closed[value]
        hi = bisect_right(items, (at.timestamp(), "\U0010ffff"))
        ids = tuple(i for _, i in items[max(0, hi - MAX_EVIDENCE - 1) : hi] if i != r.id)
        if ids:
            out[r.id] = ids[-MAX_EVIDENCE:]
    return out


class _Undecided:
    """Approval statuses while no decision is recorded: the same for every record, so each
    (and each tuple of them a record can need) is made once per computation."""

    def __init__(self, policy: Policy) -> None:
        self.status = {
            rule.id: ApprovalStatus(
                rule.id,
                rule.role,
                rule.subject,
                rule.stage,
                rule.text.zh,
                rule.text.en,
                None,
                None,
                None,
            )
            for rule in policy.approvals
        }
        self._sets: dict[tuple[str, ...], tuple[ApprovalStatus, ...]] = {}

    def of(self, rules: tuple[str, ...]) -> tuple[ApprovalStatus, ...]:
        if (found := self._sets.get(rules)) is None:
            found = self._sets[rules] = tuple(self.status[r] for r in rules)
        return found


def _approvals(
    record: Record, policy: Policy, ctx: Context, undecided: _Undecided
) -> tuple[ApprovalStatus, ...]:
    """The approvals the record needs at its grade (``ctx``), with their latest decisions."""
    needed, decided = [], {}
    for rule in policy.approvals:
        if rule.applies is not None and not rule.applies.holds(ctx):
            continue
        needed.append(rule.id)
        entry = latest_decision(record, rule.role, rule.subject)
        if entry is not None:
            by, at = entry.get("name"), entry.get("date")
            decided[rule.id] = ApprovalStatus(
                rule.id,
                rule.role,
                rule.subject,
                rule.stage,
                rule.text.zh,
                rule.text.en,
                entry.get("decision"),
                by if isinstance(by, str) else None,
                at if isinstance(at, str) else None,
            )
    if not decided:
        return undecided.of(tuple(needed))
    return tuple(decided.get(r) or undecided.status[r] for r in needed)


def compute_all(
    records: Sequence[Record],
    policy: Policy,
    calendar: Calendar,
    as_of: datetime,
    *,
    due_soon_days: int = 2,
) -> dict[str, Computed]:
    """Every record's computed fields, keyed and ordered by record id (the first of a
    duplicated id wins). ``due_soon_days`` comes from the repository config."""
    if as_of.tzinfo is None:
        raise ValueError("as_of needs a time zone")
    tz = calendar.tz
    plan, pending = MilestonePlan(policy), _Undecided(policy)
    received = received_at(records, tz)
    ordered = processing_order(records, received)
    grades = grade_all(ordered, policy, tz, received)
    reopen = closure_recurrences(ordered, policy, tz, received)
    out: dict[str, Computed] = {}
    for record in ordered:
        if record.id in out:
            continue
        grade = grades[record.id]
        ctx = Context(record, grade.grade)  # one per record, for every condition it meets
        nac = policy.not_a_complaint
        excluded = (nac[1].zh, nac[1].en) if nac and nac[0].holds(ctx) else None
        events = Resolver(record, policy, tz, as_of)
        cancel = (
            NOT_CANCELLED
            if excluded
            else cancellation_state(record, policy, calendar, as_of, events, plan)
        )
        ms = milestone_results(
            record,
            grade.grade,
            policy,
            calendar,
            as_of,
            due_soon_days,
            cancel,
            excluded,
            events,
            plan,
            ctx,
        )
        out[record.id] = Computed(
            record.id,
            grade,
            ms,
            cancel.cancelled,
            cancel.reason_zh,
            cancel.reason_en,
            () if excluded else penalties_for(record, grade.grade, ms, policy, tz),
            _approvals(record, policy, ctx, pending),
            cancel.cancel_at,
            cancel.restarted_at,
            excluded[0] if excluded else "",
            excluded[1] if excluded else "",
            reopen.get(record.id, ()),
        )
    return {rid: out[rid] for rid in sorted(out)}


def compute_grades(
    records: Sequence[Record],
    policy: Policy,
    tz: ZoneInfo,
) -> dict[str, GradeResult]:
    """Only the grades, exactly as ``compute_all`` gives them (``kesu validate`` needs no
    deadlines: a third of the computation saved)."""
    received = received_at(records, tz)
    grades = grade_all(processing_order(records, received), policy, tz, received)
    return {rid: grades[rid] for rid in sorted(grades)}


def next_reopen_id(policy: Policy, original: str, existing: Iterable[str]) -> str | None:
    """The id for reopening ``original``: ``<root>-N`` with the next free N (004: 原号码后加
    “-1”, then -2 …), counted from the root even when a reopening is reopened. None when the
    policy numbers reopenings as new records."""
    if policy.reopen.numbering != "suffix":
        return None
    parts = original.split("-")
    root = "-".join(parts[:3]) if len(parts) == 4 else original
    taken = {
        int(x.rsplit("-", 1)[1])
        for x in existing
        if x.startswith(f"{root}-")
        and x.count("-") == root.count("-") + 1
        and x.rsplit("-", 1)[1].isdigit()
    }
    return f"{root}-{next(n for n in range(1, len(taken) + 2) if n not in taken)}"


# ------------------------------------------------------------------ JSON export


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
                    "text": {"zh": r.text_zh, "en": r.text_en},
                    "records": list(r.records),
                }
                for r in g.reasons
            ],
        },
        "not_a_complaint": _pair(c.not_a_complaint_zh, c.not_a_complaint_en),
        "cancelled": c.cancelled,
        "cancel_reason": _pair(c.cancel_reason_zh, c.cancel_reason_en),
        "cancel_at": _iso(c.cancel_at),
        "restarted_at": _iso(c.restarted_at),
        "overdue": c.overdue,
        "next_due": c.next_due.id if c.next_due else None,
        "milestones": [
            {
                "id": m.id,
                "name": {"zh": m.name_zh, "en": m.name_en},
                "variant": m.variant,
                "start_event": m.start_event,
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
                "explanation": {"zh": m.explanation_zh, "en": m.explanation_en},
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
                "text": {"zh": p.text_zh, "en": p.text_en},
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


# ------------------------------------------------------------------ kesu show

_STATES = {
    "pending": ("待办", "pending"),
    "due_soon": ("即将到期", "due soon"),
    "overdue": ("已逾期", "overdue"),
    "done_on_time": ("按时完成", "done on time"),
    "done_late": ("延迟完成", "done late"),
    "not_applicable": ("不适用", "not applicable"),
    "cancelled": ("已取消", "cancelled"),
    "missed": ("结案时未完成", "not done at closure"),
}


def explain(c: Computed, lang: str = "zh") -> str:
    """A short, plain-text account of one record for the terminal."""
    en = lang == "en"
    g = c.grade
    name = g.name_en if en else g.name_zh
    lines = [
        f"{c.record_id}  "
        + (
            f"grade {g.grade} {name} (by facts: {g.fact_grade})"
            if en
            else f"级别 {g.grade} {name}（按事实：{g.fact_grade}）"
        )
    ]
    if g.declared_status in ("looser", "unknown"):
        why = "更宽松" if g.declared_status == "looser" else "不是本策略的级别"
        lines.append(
            f"  ! declared grade {g.declared} ignored ({g.declared_status})"
            if en
            else f"  ! 声明级别 {g.declared} 未采用（{why}）"
        )
    lines.append("Reasons:" if en else "原因：")
    lines += [f"  - [{r.criterion or '-'}] {r.text_en if en else r.text_zh}" for r in g.reasons]
    for flag_zh, flag_en in (
        (c.not_a_complaint_zh, c.not_a_complaint_en),
        (c.cancel_reason_zh, c.cancel_reason_en),
    ):
        if flag_zh:
            lines.append(f"  * {flag_en if en else flag_zh}")
    if c.reopen_suggested:
        ids = ", ".join(c.reopen_suggested)
        lines.append(
            f"  * same problem after closure of {ids}: reopen it"
            if en
            else f"  * {ids} 结案后同一问题再发生：应重开"
        )
    head = (
        ("Milestone", "Start", "Due", "Done", "State")
        if en
        else ("节点", "起算", "期限", "完成", "状态")
    )
    rows = [head]
    for m in c.milestones:
        state = _STATES[m.state][1 if en else 0]
        if m.late_by is not None:
            state += f" {span(m.late_by)[1 if en else 0]}"
        if m.estimated:
            state += " (estimate)" if en else "（估算）"
        if m.due_source != "policy":
            source = {
                "customer": ("客户期限", "customer deadline"),
                "extension": ("已延期", "extended"),
            }.get(m.due_source, (m.due_source,) * 2)
            was = _t(m.original_due_at)
            state += f" [{source[1]}; policy due {was}]" if en else f"［{source[0]}；原期限 {was}］"
        rows.append(
            (
                f"{m.id} {m.name_en if en else m.name_zh}",
                _t(m.start_at),
                _t(m.due_at),
                _t(m.done_at),
                state,
            )
        )
    widths = [max(_width(r[i]) for r in rows) for i in range(4)]
    lines.append("Deadlines:" if en else "时限：")
    lines += [
        "  "
        + "  ".join(
            cell + " " * (widths[i] - _width(cell)) if i < 4 else cell for i, cell in enumerate(r)
        ).rstrip()
        for r in rows
    ]
    for a in c.required_approvals:
        state = a.decision or ("missing" if en else "未审批")
        lines.append(
            f"Approval {a.role}/{a.subject} before {a.stage}: {state}"
            if en
            else f"审批 {a.role}/{a.subject}（{a.stage} 前）：{state}"
        )
    for p in c.penalties:
        who = p.charged_to or ("?" if en else "未指定")
        lines.append(
            f"Penalty {p.amount:g} {p.currency} → {who} ({p.month})"
            if en
            else f"罚款 {p.amount:g} {p.currency} → {who}（{p.month}）"
        )
    # Policy names and record values reach the terminal: no control or bidi character does.
    return scrub("\n".join(lines)) + "\n"


def _t(at: datetime | None) -> str:
    """Times are already in the repository's zone (the calendar's)."""
    return "—" if at is None else f"{at:%Y-%m-%d %H:%M}"


def _width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(
        2
        if "\u2e80" <= ch <= "\ua4cf" or "\uac00" <= ch <= "\ud7a3" or "\uff00" <= ch <= "\uff60"
        else 1
        for ch in text
    )
