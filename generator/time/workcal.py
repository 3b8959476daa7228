"""Working calendar and deadline arithmetic (design decision 6).

The official calendar (holidays and make-up working days, 调休) is reviewed data in
``generator/time/data/cn_calendar.yaml``; company shutdown days and extra working days come from the
repository config. The rules, which are the product's rules:

* Every datetime is timezone-aware; ``start`` is first converted to the calendar's zone (CI runs
  in UTC, the company in ``Asia/Shanghai``), and all dates are local dates in that zone. A naive
  datetime raises ``ValueError``. The due time is returned in the calendar's zone.
* A day is a working day when: it is a company shutdown day → no; else a company extra working
  day → yes; else an official make-up working day → yes; else an official holiday → no; else
  Saturday and Sunday → no; other days → yes. Shutdown and extra days apply in any year.
* ``hours``: N hours of elapsed time after ``start`` (real time, so a DST change shifts the clock).
* ``natural_days``: the same local clock time N calendar days later. A clock time that does not
  exist that day (DST gap) moves forward by the gap; an ambiguous one takes the earlier instant.
* ``working_days``: due at the end of the Nth working day after the start date, "end" being the
  last instant of that local date (23:59:59.999999 local). The start date itself never counts,
  working or not: a complaint received on a holiday starts counting on the next working day.
* ``working_hours``: only time inside the ``WorkingHours`` blocks of working days counts (from
  ``start`` if it falls inside a block); due at the instant the Nth working hour completes, so a
  limit that ends exactly at a block's end is due then, not at the next block's start.
* ``hours`` and ``working_hours`` accept fractions (kept to the microsecond); ``natural_days``
  and ``working_days`` need whole numbers. An amount of 0 is due at ``start`` in every unit.
* A working-calendar computation that looks at a date whose year has no published official
  calendar counts that date with weekends only (plus company days) and returns
  ``estimated=True`` with those years listed; it is never silently guessed. ``hours`` and
  ``natural_days`` do not depend on the calendar and are never estimates.
* Amounts below 0 or above 3660 days' worth (hours: 3660 × 24; working hours: 3660 working days
  of blocks) raise ``ValueError``; day scans are bounded too, so nothing loops forever.
* A notice may also move days at the end of the year before (the 2019 notice did, for
  2018-12-29..31), so a year's last days are final only once the next notice is out; this is
  not flagged, as it has happened once since 2018.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from importlib import resources
from itertools import chain
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

UNITS = ("hours", "working_hours", "natural_days", "working_days")
MAX_DAYS = 3660
_MAX_SCAN_DAYS = MAX_DAYS * 4  # a working-day search that finds nothing in 40 years gives up
_DAY = timedelta(days=1)
_EPS = timedelta(microseconds=1)
PASSED_KINDS = ("weekend", "holiday", "shutdown", "makeup")
"""The kinds of day a count skips (or, ``makeup``, counts), in the order ``Due.passed`` has."""
_SPEC = re.compile(r"(\d{4}-\d{2}-\d{2})(?:\.\.(\d{4}-\d{2}-\d{2}))?")


@dataclass(frozen=True)
class OfficialCalendar:
    holidays: dict[date, str]
    """Official days off (weekend days inside a holiday period included), by holiday name."""
    workdays: dict[date, str]
    """Official make-up working days on weekends (调休上班), by the holiday they make up for."""
    published_years: frozenset[int]
    names_en: dict[str, str] = field(default_factory=dict)
    """English name of each Chinese holiday name."""


class _Loader(yaml.CSafeLoader):
    """Safe loader for the data file: no duplicate keys, no aliases, dates kept as text."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if node in self.constructed_objects:
            raise yaml.constructor.ConstructorError(
                None, None, "aliases are not allowed", node.start_mark
            )
        return super().construct_object(node, deep)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[tuple[str, str]] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                if (key_node.tag, key_node.value) in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key_node.value!r}", key_node.start_mark
                    )
                seen.add((key_node.tag, key_node.value))
        return super().construct_mapping(node, deep)

    def construct_text(self, node: yaml.ScalarNode) -> str:
        return str(self.construct_scalar(node))


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_text)


def _days(spec: object, where: str) -> list[date]:
    """Expand ``YYYY-MM-DD`` or ``YYYY-MM-DD..YYYY-MM-DD`` (at most 31 days)."""
    m = _SPEC.fullmatch(spec) if isinstance(spec, str) else None
    a, b = date.max, date.min  # an empty range, reported below
    with suppress(ValueError):  # a date that does not exist, like 2026-02-30
        if m:
            a, b = date.fromisoformat(m[1]), date.fromisoformat(m[2] or m[1])
    if not 0 <= (b - a).days <= 30:
        raise ValueError(
            f"{where}: {spec!r} is not a date YYYY-MM-DD or a range "
            "YYYY-MM-DD..YYYY-MM-DD of at most 31 days"
        )
    return [a + timedelta(days=i) for i in range((b - a).days + 1)]


