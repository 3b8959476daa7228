"""Reading records: values at dotted paths, recurrence key values, approval decisions.

What the condition vocabulary and the deadlines read from a record's data (a mapping as
loaded). A path that steps through a missing value, or anything but a mapping, reads None.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from generator.common.model import Record

KEY_ALIASES: Mapping[str, tuple[str, ...]] = {
    "problem_key": ("problem_key",),
    "customer": ("customer.code", "customer.company"),
    "part_number": ("product.part_number",),
    "defect_code": ("defect_code",),
    "site": ("customer.site",),
}
"""Named recurrence keys; the first present path gives the value. Any other key is a path."""


def dig(data: Any, parts: Sequence[str]) -> Any:
    """The value at a split path, or None."""
    for part in parts:
        if data.__class__ is dict or (data is not None and isinstance(data, Mapping)):
            data = data.get(part)
        else:
            return None
    return data


@lru_cache(maxsize=256)
def split_path(dotted: str) -> tuple[str, ...]:
    """A dotted path split once (the paths come from a policy: a handful)."""
    return tuple(dotted.split("."))


@lru_cache(maxsize=256)
def reader(dotted: str) -> Callable[[Any], Any]:
    """The value at a dotted path of a record's data (a mapping), or None; one reader per
    path (the paths come from a policy). Paths of up to three steps (nearly all: a field, a
    fact, ``milestones.<id>.done_at``) are read through plain dictionaries without a loop."""
    parts = split_path(dotted)
    if len(parts) == 1:
        (first,) = parts
        return lambda data: data.get(first)
    if len(parts) == 2:
        first, second = parts

        def read2(data: Any) -> Any:
            if (step := data.get(first)) is None:
                return None
            return step.get(second) if step.__class__ is dict else dig(step, parts[1:])

        return read2
    if len(parts) == 3:
        first, second, third = parts

        def read3(data: Any) -> Any:
            if (step := data.get(first)) is None:
                return None
            if step.__class__ is dict and (step := step.get(second)).__class__ is dict:
                return step.get(third)
            return dig(data, parts)

        return read3
    return lambda data: dig(data, parts)


KeyReaders = tuple[tuple[Callable[[Any], Any], ...], ...]
"""A recurrence key's readers: per part of the key, one per alias path, in order."""


def key_readers(key: Sequence[str]) -> KeyReaders:
    return tuple(tuple(reader(p) for p in KEY_ALIASES.get(part, (part,))) for part in key)


def key_value(record: Record, key: Sequence[str]) -> tuple[str, ...] | None:
    """The record's value of a (composite) recurrence key, case-folded; None when a part is
    missing. A part's value is text or a whole number, the first alias that has one."""
    return read_key(record, key_readers(key))


def read_key(record: Record, readers: KeyReaders) -> tuple[str, ...] | None:
    """:func:`key_value`, with the key's :func:`key_readers` made once."""
    out: list[str] = []
    data = record.data
    for aliases in readers:
        for read in aliases:
            value = read(data)
            text = value if isinstance(value, str) else _whole_number(value)
            if text is not None and (text := text.strip()):
                out.append(text.casefold())
                break
        else:
            return None
    return tuple(out)


def _whole_number(value: Any) -> str | None:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else None


def latest_decision(record: Record, role: str, subject: str) -> Mapping[str, Any] | None:
    """The last approval entry of ``role`` on ``subject`` (entries are append-only)."""
    items = record.data.get("approvals")
    found = None
    for entry in items if isinstance(items, list) else []:
        if (
            isinstance(entry, Mapping)
            and entry.get("role") == role
            and entry.get("subject") == subject
        ):
            found = entry
    return found
