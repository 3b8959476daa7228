"""Typed results passed between the pipeline's stages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any


@dataclass(frozen=True, slots=True)
class Record:
    """One loaded complaint record.

    ``data`` is the YAML mapping as loaded (dates are strings); stages read it but never
    change it.
    """

    id: str
    """The file name without ``.yaml``; validation checks ``data['id']`` equals it."""
    path: str
    """Path relative to the repository root, with forward slashes."""
    data: Mapping[str, Any]
    valid: bool = True
    """False when the record failed validation; compute skips fields it cannot trust."""

    def get(self, dotted: str) -> Any:
        """Value at a dotted path such as ``sample.received_at``, or ``None``."""
        if "." not in dotted:
            return self.data.get(dotted)
        node: Any = self.data
        for part in _split(dotted):
            if node.__class__ is not dict and not isinstance(node, Mapping):  # dicts: fast path
                return None
            node = node.get(part)
        return node


@cache
def _split(dotted: str) -> tuple[str, ...]:
    return tuple(dotted.split("."))


@dataclass(slots=True)
class RecordSet:
    """All records of a repository, indexed once."""

    records: list[Record] = field(default_factory=list)
    by_id: dict[str, Record] = field(default_factory=dict)

    def add(self, record: Record) -> None:
        self.records.append(record)
        self.by_id.setdefault(record.id, record)


@dataclass(frozen=True, slots=True)
class LateRecorded:
    """A completion time that was entered after the fact."""

    record: str
    field: str
    """The field path, ``milestones.final_report.done_at``."""
    value: str
    recorded_commit: str
    """The main-line commit that introduced the value (12 characters)."""
    recorded_at: datetime
    """That commit's date: when the main line first held the value."""
    base_at: datetime
    """The date of its first parent, which the value is earlier than."""
