"""The fast paths of compute (issue 3) give exactly what the plain ones gave.

Lazy due explanations, the parse memo and its ``fromisoformat`` shortcut, the working-day memo,
the per-record event resolver and the grading shortcuts each keep the output of the code they
replaced; these tests pin that, and that the fast path is really taken.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import timeparse, workcal
from generator.config import RepoConfig
from generator.deadlines import Resolver, parse_event
from generator.grading import Recurrence, RecurrenceIndex, Window
from generator.model import Record
from generator.policy import Policy, load_policy
from generator.timeparse import (
    is_datetime_text,
    parse_datetime,
    parse_instant,
    try_instant,
)
from generator.workcal import WorkCalendar, load_official_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")


def _calendar(tz: ZoneInfo) -> WorkCalendar:
    return WorkCalendar(load_official_calendar(), tz, shutdown_days=[date(2026, 8, 3)],
                        extra_workdays=[date(2026, 8, 8)])


def rec(data: dict[str, Any], rid: str = "KS-2026-0001") -> Record:
    return Record(rid, f"records/{rid}.yaml", {"id": rid, **data})


# ------------------------------------------------------------------ lazy due explanations

# (zone, start, amount, unit, due, Chinese, English) as the eager code wrote them
EXPLAINED = [
    ("Asia/Shanghai", "2022-12-31T22:29:00+08:00", 30, "working_days",
     "2023-02-16T23:59:59.999999+08:00",
     "自 2022-12-31 22:29（Asia/Shanghai）起 30 个工作日，截止 2023-02-16 23:59（当日结束，起算日不计）；"
     "跳过周末 8 天，跳过法定假日 9 天（元旦、春节），计入调休上班日 2 天。",
     "30 working days from 2022-12-31 22:29 (Asia/Shanghai): due 2023-02-16 23:59 (end of day; "
     "the start day does not count); weekend days skipped: 8, public holidays skipped: 9 "
     "(New Year's Day, Spring Festival), make-up working days counted: 2."),
    ("Asia/Shanghai", "2027-04-15T23:48:00+08:00", 100.25, "working_hours",
     "2027-05-04T13:45:00+08:00",
     "自 2027-04-15 23:48（Asia/Shanghai）起 100.25 个工作小时，截止 2027-05-04 13:45；跳过周末 6 天。"
     "2027 年的官方放假安排尚未发布，该年仅按周末估算。",
     "100.25 working hours from 2027-04-15 23:48 (Asia/Shanghai): due 2027-05-04 13:45; weekend "
     "days skipped: 6. The official calendar for 2027 is not published yet: weekends only, "
     "estimate."),
    ("Asia/Shanghai", "2018-11-11T10:35:00+08:00", 0, "working_days",
     "2018-11-11T10:35:00+08:00",
     "自 2018-11-11 10:35（Asia/Shanghai）起 0 个工作日，截止 2018-11-11 10:35。",
     "0 working days from 2018-11-11 10:35 (Asia/Shanghai): due 2018-11-11 10:35."),
    ("Europe/Berlin", "2025-12-17T17:44:00+08:00", 24, "hours", "2025-12-18T10:44:00+01:00",
     "自 2025-12-17 10:44（Europe/Berlin）起 24 个小时，截止 2025-12-18 10:44。",
     "24 hours from 2025-12-17 10:44 (Europe/Berlin): due 2025-12-18 10:44."),
    ("Asia/Shanghai", "2026-07-31T01:22:00+08:00", 3, "working_days",
     "2026-08-06T23:59:59.999999+08:00",
     "自 2026-07-31 01:22（Asia/Shanghai）起 3 个工作日，截止 2026-08-06 23:59（当日结束，起算日不计）；"
     "跳过周末 2 天，跳过公司停工日 1 天。",
     "3 working days from 2026-07-31 01:22 (Asia/Shanghai): due 2026-08-06 23:59 (end of day; "
     "the start day does not count); weekend days skipped: 2, company shutdown days skipped: 1."),
]


@pytest.mark.parametrize(("zone", "start", "amount", "unit", "due", "zh", "en"), EXPLAINED)
def test_lazy_explanations_keep_their_text(zone: str, start: str, amount: float, unit: str,
                                           due: str, zh: str, en: str) -> None:
    cal = _calendar(ZoneInfo(zone))
    got = cal.add(datetime.fromisoformat(start), amount, unit)
    assert got.at.isoformat() == due
    assert (got.explanation, got.explanation_en) == (zh, en)


def test_an_explanation_is_built_on_first_read_only(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[workcal.Due] = []
    real = workcal._explain

    def counting(due: workcal.Due) -> tuple[str, str]:
        built.append(due)
        return real(due)

    monkeypatch.setattr(workcal, "_explain", counting)
    due = _calendar(SHANGHAI).add(datetime(2026, 2, 10, 9, 0, tzinfo=SHANGHAI), 5,
                                  "working_days")
    assert built == []  # computing a due explains nothing
    assert "春节" in due.explanation and "Spring Festival" in due.explanation_en
    assert due.explanation_en == due.explanation_en and len(built) == 1  # then kept


def test_working_day_answers_are_kept_per_calendar() -> None:
    """Two start times on one day share the scan; another calendar does not see it."""
    morning = datetime(2026, 7, 31, 8, 0, tzinfo=SHANGHAI)
    cal = _calendar(SHANGHAI)
    first = cal.add(morning, 3, "working_days")
    later = cal.add(morning + timedelta(hours=9), 3, "working_days")
    assert first.at == later.at == datetime(2026, 8, 6, 23, 59, 59, 999999, tzinfo=SHANGHAI)
    assert first.explanation != later.explanation  # each names its own start time
    plain = WorkCalendar(load_official_calendar(), SHANGHAI)  # no shutdown on 2026-08-03
    assert plain.add(morning, 3, "working_days").at.date() == date(2026, 8, 5)
    assert plain.day_kind(date(2026, 8, 3)) == "workday"
    assert cal.day_kind(date(2026, 8, 3)) == "shutdown"


# ------------------------------------------------------------------ the parse memo

REJECTED = [
    ("2026-02-30 10:00", "day is out of range for month"),
    ("2026-13-01 10:00", "month must be in 1..12"),
    ("0000-01-01 10:00", "year 0 is out of range"),
    ("2026-01-01 24:00", "not a valid time of day: '2026-01-01 24:00'"),
    ("2026-01-01T10:60", "not a valid time of day: '2026-01-01T10:60'"),
    ("2026-01-01 10:00:60", "not a valid time of day: '2026-01-01 10:00:60'"),
    ("2026-01-01 10:00+15:00", "not a valid offset: '2026-01-01 10:00+15:00'"),
    ("2026-01-01 10:00+14:60", "not a valid offset: '2026-01-01 10:00+14:60'"),
    ("2026-02-30 10:00+15:00", "day is out of range for month"),  # the date is checked first
    ("2026-01-01 10:00 ", "not a date and time: '2026-01-01 10:00 '"),
    ("2026-1-01 10:00", "not a date and time: '2026-1-01 10:00'"),
    ("2026-01-01 10:00+0800", "not a date and time: '2026-01-01 10:00+0800'"),
    ("", "not a date and time: ''"),
]


@pytest.mark.parametrize(("text", "message"), REJECTED)
def test_memoised_parsing_rejects_the_same_text_with_the_same_message(
        text: str, message: str) -> None:
    for _ in range(2):  # a failure is never remembered
        for parse in (parse_datetime, parse_instant):
            with pytest.raises(ValueError) as err:
                parse(text, SHANGHAI)
            assert str(err.value) == message
        assert try_instant(text, SHANGHAI) is None
        assert not is_datetime_text(text)


def test_a_date_alone_is_the_end_of_its_day_but_not_a_date_and_time() -> None:
    assert parse_instant("2026-02-28", SHANGHAI) == datetime(2026, 2, 28, 23, 59, 59, 999999,
                                                            tzinfo=SHANGHAI)
    with pytest.raises(ValueError, match="day is out of range for month"):
        parse_instant("2026-02-30", SHANGHAI)
    with pytest.raises(ValueError, match=r"^not a date and time: '2026-02-28'$"):
        parse_datetime("2026-02-28", SHANGHAI)


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-01-01 10:00Z", datetime(2026, 1, 1, 10, 0, tzinfo=ZoneInfo("UTC"))),
    ("2026-01-01T10:00:05-03:30",
     datetime(2026, 1, 1, 10, 0, 5, tzinfo=timezone(-timedelta(hours=3, minutes=30)))),
    ("2026-01-01 10:00", datetime(2026, 1, 1, 10, 0, tzinfo=SHANGHAI)),
    ("２０２６-01-01 10:00", datetime(2026, 1, 1, 10, 0, tzinfo=SHANGHAI)),  # \d is Unicode
    ("2026-01-01 10:00\n", datetime(2026, 1, 1, 10, 0, tzinfo=SHANGHAI)),  # $ before \n
])
def test_accepted_shapes_are_unchanged(text: str, expected: datetime) -> None:
    for parse in (parse_datetime, parse_instant, try_instant):
        got = parse(text, SHANGHAI)
        assert got is not None and got.isoformat() == expected.isoformat()
        assert got.tzname() == expected.tzname()


def test_a_remembered_time_is_the_same_object_per_zone() -> None:
    text = "2026-03-04 05:06"
    first = try_instant(text, SHANGHAI)
    assert first is try_instant(text, SHANGHAI) is parse_instant(text, SHANGHAI)
    assert parse_datetime(text, SHANGHAI) is parse_datetime(text, SHANGHAI)
    berlin = try_instant(text, BERLIN)
    assert berlin is not None and first is not None and berlin.tzinfo is BERLIN
    assert berlin - first == timedelta(hours=7)


def test_the_memo_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timeparse, "MEMO_LIMIT", 3)
    timeparse.forget()
    texts = [f"2026-01-0{d} 10:00" for d in range(1, 8)]
    for text in texts:
        assert parse_instant(text, SHANGHAI).day == int(text[9])
        assert len(timeparse._instants) <= 3
    timeparse.forget()
    assert timeparse._instants == {} and timeparse._datetimes == {}


_SHAPES = st.from_regex(r"\A\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?\Z", fullmatch=True)


def _slow(text: str, tz: ZoneInfo) -> datetime:
    """The parser without the fromisoformat shortcut."""
    m = timeparse._DT.match(text)
    if not m:
        raise ValueError(f"not a date and time: {text!r}")
    return timeparse._build(text, tz, *m.groups())


@settings(max_examples=400, deadline=None)
@given(_SHAPES)
def test_the_fromisoformat_shortcut_agrees_with_the_full_parser(text: str) -> None:
    timeparse.forget()
    try:
        want: datetime | str = _slow(text, SHANGHAI)
    except ValueError as err:
        want = str(err)
    for parse in (parse_datetime, parse_instant):
        timeparse.forget()
        try:
            got: datetime | str = parse(text, SHANGHAI)
        except ValueError as err:
            got = str(err)
        assert got == want
        if isinstance(got, datetime) and isinstance(want, datetime):
            assert got.tzinfo is want.tzinfo and got.fold == want.fold


# ------------------------------------------------------------------ events and grading


def _policy(preset: str) -> Policy:
    p, diags = load_policy(RepoConfig(root=Path("/nonexistent"), preset=preset))
    assert p is not None, diags
    return p


def test_one_resolver_answers_like_separate_resolutions() -> None:
    policy = _policy("000")
    as_of = datetime(2026, 3, 10, 12, 0, tzinfo=SHANGHAI)
    r = rec({"received_at": "2026-03-01 09:00", "sample": {"received_at": "2026-03-11 09:00"},
             "status": "closed", "d8_closure": {"closed_at": "2026-03-09 18:00"}})
    events = Resolver(r, policy, SHANGHAI, as_of)
    accepted = parse_event("accepted")  # first of accepted_at, received_at
    assert events.resolve(accepted) == datetime(2026, 3, 1, 9, 0, tzinfo=SHANGHAI)
    assert events.resolve(parse_event("sample_received")) is None  # after as_of
    assert events.resolve(parse_event({"later_of": ["received", "sample_received"]})) is None
    assert events.closed_at() == datetime(2026, 3, 9, 18, 0, tzinfo=SHANGHAI)
    earlier = Resolver(r, policy, SHANGHAI, datetime(2026, 3, 9, 12, 0, tzinfo=SHANGHAI))
    assert earlier.closed_at() is None  # not closed yet then
    assert Resolver(rec({"status": "registered"}), policy, SHANGHAI, as_of).closed_at() is None


def test_a_record_without_earlier_occurrences_needs_no_history() -> None:
    index = RecurrenceIndex([("problem_key",)], SHANGHAI)
    first = rec({"problem_key": "K"}, "KS-2026-0001")
    assert not index.known(index.values(first))
    index.add(first, datetime(2026, 1, 1, tzinfo=SHANGHAI), "3", index.values(first))
    assert index.known(index.values(rec({"problem_key": " k "}, "KS-2026-0002")))
    assert not index.known(index.values(rec({"problem_key": "L"}, "KS-2026-0003")))
    assert not index.known(index.values(rec({}, "KS-2026-0004")))


def test_evidence_from_several_grades_is_named_in_received_order() -> None:
    index = RecurrenceIndex([("problem_key",)], SHANGHAI)
    start = datetime(2026, 1, 1, tzinfo=SHANGHAI)
    for i in range(30):
        r = rec({"problem_key": "K"}, f"KS-2026-{i:04d}")
        index.add(r, start + timedelta(hours=i), "1" if i % 3 else "2", index.values(r))
    me = rec({"problem_key": "K"}, "KS-2026-9999")
    now = start + timedelta(days=5)
    both = Recurrence(("problem_key",), Window(months=1), 2, ("1", "2"))
    count, named = index.lookup(now, None, index.values(me))(both)
    assert count == 31 and named == tuple(f"KS-2026-{i:04d}" for i in range(10, 30))
    one = Recurrence(("problem_key",), Window(months=1), 2, ("2",))
    count, named = index.lookup(now, "KS-2026-0027", index.values(me))(one)
    assert count == 10  # ten of grade 2 (0, 3, … 27), less the reopened original, plus this
    assert named == tuple(f"KS-2026-{i:04d}" for i in range(0, 27, 3))


def test_results_compare_as_values_across_calendars() -> None:
    """Milestones keep their due (not its text) for a lazy explanation; two computations with
    two calendar objects still give equal results, as when the text was kept."""
    from generator.compute import compute_all

    policy = _policy("000")
    records = [rec({"received_at": "2026-03-02 09:00", "status": "registered", "channel": "phone",
                    "problem_key": "K", "sample": {"received_at": "2026-03-04 10:00"}})]
    as_of = datetime(2026, 3, 10, 12, 0, tzinfo=SHANGHAI)
    one = compute_all(records, policy, _calendar(SHANGHAI), as_of)
    two = compute_all(records, policy, _calendar(SHANGHAI), as_of)
    assert one == two
    assert [m.explanation_zh for m in one["KS-2026-0001"].milestones] == \
        [m.explanation_zh for m in two["KS-2026-0001"].milestones]
