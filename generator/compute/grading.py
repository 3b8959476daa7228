"""Grades: grading every record, with its recurrences counted from an index.

Records are graded in received order (then id). Recurrences are counted from an index built
once, while the records are processed: per key and key value, one list of received instants
per basis grade, so counting a rolling window is one bisection, never a scan of all records.
The window is ``(received - window, received]`` (:class:`generator.policy.conditions.Window`). This
record always counts as one occurrence, whatever its own grade; earlier records count when
they are in the window and (with ``of_grades``) their basis grade is listed. The basis is the
grade a record's own facts give (``fact``) or its final grade (``final``), as the policy says.
The fact grade is what the criteria give with every recurrence condition counted as not met.

A grade holds when one of its criteria holds, most severe grade first; the reasons are every
criterion of that grade that holds, each with its evidence
(:class:`generator.policy.conditions.Why`).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from generator.common.model import Record
from generator.policy.conditions import (
    Context,
    Lookup,
    Recurrence,
    Why,
    earlier_records,
    holds,
    recurrences,
)
from generator.policy.recordpaths import key_readers, read_key
from generator.policy.types import Criterion, Grade, Text

if TYPE_CHECKING:
    from generator.policy.types import Policy

MAX_EVIDENCE = 20
"""At most this many earlier records are named in a reason (the count is always exact)."""


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a record has its grade, as facts: one criterion that holds (or ``declared``,
    ``reopen``, or the default grade). ``generator.render.reasons`` says it in words."""

    criterion: str
    """The criterion id, ``declared``, ``reopen``, ``imported``, or empty for the default
    grade."""
    text: Text | None = None
    """The criterion's own text (policy data); None for ``declared``, ``reopen``, default."""
    records: tuple[str, ...] = ()
    """Earlier records that caused an escalation (or the original of a reopening): what the
    criterion's evidence (:class:`generator.policy.conditions.Why`) names."""
    grade: str = ""
    """``reopen``: the grade kept from the original; ``declared``: the grade declared;
    ``imported``: the grade the old ledger recorded."""
    grade_name: Text | None = None
    """``reopen``, ``imported``: that grade's name."""
    computed: str = ""
    """``declared``: the grade computed before the declaration."""
    by: str | None = None
    """``declared``: who declared it."""
    why: str = ""
    """``declared``: the reason given, as written; ``imported``: the ledger it came from."""


@dataclass(frozen=True, slots=True)
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


def policy_recurrences(policy: Policy) -> tuple[Recurrence, ...]:
    """Every recurrence the grade criteria count, in the policy's order (the index's keys,
    and what ``kesu check`` follows to the records a grade reads)."""
    return tuple(r for g in policy.grades for c in g.criteria for r in recurrences(c.when.node))


_Buckets = dict[str, tuple[list[float], list[str]]]
"""One key value's occurrences: received times and ids, for all grades (``*``) and per basis
grade."""
Values = tuple[tuple[str, ...] | None, ...]
"""A record's value of each key of an index, in the index's order
(:meth:`RecurrenceIndex.values`)."""
_ALL = ("*",)


