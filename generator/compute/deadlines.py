"""Deadlines: due times, customer deadlines, extensions, states, cancellation.

Start events, their resolution and the milestone types are in :mod:`generator.compute.events` and
:mod:`generator.policy.types`; their names are re-exported here for existing imports.

Everything is judged *as of* an instant: an event or completion recorded after ``as_of`` has
not happened yet, so the same records give the same answer for any past ``as_of``.

A milestone's due is its start event plus duration on the working calendar. A customer
deadline (``customer_deadline``, itself extendable with an extension for ``customer_deadline``)
replaces it when earlier, or always, as the policy's ``customer_deadline_mode`` says; it also
applies while the start event has not happened, since it does not depend on it. The last
approved extension for the milestone then moves the due later; an extension that is not later
is ignored and said so. ``original_due_at`` always keeps the policy's own due.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from generator.common.model import Record
from generator.compute.events import (
    EventName,
    Resolver,
    event_name,
    first_instant,
    flatten,
    instant,
    resolve,
    values_at,
)
from generator.policy.conditions import Context, Run, holds
from generator.policy.parsers import parse_cancellation, parse_event, parse_milestone
from generator.policy.recordpaths import reader
from generator.policy.types import (
    BUILTIN_EVENTS,
    CancellationRule,
    Duration,
    Event,
    EventDef,
    Milestone,
    Text,
    Variant,
)
from generator.time.parse import try_instant

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from generator.policy.types import Policy
    from generator.time.workcal import Due

__all__ = [
    "BUILTIN_EVENTS",
    "NOT_CANCELLED",
    "Calendar",
    "CancelReason",
    "CancelState",
    "CancellationRule",
    "Duration",
    "Event",
    "EventDef",
    "EventName",
    "Milestone",
    "MilestonePlan",
    "MilestoneResult",
    "Resolver",
    "Variant",
    "cancellation_state",
    "event_name",
    "first_instant",
    "instant",
    "milestone_result",
    "milestone_results",
    "parse_cancellation",
    "parse_event",
    "parse_milestone",
    "resolve",
    "values_at",
]


class Calendar(Protocol):
    """What deadlines need of :class:`generator.time.workcal.WorkCalendar`."""

    @property
    def tz(self) -> ZoneInfo: ...

    def add(self, start: datetime, amount: float, unit: str) -> Due: ...


@dataclass(frozen=True, slots=True)
class MilestoneResult:
    id: str
    name_zh: str
    name_en: str
    start_event: str
    """The start event's name (a policy event name, or a field path); empty for a
    ``first_of`` / ``later_of``, which ``start_name`` names."""
    start_at: datetime | None
    due_at: datetime | None
    original_due_at: datetime | None
    """The policy's own due, before any customer deadline or extension."""
    due_source: str  # policy | customer | extension
    done_at: datetime | None
    state: str
    """pending, due_soon, overdue, done_on_time, done_late, missed (the record closed
    without it, after its due), not_applicable or cancelled."""
    late_by: timedelta | None
    """Done late: done - due. Overdue: as_of - due. Otherwise None."""
    estimated: bool
    """The due crosses a year whose official calendar is not published (weekends only)."""
    notes: tuple[tuple[Any, ...], ...] = ()
    """What the explanation says, as data (kind, then its facts), in order."""
    variant: str = ""
    counted: Due | None = None
    """The policy's due as counted on the calendar (what its explanation states); None while
    the start event has not happened."""
    start_name: EventName | None = None
    """The start event's names (None when the milestone does not apply)."""

    @property
    def overdue(self) -> bool:
        """Open past its due as of the computation."""
        return self.state == "overdue"


@dataclass(frozen=True, slots=True)
class CancelReason:
    """Why a record is cancelled, or ran again after an automatic cancellation, as facts
    (:func:`generator.render.explain.cancel_text` says it). Times are in the zone."""

    kind: str
    """``manual`` (the record's status), ``automatic`` (the policy's rule) or ``restarted``
    (the awaited event came after the automatic cancellation)."""
    why: str = ""
    """``manual``: the record's ``cancellation.reason`` (``—`` when empty)."""
    rule: Text | None = None
    """``automatic``: the rule's text."""
    awaited: EventName | None = None
    """The event the rule waited for."""
    duration: Duration | None = None
    """How long the rule waited."""
    start_at: datetime | None = None
    """When the wait started."""
    cancel_at: datetime | None = None
    arrived_at: datetime | None = None
    """``restarted``: when the awaited event came."""


