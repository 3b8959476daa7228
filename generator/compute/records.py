"""Stage 3: compute each record's grade, deadlines, cancellation, penalties and approvals.

Pure: the records, the policy, the working calendar and ``as_of`` are arguments; nothing is
read or written, and no word is written here: the export shape is
:mod:`generator.render.jsonexport`, ``kesu show``'s text :mod:`generator.render.show`, the
milestones' explanations :mod:`generator.render.explain`.

The result types (``Computed``, ``ApprovalStatus``, ``MilestoneResult``, ``GradeResult``,
``Reason``, ``Penalty``) are frozen slots dataclasses: values, never changed once built.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from generator.common import collector
from generator.common.model import Record
from generator.compute.deadlines import (
    NOT_CANCELLED,
    Calendar,
    CancelReason,
    MilestonePlan,
    MilestoneResult,
    Resolver,
    cancellation_state,
    milestone_results,
)
from generator.compute.grading import MAX_EVIDENCE, GradeResult, Reason, grade_all, is_occurrence
from generator.compute.penalties import Penalty, PenaltyTotal, penalties_for, penalty_totals
from generator.policy.conditions import Context
from generator.policy.recordpaths import key_value, latest_decision
from generator.time.parse import try_instant

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

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
    "next_reopen_id",
    "penalty_totals",
]
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
    cancel_reason: CancelReason | None
    """Why it is cancelled, or ran again after an automatic cancellation."""
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
    with collector.only_new_objects():
        return _compute_all(records, policy, calendar, as_of, due_soon_days)


def _compute_all(
    records: Sequence[Record],
    policy: Policy,
    calendar: Calendar,
    as_of: datetime,
    due_soon_days: int,
) -> dict[str, Computed]:
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
            cancel.reason,
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
    with collector.only_new_objects():
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


# ------------------------------------------------------------------ kesu show
