"""Per-customer and per-department scorecards."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from generator.compute.counts import snapshot
from generator.render import periods
from generator.render.env import render, slug
from generator.render.pages import GEN, Page, base_context
from generator.render.sitedata import Row, SiteData

INDEX = f"{GEN}/scorecards/index.md"


@dataclass(frozen=True, slots=True)
class Card:
    kind: str
    name: str
    page: str
    rows: list[Row]
    open: int
    overdue: int
    on_time: tuple[int, int]
    grades: list[tuple[str, int]]
    defects: list[tuple[str, int]]


def _card(site: SiteData, kind: str, name: str, rows: list[Row]) -> Card:
    everything = periods.Period("all", min(r.received_at or site.as_of for r in rows), site.as_of)
    ok_total = periods.on_time((d for r in rows for d in r.deadlines), everything, site.as_of)
    snap = snapshot(rows, site.as_of)
    return Card(
        kind,
        name,
        f"{GEN}/scorecards/{slug(kind, name)}.md",
        rows,
        len(snap.open_records),
        len(snap.overdue_records),
        ok_total,
        sorted(Counter(r.grade or "–" for r in rows).items()),
        Counter(r.defect_code or "–" for r in rows).most_common(8),
    )


def scorecard_pages(site: SiteData) -> Iterator[Page]:
    groups: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for r in site.rows:
        # An internal complaint's "customer" is a department of the company, not a customer.
        if r.customer and r.record.get("origin") != "internal":
            groups[("customer", r.customer)].append(r)
        if r.department:
            groups[("department", r.department)].append(r)
    cards = [_card(site, kind, name, rows) for (kind, name), rows in sorted(groups.items())]
    for c in cards:
        yield Page(c.page, render("scorecard.md.j2", **base_context(site, c.page), c=c))
    ctx = base_context(site, INDEX) | {
        "customers": [c for c in cards if c.kind == "customer"],
        "departments": [c for c in cards if c.kind == "department"],
    }
    yield Page(INDEX, render("scorecards_index.md.j2", **ctx))