@dataclass(frozen=True, slots=True)
class CancelState:
    cancelled: bool
    reason: CancelReason | None = None
    """Why, when cancelled or restarted."""
    cancel_at: datetime | None = None
    """When the automatic cancellation takes (or took) effect."""
    restarted_at: datetime | None = None
    """The awaited event came after the cancellation: every open clock restarts here."""


NOT_CANCELLED = CancelState(False)


def cancellation_state(
    record: Record,
    policy: Policy,
    calendar: Calendar,
    as_of: datetime,
    events: Resolver | None = None,
    plan: MilestonePlan | None = None,
) -> CancelState:
    """Cancelled by hand (status), by the policy's rule, or restarted after it. ``events``:
    the record's resolver, when its milestones will share it; ``plan``: the policy prepared
    once for many records."""
    tz = calendar.tz
    if record.data.get("status") == "cancelled":
        at = try_instant(record.get("cancellation.at"), tz)
        why = record.get("cancellation.reason") or "—"
        if at is None or at <= as_of:
            return CancelState(True, CancelReason("manual", why), at)
    rule = policy.cancellation
    if rule is None or not holds(rule.applies, record):
        return NOT_CANCELLED
    events = events or Resolver(record, policy, tz, as_of)
    flat = plan.cancel_events if plan is not None and plan.policy is policy else None
    start = events.resolve(flat[0] if flat else rule.start)
    if start is None:
        return NOT_CANCELLED
    cancel_at = calendar.add(start, rule.duration.amount, rule.duration.unit).at
    arrived = events.resolve(flat[1] if flat else rule.unless)
    if arrived is not None and arrived <= cancel_at:
        return NOT_CANCELLED
    if as_of < cancel_at:
        return CancelState(False, cancel_at=cancel_at)
    restarted = arrived is not None and rule.restart
    reason = CancelReason(  # the names: only for the few records that need them
        "restarted" if restarted else "automatic",
        rule=None if restarted else rule.text,
        awaited=event_name(rule.unless, policy),
        duration=rule.duration,
        start_at=start.astimezone(tz),
        cancel_at=cancel_at.astimezone(tz),
        arrived_at=arrived.astimezone(tz) if restarted and arrived is not None else None,
    )
    if restarted:
        return CancelState(False, reason, cancel_at, arrived)
    return CancelState(True, reason, cancel_at)


def _na(m: Milestone, note: tuple[Any, ...]) -> MilestoneResult:
    return MilestoneResult(
        m.id,
        m.name.zh,
        m.name.en,
        "",
        None,
        None,
        None,
        "policy",
        None,
        "not_applicable",
        None,
        False,
        (note,),
    )


class _Variant(NamedTuple):
    applies: Run | None
    variant: Variant
    name: EventName
    start_event: str
    """The start event's name as the result shows it."""
    start: Event
    """``variant.start`` with the policy's event names replaced by their definitions."""


class _Prepared(NamedTuple):
    m: Milestone
    applies: Run | None
    variants: tuple[_Variant, ...]
    done: tuple[Callable[[Any], Any], ...] | None
    """Readers of the done paths, or None when a path steps into a list (``first_instant``)."""


class MilestonePlan:
    """A policy's milestones prepared once for a computation: conditions compiled, event
    names and path readers looked up, and the not-applicable results (which depend on the
    milestone and the grade alone) built once per grade and shared."""

    __slots__ = ("_na", "cancel_events", "items", "policy")

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.items = tuple(_prepare(m, policy) for m in policy.milestones)
        self._na: dict[tuple[int, str, str], MilestoneResult] = {}
        rule = policy.cancellation
        self.cancel_events = (
            None
            if rule is None
            else (flatten(rule.start, policy.events), flatten(rule.unless, policy.events))
        )
        """The cancellation rule's start and awaited events, flattened."""

    def na(self, i: int, grade: str, why: str) -> MilestoneResult:
        """Milestone ``i`` not applicable at ``grade``: ``why`` is ``milestone`` (its own
        condition) or ``variant`` (none of its variants)."""
        key = (i, grade, why)
        if (found := self._na.get(key)) is None:
            m = self.items[i].m
            found = self._na[key] = _na(
                m, ("not_applicable" if why == "milestone" else "no_variant", grade)
            )
        return found


