"""One 8D report page per record."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from generator.render.env import render
from generator.render.i18n import COMMON_ROLES
from generator.render.pages import GEN, Page, base_context, fmt
from generator.render.sitedata import Row, SiteData

if TYPE_CHECKING:
    from generator.load.attachments import Published


def captions(row: Row) -> dict[str, str]:
    """A photo's caption: its ``attachments`` title, else its file name (never the path)."""
    out: dict[str, str] = {}
    for a in row.record.get("attachments") or ():
        if isinstance(a, Mapping) and isinstance(a.get("path"), str) and a.get("title"):
            out[a["path"]] = str(a["title"])
    return out


def related(site: SiteData, row: Row, same_key: list[str]) -> list[tuple[str, list[str]]]:
    """Every record this one is related to, once, with all the ways it is (reopened from,
    linked as a recurrence, referenced by, same problem key…), in the order first met."""
    f = fmt(site, f"{GEN}/records/{row.id}.md")
    out: dict[str, list[str]] = {}

    def add(rid: object, why: str) -> None:
        if isinstance(rid, str) and rid != row.id:
            whys = out.setdefault(rid, [])
            if why not in whys:
                whys.append(why)

    parent = row.record.get("reopen_of")
    reason = row.record.get("reopen_reason")
    add(parent, f.label("reopen_of") + (f" — {reason}" if isinstance(reason, str) else ""))
    for rid in site.reopened_as.get(row.id, []):
        add(rid, f.t("reopened_as"))
    for link in row.record.get("links") or ():
        if isinstance(link, Mapping):
            note = link.get("note")
            why = f.enum("links[].relation", link.get("relation"))
            add(link.get("id"), why + (f" — {note}" if isinstance(note, str) else ""))
    for rid, rel in site.referenced_by.get(row.id, []):
        add(rid, f"{f.t('linked_from')}（{f.enum('links[].relation', rel)}）")
    for rid in same_key:
        add(rid, f.t("same_problem_key"))
    return list(out.items())


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
        same = [i for i in by_key.get(key, []) if i != row.id] if isinstance(key, str) else []
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
            "related": related(site, row, same),
            "captions": captions(row),
            "report_profile": site.reports.get(row.id),
        }
        yield Page(path, render("record.md.j2", **ctx))
