"""The built site in a real browser (Debian chromium through Playwright), from file://.

Every request that is not a file:// URL is aborted and recorded, and each test asserts none
was made. The README's screenshots are taken from the demo records at a fixed instant into a
temp folder; ``KESU_SCREENSHOTS=1 pytest tests/test_browser_site.py -k screenshots`` writes
them to docs/screenshots/.
"""

from __future__ import annotations

import io
import os
import shutil
import unicodedata
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.site_fixtures import BUILD_EPOCH, REPO, TZ, built_site, pinned_build, site_repo

pytestmark = pytest.mark.browser

WAIT_MS = 60_000
"""How long to wait for an element: generous, so that a busy machine is not a failure (an
element that never appears still is)."""
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return pinned_build(tmp_path_factory.mktemp("browser"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    exe = shutil.which("chromium")
    if exe is None:
        pytest.fail("chromium not found (KESU_REQUIRE_BROWSER=1)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=ARGS)
        yield b
        b.close()


class Offline:
    """A page whose non-file requests are aborted and remembered."""

    def __init__(self, browser: Any, width: int = 1400, height: int = 900) -> None:
        self.external: list[str] = []
        self.errors: list[str] = []
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.page.route("**/*", self._route)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def _route(self, route: Any) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            self.external.append(route.request.url)
            route.abort()

    def open(self, site: Path, rel: str) -> Any:
        self.page.goto((site / rel).as_uri())
        return self.page

    def close(self) -> None:
        self.page.close()
        assert self.external == [], f"requests left the site: {self.external}"
        assert self.errors == [], f"script errors: {self.errors}"


@pytest.fixture
def offline(browser: Any) -> Iterator[Offline]:
    o = Offline(browser)
    yield o
    o.close()


def search(page: Any, text: str) -> None:
    """Enter text as an input method does, then release a key: Material reads the query on
    keyup, and Chinese text arrives without key events of its own."""
    box = page.locator("input.md-search__input")
    box.fill(text)
    box.press("End")


def found(offline: Offline, site: Path, text: str, rid: str) -> str:
    """The search results for ``text``, once ``rid`` is among them. Each query is typed on a
    freshly opened page, so no result of an earlier query can stand in for it."""
    page = offline.open(site, "index.html")
    page.click("label.md-search__icon, .md-search__input", timeout=WAIT_MS)
    search(page, text)
    page.locator(f".md-search-result__item a[href*='{rid}']").first.wait_for(timeout=WAIT_MS)
    return str(page.locator(".md-search-result").inner_text())


def test_search_finds_a_word_in_the_middle_of_a_chinese_phrase(site: Path,
                                                               offline: Offline) -> None:
    # jieba keeps 温度控制 as one token; Material's own search matches only its prefix 温度.
    assert "温度控制" in found(offline, site, "控制", "KS-2026-0001")
    found(offline, site, "度控制失", "KS-2026-0001")  # a fragment no tokenizer would produce
    found(offline, site, "16G-32", "KS-2026-0003")  # the middle of a part number


def test_ledger_sorts_and_filters(site: Path, offline: Offline) -> None:
    page = offline.open(site, "generated/ledger/2026.html")
    table = page.locator("table.kesu-ledger")
    header = table.locator("thead th").nth(1)  # received
    header.click()
    first = table.locator("tbody tr td:first-child").all_inner_texts()
    header.click()
    second = table.locator("tbody tr td:first-child").all_inner_texts()
    assert first == list(reversed(second)) and first != second
    assert first == ["KS-2026-0003", "KS-2026-0001", "KS-2026-0002"]
    assert header.get_attribute("aria-sort") == "descending"
    page.fill("input.kesu-filter", "蓝海")
    visible = table.locator("tbody tr:not([hidden]) td:first-child").all_inner_texts()
    assert visible == ["KS-2026-0002"]
    assert page.locator(".kesu-count").inner_text() == "1"


def test_8d_page_prints_to_a4_pdf_with_chinese_text(site: Path, offline: Offline) -> None:
    from pypdf import PdfReader

    page = offline.open(site, "generated/records/KS-2025-0001.html")
    page.emulate_media(media="print")
    assert not page.locator(".md-header").is_visible()
    pdf = page.pdf(format="A4", print_background=True)
    reader = PdfReader(io.BytesIO(pdf))
    box = reader.pages[0].mediabox
    # A4 is 210 × 297 mm = 595.3 × 841.9 pt; Chromium rounds to whole pixels.
    assert abs(float(box.width) - 595.3) < 2 and abs(float(box.height) - 841.9) < 2
    # NFKC: the CJK font maps some glyphs to Kangxi radicals (⾃ for 自) in its ToUnicode table.
    text = unicodedata.normalize("NFKC", "".join(p.extract_text() for p in reader.pages))
    for words in ("KS-2025-0001", "定级理由", "根本原因", "构建自提交", "端子"):
        assert words in text, words


def test_every_page_type_loads_offline(site: Path, offline: Offline) -> None:
    for rel in ("index.html", "generated/weekly/2026-W11.html", "generated/analysis/index.html",
                "generated/scorecards/index.html", "generated/policy.html",
                "generated/calendar.html"):
        page = offline.open(site, rel)
        assert page.locator("h1").first.is_visible(), rel
    chart = page.goto((site / "generated/analysis/index.html").as_uri())
    assert chart is not None
    assert offline.page.locator("img[src$='.svg']").count() >= 2


def test_screenshots(tmp_path: Path, browser: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's screenshots of the demo site, taken in a temp folder: every page renders
    offline without a script error. ``KESU_SCREENSHOTS=1`` writes them to docs/screenshots/."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", BUILD_EPOCH)
    as_of = datetime(2026, 6, 5, 17, 30, tzinfo=TZ)
    root = site_repo(tmp_path / "demo", REPO / "records")
    if (REPO / "attachments").is_dir():
        shutil.copytree(REPO / "attachments", root / "attachments")
    out = built_site(root, tmp_path / "public", as_of=as_of)
    update = os.environ.get("KESU_SCREENSHOTS") == "1"
    target = REPO / "docs" / "screenshots" if update else tmp_path / "screenshots"
    target.mkdir(parents=True, exist_ok=True)
    week = as_of.isocalendar()
    shots = {
        "dashboard.png": "index.html",
        "ledger.png": f"generated/ledger/{as_of.year}.html",
        "8d-report.png": _richest_record(out),
        "weekly.png": f"generated/weekly/{week.year}-W{week.week:02d}.html",
    }
    o = Offline(browser, 1280, 860)
    for name, rel in shots.items():
        o.open(out, rel).screenshot(path=str(target / name))
        png = (target / name).read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n", name
        width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
        assert (width, height) == (1280, 860), name
    o.close()


def _richest_record(out: Path) -> str:
    pages = sorted((out / "generated/records").glob("*.html"), key=lambda p: -p.stat().st_size)
    return pages[0].relative_to(out).as_posix()
