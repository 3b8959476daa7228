"""What every page module returns, and the context every template gets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generator.render.env import Fmt
from generator.render.sitedata import SiteData

GEN = "generated"


@dataclass(frozen=True, slots=True)
class Page:
    path: str
    """Path under the docs folder (``site/``), e.g. ``generated/records/KS-2026-0001.md``."""
    content: str | bytes


def fmt(site: SiteData, page: str) -> Fmt:
    return Fmt(
        lang=site.lang,
        tz=site.tz,
        page=page,
        mask_contacts=site.settings.mask_contacts,
        defects=site.settings.defect_codes,
    )


def base_context(site: SiteData, page: str) -> dict[str, Any]:
    return {
        "f": fmt(site, page),
        "site_title": site.settings.site_title,
        "as_of": site.as_of,
        "built_at": site.built_at,
        "commit": site.commit,
        "by_id": site.by_id,
        "lang": site.lang,
    }
