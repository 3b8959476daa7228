"""The fast paths of compute (issue 3) give exactly what the plain ones gave.

Lazy due explanations, the parse memo and its ``fromisoformat`` shortcut, the working-day memo,
the per-record event resolver and the grading shortcuts each keep the output of the code they
replaced; these tests pin that, and that the fast path is really taken.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
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
    return WorkCalendar(
        load_official_calendar(),
        tz,
        shutdown_days=[date(2026, 8, 3)],
        extra_workdays=[date(2026, 8, 8)],
    )


def rec(data: dict[str, Any], rid: str = "KS-2026-0001") -> Record:
    return Record(rid, f"records/{rid}.yaml", {"id": rid, **data})


# ------------------------------------------------------------------ lazy due explanations

# (zone, start, amount, unit, due, Chinese, English) as the eager code wrote them
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
def test_lazy_explanations_keep_their_text(
    zone: str, start: str, amount: float, unit: str, due: str, zh: str, en: str
) -> None:
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
    due = _calendar(SHANGHAI).add(datetime(2026, 2, 10, 9, 0, tzinfo=SHANGHAI), 5, "working_days")
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
    text: str, message: str
) -> None:
    for _ in range(2):  # a failure is never remembered
        for parse in (parse_datetime, parse_instant):
            with pytest.raises(ValueError) as err:
                parse(text, SHANGHAI)
            assert str(err.value) == message
        assert try_instant(text, SHANGHAI) is None
        assert not is_datetime_text(text)


def test_a_date_alone_is_the_end_of_its_day_but_not_a_date_and_time() -> None:
    assert parse_instant("2026-02-28", SHANGHAI) == datetime(
        2026, 2, 28, 23, 59, 59, 999999, tzinfo=SHANGHAI
    )
    with pytest.raises(ValueError, match="day is out of range for month"):
        parse_instant("2026-02-30", SHANGHAI)
    with pytest.raises(ValueError, match=r"^not a date and time: '2026-02-28'$"):
        parse_datetime("2026-02-28", SHANGHAI)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-01 10:00Z", datetime(2026, 1, 1, 10, 0, tzinfo=ZoneInfo("UTC"))),
        (
            "2026-01-01T10:00:05-03:30",
            datetime(2026, 1, 1, 10, 0, 5, tzinfo=timezone(-timedelta(hours=3, minutes=30))),
        ),
        ("2026-01-01 10:00", datetime(2026, 1, 1, 10, 0, tzinfo=SHANGHAI)),
        ("２０２６-01-01 10:00", datetime(2026, 1, 1, 10, 0, tzinfo=SHANGHAI)),  # \d is Unicode
        ("2026-01-01 10:00\n", datetime(2026, 1, 1, 10, 0, tzinfo=SHANGHAI)),  # $ before \n
    ],
)
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
        assert all(len(table) <= 3 for table in timeparse._instants.values())
    assert sum(len(table) for table in timeparse._instants.values()) > 0
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


_NEAR = st.lists(
    st.sampled_from([*list("0123456789-: T+Z/x"), "٣", "２", "\n", "é"]), min_size=15, max_size=20
).map("".join)


@settings(max_examples=1500, deadline=None)
@given(
    st.one_of(
        _SHAPES,
        _NEAR,
        st.builds(
            lambda base, i, c: base[:i] + c + base[i + 1 :],
            st.sampled_from(
                [
                    "2026-03-04 05:06",
                    "2026-03-04T23:59:59",
                    "2024-02-29 24:00",
                    "2026-12-31 19:60",
                    "2026-02-30 10:00",
                ]
            ),
            st.integers(0, 18),
            st.sampled_from([*list("09-: T+xZ٣"), "２"]),
        ),
    )
)
def test_the_usual_shape_check_agrees_with_its_regular_expression(text: str) -> None:
    """The character checks that replaced ``_USUAL`` (with ``fromisoformat`` after them) take
    exactly the texts the regular expression took; every reader parses as the full parser."""
    try:
        want: datetime | None = _slow(text, SHANGHAI)
    except ValueError:
        want = None
    timeparse.forget()
    got = try_instant(text, SHANGHAI)
    assert got == want and (
        got is None or want is None or (got.tzinfo, got.fold) == (want.tzinfo, want.fold)
    )
    if timeparse._USUAL.match(text):
        assert timeparse._usual_shape(text)
    elif timeparse._usual_shape(text):  # the shape alone is looser: fromisoformat refuses
        with pytest.raises(ValueError):
            datetime.fromisoformat(text)


# ------------------------------------------------------------------ events and grading


def _policy(preset: str) -> Policy:
    p, diags = load_policy(RepoConfig(root=Path("/nonexistent"), preset=preset))
    assert p is not None, diags
    return p


def test_one_resolver_answers_like_separate_resolutions() -> None:
    policy = _policy("000")
    as_of = datetime(2026, 3, 10, 12, 0, tzinfo=SHANGHAI)
    r = rec(
        {
            "received_at": "2026-03-01 09:00",
            "sample": {"received_at": "2026-03-11 09:00"},
            "status": "closed",
            "d8_closure": {"closed_at": "2026-03-09 18:00"},
        }
    )
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


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["K", "L", None]), st.sampled_from(["1", "2"]), st.integers(0, 40 * 24)
        ),
        max_size=40,
    ),
    st.sampled_from([None, ("1",), ("1", "2")]),
    st.integers(1, 3),
    st.booleans(),
    st.integers(0, 40),
)
def test_index_counts_and_names_as_a_scan_of_the_earlier_records(
    earlier: list[tuple[str | None, str, int]],
    of: tuple[str, ...] | None,
    min_count: int,
    reopens: bool,
    pick: int,
) -> None:
    """Counting and naming from the index (with or without per-grade lists) agree with
    reading every earlier record, including a reopened original left out."""
    base = datetime(2026, 1, 1, tzinfo=SHANGHAI)
    added = sorted(
        (
            (base + timedelta(hours=h), f"KS-2026-{i:04d}", key, grade)
            for i, (key, grade, h) in enumerate(earlier)
        ),
        key=lambda x: (x[0], x[1]),
    )
    indexes = [RecurrenceIndex([("problem_key",)], SHANGHAI)]
    if of is None:
        indexes.append(RecurrenceIndex([("problem_key",)], SHANGHAI, by_grade=False))
    for index in indexes:
        for at, rid, key, grade in added:
            r = rec({} if key is None else {"problem_key": key}, rid)
            index.add(r, at, grade, index.values(r))
    now = base + timedelta(days=41)
    window = Window(days=30)
    exclude = added[pick % len(added)][1] if reopens and added else None
    start = window.start(now, SHANGHAI)
    seen = [
        rid
        for at, rid, key, grade in added
        if key == "K" and at > start and rid != exclude and (of is None or grade in of)
    ]
    rule = Recurrence(("problem_key",), window, min_count, of)
    me = rec({"problem_key": "K"}, "KS-2026-9999")
    for index in indexes:
        count, named = index.lookup(now, exclude, index.values(me))(rule)
        assert count == len(seen) + 1
        assert named == (tuple(seen[-20:]) if count >= min_count else ())
        known = index.lookup_if_known(now, exclude, index.values(me))
        assert (known is None) == (not any(key == "K" for _, _, key, _ in added))


def test_an_index_without_grade_lists_refuses_a_count_by_grade() -> None:
    index = RecurrenceIndex([("problem_key",)], SHANGHAI, by_grade=False)
    r = rec({"problem_key": "K"}, "KS-2026-0001")
    index.add(r, datetime(2026, 1, 1, tzinfo=SHANGHAI), "1", index.values(r))
    me = rec({"problem_key": "K"}, "KS-2026-0002")
    find = index.lookup(datetime(2026, 1, 2, tzinfo=SHANGHAI), None, index.values(me))
    with pytest.raises(ValueError, match="per grade"):
        find(Recurrence(("problem_key",), Window(days=30), 2, ("1",)))


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
    records = [
        rec(
            {
                "received_at": "2026-03-02 09:00",
                "status": "registered",
                "channel": "phone",
                "problem_key": "K",
                "sample": {"received_at": "2026-03-04 10:00"},
            }
        )
    ]
    as_of = datetime(2026, 3, 10, 12, 0, tzinfo=SHANGHAI)
    one = compute_all(records, policy, _calendar(SHANGHAI), as_of)
    two = compute_all(records, policy, _calendar(SHANGHAI), as_of)
    assert one == two
    assert [m.explanation_zh for m in one["KS-2026-0001"].milestones] == [
        m.explanation_zh for m in two["KS-2026-0001"].milestones
    ]


# ------------------------------------------------------------------ the prepared milestone plan


def _events_policy() -> Policy:
    """Preset 000 with events that name each other, an unknown name and a loop."""
    from dataclasses import replace

    from generator.deadlines import EventDef
    from generator.policytypes import Text

    policy = _policy("000")
    extra = {
        "first_seen": EventDef(
            Text("首见", "first seen"),
            parse_event({"first_of": ["confirmed", {"field": "seen_at"}, "received"]}),
        ),
        "both": EventDef(
            Text("两者", "both"), parse_event({"later_of": ["first_seen", "sample_received"]})
        ),
        "ghost": EventDef(Text("无", "none"), parse_event("no_such_event")),
        "loop_a": EventDef(Text("甲", "a"), parse_event("loop_b")),
        "loop_b": EventDef(Text("乙", "b"), parse_event("loop_a")),
    }
    return replace(policy, events={**policy.events, **extra})


@pytest.mark.parametrize(
    "name", ["received", "accepted", "first_seen", "both", "ghost", "loop_a", "sample_received"]
)
@pytest.mark.parametrize(
    "data",
    [
        {
            "received_at": "2026-03-01 09:00",
            "seen_at": "2026-03-02 10:00",
            "sample": {"received_at": "2026-03-03 11:00"},
        },
        {"received_at": "2026-03-01 09:00", "confirmed_at": "2026-03-20 08:00"},  # after as_of
        {"accepted_at": "2026-03-01 10:00", "received_at": "2026-03-01 09:00"},
        {},
    ],
)
def test_flattened_events_resolve_as_the_names_do(name: str, data: dict[str, Any]) -> None:
    """The plan resolves each start event with the names replaced once per policy; the answer
    is the one the names give, record by record: unknown names and loops never happen, and
    the first recorded event of a ``first_of`` decides even when it lies after ``as_of``."""
    from generator.events import NEVER, flatten

    policy = _events_policy()
    as_of = datetime(2026, 3, 10, 12, 0, tzinfo=SHANGHAI)
    event = parse_event(name)
    flat = flatten(event, policy.events)
    assert "ref" not in {e.kind for e in _walk_events(flat)}
    r = rec(data)
    want = Resolver(r, policy, SHANGHAI, as_of)._resolve(event, 0)[1]  # by the names
    assert Resolver(r, policy, SHANGHAI, as_of).resolve(flat) == want
    if name in ("ghost", "loop_a"):
        assert flat is NEVER and want is None


def _walk_events(event: Any) -> list[Any]:
    return [event, *(e for c in event.children for e in _walk_events(c))]


def test_the_first_recorded_start_decides_even_after_as_of() -> None:
    policy = _events_policy()
    as_of = datetime(2026, 3, 10, 12, 0, tzinfo=SHANGHAI)
    late = rec({"received_at": "2026-03-01 09:00", "confirmed_at": "2026-03-20 08:00"})
    assert Resolver(late, policy, SHANGHAI, as_of).resolve(parse_event("first_seen")) is None
    on_time = rec({"received_at": "2026-03-01 09:00", "confirmed_at": "2026-03-05 08:00"})
    assert Resolver(on_time, policy, SHANGHAI, as_of).resolve(
        parse_event("first_seen")
    ) == datetime(2026, 3, 5, 8, 0, tzinfo=SHANGHAI)


def test_a_records_extensions_are_read_once_and_the_last_valid_one_counts() -> None:
    from generator.deadlines import _Deadlines

    r = rec(
        {
            "customer_deadline": "2026-03-09",
            "extensions": [
                {
                    "milestone": "final_report",
                    "new_due": "2026-03-20",
                    "approved_by": "王",
                    "reason": "a",
                },
                {"milestone": "final_report", "new_due": "2026-03-25 10:00", "approved_by": "李"},
                {"milestone": "final_report", "new_due": "2026-02-30"},  # not a date: ignored
                {"milestone": 7, "new_due": "2026-03-26"},
                "not a mapping",
                {"milestone": "customer_deadline", "new_due": "2026-03-12 12:00"},
            ],
        }
    )
    d = _Deadlines(r, SHANGHAI)
    assert not d.none
    assert d.extension("final_report") == (datetime(2026, 3, 25, 10, 0, tzinfo=SHANGHAI), "李", "")
    assert d.extension("preliminary_report") is None
    assert d.customer() == datetime(2026, 3, 12, 12, 0, tzinfo=SHANGHAI)  # extended
    plain = _Deadlines(rec({"customer_deadline": "2026-03-09"}), SHANGHAI)
    assert plain.none and plain.extension("final_report") is None
    assert plain.customer() == datetime(2026, 3, 9, 23, 59, 59, 999999, tzinfo=SHANGHAI)
    assert _Deadlines(rec({"extensions": "oops"}), SHANGHAI).extension("x") is None


def test_not_applicable_results_are_built_once_per_grade() -> None:
    from generator.deadlines import MilestonePlan

    plan = MilestonePlan(_policy("000"))
    one = plan.na(0, "3", "milestone")
    assert plan.na(0, "3", "milestone") is one
    assert one.state == "not_applicable" and one.explanation_zh == "不适用于此记录（级别 3）。"
    other = plan.na(0, "3", "variant")
    assert other is not one and other.explanation_en == "No variant applies (grade 3)."
    assert plan.na(0, "2", "milestone").explanation_en == "Does not apply to this record (grade 2)."


def test_equal_windows_are_one_object_and_starts_keep_zone_and_fold() -> None:
    """Grading works a window's start out once per record, recognising windows by identity."""
    import calendar as cal

    from generator.conditions import parse_condition

    a = parse_condition(
        {"recurrence": {"key": "problem_key", "window": {"months": 12}, "min_count": 2}}
    )
    b = parse_condition(
        {
            "recurrence": {
                "key": "problem_key",
                "window": {"months": 12},
                "min_count": 3,
                "of_grades": ["3"],
            }
        }
    )
    assert a.recurrence is not None and b.recurrence is not None
    assert a.recurrence.window is b.recurrence.window
    w = Window(months=3)
    for at in (
        datetime(2026, 5, 31, 10, 0, tzinfo=BERLIN),  # → 28 Feb
        datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=BERLIN),  # the repeated hour
        datetime(2027, 1, 31, 23, 59, 59, 999999, tzinfo=BERLIN),
    ):
        y, m = divmod(at.month - 1 - 3, 12)
        want = at.replace(
            year=at.year + y, month=m + 1, day=min(at.day, cal.monthrange(at.year + y, m + 1)[1])
        )
        got = w.start(at, BERLIN)
        assert (got, got.fold, got.tzinfo, got.timestamp()) == (
            want,
            want.fold,
            want.tzinfo,
            want.timestamp(),
        )


