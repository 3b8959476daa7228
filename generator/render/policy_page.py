"""The policy page: grades with their criteria and the deadline table, in words.

Generated from the loaded policy, so it always shows the rules the site was computed with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generator.render.env import render
from generator.render.i18n import pick
from generator.render.pages import GEN, Page, base_context
from generator.render.sitedata import SiteData

PAGE = f"{GEN}/policy.md"
_UNITS = {
    "hours": ("小时", "hours"),
    "working_hours": ("个工作小时", "working hours"),
    "natural_days": ("个自然日", "natural days"),
    "working_days": ("个工作日", "working days"),
}


@dataclass(frozen=True, slots=True)
class DeadlineLine:
    milestone: str
    milestone_id: str
    applies: str
    limit: str
    start: str
    note: str


def _amount(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def duration_words(amount: float, unit: str, lang: str) -> str:
    zh, en = _UNITS.get(unit, (unit, unit))
    return f"{_amount(amount)} {en}" if lang == "en" else f"{_amount(amount)} {zh}"


def event_words(event: Any, policy: Any, lang: str) -> str:
    kind, value = getattr(event, "kind", ""), getattr(event, "value", "")
    if kind == "ref" and value in policy.events:
        return str(policy.events[value].name.get(lang))
    if kind == "field":
        return str(value)
    children = [event_words(c, policy, lang) for c in getattr(event, "children", ())]
    if kind == "first_of":
        return ("earliest of " if lang == "en" else "以下最早者：") + " / ".join(children)
    if kind == "later_of":
        return ("latest of " if lang == "en" else "以下最晚者：") + " / ".join(children)
    return str(value or kind)


def applies_words(cond: Any, lang: str) -> str:
    if cond is None:
        return "all grades" if lang == "en" else "全部级别"
    if getattr(cond, "kind", "") == "grades":
        grades = ", ".join(cond.grades)
        return f"grade {grades}" if lang == "en" else f"{grades} 级"
    return "see the policy file" if lang == "en" else "条件见策略文件"


def deadline_lines(policy: Any, lang: str) -> list[DeadlineLine]:
    out = []
    for m in policy.milestones:
        note = m.note.get(lang) if m.note else ""
        for v in m.variants:
            out.append(
                DeadlineLine(
                    m.name.get(lang),
                    m.id,
                    applies_words(v.applies or m.applies, lang),
                    duration_words(v.duration.amount, v.duration.unit, lang),
                    event_words(v.start, policy, lang),
                    note,
                )
            )
    return out


def policy_pages(site: SiteData) -> list[Page]:
    policy, lang = site.policy, site.lang
    ctx = base_context(site, PAGE) | {"policy": policy}
    if policy is not None:
        raw = policy.raw
        ctx |= {
            "name": policy.name.get(lang),
            "description": pick(
                (raw.get("description") or {}).get("zh"),
                (raw.get("description") or {}).get("en"),
                lang,
            ),
            "source": policy.source,
            "grades": [
                (g.id, g.name.get(lang), [(c.id, c.text.get(lang), c.source) for c in g.criteria])
                for g in policy.grades
            ],
            "deadlines": deadline_lines(policy, lang),
            "approvals": [
                (a.text.get(lang), applies_words(a.applies, lang)) for a in policy.approvals
            ],
            "penalties": [
                (
                    r.text.get(lang),
                    ", ".join(r.milestones),
                    " / ".join(_amount(a.amount) for a in r.amounts),
                    policy.currency,
                )
                for r in policy.penalty_rules
            ],
            "readings": [
                (
                    r.get("id", ""),
                    pick((r.get("text") or {}).get("zh"), (r.get("text") or {}).get("en"), lang),
                )
                for r in raw.get("readings", [])
            ],
        }
    return [Page(PAGE, render("policy.md.j2", **ctx))]
