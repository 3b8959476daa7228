"""The ledger (台账): one page per year, an index, and the downloads."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from generator.compute.counts import snapshot
from generator.render import labels
from generator.render.env import render
from generator.render.exports import ledger_csv, ledger_xlsx
from generator.render.pages import GEN, Page, base_context, fmt
from generator.render.sitedata import CLOSED_STATUSES, Row, SiteData

INDEX = f"{GEN}/ledger/index.md"


@dataclass(frozen=True, slots=True)
class YearEntry:
    year: int
    page: str
    xlsx: str
    csv: str
    count: int
    open: int
    overdue: int


def year_page(year: int) -> str:
    return f"{GEN}/ledger/{year}.md"


def ledger_pages(site: SiteData) -> list[Page]:
    by_year: dict[int, list[Row]] = defaultdict(list)
    for row in site.rows:
        by_year[row.year].append(row)
    pages: list[Page] = []
    years: list[YearEntry] = []
    statuses = labels.enum_values("status")
    status_order = [labels.enum_label("status", s, site.lang) for s in statuses]
    open_statuses = [
        labels.enum_label("status", s, site.lang) for s in statuses if s not in CLOSED_STATUSES
    ]
    for year in sorted(by_year, reverse=True):
        rows = by_year[year]
        page = year_page(year)
        xlsx, csv = f"{GEN}/exports/ledger-{year}.xlsx", f"{GEN}/exports/ledger-{year}.csv"
        f = fmt(site, page)
        pages.append(
            Page(
                page,
                render(
                    "ledger_year.md.j2",
                    **base_context(site, page),
                    year=year,
                    rows=rows,
                    status_order=status_order,
                    open_statuses=open_statuses,
                    xlsx=xlsx,
                    csv=csv,
                ),
            )
        )
        pages.append(Page(xlsx, ledger_xlsx(rows, f, str(year), site.as_of)))
        pages.append(Page(csv, ledger_csv(rows, f)))
        snap = snapshot(rows, site.as_of)
        years.append(
            YearEntry(
                year,
                page,
                xlsx,
                csv,
                len(rows),
                len(snap.open_records),
                len(snap.overdue_records),
            )
        )
    xlsx, csv = f"{GEN}/exports/ledger-all.xlsx", f"{GEN}/exports/ledger-all.csv"
    f = fmt(site, INDEX)
    pages.append(Page(xlsx, ledger_xlsx(site.rows, f, f.t("ledger"), site.as_of)))
    pages.append(Page(csv, ledger_csv(site.rows, f)))
    pages.append(
        Page(
            INDEX,
            render(
                "ledger_index.md.j2",
                **base_context(site, INDEX),
                years=years,
                xlsx=xlsx,
                csv=csv,
                total=len(site.rows),
            ),
        )
    )
    return pages
