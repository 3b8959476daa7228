"""The words of deadlines: a milestone's explanation (its ``notes``, facts in order, as a
sentence), an event's name, a span of time, why a record is cancelled.

Compute (``generator.compute.deadlines`` and ``events``) records what happened as data; this
module says it, in Chinese or English. Times are already in the repository's zone.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from generator.compute.deadlines import CancelReason, MilestoneResult
from generator.compute.events import EventName
from generator.time.workcal import Due

_UNITS = {
    "hours": ("小时", "hours"),
    "working_hours": ("工作小时", "working hours"),
    "natural_days": ("自然日", "natural days"),
    "working_days": ("工作日", "working days"),
}

_DUE_UNITS = {
    "hours": ("个小时", "hours"),
    "working_hours": ("个工作小时", "working hours"),
    "natural_days": ("个自然日", "natural days"),
    "working_days": ("个工作日", "working days"),
}
_PASSED = {
    "weekend": ("跳过周末", "weekend days skipped"),
    "holiday": ("跳过法定假日", "public holidays skipped"),
    "shutdown": ("跳过公司停工日", "company shutdown days skipped"),
    "makeup": ("计入调休上班日", "make-up working days counted"),
}


def _t(at: datetime) -> str:
    return at.isoformat(" ", "minutes")[:16]


def span(delta: timedelta) -> tuple[str, str]:
    """A span of time in Chinese and English, to the minute (``2天3小时``, ``2 d 3 h``)."""
    minutes = int(delta.total_seconds() // 60)
    d, rest = divmod(minutes, 1440)
    h, m = divmod(rest, 60)
    zh = "".join(f"{n}{u}" for n, u in ((d, "天"), (h, "小时"), (m, "分钟")) if n) or "0分钟"
    en = " ".join(f"{n} {u}" for n, u in ((d, "d"), (h, "h"), (m, "min")) if n) or "0 min"
    return zh, en


def due_text(due: Due, lang: str) -> str:
    """How a due was counted, in ``lang``: from when, how long, the days skipped, and
    whether a year's official calendar was missing (an estimate)."""
    en = lang == "en"
    amount, unit, at, years = due.amount, due.unit, due.at, due.unpublished_years
    t0, t1 = f"{due.start:%Y-%m-%d %H:%M}", f"{at:%Y-%m-%d %H:%M}"
    unit_zh, unit_en = _DUE_UNITS[unit]
    text = (
        f"{amount:g} {unit_en} from {t0} ({due.zone}): due {t1}"
        if en
        else f"自 {t0}（{due.zone}）起 {amount:g} {unit_zh}，截止 {t1}"
    )
    if unit == "working_days" and amount:
        text += " (end of day; the start day does not count)" if en else "（当日结束，起算日不计）"
    parts = []
    for kind, n in due.passed:
        zh_k, en_k = _PASSED[kind]
        part = f"{en_k}: {n}" if en else f"{zh_k} {n} 天"
        if kind == "holiday":
            holidays = [h[1] if en else h[0] for h in due.holidays]
            part += f" ({', '.join(holidays)})" if en else f"（{'、'.join(holidays)}）"
        parts.append(part)
    if parts:
        text += "; " + ", ".join(parts) if en else "；" + "，".join(parts)
    if years:
        ys = ", ".join(map(str, years))
        text += (
            f". The official calendar for {ys} is not published yet: weekends only, estimate"
            if en
            else f"。{ys} 年的官方放假安排尚未发布，该年仅按周末估算"
        )
    return text + ("." if en else "。")


def event_label(name: EventName, lang: str) -> str:
    """An event's name in ``lang``: a policy event's own name, a field path, or the first /
    the later of several."""
    en = lang == "en"
    if name.kind in ("ref", "field"):
        return name.en if en else name.zh
    parts = [event_label(c, lang) for c in name.children]
    if en:
        joined = ", ".join(parts)
        return f"the first of {joined}" if name.kind == "first_of" else f"the later of {joined}"
    joined = "、".join(parts)
    return f"{joined}中最先有的" if name.kind == "first_of" else f"{joined}中较晚的"


def start_event(m: MilestoneResult) -> str:
    """The start event as the export names it: its policy name or field path, else (a
    ``first_of`` / ``later_of``) its English label."""
    if m.start_event or m.start_name is None:
        return m.start_event
    return event_label(m.start_name, "en")


