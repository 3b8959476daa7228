"""The weekly meeting's agenda (issue 18): per open complaint, what happened in the week and
the next step with its owner and date; a next step that was already the next step at earlier
weekly cuts has rolled over, and says for how many weeks.

What happened comes from Git (status moves, ``render.history.status_moves``) and from the
record's own completion times (milestones and actions done in the week). The next step is
the open milestone or open action due first. Facts only; the weekly page words them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from generator.time.parse import try_instant

ACTION_SPOTS: tuple[tuple[str, ...], ...] = (
    ("d0_emergency", "actions"),
    ("d3_containment", "actions"),
    ("d5_actions", "actions"),
    ("d7_prevention", "poka_yoke"),
    ("d7_prevention", "horizontal_deployment", "items"),
)
_NOT_OPEN = frozenset({"done", "verified", "cancelled", "not_needed"})
MAX_WEEKS_BACK = 52


class MilestoneFacts(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def due_at(self) -> datetime | None: ...
    @property
    def done_at(self) -> datetime | None: ...
    def open_at(self, when: datetime) -> bool: ...


@dataclass(frozen=True, slots=True)
class Move:
    at: datetime
    before: str | None
    after: str | None


@dataclass(frozen=True, slots=True)
class Action:
    spot: str
    """Where it is written, e.g. ``d5_actions``."""
    id: str
    description: str
    owner: str
    due: datetime | None
    done_at: datetime | None
    status: str

    def open_at(self, when: datetime) -> bool:
        if self.status in _NOT_OPEN and self.done_at is None:
            return False
        return self.done_at is None or self.done_at > when


@dataclass(frozen=True, slots=True)
class Event:
    kind: str
    """``status`` (a move, from Git), ``milestone`` or ``action`` (done in the week)."""
    at: datetime
    ref: str
    """The milestone or action id; for a move, the new status."""
    before: str | None = None


@dataclass(frozen=True, slots=True)
class Step:
    kind: str
    """``milestone`` or ``action``."""
    ref: str
    due: datetime | None
    owner: str
    """The action's owner; for a milestone, "" (the record's owner)."""


@dataclass(frozen=True, slots=True)
class Item:
    record_id: str
    events: tuple[Event, ...]
    next: Step | None
    rolled_weeks: int
    """How many earlier weekly cuts in a row had this same next step (0: new this week)."""


def _get(data: Mapping[str, Any], path: Sequence[str]) -> Any:
    node: Any = data
    for part in path:
        node = node.get(part) if isinstance(node, Mapping) else None
    return node


def _due(value: object, tz: ZoneInfo) -> datetime | None:
    when = try_instant(value, tz)
    if when is not None and isinstance(value, str) and len(value) == 10:  # a date: its end
        return datetime.combine(when.date(), time(23, 59), tzinfo=tz)
    return when


def actions(data: Mapping[str, Any], tz: ZoneInfo) -> list[Action]:
    """Every action of the record that has an id."""
    out = []
    for spot in ACTION_SPOTS:
        items = _get(data, spot)
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
                continue
            out.append(
                Action(
                    spot[0],
                    item["id"],
                    str(item.get("description") or item.get("item") or ""),
                    str(item.get("owner") or ""),
                    _due(item.get("due"), tz),
                    try_instant(item.get("done_at"), tz),
                    str(item.get("status") or ""),
                )
            )
    return out


def next_step(
    milestones: Iterable[MilestoneFacts], acts: Iterable[Action], when: datetime
) -> Step | None:
    """The open milestone or action due first at ``when`` (undated actions last)."""
    steps = [Step("milestone", m.id, m.due_at, "") for m in milestones if m.open_at(when)]
    steps += [Step("action", a.id, a.due, a.owner) for a in acts if a.open_at(when)]
    far = when + timedelta(days=365 * 100)
    steps.sort(key=lambda s: (s.due or far, s.kind != "milestone", s.ref))
    return steps[0] if steps else None


def _events(
    milestones: Iterable[MilestoneFacts],
    acts: Iterable[Action],
    moves: Iterable[Move],
    start: datetime,
    cut: datetime,
) -> Iterator[Event]:
    for mv in moves:
        if start <= mv.at < cut:
            yield Event("status", mv.at, mv.after or "", mv.before)
    for m in milestones:
        if m.done_at is not None and start <= m.done_at < cut:
            yield Event("milestone", m.done_at, m.id)
    for a in acts:
        if a.done_at is not None and start <= a.done_at < cut:
            yield Event("action", a.done_at, a.id)


def agenda_item(
    record_id: str,
    milestones: Sequence[MilestoneFacts],
    acts: Sequence[Action],
    moves: Sequence[Move],
    week_start: datetime,
    cut: datetime,
    received_at: datetime | None,
) -> Item:
    """The record's agenda line for the week starting ``week_start``, as known at ``cut``."""
    events = sorted(_events(milestones, acts, moves, week_start, cut), key=lambda e: e.at)
    step = next_step(milestones, acts, cut)
    rolled = 0
    if step is not None:
        earlier = week_start
        while rolled < MAX_WEEKS_BACK and (received_at is None or earlier > received_at):
            before = next_step(milestones, acts, earlier)
            if before is None or (before.kind, before.ref) != (step.kind, step.ref):
                break
            rolled += 1
            earlier -= timedelta(days=7)
    return Item(record_id, tuple(events), step, rolled)
