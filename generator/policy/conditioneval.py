"""The one interpreter of the condition vocabulary (:mod:`generator.policy.conditions`).

:func:`compile_condition` turns a parsed tree into one closure per node, once per policy
load; what each node means is said here and nowhere else. A closure gives the evidence
(:class:`~generator.policy.conditions.Why`) or None. Evidence that is the same for every record (a
test that holds for one value only, ``not``, ``all`` of such) is made once, not per record:
conditions run several times for every record.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from generator.policy.conditions import (
    AllOf,
    AnyOf,
    Approval,
    Comparison,
    Context,
    Fact,
    Field,
    Grades,
    Node,
    Not,
    Ratio,
    Recurrence,
    Run,
    Why,
)
from generator.policy.recordpaths import dig, latest_decision, reader, split_path


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _eq(value: Any, want: Any) -> bool:
    if isinstance(value, bool) or isinstance(want, bool):
        return value is want
    a, b = _num(value), _num(want)
    if a is not None and b is not None:
        return a == b
    return bool(value == want)


_EMPTY: tuple[Any, ...] = (None, "", [], {})


def _test(c: Comparison) -> Callable[[Any], bool]:
    """One comparison as a test of the value read."""
    op, want = c.op, c.value
    if op == "is":
        return (lambda v: v is True) if want else (lambda v: v is not True)
    if op == "exists":
        return lambda v: (v not in _EMPTY) is want
    if op == "eq" and isinstance(want, str):  # _eq, for a text: nothing else equals it
        return lambda v: v == want
    if op == "eq":
        return lambda v: _eq(v, want)
    if op == "ne":
        return lambda v: not _eq(v, want)
    if op == "in":
        return lambda v: any(_eq(v, w) for w in want)
    if op == "gte":
        return lambda v: (n := _num(v)) is not None and n >= want
    if op == "gt":
        return lambda v: (n := _num(v)) is not None and n > want
    if op == "lte":
        return lambda v: (n := _num(v)) is not None and n <= want
    return lambda v: (n := _num(v)) is not None and n < want


def _tests(tests: tuple[Comparison, ...]) -> Callable[[Any], bool]:
    fns = tuple(_test(c) for c in tests)
    if len(fns) == 1:
        return fns[0]
    return lambda v: all(f(v) for f in fns)


def _pinned(node: Fact | Field) -> Why | None:
    """The evidence of a test that holds for one value only (``is: true``, ``eq`` a text or a
    boolean): the same for every record, so it is made once."""
    for c in node.tests:
        if (c.op == "is" and c.value is True) or (c.op == "eq" and isinstance(c.value, str | bool)):
            return Why(node, c.value)
    return None


_Compiled = tuple[Run, Why | None]
"""A node's closure, and the evidence it always gives when it holds (None when that depends
on the record): such evidence is made once, not per record."""


def compile_condition(node: Node) -> Run:
    """The closure that gives ``node``'s evidence, or None when it does not hold."""
    return _compile(node)[0]


def _compile(node: Node) -> _Compiled:
    """The one reading of the vocabulary (:mod:`~generator.policy.conditions`): a closure a node."""
    match node:
        case Fact() | Field():
            path = f"facts.{node.name}" if isinstance(node, Fact) else node.path
            return _leaf(node, path, _tests(node.tests), _pinned(node))
        case Ratio():
            a_path, b_path = split_path(node.numerator), split_path(node.denominator)
            ok, ratio_node = _tests(node.tests), node

            def ratio(ctx: Context) -> Why | None:
                data = ctx.record.data
                a, b = _num(dig(data, a_path)), _num(dig(data, b_path))
                if a is None or b is None or b <= 0 or not ok(q := a / b):
                    return None
                return Why(ratio_node, q)

            return ratio, None
        case AllOf():
            return _all(node, [_compile(c) for c in node.children])
        case AnyOf():
            return _any(node, [_compile(c) for c in node.children])
        case Not():
            inner, unmet = _compile(node.child)[0], Why(node)
            return (lambda ctx: unmet if inner(ctx) is None else None), unmet
        case Grades():
            listed = {g: Why(node, g) for g in node.grades}
            return (lambda ctx: listed.get(ctx.grade) if ctx.grade is not None else None), None
        case Approval():
            role, subject, decided = node.role, node.subject, Why(node, node.decision)

            def approval(ctx: Context) -> Why | None:
                entry = latest_decision(ctx.record, role, subject)
                ok = entry is not None and entry.get("decision") == decided.value
                return decided if ok else None

            return approval, decided
        case Recurrence():
            rule = node

            def recurrence(ctx: Context) -> Why | None:
                if ctx.lookup is None:
                    return None
                count, earlier = ctx.lookup(rule)
                return Why(rule, count, (), earlier) if count >= rule.min_count else None

            return recurrence, None
    raise TypeError(f"not a condition node: {node!r}")  # pragma: no cover - Node is closed


def _leaf(
    node: Fact | Field, dotted: str, ok: Callable[[Any], bool], pinned: Why | None
) -> _Compiled:
    """A fact or field test: the value read, then tested. Paths of one or two steps (nearly
    all) are read in place: conditions run for every record, several times per record."""
    parts = split_path(dotted)
    if len(parts) == 1:
        (first,) = parts

        def leaf1(ctx: Context) -> Why | None:
            value = ctx.record.data.get(first)
            return None if not ok(value) else pinned or Why(node, value)

        return leaf1, pinned
    if len(parts) == 2:
        first, second = parts
        rest = parts[1:]

        def leaf2(ctx: Context) -> Why | None:
            step = ctx.record.data.get(first)
            value = step.get(second) if step.__class__ is dict else dig(step, rest)
            return None if not ok(value) else pinned or Why(node, value)

        return leaf2, pinned
    read = reader(dotted)

    def leaf(ctx: Context) -> Why | None:
        value = read(ctx.record.data)
        return None if not ok(value) else pinned or Why(node, value)

    return leaf, pinned


def _any(node: AnyOf, children: list[_Compiled]) -> _Compiled:
    """At least one child holds; every child is asked, for the evidence. When just one holds
    and its evidence is the same for every record, so is this one's."""
    runs = tuple(run for run, _ in children)
    alone = {id(f): Why(node, None, (f,)) for _, f in children if f is not None}
    """By the identity of a child's evidence (kept alive in the value's ``parts``)."""

    def some(ctx: Context) -> Why | None:
        held = [why for run in runs if (why := run(ctx)) is not None]
        if not held:
            return None
        if len(held) == 1 and (shared := alone.get(id(held[0]))) is not None:
            return shared
        return Why(node, None, tuple(held))

    return some, None


def _all(node: AllOf, children: list[_Compiled]) -> _Compiled:
    """Every child holds; the first that does not decides. When each child's evidence is the
    same for every record, so is this one's."""
    runs = tuple(run for run, _ in children)
    fixed = None
    if all(f is not None for _, f in children):
        fixed = Why(node, None, tuple(f for _, f in children if f is not None))
    if len(runs) == 2:
        a, b = runs

        def both(ctx: Context) -> Why | None:
            if (x := a(ctx)) is None or (y := b(ctx)) is None:
                return None
            return fixed or Why(node, None, (x, y))

        return both, fixed

    def every(ctx: Context) -> Why | None:
        parts = []
        for run in runs:
            if (why := run(ctx)) is None:
                return None
            parts.append(why)
        return fixed or Why(node, None, tuple(parts))

    return every, fixed