class RecurrenceIndex:
    """Earlier occurrences by key value and basis grade, filled in received order.

    ``by_grade``: also list them per basis grade, which only a recurrence with
    ``of_grades`` reads (counting one without it needs the list of all grades alone)."""

    def __init__(
        self, keys: Sequence[tuple[str, ...]], tz: ZoneInfo, by_grade: bool = True
    ) -> None:
        self._keys, self._tz, self._by_grade = tuple(dict.fromkeys(keys)), tz, by_grade
        self._slot = {spec: i for i, spec in enumerate(self._keys)}
        self._readers = tuple(key_readers(spec) for spec in self._keys)
        self._lists: tuple[dict[tuple[str, ...], _Buckets], ...] = tuple({} for _ in self._keys)
        """Per key (in order), by key value."""
        self._info: dict[str, tuple[float, str, Values]] = {}

    def values(self, record: Record) -> Values:
        return tuple([read_key(record, readers) for readers in self._readers])

    def add(self, record: Record, at: datetime, grade: str, values: Values) -> None:
        ts, rid = at.timestamp(), record.id
        for lists, value in zip(self._lists, values, strict=True):
            if value is None:
                continue
            buckets = lists.setdefault(value, {"*": ([], [])})
            for bucket in ("*", grade) if self._by_grade else ("*",):
                times, ids = buckets.setdefault(bucket, ([], []))
                times.append(ts)
                ids.append(rid)
        self._info[rid] = (ts, grade, values)

    def lookup(self, at: datetime, exclude: str | None, values: Values) -> Lookup:
        """Counting for a record received ``at`` with key ``values`` (from :meth:`values`);
        ``exclude`` is its reopened original."""
        return self._lookup(at, exclude, values, self._history(values))

    def lookup_if_known(self, at: datetime, exclude: str | None, values: Values) -> Lookup | None:
        """:meth:`lookup`, or None when no earlier occurrence shares a key value: then every
        count is 1, which meets no recurrence (the vocabulary asks for two or more)."""
        history = self._history(values)
        return self._lookup(at, exclude, values, history) if any(history) else None

    def _history(self, values: Values) -> list[_Buckets | None]:
        """The earlier occurrences per key that share this record's value."""
        return [
            None if value is None else lists.get(value)
            for lists, value in zip(self._lists, values, strict=True)
        ]

    def _lookup(
        self, at: datetime, exclude: str | None, values: Values, history: list[_Buckets | None]
    ) -> Lookup:
        starts: dict[tuple[int, int], float] = {}  # by window length: a policy has one or two
        original = self._info.get(exclude) if exclude is not None else None

        def find(rec: Recurrence) -> tuple[int, tuple[str, ...]]:
            i = self._slot[rec.key]
            buckets = history[i]
            if buckets is None:
                return 1, ()
            w = rec.window
            if (start := starts.get(length := (w.months, w.days))) is None:
                start = starts[length] = w.start(at, self._tz).timestamp()
            grades = rec.of_grades or _ALL
            if rec.of_grades is not None and not self._by_grade:
                raise ValueError("this index does not list occurrences per grade")
            total = 0
            for g in grades:
                if (found := buckets.get(g)) is not None:
                    total += len(found[0]) - bisect_right(found[0], start)
            if original is not None:
                ts, grade, kept = original
                if (
                    kept[i] == values[i]
                    and ts > start
                    and (rec.of_grades is None or grade in rec.of_grades)
                ):
                    total -= 1
            if total + 1 < rec.min_count:
                return total + 1, ()  # not met: no need to name anyone
            return total + 1, _latest(buckets, grades, start, exclude)

        return find


def _latest(
    buckets: _Buckets, grades: Sequence[str], start: float, exclude: str | None
) -> tuple[str, ...]:
    """The last ``MAX_EVIDENCE`` records after ``start`` in the buckets of ``grades``, in
    received order (then id), ``exclude`` left out. Each bucket is filled in that order, so
    only its tail after the bisection is read."""
    tails = []
    for g in grades:
        if (found := buckets.get(g)) is not None:
            times, ids = found
            lo = max(bisect_right(times, start), len(times) - MAX_EVIDENCE - 1)
            tails.append((times, ids, lo))
    if len(tails) == 1:  # one bucket (the usual case): its tail is in order already
        named = tails[0][1][tails[0][2] :]
    else:  # merged in received order, then id
        hits = sorted(hit for t, i, lo in tails for hit in zip(t[lo:], i[lo:], strict=True))
        named = [rid for _, rid in hits]
    if exclude is not None:
        named = [rid for rid in named if rid != exclude]
    return tuple(named[-MAX_EVIDENCE:])


_DEFAULT = (Reason(""),)


_Plain = Mapping[str, tuple[Reason]]
"""By criterion id: its reason when it names no earlier record, alone in a tuple (the same
for every record, so made once per policy: :func:`plain_reasons`)."""


def plain_reasons(policy: Policy) -> _Plain:
    return {c.id: (Reason(c.id, c.text),) for g in policy.grades for c in g.criteria}


def _reason(c: Criterion, why: Why, plain: _Plain) -> Reason:
    """The reason a criterion that holds gives: its text, naming the earlier records its
    recurrences counted."""
    records = earlier_records(why) if c.when.recurrent else ()
    if not records:
        return plain[c.id][0]
    return Reason(c.id, c.text, records)


def ranks(
    record: Record, grades: Sequence[Grade], lookup: Lookup | None, plain: _Plain
) -> tuple[int, int, tuple[Reason, ...]]:
    """(fact rank, rank, reasons): the first grade, most severe first, with a criterion that
    holds without the history (recurrences not met) and with it; the reasons are all the
    criteria that hold at the rank."""
    full = Context(record, None, lookup)
    last = len(grades) - 1
    rank, held = last, []
    for i, grade in enumerate(grades):
        held = [
            _reason(c, why, plain) for c in grade.criteria if (why := c.when.run(full)) is not None
        ]
        if held:
            rank = i
            break
    fact = rank if lookup is None else _fact_rank(record, grades, rank, held)
    if not held:
        return min(fact, last), rank, _DEFAULT
    alone = plain[held[0].criterion]
    reasons = alone if len(held) == 1 and held[0] is alone[0] else tuple(held)
    return min(fact, last), rank, reasons


