"""The counts every page shows, at one instant: records and milestones kept apart.

One vocabulary (issue 18): a *record* count and a *milestone* count never share a label. The
dashboard, the weekly page, the ledger index and the weekly index all call ``snapshot`` for
their figures, so the same label gives the same number at the same instant. Works on any rows
and deadlines that have the fields below (the site's ``Row`` and ``Deadline``); facts only,
the labels live in ``generator.render.i18n``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class MilestoneFacts(Protocol):
    @property
    def record_id(self) -> str: ...
    @property
    def id(self) -> str: ...
    @property
    def due_at(self) -> datetime | None: ...
    def open_at(self, when: datetime) -> bool: ...
    def overdue_at(self, when: datetime) -> bool: ...


class RecordFacts(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def deadlines(self) -> Sequence[MilestoneFacts]: ...
    def open_at(self, when: datetime) -> bool: ...


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Ids counted at ``when``; the figures are the lengths."""

    when: datetime
    open_records: tuple[str, ...]
    """Received by ``when`` and neither closed nor cancelled then."""
    overdue_records: tuple[str, ...]
    """Open records with at least one overdue milestone."""
    overdue_milestones: tuple[tuple[str, str], ...]
    """(record id, milestone id) of every overdue milestone of an open record."""


def snapshot(rows: Iterable[RecordFacts], when: datetime) -> Snapshot:
    open_ids: list[str] = []
    late_ids: list[str] = []
    late_ms: list[tuple[str, str]] = []
    for row in rows:
        if not row.open_at(when):
            continue
        open_ids.append(row.id)
        late = [(row.id, d.id) for d in row.deadlines if d.overdue_at(when)]
        if late:
            late_ids.append(row.id)
            late_ms.extend(late)
    return Snapshot(when, tuple(open_ids), tuple(late_ids), tuple(late_ms))


def due_between(
    rows: Iterable[RecordFacts], when: datetime, start: datetime, end: datetime
) -> list[tuple[str, str]]:
    """Milestones of records open at ``when``, open and not overdue then, due in [start, end)."""
    out = []
    for row in rows:
        if not row.open_at(when):
            continue
        for d in row.deadlines:
            due = d.due_at
            if due is not None and start <= due < end and d.open_at(when) and due >= when:
                out.append((row.id, d.id))
    return out
