"""The built site in a real browser (Debian chromium through Playwright), from file://.

Every request that is not a file:// URL is aborted and recorded, and each test asserts none
was made, and that no script error and no Content Security Policy violation happened: the
site's own scripts all run under the policy of site/overrides/main.html. A site with hostile
attachments (tests/site_fixtures.py) is also read from file:// and over http: no script of an
attachment runs. The README's screenshots are taken from the demo records at a fixed instant into a
temp folder; ``KESU_SCREENSHOTS=1 pytest tests/test_browser_site.py -k screenshots`` writes
them to docs/screenshots/.
"""

from __future__ import annotations

import io
import os
import shutil
import threading
import unicodedata
from collections.abc import Iterator
from datetime import datetime
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.site_fixtures import (
    BUILD_EPOCH,
    HOSTILE_ATTACHMENTS,
    HOSTILE_RECORD,
    REPO,
    SAFE_NAMES,
    TZ,
    built_site,
    hostile_attachments_repo,
    pinned_build,
    site_repo,
)

pytestmark = pytest.mark.browser

WAIT_MS = 60_000
"""How long to wait for an element: generous, so that a busy machine is not a failure (an
element that never appears still is)."""
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return pinned_build(tmp_path_factory.mktemp("browser"))


def launch() -> Iterator[Any]:
    """Debian chromium through Playwright, for a module's ``browser`` fixture."""
    from playwright.sync_api import sync_playwright

    exe = shutil.which("chromium")
    if exe is None:
        pytest.fail("chromium not found (KESU_REQUIRE_BROWSER=1)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch()


class Offline:
    """A page whose requests outside ``allowed`` (file:// URLs) are aborted and remembered,
    with its script errors and Content Security Policy violations."""

    def __init__(
        self,
        browser: Any,
        width: int = 1400,
        height: int = 900,
        allowed: tuple[str, ...] = ("file:",),
    ) -> None:
        self.external: list[str] = []
        self.errors: list[str] = []
        self.allowed = allowed
        self.page = browser.new_page(
            viewport={"width": width, "height": height}, accept_downloads=True
        )
        self.page.route("**/*", self._route)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("console", self._console)

    def _route(self, route: Any) -> None:
        if route.request.url.startswith(self.allowed):
            route.continue_()
        else:
            self.external.append(route.request.url)
            route.abort()

    def _console(self, msg: Any) -> None:
        if "Content Security Policy" in msg.text:
            self.errors.append(f"{msg.type}: {msg.text}")

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


def test_search_finds_a_word_in_the_middle_of_a_chinese_phrase(
    site: Path, offline: Offline
) -> None:
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


PRINT_WRAPS = """() => {
  // Lines a cell's text takes (rects whose tops differ by more than a few pixels).
  const lines = el => { const r = document.createRange(); r.selectNodeContents(el);
    const tops = Array.from(r.getClientRects()).filter(x => x.width > 0).map(x => x.top)
      .sort((a, b) => a - b);
    let n = 0, last = -1e9; for (const t of tops) { if (t - last > 6) { n++; last = t; } }
    return n; };
  const out = [];
  for (const th of document.querySelectorAll('.md-typeset th'))
    if (lines(th) > 1) out.push('header ' + th.innerText);
  for (const td of document.querySelectorAll('.md-typeset td')) {
    const t = td.innerText.trim();  // a short word: a name, a status, a department, a date
    if (t.length >= 2 && t.length <= 6 && !t.includes(' ') && lines(td) > 1) out.push('cell ' + t);
  }
  const right = document.querySelector('.md-content').getBoundingClientRect().right;
  for (const t of document.querySelectorAll('.md-typeset table'))
    if (t.getBoundingClientRect().right > right + 1) out.push('wider than the page: ' + t.className);
  return out;
}"""


def test_8d_pages_print_without_narrow_columns(demo_site: Path, browser: Any) -> None:
    """Issue 14: printed on A4 (186 mm between the margins, 703 CSS pixels), no column is
    narrower than its header word, no short word wraps (one character a line), no table is
    wider than the page, and photos are shown at a readable size, not as thumbnails."""
    site = demo_site
    o = Offline(browser, width=703, height=1000)
    try:
        for path in sorted((site / "generated" / "records").glob("*.html")):
            page = o.open(site, f"generated/records/{path.name}")
            page.emulate_media(media="print")
            assert page.evaluate(PRINT_WRAPS) == [], path.name
        page = o.open(site, "generated/records/KS-2026-0001.html")
        page.emulate_media(media="print")
        widths = page.evaluate(
            "Array.from(document.querySelectorAll('.kesu-photos img'))"
            ".map(i => i.getBoundingClientRect().width)"
        )
        assert widths and min(widths) >= 300  # about 80 mm or more, not a 14rem thumbnail
    finally:
        o.close()


def test_every_page_type_loads_offline(site: Path, offline: Offline) -> None:
    for rel in (
        "index.html",
        "generated/weekly/2026-W11.html",
        "generated/analysis/index.html",
        "generated/scorecards/index.html",
        "generated/policy.html",
        "generated/calendar.html",
    ):
        page = offline.open(site, rel)
        assert page.locator("h1").first.is_visible(), rel
    chart = page.goto((site / "generated/analysis/index.html").as_uri())
    assert chart is not None
    charts = offline.page.locator("img[src$='.svg']")
    assert charts.count() >= 2
    charts.first.scroll_into_view_if_needed()
    assert offline.page.evaluate(  # the charts are drawn, under the policy's img-src
        "Array.from(document.images).filter(i => i.src.endsWith('.svg'))"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )


def test_materials_snippets_run_from_the_file(site: Path, offline: Offline) -> None:
    # Material's inline snippets run from kesu-material.js (the policy allows no inline
    # script): the storage helpers exist, and a palette the reader chose is applied.
    page = offline.open(site, "generated/ledger/2026.html")
    assert page.evaluate("[typeof __md_get, typeof __md_set, __md_scope.href]") == [
        "function",
        "function",
        (site.resolve().as_uri() + "/"),
    ]
    page.evaluate("__md_set('__palette', {color: {scheme: 'slate', primary: 'teal'}})")
    page.evaluate("""() => new Promise((done, fail) => {
        const s = document.createElement("script")
        s.src = "../../assets/javascripts/kesu-material.js"
        s.setAttribute("data-kesu-part", "palette")
        s.onload = done; s.onerror = fail
        document.body.appendChild(s)
    })""")
    assert page.evaluate(
        "[document.body.dataset.mdColorScheme, document.body.dataset.mdColorPrimary]"
    ) == ["slate", "teal"]
    assert page.evaluate(
        "JSON.parse(document.getElementById('__config').textContent).search"
    ).endswith("assets/javascripts/kesu-search-worker.js")


DEMO_AS_OF = datetime(2026, 6, 5, 17, 30, tzinfo=TZ)


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo records' site (without the customer reports: tests/test_customer_report_site.py
    builds those)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", BUILD_EPOCH)
    mp.setenv("KESU_REPORTS", "0")
    try:
        tmp = tmp_path_factory.mktemp("demo-site")
        root = site_repo(tmp / "demo", REPO / "records")
        if (REPO / "attachments").is_dir():
            shutil.copytree(REPO / "attachments", root / "attachments")
        return built_site(root, tmp / "public", as_of=DEMO_AS_OF)
    finally:
        mp.undo()


