"""Since when a time zone keeps one UTC offset, read from its TZif data.

Asia/Shanghai, the default zone, has kept UTC+8 since daylight saving time ended in 1991.
From then on every wall time is exactly one instant. Adding hours or natural days is then
plain arithmetic on the wall time, and so is a POSIX timestamp. Converting through UTC
costs ten times more, and compute does it tens of thousands of times.

zoneinfo does not expose a zone's transitions. So this module reads the zone's TZif file
(RFC 8536) from where zoneinfo finds it: ``zoneinfo.TZPATH`` first, then the ``tzdata``
package. It gives None in each of these cases:

- the zone has no key;
- the file is missing or not TZif version 2 or later;
- the file carries leap seconds;
- its rule after the last transition has daylight saving time;
- zoneinfo gives a different offset at the points checked.

With None, callers take the general path, which is right for every zone.
"""

from __future__ import annotations

import importlib.resources
import re
import struct
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path, PurePosixPath
from zoneinfo import ZoneInfo

_MARGIN = timedelta(days=2)
"""``since`` lies this long after the last transition: no wall time near it is ambiguous."""
_STD_ONLY = re.compile(
    r"(?:<[A-Za-z0-9+-]+>|[A-Za-z]{3,})([+-]?)(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?\Z")
"""A POSIX TZ rule with a standard time and no daylight saving part (``CST-8``, ``<+08>-8``);
its offset is written west-positive (``-8`` is UTC+8)."""


@dataclass(frozen=True, slots=True)
class Fixed:
    """A zone's one offset from ``since`` on."""

    since: datetime
    """A wall time in the zone (``tzinfo`` is the zone); every time at or after it has
    ``offset``. Aware times that share the zone compare as wall times, which is the order of
    their instants here."""
    offset: timedelta
    epoch: datetime
    """The POSIX epoch as a wall time in the zone."""

    def timestamp(self, at: datetime) -> float:
        """``at.timestamp()`` for a time in the zone at or after ``since``: the same float
        (the same whole microseconds, divided the same way)."""
        return (at - self.epoch).total_seconds()

    def stamp(self, at: datetime) -> float:
        """``at.timestamp()``, through :meth:`timestamp` when ``at`` is in the zone at or
        after ``since`` (the general path otherwise)."""
        if at.tzinfo is self.since.tzinfo and at >= self.since:
            return self.timestamp(at)
        return at.timestamp()


@cache
def fixed(tz: ZoneInfo) -> Fixed | None:
    """When ``tz`` keeps one offset for good, and which; None when that cannot be shown."""
    key = getattr(tz, "key", None)
    if not isinstance(key, str) or not isinstance(tz, ZoneInfo):
        return None
    data = _tzif(key)
    if data is None:
        return None
    found = _last_transition(data)
    if found is None:
        return None
    last, rule = found
    if (m := _STD_ONLY.match(rule)) is None:
        return None
    sign, h, mi, sec = m.groups()
    west = timedelta(hours=int(h), minutes=int(mi or 0), seconds=int(sec or 0))
    start = datetime(1900, 1, 1, tzinfo=UTC)
    try:
        if last is not None and last > start.timestamp():
            start = datetime.fromtimestamp(last, UTC)
        since = (start + _MARGIN).astimezone(tz)
    except (OverflowError, OSError, ValueError):  # a transition past what datetime holds
        return None
    offset = since.utcoffset()
    if offset is None or offset != (west if sign == "-" else -west):  # the file is not
        return None  # the data zoneinfo read
    for probe in (since, since + timedelta(days=400), datetime(2100, 1, 1, tzinfo=tz),
                  datetime(2100, 7, 1, tzinfo=tz), datetime(2100, 7, 1, fold=1, tzinfo=tz)):
        if probe.utcoffset() != offset:  # zoneinfo disagrees: do not use the fast path
            return None
    epoch = datetime(1970, 1, 1, tzinfo=tz) + offset  # the epoch's wall time, written in tz
    return Fixed(since, offset, epoch)


def _tzif(key: str) -> bytes | None:
    """The zone's TZif bytes, found where zoneinfo finds them."""
    if PurePosixPath(key).is_absolute() or ".." in key.split("/"):
        return None
    for root in zoneinfo.TZPATH:
        path = Path(root, key)
        if path.is_file():
            try:
                return path.read_bytes()
            except OSError:
                return None
    try:
        *parts, name = key.split("/")
        resource = importlib.resources.files(".".join(["tzdata", "zoneinfo", *parts])) / name
        return resource.read_bytes()
    except (ImportError, OSError, ValueError):
        return None


_HEADER = struct.Struct(">4sc15x6l")


def _last_transition(data: bytes) -> tuple[int | None, str] | None:
    """(the last transition as a POSIX time, or None when there is none; the TZ rule after
    it), from the version 2+ part of a TZif file; None when the file is not one or carries
    leap seconds."""
    try:
        magic, version, *_ = _HEADER.unpack_from(data, 0)
        if magic != b"TZif" or version < b"2":
            return None
        isut, isstd, leap, times, types, chars = _HEADER.unpack_from(data, 0)[2:]
        offset = _HEADER.size + times * 5 + types * 6 + chars + leap * 8 + isstd + isut
        magic, version, *_ = _HEADER.unpack_from(data, offset)
        if magic != b"TZif":
            return None
        isut, isstd, leap, times, types, chars = _HEADER.unpack_from(data, offset)[2:]
        if leap:
            return None
        body = offset + _HEADER.size
        last = struct.unpack_from(">q", data, body + (times - 1) * 8)[0] if times else None
        footer = body + times * 9 + types * 6 + chars + leap * 12 + isstd + isut
        if data[footer:footer + 1] != b"\n":
            return None
        end = data.index(b"\n", footer + 1)
        return last, data[footer + 1:end].decode("ascii")
    except (struct.error, ValueError, UnicodeDecodeError):
        return None