def test_a_due_is_a_value_and_says_why() -> None:
    cal = _calendar(SHANGHAI)
    start = datetime(2026, 9, 30, 9, 0, tzinfo=SHANGHAI)
    one, two = cal.add(start, 3, "working_days"), cal.add(start, 3, "working_days")
    assert one is not two and one == two and hash(one) == hash(two)
    assert one.why.start == start and one.why.unit == "working_days" and one.why.touched
    assert one != cal.add(start, 3, "natural_days")
    assert "国庆节" in one.explanation


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
def test_a_duration_is_checked_on_every_call(amount: Any, unit: str) -> None:
    """Good (amount, unit) pairs are remembered; a bad one is refused every time, also after
    a good one that compares equal to it (True == 1)."""
    cal = _calendar(SHANGHAI)
    start = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
    cal.add(start, 1, "hours")
    cal.add(start, 1, "working_days")
    for _ in range(2):
        with pytest.raises(ValueError):
            cal.add(start, amount, unit)
    add = cal.adder(amount, unit)  # made without complaint, refusing on every call
    for _ in range(2):
        with pytest.raises(ValueError):
            add(start)


_ZONES = [SHANGHAI, BERLIN, ZoneInfo("America/New_York"), ZoneInfo("UTC")]


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(min_value=datetime(1985, 1, 1), max_value=datetime(2028, 12, 31)),
    st.sampled_from(range(len(_ZONES))),
    st.sampled_from(range(len(_ZONES))),
    st.sampled_from(
        [
            (0, "hours"),
            (4, "hours"),
            (24.5, "hours"),
            (1, "natural_days"),
            (60, "natural_days"),
            (1, "working_days"),
            (5, "working_days"),
            (8, "working_hours"),
            (0, "working_days"),
        ]
    ),
    st.booleans(),
)
def test_an_adder_adds_as_add_does(
    naive: datetime, zone: int, start_zone: int, duration: tuple[float, str], fold: bool
) -> None:
    """``adder`` (the duration checked once, the fixed-offset shortcut) gives ``add``'s due,
    value and explanation, for starts in and out of the calendar's zone, across DST changes
    and before Shanghai's last one (1991)."""
    amount, unit = duration
    cal = _calendar(_ZONES[zone])
    start = naive.replace(tzinfo=_ZONES[start_zone], fold=int(fold))
    want, got = cal.add(start, amount, unit), cal.adder(amount, unit)(start)
    assert got == want
    assert (got.at.isoformat(), got.at.fold, got.at.tzinfo) == (
        want.at.isoformat(),
        want.at.fold,
        want.at.tzinfo,
    )


