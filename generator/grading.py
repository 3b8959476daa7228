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
from typing import TYPE_CHECKING, Any, NamedTuple, cast
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
    reader,
    test,
    walk,
    which,
)
from generator.fixedzone import fixed
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


class Reason:
    """Why a record has its grade: one criterion that holds (or ``declared``, ``reopen``, or
    the default grade)."""

    __slots__ = ("_en", "_zh", "criterion", "named", "records")

    def __init__(self, criterion: str, text_zh: str, text_en: str,
                 records: tuple[str, ...] = (), *, named: bool = False) -> None:
        self.criterion = criterion
        """The criterion id, ``declared``, ``reopen``, or empty for the default grade."""
        self._zh, self._en = text_zh, text_en
        self.records = records
        """Earlier records that caused an escalation (or the original of a reopening)."""
        self.named = named
        """The texts end by naming ``records`` (a recurrence's evidence). They are put
        together when read: grading 10,000 records names tens of thousands of them, and most
        texts are never shown."""

    @property
    def text_zh(self) -> str:
        if self.named and self.records:
            return f"{self._zh}（同键较早记录：{'、'.join(self.records)}）"
        return self._zh

    @property
    def text_en(self) -> str:
        if self.named and self.records:
            return f"{self._en} (earlier records with the same key: {', '.join(self.records)})"
        return self._en

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Reason):
            return NotImplemented
        return (self.criterion, self.text_zh, self.text_en, self.records) == \
            (other.criterion, other.text_zh, other.text_en, other.records)

    __hash__ = None  # type: ignore[assignment]  # mutable, like the dataclass it replaces

    def __repr__(self) -> str:
        return (f"Reason(criterion={self.criterion!r}, text_zh={self.text_zh!r}, "
                f"text_en={self.text_en!r}, records={self.records!r})")


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


def key_value(record: Record, key: Sequence[str]) -> tuple[str, ...] | None:
    """The record's value of a (composite) key, case-folded; None when a part is missing."""
    return _key_value(record, _key_readers(tuple(key)))


_Readers = tuple[tuple[Callable[[Any], Any], ...], ...]
"""Per part of a key, a reader per record path (a named key's aliases, or the path itself)."""


@cache
def _key_readers(key: tuple[str, ...]) -> _Readers:
    return tuple(tuple(reader(p) for p in KEY_ALIASES.get(part, (part,))) for part in key)


def _key_value(record: Record, parts: _Readers) -> tuple[str, ...] | None:
    out: list[str] = []
    data = record.data
    for readers in parts:
        for read in readers:
            value = read(data)
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


_Buckets = dict[str, tuple[list[float], list[str]]]
"""One key value's occurrences: received times and ids, for all grades (``*``) and per basis
grade."""
Values = tuple[tuple[str, ...] | None, ...]
"""A record's value of each key of an index, in the index's order
(:meth:`RecurrenceIndex.values`)."""


