"""Grades: recurrence counting, declared grades and grading every record.

The condition vocabulary is :mod:`generator.conditions` and the grade types are in
:mod:`generator.policytypes`; both are re-exported here for existing imports.

Records are graded in received order (then id). Recurrences are counted from an index built
once, while the records are processed: per key and key value, one list of received instants
per basis grade, so counting a rolling window is one bisection, never a scan of all records.
The window is ``(received - window, received]``; months are calendar months in the
repository's zone, clamped to the month's end (31 May - 3 months = 28/29 Feb). This record
always counts as one occurrence, whatever its own grade; earlier records count when they are
in the window and (with ``of_grades``) their basis grade is listed. The basis is the grade a
record's own facts give (``fact``) or its final grade (``final``), as the policy says. The
fact grade is what the criteria give with every recurrence condition counted as not met.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple
from zoneinfo import ZoneInfo

from generator.conditions import (
    Condition,
    Context,
    Lookup,
    Recurrence,
    Window,
    compare,
    dig,
    evaluate,
    holds,
    latest_decision,
    parse_condition,
    parse_optional,
    test,
    walk,
)
from generator.model import Record
from generator.policytypes import Criterion, Grade, Text, parse_text

if TYPE_CHECKING:
    from generator.policy import Policy

__all__ = ["KEY_ALIASES", "MAX_EVIDENCE", "Condition", "Context", "Criterion", "Grade",
           "GradeResult", "Lookup", "Reason", "Recurrence", "RecurrenceIndex", "Text", "Window",
           "compare", "dig", "evaluate", "grade_all", "holds", "is_occurrence", "key_value",
           "latest_decision", "parse_condition", "parse_grade", "parse_optional", "parse_text",
           "test", "walk"]
MAX_EVIDENCE = 20
"""At most this many earlier records are named in a reason (the count is always exact)."""
KEY_ALIASES: Mapping[str, tuple[str, ...]] = {
    "problem_key": ("problem_key",),
    "customer": ("customer.code", "customer.company"),
    "part_number": ("product.part_number",),
    "defect_code": ("defect_code",),
    "site": ("customer.site",),
}
"""Named keys; the first present path gives the value. Any other key is a dotted path."""


def parse_grade(g: Mapping[str, Any]) -> Grade:
    return Grade(g["id"], parse_text(g["name"]), tuple(
        Criterion(c["id"], parse_text(c["text"]), parse_condition(c["when"]), c.get("source", ""))
        for c in g.get("criteria", [])))


@dataclass(slots=True)  # not frozen, for speed: see generator.compute
class Reason:
    criterion: str
    """The criterion id, ``declared``, ``reopen``, or empty for the default grade."""
    text_zh: str
    text_en: str
    records: tuple[str, ...] = ()
    """Earlier records that caused an escalation (or the original of a reopening)."""


@dataclass(slots=True)  # not frozen, for speed: see generator.compute
class GradeResult:
    grade: str
    name_zh: str
    name_en: str
    fact_grade: str
    """From the record's own facts, recurrences not counted."""
    computed_grade: str
    """With recurrences and reopen inheritance, before any declared grade."""
    declared: str | None
    """The declared grade as written (``grade_declared.grade``), honoured or not."""
    declared_status: str
    """none | stricter (honoured) | same | looser (ignored) | unknown (not a grade id)."""
    reasons: tuple[Reason, ...]


_KEY_PATHS = {name: tuple(tuple(p.split(".")) for p in paths)
              for name, paths in KEY_ALIASES.items()}


def key_value(record: Record, key: Sequence[str]) -> tuple[str, ...] | None:
    """The record's value of a (composite) key, case-folded; None when a part is missing."""
    return _key_value(record, _key_paths(tuple(key)))


@cache
def _key_paths(key: tuple[str, ...]) -> tuple[tuple[tuple[str, ...], ...], ...]:
    """Each part's record paths, split (a named key's aliases, or the dotted path itself)."""
    return tuple(_KEY_PATHS.get(part) or (tuple(part.split(".")),) for part in key)