def _check(cond: bool, where: str, what: str) -> None:
    if not cond:
        raise ValueError(f"{where}: {what}")


def parse_official_calendar(text: str, source: str) -> OfficialCalendar:
    """Build and validate an ``OfficialCalendar`` from the data file's text."""
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a CSafeLoader
    except yaml.YAMLError as exc:
        raise ValueError(f"{source}: not valid YAML: {exc}") from None
    _check(
        isinstance(data, dict) and set(data) == {"years"},
        source,
        "the file must be a mapping with the single key 'years'",
    )
    _check(isinstance(data["years"], dict), f"{source}: years", "must be a mapping by year")
    found: dict[str, dict[date, str]] = {"holidays": {}, "workdays": {}}
    names_en: dict[str, str] = {}
    published: set[int] = set()
    for year, entry in data["years"].items():
        where = f"{source}: years.{year}"
        _check(isinstance(year, int) and 1949 < year < 2200, where, "the key must be a year")
        _check(
            isinstance(entry, dict)
            and {"published", "source", "holidays", "workdays"}
            <= set(entry)
            <= {"published", "source", "url", "holidays", "workdays"},
            where,
            "needs published, source, holidays and workdays (and optionally url)",
        )
        _check(isinstance(entry["published"], bool), f"{where}.published", "must be true/false")
        _check(
            isinstance(entry["source"], str) and bool(entry["source"].strip()),
            f"{where}.source",
            "must name the notice",
        )
        for kind in ("holidays", "workdays"):
            items = entry[kind]
            _check(isinstance(items, list), f"{where}.{kind}", "must be a list")
            _check(
                entry["published"] or not items,
                f"{where}.{kind}",
                "must be empty while the year is not published",
            )
            for i, item in enumerate(items):
                at = f"{where}.{kind}[{i}]"
                keys = {"name", "name_en", "days"} if kind == "holidays" else {"name", "days"}
                _check(
                    isinstance(item, dict) and set(item) == keys,
                    at,
                    f"needs exactly the keys {', '.join(sorted(keys))}",
                )
                for key in keys - {"days"}:
                    _check(
                        isinstance(item[key], str) and bool(item[key].strip()),
                        f"{at}.{key}",
                        "must be a non-empty name",
                    )
                _check(
                    isinstance(item["days"], list) and bool(item["days"]),
                    f"{at}.days",
                    "must be a non-empty list",
                )
                for j, spec in enumerate(item["days"]):
                    for d in _days(spec, f"{at}.days[{j}]"):
                        day_at = f"{at}.days[{j}]: {d}"
                        _check(
                            d.year in (year - 1, year),
                            day_at,
                            f"is neither in {year} nor in {year - 1}",
                        )
                        _check(all(d not in v for v in found.values()), day_at, "is listed twice")
                        _check(
                            kind == "holidays" or d.weekday() >= 5,
                            day_at,
                            "is a make-up working day but not a Saturday or Sunday",
                        )
                        found[kind][d] = item["name"]
                if kind == "holidays":
                    names_en[item["name"]] = item["name_en"]
        if entry["published"]:
            published.add(year)
    return OfficialCalendar(found["holidays"], found["workdays"], frozenset(published), names_en)


@cache
def _packaged_calendar() -> OfficialCalendar:
    text = (resources.files("generator.time") / "data" / "cn_calendar.yaml").read_text(
        encoding="utf-8"
    )
    return parse_official_calendar(text, "generator/time/data/cn_calendar.yaml")


def load_official_calendar(path: Path | None = None) -> OfficialCalendar:
    """Load the official calendar: ``path``, or the packaged data file (cached)."""
    if path is None:
        return _packaged_calendar()
    return parse_official_calendar(path.read_text(encoding="utf-8"), str(path))


@dataclass(frozen=True)
class WorkingHours:
    blocks: tuple[tuple[time, time], ...] = (
        (time(8, 30), time(12, 0)),
        (time(13, 0), time(17, 30)),
    )
    """Local working periods of a working day, in order and not overlapping."""

    def __post_init__(self) -> None:
        ends = [time(0)] + [b for _, b in self.blocks]
        if not self.blocks or any(
            a.tzinfo or b.tzinfo or not ends[i] <= a < b for i, (a, b) in enumerate(self.blocks)
        ):
            raise ValueError(
                f"working hours {self.blocks}: need at least one block; blocks "
                "must be naive, ordered and not overlapping"
            )


