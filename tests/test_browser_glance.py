"""Issue 18 in a real browser (Debian chromium through Playwright), on the demo site as a
manager reads it on a Friday: the ledger filtered by words from problem titles, the status
drop-down, the printed filter line, and no page wider than a 390 px phone, at 1440 px and on
A4, with no one-character-per-line wraps."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.site_fixtures import BUILD_EPOCH, REPO, TZ, built_site, site_repo
from tests.test_browser_site import Offline, launch

pytestmark = pytest.mark.browser
AS_OF = datetime(2026, 11, 27, 12, 0, tzinfo=TZ)
PAGES = (
    "index.html",
    "generated/ledger/2026.html",
    "generated/weekly/2026-W48.html",
    "generated/weekly/index.html",
    "generated/records/KS-2026-0025.html",
    "generated/records/KS-2026-0011.html",
    "generated/records/KS-2026-0020.html",
    "generated/analysis/index.html",
    "generated/scorecards/index.html",
    "generated/calendar.html",
)


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", BUILD_EPOCH)
    try:
        tmp = tmp_path_factory.mktemp("glance-site")
        root = site_repo(tmp / "demo", REPO / "records")
        shutil.copytree(REPO / "attachments", root / "attachments")
        shutil.copy2(REPO / "kesu.yaml", root / "kesu.yaml")
        return built_site(root, tmp / "public", as_of=AS_OF)
    finally:
        mp.undo()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch()


def _visible_ids(page: Any) -> list[str]:
    return list(
        page.locator("table.kesu-ledger tbody tr:not([hidden]) td:first-child").all_inner_texts()
    )


def test_ledger_finds_words_of_the_problem_titles(demo_site: Path, browser: Any) -> None:
    o = Offline(browser)
    page = o.open(demo_site, "generated/ledger/2026.html")
    heads = page.locator("table.kesu-ledger thead th").all_inner_texts()
    assert any(h.startswith("标题") for h in heads) and any(h.startswith("不良代码") for h in heads)
    for word, rid in (
        ("PCN", "KS-2026-0011"),
        ("压接", "KS-2026-0029"),
        ("金手指", "KS-2026-0021"),
    ):
        page.fill("input.kesu-filter", word)
        assert rid in _visible_ids(page), word
    # a defect's name is searchable too
    page.fill("input.kesu-filter", "绝缘层破损")
    assert _visible_ids(page) == ["KS-2026-0025"]
    # several words: every one must be in the row (owner 王磊, department 研发部)
    page.fill("input.kesu-filter", "王磊 研发")
    both = _visible_ids(page)
    assert both and "KS-2026-0016" in both and "KS-2026-0025" in both
    page.fill("input.kesu-filter", "王磊")
    assert set(both) < set(_visible_ids(page))
    page.fill("input.kesu-filter", "王磊 研发 不存在的词")
    assert _visible_ids(page) == []
    o.close()


def test_status_filter_in_workflow_order_with_all_open(demo_site: Path, browser: Any) -> None:
    o = Offline(browser)
    page = o.open(demo_site, "generated/ledger/2026.html")
    select = page.locator("table.kesu-ledger thead th").nth(8).locator("select")
    options = select.locator("option").all_inner_texts()
    assert options[:2] == ["全部", "全部未结案"]
    assert "" not in options
    order = ["已登记", "临时措施", "原因分析", "纠正措施", "效果验证", "已结案", "已取消"]
    present = options[2:]
    assert present == [s for s in order if s in present] and len(present) >= 5
    total = len(_visible_ids(page))
    select.select_option(label="全部未结案")
    shown = _visible_ids(page)
    statuses = page.locator(
        "table.kesu-ledger tbody tr:not([hidden]) td:nth-child(9)"
    ).all_inner_texts()
    assert 0 < len(shown) < total and not {"已结案", "已取消"} & set(statuses)
    # the filter is stated, on screen and in print
    page.fill("input.kesu-filter", "王磊")
    line = page.locator(".kesu-filter-state")
    text = line.inner_text()
    assert "王磊" in text and "状态 = 全部未结案" in text and f"/ {total}" in text
    page.emulate_media(media="print")
    assert line.is_visible()
    o.close()


def _layout(page: Any) -> dict[str, Any]:
    """Page width, and cells whose text wraps to about one character per line."""
    result: dict[str, Any] = page.evaluate("""() => {
        const narrow = []
        for (const cell of document.querySelectorAll(".md-content td, .md-content th, .md-content dd, .md-content dt")) {
            const text = cell.innerText.trim()
            if (text.length < 3 || cell.offsetParent === null) continue
            const range = document.createRange()
            range.selectNodeContents(cell)
            const tops = new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top)))
            if (tops.size > 2 && text.length / tops.size < 2.2) narrow.push(text.slice(0, 20))
        }
        return {width: document.documentElement.scrollWidth, narrow: narrow.slice(0, 8)}
    }""")
    return result


@pytest.mark.parametrize("width", [390, 1440])
def test_no_page_wider_than_the_screen(demo_site: Path, browser: Any, width: int) -> None:
    o = Offline(browser, width=width, height=844)
    for rel in PAGES:
        page = o.open(demo_site, rel)
        got = _layout(page)
        assert got["width"] <= width, (rel, got["width"])
        assert got["narrow"] == [], (rel, got["narrow"])
    if width == 390:  # the 8D header card is one column of label/value pairs
        page = o.open(demo_site, "generated/records/KS-2026-0025.html")
        cols = page.evaluate(
            "getComputedStyle(document.querySelector('dl.kesu-fields-card'))"
            ".gridTemplateColumns.split(' ').length"
        )
        assert cols == 2
    o.close()


def test_print_has_no_one_character_wraps(demo_site: Path, browser: Any) -> None:
    o = Offline(browser, width=794, height=1123)  # A4 at 96 dpi
    for rel in PAGES:
        page = o.open(demo_site, rel)
        page.emulate_media(media="print")
        got = _layout(page)
        assert got["narrow"] == [], (rel, got["narrow"])
        assert page.pdf(format="A4")[:5] == b"%PDF-"
    o.close()


def test_search_keeps_a_part_number_whole(demo_site: Path, browser: Any) -> None:
    from tests.test_browser_site import found

    o = Offline(browser)
    found(o, demo_site, "PA-120", "KS-2026-0023")
    links = o.page.locator(".md-search-result__item a").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    )
    hits = {m for h in links for m in re.findall(r"(KS-\d{4}-\d{4}(?:-\d+)?)\.html", str(h))}
    having = {p.stem for p in (REPO / "records").glob("*.yaml") if "PA-120" in p.read_text("utf-8")}
    # "PA-120" is one term: PA-65W records that merely contain "PA" and "120" are not hits
    assert hits and hits <= having, hits - having
    o.close()