def test_path_readers_walk_three_levels_and_any_mapping() -> None:
    from types import MappingProxyType

    from generator.conditions import reader

    read = reader("milestones.final_report.done_at")
    assert read({"milestones": {"final_report": {"done_at": "x"}}}) == "x"
    assert read({"milestones": MappingProxyType({"final_report": {"done_at": "y"}})}) == "y"
    assert read({"milestones": {"final_report": MappingProxyType({"done_at": "z"})}}) == "z"
    assert read(MappingProxyType({"milestones": {"final_report": {"done_at": "w"}}})) == "w"
    for data in (
        {},
        {"milestones": None},
        {"milestones": {"final_report": None}},
        {"milestones": ["final_report"]},
        {"milestones": {"final_report": "done"}},
    ):
        assert read(data) is None
    assert reader("a.b.c.d")({"a": {"b": {"c": {"d": 4}}}}) == 4


# ------------------------------------------------------------------ generated conditions

_PATHS = ["origin", "facts.safety", "facts.count", "product.quantity", "product.name.part"]
_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 200),
    st.floats(-1, 200),
    st.sampled_from(["external", "internal", "", "x"]),
    st.lists(st.integers(0, 3), max_size=2),
)


def _leaf_node() -> st.SearchStrategy[dict[str, Any]]:
    def node(path: str, op: str, want: Any) -> dict[str, Any]:
        if path.startswith("facts."):
            return {"fact": path.split(".", 1)[1], op: want}
        return {"field": path, op: want}

    ops = st.one_of(
        st.tuples(st.just("is"), st.booleans()),
        st.tuples(st.just("eq"), st.sampled_from(["external", "x", 3, True])),
        st.tuples(
            st.sampled_from(["gte", "gt", "lte", "lt"]),
            st.one_of(st.integers(-2, 150), st.floats(-2, 150)),
        ),
        st.tuples(st.just("in"), st.lists(st.sampled_from(["x", "external", 1]), max_size=2)),
        st.tuples(st.just("exists"), st.booleans()),
    )
    return st.builds(lambda p, o: node(p, *o), st.sampled_from(_PATHS), ops)


