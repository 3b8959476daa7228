"""Stage completeness and status transitions: what a record's status requires.

Each check of the fixed vocabulary (the ``CHECKS`` table, mirrored by the policy schema's
enum) looks at one 8D discipline and says, in Chinese and English, what is missing and which
field to fill. The policy lists the checks per status (``stages``); ``check_stage`` runs them
and returns diagnostics, so validation can report them like any other problem.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from generator.common.diagnostics import Diagnostic, Severity
from generator.common.model import Record
from generator.policy.conditions import holds
from generator.policy.recordpaths import latest_decision
from generator.policy.types import LIFECYCLE, StageCheck

if TYPE_CHECKING:
    from generator.policy.types import Policy

_DONE = ("done", "verified")


@dataclass(frozen=True, slots=True)
class Missing:
    field: str
    zh: str
    en: str


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


def _need(path: str, zh: str, en: str) -> Check:
    def check(record: Record) -> Missing | None:
        return None if _filled(record.get(path)) else Missing(path, zh, en)

    return check


def _d1_team(r: Record) -> Missing | None:
    if not _filled(r.get("d1_team.leader.name")):
        return Missing("d1_team.leader.name", "D1 小组没有组长", "D1: the team has no leader")
    if not _items(r, "d1_team.members"):
        return Missing("d1_team.members", "D1 小组没有成员", "D1: the team has no members")
    return None


def _d2(r: Record) -> Missing | None:
    if _filled(r.get("d2_problem.summary")) or _filled(r.get("d2_problem.what")):
        return None
    return Missing("d2_problem.summary", "D2 问题描述为空", "D2: the problem is not described")


def _d3(r: Record) -> Missing | None:
    if _filled(r.get("d3_containment.not_applicable_reason")):
        return None
    actions = _items(r, "d3_containment.actions")
    if not actions:
        return Missing(
            "d3_containment.actions",
            "D3 没有临时措施（或写明不适用的原因）",
            "D3: no containment actions (or a reason they do not apply)",
        )
    if open_ := _open_actions(actions):
        ids = ", ".join(open_)
        return Missing(
            "d3_containment.actions",
            f"D3 临时措施未完成：{ids}",
            f"D3: containment actions not done: {ids}",
        )
    return None


def _verified(r: Record) -> Missing | None:
    causes = _causes(r)
    if not causes:
        return Missing("d4_root_cause.occurrence", "D4 没有根本原因", "D4: no root cause")
    bad = [
        str(c.get("id", "?"))
        for c in causes
        if not (
            isinstance(c.get("verification"), Mapping) and c["verification"].get("verified") is True
        )
    ]
    if bad:
        ids = ", ".join(bad)
        return Missing(
            "d4_root_cause",
            f"D4 根本原因未验证：{ids}（verification.verified）",
            f"D4: root causes not verified: {ids} (verification.verified)",
        )
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
        ids = ", ".join(bare)
        return Missing(
            "d5_actions.actions",
            f"D5 没有针对这些根本原因的永久措施：{ids}",
            f"D5: no permanent action addresses root causes {ids}",
        )
    return None


def _permanent_done(r: Record) -> Missing | None:
    actions = _items(r, "d5_actions.actions")
    if not actions:
        return Missing("d5_actions.actions", "D5 没有永久措施", "D5: no permanent actions")
    if open_ := _open_actions(actions):
        ids = ", ".join(open_)
        return Missing(
            "d5_actions.actions",
            f"D5 永久措施未完成：{ids}",
            f"D5: permanent actions not done: {ids}",
        )
    return None


def _preventive(r: Record) -> Missing | None:
    if any(a.get("kind") == "preventive" for a in _items(r, "d5_actions.actions")) or _filled(
        r.get("d5_actions.preventive_waiver.reason")
    ):
        return None
    return Missing(
        "d5_actions.preventive_waiver",
        "没有预防措施，也没有经批准的免除",
        "No preventive action and no approved waiver",
    )


def _consent(r: Record) -> Missing | None:
    if r.get("d5_actions.customer_consent.agreed") is True:
        return None
    return Missing(
        "d5_actions.customer_consent.agreed",
        "措施执行前未取得客户同意",
        "The customer has not agreed to the measures",
    )


def _effective(r: Record) -> Missing | None:
    if r.get("d6_validation.effectiveness.effective") is True and _filled(
        r.get("d6_validation.effectiveness.verified_at")
    ):
        return None
    return Missing(
        "d6_validation.effectiveness",
        "D6 效果未验证有效（effective 与 verified_at）",
        "D6: effectiveness not verified (effective and verified_at)",
    )


def _horizontal(r: Record) -> Missing | None:
    decision = r.get("d7_prevention.horizontal_deployment.decision")
    reason = r.get("d7_prevention.horizontal_deployment.reason")
    if decision == "not_applicable" and _filled(reason):
        return None
    if decision == "required" and _items(r, "d7_prevention.horizontal_deployment.items"):
        return None
    return Missing(
        "d7_prevention.horizontal_deployment",
        "D7 水平展开未决定（required 加展开项，或 not_applicable 加原因）",
        "D7: horizontal deployment not decided (required with items, or "
        "not_applicable with a reason)",
    )


def _documents(r: Record) -> Missing | None:
    docs = _items(r, "d7_prevention.documents")
    if not docs:
        return Missing(
            "d7_prevention.documents",
            "D7 没有更新的标准文件（或写明不需要的原因）",
            "D7: no updated standard documents (or why none is needed)",
        )
    bad = [
        str(d.get("number") or d.get("type") or i + 1)
        for i, d in enumerate(docs)
        if not _filled(d.get("done_at")) and not _filled(d.get("not_needed_reason"))
    ]
    if bad:
        ids = ", ".join(bad)
        return Missing(
            "d7_prevention.documents",
            f"D7 文件未生效：{ids}",
            f"D7: documents not yet effective: {ids}",
        )
    return None


def _accepted(r: Record) -> Missing | None:
    if r.get("d8_closure.customer_accepted") is True:
        return None
    return Missing(
        "d8_closure.customer_accepted", "客户未确认接受", "The customer has not accepted"
    )


CHECKS: Mapping[str, Check] = {
    "d1_team": _d1_team,
    "d2_problem": _d2,
    "emergency_response": _need(
        "d0_emergency.actions", "D0 没有紧急措施", "D0: no emergency action"
    ),
    "d3_containment": _d3,
    "investigation_6m": _need(
        "d4_root_cause.investigation",
        "D4 没有人机料法环测变化点调查",
        "D4: no 6M change-point investigation",
    ),
    "root_cause_occurrence": _need(
        "d4_root_cause.occurrence", "D4 没有产生原因", "D4: no occurrence root cause"
    ),
    "root_cause_escape": _need(
        "d4_root_cause.escape", "D4 没有流出原因", "D4: no escape root cause"
    ),
    "root_causes_verified": _verified,
    "root_cause_confirmed": _need(
        "d4_root_cause.confirmed_at",
        "D4 根本原因确认时间为空",
        "D4: the root cause has no confirmation time",
    ),
    "actions_for_every_root_cause": _covered,
    "permanent_actions_done": _permanent_done,
    "preventive_action_or_waiver": _preventive,
    "customer_consent": _consent,
    "effectiveness_verified": _effective,
    "horizontal_deployment_decided": _horizontal,
    "documents_updated": _documents,
    "final_report_sent": _need(
        "d8_closure.final_report_at",
        "最终报告未发出（final_report_at）",
        "The final report has not been sent (final_report_at)",
    ),
    "customer_accepted": _accepted,
    "closure_date": _need("d8_closure.closed_at", "结案时间为空", "No closure time"),
    "cancellation_reason": _need("cancellation.reason", "取消原因为空", "No cancellation reason"),
}
"""Every check but ``approvals`` and ``approval`` (those need the policy and the grade)."""


def _approval(record: Record, role: str, subject: str, text: tuple[str, str]) -> Missing | None:
    entry = latest_decision(record, role, subject)
    if entry is not None and entry.get("decision") == "approved":
        return None
    got = "驳回" if entry is not None else "没有审批记录"
    got_en = "rejected" if entry is not None else "no approval yet"
    return Missing(
        "approvals",
        f"缺少 {role} 对 {subject} 的批准（{got}）：{text[0]}",
        f"Needs {role}'s approval of {subject} ({got_en}): {text[1]}",
    )


def _run(
    check: StageCheck, record: Record, policy: Policy, grade: str | None, status: str
) -> list[Missing]:
    if not holds(check.applies, record, grade):
        return []
    if check.name == "approval":
        found = _approval(record, check.role, check.subject, ("", ""))
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
        if found := _approval(record, rule.role, rule.subject, (rule.text.zh, rule.text.en)):
            out.append(found)
    return out


def check_stage(
    record: Record, policy: Policy, grade: str | None = None, status: str | None = None
) -> list[Diagnostic]:
    """What ``status`` (default: the record's) requires and the record lacks."""
    status = status if status is not None else record.get("status")
    if not isinstance(status, str):
        return []
    out = []
    for check in policy.stages.get(status, ()):
        for miss in _run(check, record, policy, grade, status):
            out.append(
                Diagnostic(
                    record.path,
                    f"stage-{check.name}",
                    f"状态为 {status}，但{miss.zh}",
                    f"Status is {status}, but {miss.en}",
                    field=miss.field,
                    hint_zh=f"填写 {miss.field}，或把状态改回前一阶段。",
                    hint_en=f"Fill in {miss.field}, or move the status back.",
                    severity=Severity.WARNING if check.severity == "warning" else Severity.ERROR,
                )
            )
    return out


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


def check_transition(
    policy: Policy, old: str, record: Record, grade: str | None = None
) -> Diagnostic | None:
    """A diagnostic when the record's status may not follow ``old`` (its base-branch status)."""
    new = record.get("status")
    if not isinstance(new, str) or transition_allowed(policy, old, new, record, grade):
        return None
    allowed = [
        s
        for s in ("registered", *LIFECYCLE[1:], "cancelled")
        if s != old and transition_allowed(policy, old, s, record, grade)
    ]
    ok = ", ".join(allowed) or "—"
    return Diagnostic(
        record.path,
        "status-transition",
        f"状态不能从 {old} 改为 {new}",
        f"Status cannot go from {old} to {new}",
        field="status",
        hint_zh=f"可改为：{ok}",
        hint_en=f"Allowed: {ok}",
    )