@dataclass(frozen=True, slots=True)
class Due:
    """A due, and the facts its explanation states (``generator.render.explain.due_text``
    says them); a value (two calendars that count the
    same days give equal dues)."""

    at: datetime
    unpublished_years: tuple[int, ...]
    """Years counted whose official calendar is not published (weekends only there)."""
    start: datetime
    """``start`` in the calendar's zone."""
    amount: float
    unit: str
    passed: tuple[tuple[str, int], ...] = ()
    """Days the count skipped or counted as make-up working days, by kind (``weekend``,
    ``holiday``, ``shutdown``, ``makeup``, in that order), kinds with none left out."""
    holidays: tuple[tuple[str, str], ...] = ()
    """The public holidays skipped, (Chinese, English) names, ordered by the Chinese."""

    @property
    def estimated(self) -> bool:
        return bool(self.unpublished_years)

    @property
    def zone(self) -> str | None:
        """The calendar's zone key."""
        return getattr(self.start.tzinfo, "key", None)


_Counted = tuple[
    datetime, tuple[int, ...], tuple[tuple[str, int], ...], tuple[tuple[str, str], ...]
]
"""A working-day count: the due, the unpublished years and the days passed (``Due``)."""


def _local(d: date, t: time, tz: ZoneInfo) -> datetime:
    """The instant of local wall time ``t`` on ``d``; a time in a DST gap moves forward."""
    return datetime.combine(d, t, tzinfo=tz).astimezone(UTC).astimezone(tz)