def _prepare(m: Milestone, policy: Policy) -> _Prepared:
    variants = []
    for v in m.variants:
        variants.append(
            _Variant(
                v.applies.run if v.applies is not None else None,
                v,
                event_name(v.start, policy),
                v.start.value,
                flatten(v.start, policy.events),
            )
        )
    done = None if any("[]" in path for path in m.done) else tuple(reader(p) for p in m.done)
    return _Prepared(m, m.applies.run if m.applies is not None else None, tuple(variants), done)


def milestone_result(
    m: Milestone,
    record: Record,
    grade: str,
    policy: Policy,
    calendar: Calendar,
    as_of: datetime,
    due_soon_days: int,
    cancel: CancelState,
    events: Resolver | None = None,
) -> MilestoneResult:
    """One milestone's state; ``events``: the record's resolver, when its other milestones
    share it. (:func:`milestone_results` computes all of a record's at once.)"""
    plan = MilestonePlan(replace(policy, milestones=(m,)))
    return _results(
        plan,
        record,
        grade,
        calendar,
        as_of,
        due_soon_days,
        cancel,
        events or Resolver(record, policy, calendar.tz, as_of),
    )[0]


class _Deadlines:
    """A record's customer deadline and extensions, read once for all its milestones."""

    __slots__ = ("_customer", "_extensions", "_record", "_tz", "none")

    def __init__(self, record: Record, tz: ZoneInfo) -> None:
        self._record, self._tz = record, tz
        self._customer: tuple[datetime | None] | None = None
        self._extensions: dict[str, tuple[datetime, str, str]] | None = None
        self.none = not record.data.get("extensions")
        """No extensions at all (most records): nothing to look up."""

    def customer(self) -> datetime | None:
        if self._customer is None:
            ext = None if self.none else self.extension("customer_deadline")
            self._customer = (
                ext[0] if ext else instant(self._record.data.get("customer_deadline"), self._tz),
            )
        return self._customer[0]

    def extension(self, milestone: str) -> tuple[datetime, str, str] | None:
        """The last approved extension of ``milestone`` with a valid new due, if any."""
        if self._extensions is None:
            self._extensions = {}
            items = self._record.data.get("extensions")
            for item in items if isinstance(items, list) else []:
                if (
                    isinstance(item, Mapping)
                    and isinstance(ms := item.get("milestone"), str)
                    and (at := try_instant(item.get("new_due"), self._tz)) is not None
                ):
                    self._extensions[ms] = (
                        at,
                        str(item.get("approved_by", "")),
                        str(item.get("reason", "")),
                    )
        return self._extensions.get(milestone) if self._extensions else None


