"""One 8D report page per record."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from generator.render.env import render
from generator.render.i18n import COMMON_ROLES
from generator.render.pages import GEN, Page, base_context
from generator.render.sitedata import SiteData

if TYPE_CHECKING:
    from generator.load.attachments import Published


def record_pages(
    site: SiteData, files: Mapping[str, Published], images: Mapping[str, str]
) -> Iterator[Page]:
    """``files``: attachment references that exist → where the site links them; ``images``:
    those the page shows → their ``<img src>`` (``generator.site.attachments``)."""
    by_key: dict[str, list[str]] = defaultdict(list)
    for row in site.rows:
        key = row.record.get("problem_key")
        if isinstance(key, str):
            by_key[key].append(row.id)
    # Role codes the schema documents get a name even when the active policy does not list
    # them (records keep approvals made under an earlier preset); the policy's names win.
    roles = {k: v[1] if site.lang == "en" else v[0] for k, v in COMMON_ROLES.items()}
    policy = site.policy
    if policy is not None:
        roles |= {k: v.get(site.lang) for k, v in policy.roles.items()}
    for row in site.rows:
        path = f"{GEN}/records/{row.id}.md"
        facts = row.record.get("facts") or {}
        key = row.record.get("problem_key")
        ctx = base_context(site, path) | {
            "row": row,
            "facts": [k for k, v in facts.items() if v not in (False, None, 0)],
            "files": files,
            "images": images,
            "roles": roles,
            "history": site.history.get(row.id, []),
            "late": site.late.get(row.id, []),
            "referenced_by": site.referenced_by.get(row.id, []),
            "reopened_as": site.reopened_as.get(row.id, []),
            "same_key": [i for i in by_key.get(key, []) if i != row.id]
            if isinstance(key, str)
            else [],
        }
        yield Page(path, render("record.md.j2", **ctx))
