"""Recurrence suggestions in words: a warning on the record (``kesu check``), lines for
``kesu new``, rows for the pull request's summary. The facts are ``recurrence.Suggestion``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from generator.common.diagnostics import Diagnostic, Severity
from generator.compute.recurrence import Suggestion, suggest
from generator.load.yamlload import locate

if TYPE_CHECKING:
    from generator.pipeline import Analysis
    from generator.policy.conditions import Window

CODE = "recurrence-suggested"
_WHAT = {
    "problem_key": ("问题键相近", "near-equal problem key"),
    "customer": ("同一客户", "same customer"),
    "part_number": ("同一料号", "same part number"),
    "defect_code": ("不良代码相近", "similar defect code"),
    "description": ("描述相近", "similar description"),
}


def for_records(analysis: Analysis, paths: Sequence[str]) -> list[Suggestion]:
    """Suggestions for the valid records at ``paths`` (the ones a change adds or edits)."""
    if analysis.policy is None or analysis.calendar is None:
        return []
    wanted = set(paths)
    valid = [r for r in analysis.validation.records.records if r.valid]
    targets = [r for r in valid if r.path in wanted]
    return suggest(targets, valid, analysis.policy, analysis.calendar.tz) if targets else []


def _window(w: Window, en: bool) -> str:
    if w.months:
        return f"{w.months} months" if en else f"{w.months} 个月"
    return f"{w.days} days" if en else f"{w.days} 天"


def why(s: Suggestion, lang: str) -> str:
    en = lang == "en"
    parts = [f"{_WHAT[a.what][1 if en else 0]} {a.similarity:.2f}" for a in s.alike]
    return ", ".join(parts) if en else "，".join(parts)


def _keys(s: Suggestion) -> str:
    return ", ".join(" + ".join(k) for k in s.apart)


def message(s: Suggestion, lang: str) -> str:
    en = lang == "en"
    window = _window(s.windows[0], en)
    if en:
        text = (
            f"Probably the same problem as the earlier {s.earlier} ({why(s, lang)}; within "
            f"{window}), not counted together by {_keys(s)}"
        )
        if s.link and s.grade_if_linked:
            text += (
                f": written alike, this record would be grade {s.grade_if_linked} (now {s.grade})"
            )
        return text
    text = (
        f"可能与较早的 {s.earlier} 是同一问题（{why(s, lang)}；{window}内），"
        f"但 {_keys(s)} 不同，未合并计数"
    )
    if s.link and s.grade_if_linked:
        text += f"：写法一致后，本记录级别为 {s.grade_if_linked}（现为 {s.grade}）"
    return text


def _fields(s: Suggestion, en: bool) -> str:
    sep = ", " if en else "，"
    return sep.join(f"{path}: {value}" for path, value in s.link)


def hint(s: Suggestion, lang: str) -> str:
    fields = _fields(s, lang == "en")
    if lang == "en":
        same = (
            f"write {fields} as {s.earlier} has it (escalation counts by {_keys(s)})"
            if fields
            else f"fill in {_keys(s)} alike on both records"
        )
        return (
            f"Same problem: {same}, and record it in links: {{id: {s.earlier}, relation: "
            f"recurrence}}. Not the same: add distinct_from: [{{id: {s.earlier}, reason: …}}] "
            "and this is not suggested again. A suggestion never changes a grade."
        )
    same = (
        f"按 {s.earlier} 的写法填写 {fields}（升级按 {_keys(s)} 计数）"
        if fields
        else f"在两条记录中把 {_keys(s)} 写成一致"
    )
    return (
        f"同一问题：{same}，并在 links 记下 {{id: {s.earlier}, relation: recurrence}}；"
        f"不是同一问题：加 distinct_from: [{{id: {s.earlier}, reason: …}}]，不再提示。"
        "提示从不改变级别。"
    )


def as_diagnostic(s: Suggestion, file: str, text: str | None) -> Diagnostic:
    """A warning on the record's ``problem_key`` (shown, never blocking)."""
    where = locate(text, ["problem_key"]) if text else None
    return Diagnostic(
        file,
        CODE,
        message(s, "zh"),
        message(s, "en"),
        where[0] if where else None,
        where[1] if where else None,
        "problem_key",
        hint(s, "zh"),
        hint(s, "en"),
        Severity.WARNING,
    )


def as_json(s: Suggestion) -> dict[str, object]:
    return {
        "record": s.record,
        "earlier": s.earlier,
        "link": [{"field": path, "value": value} for path, value in s.link],
        "alike": [{"what": a.what, "similarity": a.similarity} for a in s.alike],
        "apart": [list(k) for k in s.apart],
        "window": {"months": s.windows[0].months, "days": s.windows[0].days},
        "score": s.score,
        "grade": s.grade,
        "grade_if_linked": s.grade_if_linked,
    }
