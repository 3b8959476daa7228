"""Home page: the dashboard, as of the build's instant."""

from __future__ import annotations

from statistics import mean

from generator.compute.counts import due_between, snapshot
from generator.render import periods
from generator.render.env import render
from generator.render.estimated import PAGE as ESTIMATED
from generator.render.glance import stalled_at
from generator.render.pages import GEN, Page, base_context
from generator.render.sitedata import Deadline, SiteData
from generator.time.notice import ADD_COMMAND

HOME = "index.md"  # site/index.md shows _home.md (kesu_include), so links are relative to it


def dashboard_pages(site: SiteData) -> list[Page]:
    tz, now = site.tz, site.as_of
    week = periods.iso_week(now, tz)
    this_month = periods.month(now, tz)
    this_year = periods.year(now, tz)
    snap = snapshot(site.rows, now)
    open_rows = [site.by_id[i] for i in snap.open_records]
    overdue: list[Deadline] = sorted(
        (d for r in open_rows for d in r.deadlines if d.overdue_at(now)),
        key=lambda d: (d.due_at or now, d.record_id),
    )
    due_ids = set(due_between(site.rows, now, week.start, week.end))
    due_week = sorted(
        (d for r in open_rows for d in r.deadlines if (r.id, d.id) in due_ids),
        key=lambda d: (d.due_at or now, d.record_id),
    )
    closed_month = [
        r
        for r in site.rows
        if this_month.contains(r.closed_at) and r.closed_at and r.closed_at <= now
    ]
    closed_year = [
        r
        for r in site.rows
        if this_year.contains(r.closed_at) and r.closed_at and r.closed_at <= now and r.received_at
    ]
    ok, total = periods.on_time((d for r in site.rows for d in r.deadlines), this_year, now)
    days = [
        (r.closed_at - r.received_at).total_seconds() / 86400
        for r in closed_year
        if r.closed_at and r.received_at
    ]
    recent = sorted(site.rows, key=lambda r: r.received_at or now, reverse=True)[:10]
    ctx = base_context(site, HOME) | {
        "open_count": len(snap.open_records),
        "overdue_rows": len(snap.overdue_records),
        "overdue_milestones": len(snap.overdue_milestones),
        "overdue": overdue,
        "due_week": due_week,
        "closed_month": len(closed_month),
        "on_time": (ok, total),
        "mean_close": f"{mean(days):.1f}" if days else "–",
        "recent": recent,
        "stalled": stalled_at(site, now),
        "week": week,
        "week_page": f"{GEN}/weekly/{week.key}.md",
        "year": this_year.key,
        "missing_year": site.missing_year,
        "add_command": ADD_COMMAND,
        "estimated_page": ESTIMATED,
        "estimated_open": sum(d.estimated for r in open_rows for d in r.deadlines if d.is_open),
    }
    return [Page(f"{GEN}/_home.md", render("dashboard.md.j2", **ctx))]
