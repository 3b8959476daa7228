"""Parsing the date and time strings records carry.

Records keep dates as text (the loader never builds date objects), so every consumer parses
through here with the repository's zone: a time without an offset is local to that zone.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

_DT = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:\d{2})?$")
_D = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_INSTANT = re.compile(  # _D or _DT in one match
    r"^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:\d{2})?)?$"
)
_USUAL = re.compile(r"\d{4}-\d{2}-\d{2}[ T](?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d)?\Z", re.ASCII)
"""The usual shape: ASCII digits, a valid time of day, no offset. ``datetime.fromisoformat``
reads it exactly as :func:`_build` does, only faster; a date that does not exist (02-30) still
goes to ``_build``, which says why."""


def _usual(text: str, tz: ZoneInfo) -> datetime | None:
    if _USUAL.match(text):
        try:
            naive = datetime.fromisoformat(text)
        except ValueError:
            return None
        return datetime.combine(naive, naive.time(), tz)  # replace(tzinfo=tz), only quicker
    return None


END_OF_DAY = time(23, 59, 59, 999999)  # the same instant workcal uses for "end of a working day"
_UTC = ZoneInfo("UTC")


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
    if (at := _usual(text, tz)) is not None:
        return at
    m = _DT.match(text)
    if not m:
        raise ValueError(f"not a date and time: {text!r}")
    return _build(text, tz, *m.groups())


def _build(
    text: str,
    tz: ZoneInfo,
    y: str,
    mo: str,
    d: str,
    h: str,
    mi: str,
    s: str | None,
    off: str | None,
) -> datetime:
    hour, minute, second = int(h), int(mi), int(s or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(f"not a valid time of day: {text!r}")
    if off is None or off == "Z":  # raises on 2026-02-30
        return datetime(
            int(y), int(mo), int(d), hour, minute, second, tzinfo=tz if off is None else _UTC
        )
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
    try:
        return parse_instant(value, tz)
    except ValueError:
        return None