_TREES = st.recursive(
    st.one_of(
        _leaf_node(),
        st.just({"grades": ["1"]}),
        st.just({"ratio": ["quantity", "count"], "gte": 0.5}),
    ),
    lambda kids: st.one_of(
        st.builds(lambda k: {"any": k}, st.lists(kids, min_size=1, max_size=3)),
        st.builds(lambda k: {"all": k}, st.lists(kids, min_size=1, max_size=3)),
        st.builds(lambda k: {"not": k}, kids),
    ),
    max_leaves=8,
)


def _reference(node: dict[str, Any], data: dict[str, Any], grade: str | None) -> bool:
    """The vocabulary's meaning, read plainly (the module docstring of conditions)."""
    from generator.conditions import compare, dig

    if "any" in node:
        return any(_reference(n, data, grade) for n in node["any"])
    if "all" in node:
        return all(_reference(n, data, grade) for n in node["all"])
    if "not" in node:
        return not _reference(node["not"], data, grade)
    if "grades" in node:
        return grade in node["grades"]
    ops = [
        (k, tuple(v) if k == "in" else v)
        for k, v in node.items()
        if k not in ("fact", "field", "ratio")
    ]
    if "ratio" in node:
        a = dig(data, ("product", node["ratio"][0]))
        b = dig(data, ("product", node["ratio"][1]))
        num = [
            float(x) if isinstance(x, int | float) and not isinstance(x, bool) else None
            for x in (a, b)
        ]
        return (
            num[0] is not None
            and num[1] is not None
            and num[1] > 0
            and compare(num[0] / num[1], ops)
        )
    path = ("facts", node["fact"]) if "fact" in node else tuple(node["field"].split("."))
    return compare(dig(data, path), ops)


