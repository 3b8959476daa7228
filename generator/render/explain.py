"""The words of a milestone's explanation: its ``notes`` (facts, in order) as a sentence.

Compute (``generator.compute.deadlines``) records what happened as data; this module says it,
in Chinese or English. Times are already in the repository's zone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from generator.compute.deadlines import MilestoneResult
from generator.compute.events import span
from generator.time.workcal import Due


def _t(at: datetime) -> str:
    return at.isoformat(" ", "minutes")[:16]


def _note(n: tuple[Any, ...], en: bool, counted: Due | None) -> str:
    """One part of an explanation; datetimes are already in the repository's zone."""
    kind = n[0]
    if kind == "text":
        return str(n[2] if en else n[1])
    if kind == "start":  # only with a due counted from it
        due_zh, due_en = (counted.explanation, counted.explanation_en) if counted else ("", "")
        return (
            f"Starts at {n[2]}. {due_en.rstrip('.')}"
            if en
            else f"起算：{n[1]}。{due_zh.rstrip('。')}"
        )
    if kind == "wait":
        return f"Waiting for {n[2]}" if en else f"等待{n[1]}"
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
