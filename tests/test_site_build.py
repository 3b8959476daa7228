"""The whole site of the fixture repository, built with MkDocs --strict from a temp folder."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from tests.site_fixtures import AS_OF, BUILD_EPOCH, built_site, site_repo


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.refs.append((tag, value))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", BUILD_EPOCH)
    try:
        root = site_repo(tmp_path_factory.mktemp("repo"))
        out = built_site(root, root / "public")  # how long a build takes: python -m bench.run
    finally:
        mp.undo()
    return out


def html_files(site: Path) -> list[Path]:
    # 404.html is for web servers only and uses root-absolute links by MkDocs' design.
    return sorted(p for p in site.rglob("*.html") if p.name != "404.html")


def test_pages_exist(site: Path) -> None:
    for rel in (
        "index.html",
        "generated/ledger/index.html",
        "generated/ledger/2026.html",
        "generated/records/KS-2026-0001.html",
        "generated/weekly/index.html",
        "generated/weekly/2026-W11.html",
        "generated/analysis/index.html",
        "generated/analysis/2026-Q1.html",
        "generated/scorecards/index.html",
        "generated/policy.html",
        "generated/calendar.html",
        "search/search_index.js",
        "generated/exports/ledger-all.xlsx",
        "generated/calendar/all.ics",
        "generated/analysis/charts/trend.svg",
    ):
        assert (site / rel).is_file(), rel


def test_every_local_link_resolves_and_nothing_leaves_the_site(site: Path) -> None:
    for page in html_files(site):
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for tag, ref in parser.refs:
            parts = urlsplit(ref)
            if parts.scheme in ("http", "https") or ref.startswith("//"):
                # Only hyperlinks a reader clicks may point outside; nothing is loaded from there.
                assert tag == "a", f"{page}: {tag} loads {ref}"
                continue
            if parts.scheme or not parts.path:
                continue
            target = (page.parent / unquote(parts.path)).resolve()
            assert target.exists(), f"{page.relative_to(site)} → {ref}"


def test_no_cdn_or_font_request_in_any_page(site: Path) -> None:
    for page in html_files(site):
        text = page.read_text(encoding="utf-8")
        assert "fonts.googleapis" not in text and "fonts.gstatic" not in text
        assert "unpkg.com" not in text and "cdn.jsdelivr" not in text, page


def test_record_pages_are_not_in_the_navigation(site: Path) -> None:
    home = (site / "generated/policy.html").read_text(encoding="utf-8")
    nav = home[home.index('class="md-nav md-nav--primary') :]
    nav = nav[: nav.index("</nav>")]
    assert "records/KS-" not in nav
    assert "records/KS-2026-0001.html" in (site / "generated/ledger/2026.html").read_text("utf-8")


def test_links_end_in_html_for_file_urls(site: Path) -> None:
    ledger = (site / "generated/ledger/2026.html").read_text(encoding="utf-8")
    assert 'href="../records/KS-2026-0001.html"' in ledger


def test_contacts_are_masked(site: Path) -> None:
    page = (site / "generated/records/KS-2026-0001.html").read_text(encoding="utf-8")
    assert "zhangwei@hdae" not in page and "6688 1234" not in page
    index = (site / "search/search_index.json").read_text(encoding="utf-8")
    assert "zhangwei@hdae" not in index


def test_8d_page_carries_commit_and_build_time(site: Path) -> None:
    page = (site / "generated/records/KS-2025-0001.html").read_text(encoding="utf-8")
    assert "kesu-build-stamp" in page and "2026-03-13 18:00" in page
    assert re.search(r"构建自提交 <code>[^<]+</code>", page)


def test_xlsx_has_filter_frozen_header_and_dates(site: Path) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(site / "generated/exports/ledger-2026.xlsx")
    ws = wb.active
    assert ws.freeze_panes == "B2"
    assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
    assert ws.cell(row=1, column=1).value == "编号"
    assert ws.cell(row=2, column=3).is_date


def test_csv_is_utf8_with_bom(site: Path) -> None:
    raw = (site / "generated/exports/ledger-2026.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][0] == "编号" and len(rows) == 4


def test_calendar_feeds(site: Path) -> None:
    from icalendar import Calendar

    cal = Calendar.from_ical((site / "generated/calendar/all.ics").read_bytes())
    uids = {str(ev["uid"]) for ev in cal.walk("VEVENT")}
    assert "KS-2026-0001.final_report@kesu" in uids
    owners = list((site / "generated/calendar").glob("owner-*.ics"))
    assert owners


def test_write_if_changed_rewrites_nothing_the_second_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator.config.settings import load_config
    from generator.site.build import compute_site, generate

    monkeypatch.setenv("SOURCE_DATE_EPOCH", BUILD_EPOCH)
    root = site_repo(tmp_path)
    config, _ = load_config(root)
    site = compute_site(config, AS_OF, "zh", strict=True, out=io.StringIO())
    assert site is not None
    first = generate(config, site)
    assert first > 10
    md = list((root / "site/generated").rglob("*.md"))
    stamps = {p: p.stat().st_mtime_ns for p in md}
    assert generate(config, site) <= 4  # only the xlsx zips carry their own timestamps
    assert all(p.stat().st_mtime_ns == stamps[p] for p in md)


def test_english_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", BUILD_EPOCH)
    root = site_repo(tmp_path)
    out = built_site(root, tmp_path / "public-en", lang="en")
    page = (out / "generated/records/KS-2026-0001.html").read_text(encoding="utf-8")
    assert '<html lang="en"' in page
    assert "Why this grade" in page and "Description" in page
