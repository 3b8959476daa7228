"""Parsing the date and time strings records carry.

Records keep dates as text (the loader never builds date objects), so every consumer parses
through here with the repository's zone: a time without an offset is local to that zone.

Parsed values are remembered by (text, zone): validation, the cross-record checks and compute
read the same times again and again (10,000 records mean a quarter of a million reads).
Only successes are remembered; invalid text is parsed (and rejected) afresh every time, so
the errors and their messages are exactly those of the parser.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from functools import cache
from zoneinfo import ZoneInfo

_DT = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:\d{2})?$")
_D = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_INSTANT = re.compile(  # _D or _DT in one match
    r"^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:\d{2})?)?$")
_USUAL = re.compile(r"\d{4}-\d{2}-\d{2}[ T](?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d)?\Z", re.ASCII)
"""The usual shape: ASCII digits, a valid time of day, no offset. ``datetime.fromisoformat``
reads it exactly as :func:`_build` does, only faster; a date that does not exist (02-30) still
goes to ``_build``, which says why."""

END_OF_DAY = time(23, 59, 59, 999999)  # the same instant workcal uses for "end of a working day"
_UTC = ZoneInfo("UTC")
MEMO_LIMIT = 1 << 18
"""Remembered values per table (one table per zone, keyed by text; zones compare by
identity); a full table starts again empty, so a long-lived process stays bounded."""
_Memo = dict[ZoneInfo, dict[str, datetime]]
"""By zone, then by text: no (text, zone) key to build and hash on every read."""
_datetimes: _Memo = {}
_instants: _Memo = {}


def _table(memo: _Memo, tz: ZoneInfo) -> dict[str, datetime]:
    if (table := memo.get(tz)) is None:
        table = memo[tz] = {}
    return table


def _remember(table: dict[str, datetime], text: str, at: datetime) -> datetime:
    if len(table) >= MEMO_LIMIT:
        table.clear()
    table[text] = at
    return at


@cache
def days(n: int) -> timedelta:
    """``timedelta(days=n)``, made once: deadlines and windows ask for the same few lengths
    tens of thousands of times."""
    return timedelta(days=n)


@cache
def hours(amount: float) -> timedelta:
    """``timedelta(hours=amount)``, made once (as :func:`days`)."""
    return timedelta(hours=amount)


def forget() -> None:
    """Forget every remembered value (a benchmark measuring first parses calls this)."""
    _datetimes.clear()
    _instants.clear()


def is_datetime_text(value: object) -> bool:
    """True when ``value`` is a well-formed, real date and time (used as a format checker)."""
    if not isinstance(value, str):
        return False
    try:
        parse_datetime(value, _UTC)
    except ValueError:
        return False
    return True


def parse_datetime(text: str, tz: ZoneInfo) -> datetime:
    """Parse ``YYYY-MM-DD HH:MM[:SS][offset]``; naive times are local to ``tz``."""
    table = _table(_datetimes, tz)
    at = table.get(text)
    return at if at is not None else _remember(table, text, _parse_datetime(text, tz))


def _usual_shape(text: str) -> bool:
    """``_USUAL`` without the regular expression (twice as fast): the separators, an hour
    below 24 and ASCII here; ``fromisoformat`` then insists on digits everywhere else and
    refuses minutes and seconds past 59. A property test pins that the two agree."""
    n = len(text)
    return (n == 16 or (n == 19 and text[16] == ":")) and text[4] == "-" and \
        text[7] == "-" and text[13] == ":" and (text[10] == " " or text[10] == "T") and \
        (text[11] < "2" or (text[11] == "2" and text[12] < "4")) and text.isascii()


def _usual(text: str, tz: ZoneInfo) -> datetime | None:
    if _usual_shape(text):
        try:
            naive = datetime.fromisoformat(text)
        except ValueError:
            return None
        # combine, not replace(tzinfo=...): the same value, at a third of the cost
        return datetime.combine(naive, naive.time(), tz)
    return None


def _parse_datetime(text: str, tz: ZoneInfo) -> datetime:
    if (at := _usual(text, tz)) is not None:
        return at
    m = _DT.match(text)
    if not m:
        raise ValueError(f"not a date and time: {text!r}")
    return _build(text, tz, *m.groups())


def _build(text: str, tz: ZoneInfo, y: str, mo: str, d: str, h: str, mi: str, s: str | None,
           off: str | None) -> datetime:
    hour, minute, second = int(h), int(mi), int(s or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(f"not a valid time of day: {text!r}")
    if off is None or off == "Z":  # raises on 2026-02-30
        return datetime(int(y), int(mo), int(d), hour, minute, second,
                        tzinfo=tz if off is None else _UTC)
    base = datetime(int(y), int(mo), int(d), hour, minute, second)  # the date, then the offset
    sign = 1 if off[0] == "+" else -1
    oh, om = int(off[1:3]), int(off[4:6])
    if oh > 14 or om > 59:
        raise ValueError(f"not a valid offset: {text!r}")
    return base.replace(tzinfo=timezone(sign * timedelta(hours=oh, minutes=om)))


def parse_date(text: str) -> date:
    m = _D.match(text)
    if not m:
        raise ValueError(f"not a date: {text!r}")
    return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))


def parse_instant(text: str, tz: ZoneInfo) -> datetime:
    """A date or a date and time; a date alone means the end of that local day.

    End of day, not start: "done on 2026-01-08" must not make a deadline due that afternoon
    look late, and "due 2026-01-08" gives the whole day.
    """
    table = _table(_instants, tz)
    at = table.get(text)
    return at if at is not None else _remember(table, text, _parse_instant(text, tz))


def _parse_instant(text: str, tz: ZoneInfo) -> datetime:
    if (at := _usual(text, tz)) is not None:
        return at
    m = _INSTANT.match(text)
    if not m:
        raise ValueError(f"not a date and time: {text!r}")
    y, mo, d, h, *rest = m.groups()
    if h is None:  # a date alone
        return datetime.combine(date(int(y), int(mo), int(d)), END_OF_DAY, tzinfo=tz)
    return _build(text, tz, y, mo, d, h, *rest)


def try_instant(value: object, tz: ZoneInfo) -> datetime | None:
    """Parse when possible; ``None`` for absent or malformed values (validation reports those)."""
    if not isinstance(value, str):
        return None
    if (table := _instants.get(tz)) is None:
        table = _instants[tz] = {}
    elif (at := table.get(value)) is not None:  # parse_instant's memo, read here
        return at
    n = len(value)  # _usual and _usual_shape, inlined: tens of thousands of first reads a run
    if (n == 16 or (n == 19 and value[16] == ":")) and value[4] == "-" and value[7] == "-" \
            and value[13] == ":" and (value[10] == " " or value[10] == "T") \
            and (value[11] < "2" or (value[11] == "2" and value[12] < "4")) and value.isascii():
        try:
            naive = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if len(table) >= MEMO_LIMIT:
                table.clear()
            at = table[value] = datetime.combine(naive, naive.time(), tz)
            return at
    try:
        return _remember(table, value, _parse_instant(value, tz))
    except ValueError:
        return None
