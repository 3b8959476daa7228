"""Record ids: ``PREFIX-YEAR-NUMBER`` with an optional reopen suffix ``-N``.

Two ids are the same record number when they name the same prefix, year, number and suffix,
however the number is spelt: ``KS-2026-00025`` is ``KS-2026-0025`` (and so is
``ks-2026-0025`` on a file system that ignores case). ``kesu.yaml``'s ``id_digits`` fixes the
number's width, so only one spelling is accepted.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_ID = re.compile(r"^([A-Za-z][A-Za-z0-9]*)-([0-9]{4})-([0-9]+)(?:-([0-9]+))?$")


class IdValue(NamedTuple):
    """What an id means, whatever its spelling."""

    prefix: str
    year: int
    number: int
    reopen: int
    """0 for an original record, N for ``<id>-N``."""


def id_value(rid: str) -> IdValue | None:
    """The value of an id of the usual shape; None for anything else."""
    m = _ID.match(rid)
    if m is None:
        return None
    return IdValue(m[1].casefold(), int(m[2]), int(m[3]), int(m[4] or 0))


def same_key(rid: str) -> str:
    """A key equal for ids of the same value (and for the same text ignoring case)."""
    value = id_value(rid)
    return rid.casefold() if value is None else "{}-{}-{}-{}".format(*value)


def width_ok(rid: str, digits: int) -> bool:
    """True when the id's number has the configured width: exactly ``digits`` digits, or more
    only for a number that needs them (no leading zero)."""
    m = _ID.match(rid)
    if m is None:
        return True  # the schema reports ids of another shape
    number = m[3]
    return len(number) == digits or (len(number) > digits and not number.startswith("0"))


def spelled(prefix: str, year: int, number: int, digits: int) -> str:
    """The id of a number, written at the configured width."""
    return f"{prefix}-{year:04d}-{number:0{digits}d}"