class RecurrenceIndex:
    """Earlier occurrences by key value and basis grade, filled in received order.

    ``by_grade``: also list them per basis grade, which only a recurrence with
    ``of_grades`` reads (counting one without it needs the list of all grades alone)."""

    def __init__(self, keys: Sequence[tuple[str, ...]], tz: ZoneInfo,
                 by_grade: bool = True) -> None:
        self._keys, self._tz, self._by_grade = tuple(dict.fromkeys(keys)), tz, by_grade
        self._slot = {spec: i for i, spec in enumerate(self._keys)}
        self._readers = tuple(_key_readers(spec) for spec in self._keys)
        self._lists: tuple[dict[tuple[str, ...], _Buckets], ...] = tuple(
            {} for _ in self._keys)
        """Per key (in order), by key value."""
        self._info: dict[str, tuple[float, str, Values]] = {}
        self._fixed = fixed(tz)

    def values(self, record: Record) -> Values:
        if len(self._readers) == 1:  # the usual single key: no generator
            return (_key_value(record, self._readers[0]),)
        return tuple([_key_value(record, readers) for readers in self._readers])

    def add(self, record: Record, at: datetime, grade: str, values: Values,
            ts: float | None = None) -> None:
        """``ts``: ``at.timestamp()``, when the caller has it."""
        if ts is None:
            ts = at.timestamp()
        rid = record.id
        for lists, value in zip(self._lists, values, strict=True):
            if value is None:
                continue
            if (buckets := lists.get(value)) is None:
                buckets = lists[value] = {"*": ([], [])}
            every = buckets["*"]
            every[0].append(ts)
            every[1].append(rid)
            if self._by_grade:
                if (found := buckets.get(grade)) is None:
                    found = buckets[grade] = ([], [])
                found[0].append(ts)
                found[1].append(rid)
        self._info[rid] = (ts, grade, values)

    def known(self, values: Values) -> bool:
        """Whether an earlier occurrence shares one of these key values."""
        return any(value is not None and value in lists
                   for lists, value in zip(self._lists, values, strict=True))

    def lookup(self, at: datetime, exclude: str | None, values: Values) -> Lookup:
        """Counting for a record received ``at`` with key ``values`` (from :meth:`values`);
        ``exclude`` is its reopened original."""
        return cast(Lookup, self._lookup(at, exclude, values, True))

    def lookup_if_known(self, at: datetime, exclude: str | None, values: Values
                        ) -> Lookup | None:
        """:meth:`lookup`, or None when no earlier occurrence shares a key value (then every
        count is 1)."""
        return self._lookup(at, exclude, values, False)

    def _lookup(self, at: datetime, exclude: str | None, values: Values,
                alone: bool) -> Lookup | None:
        # this record's history per key, looked up once for all its criteria
        if len(values) == 1:
            value = values[0]
            history: list[_Buckets | None] = [
                None if value is None else self._lists[0].get(value)]
        else:
            history = [None if value is None else lists.get(value)
                       for lists, value in zip(self._lists, values, strict=True)]
        if not alone and not any(history):
            return None
        starts: dict[int, float] = {}  # by the window's identity: a policy has one or two
        tz, by_grade, fx, slot = self._tz, self._by_grade, self._fixed, self._slot
        original = self._info.get(exclude) if exclude is not None else None

        def find(rec: Recurrence) -> tuple[int, tuple[str, ...]]:
            i = slot[rec.key]
            buckets = history[i]
            if buckets is None:
                return 1, ()
            if (start := starts.get(id(rec.window))) is None:
                w = rec.window.start(at, tz)
                start = starts[id(rec.window)] = fx.stamp(w) if fx is not None \
                    else w.timestamp()
            of = rec.of_grades
            if of is None:  # every grade: one list (the usual case)
                times, ids = buckets["*"]
                lo = bisect_right(times, start)
                total = len(times) - lo
            else:
                if not by_grade:
                    raise ValueError("this index does not list occurrences per grade")
                total = 0
                for g in of:
                    if (found := buckets.get(g)) is not None:
                        total += len(found[0]) - bisect_right(found[0], start)
            if original is not None:
                ts, grade, kept = original
                if kept[i] == values[i] and ts > start and (of is None or grade in of):
                    total -= 1
            if total + 1 < rec.min_count:
                return total + 1, ()  # not met: no need to name anyone
            if of is None and exclude is None:  # already in order: the last ones
                return total + 1, tuple(ids[max(lo, len(ids) - MAX_EVIDENCE):])
            return total + 1, _latest(buckets, of or _ALL, start, exclude)

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
    return Reason(c.id, c.text.zh, c.text.en, earlier, named=True)


class _Entry(NamedTuple):
    """One criterion, flattened for the scan."""

    rank: int
    criterion: Criterion
    fn: Callable[[Context], bool]
    recurrence: Recurrence | None
    """Set when the condition is a recurrence on its own, or an ``all`` of plain tests and
    this one recurrence (most recurrent criteria): then it is read without :func:`evaluate`."""
    gate: Callable[[Context], bool] | None
    """With ``recurrence`` in an ``all``: its plain tests, as one test."""
    recurrent: bool


