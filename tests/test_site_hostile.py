"""Hostile text in every free-text field of a record cannot inject markup into any page.

The free-text fields are found by walking the complaint schema (strings without enum or
format whose pattern, if any, accepts the payload), so a field added to the schema later is
covered without touching this test. The record is built, with MkDocs --strict, into a whole
site; every generated page, the search index and the downloads are then scanned.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.render.labels import schema_fields
from tests.conftest import load_record
from tests.site_fixtures import BUILD_EPOCH, FIXTURE_REPO, built_site, site_repo

MARK = "HOSTILE"
PAYLOAD = (
    '=HYPERLINK("http://evil.example/x") ' + MARK + ' <script>alert("x")</script>'
    "<img src=x onerror=alert(1)> [link](http://evil.example/md) **bold** _em_ `tick`"
    " | a | b |\n\n# Heading\n---\n{{ 7*191 }}{% if 1 %}JINJA{% endif %} <!-- &amp; ]]>"
)
SHORT = "<i>x</i>|{{7*191}}"
PNG = bytes.fromhex(  # a 1×1 PNG
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
# Fields whose values are checked against the policy or the record itself, not free text.
NOT_FREE = {"grade_declared.grade"}


def _free_text_paths() -> dict[str, int]:
    out = {}
    for path, node in schema_fields().items():
        if node.get("type") != "string" or "enum" in node or "format" in node:
            continue
        if path in NOT_FREE or path == "$schema":
            continue
        out[path] = int(node.get("maxLength", 100000))
    return out


def _payload(path: str, max_len: int) -> str | None:
    pattern = schema_fields()[path].get("pattern")
    for text in (PAYLOAD, PAYLOAD.replace("\n", " ").strip(), SHORT):
        if len(text) <= max_len and (pattern is None or re.search(pattern, text)):
            return text
    return None


def _set(node: Any, parts: list[str], value: str) -> int:
    """Set ``value`` at ``parts`` in every list element; returns how many places were set."""
    if not parts:
        return 0
    head, rest = parts[0], parts[1:]
    if head.endswith("[]"):
        items = node.get(head[:-2]) if isinstance(node, Mapping) else None
        if not isinstance(items, list) or not items:
            return 0
        if not rest:
            for i in range(len(items)):
                items[i] = value
            return len(items)
        return sum(_set(item, rest, value) for item in items)
    if head == "*":
        return sum(_set(v, rest, value) if rest else 0 for v in node.values())
    if not rest:
        node[head] = value
        return 1
    if head not in node or not isinstance(node[head], (dict, list)):
        return 0
    return _set(node[head], rest, value)


def _split(path: str) -> list[str]:
    return re.findall(r"[^.]+", path.replace("[].", "[]."))


def hostile_record() -> tuple[dict[str, Any], list[str]]:
    data = load_record(FIXTURE_REPO / "records/KS-2025-0001.yaml")
    data["id"] = "KS-2026-0999"
    # Sections the base record lacks, so that their fields are covered too.
    data["links"] = [{"id": "KS-2026-0001", "relation": "related", "note": "x"}]
    data["distinct_from"] = [{"id": "KS-2026-0001", "reason": "xx"}]
    data["notes"] = "x"
    data["attachments"] = [{"path": "attachments/none.pdf", "title": "x", "kind": "report"}]
    data["extensions"] = [
        {
            "milestone": "final_report",
            "new_due": "2025-01-30 17:00",
            "reason": "x",
            "approved_by": "x",
            "approved_at": "2025-01-15",
        }
    ]
    data["corrections"] = [
        {
            "field": "received_at",
            "from": "x",
            "to": "x",
            "reason": "x",
            "date": "2025-01-15",
            "by": "x",
        }
    ]
    data["d0_emergency"]["escalation_reason"] = "x"
    data["d1_team"]["leader"]["role"] = "x"
    data["d3_containment"]["not_applicable_reason"] = "x"
    data["d5_actions"]["preventive_waiver"] = {"reason": "x", "approved_by": "x"}
    data["d7_prevention"]["horizontal_deployment"]["reason"] = "x"
    data["d7_prevention"]["documents"][0]["not_needed_reason"] = "x"
    data["d8_closure"]["recognition"] = "x"
    data["product"]["repair_history"] = "x"
    data["approvals"][0]["comment"] = "x"
    data["d4_root_cause"]["fishbone"] = "attachments/fishbone.png"
    data["d2_problem"]["photos"] = ["attachments/p1.jpg"]
    data["grade_declared"] = {"grade": "1", "reason": "x", "by": "x"}
    data["imported"] = {"source": "x", "row": "x", "imported_at": "2025-01-15"}
    # A closed record has no cancellation: that block goes to a cancelled copy of it.
    data["cancellation"] = {"reason": "x", "at": "2025-01-20", "by": "x"}
    missed = []
    for path, max_len in _free_text_paths().items():
        text = _payload(path, max_len)
        if text is None:
            continue
        if not _set(data, _split(path), text):
            missed.append(path)
    return data, missed


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = site_repo(tmp_path_factory.mktemp("hostile"))
    data, missed = hostile_record()
    assert not missed, f"free-text fields the hostile record does not reach: {missed}"
    cancelled = load_record(FIXTURE_REPO / "records/KS-2026-0003.yaml")
    cancelled |= {
        "id": "KS-2026-0998",
        "title": PAYLOAD.replace("\n", " ")[:200],
        "cancellation": data.pop("cancellation"),
    }
    (root / "attachments").mkdir()
    for name in ("none.pdf", "p1.jpg", "fishbone.png"):
        (root / "attachments" / name).write_bytes(PNG)
    for name, record in (("KS-2026-0999", data), ("KS-2026-0998", cancelled)):
        (root / f"records/{name}.yaml").write_text(
            yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", BUILD_EPOCH)
    try:
        return built_site(root, root / "public")
    finally:
        mp.undo()


def _pages(site: Path) -> Iterator[tuple[Path, str]]:
    for page in sorted(site.rglob("*.html")):
        yield page, page.read_text(encoding="utf-8")


def test_the_hostile_record_is_on_the_site(hostile_site: Path) -> None:
    page = (hostile_site / "generated/records/KS-2026-0999.html").read_text(encoding="utf-8")
    assert page.count(MARK) > 40
    assert "&lt;script&gt;alert" in page


def test_no_page_contains_markup_from_record_text(hostile_site: Path) -> None:
    forbidden = {
        "<script>alert": "script",
        "<img src=x": "img",
        '<img src="x"': "img",
        'href="http://evil.example': "link",
        "<strong>bold</strong>": "Markdown emphasis",
        "<em>em</em>": "Markdown emphasis",
        "<code>tick</code>": "Markdown code",
        '<h1 id="heading"': "Markdown heading",
        "1337": "Jinja expression evaluated",
        "<i>x</i>": "inline tag",
    }
    seen = 0
    for page, text in _pages(hostile_site):
        if MARK in text or "{{7*191}}" in text:
            seen += 1
        for needle, what in forbidden.items():
            assert needle not in text, f"{page.relative_to(hostile_site)}: {what} ({needle})"
        # The Jinja text must be shown literally, never evaluated.
        assert text.count("JINJA") == text.count("{% if 1 %}JINJA{% endif %}"), page
    assert seen >= 5  # ledger, 8D page, weekly, scorecards, … all carried the text


class _Elements(HTMLParser):
    """Every element as parsed by a browser-like tokenizer, with its attributes and text."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on") and value and "alert" in value:
                self.found.append(f"<{tag} {name}>")
            if name in ("href", "src") and value and ("evil.example" in value or value == "x"):
                self.found.append(f"<{tag} {name}={value}>")
        self._in_script = tag == "script"

    def handle_data(self, data: str) -> None:
        if self._in_script and 'alert("x")' in data:
            self.found.append("<script> with record text")