@settings(max_examples=500, deadline=None)
@given(
    _TREES,
    st.dictionaries(st.sampled_from(_PATHS), _VALUES),
    st.sampled_from([None, "1", "2"]),
    st.booleans(),
)
def test_generated_conditions_mean_what_the_vocabulary_says(
    node: dict[str, Any], flat: dict[str, Any], grade: str | None, proxy: bool
) -> None:
    """``any``/``all``/``not`` trees run as one generated function; whatever the tree and the
    record (missing parts, lists where mappings belong, bools where numbers belong, other
    mapping types), it answers as the plain reading does."""
    from types import MappingProxyType

    from generator.conditions import Context, parse_condition

    data = _record_data(flat)
    if proxy and isinstance(data.get("facts"), dict):
        data["facts"] = MappingProxyType(data["facts"])
    cond = parse_condition(node)
    assert bool(cond.fn(Context(rec(data), grade))) == _reference(node, data, grade)


def _record_data(flat: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for path, value in flat.items():
        *parents, last = path.split(".")
        node_ = data
        for part in parents:
            node_ = node_.setdefault(part, {}) if isinstance(node_.get(part, {}), dict) else {}
        node_[last] = value
    return data


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(st.none(), _TREES), max_size=6),
    st.dictionaries(st.sampled_from(_PATHS), _VALUES),
    st.sampled_from([None, "1"]),
)
def test_which_lists_the_conditions_that_hold(
    nodes: list[dict[str, Any] | None], flat: dict[str, Any], grade: str | None
) -> None:
    """Grading asks all plain criteria in one generated call: it lists exactly those that
    hold (and every None), in order."""
    from generator.conditions import Context, parse_condition, which

    conds = [None if n is None else parse_condition(n) for n in nodes]
    data = _record_data(flat)
    want = [i for i, n in enumerate(nodes) if n is None or _reference(n, data, grade)]
    ctx = Context(rec(data), grade)
    assert which(conds)(ctx) == want
    assert which(conds).__code__.co_filename == "<criteria>"


