"""Stage 4: render. Takes the computed :class:`SiteData`, returns pages; never reads YAML."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from generator.render.pages import Page
from generator.render.sitedata import SiteData

if TYPE_CHECKING:
    from generator.load.attachments import Published


def render_site(
    site: SiteData, files: Mapping[str, Published], images: Mapping[str, str] | None = None
) -> Iterator[Page]:
    """Every generated page and download, in a stable order, one at a time (a page can be
    written as soon as it is rendered: the whole site is never held in memory).

    ``files`` and ``images`` are where the attachments are published (``attachments.plan``)."""
    from generator.render import (
        analysis,
        dashboard,
        estimated,
        ics,
        ledger,
        policy_page,
        report8d,
        scorecards,
        weekly,
    )

    yield from dashboard.dashboard_pages(site)
    yield from ledger.ledger_pages(site)
    yield from report8d.record_pages(site, files, images or {})
    yield from weekly.weekly_pages(site)
    yield from analysis.analysis_pages(site)
    yield from scorecards.scorecard_pages(site)
    yield from policy_page.policy_pages(site)
    yield from ics.calendar_pages(site)
    yield from estimated.estimated_pages(site)