def cancel_text(r: CancelReason, lang: str) -> str:
    """Why the record is cancelled (or ran again), in ``lang``."""
    en = lang == "en"
    if r.kind == "manual":
        return f"Cancelled: {r.why}" if en else f"记录已取消：{r.why}"
    assert r.awaited is not None and r.duration is not None
    assert r.start_at is not None and r.cancel_at is not None
    what = event_label(r.awaited, lang)
    n = f"{r.duration.amount:g}"
    unit = _UNITS[r.duration.unit][1 if en else 0]
    cancel_at = _t(r.cancel_at)
    if r.kind == "restarted":
        arrived = _t(r.arrived_at) if r.arrived_at is not None else "—"
        if en:
            return (
                f"Cancelled at {cancel_at} ({what} not within {n} {unit}); {what} came "
                f"at {arrived}, so the record runs again and open clocks restart from then"
            )
        return (
            f"{cancel_at} 因{n}{unit}内未等到{what}而取消；{what}于 "
            f"{arrived} 到达，记录重新执行，未完成的时限自该时刻重新起算"
        )
    rule = r.rule.get(lang) if r.rule is not None else ""
    start = _t(r.start_at)
    if en:
        return f"{rule}. {n} {unit} from {start}: no {what} by {cancel_at}, cancelled"
    return f"{rule}。自 {start} 起 {n}{unit}，至 {cancel_at} 未等到{what}，自动取消"


def _note(n: tuple[Any, ...], en: bool, counted: Due | None) -> str:
    """One part of an explanation; datetimes are already in the repository's zone."""
    kind = n[0]
    if kind == "text":  # the policy's own words
        return str(n[2] if en else n[1])
    if kind == "not_applicable":
        return (
            f"Does not apply to this record (grade {n[1]})"
            if en
            else f"不适用于此记录（级别 {n[1]}）"
        )
    if kind == "no_variant":
        return f"No variant applies (grade {n[1]})" if en else f"没有适用的变体（级别 {n[1]}）"
    if kind == "start":  # only with a due counted from it
        due_zh, due_en = (due_text(counted, "zh"), due_text(counted, "en")) if counted else ("", "")
        what = event_label(n[1], "en" if en else "zh")
        return (
            f"Starts at {what}. {due_en.rstrip('.')}"
            if en
            else f"起算：{what}。{due_zh.rstrip('。')}"
        )
    if kind == "wait":
        what = event_label(n[1], "en" if en else "zh")
        return f"Waiting for {what}" if en else f"等待{what}"
    if kind == "restart":
        return (
            f"the record restarted at {_t(n[1])}; counted from then"
            if en
            else f"记录于 {_t(n[1])} 重新执行，自该时刻起算"
        )
    if kind == "customer":
        return (
            f"the customer's deadline {_t(n[1])} applies"
            if en
            else f"以客户要求期限 {_t(n[1])} 为准"
        )
    if kind == "extended":
        _, new, by, why, old = n
        return (
            f"extended to {_t(new)}, approved by {by} ({why}); was {_t(old)}"
            if en
            else f"经 {by} 批准延期至 {_t(new)}（{why}），原期限 {_t(old)}"
        )
    if kind == "ignored":
        return (
            f"the extension to {_t(n[1])} is not later, so it is ignored"
            if en
            else f"延期至 {_t(n[1])} 不晚于现期限，未采用"
        )
    if kind == "done":
        if n[2] is None:
            return (
                f"done {_t(n[1])} (no start time: timeliness unknown)"
                if en
                else f"{_t(n[1])} 完成（无起算时间，无法判断是否按时）"
            )
        return f"done {_t(n[1])}, on time" if en else f"{_t(n[1])} 完成，按时"
    if kind == "late":
        return (
            f"done {_t(n[1])}, {span(n[2])[1]} late"
            if en
            else f"{_t(n[1])} 完成，延迟 {span(n[2])[0]}"
        )
    if kind == "overdue":
        return f"overdue by {span(n[1])[1]}" if en else f"已逾期 {span(n[1])[0]}"
    if kind == "closed":
        return (
            f"the record closed {_t(n[1])} before this was due"
            if en
            else f"记录已于 {_t(n[1])} 结案，此节点不再计时"
        )
    if kind == "missed":
        return (
            f"not done when the record closed {_t(n[1])}, {span(n[2])[1]} after the due"
            if en
            else f"记录于 {_t(n[1])} 结案时仍未完成，已超期 {span(n[2])[0]}"
        )
    return "the record is cancelled" if en else "记录已取消"


def explanation(m: MilestoneResult, lang: str) -> str:
    """The milestone's explanation in ``lang`` (``zh`` or ``en``)."""
    en = lang == "en"
    return ("; " if en else "；").join(_note(n, en, m.counted) for n in m.notes) + (
        "." if en else "。"
    )