def _key_value(record: Record, paths: tuple[tuple[tuple[str, ...], ...], ...]
               ) -> tuple[str, ...] | None:
    out: list[str] = []
    data = record.data
    for part in paths:
        for path in part:
            value = data.get(path[0]) if len(path) == 1 else dig(data, path)
            if value.__class__ is str:
                text = value.strip()
            elif isinstance(value, int) and not isinstance(value, bool):
                text = str(value).strip()
            else:
                continue
            if text:
                out.append(text.casefold())
                break
        else:
            return None
    return tuple(out)


_ALL = ("*",)


class RecurrenceIndex:
    """Earlier occurrences by key value and basis grade, filled in received order."""

    def __init__(self, keys: Sequence[tuple[str, ...]], tz: ZoneInfo) -> None:
        self._keys, self._tz = tuple(dict.fromkeys(keys)), tz
        self._paths = tuple((spec, _key_paths(spec)) for spec in self._keys)
        self._lists: dict[tuple[tuple[str, ...], tuple[str, ...]],
                          dict[str, tuple[list[float], list[str]]]] = {}
        self._info: dict[str, tuple[float, str, dict[tuple[str, ...], tuple[str, ...]]]] = {}

    def values(self, record: Record) -> dict[tuple[str, ...], tuple[str, ...] | None]:
        if len(self._paths) == 1:  # the usual single key: no comprehension
            spec, paths = self._paths[0]
            return {spec: _key_value(record, paths)}
        return {spec: _key_value(record, paths) for spec, paths in self._paths}

    def add(self, record: Record, at: datetime, grade: str,
            values: Mapping[tuple[str, ...], tuple[str, ...] | None],
            ts: float | None = None) -> None:
        """``ts``: ``at.timestamp()``, when the caller has it."""
        if ts is None:
            ts = at.timestamp()
        kept: dict[tuple[str, ...], tuple[str, ...]] = {}
        for spec, value in values.items():
            if value is None:
                continue
            kept[spec] = value
            if (buckets := self._lists.get((spec, value))) is None:
                buckets = self._lists[(spec, value)] = {}
            for g in ("*", grade):
                if (found := buckets.get(g)) is None:
                    found = buckets[g] = ([], [])
                found[0].append(ts)
                found[1].append(record.id)
        self._info[record.id] = (ts, grade, kept)

    def known(self, values: Mapping[tuple[str, ...], tuple[str, ...] | None]) -> bool:
        """Whether an earlier occurrence shares one of these key values."""
        for spec, value in values.items():
            if value is not None and (spec, value) in self._lists:
                return True
        return False

    def lookup(self, at: datetime, exclude: str | None,
               values: Mapping[tuple[str, ...], tuple[str, ...] | None]) -> Lookup:
        """Counting for a record received ``at`` with key ``values`` (from :meth:`values`);
        ``exclude`` is its reopened original."""
        # this record's history per key, looked up once for all its criteria
        history: dict[tuple[str, ...], dict[str, tuple[list[float], list[str]]]] = {}
        for spec, value in values.items():
            if value is not None and (buckets := self._lists.get((spec, value))) is not None:
                history[spec] = buckets
        starts: dict[int, float] = {}  # by the window's identity: a policy has one or two
        tz = self._tz
        original = self._info.get(exclude) if exclude is not None else None

        def find(rec: Recurrence) -> tuple[int, tuple[str, ...]]:
            buckets = history.get(rec.key)
            if buckets is None:
                return 1, ()
            if (start := starts.get(id(rec.window))) is None:
                start = starts[id(rec.window)] = rec.window.start(at, tz).timestamp()
            grades = rec.of_grades or _ALL
            total = 0
            for g in grades:
                if (found := buckets.get(g)) is not None:
                    total += len(found[0]) - bisect_right(found[0], start)
            if original is not None:
                ts, grade, kept = original
                if kept.get(rec.key) == values[rec.key] and ts > start and \
                        (rec.of_grades is None or grade in rec.of_grades):
                    total -= 1
            if total + 1 < rec.min_count:
                return total + 1, ()  # not met: no need to name anyone
            return total + 1, _latest(buckets, grades, start, exclude)

        return find