_RECURRENCE = st.builds(
    lambda key, n: {"recurrence": {"key": key, "window": {"months": 3}, "min_count": n}},
    st.sampled_from(["problem_key", "customer"]),
    st.integers(2, 3),
)
_CRITERION_NODE = st.one_of(
    _TREES,
    _RECURRENCE,
    st.builds(lambda t, r: {"all": [t, r]}, _TREES, _RECURRENCE),  # the usual recurrent form
    st.builds(lambda t, r: {"all": [r, t, r]}, _TREES, _RECURRENCE),
    st.builds(lambda t, r: {"any": [t, r]}, _TREES, _RECURRENCE),
    st.builds(lambda r: {"not": r}, _RECURRENCE),
)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.lists(_CRITERION_NODE, max_size=4), min_size=1, max_size=3),
    st.dictionaries(st.sampled_from(_PATHS), _VALUES),
    st.dictionaries(st.sampled_from(["problem_key", "customer"]), st.integers(1, 4)),
    st.booleans(),
)
def test_the_criteria_scan_grades_as_the_plain_reading(
    grades: list[list[dict[str, Any]]], flat: dict[str, Any], counts: dict[str, int], history: bool
) -> None:
    """The scan (plain criteria at once, recurrences after their gate, early stop) gives the
    fact grade, grade and reasons of reading every criterion in order with ``evaluate``."""
    from types import SimpleNamespace

    from generator.conditions import Context, evaluate
    from generator.grading import _Criteria, _scan, parse_grade

    parsed = [
        parse_grade(
            {
                "id": f"g{i}",
                "name": {"zh": "级", "en": "grade"},
                "criteria": [
                    {"id": f"c{i}{j}", "text": {"zh": "条", "en": "criterion"}, "when": node}
                    for j, node in enumerate(nodes)
                ],
            }
        )
        for i, nodes in enumerate(grades)
    ]
    last = len(parsed) - 1

    def lookup(r: Recurrence) -> tuple[int, tuple[str, ...]]:
        n = counts.get(r.key[0], 1)
        return n, (f"KS-2026-{n:04d}", "KS-2026-0009") if n >= r.min_count else ()

    record = rec(_record_data(flat))
    plain = Context(record)
    full = Context(record, None, lookup) if history else plain
    fact = next(
        (i for i, g in enumerate(parsed) if any(evaluate(c.when, plain)[0] for c in g.criteria)),
        last,
    )
    rank = last
    reasons: list[tuple[str, tuple[str, ...]]] = [("", ())]
    for i, g in enumerate(parsed):
        held = [(c.id, evaluate(c.when, full)[1]) for c in g.criteria if evaluate(c.when, full)[0]]
        if held:
            rank, reasons = i, held
            break
    got = _scan(
        record,
        _Criteria(SimpleNamespace(grades=parsed)),  # type: ignore[arg-type]
        lookup if history else None,
    )
    assert (got[0], got[1], [(r.criterion, r.records) for r in got[2]]) == (fact, rank, reasons)


