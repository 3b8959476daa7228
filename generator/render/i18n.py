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
    "open_records": ("未结案记录", "Open records"),
    "overdue_records": ("超期记录", "Overdue records"),
    "overdue_milestones": ("超期节点", "Overdue milestones"),
    "stalled_records": ("停滞记录", "Stalled records"),
    "stalled_note": (
        "未结案、没有未完成的到期节点、且多日没有任何改动（Git 提交或记录中的时间）的记录；"
        "天数在 kesu.yaml 的 site.stalled_days（按状态：site.stalled_days_by_status）中设置。",
        "Open records with no open milestone due and no change (a Git commit or a time in the "
        "record) for days; the days are set in kesu.yaml, site.stalled_days (per status: "
        "site.stalled_days_by_status).",
    ),
    "agenda": ("会议议程：每条未结案客诉", "Meeting agenda: every open complaint"),
    "agenda_note": (
        "本周进展来自 Git（状态变化）与记录中的完成时间；下一步是最先到期的未完成节点或措施。"
        "“结转”表示同一下一步在之前几周的周报中已经是下一步。",
        "This week's progress comes from Git (status moves) and the completion times in the "
        "record; the next step is the open milestone or action due first. Rolled over: the "
        "same next step was already the next step on that many earlier weekly pages.",
    ),
    "agenda_happened": ("本周进展", "This week"),
    "agenda_next": ("下一步", "Next step"),
    "agenda_rolled": ("结转", "Rolled over"),
    "agenda_rolled_weeks": ("已结转 {n} 周", "rolled over {n} week(s)"),
    "agenda_nothing": ("本周无进展", "no progress this week"),
    "agenda_moved": ("状态：{was} → {now}", "status: {was} → {now}"),
    "agenda_entered": ("录入仓库（{now}）", "entered the repository ({now})"),
    "agenda_milestone_done": ("完成节点：{name}", "milestone done: {name}"),
    "agenda_action_done": ("完成措施 {id}：{text}", "action {id} done: {text}"),
    "last_change": ("最后改动", "Last change"),
    "days_unchanged": ("无改动天数", "Days unchanged"),
    "stalled_limit": ("超过 {n} 天无改动即为停滞", "stalled after {n} days without change"),
    "has_overdue": ("有超期节点", "Has overdue milestones"),
    "overdue": ("已超期", "Overdue"),
    "due_this_week": ("本周到期节点", "Milestones due this week"),
    "closed_this_month": ("本月结案记录", "Records closed this month"),
    "on_time_rate": ("按时率", "On-time rate"),
    "mean_close": ("平均结案天数", "Mean days to close"),
    "days": ("天", "days"),
    "days_late": ("超期时长", "Late by"),
    "late_days": ("{n} 天", "{n} d"),
    "late_hours": ("{n} 小时", "{n} h"),
    "days_open": ("已开天数", "Days open"),
    "next_due": ("下一期限", "Next deadline"),
    "grade": ("级别", "Grade"),
    "owner": ("责任人", "Owner"),
    "overdue_list": ("超期节点清单", "Overdue milestones"),
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
    "filter_hint": (
        "输入一个或多个词（空格分隔），只显示全部包含这些词的行",
        "One or more words (space-separated): only rows containing every word are shown",
    ),
    "filter_words": ("筛选", "Filter"),
    "filter_all": ("全部", "All"),
    "all_open": ("全部未结案", "All open"),
    "unfiltered": ("未筛选：全部记录", "Not filtered: every record"),
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
    "corrected_from": ("（已更正，原为 {was}）", "(corrected, was {was})"),
    "approved_by": ("批准", "Approved by"),
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
    "same_problem_key": ("问题键相同", "same problem key"),
    "built_from": ("构建自提交", "Built from commit"),
    "customer_report": ("客户版 8D 报告", "Customer 8D report"),
    "report_profile": ("格式", "profile"),
    "sent_reports": ("已发送给客户", "Sent to the customer"),
    "built_at": ("构建时间", "Built at"),
    "as_of": ("统计时点", "As of"),
    "new": ("本周新增记录", "Records new this week"),
    "closed": ("本周结案记录", "Records closed this week"),
    "received_records": ("接收记录", "Records received"),
    "closed_records": ("结案记录", "Records closed"),
    "rolled_over": ("往周延续未结案记录", "Records still open from earlier weeks"),
    "due_next_week": ("下周到期节点", "Milestones due next week"),
    "passed_this_week": ("本周到期的节点", "Deadlines that fell this week"),
    "by_department_grade": ("未结案记录：按部门与级别", "Open records: by department and grade"),
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
    "defect_name": ("不良名称", "Defect name"),
    "complaint_records": ("客诉记录", "Complaint records"),
    "cause_count": ("原因条数", "Causes"),
    "amount": ("金额", "Amount"),
    "items": ("项", "items"),
    "records": ("记录", "Records"),
    "grades": ("级别与判定条件", "Grades and their criteria"),
    "deadline_table": ("时限", "Deadlines"),
    "approvals_rules": ("审批要求", "Approvals"),
    "readings": ("解读（可在策略文件中修改）", "Readings (changeable in the policy file)"),
    "otherwise": ("不满足以上任何级别条件时", "when no criterion of a stricter grade holds"),
    "all_feed": ("全部未完成期限", "All open deadlines"),
    "feed_intro": (
        "每个文件列出未完成节点的期限（本网站构建时的状态），每个期限提前 {hours} 小时提醒，"
        "事件中附 8D 页面的链接。",
        "Each file lists the open milestones' deadlines (as of this site's build), with a "
        "reminder {hours} hours before each and the link to its 8D page.",
    ),
    "feed_zip": (
        "网站以 zip 包发布（默认）：导入文件。",
        "The site is a zip (the default): import the files.",
    ),
    "feed_zip_how": (
        "下载 .ics，在 Outlook 中“文件 → 打开和导出 → 导入/导出 → 导入 iCalendar”，手机上用"
        "日历应用打开该文件。导入的日历不会自动更新：每次拿到新的网站包后重新导入（同一节点的"
        "事件按 UID 更新，不会重复）。要订阅，请把网站部署到内网服务器，并在 kesu.yaml 写 "
        "site.url。",
        "Download the .ics; in Outlook use File → Open & Export → Import/Export → Import an "
        "iCalendar file; on a phone open the file with the calendar app. An imported calendar "
        "does not update itself: import again from each new site archive (events of the same "
        "milestone are updated by their UID, not duplicated). To subscribe, serve the site on "
        "an intranet server and set site.url in kesu.yaml.",
    ),
    "feed_served": ("网站部署在服务器上：订阅地址。", "The site is served: subscribe by URL."),
    "feed_served_how": (
        "复制下表的订阅地址，在 Outlook 中“添加日历 → 从 Internet”，在 iPhone 上“设置 → 日历 → "
        "账户 → 添加已订阅的日历”，日历随网站的每次构建更新。",
        "Copy the URL below; in Outlook use Add calendar → From Internet, on an iPhone "
        "Settings → Calendar → Accounts → Add Subscribed Calendar; the calendar follows each "
        "build of the site.",
    ),
    "feed_url": ("订阅地址", "Subscription URL"),
    "milestone_count": ("未完成节点", "Open milestones"),
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
