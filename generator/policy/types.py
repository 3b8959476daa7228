"""Policy types: the frozen dataclasses a loaded policy is made of.

:func:`generator.policy.loader.load_policy` builds them, and :mod:`generator.policy.loader`
re-exports them. The parsers live with the stage that reads each part: grades in
:mod:`generator.compute.grading`, events and milestones in :mod:`generator.compute.events`. The
rule types of penalties, approvals, stages and transitions stay in
:mod:`generator.compute.penalties` and :mod:`generator.compute.completeness`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from generator.policy.conditions import Condition

if TYPE_CHECKING:
    from generator.compute.completeness import ApprovalRule, StageCheck, Transitions
    from generator.compute.events import Event
    from generator.compute.penalties import PenaltyRule


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
