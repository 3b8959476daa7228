"""Calendar periods in the configured zone: ISO weeks, months, quarters; on-time rates."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from generator.render.sitedata import Deadline


@dataclass(frozen=True, slots=True)
class Period:
    key: str
    start: datetime
    end: datetime
    """Exclusive."""

    @property
    def last_day(self) -> date:
        return (self.end - timedelta(days=1)).date()

    def contains(self, when: datetime | None) -> bool:
        return when is not None and self.start <= when < self.end


def _at(d: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(d, time(0), tzinfo=tz)


def iso_week(when: datetime, tz: ZoneInfo) -> Period:
    local = when.astimezone(tz).date()
    monday = local - timedelta(days=local.weekday())
    year, week, _ = monday.isocalendar()
    return Period(f"{year}-W{week:02d}", _at(monday, tz), _at(monday + timedelta(days=7), tz))


def week_by_key(key: str, tz: ZoneInfo) -> Period:
    year, week = key.split("-W")
    monday = date.fromisocalendar(int(year), int(week), 1)
    return Period(key, _at(monday, tz), _at(monday + timedelta(days=7), tz))


def month(when: datetime, tz: ZoneInfo) -> Period:
    local = when.astimezone(tz).date()
    first = local.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return Period(f"{first:%Y-%m}", _at(first, tz), _at(nxt, tz))


def quarter(when: datetime, tz: ZoneInfo) -> Period:
    local = when.astimezone(tz).date()
    q = (local.month - 1) // 3
    first = date(local.year, q * 3 + 1, 1)
    nxt = date(local.year + (q == 3), (q * 3 + 3) % 12 + 1, 1)
    return Period(f"{local.year}-Q{q + 1}", _at(first, tz), _at(nxt, tz))


def year(when: datetime, tz: ZoneInfo) -> Period:
    y = when.astimezone(tz).year
    return Period(str(y), _at(date(y, 1, 1), tz), _at(date(y + 1, 1, 1), tz))


def span(first: datetime, last: datetime, step: str, tz: ZoneInfo) -> list[Period]:
    """Consecutive periods (``week``, ``month`` or ``quarter``) from ``first`` to ``last``."""
    make = {"week": iso_week, "month": month, "quarter": quarter}[step]
    out: list[Period] = []
    p = make(first, tz)
    while p.start <= last:
        out.append(p)
        p = make(p.end, tz)
    return out


def on_time(deadlines: Iterable[Deadline], period: Period, as_of: datetime) -> tuple[int, int]:
    """(on time, decided) for milestones due inside ``period`` and decided by ``as_of``.

    Decided: done by ``as_of``, or past due at ``as_of`` and not done (that counts as late).
    """
    ok = total = 0
    for d in deadlines:
        if (
            d.due_at is None
            or not period.contains(d.due_at)
            or d.state in ("not_applicable", "cancelled")
        ):
            continue
        if d.done_at is not None and d.done_at <= as_of:
            total += 1
            ok += d.done_at <= d.due_at
        elif d.due_at < as_of:
            total += 1
    return ok, total