def test_parsed_pages_hold_no_element_from_record_text(hostile_site: Path) -> None:
    for page, text in _pages(hostile_site):
        parser = _Elements()
        parser.feed(text)
        assert not parser.found, f"{page.relative_to(hostile_site)}: {parser.found}"


def test_tables_keep_their_shape(hostile_site: Path) -> None:
    ledger = (hostile_site / "generated/ledger/2025.html").read_text(encoding="utf-8")
    body = ledger[ledger.index("<tbody>") : ledger.index("</tbody>")]
    rows = body.count("<tr")
    assert rows == 2  # KS-2025-0001 and the hostile record
    cells = [row.count("<td") for row in body.split("<tr")[1:]]
    assert len(set(cells)) == 1


def test_page_titles_are_escaped(hostile_site: Path) -> None:
    for page, text in _pages(hostile_site):
        title = text[text.index("<title>") : text.index("</title>")]
        assert "<script" not in title and "<i>" not in title, page


def test_search_index_and_downloads_are_inert(hostile_site: Path) -> None:
    index = (hostile_site / "search/search_index.json").read_text(encoding="utf-8")
    assert "<script>" not in index and "<img src" not in index
    raw = (hostile_site / "generated/exports/ledger-2025.csv").read_bytes().decode("utf-8-sig")
    for row in csv.reader(io.StringIO(raw)):
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@")), cell
    from openpyxl import load_workbook

    ws = load_workbook(hostile_site / "generated/exports/ledger-2025.xlsx").active
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", cell.value


def test_the_mkdocs_hook_changes_nothing_on_the_hostile_site(hostile_site: Path) -> None:
    # Record text full of Markdown, HTML and blank lines: the hook sets the same raw HTML aside
    # as Python-Markdown would, so every page and the search index come out the same.
    from tests.test_site_engine import assert_hook_changes_nothing

    assert_hook_changes_nothing(hostile_site.parent)
