"""Penalties for overdue and late milestones, and their totals per party and month.

A rule lists the milestones it fines and what triggers it (``overdue``: open past its due;
``done_late``). With ``per: record`` a record pays once, dated by the first missed due; with
``per: milestone`` each missed milestone is an item. The month is the due's month in the
repository's zone. An item is *provisional* while a fined milestone is still open: the fine is
certain, but the record is not settled.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from generator.common.model import Record
from generator.policy.conditions import Context
from generator.policy.types import PenaltyRule, Text

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from generator.compute.deadlines import MilestoneResult
    from generator.policy.types import Policy

# A deadline missed by a record that then closed without it is fined like an overdue one.
_TRIGGER_STATES = {"overdue": ("overdue", "missed"), "done_late": ("done_late",)}


@dataclass(frozen=True, slots=True)
class Penalty:
    rule: str
    record_id: str
    milestones: tuple[str, ...]
    charged_to: str | None
    """The department or person the rule's ``charge_to`` names; None when the record has none."""
    month: str
    """``YYYY-MM`` of the (first) missed due, in the repository's zone."""
    amount: float
    currency: str
    provisional: bool
    rule_text: Text
    """The rule's own text (policy data); ``generator.render.reasons`` says the whole item."""
    names: tuple[Text, ...]
    """The names of ``milestones``, in the same order."""
    grade: str


@dataclass(frozen=True, slots=True)
class PenaltyTotal:
    charged_to: str | None
    month: str
    amount: float
    currency: str
    count: int
    records: tuple[str, ...]


def _item(
    rule: PenaltyRule,
    record: Record,
    grade: str,
    missed: Sequence[MilestoneResult],
    policy: Policy,
    tz: ZoneInfo,
    ctx: Context,
) -> Penalty | None:
    amount = next((a.amount for a in rule.amounts if a.when is None or a.when.holds(ctx)), None)
    dues = [m.due_at for m in missed if m.due_at is not None]
    if amount is None or not dues:
        return None
    who = record.get(rule.charge_to)
    ids, names, provisional = [], [], False
    for m in missed:  # one loop: nearly every late record has an item
        ids.append(m.id)
        names.append(Text(m.name_zh, m.name_en))
        provisional = provisional or m.state == "overdue"
    first = min(dues)
    first = first if first.tzinfo is tz else first.astimezone(tz)
    return Penalty(
        rule.id,
        record.id,
        tuple(ids),
        who if isinstance(who, str) and who.strip() else None,
        f"{first.year:04d}-{first.month:02d}",
        amount,
        policy.currency,
        provisional,
        rule.text,
        tuple(names),
        grade,
    )


@cache
def _states(triggers: tuple[str, ...]) -> frozenset[str]:
    return frozenset(s for t in triggers for s in _TRIGGER_STATES[t])


def penalties_for(
    record: Record, grade: str, milestones: Sequence[MilestoneResult], policy: Policy, tz: ZoneInfo
) -> tuple[Penalty, ...]:
    if not policy.penalty_rules:
        return ()
    out: list[Penalty] = []
    ctx = Context(record, grade)
    for rule in policy.penalty_rules:
        states = _states(rule.triggers)
        missed = [m for m in milestones if m.state in states and m.id in rule.milestones]
        groups = [missed] if rule.per == "record" else [[m] for m in missed]
        out.extend(p for g in groups if g and (p := _item(rule, record, grade, g, policy, tz, ctx)))
    return tuple(out)


def penalty_totals(penalties: Iterable[Penalty]) -> tuple[PenaltyTotal, ...]:
    """Sums per (party, month, currency), ordered by month then party (None last)."""
    sums: dict[tuple[str | None, str, str], tuple[float, list[str]]] = {}
    for p in penalties:
        amount, records = sums.get((p.charged_to, p.month, p.currency), (0.0, []))
        sums[(p.charged_to, p.month, p.currency)] = (amount + p.amount, [*records, p.record_id])
    keys = sorted(sums, key=lambda k: (k[1], k[0] is None, k[0] or "", k[2]))
    return tuple(
        PenaltyTotal(k[0], k[1], sums[k][0], k[2], len(sums[k][1]), tuple(sorted(sums[k][1])))
        for k in keys
    )
