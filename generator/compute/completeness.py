"""Stage completeness and status transitions: what a record's status requires.

Each check of the fixed vocabulary (the ``CHECKS`` table, mirrored by the policy schema's
enum) looks at one 8D discipline and returns what is missing as a fact: the field to fill, a
code for what it lacks and the items concerned. The policy lists the checks per status
(``stages``); :func:`stage_gaps` runs them, :func:`refused_transition` judges a status move.
The words (Chinese and English, as diagnostics) are :mod:`generator.validate.gaps`'.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from generator.common.model import Record
from generator.policy.conditions import holds
from generator.policy.recordpaths import latest_decision
from generator.policy.types import LIFECYCLE, StageCheck, Text

if TYPE_CHECKING:
    from generator.policy.types import Policy

_DONE = ("done", "verified")


@dataclass(frozen=True, slots=True)
class Approval:
    """An approval a stage needs and the record lacks."""

    role: str
    subject: str
    rejected: bool
    """The latest decision is a rejection (else there is none yet)."""
    text: Text | None
    """The policy rule's text (None for a stage's own ``approval`` check)."""


@dataclass(frozen=True, slots=True)
class Missing:
    field: str
    """The field to fill."""
    what: str
    """What is missing, as a code (``no_leader``, ``containment_open``, …)."""
    items: tuple[str, ...] = ()
    """The actions, root causes or documents it concerns."""
    approval: Approval | None = None


@dataclass(frozen=True, slots=True)
class StageGap:
    """What the record's ``status`` requires and the record lacks, by one check."""

    status: str
    check: str
    warning: bool
    """The policy makes this check a warning, not an error."""
    missing: Missing


@dataclass(frozen=True, slots=True)
class Refusal:
    """A status move the policy does not allow, and the moves it does."""

    old: str
    new: str
    allowed: tuple[str, ...]


Check = Callable[[Record], Missing | None]


def _items(record: Record, path: str) -> list[Mapping[str, Any]]:
    value = record.get(path)
    return [x for x in value if isinstance(x, Mapping)] if isinstance(value, list) else []


def _filled(value: Any) -> bool:
    return value not in (None, "", [], {})


def _open_actions(actions: Sequence[Mapping[str, Any]]) -> list[str]:
    return [
        str(a.get("id") or i + 1)
        for i, a in enumerate(actions)
        if a.get("status") != "cancelled"
        and a.get("status") not in _DONE
        and not _filled(a.get("done_at"))
    ]


def _causes(record: Record) -> list[Mapping[str, Any]]:
    return _items(record, "d4_root_cause.occurrence") + _items(record, "d4_root_cause.escape")


def _need(path: str, what: str) -> Check:
    def check(record: Record) -> Missing | None:
        return None if _filled(record.get(path)) else Missing(path, what)

    return check


def _d1_team(r: Record) -> Missing | None:
    if not _filled(r.get("d1_team.leader.name")):
        return Missing("d1_team.leader.name", "no_leader")
    if not _items(r, "d1_team.members"):
        return Missing("d1_team.members", "no_members")
    return None


def _d2(r: Record) -> Missing | None:
    if _filled(r.get("d2_problem.summary")) or _filled(r.get("d2_problem.what")):
        return None
    return Missing("d2_problem.summary", "no_problem")


def _d3(r: Record) -> Missing | None:
    if _filled(r.get("d3_containment.not_applicable_reason")):
        return None
    actions = _items(r, "d3_containment.actions")
    if not actions:
        return Missing("d3_containment.actions", "no_containment")
    if open_ := _open_actions(actions):
        return Missing("d3_containment.actions", "containment_open", tuple(open_))
    return None


def _verified(r: Record) -> Missing | None:
    causes = _causes(r)
    if not causes:
        return Missing("d4_root_cause.occurrence", "no_root_cause")
    bad = [
        str(c.get("id", "?"))
        for c in causes
        if not (
            isinstance(c.get("verification"), Mapping) and c["verification"].get("verified") is True
        )
    ]
    if bad:
        return Missing("d4_root_cause", "root_causes_unverified", tuple(bad))
    return None


def _covered(r: Record) -> Missing | None:
    addressed = {
        x
        for a in _items(r, "d5_actions.actions")
        for x in a.get("addresses", [])
        if isinstance(x, str)
    }
    bare = [str(c.get("id", "?")) for c in _causes(r) if c.get("id") not in addressed]
    if bare:
        return Missing("d5_actions.actions", "root_causes_unaddressed", tuple(bare))
    return None


def _permanent_done(r: Record) -> Missing | None:
    actions = _items(r, "d5_actions.actions")
    if not actions:
        return Missing("d5_actions.actions", "no_permanent_action")
    if open_ := _open_actions(actions):
        return Missing("d5_actions.actions", "permanent_actions_open", tuple(open_))
    return None


def _preventive(r: Record) -> Missing | None:
    if any(a.get("kind") == "preventive" for a in _items(r, "d5_actions.actions")) or _filled(
        r.get("d5_actions.preventive_waiver.reason")
    ):
        return None
    return Missing("d5_actions.preventive_waiver", "no_preventive_action")


def _consent(r: Record) -> Missing | None:
    if r.get("d5_actions.customer_consent.agreed") is True:
        return None
    return Missing("d5_actions.customer_consent.agreed", "no_customer_consent")