def test_screenshots(tmp_path: Path, browser: Any, demo_site: Path) -> None:
    """The README's screenshots of the demo site, taken in a temp folder: every page renders
    offline without a script error. ``KESU_SCREENSHOTS=1`` writes them to docs/screenshots/."""
    as_of, out = DEMO_AS_OF, demo_site
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


# ------------------------------------------------------------------ hostile attachments

RECORD_PAGE = f"generated/records/{HOSTILE_RECORD}.html"
NOT_RUN = "[typeof window.pwned, document.title.includes('PWNED')]"


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", BUILD_EPOCH)
    try:
        root = hostile_attachments_repo(tmp_path_factory.mktemp("hostile-browser") / "repo")
        return built_site(root, root / "public")
    finally:
        mp.undo()


def _downloads(page: Any) -> list[tuple[str, str]]:
    return [
        (a.get_attribute("href") or "", a.get_attribute("download") or "")
        for a in page.locator("a[download]").all()
    ]


def test_no_script_of_an_attachment_runs_from_file(hostile_site: Path, offline: Offline) -> None:
    page = offline.open(hostile_site, RECORD_PAGE)
    page.wait_for_load_state("load")
    assert page.evaluate(NOT_RUN) == ["undefined", False]
    # The SVG photo is drawn (as a data: image, which never runs script), and so is the PNG.
    images = page.locator(".kesu-photos img")
    assert images.count() == 2
    images.first.scroll_into_view_if_needed()
    assert page.evaluate(
        "Array.from(document.querySelectorAll('.kesu-photos img'))"
        ".map(i => i.complete && i.naturalWidth > 0)"
    ) == [True, True]
    assert page.evaluate(NOT_RUN) == ["undefined", False]
    links = _downloads(page)
    active = {name for name, safe in SAFE_NAMES.items() if safe != name}
    assert sorted(name for _, name in links) == sorted(active)
    base = page.url
    for href, name in links:
        # From file:// the browser opens the .txt copy as plain text: nothing in it runs.
        page.goto(page.evaluate("h => new URL(h, location.href).href", href))
        assert page.evaluate("document.contentType") == "text/plain", name
        assert page.evaluate(NOT_RUN) == ["undefined", False], name
        assert HOSTILE_ATTACHMENTS[name].decode() in page.locator("body").inner_text() + "\n"
        page.goto(base)


