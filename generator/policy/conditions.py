"""Conditions: the policy's ``when``/``applies`` vocabulary as a small tree of values.

A condition is data, never code (design decision 5). :mod:`generator.policy.conditionparse` checks
a policy's condition and builds its tree of frozen nodes (:data:`Node`) once per policy load;
:mod:`generator.policy.conditioneval` is the one interpreter, which compiles the tree into closures
(:attr:`Condition.run`). Evaluating a condition gives ``None`` when it does not hold, and
otherwise the evidence (:class:`Why`): which nodes held and with what values, and the earlier
records a recurrence counted; grading names those records in its reasons.

What each node means:

- ``fact NAME`` (the record's ``facts.NAME``) and ``field PATH``, with comparisons that must
  all hold: ``is`` (a boolean; a missing boolean counts as false), ``eq``, ``ne``, ``in``
  (booleans never equal numbers; ``ne`` holds for a missing value), ``gte``, ``gt``, ``lte``,
  ``lt`` (never on a missing or non-numeric value) and ``exists`` (not none, "", [] or {}).
- ``ratio [a, b]``: ``a / b`` compared; a name without a dot is a ``product.`` quantity; it
  does not hold when either is missing or not a number, or ``b`` is not above 0.
- ``all``: every child holds (the first that fails decides); ``any``: at least one does, and
  the evidence lists every one that does; ``not``: the child does not hold.
- ``recurrence``: records with the same key value inside the rolling window that ends at this
  record's received time, this one included, number at least ``min_count``. Counting is the
  :data:`Lookup` grading supplies; without one (a record's fact grade, or any condition
  outside grading) a recurrence does not hold.
- ``grades``: the record's final grade is listed (no grade is known while grading).
- ``approval``: the latest decision of the role on the subject is the one named.
"""

from __future__ import annotations

import calendar
import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeAlias
from zoneinfo import ZoneInfo

from generator.common.model import Record
from generator.policy.recordpaths import KEY_ALIASES

# ------------------------------------------------------------------ the tree


@dataclass(frozen=True, slots=True)
class Comparison:
    op: str
    """is | eq | ne | in | gte | gt | lte | lt | exists"""
    value: Any
    """What the value is compared with (a tuple for ``in``)."""


@dataclass(frozen=True, slots=True)
class Fact:
    name: str
    """A name under the record's ``facts``."""
    tests: tuple[Comparison, ...]


@dataclass(frozen=True, slots=True)
class Field:
    path: str
    """A dotted record path."""
    tests: tuple[Comparison, ...]


@dataclass(frozen=True, slots=True)
class Ratio:
    numerator: str
    denominator: str
    """Dotted record paths (a bare quantity name is already ``product.<name>`` here)."""
    tests: tuple[Comparison, ...]


@dataclass(frozen=True, slots=True)
class AllOf:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    child: Node


@dataclass(frozen=True, slots=True)
class Window:
    months: int = 0
    days: int = 0

    def start(self, at: datetime, tz: ZoneInfo) -> datetime:
        """The open start of the window that ends at ``at``: calendar months in ``tz``,
        clamped to the month's end (31 May - 3 months = 28/29 Feb), or natural days."""
        local = at.astimezone(tz)
        if not self.months:
            return local - timedelta(days=self.days)
        y, m = divmod(local.month - 1 - self.months, 12)
        year, month = local.year + y, m + 1
        last = 29 if month == 2 and calendar.isleap(year) else _MONTH_DAYS[month - 1]
        return local.replace(year=year, month=month, day=min(local.day, last))


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


@dataclass(frozen=True, slots=True)
class Recurrence:
    key: tuple[str, ...]
    """Named keys (:data:`KEY_ALIASES`) or dotted paths; several make a composite key."""
    window: Window
    min_count: int
    of_grades: tuple[str, ...] | None = None
    """Count only earlier records of these (basis) grades; None counts every grade."""


@dataclass(frozen=True, slots=True)
class Grades:
    grades: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Approval:
    role: str
    subject: str
    decision: str


Node: TypeAlias = Fact | Field | Ratio | AllOf | AnyOf | Not | Recurrence | Grades | Approval

# ------------------------------------------------------------------ evidence and context


@dataclass(frozen=True, slots=True)
class Why:
    """Evidence that ``node`` held."""

    node: Node
    value: Any = None
    """What was read: a fact's or field's value, a ratio's quotient, the count of a
    recurrence, the final grade, the approval's decision; None for ``all``/``any``/``not``."""
    parts: tuple[Why, ...] = ()
    """``all``: every child's evidence; ``any``: that of each child that held."""
    records: tuple[str, ...] = ()
    """A recurrence's earlier records, the latest ones (the count is exact, the list short)."""


Lookup = Callable[[Recurrence], tuple[int, tuple[str, ...]]]
"""A recurrence's count for the record being graded (this one included), and the earlier
records it counted (none when the count falls short)."""


@dataclass(frozen=True, slots=True)
class Context:
    record: Record
    grade: str | None = None
    """The final grade, for ``grades`` (None while grading)."""
    lookup: Lookup | None = None
    """Recurrence counting; None counts every recurrence as not met."""


Run = Callable[[Context], Why | None]


@dataclass(frozen=True, slots=True)
class Condition:
    """A parsed condition: its tree, and the tree compiled once."""

    node: Node
    recurrent: bool
    """A recurrence is inside: only then does the answer depend on the history."""
    run: Run = dataclasses.field(compare=False, repr=False)
    """The evidence that the condition holds, or None (see the module docstring)."""

    def holds(self, ctx: Context) -> bool:
        return self.run(ctx) is not None


def holds(cond: Condition | None, record: Record, grade: str | None = None) -> bool:
    """A condition outside grading (applies, amounts, transitions); None always holds."""
    return cond is None or cond.run(Context(record, grade)) is not None


def walk(node: Node) -> Iterator[Node]:
    """``node`` and every node below it, depth first, in the written order."""
    yield node
    if isinstance(node, AllOf | AnyOf):
        for child in node.children:
            yield from walk(child)
    elif isinstance(node, Not):
        yield from walk(node.child)


def recurrences(node: Node) -> Iterator[Recurrence]:
    return (n for n in walk(node) if isinstance(n, Recurrence))


def reads(node: Node) -> frozenset[str]:
    """The record paths a condition reads (for a recurrence: its key's, on every record it
    counts; a ``grades`` test reads the grade, an ``approval`` the ``approvals`` list)."""
    out: set[str] = set()
    for n in walk(node):
        if isinstance(n, Fact):
            out.add(f"facts.{n.name}")
        elif isinstance(n, Field):
            out.add(n.path)
        elif isinstance(n, Ratio):
            out.update((n.numerator, n.denominator))
        elif isinstance(n, Recurrence):
            out.update(p for part in n.key for p in KEY_ALIASES.get(part, (part,)))
        elif isinstance(n, Approval):
            out.add("approvals")
    return frozenset(out)


def earlier_records(why: Why) -> tuple[str, ...]:
    """The earlier records the recurrences in ``why`` counted, in order, each once."""
    if not why.parts:
        return why.records
    found = [named for part in why.parts if (named := earlier_records(part))]
    if len(found) < 2:
        return found[0] if found else ()
    return tuple(dict.fromkeys(rid for named in found for rid in named))