def _fact_rank(
    record: Record, grades: Sequence[Grade], rank: int, reasons: Sequence[Reason]
) -> int:
    """The fact rank, knowing the rank and its reasons: a criterion without a recurrence
    inside answers the same with or without the history, so only the others are asked again
    up to the rank."""
    plain = Context(record)
    held = {r.criterion for r in reasons}
    for i, grade in enumerate(grades):
        for c in grade.criteria:
            if c.when.recurrent or i > rank:
                if c.when.holds(plain):
                    return i
            elif c.id in held:
                return i
    return len(grades) - 1


def _grade_one(
    record: Record,
    policy: Policy,
    lookup: Lookup | None,
    done: Mapping[str, GradeResult],
    original: str | None,
    plain: _Plain,
) -> GradeResult:
    """``original``: the record this one reopens (``reopen_of``), if any."""
    if (recorded := _recorded(record, policy)) is not None:
        return recorded
    fact, rank, reasons = ranks(record, policy.grades, lookup, plain)
    if policy.reopen_inherits_grade and original is not None and original in done:
        inherited = policy.rank(done[original].grade)
        if inherited is not None and inherited < rank:
            g = policy.grades[inherited]
            rank, reasons = (
                inherited,
                (Reason("reopen", records=(original,), grade=g.id, grade_name=g.name),),
            )
    computed, final = policy.grades[rank].id, rank
    declared = record.get("grade_declared.grade")
    status = "none"
    if isinstance(declared, str):
        d = policy.rank(declared)
        status = (
            "unknown"
            if d is None
            else "stricter"
            if d < rank
            else "same"
            if d == rank
            else "looser"
        )
        if d is not None and status == "stricter":
            final = d
            why, by = record.get("grade_declared.reason"), record.get("grade_declared.by")
            reasons = (
                Reason(
                    "declared",
                    grade=declared,
                    computed=computed,
                    by=by if isinstance(by, str) else None,
                    why=f"{why}",
                ),
                *(r for r in reasons if r.criterion),
            )
    g = policy.grades[final]
    return GradeResult(
        g.id,
        g.name.zh,
        g.name.en,
        policy.grades[fact].id,
        computed,
        declared if isinstance(declared, str) else None,
        status,
        reasons,
    )


def _recorded(record: Record, policy: Policy) -> GradeResult | None:
    """Imported history keeps the grade its old ledger recorded (``imported.grade``): that is
    its grade, and its basis grade when later records count it (**reading**: the ledger's
    grade stands for the facts it was given from, which the import does not carry)."""
    grade = record.get("imported.grade")
    if not isinstance(grade, str) or record.get("imported.source") is None:
        return None
    rank = policy.rank(grade)
    if rank is None:
        return None  # not a grade of this policy: graded from its facts (validate.stages says so)
    g = policy.grades[rank]
    source = record.get("imported.source")
    reason = Reason("imported", grade=g.id, grade_name=g.name, why=str(source))
    return GradeResult(g.id, g.name.zh, g.name.en, g.id, g.id, None, "none", (reason,))


def is_occurrence(record: Record, policy: Policy) -> bool:
    """Counts as an occurrence for later records (not cancelled, reopened or excluded)."""
    if record.data.get("status") in policy.exclude_statuses or isinstance(
        record.data.get("reopen_of"), str
    ):
        return False
    return policy.not_a_complaint is None or not holds(policy.not_a_complaint[0], record)


def grade_all(
    ordered: Sequence[Record], policy: Policy, tz: ZoneInfo, received: Mapping[str, datetime | None]
) -> dict[str, GradeResult]:
    """Grade ``ordered`` (from ``compute.processing_order``), each with its earlier history;
    the first record of a duplicated id wins."""
    rules = policy_recurrences(policy)
    index = RecurrenceIndex([r.key for r in rules], tz, by_grade=any(r.of_grades for r in rules))
    basis_fact = policy.recurrence_basis == "fact"
    plain = plain_reasons(policy)
    results: dict[str, GradeResult] = {}
    for record in ordered:
        at = received.get(record.id)
        original = record.data.get("reopen_of")
        original = original if isinstance(original, str) else None
        if at is None or not rules:
            results.setdefault(
                record.id, _grade_one(record, policy, None, results, original, plain)
            )
            continue
        values = index.values(record)
        # a record whose key values no earlier record shares is graded without history
        lookup = index.lookup_if_known(at, original, values)
        result = _grade_one(record, policy, lookup, results, original, plain)
        results.setdefault(record.id, result)
        if original is None and is_occurrence(record, policy):  # a reopening never is
            index.add(record, at, result.fact_grade if basis_fact else result.grade, values)
    return results