class WorkCalendar:
    def __init__(
        self,
        official: OfficialCalendar,
        tz: ZoneInfo,
        shutdown_days: Iterable[date] = (),
        extra_workdays: Iterable[date] = (),
        hours: WorkingHours = WorkingHours(),
    ) -> None:
        self.official, self.tz, self.hours = official, tz, hours
        self.shutdown_days = frozenset(shutdown_days)
        self.extra_workdays = frozenset(extra_workdays)
        if both := sorted(self.shutdown_days & self.extra_workdays):
            raise ValueError(f"days both shutdown and extra working days: {both[0]}")
        # each unit's amount in a day, for the bounds ``add`` checks
        self._per_day = {
            "hours": 24.0,
            "working_hours": self._block_hours(),
            "natural_days": 1.0,
            "working_days": 1.0,
        }
        # answers that depend on the date alone, kept: many records start on the same day
        self._kinds: dict[date, str] = {}
        self._workdays: dict[tuple[date, int], _Counted] = {}
        self._valid: set[tuple[type, float, str]] = set()

    def is_published(self, year: int) -> bool:
        return year in self.official.published_years

    def day_kind(self, d: date) -> str:
        """One of 'workday', 'weekend', 'holiday', 'makeup' (official 调休), 'shutdown'."""
        if (kind := self._kinds.get(d)) is None:
            kind = self._kinds[d] = self._day_kind(d)
        return kind

    def _day_kind(self, d: date) -> str:
        if d in self.shutdown_days:
            return "shutdown"
        if d in self.extra_workdays:
            return "workday"
        if self.is_published(d.year):
            if d in self.official.workdays:
                return "makeup"
            if d in self.official.holidays:
                return "holiday"
        return "weekend" if d.weekday() >= 5 else "workday"

    def is_working_day(self, d: date) -> bool:
        return self.day_kind(d) in ("workday", "makeup")

    def working_days_between(self, a: date, b: date) -> int:
        """Working days d with a < d <= b (negative when b < a); same counting as ``add``."""
        if b < a:
            return -self.working_days_between(b, a)
        if (b - a).days > _MAX_SCAN_DAYS:
            raise ValueError(f"span {a}..{b} is longer than {_MAX_SCAN_DAYS} days")
        return sum(self.is_working_day(a + timedelta(days=i)) for i in range(1, (b - a).days + 1))

    def add(self, start: datetime, amount: float, unit: str) -> Due:
        if start.tzinfo is not self.tz and (start.tzinfo is None or start.utcoffset() is None):
            raise ValueError(f"start {start.isoformat()} has no time zone")
        if (amount.__class__, amount, unit) not in self._valid:
            self._check(amount, unit)
        local = start.astimezone(self.tz)
        if amount == 0:
            return Due(local, (), local, amount, unit)
        if unit == "hours":
            at = (local.astimezone(UTC) + timedelta(hours=amount)).astimezone(self.tz)
            return Due(at, (), local, amount, unit)
        if unit == "natural_days":
            at = _local(local.date() + timedelta(days=int(amount)), local.time(), self.tz)
            return Due(at, (), local, amount, unit)
        if unit == "working_days":
            at, years, passed, names = self._add_working_days(local.date(), int(amount))
            return Due(at, years, local, amount, unit, passed, names)
        touched: list[date] = []
        at = self._add_working_hours(local, timedelta(hours=amount), touched)
        years = self._unpublished(touched)
        passed, names = self._passed([d for d in touched if d <= at.date()])
        return Due(at, years, local, amount, unit, passed, names)

    def _passed(
        self, counted: Sequence[date]
    ) -> tuple[tuple[tuple[str, int], ...], tuple[tuple[str, str], ...]]:
        """The days of ``counted`` by kind, and the public holidays among them (``Due``)."""
        kinds = [self.day_kind(d) for d in counted]
        passed = tuple((kind, n) for kind in PASSED_KINDS if (n := kinds.count(kind)))
        names = sorted(
            {
                self.official.holidays[d]
                for d, k in zip(counted, kinds, strict=True)
                if k == "holiday"
            }
        )
        return passed, tuple((x, self.official.names_en.get(x, x)) for x in names)

    def _unpublished(self, days: Iterable[date]) -> tuple[int, ...]:
        """The years among ``days`` whose official calendar is not published, in order."""
        return tuple(sorted({d.year for d in days} - self.official.published_years))

    def _check(self, amount: float, unit: str) -> None:
        """Raise unless ``amount`` of ``unit`` is a duration ``add`` can count; remember a
        good pair (a policy has a handful, asked for thousands of times)."""
        per_day = self._per_day.get(unit)
        if per_day is None:
            raise ValueError(f"unknown unit {unit!r}; use one of {', '.join(UNITS)}")
        if (
            isinstance(amount, bool)
            or not math.isfinite(amount)
            or not 0 <= amount <= MAX_DAYS * per_day
        ):
            raise ValueError(f"amount {amount!r} {unit} is outside 0..{MAX_DAYS * per_day:g}")
        if unit.endswith("days") and amount != int(amount):
            raise ValueError(f"{unit} need a whole number, not {amount!r}")
        self._valid.add((amount.__class__, amount, unit))

    def _block_hours(self) -> float:
        return (
            sum(
                (datetime.combine(date.min, b) - datetime.combine(date.min, a)).total_seconds()
                for a, b in self.hours.blocks
            )
            / 3600
        )

    @staticmethod
    def _days_after(d: date, touched: list[date]) -> Iterator[date]:
        for i in range(1, _MAX_SCAN_DAYS + 1):
            touched.append(d + timedelta(days=i))
            yield touched[-1]
        raise ValueError(f"no working day within {_MAX_SCAN_DAYS} days after {d}")

    def _add_working_days(self, d0: date, n: int) -> _Counted:
        """The end of the ``n``-th working day after ``d0``, the unpublished years among the
        days counted and the days passed: the same for every start time that day, so it is
        worked out once per calendar."""
        if (found := self._workdays.get((d0, n))) is None:
            counted: list[date] = []
            at = self._scan_working_days(d0, n, counted)
            found = self._workdays[(d0, n)] = (
                at,
                self._unpublished(counted),
                *self._passed(counted),
            )
        return found

    def _scan_working_days(self, d0: date, n: int, touched: list[date]) -> datetime:
        for d in self._days_after(d0, touched):
            if self.is_working_day(d):
                n -= 1
                if n == 0:
                    next_midnight = _local(d + _DAY, time(0), self.tz).astimezone(UTC)
                    return (next_midnight - _EPS).astimezone(self.tz)
        raise AssertionError("unreachable")  # pragma: no cover - _days_after raises

    def _add_working_hours(self, local: datetime, left: timedelta, touched: list[date]) -> datetime:
        now = local.astimezone(UTC)
        touched.append(local.date())
        for d in chain((local.date(),), self._days_after(local.date(), touched)):
            if not self.is_working_day(d):
                continue
            for a, b in self.hours.blocks:
                lo = max(now, _local(d, a, self.tz).astimezone(UTC))
                hi = _local(d, b, self.tz).astimezone(UTC)
                if lo < hi:
                    if hi - lo >= left:
                        return (lo + left).astimezone(self.tz)
                    left -= hi - lo
        raise AssertionError("unreachable")  # pragma: no cover
