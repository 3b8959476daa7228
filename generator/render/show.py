"""``kesu show``: a short, plain-text account of one record's computed facts for the terminal."""

from __future__ import annotations

from datetime import datetime

from generator.common.textrules import scrub
from generator.compute.records import Computed
from generator.render.explain import cancel_text, span
from generator.render.labels import enum_label
from generator.render.reasons import reason_text

_STATES = {
    "pending": ("待办", "pending"),
    "due_soon": ("即将到期", "due soon"),
    "overdue": ("已逾期", "overdue"),
    "done_on_time": ("按时完成", "done on time"),
    "done_late": ("延迟完成", "done late"),
    "not_applicable": ("不适用", "not applicable"),
    "cancelled": ("已取消", "cancelled"),
    "missed": ("结案时未完成", "not done at closure"),
}


def explain(c: Computed, lang: str = "zh") -> str:
    """A short, plain-text account of one record for the terminal."""
    en = lang == "en"
    g = c.grade
    name = g.name_en if en else g.name_zh
    lines = [
        f"{c.record_id}  "
        + (
            f"grade {g.grade} {name} (by facts: {g.fact_grade})"
            if en
            else f"级别 {g.grade} {name}（按事实：{g.fact_grade}）"
        )
    ]
    if g.declared_status in ("looser", "unknown"):
        why = "更宽松" if g.declared_status == "looser" else "不是本策略的级别"
        lines.append(
            f"  ! declared grade {g.declared} ignored ({g.declared_status})"
            if en
            else f"  ! 声明级别 {g.declared} 未采用（{why}）"
        )
    lines.append("Reasons:" if en else "原因：")
    lines += [f"  - [{r.criterion or '-'}] {reason_text(r, lang)}" for r in g.reasons]
    if c.not_a_complaint_zh:
        lines.append(f"  * {c.not_a_complaint_en if en else c.not_a_complaint_zh}")
    if c.cancel_reason is not None:
        lines.append(f"  * {cancel_text(c.cancel_reason, lang)}")
    if c.reopen_suggested:
        ids = ", ".join(c.reopen_suggested)
        lines.append(
            f"  * same problem after closure of {ids}: reopen it"
            if en
            else f"  * {ids} 结案后同一问题再发生：应重开"
        )
    head = (
        ("Milestone", "Start", "Due", "Done", "State")
        if en
        else ("节点", "起算", "期限", "完成", "状态")
    )
    rows = [head]
    for m in c.milestones:
        state = _STATES[m.state][1 if en else 0]
        if m.late_by is not None:
            state += f" {span(m.late_by)[1 if en else 0]}"
        if m.estimated:
            state += " (estimate)" if en else "（估算）"
        if m.due_source != "policy":
            source = {
                "customer": ("客户期限", "customer deadline"),
                "extension": ("已延期", "extended"),
            }.get(m.due_source, (m.due_source,) * 2)
            was = _t(m.original_due_at)
            state += f" [{source[1]}; policy due {was}]" if en else f"［{source[0]}；原期限 {was}］"
        rows.append(
            (
                f"{m.id} {m.name_en if en else m.name_zh}",
                _t(m.start_at),
                _t(m.due_at),
                _t(m.done_at),
                state,
            )
        )
    widths = [max(_width(r[i]) for r in rows) for i in range(4)]
    lines.append("Deadlines:" if en else "时限：")
    lines += [
        "  "
        + "  ".join(
            cell + " " * (widths[i] - _width(cell)) if i < 4 else cell for i, cell in enumerate(r)
        ).rstrip()
        for r in rows
    ]
    for a in c.required_approvals:
        if en:
            state = a.decision or "missing"
            lines.append(f"Approval {a.role}/{a.subject} before {a.stage}: {state}")
            continue
        # In Chinese, in words: the policy's text, the status and the decision by their names.
        state = enum_label("approvals[].decision", a.decision, lang) if a.decision else "未审批"
        who = f"{a.by or ''} {a.at or ''}".strip()
        what = a.text_zh or f"{a.role} 审批 {a.subject}"
        stage = enum_label("status", a.stage, lang)
        lines.append(f"审批：{what}（{stage}之前）：{state}{'，' + who if who else ''}")
    for p in c.penalties:
        who = p.charged_to or ("?" if en else "未指定")
        lines.append(
            f"Penalty {p.amount:g} {p.currency} → {who} ({p.month})"
            if en
            else f"罚款 {p.amount:g} {p.currency} → {who}（{p.month}）"
        )
    # Policy names and record values reach the terminal: no control or bidi character does.
    return scrub("\n".join(lines)) + "\n"


def _t(at: datetime | None) -> str:
    """Times are already in the repository's zone (the calendar's)."""
    return "—" if at is None else f"{at:%Y-%m-%d %H:%M}"


def _width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(
        2
        if "\u2e80" <= ch <= "\ua4cf" or "\uac00" <= ch <= "\ud7a3" or "\uff00" <= ch <= "\uff60"
        else 1
        for ch in text
    )
