"""Words of the site's own interface (record fields are labelled from the schema instead)."""

from __future__ import annotations

_UI: dict[str, tuple[str, str]] = {
    "home": ("客诉看板", "Complaints dashboard"),
    "ledger": ("客诉台账", "Complaint ledger"),
    "ledger_year": ("{year} 年客诉台账", "Complaint ledger {year}"),
    "weekly": ("周报", "Weekly summaries"),
    "week_title": ("{year} 年第 {week} 周客诉汇总跟进", "Week {week}, {year}: complaint follow-up"),
    "analysis": ("分析", "Analysis"),
    "quarter_title": ("{year} 年第 {q} 季度分析", "Analysis {year} Q{q}"),
    "scorecards": ("客户与部门", "Customers and departments"),
    "customer": ("客户", "Customer"),
    "department": ("部门", "Department"),
    "policy": ("处理规则", "Policy"),
    "calendar": ("日历订阅", "Calendar feeds"),
    "open": ("未结案", "Open"),
    "overdue": ("已超期", "Overdue"),
    "due_this_week": ("本周到期", "Due this week"),
    "closed_this_month": ("本月结案", "Closed this month"),
    "on_time_rate": ("按时率", "On-time rate"),
    "mean_close": ("平均结案天数", "Mean days to close"),
    "days": ("天", "days"),
    "days_late": ("超期天数", "Days late"),
    "days_open": ("已开天数", "Days open"),
    "next_due": ("下一期限", "Next deadline"),
    "grade": ("级别", "Grade"),
    "owner": ("责任人", "Owner"),
    "overdue_list": ("超期清单", "Overdue items"),
    "recent": ("最近接收", "Recently received"),
    "none": ("无", "None"),
    "yes": ("是", "yes"),
    "imported_badge": ("导入", "imported"),
    "of_which_imported": ("其中导入的历史记录", "of which imported history"),
    "imported_title": ("从原有台账导入的历史记录", "History imported from an existing ledger"),
    "no": ("否", "no"),
    "all_years": ("各年度台账", "Ledger by year"),
    "download": ("下载", "Download"),
    "filter": ("筛选…", "Filter…"),
    "shown": ("显示", "Shown"),
    "milestone": ("节点", "Milestone"),
    "due": ("期限", "Due"),
    "done": ("完成", "Done"),
    "state": ("状态", "State"),
    "start": ("起算", "Starts"),
    "explanation": ("说明", "How computed"),
    "estimated": (
        "按周末估算（该年官方日历未发布）",
        "estimated (weekends only; calendar not published)",
    ),
    "estimated_title": ("估算的期限", "Estimated deadlines"),
    "estimated_intro": (
        "以下期限跨越了官方放假安排尚未录入的年份，只按周末计算（标 *）。"
        "该年份录入后（kesu calendar add）重新构建，这些期限按官方日历重算；请逐条复核。",
        "These deadlines cross a year whose official calendar is not in yet and count weekends "
        "only (marked *). Once the year is added (kesu calendar add) and the site rebuilt, "
        "they are computed with the official calendar: recheck each one.",
    ),
    "calendar_missing": (
        "{year} 年的官方放假安排尚未录入，跨入该年的工作日期限只按周末估算。通知发布后运行：",
        "The official calendar for {year} is not in yet: working-day deadlines that reach it "
        "count weekends only. When the notice is out, run:",
    ),
    "estimated_count": ("{n} 个期限为估算", "{n} estimated deadline(s)"),
    "grade_reasons": ("定级理由", "Why this grade"),
    "deadlines": ("期限", "Deadlines"),
    "history": ("修订历史", "Revision history"),
    "late_entries": ("补录的完成时间", "Completion times entered after the fact"),
    "late_entries_note": (
        "这些完成时间早于录入它们的改动所依据的主分支版本：是事后补录的，"
        "下表注明主分支首次记录它们的提交。",
        "These completion times are earlier than the main-branch version the change that "
        "entered them was based on: they were written down afterwards; the table shows the "
        "commit that first recorded them on the main branch.",
    ),
    "recorded_on": ("录入于", "Recorded on"),
    "field": ("字段", "Field"),
    "no_history": (
        "无 Git 历史（不是 Git 仓库或尚未提交）。",
        "No Git history (not a Git repository, or not committed yet).",
    ),
    "date": ("日期", "Date"),
    "author": ("作者", "Author"),
    "message": ("说明", "Message"),
    "related": ("关联记录", "Related records"),
    "linked_from": ("被以下记录引用", "Referenced by"),
    "reopened_as": ("重开为", "Reopened as"),
    "built_from": ("构建自提交", "Built from commit"),
    "built_at": ("构建时间", "Built at"),
    "as_of": ("统计时点", "As of"),
    "new": ("本周新增", "New this week"),
    "closed": ("本周结案", "Closed this week"),
    "rolled_over": ("往周延续未结案", "Still open from earlier weeks"),
    "due_next_week": ("下周到期", "Due next week"),
    "passed_this_week": ("本周到期的节点", "Deadlines that fell this week"),
    "by_department_grade": ("未结案：按部门与级别", "Open: by department and grade"),
    "count": ("数量", "Count"),
    "total": ("合计", "Total"),
    "week": ("周", "Week"),
    "weeks_index": ("各周汇总", "All weeks"),
    "pareto_defect": ("不良代码柏拉图", "Pareto of defect codes"),
    "pareto_6m": ("根本原因 6M 柏拉图", "Pareto of root-cause 6M classes"),
    "trend": ("月度趋势：客诉数量与按时率", "Monthly trend: complaints and on-time rate"),
    "top_customers": ("客诉最多的客户", "Top customers"),
    "top_products": ("客诉最多的产品", "Top products"),
    "recurrences": ("重复发生", "Recurrences"),
    "penalties": ("部门考核（罚款）", "Penalties by department"),
    "month": ("月份", "Month"),
    "quarters": ("各季度", "Quarters"),
    "cumulative": ("累计占比", "Cumulative share"),
    "complaints": ("客诉", "Complaints"),
    "amount": ("金额", "Amount"),
    "items": ("项", "items"),
    "records": ("记录", "Records"),
    "grades": ("级别与判定条件", "Grades and their criteria"),
    "deadline_table": ("时限", "Deadlines"),
    "approvals_rules": ("审批要求", "Approvals"),
    "readings": ("解读（可在策略文件中修改）", "Readings (changeable in the policy file)"),
    "otherwise": ("不满足以上任何级别条件时", "when no criterion of a stricter grade holds"),
    "all_feed": ("全部未完成期限", "All open deadlines"),
    "feed_hint": (
        "在 Outlook 或手机日历中“从 URL 订阅”，或下载后导入。",
        "Subscribe from Outlook or a phone calendar (add from URL), or download and import.",
    ),
    "unassigned": ("（未指定）", "(unassigned)"),
    "status_open_overdue": ("超期", "overdue"),
    "print_hint": ("打印本页即得 A4 8D 报告。", "Print this page for an A4 8D report."),
    "attachments_none": ("无附件", "No attachments"),
    "why": ("为什么", "Why"),
    "six_m": ("6M 分类", "6M class"),
    "no_policy": ("未加载处理规则。", "No policy loaded."),
    "on_time_note": (
        "按时率 = 本期到期（或已完成）的节点中按时完成的比例。",
        "On-time rate = share of milestones due in the period that were done by their due time.",
    ),
}

