"""Conditions: the policy's condition vocabulary, parsed and compiled into closures.

Conditions are data (never code): ``fact``/``field``/``ratio`` with comparisons, ``any``,
``all``, ``not``, ``recurrence``, ``grades`` and ``approval``. A missing boolean fact counts as
false; a comparison on a missing or non-numeric value does not hold. Each node is compiled once
(:func:`parse_condition`); :func:`holds` tests a condition outside grading, :func:`evaluate`
also names the earlier records a recurrence counted. Counting itself is the :data:`Lookup`
that :mod:`generator.grading` supplies.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any, cast
from zoneinfo import ZoneInfo

from generator.model import Record
from generator.timeparse import days


@dataclass(frozen=True, slots=True)
class Window:
    months: int = 0
    days: int = 0

    def start(self, at: datetime, tz: ZoneInfo) -> datetime:
        """The open start of the window that ends at ``at``."""
        local = at if at.tzinfo is tz else at.astimezone(tz)
        if not self.months:
            return local - days(self.days)
        y, m = divmod(local.month - 1 - self.months, 12)
        year, month = local.year + y, m + 1
        # combine with timetz (zone and fold kept): replace(year=…) gives the same, slower
        return datetime.combine(date(year, month, min(local.day, _month_days(year, month))),
                                local.timetz())


@cache
def _window(months: int, days: int) -> Window:
    """One object per window length: grading works a window's start out once per record and
    recognises the window by identity."""
    return Window(months=months, days=days)


@cache
def _month_days(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


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
    gate: Callable[[Context], bool] | None = field(default=None, compare=False, repr=False)
    """For an ``all`` with a recurrence inside: its other children compiled into one test,
    which :func:`evaluate` asks first (most records fail it, and then nothing is counted)."""


_OPS = ("is", "eq", "ne", "in", "gte", "gt", "lte", "lt", "exists")


def parse_condition(node: Mapping[str, Any]) -> Condition:
    """Build a condition from its (schema-validated) mapping, compiled."""
    cond = _parse(node)
    object.__setattr__(cond, "fn", _compile(cond))
    if cond.kind == "all" and cond.recurrent:
        rest = tuple(c for c in cond.children if not c.recurrent)
        if rest:
            object.__setattr__(cond, "gate", _compile(Condition("all", children=rest)))
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
    # whole numbers as int: JSON Schema's "integer" admits 3.0, and windows are shared
    window = _window(int(r["window"].get("months", 0)), int(r["window"].get("days", 0)))
    of = tuple(r["of_grades"]) if "of_grades" in r else None
    return Condition("recurrence", recurrence=Recurrence(tuple(key), window, r["min_count"], of),
                     recurrent=True)


def parse_optional(node: Any) -> Condition | None:
    return parse_condition(node) if node is not None else None


def walk(cond: Condition) -> Iterator[Condition]:
    yield cond
    for child in cond.children:
        yield from walk(child)


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
            ok = n is not None and (n >= want if op == "gte" else n > want if op == "gt"
                                    else n <= want if op == "lte" else n < want)
        if not ok:
            return False
    return True


def latest_decision(record: Record, role: str, subject: str) -> Mapping[str, Any] | None:
    """The last approval entry of ``role`` on ``subject`` (entries are append-only)."""
    items = record.data.get("approvals")
    found = None
    for entry in items if isinstance(items, list) else []:
        if (entry.__class__ is dict or isinstance(entry, Mapping)) and \
                entry.get("role") == role and entry.get("subject") == subject:
            found = entry
    return found


def dig(data: Any, parts: Sequence[str]) -> Any:
    """The value at a split path, or None (plain dicts take the fast path)."""
    for part in parts:
        # None (a missing step, the usual miss) needs no ABC check
        if data.__class__ is dict or (data is not None and isinstance(data, Mapping)):
            data = data.get(part)
        else:
            return None
    return data


@cache
def reader(dotted: str) -> Callable[[Any], Any]:
    """The value at a dotted path of a record's data (a mapping), or None: ``dig``, with the
    path split and the walk specialised once per path."""
    return _getter(tuple(dotted.split(".")))


def _getter(path: tuple[str, ...]) -> Callable[[Any], Any]:
    first, rest = path[0], path[1:]
    if not rest:
        return lambda data: data.get(first)
    second = rest[0]
    if len(rest) == 1:
        def get(data: Any) -> Any:
            node = data.get(first)
            return node.get(second) if node.__class__ is dict else dig(node, rest)
        return get
    if len(rest) == 2:  # milestones.<id>.done_at
        third = rest[1]

        def get3(data: Any) -> Any:
            node = data.get(first)
            if node.__class__ is dict:
                node = node.get(second)
                return node.get(third) if node.__class__ is dict else dig(node, rest[1:])
            return dig(node, rest)
        return get3
    return lambda data: dig(data.get(first), rest)


def _compile(cond: Condition) -> Callable[[Context], bool]:
    """A closure per node: conditions run for every record, so dispatch happens once."""
    kind, ops = cond.kind, cond.ops
    fns = tuple(child.fn for child in cond.children)
    if kind in ("fact", "field"):
        get = _getter(cond.paths[0])
        if ops == (("is", True),) and len(cond.paths[0]) == 2:  # the usual fact: one call
            first, second = cond.paths[0]

            def is_true(ctx: Context) -> bool:
                node = ctx.record.data.get(first)
                return (node.get(second) if node.__class__ is dict else get(ctx.record.data)
                        ) is True
            return is_true
        if ops == (("is", True),):
            return lambda ctx: get(ctx.record.data) is True
        if len(ops) == 1 and ops[0][0] == "eq" and isinstance(ops[0][1], str):
            want = ops[0][1]
            return lambda ctx: get(ctx.record.data) == want
        return lambda ctx: compare(get(ctx.record.data), ops)
    if kind in ("any", "all", "not") and cond.children and (generated := _generate(cond)):
        return generated
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
    if kind == "recurrence":  # without a history (no lookup) it never holds
        return lambda ctx: ctx.lookup is not None and evaluate(cond, ctx)[0]
    return lambda ctx: evaluate(cond, ctx)[0]


_Leaf = tuple[str, str | None, str, Any]
"""A fact or field test read inline: (first key, second key or None, test, wanted); the test
is ``is`` (a boolean), ``eq`` (a string) or a numeric ``gte``/``gt``/``lte``/``lt``."""
_NUMERIC = ("gte", "gt", "lte", "lt")


def _leaf(cond: Condition) -> _Leaf | None:
    """``cond`` as a leaf, when it is one such test at a path of at most two steps (most
    criteria): ``any``/``all`` then read it without a call of its own."""
    if cond.kind not in ("fact", "field") or len(cond.paths[0]) > 2 or len(cond.ops) != 1:
        return None
    op, want = cond.ops[0]
    if not ((op == "is" and isinstance(want, bool)) or (op == "eq" and isinstance(want, str))
            or (op in _NUMERIC and _num(want) is not None)):
        return None
    path = cond.paths[0]
    return path[0], path[1] if len(path) == 2 else None, op, want


_COMPARE = {"gte": ">=", "gt": ">", "lte": "<=", "lt": "<"}


class _Source:
    """Python source for conditions: only names made here enter it. Every key and value of
    the policy is passed in ``K``, every node that is not a leaf test through ``F`` (its
    closure); the function takes them as defaults ``k0``, ``f0``, … of parameters no caller
    passes, and reads them as locals. Booleans to test against are written as ``is True`` or
    ``is not True``."""

    def __init__(self) -> None:
        self.consts: list[Any] = []
        self.fns: list[Callable[[Context], bool]] = []
        self.leaves = 0
        self._names = iter(range(1 << 30))

    def const(self, value: Any) -> str:
        """A name for ``value`` in the source: a parameter default of the function (read as
        a local), never the value's text."""
        self.consts.append(value)
        return f"k{len(self.consts) - 1}"

    def expr(self, c: Condition) -> str:
        """An expression over ``d`` (the record's data) and ``ctx`` that is ``c``'s answer."""
        leaf = _leaf(c)
        if leaf is not None:
            self.leaves += 1
            first, second, op, want = leaf
            if second is None:
                value = f"d.get({self.const(first)})"
            else:  # a dict takes the fast path; any other mapping (or none) the walk
                v = f"v{next(self._names)}"
                value = (f"({v}.get({self.const(second)}) if ({v} := d.get("
                         f"{self.const(first)})).__class__ is dict else _dig({v}, "
                         f"{self.const((second,))}))")
            if op == "is":  # want is a bool (see _leaf)
                return f"({value} is True)" if want is True else f"({value} is not True)"
            if op == "eq":
                return f"({value} == {self.const(want)})"
            n = f"n{next(self._names)}"
            return (f"(({n} := _num({value})) is not None and {n} {_COMPARE[op]} "
                    f"{self.const(want)})")
        if c.kind in ("any", "all") and c.children:
            return "(" + (" and " if c.kind == "all" else " or ").join(
                self.expr(child) for child in c.children) + ")"
        if c.kind == "not" and c.children:
            return f"(not {self.expr(c.children[0])})"
        self.fns.append(c.fn)
        return f"f{len(self.fns) - 1}(ctx)"

    def function(self, body: str, name: str) -> Callable[[Context], Any] | None:
        """``def condition(ctx)`` with ``body`` (lines after ``d = ctx.record.data``), or None
        when Python cannot compile it (nested past what it allows)."""
        defaults = "".join([*(f", k{i}=K[{i}]" for i in range(len(self.consts))),
                            *(f", f{i}=F[{i}]" for i in range(len(self.fns)))])
        head = f"def condition(ctx{defaults}):"  # defaults: filled from a tuple per call
        source = f"{head}\n    d = ctx.record.data\n{body}"
        namespace: dict[str, Any] = {"K": tuple(self.consts), "F": tuple(self.fns),
                                     "_dig": dig, "_num": _num}
        try:
            exec(compile(source, name, "exec"), namespace)  # noqa: S102
        except (SyntaxError, RecursionError, MemoryError):
            return None
        return cast(Callable[[Context], Any], namespace["condition"])


