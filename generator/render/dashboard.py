"""Home page: the dashboard, as of the build's instant."""

from __future__ import annotations

from statistics import mean

from generator.render import periods
from generator.render.env import render
from generator.render.estimated import PAGE as ESTIMATED
from generator.render.pages import GEN, Page, base_context
from generator.render.sitedata import Deadline, SiteData
from generator.time.notice import ADD_COMMAND

HOME = "index.md"  # site/index.md shows _home.md (kesu_include), so links are relative to it


def dashboard_pages(site: SiteData) -> list[Page]:
    tz, now = site.tz, site.as_of
    week = periods.iso_week(now, tz)
    this_month = periods.month(now, tz)
    this_year = periods.year(now, tz)
    open_rows = [r for r in site.rows if r.is_open]
    overdue: list[Deadline] = sorted(
        (d for r in open_rows for d in r.overdue), key=lambda d: d.due_at or now
    )
    due_week = sorted(
        (
            d
            for r in open_rows
            for d in r.deadlines
            if d.is_open and d.state != "overdue" and week.contains(d.due_at)
        ),
        key=lambda d: d.due_at or now,
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
        "open_count": len(open_rows),
        "overdue_rows": len({d.record_id for d in overdue}),
        "overdue": overdue,
        "due_week": due_week,
        "closed_month": len(closed_month),
        "on_time": (ok, total),
        "mean_close": f"{mean(days):.1f}" if days else "–",
        "recent": recent,
        "week": week,
        "week_page": f"{GEN}/weekly/{week.key}.md",
        "year": this_year.key,
        "missing_year": site.missing_year,
        "add_command": ADD_COMMAND,
        "estimated_page": ESTIMATED,
        "estimated_open": sum(d.estimated for r in open_rows for d in r.deadlines if d.is_open),
    }
    return [Page(f"{GEN}/_home.md", render("dashboard.md.j2", **ctx))]