COMMON_ROLES: dict[str, tuple[str, str]] = {
    "manager": ("责任部门经理", "Responsible department's manager"),
    "quality_manager": ("品质经理", "Quality manager"),
    "gm": ("总经理", "General manager"),
    "customer": ("客户", "Customer"),
    "qe": ("品质工程师", "Quality engineer"),
    "fae": ("FAE", "FAE"),
}

STATES: dict[str, tuple[str, str]] = {
    "pending": ("进行中", "pending"),
    "due_soon": ("即将到期", "due soon"),
    "overdue": ("已超期", "overdue"),
    "done_on_time": ("按时完成", "done on time"),
    "done_late": ("延迟完成", "done late"),
    "not_applicable": ("不适用", "not applicable"),
    "cancelled": ("已取消", "cancelled"),
    "missed": ("结案时未完成", "not done at closure"),
}


def t(key: str, lang: str, **kw: object) -> str:
    zh, en = _UI[key]
    text = en if lang == "en" else zh
    return text.format(**kw) if kw else text


def state_label(state: str, lang: str) -> str:
    zh, en = STATES.get(state, (state, state))
    return en if lang == "en" else zh


def pick(zh: object, en: object, lang: str) -> str:
    """The text in ``lang``, falling back to the other language."""
    first, second = (en, zh) if lang == "en" else (zh, en)
    return str(first or second or "")
