"""Stage 4: render. Takes the computed :class:`SiteData`, returns pages; never reads YAML."""

from __future__ import annotations

from collections.abc import Mapping

from generator.render.pages import Page
from generator.render.sitedata import SiteData


def render_site(site: SiteData, files: Mapping[str, str]) -> list[Page]:
    """Every generated page and download, in a stable order."""
    from generator.render import (
        analysis,
        dashboard,
        ics,
        ledger,
        policy_page,
        report8d,
        scorecards,
        weekly,
    )

    pages: list[Page] = []
    pages += dashboard.dashboard_pages(site)
    pages += ledger.ledger_pages(site)
    pages += report8d.record_pages(site, files)
    pages += weekly.weekly_pages(site)
    pages += analysis.analysis_pages(site)
    pages += scorecards.scorecard_pages(site)
    pages += policy_page.policy_pages(site)
    pages += ics.calendar_pages(site)
    return pages