def test_policy_text_never_enters_the_generated_source() -> None:
    from generator.conditions import Context, parse_condition

    hostile = "x'); exec('raise SystemExit(3)'); ('\n\"\"\"{K}"  # no dot: one path step
    cond = parse_condition(
        {"all": [{"field": hostile, "eq": hostile}, {"fact": hostile, "is": True}]}
    )
    assert cond.fn.__code__.co_filename == "<condition all>"
    assert cond.fn(Context(rec({hostile: hostile, "facts": {hostile: True}}))) is True
    assert not cond.fn(Context(rec({hostile: hostile})))


# ------------------------------------------------------------------ found in review


def test_starts_in_the_repeated_hour_of_a_dst_change_get_their_own_dues() -> None:
    """02:30 on 26 Oct 2025 happens twice in Berlin. The two instants compare equal as wall
    times, and the removed MemoCalendar (keyed by start) gave the second the first's due."""
    from generator.compute import compute_all

    policy = _policy("002")  # classification: 4 hours from acceptance
    records = [
        rec({"received_at": "2025-10-26 02:30", "status": "registered"}, "KS-2025-0001"),
        rec({"received_at": "2025-10-26 02:30+01:00", "status": "registered"}, "KS-2025-0002"),
    ]
    out = compute_all(
        records, policy, _calendar(BERLIN), datetime(2025, 10, 26, 3, 10, tzinfo=BERLIN)
    )
    due = {
        rid: next(m.due_at for m in c.milestones if m.id == "classification")
        for rid, c in out.items()
    }
    utc = UTC
    assert due["KS-2025-0001"] == datetime(2025, 10, 26, 4, 30, tzinfo=utc)  # 00:30Z + 4 h
    assert due["KS-2025-0002"] == datetime(2025, 10, 26, 5, 30, tzinfo=utc)  # 01:30Z + 4 h


