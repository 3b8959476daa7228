"""Grades: the condition vocabulary, recurrence counting and declared grades.

Conditions are data (never code): ``fact``/``field``/``ratio`` with comparisons, ``any``,
``all``, ``not``, ``recurrence``, ``grades`` and ``approval``. A missing boolean fact counts as
false; a comparison on a missing or non-numeric value does not hold.

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

import calendar
from bisect import bisect_right
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from generator.model import Record

if TYPE_CHECKING:
    from generator.policy import Policy

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


@dataclass(frozen=True, slots=True)
class Text:
    """A policy text in Chinese and English."""

    zh: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


def parse_text(node: Mapping[str, str]) -> Text:
    return Text(node["zh"], node["en"])


@dataclass(frozen=True, slots=True)
class Window:
    months: int = 0
    days: int = 0

    def start(self, at: datetime, tz: ZoneInfo) -> datetime:
        """The open start of the window that ends at ``at``."""
        local = at.astimezone(tz)
        if not self.months:
            return local - timedelta(days=self.days)
        y, m = divmod(local.month - 1 - self.months, 12)
        year, month = local.year + y, m + 1
        return local.replace(year=year, month=month,
                             day=min(local.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True, slots=True)
class Recurrence:
    key: tuple[str, ...]
    window: Window
    min_count: int
    of_grades: tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class Condition:
    """One node of the vocabulary; ``kind`` says which of the fields are used."""

    kind: str  # fact | field | ratio | any | all | not | recurrence | grades | approval
    target: str = ""  # the fact name or field path
    ratio: tuple[str, str] = ("", "")
    ops: tuple[tuple[str, Any], ...] = ()
    children: tuple[Condition, ...] = ()
    recurrence: Recurrence | None = None
    grades: tuple[str, ...] = ()
    approval: tuple[str, str, str] = ("", "", "")  # role, subject, decision
    paths: tuple[tuple[str, ...], ...] = ()
    """The record paths read, split once (the value, or the ratio's two)."""
    recurrent: bool = False
    """A recurrence is inside: only then does evaluation need the history."""
    fn: Callable[[Context], bool] = field(default=lambda ctx: False, compare=False, repr=False)
    """The condition compiled once into a closure (set by :func:`parse_condition`)."""


_OPS = ("is", "eq", "ne", "in", "gte", "gt", "lte", "lt", "exists")


def parse_condition(node: Mapping[str, Any]) -> Condition:
    """Build a condition from its (schema-validated) mapping, compiled."""
    cond = _parse(node)
    object.__setattr__(cond, "fn", _compile(cond))
    return cond


def _parse(node: Mapping[str, Any]) -> Condition:
    ops = tuple((k, tuple(v) if k == "in" else v) for k, v in node.items() if k in _OPS)
    if "fact" in node:
        return Condition("fact", target=node["fact"], ops=ops,
                         paths=(("facts", node["fact"]),))
    if "field" in node:
        return Condition("field", target=node["field"], ops=ops,
                         paths=(tuple(node["field"].split(".")),))
    if "ratio" in node:
        a, b = (p if "." in p else f"product.{p}" for p in node["ratio"])
        return Condition("ratio", ratio=(a, b), ops=ops,
                         paths=(tuple(a.split(".")), tuple(b.split("."))))
    for kind in ("any", "all", "not"):
        if kind in node:
            kids = tuple(parse_condition(c) for c in (
                [node["not"]] if kind == "not" else node[kind]))
            return Condition(kind, children=kids, recurrent=any(c.recurrent for c in kids))
    if "grades" in node:
        return Condition("grades", grades=tuple(node["grades"]))
    if "approval" in node:
        a = node["approval"]
        return Condition("approval", approval=(a["role"], a["subject"], a["decision"]))
    r = node["recurrence"]
    key = r["key"] if isinstance(r["key"], list) else [r["key"]]
    window = Window(months=r["window"].get("months", 0), days=r["window"].get("days", 0))
    of = tuple(r["of_grades"]) if "of_grades" in r else None
    return Condition("recurrence", recurrence=Recurrence(tuple(key), window, r["min_count"], of),
                     recurrent=True)


def parse_optional(node: Any) -> Condition | None:
    return parse_condition(node) if node is not None else None


@dataclass(frozen=True, slots=True)
class Criterion:
    id: str
    text: Text
    when: Condition
    source: str = ""


@dataclass(frozen=True, slots=True)
class Grade:
    id: str
    name: Text
    criteria: tuple[Criterion, ...]


def parse_grade(g: Mapping[str, Any]) -> Grade:
    return Grade(g["id"], parse_text(g["name"]), tuple(
        Criterion(c["id"], parse_text(c["text"]), parse_condition(c["when"]), c.get("source", ""))
        for c in g.get("criteria", [])))


def walk(cond: Condition) -> Iterator[Condition]:
    yield cond
    for child in cond.children:
        yield from walk(child)


@dataclass(frozen=True, slots=True)
class Reason:
    criterion: str
    """The criterion id, ``declared``, ``reopen``, or empty for the default grade."""
    text_zh: str
    text_en: str
    records: tuple[str, ...] = ()
    """Earlier records that caused an escalation (or the original of a reopening)."""


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


Lookup = Callable[[Recurrence], tuple[int, tuple[str, ...]]]


@dataclass(slots=True)
class Context:
    record: Record
    grade: str | None = None
    """The final grade, for ``grades`` conditions (None while grading)."""
    lookup: Lookup | None = None
    """Recurrence counting; None counts every recurrence as not met."""


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _eq(value: Any, want: Any) -> bool:
    if isinstance(value, bool) or isinstance(want, bool):
        return value is want
    if _num(value) is not None and _num(want) is not None:
        return _num(value) == _num(want)
    return bool(value == want)


def compare(value: Any, ops: Sequence[tuple[str, Any]]) -> bool:
    """All comparisons hold for ``value`` (see the module docstring for missing values)."""
    for op, want in ops:
        if op == "exists":
            ok = (value not in (None, "", [], {})) is want
        elif op == "is":
            ok = (value is True) is want
        elif op == "eq":
            ok = _eq(value, want)
        elif op == "ne":
            ok = not _eq(value, want)
        elif op == "in":
            ok = any(_eq(value, w) for w in want)
        else:
            n = _num(value)
            ok = n is not None and {"gte": n >= want, "gt": n > want, "lte": n <= want,
                                    "lt": n < want}[op]
        if not ok:
            return False
    return True


def latest_decision(record: Record, role: str, subject: str) -> Mapping[str, Any] | None:
    """The last approval entry of ``role`` on ``subject`` (entries are append-only)."""
    items = record.get("approvals")
    found = None
    for entry in items if isinstance(items, list) else []:
        if isinstance(entry, Mapping) and entry.get("role") == role \
                and entry.get("subject") == subject:
            found = entry
    return found


def dig(data: Any, parts: Sequence[str]) -> Any:
    """The value at a split path, or None (plain dicts take the fast path)."""
    for part in parts:
        if data.__class__ is dict or isinstance(data, Mapping):
            data = data.get(part)
        else:
            return None
    return data


def _getter(path: tuple[str, ...]) -> Callable[[Any], Any]:
    if len(path) == 1:
        key = path[0]
        return lambda data: data.get(key)

    def get(data: Any) -> Any:
        node = data.get(path[0])
        return node.get(path[1]) if node.__class__ is dict and len(path) == 2 \
            else dig(node, path[1:])
    return get


def _compile(cond: Condition) -> Callable[[Context], bool]:
    """A closure per node: conditions run for every record, so dispatch happens once."""
    kind, ops = cond.kind, cond.ops
    fns = tuple(child.fn for child in cond.children)
    if kind in ("fact", "field"):
        get = _getter(cond.paths[0])
        if ops == (("is", True),):
            return lambda ctx: get(ctx.record.data) is True
        if len(ops) == 1 and ops[0][0] == "eq" and isinstance(ops[0][1], str):
            want = ops[0][1]
            return lambda ctx: get(ctx.record.data) == want
        return lambda ctx: compare(get(ctx.record.data), ops)
    if len(fns) == 2 and kind in ("any", "all"):
        a, b = fns
        return (lambda ctx: a(ctx) or b(ctx)) if kind == "any" else (lambda ctx: a(ctx) and b(ctx))
    if kind == "any":
        return lambda ctx: any(f(ctx) for f in fns)
    if kind == "all":
        return lambda ctx: all(f(ctx) for f in fns)
    if kind == "not":
        return lambda ctx: not fns[0](ctx)
    if kind == "ratio":
        a_path, b_path = cond.paths

        def ratio(ctx: Context) -> bool:
            a, b = _num(dig(ctx.record.data, a_path)), _num(dig(ctx.record.data, b_path))
            return a is not None and b is not None and b > 0 and compare(a / b, ops)
        return ratio
    if kind == "grades":
        grades = frozenset(cond.grades)
        return lambda ctx: ctx.grade in grades
    return lambda ctx: evaluate(cond, ctx)[0]


def test(cond: Condition, ctx: Context) -> bool:
    """Whether ``cond`` holds; a recurrence's evidence is dropped."""
    return cond.fn(ctx)


def evaluate(cond: Condition, ctx: Context) -> tuple[bool, tuple[str, ...]]:
    """Whether ``cond`` holds, and the earlier records a recurrence in it counted."""
    kind = cond.kind
    if not cond.recurrent and kind not in ("grades", "approval"):
        return test(cond, ctx), ()
    if kind in ("any", "all"):
        results = [evaluate(c, ctx) for c in cond.children]
        ok = any(r[0] for r in results) if kind == "any" else all(r[0] for r in results)
        evidence = tuple(dict.fromkeys(x for r in results if r[0] for x in r[1])) if ok else ()
        return ok, evidence
    if kind == "not":
        return not evaluate(cond.children[0], ctx)[0], ()
    if kind == "grades":
        return ctx.grade in cond.grades, ()
    if kind == "approval":
        entry = latest_decision(ctx.record, cond.approval[0], cond.approval[1])
        return entry is not None and entry.get("decision") == cond.approval[2], ()
    rec = cond.recurrence
    if rec is None or ctx.lookup is None:
        return False, ()
    count, earlier = ctx.lookup(rec)
    return (True, earlier) if count >= rec.min_count else (False, ())


def holds(cond: Condition | None, record: Record, grade: str | None = None) -> bool:
    """A condition outside grading (applies, amounts, transitions); None always holds."""
    return cond is None or test(cond, Context(record, grade))


_KEY_PATHS = {name: tuple(tuple(p.split(".")) for p in paths)
              for name, paths in KEY_ALIASES.items()}


def key_value(record: Record, key: Sequence[str]) -> tuple[str, ...] | None:
    """The record's value of a (composite) key, case-folded; None when a part is missing."""
    out: list[str] = []
    for part in key:
        for path in _KEY_PATHS.get(part) or (tuple(part.split(".")),):
            value = dig(record.data, path)
            ok = value.__class__ is str or (isinstance(value, int) and not isinstance(value, bool))
            if ok and (text := str(value).strip()):
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
        self._lists: dict[tuple[tuple[str, ...], tuple[str, ...]],
                          dict[str, tuple[list[float], list[str]]]] = {}
        self._info: dict[str, tuple[float, str, dict[tuple[str, ...], tuple[str, ...]]]] = {}

    def values(self, record: Record) -> dict[tuple[str, ...], tuple[str, ...] | None]:
        return {spec: key_value(record, spec) for spec in self._keys}

    def add(self, record: Record, at: datetime, grade: str,
            values: Mapping[tuple[str, ...], tuple[str, ...] | None]) -> None:
        ts = at.timestamp()
        kept = {spec: value for spec, value in values.items() if value is not None}
        for spec, value in kept.items():
            buckets = self._lists.setdefault((spec, value), {})
            for g in ("*", grade):
                times, ids = buckets.setdefault(g, ([], []))
                times.append(ts)
                ids.append(record.id)
        self._info[record.id] = (ts, grade, kept)

    def lookup(self, at: datetime, exclude: str | None,
               values: Mapping[tuple[str, ...], tuple[str, ...] | None]) -> Lookup:
        """Counting for a record received ``at`` with key ``values`` (from :meth:`values`);
        ``exclude`` is its reopened original."""
        starts: dict[Window, float] = {}
        lists, info, tz = self._lists, self._info, self._tz

        def find(rec: Recurrence) -> tuple[int, tuple[str, ...]]:
            value = values.get(rec.key)
            buckets = lists.get((rec.key, value)) if value is not None else None
            if buckets is None:
                return 1, ()
            if (start := starts.get(rec.window)) is None:
                start = starts[rec.window] = rec.window.start(at, tz).timestamp()
            grades = rec.of_grades or _ALL
            total = 0
            for g in grades:
                if (found := buckets.get(g)) is not None:
                    total += len(found[0]) - bisect_right(found[0], start)
            if exclude is not None and exclude in info:
                ts, grade, kept = info[exclude]
                if kept.get(rec.key) == value and ts > start and \
                        (rec.of_grades is None or grade in rec.of_grades):
                    total -= 1
            if total + 1 < rec.min_count:
                return total + 1, ()  # not met: no need to name anyone
            hits: list[tuple[float, str]] = []
            for g in grades:
                if (found := buckets.get(g)) is not None:
                    times, ids = found
                    lo = max(bisect_right(times, start), len(times) - MAX_EVIDENCE - 1)
                    hits.extend(zip(times[lo:], ids[lo:], strict=True))
            named = [i for _, i in sorted(hits) if i != exclude][-MAX_EVIDENCE:]
            return total + 1, tuple(named)

        return find


def _reason(c: Criterion, earlier: tuple[str, ...]) -> Reason:
    zh, en = c.text.zh, c.text.en
    if earlier:
        zh += f"（同键较早记录：{'、'.join(earlier)}）"
        en += f" (earlier records with the same key: {', '.join(earlier)})"
    return Reason(c.id, zh, en, earlier)


def _scan(record: Record, policy: Policy, lookup: Lookup | None) -> tuple[int, int, list[Reason]]:
    """(fact rank, rank, reasons) in one pass over the criteria, most severe grade first.

    The fact rank counts every recurrence as not met; the rank uses the history. Each is the
    first grade with a criterion that holds; the reasons are all criteria that hold there.
    """
    plain = Context(record)
    full = Context(record, None, lookup) if lookup is not None else plain
    fact = rank = -1
    reasons: list[Reason] = []
    for i, grade in enumerate(policy.grades):
        for c in grade.criteria:
            when = c.when
            if not when.recurrent:
                if when.fn(plain):
                    fact = i if fact < 0 else fact
                    if rank < 0:
                        reasons.append(_reason(c, ()))
                continue
            if rank < 0 and (hit := evaluate(when, full))[0]:
                reasons.append(_reason(c, hit[1]))
            if fact < 0 and when.fn(plain):
                fact = i
        rank = i if rank < 0 and reasons else rank
        if fact >= 0 and rank >= 0:
            break
    last = len(policy.grades) - 1
    if rank < 0:
        reasons = [Reason("", "不满足更严重级别的任何条件",
                          "No criterion of a more severe grade holds")]
    return (fact if fact >= 0 else last), (rank if rank >= 0 else last), reasons


def _grade_one(record: Record, policy: Policy, lookup: Lookup | None,
               done: Mapping[str, GradeResult]) -> GradeResult:
    fact, rank, reasons = _scan(record, policy, lookup)
    original = record.get("reopen_of")
    if policy.reopen_inherits_grade and isinstance(original, str) and original in done:
        inherited = policy.rank(done[original].grade)
        if inherited is not None and inherited < rank:
            g = policy.grades[inherited]
            rank, reasons = inherited, [Reason(
                "reopen", f"重开自 {original}，沿用其级别 {g.id} {g.name.zh}",
                f"Reopens {original}; keeps its grade {g.id} {g.name.en}", (original,))]
    computed, final = policy.grades[rank].id, rank
    declared = record.get("grade_declared.grade")
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
    if record.get("status") in policy.exclude_statuses or isinstance(record.get("reopen_of"), str):
        return False
    return policy.not_a_complaint is None or not holds(policy.not_a_complaint[0], record)


def grade_all(ordered: Sequence[Record], policy: Policy, tz: ZoneInfo,
              received: Mapping[str, datetime | None]) -> dict[str, GradeResult]:
    """Grade ``ordered`` (from :func:`processing_order`), each with its earlier history."""
    specs = [c.recurrence.key for g in policy.grades for cr in g.criteria
             for c in walk(cr.when) if c.recurrence is not None]
    index = RecurrenceIndex(specs, tz)
    results: dict[str, GradeResult] = {}
    for record in ordered:
        at = received.get(record.id)
        if at is None or not specs:
            results.setdefault(record.id, _grade_one(record, policy, None, results))
            continue
        original = record.get("reopen_of")
        values = index.values(record)
        lookup = index.lookup(at, original if isinstance(original, str) else None, values)
        result = _grade_one(record, policy, lookup, results)
        results.setdefault(record.id, result)
        if is_occurrence(record, policy):
            basis = result.fact_grade if policy.recurrence_basis == "fact" else result.grade
            index.add(record, at, basis, values)
    return results
