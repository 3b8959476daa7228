"""Stalled work: open records with no milestone due and no change for N days (issue 18).

A record registered with no clock running yet (no sample), or one sitting in verification for
months, is on no overdue list and in no "due this week"; this is the list that shows them.
The last change is the later of the newest Git commit that touched the record's file (up to
"as of") and the newest time written in the record itself (received, done, decided…), so a
record outside Git, or a shallow clone, still has one. Facts only: the page and the robot
message word them (``generator.render``, ``generator.notify``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from generator.time.parse import try_instant

_DATED_SUFFIXES = ("_at", "_on")
_DATED_KEYS = frozenset({"date"})


@dataclass(frozen=True, slots=True)
class StallInput:
    record_id: str
    status: str
    has_due: bool
    """An open milestone with a due time exists (a clock is running)."""
    last_change: datetime | None


@dataclass(frozen=True, slots=True)
class Stalled:
    record_id: str
    status: str
    last_change: datetime
    days: int
    """Whole days from the last change to "as of"."""
    limit: int
    """The number of days after which this status counts as stalled."""


def _dated(node: Any) -> Iterable[str]:
    if isinstance(node, Mapping):
        for key, value in node.items():
            if isinstance(value, str) and (
                str(key).endswith(_DATED_SUFFIXES) or key in _DATED_KEYS
            ):
                yield value
            else:
                yield from _dated(value)
    elif isinstance(node, list):
        for item in node:
            yield from _dated(item)


def last_change(
    data: Mapping[str, Any], commits: Iterable[datetime], as_of: datetime, tz: ZoneInfo
) -> datetime | None:
    """The newest of the commit times and the record's own times that are not after
    ``as_of``; None when there is neither."""
    times = [c for c in commits if c <= as_of]
    times += [t for t in (try_instant(v, tz) for v in _dated(data)) if t and t <= as_of]
    return max(times, default=None)


def find_stalled(
    items: Iterable[StallInput],
    as_of: datetime,
    days: int,
    by_status: Mapping[str, int],
) -> list[Stalled]:
    """The stalled records, longest without change first."""
    out = []
    for item in items:
        if item.has_due or item.last_change is None:
            continue
        limit = by_status.get(item.status, days)
        age = (as_of - item.last_change).days
        if age >= limit:
            out.append(Stalled(item.record_id, item.status, item.last_change, age, limit))
    out.sort(key=lambda s: (-s.days, s.record_id))
    return out
