"""Policy types: the frozen dataclasses a loaded policy is made of.

:func:`generator.policy.loader.load_policy` builds them from the parsers in
:mod:`generator.policy.parsers`; the compute stage reads them and never builds them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from generator.policy.conditions import Condition


@dataclass(frozen=True, slots=True)
class Text:
    """A policy text in Chinese and English."""

    zh: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


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


@dataclass(frozen=True, slots=True)
class EventDef:
    name: Text
    at: Event


@dataclass(frozen=True, slots=True)
class Duration:
    amount: float
    unit: str


@dataclass(frozen=True, slots=True)
class Variant:
    id: str
    applies: Condition | None
    start: Event
    duration: Duration


@dataclass(frozen=True, slots=True)
class Milestone:
    id: str
    name: Text
    applies: Condition | None
    variants: tuple[Variant, ...]
    """Tried in order; a milestone without ``variants`` in the file has one, id ``default``."""
    done: tuple[str, ...]
    customer_deadline_applies: bool
    warn_after_start: Duration | None
    warn_before: Duration | None
    note: Text | None


@dataclass(frozen=True, slots=True)
class CancellationRule:
    id: str
    text: Text
    applies: Condition | None
    start: Event
    duration: Duration
    unless: Event
    restart: bool


@dataclass(frozen=True, slots=True)
class Reopen:
    numbering: str = "suffix"
    on_customer_dissatisfied: bool = True
    on_recurrence_after_closure: bool = False
    recurrence_key: str = "problem_key"


@dataclass(frozen=True, slots=True)
class ChangeControl:
    """Who approves what the Git workflow adds to the procedure (``change_control``)."""

    rule_changes: str = "quality_manager"
    """A change to a rule file: engine, policy, schemas, ``kesu.yaml``, site, workflows."""
    extensions: str = "quality_manager"
    """A completion entered after the fact that turns an overdue milestone into an on-time one."""
    imports: str = "quality_manager"
    """A record that enters as imported history instead of at the first status."""
    corrections: str = "quality_manager"
    """A correction of a registration field (received time, customer, id)."""


@dataclass(frozen=True, slots=True)
class Policy:
    id: str
    name: Text
    source: Mapping[str, str]
    grades: tuple[Grade, ...]
    """Most severe first; the last is the default."""
    milestones: tuple[Milestone, ...]
    events: Mapping[str, EventDef]
    """Built-in events with the policy's additions and overrides."""
    recurrence_basis: str  # fact | final
    exclude_statuses: frozenset[str]
    reopen_inherits_grade: bool
    customer_deadline_mode: str  # earlier | always
    not_a_complaint: tuple[Condition, Text] | None
    cancellation: CancellationRule | None
    currency: str
    penalty_rules: tuple[PenaltyRule, ...]
    approvals: tuple[ApprovalRule, ...]
    stages: Mapping[str, tuple[StageCheck, ...]]
    """Checks per status, already accumulated when the policy says ``cumulative``."""
    transitions: Transitions
    reopen: Reopen
    roles: Mapping[str, Text]
    raw: Mapping[str, Any]
    """The merged, validated document (reporting, routing, readings, … for the site)."""
    change_control: ChangeControl = ChangeControl()

    def rank(self, grade_id: str) -> int | None:
        """0 for the most severe grade; ``None`` for an id the policy does not have."""
        return next((i for i, g in enumerate(self.grades) if g.id == grade_id), None)

    def grade(self, grade_id: str) -> Grade | None:
        rank = self.rank(grade_id)
        return None if rank is None else self.grades[rank]


@dataclass(frozen=True, slots=True)
class ApprovalRule:
    id: str
    role: str
    subject: str
    applies: Condition | None
    stage: str
    text: Text


@dataclass(frozen=True, slots=True)
class StageCheck:
    name: str  # a key of CHECKS, "approvals" (the policy's), or "approval" (role + subject)
    applies: Condition | None = None
    severity: str = "error"
    role: str = ""
    subject: str = ""


@dataclass(frozen=True, slots=True)
class TransitionRule:
    id: str
    from_: tuple[str, ...]
    to: tuple[str, ...]
    when: Condition | None
    text: Text


@dataclass(frozen=True, slots=True)
class Transitions:
    forward: bool = True
    cancel_from_open: bool = True
    rules: tuple[TransitionRule, ...] = ()


@dataclass(frozen=True, slots=True)
class Event:
    kind: str  # ref | field | first_of | later_of | never (see flatten)
    value: str = ""
    children: tuple[Event, ...] = ()


@dataclass(frozen=True, slots=True)
class PenaltyAmount:
    when: Condition | None
    amount: float


@dataclass(frozen=True, slots=True)
class PenaltyRule:
    id: str
    text: Text
    milestones: tuple[str, ...]
    per: str  # record | milestone
    triggers: tuple[str, ...]  # overdue, done_late
    charge_to: str
    amounts: tuple[PenaltyAmount, ...]


STATUSES = (
    "registered",
    "containment",
    "analysis",
    "correction",
    "verification",
    "closed",
    "cancelled",
)


LIFECYCLE = STATUSES[:-1]
"""The open-to-closed order; ``cancelled`` is outside it."""


BUILTIN_EVENTS: Mapping[str, EventDef] = {
    "received": EventDef(Text("收到客诉", "the complaint"), Event("field", "received_at")),
    "accepted": EventDef(
        Text("受理", "acceptance"),
        Event("first_of", children=(Event("field", "accepted_at"), Event("field", "received_at"))),
    ),
    "confirmed": EventDef(
        Text("问题确认", "the problem's confirmation"), Event("field", "confirmed_at")
    ),
    "classified": EventDef(Text("归类", "classification"), Event("field", "classified_at")),
    "root_cause": EventDef(
        Text("根本原因确认", "the root cause"), Event("field", "d4_root_cause.confirmed_at")
    ),
    "sample_requested": EventDef(
        Text("索取样品", "the sample request"), Event("field", "sample.requested_at")
    ),
    "sample_received": EventDef(
        Text("样品到货", "the sample"), Event("field", "sample.received_at")
    ),
    "sample_at_analysis": EventDef(
        Text("样品送达分析部门", "the sample at the analysing department"),
        Event("field", "sample.handed_over_at"),
    ),
}