def _generate(cond: Condition) -> Callable[[Context], bool] | None:
    """``any``/``all``/``not`` over leaves as one generated Python function, so a criterion
    such as ``all: [{field: origin, eq: external}, {fact: safety, is: true}]`` costs one call
    instead of one per node (see :class:`_Source`). None when the tree has no leaf to gain
    on, or is nested past what Python compiles (the closures answer the same)."""
    src = _Source()
    body = src.expr(cond)
    if not src.leaves:
        return None
    return src.function(f"    return {body}\n", f"<condition {cond.kind}>")


def which(conds: Sequence[Condition | None]) -> Callable[[Context], list[int]]:
    """One function telling which of ``conds`` hold: their positions, ascending; a None is
    always listed (grading puts its recurrent criteria there, to ask them itself in order).
    Grading asks every plain criterion of a policy about every record, and one call per
    record costs a third of one call per criterion."""
    src = _Source()
    try:
        tests = [None if c is None else src.expr(c) for c in conds]
    except RecursionError:  # pragma: no cover - validated policies nest far less
        tests = None
    found = None
    if tests is not None:
        body = "".join(f"    h.append({i})\n" if t is None else
                       f"    if {t}:\n        h.append({i})\n" for i, t in enumerate(tests))
        found = src.function(f"    h = []\n{body}    return h\n", "<criteria>")
    if found is not None:
        return cast(Callable[[Context], list[int]], found)
    fns = tuple(None if c is None else c.fn for c in conds)
    return lambda ctx: [i for i, fn in enumerate(fns) if fn is None or fn(ctx)]