def test_search_works_and_does_not_know_the_attachments(
    hostile_site: Path, offline: Offline
) -> None:
    page = offline.open(hostile_site, "index.html")
    page.click("label.md-search__icon, .md-search__input", timeout=5000)
    search(page, "控制")
    page.locator(f".md-search-result__item a[href*='{HOSTILE_RECORD}']").first.wait_for(
        timeout=10000
    )
    search(page, "pwned")
    page.locator(".md-search-result__meta").filter(has_text="没有").wait_for(timeout=5000)
    assert page.locator(".md-search-result__item").count() == 0


@pytest.fixture(scope="module")
def served(hostile_site: Path) -> Iterator[str]:
    """The hostile site over http from 127.0.0.1 (an intranet web server's place)."""

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(hostile_site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_over_http_attachments_download_under_their_names_and_search_works(
    served: str, browser: Any
) -> None:
    o = Offline(browser, allowed=(served,))
    try:
        page = o.page
        page.goto(served + RECORD_PAGE)
        assert page.evaluate(NOT_RUN) == ["undefined", False]
        for href, name in _downloads(page):
            with page.expect_download(timeout=10000) as info:
                page.locator(f"a[download='{name}']").first.click()
            download = info.value
            assert download.suggested_filename == name
            assert Path(download.path()).read_bytes() == HOSTILE_ATTACHMENTS[name]
            assert download.url.endswith(href.rsplit("/", 1)[1])
        # Opened directly, the copy of an SVG or HTML attachment is plain text.
        for name in ("drawing.svg", "page.html", "letter.md"):
            response = page.goto(f"{served}files/attachments/{HOSTILE_RECORD}/{SAFE_NAMES[name]}")
            assert response is not None
            assert response.headers["content-type"].startswith("text/plain"), name
            assert page.evaluate(NOT_RUN) == ["undefined", False], name
        # The site's own scripts work over http under the policy: search (a real worker here).
        page.goto(served + "generated/ledger/2026.html")
        page.click("label.md-search__icon, .md-search__input", timeout=5000)
        search(page, "控制")
        page.locator(f".md-search-result__item a[href*='{HOSTILE_RECORD}']").first.wait_for(
            timeout=10000
        )
        page.fill("input.kesu-filter", "蓝海")
        assert page.locator(".kesu-count").inner_text() == "1"
    finally:
        o.close()