def _results(
    plan: MilestonePlan,
    record: Record,
    grade: str,
    calendar: Calendar,
    as_of: datetime,
    due_soon_days: int,
    cancel: CancelState,
    events: Resolver,
    ctx: Context | None = None,
) -> tuple[MilestoneResult, ...]:
    """All of ``plan``'s milestones for one record (one loop: this runs for every record).
    ``ctx``: the record's context at ``grade``, when the caller has one."""
    policy, tz, data = plan.policy, calendar.tz, record.data
    ctx, deadlines = ctx or Context(record, grade), _Deadlines(record, tz)
    restart = cancel.restarted_at
    out: list[MilestoneResult] = []
    for i, (m, applies, variants, readers) in enumerate(plan.items):
        if applies is not None and applies(ctx) is None:
            out.append(plan.na(i, grade, "milestone"))
            continue
        for v in variants:
            if v.applies is None or v.applies(ctx) is not None:
                break
        else:
            out.append(plan.na(i, grade, "variant"))
            continue
        variant = v.variant
        if readers is None:
            done = first_instant(record, m.done, tz)
        else:
            done = None
            for read in readers:
                if (done := instant(read(data), tz)) is not None:
                    break
        # astimezone only when needed: most times are already in the zone, and it is not free
        if done is not None:
            done = (done if done.tzinfo is tz else done.astimezone(tz)) if done <= as_of else None
        start = events.resolve(v.start)
        if start is not None and start.tzinfo is not tz:
            start = start.astimezone(tz)
        restarted = (
            start is not None
            and restart is not None
            and start < restart
            and (done is None or done >= restart)
        )
        if restarted and restart is not None:
            start = restart.astimezone(tz)
        policy_due = due = calc = None
        estimated, source = False, "policy"
        if start is not None:
            calc = calendar.add(start, variant.duration.amount, variant.duration.unit)
            policy_due = due = calc.at
            estimated = calc.estimated
            notes: list[tuple[Any, ...]] = [("start", v.name)]
            if restarted:
                notes.append(("restart", start))
        else:
            notes = [("wait", v.name)]
        customer = deadlines.customer() if m.customer_deadline_applies else None
        if customer is not None and (
            due is None or policy.customer_deadline_mode == "always" or customer < due
        ):
            due, source, estimated = customer.astimezone(tz), "customer", False
            notes.append(("customer", due))
        ext = None if deadlines.none else deadlines.extension(m.id)
        if ext is not None and due is not None:
            if ext[0] > due:
                notes.append(("extended", ext[0].astimezone(tz), ext[1], ext[2], due))
                due, source, estimated = ext[0].astimezone(tz), "extension", False
            else:
                notes.append(("ignored", ext[0].astimezone(tz)))
        late_by = None
        if done is not None:
            if due is not None and done > due:
                state, late_by = "done_late", done - due
                notes.append(("late", done, late_by))
            else:
                state = "done_on_time"
                notes.append(("done", done, due))
        elif cancel.cancelled:
            state = "cancelled"
            notes.append(("cancelled",))
        elif (closed := events.closed_at()) is not None and (due is None or due >= closed):
            # The record closed before this clock ran out (or started): nothing is owed any more.
            state = "not_applicable"
            notes.append(("closed", closed))
        elif closed is not None and due is not None:
            # Closed without it: the clock stopped at closure; a miss, not a live overdue item.
            state, late_by = "missed", closed - due
            notes.append(("missed", closed, late_by))
        elif due is None:
            state = "pending"
        elif due < as_of:
            state, late_by = "overdue", as_of - due
            notes.append(("overdue", late_by))
        else:
            warn_at = due - timedelta(days=due_soon_days)
            if m.warn_before is not None:
                unit_delta = (
                    timedelta(hours=1) if m.warn_before.unit == "hours" else timedelta(days=1)
                )
                warn_at = min(warn_at, due - m.warn_before.amount * unit_delta)
            if m.warn_after_start is not None and start is not None and as_of < warn_at:
                w = m.warn_after_start
                warn_at = min(warn_at, calendar.add(start, w.amount, w.unit).at)
            state = "due_soon" if as_of >= warn_at else "pending"
        out.append(
            MilestoneResult(
                m.id,
                m.name.zh,
                m.name.en,
                v.start_event,
                start,
                due,
                policy_due,
                source,
                done,
                state,
                late_by,
                estimated,
                tuple(notes),
                variant.id,
                calc,
                v.name,
            )
        )
    return tuple(out)


def milestone_results(
    record: Record,
    grade: str,
    policy: Policy,
    calendar: Calendar,
    as_of: datetime,
    due_soon_days: int,
    cancel: CancelState,
    excluded: tuple[str, str] | None = None,
    events: Resolver | None = None,
    plan: MilestonePlan | None = None,
    ctx: Context | None = None,
) -> tuple[MilestoneResult, ...]:
    """Every milestone of the policy for one record; ``events``: the record's resolver, when
    its cancellation already used one; ``plan``: the policy's milestones prepared once for
    many records; ``ctx``: the record's condition context at ``grade``."""
    if excluded is not None:
        return tuple(_na(m, ("text", *excluded)) for m in policy.milestones)
    plan = plan if plan is not None and plan.policy is policy else MilestonePlan(policy)
    return _results(
        plan,
        record,
        grade,
        calendar,
        as_of,
        due_soon_days,
        cancel,
        events or Resolver(record, policy, calendar.tz, as_of),
        ctx,
    )