def _latest(buckets: Mapping[str, tuple[list[float], list[str]]], grades: Sequence[str],
            start: float, exclude: str | None) -> tuple[str, ...]:
    """The last ``MAX_EVIDENCE`` records after ``start`` in the buckets of ``grades``."""
    if len(grades) == 1:
        found = buckets.get(grades[0])
        lists = [found] if found is not None else []
    else:
        lists = [found for g in grades if (found := buckets.get(g)) is not None]
    if len(lists) == 1:  # filled in received order, then id: already sorted
        times, ids = lists[0]
        named = ids[max(bisect_right(times, start), len(times) - MAX_EVIDENCE - 1):]
        if exclude is None:
            return tuple(named[-MAX_EVIDENCE:])
    else:
        hits: list[tuple[float, str]] = []
        for times, ids in lists:
            lo = max(bisect_right(times, start), len(times) - MAX_EVIDENCE - 1)
            hits.extend(zip(times[lo:], ids[lo:], strict=True))
        named = [i for _, i in sorted(hits)]
    return tuple([i for i in named if i != exclude][-MAX_EVIDENCE:])


def _reason(c: Criterion, earlier: tuple[str, ...]) -> Reason:
    zh, en = c.text.zh, c.text.en
    if earlier:
        zh += f"（同键较早记录：{'、'.join(earlier)}）"
        en += f" (earlier records with the same key: {', '.join(earlier)})"
    return Reason(c.id, zh, en, earlier)


class _Entry(NamedTuple):
    """One criterion, flattened for the scan."""

    rank: int
    criterion: Criterion
    fn: Callable[[Context], bool]
    recurrence: Recurrence | None
    """Set when the condition is a recurrence on its own."""
    recurrent: bool


def _entries(policy: Policy) -> tuple[_Entry, ...]:
    return tuple(_Entry(i, c, c.when.fn, c.when.recurrence, c.when.recurrent)
                 for i, grade in enumerate(policy.grades) for c in grade.criteria)


_NO_CRITERION = ("不满足更严重级别的任何条件", "No criterion of a more severe grade holds")


def _scan(record: Record, policy: Policy, lookup: Lookup | None,
          entries: tuple[_Entry, ...] | None = None) -> tuple[int, int, list[Reason]]:
    """(fact rank, rank, reasons) in one pass over the criteria, most severe grade first.

    The fact rank counts every recurrence as not met; the rank uses the history. Each is the
    first grade with a criterion that holds; the reasons are all criteria that hold there.
    ``entries``: the policy's criteria from :func:`_entries`, when many records are scanned.
    """
    plain = Context(record)
    full = Context(record, None, lookup) if lookup is not None else plain
    fact = rank = -1
    reasons: list[Reason] = []
    current = 0
    for i, c, fn, rec, recurrent in entries if entries is not None else _entries(policy):
        if i != current:  # the previous grade is complete
            if rank < 0 and reasons:
                rank = current
            if fact >= 0 and rank >= 0:
                break
            current = i
        if rec is not None:  # a recurrence on its own: never met without a history
            if lookup is not None and rank < 0 and (hit := lookup(rec))[0] >= rec.min_count:
                reasons.append(_reason(c, hit[1]))
            continue
        # without a history, rank and fact grade read a criterion the same way
        if not recurrent or lookup is None:
            if fn(plain):
                if fact < 0:
                    fact = i
                if rank < 0:
                    reasons.append(_reason(c, ()))
            continue
        if rank < 0 and (hit2 := evaluate(c.when, full))[0]:
            reasons.append(_reason(c, hit2[1]))
        if fact < 0 and fn(plain):
            fact = i
    else:
        if rank < 0 and reasons:
            rank = current
    last = len(policy.grades) - 1
    if rank < 0:
        reasons = [Reason("", *_NO_CRITERION)]
    return (fact if fact >= 0 else last), (rank if rank >= 0 else last), reasons


