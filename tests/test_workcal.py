"""Working calendar: the official data against chinesecalendar, deadline cases, and errors."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar  # type: ignore[import-untyped]
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.render.explain import due_text
from generator.time.workcal import (
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
        "add or correct that year's notice in generator/time/data/cn_calendar.yaml"
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
    assert due_text(due, "zh") and due_text(due, "en")


def test_case_ids_are_unique() -> None:
    ids = [c.id for c in _cases()]
    assert len(ids) == len(set(ids))


def test_explanations_say_why(cal: WorkCalendar) -> None:
    due = cal.add(datetime(2026, 2, 13, 10, tzinfo=SHANGHAI), 2, "working_days")
    assert "春节" in due_text(due, "zh") and "调休" in due_text(due, "zh")
    assert "Spring Festival" in due_text(due, "en") and "make-up" in due_text(due, "en")
    est = cal.add(datetime(2026, 12, 30, 10, tzinfo=SHANGHAI), 3, "working_days")
    assert "2027 年的官方放假安排尚未发布" in due_text(est, "zh")
    assert "2027 is not published" in due_text(est, "en")


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
            "years:\n"
            + _GOOD_YEAR.replace("{name: 春节, days", "{name: &n 春节, days")
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
    assert isinstance(one, Due) and due_text(one, "zh") == due_text(two, "zh")
    other = WorkCalendar(load_official_calendar(), SHANGHAI)  # another calendar, the same days
    assert other.add(at, 3, "working_days") == one


# ------------------------------------------------------------------ explanations, to the letter


def _company_calendar(tz: ZoneInfo) -> WorkCalendar:
    return WorkCalendar(
        load_official_calendar(),
        tz,
        shutdown_days=[date(2026, 8, 3)],
        extra_workdays=[date(2026, 8, 8)],
    )


# (zone, start, amount, unit, due, Chinese, English)
EXPLAINED = [
    (
        "Asia/Shanghai",
        "2022-12-31T22:29:00+08:00",
        30,
        "working_days",
        "2023-02-16T23:59:59.999999+08:00",
        "自 2022-12-31 22:29（Asia/Shanghai）起 30 个工作日，截止 2023-02-16 23:59（当日结束，起算日不计）；"
        "跳过周末 8 天，跳过法定假日 9 天（元旦、春节），计入调休上班日 2 天。",
        "30 working days from 2022-12-31 22:29 (Asia/Shanghai): due 2023-02-16 23:59 (end of day; "
        "the start day does not count); weekend days skipped: 8, public holidays skipped: 9 "
        "(New Year's Day, Spring Festival), make-up working days counted: 2.",
    ),
    (
        "Asia/Shanghai",
        "2027-04-15T23:48:00+08:00",
        100.25,
        "working_hours",
        "2027-05-04T13:45:00+08:00",
        "自 2027-04-15 23:48（Asia/Shanghai）起 100.25 个工作小时，截止 2027-05-04 13:45；跳过周末 6 天。"
        "2027 年的官方放假安排尚未发布，该年仅按周末估算。",
        "100.25 working hours from 2027-04-15 23:48 (Asia/Shanghai): due 2027-05-04 13:45; weekend "
        "days skipped: 6. The official calendar for 2027 is not published yet: weekends only, "
        "estimate.",
    ),
    (
        "Asia/Shanghai",
        "2018-11-11T10:35:00+08:00",
        0,
        "working_days",
        "2018-11-11T10:35:00+08:00",
        "自 2018-11-11 10:35（Asia/Shanghai）起 0 个工作日，截止 2018-11-11 10:35。",
        "0 working days from 2018-11-11 10:35 (Asia/Shanghai): due 2018-11-11 10:35.",
    ),
    (
        "Europe/Berlin",
        "2025-12-17T17:44:00+08:00",
        24,
        "hours",
        "2025-12-18T10:44:00+01:00",
        "自 2025-12-17 10:44（Europe/Berlin）起 24 个小时，截止 2025-12-18 10:44。",
        "24 hours from 2025-12-17 10:44 (Europe/Berlin): due 2025-12-18 10:44.",
    ),
    (
        "Asia/Shanghai",
        "2026-07-31T01:22:00+08:00",
        3,
        "working_days",
        "2026-08-06T23:59:59.999999+08:00",
        "自 2026-07-31 01:22（Asia/Shanghai）起 3 个工作日，截止 2026-08-06 23:59（当日结束，起算日不计）；"
        "跳过周末 2 天，跳过公司停工日 1 天。",
        "3 working days from 2026-07-31 01:22 (Asia/Shanghai): due 2026-08-06 23:59 (end of day; "
        "the start day does not count); weekend days skipped: 2, company shutdown days skipped: 1.",
    ),
]


@pytest.mark.parametrize(("zone", "start", "amount", "unit", "due", "zh", "en"), EXPLAINED)
def test_an_explanation_says_exactly_this(
    zone: str, start: str, amount: float, unit: str, due: str, zh: str, en: str
) -> None:
    got = _company_calendar(ZoneInfo(zone)).add(datetime.fromisoformat(start), amount, unit)
    assert got.at.isoformat() == due
    assert (due_text(got, "zh"), due_text(got, "en")) == (zh, en)


def test_each_calendar_counts_its_own_company_days() -> None:
    morning = datetime(2026, 7, 31, 8, 0, tzinfo=SHANGHAI)
    company = _company_calendar(SHANGHAI)
    first = company.add(morning, 3, "working_days")
    later = company.add(morning + timedelta(hours=9), 3, "working_days")
    assert first.at == later.at == datetime(2026, 8, 6, 23, 59, 59, 999999, tzinfo=SHANGHAI)
    assert due_text(first, "zh") != due_text(later, "zh")  # each names its own start time
    plain = WorkCalendar(load_official_calendar(), SHANGHAI)  # no shutdown on 2026-08-03
    assert plain.add(morning, 3, "working_days").at.date() == date(2026, 8, 5)


@pytest.mark.parametrize(
    ("amount", "unit"),
    [
        (True, "hours"),
        (float("nan"), "hours"),
        (-1, "hours"),
        (1.5, "working_days"),
        (1, "fortnights"),
    ],
)
def test_a_bad_duration_is_refused_on_every_call(amount: Any, unit: str) -> None:
    """Also after a good one that compares equal to it (True == 1)."""
    cal = _company_calendar(SHANGHAI)
    start = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
    cal.add(start, 1, "hours")
    cal.add(start, 1, "working_days")
    for _ in range(2):
        with pytest.raises(ValueError):
            cal.add(start, amount, unit)


_ZONES = [SHANGHAI, ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York"), ZoneInfo("UTC")]


@settings(max_examples=300, deadline=None)
@given(
    st.dates(min_value=date(1985, 1, 1), max_value=date(2028, 12, 31)),
    st.integers(1, 12),
    st.sampled_from(range(len(_ZONES))),
)
def test_working_days_end_where_a_day_by_day_count_ends(d0: date, n: int, zone: int) -> None:
    """The end of the n-th working day is 1 µs before the next local midnight, in any zone."""
    tz = _ZONES[zone]
    cal = _company_calendar(tz)
    d, left = d0, n
    while left:
        d += timedelta(days=1)
        left -= cal.is_working_day(d)
    midnight = datetime.combine(d + timedelta(days=1), time(0), tz)
    end = (midnight.astimezone(UTC) - timedelta(microseconds=1)).astimezone(tz)
    got = cal.add(datetime.combine(d0, time(12, 0), tz), n, "working_days").at
    assert (got.isoformat(), got.fold, got.tzinfo) == (end.isoformat(), end.fold, end.tzinfo)


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(min_value=datetime(1985, 1, 1), max_value=datetime(2028, 12, 31)),
    st.sampled_from(range(len(_ZONES))),
    st.sampled_from(range(len(_ZONES))),
    st.sampled_from([4, 24.5, 0.25]),
    st.integers(1, 60),
    st.booleans(),
)
def test_hours_are_elapsed_time_and_days_keep_the_clock(
    naive: datetime, zone: int, start_zone: int, h: float, n: int, fold: bool
) -> None:
    """Across DST changes and before Shanghai's last one (1991): hours are real time; natural
    days keep the local clock time (a time in a gap moves forward by the gap)."""
    tz = _ZONES[zone]
    cal = _company_calendar(tz)
    start = naive.replace(tzinfo=_ZONES[start_zone], fold=int(fold))
    assert cal.add(start, h, "hours").at == start.astimezone(UTC) + timedelta(hours=h)
    local = start.astimezone(tz)
    days = cal.add(start, n, "natural_days").at
    target = datetime.combine(local.date() + timedelta(days=n), local.time(), tz)
    assert days.tzinfo is tz and days == target.astimezone(UTC)  # a gap: the same instant
    assert days.time() == target.astimezone(UTC).astimezone(tz).time()
