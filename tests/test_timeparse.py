"""Parsing the times records carry: what is accepted, and the exact message for what is not."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.time.parse import is_datetime_text, parse_datetime, parse_instant, try_instant

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")

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
def test_a_bad_time_is_refused_with_its_message(text: str, message: str) -> None:
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
def test_accepted_shapes(text: str, expected: datetime) -> None:
    for parse in (parse_datetime, parse_instant, try_instant):
        got = parse(text, SHANGHAI)
        assert got is not None and got.isoformat() == expected.isoformat()
        assert got.tzname() == expected.tzname()


def test_a_time_without_offset_is_local_to_the_zone_given() -> None:
    text = "2026-03-04 05:06"
    shanghai, berlin = try_instant(text, SHANGHAI), try_instant(text, BERLIN)
    assert shanghai is not None and berlin is not None
    assert shanghai.tzinfo is SHANGHAI and berlin.tzinfo is BERLIN
    assert berlin - shanghai == timedelta(hours=7)


_DT = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$")


def _plain(text: str, tz: ZoneInfo) -> datetime | None:
    """The documented shape read the long way: digits, a real date and time of day."""
    m = _DT.match(text)
    if not m:
        return None
    y, mo, d, h, mi, s = (int(g or 0) for g in m.groups())
    if h > 23 or mi > 59 or s > 59:
        return None
    try:
        return datetime(y, mo, d, h, mi, s, tzinfo=tz)
    except ValueError:
        return None


_SHAPES = st.from_regex(r"\A\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?\Z", fullmatch=True)
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
def test_times_without_offset_read_as_the_plain_reading(text: str) -> None:
    """Whatever the text, a time without an offset is the plain reading's, zone and fold
    included (the parser reads the usual shape the short way)."""
    got, want = try_instant(text, SHANGHAI), _plain(text, SHANGHAI)
    if want is not None:
        assert got == want and got is not None and (got.tzinfo, got.fold) == (SHANGHAI, 0)
    elif got is not None:  # a shape the plain reading leaves out: a date alone, an offset
        assert not _DT.match(text) or got.tzinfo is not SHANGHAI