def _grade_one(record: Record, policy: Policy, lookup: Lookup | None,
               done: Mapping[str, GradeResult], original: str | None,
               entries: tuple[_Entry, ...] | None = None) -> GradeResult:
    """``original``: the record this one reopens (``reopen_of``), if any."""
    fact, rank, reasons = _scan(record, policy, lookup, entries)
    if policy.reopen_inherits_grade and original is not None and original in done:
        inherited = policy.rank(done[original].grade)
        if inherited is not None and inherited < rank:
            g = policy.grades[inherited]
            rank, reasons = inherited, [Reason(
                "reopen", f"重开自 {original}，沿用其级别 {g.id} {g.name.zh}",
                f"Reopens {original}; keeps its grade {g.id} {g.name.en}", (original,))]
    computed, final = policy.grades[rank].id, rank
    declared = record.data.get("grade_declared")
    if declared is not None:
        declared = declared.get("grade") if declared.__class__ is dict else record.get(
            "grade_declared.grade")
    status = "none"
    if isinstance(declared, str):
        d = policy.rank(declared)
        status = "unknown" if d is None else "stricter" if d < rank else \
            "same" if d == rank else "looser"
        if d is not None and status == "stricter":
            final = d
            why, by = record.get("grade_declared.reason"), record.get("grade_declared.by")
            who = f"（{by}）" if isinstance(by, str) else ""
            who_en = f" ({by})" if isinstance(by, str) else ""
            reasons = [Reason(
                "declared", f"声明为更严格的级别 {declared}（计算为 {computed}）{who}：{why}",
                f"Declared stricter grade {declared} (computed {computed}){who_en}: {why}"),
                *(r for r in reasons if r.criterion)]
    g = policy.grades[final]
    return GradeResult(g.id, g.name.zh, g.name.en, policy.grades[fact].id, computed,
                       declared if isinstance(declared, str) else None, status, tuple(reasons))


def is_occurrence(record: Record, policy: Policy) -> bool:
    """Counts as an occurrence for later records (not cancelled, reopened or excluded)."""
    if record.data.get("status") in policy.exclude_statuses or \
            isinstance(record.data.get("reopen_of"), str):
        return False
    return policy.not_a_complaint is None or not holds(policy.not_a_complaint[0], record)


def grade_all(ordered: Sequence[Record], policy: Policy, tz: ZoneInfo,
              received: Mapping[str, datetime | None],
              received_ts: Mapping[str, float] | None = None) -> dict[str, GradeResult]:
    """Grade ``ordered`` (from :func:`processing_order`), each with its earlier history.
    ``received_ts``: the received times as timestamps, when the caller has them."""
    rules = [c.recurrence for g in policy.grades for cr in g.criteria
             for c in walk(cr.when) if c.recurrence is not None]
    specs = [r.key for r in rules]
    index = RecurrenceIndex(specs, tz)
    entries = _entries(policy)
    # Without an earlier occurrence that shares a key value every count is 1, which meets no
    # recurrence (the policy schema asks for two or more): grade such a record without history.
    alone_counts = any(r.min_count <= 1 for r in rules)
    basis_fact = policy.recurrence_basis == "fact"
    results: dict[str, GradeResult] = {}
    for record in ordered:
        at = received.get(record.id)
        original = record.data.get("reopen_of")
        original = original if original.__class__ is str else None
        if at is None or not specs:
            results.setdefault(record.id,
                               _grade_one(record, policy, None, results, original, entries))
            continue
        values = index.values(record)
        lookup = index.lookup(at, original, values) if alone_counts or index.known(values) \
            else None
        result = _grade_one(record, policy, lookup, results, original, entries)
        results.setdefault(record.id, result)
        if original is None and is_occurrence(record, policy):  # a reopening never is
            index.add(record, at, result.fact_grade if basis_fact else result.grade, values,
                      received_ts.get(record.id) if received_ts is not None else None)
    return results
