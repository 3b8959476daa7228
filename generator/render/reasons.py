"""The words for why a record has its grade and what a penalty charges (the facts are
:class:`generator.compute.grading.Reason` and :class:`generator.compute.penalties.Penalty`)."""

from __future__ import annotations

from generator.compute.grading import Reason
from generator.compute.penalties import Penalty


def reason_text(r: Reason, lang: str) -> str:
    """One reason in ``lang`` (``zh`` or ``en``)."""
    en = lang == "en"
    if r.criterion == "declared" and r.text is None:
        if en:
            who = f" ({r.by})" if r.by is not None else ""
            return f"Declared stricter grade {r.grade} (computed {r.computed}){who}: {r.why}"
        who = f"（{r.by}）" if r.by is not None else ""
        return f"声明为更严格的级别 {r.grade}（计算为 {r.computed}）{who}：{r.why}"
    if r.criterion == "reopen" and r.text is None:
        name = r.grade_name.get(lang) if r.grade_name is not None else ""
        original = r.records[0] if r.records else ""
        if en:
            return f"Reopens {original}; keeps its grade {r.grade} {name}"
        return f"重开自 {original}，沿用其级别 {r.grade} {name}"
    if r.criterion == "imported" and r.text is None:
        name = r.grade_name.get(lang) if r.grade_name is not None else ""
        if en:
            return f"Imported history: the grade {r.grade} {name} its old ledger ({r.why}) recorded"
        return f"导入的历史记录：原台账（{r.why}）记录的级别 {r.grade} {name}"
    if r.text is None:
        return "No criterion of a more severe grade holds" if en else "不满足更严重级别的任何条件"
    text = r.text.get(lang)
    if not r.records:
        return text
    if en:
        return f"{text} (earlier records with the same key: {', '.join(r.records)})"
    return f"{text}（同键较早记录：{'、'.join(r.records)}）"


def penalty_text(p: Penalty, lang: str) -> str:
    """What a penalty charges, for which milestones, in ``lang``."""
    if lang == "en":
        items = ", ".join(f"{i} {n.en}" for i, n in zip(p.milestones, p.names, strict=True))
        return f"{p.rule_text.en}: {items} (grade {p.grade}, {p.amount:g} {p.currency})"
    items = "、".join(f"{i} {n.zh}" for i, n in zip(p.milestones, p.names, strict=True))
    return f"{p.rule_text.zh}：{items}（级别 {p.grade}，{p.amount:g} {p.currency}）"
