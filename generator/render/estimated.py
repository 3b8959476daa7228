"""The estimated dues, on one page: every due computed across a year whose official calendar
is not in yet (weekends only), to recheck once ``kesu calendar add`` has added the year."""

from __future__ import annotations

from generator.render.env import render
from generator.render.pages import GEN, Page, base_context
from generator.render.sitedata import SiteData
from generator.time.notice import ADD_COMMAND

PAGE = f"{GEN}/estimated.md"


def estimated_pages(site: SiteData) -> list[Page]:
    rows = sorted(
        (d for r in site.rows for d in r.deadlines if d.estimated),
        key=lambda d: (not d.is_open, d.due_at or site.as_of, d.record_id, d.id),
    )
    ctx = base_context(site, PAGE) | {
        "rows": rows,
        "missing_year": site.missing_year,
        "command": ADD_COMMAND,
    }
    return [Page(PAGE, render("estimated.md.j2", **ctx))]
