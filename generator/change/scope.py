"""Which records the base version of a change depends on (``kesu check``'s second pass).

``kesu check`` computes deadlines for the changed records at their base version. Doing that
over the whole repository would cost as much as the first pass; :func:`dependency_scope`
finds the few records those results read, through indexes built once.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence, Set
from typing import TYPE_CHECKING

from generator.common.model import Record
from generator.compute.grading import policy_recurrences
from generator.policy.conditions import Window
from generator.policy.recordpaths import key_value

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from generator.policy.loader import Policy


_Key = tuple[str, ...]


def _recurrence_windows(policy: Policy) -> dict[_Key, list[Window]]:
    """Each key the grades' recurrence criteria count by, with the windows they count over:
    read from the parsed criteria, as grading reads them."""
    out: dict[_Key, list[Window]] = {}
    for rule in policy_recurrences(policy):
        out.setdefault(rule.key, []).append(rule.window)
    return out


class _Neighbours:
    """The records one record's computation can read, found through indexes built once."""

    def __init__(self, records: Sequence[Record], policy: Policy, tz: ZoneInfo) -> None:
        from generator.compute.records import received_at

        self.records, self.tz = records, tz
        received = received_at(records, tz)  # by id, exactly as compute_all times records
        self.at = [received.get(r.id) for r in records]
        self.by_id: dict[str, list[int]] = {}
        self.reopened_by: dict[str, list[int]] = {}
        for i, r in enumerate(records):
            self.by_id.setdefault(r.id, []).append(i)
            if isinstance(original := r.get("reopen_of"), str):
                self.reopened_by.setdefault(original, []).append(i)
        self.windows = _recurrence_windows(policy)
        self.timed = self._group(self.windows, timed=True)
        """(key, value) → received instants (sorted) and the records received then."""
        self.hint_key: _Key | None = None
        self.same_key: dict[tuple[_Key, _Key], tuple[list[float], list[int]]] = {}
        if policy.reopen.on_recurrence_after_closure:
            self.hint_key = (policy.reopen.recurrence_key,)
            self.same_key = self._group([self.hint_key], timed=False)

    def _group(
        self,
        keys: Iterable[_Key],
        *,
        timed: bool,
    ) -> dict[tuple[_Key, _Key], tuple[list[float], list[int]]]:
        """Records by (key, value); with ``timed`` only those received (the recurrence index
        holds no others), sorted by received time."""
        entries: dict[tuple[_Key, _Key], list[tuple[float, int]]] = {}
        for key in keys:
            for i, r in enumerate(self.records):
                at = self.at[i]
                if timed and at is None:
                    continue
                if (value := key_value(r, key)) is not None:
                    entries.setdefault((key, value), []).append(
                        (at.timestamp() if at is not None else 0.0, i)
                    )
        out = {}
        for group, items in entries.items():
            items.sort()
            out[group] = ([t for t, _ in items], [i for _, i in items])
        return out

    def counted(self, i: int) -> Iterator[int]:
        """Records a recurrence criterion of record ``i`` may count: the same key value,
        received within the widest window ending at its received time (``grading``)."""
        at = self.at[i]
        if at is None:
            return  # graded without its history
        ts = at.timestamp()
        for key, windows in self.windows.items():
            value = key_value(self.records[i], key)
            group = self.timed.get((key, value)) if value is not None else None
            if group is None:
                continue
            start = min(w.start(at, self.tz) for w in windows).timestamp()
            times, idx = group
            yield from idx[bisect_left(times, start) : bisect_right(times, ts)]

    def closed_same_key(self, i: int) -> Iterator[int]:
        """Records the reopen hint of record ``i`` may name (``compute.closure_recurrences``):
        every record with its reopen key value, and every record reopening one of them."""
        if self.hint_key is None or (value := key_value(self.records[i], self.hint_key)) is None:
            return
        for j in self.same_key.get((self.hint_key, value), ([], []))[1]:
            yield j
            yield from self.reopened_by.get(self.records[j].id, ())


def dependency_scope(
    records: Sequence[Record],
    seeds: Set[str],
    policy: Policy,
    tz: ZoneInfo,
) -> list[Record]:
    """The records ``compute_all`` needs to give each record id in ``seeds`` exactly the
    result it gets over all of ``records`` (in their order, so ties stay ordered alike).

    A record's result reads other records only for its grade and its reopen hint:

    - a recurrence criterion counts earlier occurrences with the same key value received in
      its window, by their received time, whether they are occurrences and their basis
      grade. With ``recurrence_basis: fact`` that grade comes from their own facts alone;
      with ``final`` it comes from their own history, which is followed in turn;
    - a reopening (``reopen_of``) inherits its original's final grade and does not count it:
      the original is followed;
    - the reopen hint names closed records with the same key that no record reopens.

    Records are taken by id with all their duplicates, because compute_all times an id by
    its last record and grades it by its first. Everything else (milestones, cancellation,
    penalties, approvals) reads only the record and its grade.
    """
    near = _Neighbours(records, policy, tz)
    follow_counted = policy.recurrence_basis != "fact"
    taken: set[str] = set(seeds)
    exact: set[str] = set()
    todo = list(seeds)
    while todo:
        rid = todo.pop()
        if rid in exact:
            continue
        exact.add(rid)
        for i in near.by_id.get(rid, ()):
            if isinstance(original := records[i].get("reopen_of"), str):
                taken.add(original)
                todo.append(original)
            for j in near.counted(i):
                taken.add(records[j].id)
                if follow_counted:
                    todo.append(records[j].id)
    for rid in seeds:
        for i in near.by_id.get(rid, ()):
            taken.update(records[j].id for j in near.closed_same_key(i))
    return [r for r in records if r.id in taken]
