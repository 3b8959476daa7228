"""The words of stage completeness: what a status requires and a record lacks, and a status
move the policy refuses, as bilingual diagnostics.

The facts are :mod:`generator.compute.completeness`' (``StageGap``, ``Missing``, ``Refusal``);
``kesu validate`` (``validate.stages``) and ``kesu check`` (``change.rules``) report these.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from generator.common.diagnostics import Diagnostic, Severity
from generator.compute.completeness import (
    Missing,
    Refusal,
    StageGap,
    refused_transition,
    stage_gaps,
)

if TYPE_CHECKING:
    from generator.common.model import Record
    from generator.policy.types import Policy

MISSING: dict[str, tuple[str, str]] = {
    "no_leader": ("D1 小组没有组长", "D1: the team has no leader"),
    "no_members": ("D1 小组没有成员", "D1: the team has no members"),
    "no_problem": ("D2 问题描述为空", "D2: the problem is not described"),
    "no_emergency_action": ("D0 没有紧急措施", "D0: no emergency action"),
    "no_containment": (
        "D3 没有临时措施（或写明不适用的原因）",
        "D3: no containment actions (or a reason they do not apply)",
    ),
    "containment_open": ("D3 临时措施未完成：{ids}", "D3: containment actions not done: {ids}"),
    "no_investigation": ("D4 没有人机料法环测变化点调查", "D4: no 6M change-point investigation"),
    "no_occurrence_cause": ("D4 没有产生原因", "D4: no occurrence root cause"),
    "no_escape_cause": ("D4 没有流出原因", "D4: no escape root cause"),
    "no_root_cause": ("D4 没有根本原因", "D4: no root cause"),
    "root_causes_unverified": (
        "D4 根本原因未验证：{ids}（verification.verified）",
        "D4: root causes not verified: {ids} (verification.verified)",
    ),
    "no_confirmation": ("D4 根本原因确认时间为空", "D4: the root cause has no confirmation time"),
    "root_causes_unaddressed": (
        "D5 没有针对这些根本原因的永久措施：{ids}",
        "D5: no permanent action addresses root causes {ids}",
    ),
    "no_permanent_action": ("D5 没有永久措施", "D5: no permanent actions"),
    "permanent_actions_open": ("D5 永久措施未完成：{ids}", "D5: permanent actions not done: {ids}"),
    "no_preventive_action": (
        "没有预防措施，也没有经批准的免除",
        "No preventive action and no approved waiver",
    ),
    "no_customer_consent": (
        "措施执行前未取得客户同意",
        "The customer has not agreed to the measures",
    ),
    "not_effective": (
        "D6 效果未验证有效（effective 与 verified_at）",
        "D6: effectiveness not verified (effective and verified_at)",
    ),
    "horizontal_undecided": (
        "D7 水平展开未决定（required 加展开项，或 not_applicable 加原因）",
        "D7: horizontal deployment not decided (required with items, or "
        "not_applicable with a reason)",
    ),
    "no_documents": (
        "D7 没有更新的标准文件（或写明不需要的原因）",
        "D7: no updated standard documents (or why none is needed)",
    ),
    "documents_pending": ("D7 文件未生效：{ids}", "D7: documents not yet effective: {ids}"),
    "no_final_report": (
        "最终报告未发出（final_report_at）",
        "The final report has not been sent (final_report_at)",
    ),
    "not_accepted": ("客户未确认接受", "The customer has not accepted"),
    "no_closure_time": ("结案时间为空", "No closure time"),
    "no_cancellation_reason": ("取消原因为空", "No cancellation reason"),
}
"""What each ``Missing.what`` says; ``{ids}``: the items concerned."""


def missing_text(miss: Missing) -> tuple[str, str]:
    """What the record lacks, in Chinese and English."""
    if (a := miss.approval) is not None:
        got_zh, got_en = ("驳回", "rejected") if a.rejected else ("没有审批记录", "no approval yet")
        zh, en = (a.text.zh, a.text.en) if a.text is not None else ("", "")
        return (
            f"缺少 {a.role} 对 {a.subject} 的批准（{got_zh}）：{zh}",
            f"Needs {a.role}'s approval of {a.subject} ({got_en}): {en}",
        )
    ids = ", ".join(miss.items)
    zh, en = MISSING[miss.what]
    return zh.format(ids=ids), en.format(ids=ids)


def gap_diagnostic(path: str, gap: StageGap) -> Diagnostic:
    """One stage gap of the record at ``path`` (no line: the caller locates the field)."""
    miss = gap.missing
    zh, en = missing_text(miss)
    return Diagnostic(
        path,
        f"stage-{gap.check}",
        f"状态为 {gap.status}，但{zh}",
        f"Status is {gap.status}, but {en}",
        field=miss.field,
        hint_zh=f"填写 {miss.field}，或把状态改回前一阶段。",
        hint_en=f"Fill in {miss.field}, or move the status back.",
        severity=Severity.WARNING if gap.warning else Severity.ERROR,
    )


def check_stage(
    record: Record, policy: Policy, grade: str | None = None, status: str | None = None
) -> list[Diagnostic]:
    """What ``status`` (default: the record's) requires and the record lacks, as diagnostics."""
    return [gap_diagnostic(record.path, g) for g in stage_gaps(record, policy, grade, status)]


def transition_diagnostic(path: str, refusal: Refusal) -> Diagnostic:
    ok = ", ".join(refusal.allowed) or "—"
    return Diagnostic(
        path,
        "status-transition",
        f"状态不能从 {refusal.old} 改为 {refusal.new}",
        f"Status cannot go from {refusal.old} to {refusal.new}",
        field="status",
        hint_zh=f"可改为：{ok}",
        hint_en=f"Allowed: {ok}",
    )


def check_transition(
    policy: Policy, old: str, record: Record, grade: str | None = None
) -> Diagnostic | None:
    """A diagnostic when the record's status may not follow ``old`` (its base-branch status)."""
    refusal = refused_transition(policy, old, record, grade)
    return None if refusal is None else transition_diagnostic(record.path, refusal)