def test_a_penalty_month_is_always_four_digits_and_two() -> None:
    from generator.compute import compute_all

    r = rec(
        {
            "received_at": "0999-05-01 10:00",
            "status": "registered",
            "category": "quality",
            "responsibility": {"responsible_department": "QA"},
        }
    )
    out = compute_all(
        [r], _policy("003"), _calendar(SHANGHAI), datetime(2026, 3, 10, 12, 0, tzinfo=SHANGHAI)
    )
    months = {p.month for p in out["KS-2026-0001"].penalties}
    assert months == {"0999-05"}


def test_a_whole_number_window_written_as_a_float_is_the_integer_window() -> None:
    """JSON Schema's "integer" admits 3.0; windows are shared between policies in a process,
    so 3.0 must not become (or replace) the window of 3."""
    from generator.conditions import parse_condition

    def window(months: Any) -> Window:
        c = parse_condition(
            {"recurrence": {"key": "problem_key", "window": {"months": months}, "min_count": 2}}
        )
        assert c.recurrence is not None
        return c.recurrence.window

    as_float, as_int = window(3.0), window(3)
    assert as_float is as_int and type(as_int.months) is int
    at = datetime(2026, 5, 31, 10, 0, tzinfo=SHANGHAI)
    assert as_float.start(at, SHANGHAI) == datetime(2026, 2, 28, 10, 0, tzinfo=SHANGHAI)


def test_a_condition_nested_past_what_python_compiles_still_answers() -> None:
    from generator.conditions import Context, parse_condition

    node: dict[str, Any] = {"fact": "safety", "is": True}
    for _ in range(251):  # odd: the answer flips
        node = {"not": node}
    cond = parse_condition(node)
    assert cond.fn(Context(rec({"facts": {"safety": True}}))) is False
    assert cond.fn(Context(rec({}))) is True


def test_a_recurrence_reason_names_its_records_when_read() -> None:
    """Reason texts that name earlier records are put together on reading; they read as the
    eager texts did, and compare by what they say."""
    from generator.grading import Reason

    r = Reason("E", "同一问题", "Same problem", ("KS-2026-0001", "KS-2026-0002"), named=True)
    assert r.text_zh == "同一问题（同键较早记录：KS-2026-0001、KS-2026-0002）"
    assert (
        r.text_en == "Same problem (earlier records with the same key: KS-2026-0001, KS-2026-0002)"
    )
    assert Reason("E", "同一问题", "Same problem", (), named=True).text_en == "Same problem"
    assert r == Reason("E", r.text_zh, r.text_en, r.records)  # the same words, named or not
    assert r != Reason("E", "同一问题", "Same problem", r.records)
    assert "KS-2026-0002" in repr(r)


@settings(max_examples=300, deadline=None)
@given(
    st.dates(min_value=date(1985, 1, 1), max_value=date(2028, 12, 31)),
    st.integers(1, 12),
    st.sampled_from(range(len(_ZONES))),
)
def test_working_days_end_where_a_day_by_day_count_ends(d0: date, n: int, zone: int) -> None:
    """The inlined scan (and its end of day without a UTC round trip where the zone keeps one
    offset) against counting day by day and ending 1 µs before the next local midnight."""
    tz = _ZONES[zone]
    cal = _calendar(tz)
    d, left, seen = d0, n, []
    while left:
        d += timedelta(days=1)
        seen.append(d)
        left -= cal.is_working_day(d)
    midnight = datetime.combine(d + timedelta(days=1), datetime.min.time(), tz)
    end = (midnight.astimezone(UTC) - timedelta(microseconds=1)).astimezone(tz)
    at, touched, _ = cal._add_working_days(d0, n)
    assert (at.isoformat(), at.fold, at.tzinfo) == (end.isoformat(), end.fold, end.tzinfo)
    assert touched == tuple(seen)
