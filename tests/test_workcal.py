"""Working calendar: the official data against chinesecalendar, deadline cases, and errors."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar  # type: ignore[import-untyped]
import pytest
import yaml

from generator.workcal import (
    Due,
    OfficialCalendar,
    WorkCalendar,
    WorkingHours,
    load_official_calendar,
    parse_official_calendar,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
CASES = Path(__file__).parent / "cases" / "calendar" / "deadlines.yaml"
FIRST_YEAR = 2018


@pytest.fixture(scope="module")
def official() -> OfficialCalendar:
    return load_official_calendar()


@pytest.fixture(scope="module")
def cal(official: OfficialCalendar) -> WorkCalendar:
    return WorkCalendar(official, SHANGHAI)


# ------------------------------------------------------------------ the data vs chinesecalendar


def test_published_years_match_chinesecalendar(official: OfficialCalendar) -> None:
    newest = max(chinese_calendar.holidays).year
    assert official.published_years == frozenset(range(FIRST_YEAR, newest + 1)), (
        f"chinesecalendar {chinese_calendar.__version__} knows years up to {newest}: "
        "add or correct that year's notice in generator/data/cn_calendar.yaml"
    )


def test_every_published_day_matches_chinesecalendar(
    official: OfficialCalendar, cal: WorkCalendar
) -> None:
    wrong = []
    for year in sorted(official.published_years):
        d = date(year, 1, 1)
        while d.year == year:
            if cal.is_working_day(d) != chinese_calendar.is_workday(d):
                wrong.append(f"{d} {d:%a}: ours {cal.day_kind(d)}")
            d += timedelta(days=1)
    assert not wrong, "disagreements with chinesecalendar:\n" + "\n".join(wrong)


def test_data_lists_no_day_off_that_is_a_package_workday(official: OfficialCalendar) -> None:
    # the per-day check above covers working status; this one also covers the weekend days
    # inside holiday periods (a holiday listed on a Saturday that should have been a 调休 day)
    for d in official.holidays:
        if d.year >= FIRST_YEAR:
            assert not chinese_calendar.is_workday(d), d
    for d in official.workdays:
        assert chinese_calendar.is_workday(d) and d.weekday() >= 5, d


def test_loader_is_cached_and_keeps_names(official: OfficialCalendar) -> None:
    assert load_official_calendar() is official
    assert official.holidays[date(2026, 2, 17)] == "春节"
    assert official.workdays[date(2026, 2, 14)] == "春节"
    assert official.names_en["国庆节"] == "National Day"
    assert official.workdays[date(2018, 12, 29)] == "元旦"  # set by the 2019 notice


# ------------------------------------------------------------------ day kinds


@pytest.mark.parametrize(
    ("day", "kind"),
    [
        (date(2026, 2, 13), "workday"),
        (date(2026, 2, 14), "makeup"),
        (date(2026, 2, 15), "holiday"),  # a Sunday inside 春节 is reported as the holiday
        (date(2026, 2, 23), "holiday"),  # Monday, last day of 春节
        (date(2026, 3, 14), "weekend"),
        (date(2026, 9, 20), "makeup"),
        (date(2026, 10, 10), "makeup"),
        (date(2027, 1, 1), "workday"),  # unpublished year: weekends only
        (date(2027, 1, 2), "weekend"),
    ],
)
def test_day_kind(cal: WorkCalendar, day: date, kind: str) -> None:
    assert cal.day_kind(day) == kind
    assert cal.is_working_day(day) == (kind in ("workday", "makeup"))


def test_company_days_override_the_official_calendar(official: OfficialCalendar) -> None:
    c = WorkCalendar(
        official,
        SHANGHAI,
        shutdown_days=[date(2026, 2, 14), date(2027, 1, 4)],
        extra_workdays=[date(2026, 2, 16), date(2026, 3, 14)],
    )
    assert c.day_kind(date(2026, 2, 14)) == "shutdown"  # beats the 调休 Saturday
    assert c.day_kind(date(2027, 1, 4)) == "shutdown"  # in an unpublished year too
    assert c.is_working_day(date(2026, 2, 16))  # the company works on a holiday
    assert c.is_working_day(date(2026, 3, 14))


def test_is_published(cal: WorkCalendar) -> None:
    assert cal.is_published(2026)
    assert not cal.is_published(2027)
    assert not cal.is_published(2017)


def test_working_days_between(cal: WorkCalendar) -> None:
    # (2/13, 2/24]: 2/14 (调休) and 2/24 work; 2/15–2/23 off
    assert cal.working_days_between(date(2026, 2, 13), date(2026, 2, 24)) == 2
    assert cal.working_days_between(date(2026, 2, 24), date(2026, 2, 13)) == -2
    assert cal.working_days_between(date(2026, 2, 13), date(2026, 2, 13)) == 0
    # (9/30, 10/10]: 10/8, 10/9, 10/10 (调休)
    assert cal.working_days_between(date(2026, 9, 30), date(2026, 10, 10)) == 3


# ------------------------------------------------------------------ deadline cases


def _expand(specs: list[str]) -> list[date]:
    out = []
    for spec in specs:
        first, _, last = spec.partition("..")
        a, b = date.fromisoformat(first), date.fromisoformat(last or first)
        out += [a + timedelta(days=i) for i in range((b - a).days + 1)]
    return out


def _cases() -> list[Any]:
    data = yaml.safe_load(CASES.read_text(encoding="utf-8"))
    return [pytest.param(c, id=c["id"]) for c in data["cases"]]


@pytest.mark.parametrize("case", _cases())
def test_deadline_case(official: OfficialCalendar, case: dict[str, Any]) -> None:
    c = WorkCalendar(
        official,
        ZoneInfo(case.get("tz", "Asia/Shanghai")),
        shutdown_days=_expand(case.get("shutdown", [])),
        extra_workdays=_expand(case.get("extra_workdays", [])),
    )
    start = datetime.fromisoformat(case["start"])
    due = c.add(start, case["amount"], case["unit"])
    assert due.at.isoformat() == case["due"], case["why"]
    assert due.at.tzinfo is c.tz
    assert due.estimated is case["estimated"]
    assert due.unpublished_years == tuple(case.get("unpublished", []))
    assert due.explanation and due.explanation_en


def test_case_ids_are_unique() -> None:
    ids = [c.id for c in _cases()]
    assert len(ids) == len(set(ids))


def test_explanations_say_why(cal: WorkCalendar) -> None:
    due = cal.add(datetime(2026, 2, 13, 10, tzinfo=SHANGHAI), 2, "working_days")
    assert "春节" in due.explanation and "调休" in due.explanation
    assert "Spring Festival" in due.explanation_en and "make-up" in due.explanation_en
    est = cal.add(datetime(2026, 12, 30, 10, tzinfo=SHANGHAI), 3, "working_days")
    assert "2027 年的官方放假安排尚未发布" in est.explanation
    assert "2027 is not published" in est.explanation_en


def test_custom_working_hours(official: OfficialCalendar) -> None:
    c = WorkCalendar(official, SHANGHAI, hours=WorkingHours(((time(9), time(18)),)))
    # Fri 3/13 17:00–18:00 = 1 h; weekend; Mon 3/16 09:00 + 1 h = 10:00
    due = c.add(datetime(2026, 3, 13, 17, tzinfo=SHANGHAI), 2, "working_hours")
    assert due.at == datetime(2026, 3, 16, 10, tzinfo=SHANGHAI)


def test_largest_amounts_finish(cal: WorkCalendar) -> None:
    start = datetime(2026, 1, 5, 9, tzinfo=SHANGHAI)
    due = cal.add(start, 3660, "working_days")
    assert due.estimated and due.unpublished_years[0] == 2027
    assert cal.add(start, 3660 * 8, "working_hours").estimated
    assert cal.add(start, 3660, "natural_days").at == start + timedelta(days=3660)
    assert cal.add(start, 3660 * 24, "hours").at == start + timedelta(days=3660)


def test_a_calendar_without_working_days_gives_up(official: OfficialCalendar) -> None:
    never = [date(2026, 1, 1) + timedelta(days=i) for i in range(16_000)]
    c = WorkCalendar(official, SHANGHAI, shutdown_days=never)
    start = datetime(2026, 1, 5, 9, tzinfo=SHANGHAI)
    for unit in ("working_days", "working_hours"):
        with pytest.raises(ValueError, match="no working day within"):
            c.add(start, 1, unit)


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    ("start", "amount", "unit", "message"),
    [
        (datetime(2026, 1, 5, 9), 1, "hours", "has no time zone"),
        (datetime(2026, 1, 5, 9, tzinfo=SHANGHAI), -1, "hours", "outside"),
        (datetime(2026, 1, 5, 9, tzinfo=SHANGHAI), -0.5, "working_hours", "outside"),
        (datetime(2026, 1, 5, 9, tzinfo=SHANGHAI), math.nan, "hours", "outside"),
        (datetime(2026, 1, 5, 9, tzinfo=SHANGHAI), math.inf, "hours", "outside"),
        (datetime(2026, 1, 5, 9, tzinfo=SHANGHAI), True, "hours", "outside"),
        (datetime(2026, 1, 5, 9, tzinfo=SHANGHAI), 3661, "working_days", "outside"),
        (datetime(2026, 1, 5, 9, tzinfo=SHANGHAI), 3661, "natural_days", "outside"),
        (datetime(2026, 1, 5, 9, tzinfo=SHANGHAI), 3660 * 24 + 1, "hours", "outside"),
        (datetime(2026, 1, 5, 9, tzinfo=SHANGHAI), 3660 * 8 + 1, "working_hours", "outside"),
        (datetime(2026, 1, 5, 9, tzinfo=SHANGHAI), 1.5, "working_days", "whole number"),
        (datetime(2026, 1, 5, 9, tzinfo=SHANGHAI), 0.5, "natural_days", "whole number"),
        (datetime(2026, 1, 5, 9, tzinfo=SHANGHAI), 1, "days", "unknown unit 'days'"),
        (datetime(2026, 1, 5, 9, tzinfo=SHANGHAI), 1, "Working_Days", "unknown unit"),
    ],
)
def test_add_rejects(
    cal: WorkCalendar, start: datetime, amount: float, unit: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        cal.add(start, amount, unit)


def test_bad_company_days_and_hours(official: OfficialCalendar) -> None:
    with pytest.raises(ValueError, match="both shutdown and extra"):
        WorkCalendar(official, SHANGHAI, [date(2026, 3, 2)], [date(2026, 3, 2)])
    with pytest.raises(ValueError, match="must be naive, ordered and not overlapping"):
        WorkingHours(((time(13), time(17)), (time(8), time(12))))
    with pytest.raises(ValueError, match="must be naive, ordered and not overlapping"):
        WorkingHours(((time(9), time(9)),))
    with pytest.raises(ValueError, match="need at least one block"):
        WorkingHours(())


_GOOD_YEAR = """\
  2026:
    published: true
    source: 国办发明电〔2025〕7号
    holidays:
      - {name: 春节, name_en: Spring Festival, days: [2026-02-15..2026-02-23]}
    workdays:
      - {name: 春节, days: [2026-02-14]}
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- 1\n", "must be a mapping with the single key 'years'"),
        ("years: {\n", "not valid YAML"),
        ("years: []\n", "years: must be a mapping by year"),
        ("years:\n" + _GOOD_YEAR + _GOOD_YEAR, "duplicate key '2026'"),
        ("years:\n  twenty: {}\n", "years.twenty: the key must be a year"),
        (
            "years:\n" + _GOOD_YEAR.replace("2026-02-15..2026-02-23", "2026-02-30"),
            r"years\.2026\.holidays\[0\]\.days\[0\]: '2026-02-30' is not a date",
        ),
        (
            "years:\n" + _GOOD_YEAR.replace("2026-02-15..2026-02-23", "2026-02-23..2026-02-15"),
            r"years\.2026\.holidays\[0\]\.days\[0\]: '2026-02-23\.\.2026-02-15' is not a date",
        ),
        (
            "years:\n" + _GOOD_YEAR.replace("2026-02-15..2026-02-23", "2026-02-15..soon"),
            r"'2026-02-15\.\.soon' is not a date",
        ),
        (
            "years:\n" + _GOOD_YEAR.replace("2026-02-15..2026-02-23", "2026-01-01..2026-03-01"),
            "at most 31 days",
        ),
        (
            "years:\n" + _GOOD_YEAR.replace("[2026-02-14]", "[2026-02-13]"),
            r"years\.2026\.workdays\[0\]\.days\[0\]: 2026-02-13: is a make-up working day "
            "but not a Saturday or Sunday",
        ),
        (
            "years:\n" + _GOOD_YEAR.replace("[2026-02-14]", "[2026-02-15]"),
            r"workdays\[0\]\.days\[0\]: 2026-02-15: is listed twice",
        ),
        (
            "years:\n" + _GOOD_YEAR.replace("2026-02-15..2026-02-23", "2024-02-15"),
            "2024-02-15: is neither in 2026 nor in 2025",
        ),
        (
            "years:\n" + _GOOD_YEAR.replace("    source: 国办发明电〔2025〕7号\n", ""),
            "years.2026: needs published, source, holidays and workdays",
        ),
        ("years:\n" + _GOOD_YEAR.replace("国办发明电〔2025〕7号", "''"), "2026.source: must name"),
        ("years:\n" + _GOOD_YEAR.replace("true", "1"), "2026.published: must be true/false"),
        (
            "years:\n" + _GOOD_YEAR.replace("published: true", "published: false"),
            "2026.holidays: must be empty while the year is not published",
        ),
        (
            "years:\n" + _GOOD_YEAR.replace("name_en: Spring Festival, ", ""),
            r"2026\.holidays\[0\]: needs exactly the keys days, name, name_en",
        ),
        (
            "years:\n" + _GOOD_YEAR.replace("{name: 春节, days", "{name: 春节, when: x, days"),
            r"2026\.workdays\[0\]: needs exactly the keys days, name",
        ),
        ("years:\n" + _GOOD_YEAR.replace("days: [2026-02-14]", "days: []"), "non-empty list"),
        (
            "years:\n" + _GOOD_YEAR.replace("{name: 春节, days", "{name: &n 春节, days")
            + "      - {name: *n, days: [2026-02-28]}\n",
            "aliases are not allowed",
        ),
    ],
)
def test_malformed_data_file(tmp_path: Path, text: str, message: str) -> None:
    bad = tmp_path / "cn_calendar.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message) as err:
        load_official_calendar(bad)
    assert str(err.value).startswith(str(bad))  # the message names the file


def test_good_minimal_data_file(tmp_path: Path) -> None:
    good = tmp_path / "cn_calendar.yaml"
    good.write_text("years:\n" + _GOOD_YEAR, encoding="utf-8")
    official = load_official_calendar(good)
    assert official.published_years == frozenset({2026})
    assert len(official.holidays) == 9
    assert parse_official_calendar("years: {}\n", "x").published_years == frozenset()


def test_due_is_a_value(cal: WorkCalendar) -> None:
    at = datetime(2026, 1, 1, tzinfo=SHANGHAI)
    one, two = cal.add(at, 3, "working_days"), cal.add(at, 3, "working_days")
    assert one == two and hash(one) == hash(two) and one is not two
    assert one != cal.add(at, 4, "working_days")
    assert isinstance(one, Due) and one.explanation == two.explanation
    other = WorkCalendar(load_official_calendar(), SHANGHAI)  # another calendar, the same days
    assert other.add(at, 3, "working_days") == one