class _Criteria:
    """A policy's criteria prepared for grading many records: flattened in order (most
    severe grade first), and every plain criterion (no recurrence inside) asked at once
    through one generated function (:func:`generator.conditions.which`)."""

    __slots__ = ("entries", "facty", "grades", "which")

    def __init__(self, policy: Policy) -> None:
        out = []
        for i, grade in enumerate(policy.grades):
            for c in grade.criteria:
                when, rec, gate = c.when, c.when.recurrence, None
                if when.kind == "all" and when.recurrent:
                    inner = [k for k in when.children if k.recurrent]
                    if len(inner) == 1 and inner[0].kind == "recurrence":
                        # an all needs its recurrence, which never holds without a history:
                        # its fact reading is false, its full one the gate, then the count
                        rec, gate = inner[0].recurrence, when.gate
                out.append(_Entry(i, c, when.fn, rec, gate, when.recurrent))
        self.entries = tuple(out)
        self.grades = len(policy.grades)
        self.which = which([None if e.recurrent else e.criterion.when for e in out])
        """The positions of the plain criteria that hold and of every recurrent one."""
        self.facty = tuple(e for e in out if e.recurrent and e.recurrence is None)
        """Recurrent criteria whose fact reading (recurrences not met) may still hold."""


_NO_CRITERION = ("不满足更严重级别的任何条件", "No criterion of a more severe grade holds")


def _scan(record: Record, crit: _Criteria, lookup: Lookup | None) -> tuple[int, int, list[Reason]]:
    """(fact rank, rank, reasons), most severe grade first.

    The fact rank counts every recurrence as not met; the rank uses the history. Each is the
    first grade with a criterion that holds; the reasons are all criteria that hold there.
    The plain criteria are asked at once; the recurrent ones one by one, in order, only up to
    the grade where a criterion holds.
    """
    plain = Context(record)
    listed = crit.which(plain)
    entries = crit.entries
    fact = crit.grades
    for pos in listed:  # the first plain criterion listed holds
        if not (e := entries[pos]).recurrent:
            fact = e.rank
            break
    for e in crit.facty:  # in order: only a more severe grade than the plain ones matters
        if e.rank >= fact:
            break
        if e.fn(plain):
            fact = e.rank
            break
    full = Context(record, None, lookup) if lookup is not None else plain
    reasons: list[Reason] = []
    current = -1
    for pos in listed:
        i, c, fn, rec, gate, recurrent = entries[pos]
        if i != current:
            if reasons:  # the previous grade holds
                break
            current = i
        if not recurrent:  # listed: it holds
            reasons.append(_reason(c, ()))
        elif rec is not None:  # a recurrence (after the gate): never met without a history
            if lookup is not None and (gate is None or gate(plain)) and \
                    (hit := lookup(rec))[0] >= rec.min_count:
                reasons.append(_reason(c, hit[1]))
        elif lookup is None:  # without a history, rank and fact grade read it the same way
            if fn(plain):
                reasons.append(_reason(c, ()))
        elif (hit2 := evaluate(c.when, full))[0]:
            reasons.append(_reason(c, hit2[1]))
    last = crit.grades - 1
    if not reasons:
        return min(fact, last), last, [Reason("", *_NO_CRITERION)]
    return min(fact, last), current, reasons


def _grade_one(record: Record, policy: Policy, lookup: Lookup | None,
               done: Mapping[str, GradeResult], original: str | None,
               crit: _Criteria) -> GradeResult:
    """``original``: the record this one reopens (``reopen_of``), if any."""
    fact, rank, reasons = _scan(record, crit, lookup)
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
    index = RecurrenceIndex(specs, tz, by_grade=any(r.of_grades for r in rules))
    crit = _Criteria(policy)
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
                               _grade_one(record, policy, None, results, original, crit))
            continue
        values = index.values(record)
        lookup = index.lookup(at, original, values) if alone_counts else \
            index.lookup_if_known(at, original, values)
        result = _grade_one(record, policy, lookup, results, original, crit)
        results.setdefault(record.id, result)
        if original is None and is_occurrence(record, policy):  # a reopening never is
            index.add(record, at, result.fact_grade if basis_fact else result.grade, values,
                      received_ts.get(record.id) if received_ts is not None else None)
    return results
