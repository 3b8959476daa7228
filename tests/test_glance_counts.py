"""Issue 18, point 1: one vocabulary of counts.

Every figure on the dashboard, weekly, ledger and analysis pages says what it counts in its
label, the same label means the same count everywhere, and each figure is recomputed here
from ``kesu export`` (plus the records' status) and compared.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from generator.cli.main import main
from generator.config.settings import load_config
from generator.render import render_site
from generator.site.build import compute_site
from tests.conftest import copy_demo, load_record

TZ = ZoneInfo("Asia/Shanghai")
AS_OF = datetime(2026, 11, 27, 12, 0, tzinfo=TZ)  # a Friday noon
KPI = re.compile(
    r'data-kesu-count="(\w+)"><div class="kesu-kpi-value">([^<]*)</div>'
    r'<div class="kesu-kpi-label">([^<]*)</div>'
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = copy_demo(tmp_path_factory.mktemp("glance"))
    config, diags = load_config(root)
    assert not diags
    site = compute_site(config, AS_OF, "zh", strict=True, out=io.StringIO())
    assert site is not None
    pages = {
        p.path: p.content
        for p in render_site(site, {}, {})
        if isinstance(p.content, str) and p.path.endswith(".md")
    }
    return root, pages


def export(root: Path) -> dict[str, Any]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["-C", str(root), "export", "--format", "json", "--as-of", "2026-11-27 12:00"])
    assert code == 0
    data: dict[str, Any] = json.loads(out.getvalue())
    return data


def kpis(page: str) -> dict[str, tuple[int, str]]:
    return {key: (int(value), label) for key, value, label in KPI.findall(page)}


def _at(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def expected(root: Path) -> dict[str, int]:
    """The figures at AS_OF, from the export and the records' status alone."""
    data = export(root)
    week_start = datetime(2026, 11, 23, tzinfo=TZ)
    week_end = week_start + timedelta(days=7)
    counts: dict[str, int] = defaultdict(int)
    for rec in data["records"]:
        raw = load_record(root / "records" / f"{rec['id']}.yaml")
        received = datetime.fromisoformat(raw["received_at"]).replace(tzinfo=TZ)
        if received > AS_OF:
            continue
        closed_at = (raw.get("d8_closure") or {}).get("closed_at")
        if raw["status"] == "closed" and closed_at and closed_at.startswith("2026-11"):
            counts["closed_this_month"] += 1
        if raw["status"] in ("closed", "cancelled") or rec["cancelled"]:
            continue
        counts["open_records"] += 1
        late = [m for m in rec["milestones"] if m["state"] == "overdue"]
        counts["overdue_milestones"] += len(late)
        counts["overdue_records"] += bool(late)
        assert rec["overdue"] == bool(late)
        for m in rec["milestones"]:
            due = _at(m["due_at"])
            if m["state"] in ("pending", "due_soon") and due and week_start <= due < week_end:
                counts["due_this_week"] += 1
    return dict(counts)


def test_dashboard_and_weekly_figures_match_the_export(demo: tuple[Path, dict[str, str]]) -> None:
    root, pages = demo
    want = expected(root)
    home = kpis(pages["generated/_home.md"])
    week = kpis(pages["generated/weekly/2026-W48.md"])
    for key in ("open_records", "overdue_records", "overdue_milestones", "due_this_week"):
        assert home[key][0] == want.get(key, 0), key
    assert home["closed_this_month"][0] == want.get("closed_this_month", 0)
    # the weekly page of the current week, cut at the same instant, agrees label for label
    for key in ("open_records", "overdue_records", "overdue_milestones"):
        assert week[key] == home[key], key
    # the demo has more overdue milestones than overdue records: the labels must differ
    assert home["overdue_milestones"][0] > home["overdue_records"][0]


def _all_kpis(pages: dict[str, str]) -> Iterator[tuple[str, str, str]]:
    for path, text in pages.items():
        for key, _, label in KPI.findall(text):
            yield path, key, label


def test_one_label_one_count_on_every_page(demo: tuple[Path, dict[str, str]]) -> None:
    _, pages = demo
    label_of: dict[str, set[str]] = defaultdict(set)
    key_of: dict[str, set[str]] = defaultdict(set)
    for _, key, label in _all_kpis(pages):
        label_of[key].add(label)
        key_of[label].add(key)
    assert {"open_records", "overdue_records", "overdue_milestones"} <= set(label_of)
    assert all(len(v) == 1 for v in label_of.values()), label_of
    assert all(len(v) == 1 for v in key_of.values()), key_of
    # every label says what it counts
    for key, (label,) in ((k, tuple(v)) for k, v in label_of.items()):
        assert label.endswith(("记录", "节点")), (key, label)


def _table_after(page: str, heading: str) -> list[list[str]]:
    part = page.split(heading, 1)[1]
    body = part.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    return [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)]
        for r in rows
    ]


def test_ledger_and_weekly_index_use_the_same_counts(demo: tuple[Path, dict[str, str]]) -> None:
    root, pages = demo
    want = expected(root)
    ledger = pages["generated/ledger/index.md"]
    assert "<th>未结案记录</th><th>超期记录</th>" in ledger
    rows = _table_after(ledger, "kesu-summary")
    assert sum(int(r[2]) for r in rows) == want["open_records"]
    assert sum(int(r[3]) for r in rows) == want["overdue_records"]
    weeks = pages["generated/weekly/index.md"]
    head = weeks.split("<tbody>")[0]
    assert "<th>未结案记录</th><th>超期记录</th><th>超期节点</th>" in head
    current = next(r for r in _table_after(weeks, "kesu-sortable") if r[0] == "2026-W48")
    assert [int(x) for x in current[4:7]] == [
        want["open_records"],
        want["overdue_records"],
        want["overdue_milestones"],
    ]


def test_analysis_month_table_counts_records(demo: tuple[Path, dict[str, str]]) -> None:
    _, pages = demo
    page = pages["generated/analysis/index.md"]
    assert "<th>接收记录</th><th>结案记录</th>" in page
    assert "本周结案" not in page
