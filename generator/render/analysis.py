"""Monthly and quarterly analysis: Pareto charts, trends, top lists, recurrences, penalties."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from generator.render import charts, periods
from generator.render.env import Fmt, render
from generator.render.pages import GEN, Page, base_context, fmt
from generator.render.periods import Period
from generator.render.sitedata import Row, SiteData

INDEX = f"{GEN}/analysis/index.md"


@dataclass(frozen=True, slots=True)
class MonthLine:
    key: str
    received: int
    closed: int
    on_time: tuple[int, int]


def six_m(rows: Sequence[Row]) -> Counter[str]:
    out: Counter[str] = Counter()
    for r in rows:
        rc = r.record.get("d4_root_cause") or {}
        for kind in ("occurrence", "escape"):
            for cause in rc.get(kind) or ():
                if isinstance(cause.get("category"), str):
                    out[cause["category"]] += 1
    return out


def recurrences(rows: Sequence[Row]) -> list[tuple[Row, list[str]]]:
    out = []
    for r in rows:
        ids = [i for reason in r.reasons for i in reason.records if i != r.id]
        ids += [
            str(link.get("id"))
            for link in r.record.get("links") or ()
            if link.get("relation") == "recurrence"
        ]
        if isinstance(r.record.get("reopen_of"), str):
            ids.append(r.record.get("reopen_of"))
        if ids:
            out.append((r, sorted(set(ids))))
    return out


def penalty_rows(site: SiteData, period: Period | None) -> list[tuple[str, str, float, int]]:
    """(department, month, amount, items) from the engine's penalties, inside ``period``."""
    sums: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0])
    for p in site.penalties:
        month = str(getattr(p, "month", "") or "")
        if period is not None and not (
            period.start.strftime("%Y-%m") <= month < period.end.strftime("%Y-%m")
        ):
            continue
        key = (str(getattr(p, "charged_to", "") or "–"), month)
        sums[key][0] += float(getattr(p, "amount", 0) or 0)
        sums[key][1] += 1
    return [(d, m, v[0], int(v[1])) for (d, m), v in sorted(sums.items())]


def _pareto_svgs(site: SiteData, rows: Sequence[Row], f: Fmt, stem: str) -> dict[str, bytes]:
    defects = Counter(r.defect_code or "–" for r in rows)
    causes = six_m(rows)
    cum = f.t("cumulative") + " %"
    names = [f"{code} {f.defect(code)}".strip() for code in defects]
    return {
        f"{stem}-defect.svg": charts.pareto(
            names, list(defects.values()), f.t("complaint_records"), cum
        ),
        f"{stem}-6m.svg": charts.pareto(
            [f.enum("d4_root_cause.occurrence[].category", k) for k in causes],
            list(causes.values()),
            f.t("cause_count"),
            cum,
        ),
    }


def _months(site: SiteData, rows: Sequence[Row], span: Sequence[Period]) -> list[MonthLine]:
    deadlines = [d for r in site.rows for d in r.deadlines]
    return [
        MonthLine(
            p.key,
            sum(p.contains(r.received_at) for r in rows),
            sum(p.contains(r.closed_at) for r in rows),
            periods.on_time(deadlines, p, site.as_of),
        )
        for p in span
    ]


def _section(
    site: SiteData, rows: Sequence[Row], page: str, stem: str, period: Period | None
) -> tuple[dict[str, Any], list[Page]]:
    f = fmt(site, page)
    svgs = _pareto_svgs(site, rows, f, stem)
    charts_dir = f"{GEN}/analysis/charts"
    ctx = {
        "rows": rows,
        "defect_svg": f"{charts_dir}/{stem}-defect.svg",
        "sixm_svg": f"{charts_dir}/{stem}-6m.svg",
        "defects": Counter(r.defect_code or "–" for r in rows).most_common(),
        "causes": six_m(rows).most_common(),
        "customers": Counter(r.customer for r in rows).most_common(10),
        "products": Counter((r.product, r.part_number) for r in rows).most_common(10),
        "recurrences": recurrences(rows),
        "penalties": penalty_rows(site, period),
        "has_penalties": bool(site.policy is not None and site.policy.penalty_rules),
    }
    return ctx, [Page(f"{charts_dir}/{name}", data) for name, data in svgs.items()]


def chart_font(site: SiteData) -> str | None:
    """``site.chart_font`` as an absolute path, or None."""
    return site.settings.chart_font


def analysis_pages(site: SiteData) -> list[Page]:
    charts.use_font(chart_font(site))
    tz = site.tz
    received = [r.received_at for r in site.rows if r.received_at]
    first = min(received, default=site.as_of)
    pages: list[Page] = []
    quarters = []
    for q in periods.span(first, site.as_of, "quarter", tz):
        rows = [r for r in site.rows if q.contains(r.received_at)]
        page = f"{GEN}/analysis/{q.key}.md"
        ctx, extra = _section(site, rows, page, q.key, q)
        months = _months(site, rows, periods.span(q.start, min(q.end, site.as_of), "month", tz))
        year, num = q.key.split("-Q")
        pages += extra
        pages.append(
            Page(
                page,
                render(
                    "analysis.md.j2",
                    **base_context(site, page),
                    **ctx,
                    months=months,
                    title_year=year,
                    title_q=num,
                    quarters=[],
                ),
            )
        )
        quarters.append((q, page, len(rows)))
    ctx, extra = _section(site, site.rows, INDEX, "all", None)
    months = _months(site, site.rows, periods.span(first, site.as_of, "month", tz))[-24:]
    f = fmt(site, INDEX)
    trend = charts.trend(
        [m.key for m in months],
        [m.received for m in months],
        [None if m.on_time[1] == 0 else 100 * m.on_time[0] / m.on_time[1] for m in months],
        f.t("complaint_records"),
        f.t("on_time_rate") + " %",
    )
    pages += extra
    pages.append(Page(f"{GEN}/analysis/charts/trend.svg", trend))
    pages.append(
        Page(
            INDEX,
            render(
                "analysis.md.j2",
                **base_context(site, INDEX),
                **ctx,
                months=months,
                title_year="",
                title_q="",
                quarters=list(reversed(quarters)),
                trend_svg=f"{GEN}/analysis/charts/trend.svg",
            ),
        )
    )
    return pages
