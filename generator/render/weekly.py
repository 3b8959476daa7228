"""Weekly follow-up summaries (one page per ISO week) for the Friday quality meeting."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from generator.compute.agenda import actions
from generator.compute.counts import snapshot
from generator.compute.stalled import Stalled
from generator.render import periods
from generator.render.env import render
from generator.render.glance import agenda, stalled_at
from generator.render.pages import GEN, Page, base_context, fmt
from generator.render.periods import Period
from generator.render.sitedata import Deadline, Row, SiteData

INDEX = f"{GEN}/weekly/index.md"


@dataclass(frozen=True, slots=True)
class AgendaLine:
    """One open complaint on the meeting's agenda, in words (``compute.agenda`` facts)."""

    row: Row
    happened: list[str]
    step: str
    owner: str
    due: datetime | None
    rolled_weeks: int


@dataclass(frozen=True, slots=True)
class WeekSummary:
    period: Period
    page: str
    cut: object
    new: list[Row]
    closed: list[Row]
    rolled: list[Row]
    overdue: list[Deadline]
    overdue_records: int
    due_next: list[Deadline]
    passed: list[Deadline]
    matrix: dict[tuple[str, str], int]
    departments: list[str]
    grades: list[str]
    open_count: int
    stalled: list[Stalled]
    agenda: list[AgendaLine]


def week_page(key: str) -> str:
    return f"{GEN}/weekly/{key}.md"


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def agenda_lines(site: SiteData, rows: list[Row], week: Period, cut: datetime) -> list[AgendaLine]:
    f = fmt(site, week_page(week.key))
    out = []
    for r, item in zip(rows, agenda(site, rows, week.start, cut), strict=True):
        names = {d.id: d.name for d in r.deadlines}
        acts = {a.id: a for a in actions(r.record.data, site.tz)}
        happened = []
        for e in item.events:
            when = f.dt(e.at)
            if e.kind == "status":
                was = f.enum("status", e.before) if e.before else ""
                now = f.enum("status", e.ref)
                text = (
                    f.t("agenda_moved", was=was, now=now) if was else f.t("agenda_entered", now=now)
                )
            elif e.kind == "milestone":
                text = f.t("agenda_milestone_done", name=names.get(e.ref, e.ref))
            else:
                desc = _short(acts[e.ref].description) if e.ref in acts else ""
                text = f.t("agenda_action_done", id=e.ref, text=desc)
            happened.append(f"{when} {text}")
        step, owner, due = "", "", None
        if item.next is not None:
            due = item.next.due
            if item.next.kind == "milestone":
                step, owner = names.get(item.next.ref, item.next.ref), r.owner
            else:
                act = acts.get(item.next.ref)
                step = f"{item.next.ref} {_short(act.description) if act else ''}".strip()
                owner = item.next.owner or r.owner
        out.append(AgendaLine(r, happened, step, owner, due, item.rolled_weeks))
    out.sort(key=lambda a: (a.due is None, a.due or cut, a.row.id))
    return out


def summarize(site: SiteData, week: Period, grade_order: list[str]) -> WeekSummary:
    cut = min(week.end, site.as_of)
    nxt = Period("", week.end, week.end + timedelta(days=7))
    snap = snapshot(site.rows, cut)
    open_rows = [site.by_id[i] for i in snap.open_records]
    new = [r for r in site.rows if week.contains(r.received_at)]
    closed = [
        r for r in site.rows if week.contains(r.closed_at) and r.closed_at and r.closed_at <= cut
    ]
    rolled = [r for r in open_rows if r.received_at and r.received_at < week.start]
    overdue = sorted(
        (d for r in open_rows for d in r.deadlines if d.overdue_at(cut)),
        key=lambda d: (d.due_at or cut, d.record_id),
    )
    due_next = sorted(
        (d for r in open_rows for d in r.deadlines if d.open_at(cut) and nxt.contains(d.due_at)),
        key=lambda d: (d.due_at or cut, d.record_id),
    )
    passed = sorted(
        (
            d
            for r in site.rows
            for d in r.deadlines
            if week.contains(d.due_at)
            and d.due_at
            and d.due_at <= cut
            and d.state not in ("not_applicable", "cancelled")
        ),
        key=lambda d: (d.due_at or cut, d.record_id),
    )
    matrix = Counter((r.department or "–", r.grade or "–") for r in open_rows)
    grades = [g for g in grade_order if any(k[1] == g for k in matrix)]
    grades += sorted({k[1] for k in matrix} - set(grades))
    return WeekSummary(
        week,
        week_page(week.key),
        cut,
        new,
        closed,
        rolled,
        overdue,
        len(snap.overdue_records),
        due_next,
        passed,
        dict(matrix),
        sorted({k[0] for k in matrix}),
        grades,
        len(open_rows),
        stalled_at(site, cut),
        agenda_lines(site, open_rows, week, cut),
    )


def weekly_pages(site: SiteData) -> Iterator[Page]:
    tz = site.tz
    grade_order = [g.id for g in site.policy.grades] if site.policy is not None else []
    first = min((r.received_at for r in site.rows if r.received_at), default=site.as_of)
    weeks = periods.span(first, site.as_of, "week", tz)
    summaries = []
    for week in weeks:
        s = summarize(site, week, grade_order)
        summaries.append(s)
        year, num = week.key.split("-W")
        ctx = base_context(site, s.page) | {"s": s, "year": year, "num": int(num)}
        yield Page(s.page, render("weekly.md.j2", **ctx))
    ctx = base_context(site, INDEX) | {"weeks": list(reversed(summaries))}
    yield Page(INDEX, render("weekly_index.md.j2", **ctx))