def _effective(r: Record) -> Missing | None:
    if r.get("d6_validation.effectiveness.effective") is True and _filled(
        r.get("d6_validation.effectiveness.verified_at")
    ):
        return None
    return Missing("d6_validation.effectiveness", "not_effective")


def _horizontal(r: Record) -> Missing | None:
    decision = r.get("d7_prevention.horizontal_deployment.decision")
    reason = r.get("d7_prevention.horizontal_deployment.reason")
    if decision == "not_applicable" and _filled(reason):
        return None
    if decision == "required" and _items(r, "d7_prevention.horizontal_deployment.items"):
        return None
    return Missing("d7_prevention.horizontal_deployment", "horizontal_undecided")


def _documents(r: Record) -> Missing | None:
    docs = _items(r, "d7_prevention.documents")
    if not docs:
        return Missing("d7_prevention.documents", "no_documents")
    bad = [
        str(d.get("number") or d.get("type") or i + 1)
        for i, d in enumerate(docs)
        if not _filled(d.get("done_at")) and not _filled(d.get("not_needed_reason"))
    ]
    if bad:
        return Missing("d7_prevention.documents", "documents_pending", tuple(bad))
    return None


def _accepted(r: Record) -> Missing | None:
    if r.get("d8_closure.customer_accepted") is True:
        return None
    return Missing("d8_closure.customer_accepted", "not_accepted")


CHECKS: Mapping[str, Check] = {
    "d1_team": _d1_team,
    "d2_problem": _d2,
    "emergency_response": _need("d0_emergency.actions", "no_emergency_action"),
    "d3_containment": _d3,
    "investigation_6m": _need("d4_root_cause.investigation", "no_investigation"),
    "root_cause_occurrence": _need("d4_root_cause.occurrence", "no_occurrence_cause"),
    "root_cause_escape": _need("d4_root_cause.escape", "no_escape_cause"),
    "root_causes_verified": _verified,
    "root_cause_confirmed": _need("d4_root_cause.confirmed_at", "no_confirmation"),
    "actions_for_every_root_cause": _covered,
    "permanent_actions_done": _permanent_done,
    "preventive_action_or_waiver": _preventive,
    "customer_consent": _consent,
    "effectiveness_verified": _effective,
    "horizontal_deployment_decided": _horizontal,
    "documents_updated": _documents,
    "final_report_sent": _need("d8_closure.final_report_at", "no_final_report"),
    "customer_accepted": _accepted,
    "closure_date": _need("d8_closure.closed_at", "no_closure_time"),
    "cancellation_reason": _need("cancellation.reason", "no_cancellation_reason"),
}
"""Every check but ``approvals`` and ``approval`` (those need the policy and the grade)."""


def _approval(record: Record, role: str, subject: str, text: Text | None) -> Missing | None:
    entry = latest_decision(record, role, subject)
    if entry is not None and entry.get("decision") == "approved":
        return None
    return Missing(
        "approvals", "approval", approval=Approval(role, subject, entry is not None, text)
    )


def _run(
    check: StageCheck, record: Record, policy: Policy, grade: str | None, status: str
) -> list[Missing]:
    if not holds(check.applies, record, grade):
        return []
    if check.name == "approval":
        found = _approval(record, check.role, check.subject, None)
        return [found] if found else []
    if check.name != "approvals":
        found = CHECKS[check.name](record)
        return [found] if found else []
    out = []
    upto = LIFECYCLE.index(status) if status in LIFECYCLE else -1
    for rule in policy.approvals:
        if (
            rule.stage not in LIFECYCLE
            or LIFECYCLE.index(rule.stage) > upto
            or not holds(rule.applies, record, grade)
        ):
            continue
        if found := _approval(record, rule.role, rule.subject, rule.text):
            out.append(found)
    return out


def stage_gaps(
    record: Record, policy: Policy, grade: str | None = None, status: str | None = None
) -> list[StageGap]:
    """What ``status`` (default: the record's) requires and the record lacks."""
    status = status if status is not None else record.get("status")
    if not isinstance(status, str):
        return []
    return [
        StageGap(status, check.name, check.severity == "warning", miss)
        for check in policy.stages.get(status, ())
        for miss in _run(check, record, policy, grade, status)
    ]


def transition_allowed(
    policy: Policy, old: str, new: str, record: Record, grade: str | None = None
) -> bool:
    if old == new:
        return True
    t = policy.transitions
    if (
        t.forward
        and old in LIFECYCLE
        and new in LIFECYCLE
        and LIFECYCLE.index(new) > LIFECYCLE.index(old)
    ):
        return True
    if t.cancel_from_open and new == "cancelled" and old not in ("closed", "cancelled"):
        return True
    return any(old in r.from_ and new in r.to and holds(r.when, record, grade) for r in t.rules)


def refused_transition(
    policy: Policy, old: str, record: Record, grade: str | None = None
) -> Refusal | None:
    """The refusal when the record's status may not follow ``old`` (its base-branch status)."""
    new = record.get("status")
    if not isinstance(new, str) or transition_allowed(policy, old, new, record, grade):
        return None
    allowed = tuple(
        s
        for s in ("registered", *LIFECYCLE[1:], "cancelled")
        if s != old and transition_allowed(policy, old, s, record, grade)
    )
    return Refusal(old, new, allowed)