def test(cond: Condition, ctx: Context) -> bool:
    """Whether ``cond`` holds; a recurrence's evidence is dropped."""
    return cond.fn(ctx)


def evaluate(cond: Condition, ctx: Context) -> tuple[bool, tuple[str, ...]]:
    """Whether ``cond`` holds, and the earlier records a recurrence in it counted."""
    kind = cond.kind
    if kind == "recurrence":
        rec = cond.recurrence
        if rec is None or ctx.lookup is None:
            return False, ()
        count, earlier = ctx.lookup(rec)
        return (True, earlier) if count >= rec.min_count else (False, ())
    if not cond.recurrent and kind not in ("grades", "approval"):
        return test(cond, ctx), ()
    if kind == "all":  # the first child that fails decides; cheap (non-recurrent) ones first
        if cond.gate is not None:
            if not cond.gate(ctx):
                return False, ()
        else:  # built without parse_condition
            for child in cond.children:
                if not child.recurrent and not child.fn(ctx):
                    return False, ()
        named: dict[str, None] = {}  # the evidence, in the children's order, each once
        for child in cond.children:
            if child.recurrent:
                ok, earlier = evaluate(child, ctx)
                if not ok:
                    return False, ()
                named.update(dict.fromkeys(earlier))
        return True, tuple(named)
    if kind == "any":
        results = [evaluate(c, ctx) for c in cond.children]
        ok = any(r[0] for r in results)
        return ok, tuple(dict.fromkeys(x for r in results if r[0] for x in r[1])) if ok else ()
    if kind == "not":
        return not evaluate(cond.children[0], ctx)[0], ()
    if kind == "grades":
        return ctx.grade in cond.grades, ()
    entry = latest_decision(ctx.record, cond.approval[0], cond.approval[1])  # approval
    return entry is not None and entry.get("decision") == cond.approval[2], ()


def holds(cond: Condition | None, record: Record, grade: str | None = None) -> bool:
    """A condition outside grading (applies, amounts, transitions); None always holds."""
    return cond is None or test(cond, Context(record, grade))
