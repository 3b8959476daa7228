"""Any text in any string field of a valid record: refused with a located error, or published
only escaped.

Hypothesis puts generated text (control, bidirectional and invisible characters, emoji, lone
surrogates, very long strings, HTML, Markdown, Jinja, snippet, iCalendar and spreadsheet
syntax) into one string field of a valid record at a time, found by walking the record. Either
validation refuses the record with a located error (naming the character when the text holds
one the rule refuses), or the pages, downloads and calendar feeds rendered from it hold no
refused character, no element or attribute made from the text, no formula and no broken
calendar line. A few fixed hostile records go through the whole ``kesu build``.
"""

from __future__ import annotations

import copy
import csv
import dataclasses
import importlib
import io
import re
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from generator.cli.main import main
from generator.common import textrules
from generator.config.settings import load_config, load_schema
from generator.load.schemamsg import CHARACTER_CODE
from generator.pipeline import analyse
from generator.render import dashboard, ics, ledger, report8d, scorecards, weekly
from generator.render.pages import Page
from generator.site.build import compute_site
from tests.conftest import load_record
from tests.site_fixtures import AS_OF, BUILD_EPOCH, FIXTURE_REPO, built_site, site_repo

RECORD = "KS-2026-0001"  # open, with an owner and open deadlines: on the calendar feeds
RICH = "KS-2025-0001"  # closed, every 8D step filled in: on every part of the 8D page
BASES: dict[str, dict[str, Any]] = {
    rid: load_record(FIXTURE_REPO / f"records/{rid}.yaml") for rid in (RECORD, RICH)
}
BASE = BASES[RECORD]
# Sections the rich record lacks, so that their fields are reached too (attachments aside:
# they need files).
BASES[RICH] |= {
    "links": [{"id": RECORD, "relation": "related", "note": "同一客户"}],
    "notes": "备注",
    "imported": {"source": "旧台账", "row": "12", "imported_at": "2025-01-15"},
    "extensions": [
        {
            "milestone": "final_report",
            "new_due": "2025-01-30 17:00",
            "reason": "客户同意",
            "approved_by": "王磊",
            "approved_at": "2025-01-15",
        }
    ],
}
FORMULA = ("=", "+", "-", "@", "\t", "\r")
MD_EXTENSIONS = ["attr_list", "tables", "toc", "pymdownx.snippets"]


def _string_paths(node: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    if isinstance(node, str):
        yield path
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _string_paths(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _string_paths(value, (*path, i))


PATHS = [(rid, p) for rid, data in BASES.items() for p in sorted(_string_paths(data), key=str)]


def _schema_node(path: tuple[str | int, ...]) -> dict[str, Any]:
    """The complaint schema's node for a record path, ``$ref`` resolved."""
    schema = load_schema("complaint")
    node: dict[str, Any] = schema
    for part in (*path, None):
        while "$ref" in node:
            node = {
                **schema["$defs"][node["$ref"].rsplit("/", 1)[-1]],
                **{k: v for k, v in node.items() if k != "$ref"},
            }
        if part is None:
            break
        if isinstance(part, int):
            node = node["items"]
        else:
            node = node.get("properties", {}).get(part) or node["additionalProperties"]
    return node


# Free text (a text rule and no closed pattern, enum or format): most examples land here, so
# that most of them get through validation and are rendered.
FREE = [
    (rid, p)
    for rid, p in PATHS
    if _schema_node(p).get("pattern") in textrules.PATTERNS and "format" not in _schema_node(p)
]


def _dotted(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + part
    return out


CONTROL = st.sampled_from(
    [
        "\n",
        "\r",
        "\r\n",
        "\t",
        "\x00",
        "\x07",
        "\x1b[2J",
        "\x7f",
        "\x85",
        "\x9b",
        "\u2028",
        "\u2029",
        "\u202e",
        "\u202d",
        "\u2066",
        "\u2069",
        "\u200e",
        "\u061c",
        "\u200b",
        "\u200d",
        "\u2060",
        "\ufeff",
        "\u00ad",
        "\ufff9",
        "\ud800",
        "\udfff",
    ]
)
HOSTILE = st.sampled_from(
    [
        "<script>EVIL</script>",
        "<img src=x onerror=EVIL>",
        '"><b onclick=EVIL>x</b>',
        "[EVIL](http://evil.example/)",
        "![EVIL](http://evil.example/i.png)",
        "<http://evil.example>",
        "**EVIL**",
        "_EVIL_",
        "`EVIL`",
        "{: .EVIL onclick=EVIL }",
        '--8<-- "EVIL.md"',
        "{% if 1 %}EVIL{% endif %}",
        "{{ 7*191 }}",
        "{## EVIL ##}",
        "&lt;b&gt;EVIL",
        "| EVIL | x |",
        "<!-- EVIL -->",
        "]]>",
        '=HYPERLINK("http://evil.example")',
        "+EVIL",
        "-1+1",
        "@EVIL",
        " =EVIL",
        "BEGIN:VEVENT",
        "a;b,c\\d:e",
        "$\\EVIL$",
        "😀",
        "👩\u200d🔧",
        "العربية",
        "中文",
    ]
)
ANY_CHAR = st.text(st.characters(codec="utf-8"), max_size=12)  # controls too, no surrogates
VISIBLE = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cc", "Cf", "Cs", "Zl", "Zp"]), max_size=12
)
LONG = st.integers(min_value=150, max_value=20_100).map(lambda n: "长" * n)
TEXT = st.one_of(
    st.builds(lambda a, b, c: a + b + c, ANY_CHAR, st.one_of(CONTROL, HOSTILE), ANY_CHAR),
    st.builds(lambda a, b, c: a + b + c, VISIBLE, HOSTILE, VISIBLE),
    st.lists(HOSTILE, min_size=1, max_size=3).map(" ".join),
    VISIBLE,
    ANY_CHAR,
    LONG,
    st.lists(st.one_of(HOSTILE, CONTROL, ANY_CHAR), max_size=5).map("".join),
)


def _dump(data: Any) -> str:
    try:
        return yaml.dump(data, Dumper=yaml.CSafeDumper, allow_unicode=True, sort_keys=False)
    except UnicodeEncodeError:  # a lone surrogate: PyYAML's own emitter writes it as "\ud800"
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("text-property")
    shutil.copytree(FIXTURE_REPO, root, dirs_exist_ok=True)
    for rid, data in BASES.items():
        (root / f"records/{rid}.yaml").write_text(_dump(data), encoding="utf-8")
    return root


def _render(root: Path) -> list[Page] | list[str]:
    """The rendered pages, or the located errors that stop the build (as text)."""
    config, diags = load_config(root)
    assert not diags
    analysis = analyse(config, AS_OF)
    errors = [d for d in analysis.diagnostics if d.severity == "error"]
    if errors:
        return [f"{d.location()} {d.code} {d.field} {d.message('en')}" for d in errors]
    site = compute_site(config, AS_OF, "zh", strict=True, out=io.StringIO())
    assert site is not None
    return [
        *report8d.record_pages(site, {}, {}),
        *ledger.ledger_pages(site),
        *ics.calendar_pages(site),
        *weekly.weekly_pages(site),
        *dashboard.dashboard_pages(site),
        *scorecards.scorecard_pages(site),
    ]


# Attributes that would make a link, load something, style or classify an element (attr_list).
_ACTIVE = {"href", "src", "srcset", "action", "formaction", "class", "id", "style"}


class _Elements(HTMLParser):
    """What a browser would make of a page: elements or attributes made from the text.

    Text in a ``title="…"`` attribute or between tags is fine: that is where escaped text is.
    """

    def __init__(self, evaluated: str = "") -> None:
        super().__init__()
        self.found: list[str] = []
        self._tag = ""
        self._evaluated = evaluated

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag = tag
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}>")
            elif name in _ACTIVE and value and ("EVIL" in value or "evil.example" in value):
                self.found.append(f"<{tag} {name}={value[:40]!r}>")
            elif tag == "img" and name == "src" and value == "x":
                self.found.append("<img src=x>")

    def handle_data(self, data: str) -> None:
        if self._tag == "script" and "EVIL" in data:
            self.found.append(f"<script>{data[:20]}")
        if self._tag in ("strong", "em", "code", "b") and data == "EVIL":  # **EVIL**, _EVIL_…
            self.found.append(f"<{self._tag}>EVIL")
        if self._evaluated and self._evaluated in data:
            self.found.append("a Jinja expression was evaluated")


def _formula_like(text: str) -> bool:
    return text.lstrip(" ").startswith(FORMULA)


def _no_refused(text: str, where: str) -> None:
    bad = textrules.first_bad(text, "text")
    assert bad is None, f"{where}: {bad.code if bad else ''} at {bad.index if bad else ''}"


def _check_markdown(page: Page, text: str, site_dir: Path) -> None:
    content = str(page.content)
    _no_refused(content, page.path)
    if "<" in text and len(text) >= 4:  # escaped, a "<" is "&lt;" wherever the text is
        assert text not in content, f"{page.path}: the text is on the page unescaped"
    if page.path.endswith((f"{RECORD}.md", f"{RICH}.md", "ledger/2025.md", "ledger/2026.md")):
        body = re.sub(r"\A---\n.*?\n---\n", "", content, flags=re.S)
        html = importlib.import_module("markdown").markdown(
            body,
            extensions=MD_EXTENSIONS,
            extension_configs={
                "pymdownx.snippets": {"base_path": [str(site_dir)], "check_paths": True}
            },
        )
        parser = _Elements("1337" if "7*191" in text else "")
        parser.feed(html)
        assert parser.found == [], page.path


def _check_ics(page: Page) -> None:
    from icalendar import Calendar

    raw = bytes(page.content) if isinstance(page.content, bytes) else page.content.encode()
    content = raw.decode("utf-8")
    assert content.endswith("\r\n")
    for line in content[:-2].split("\r\n"):
        assert "\r" not in line and "\n" not in line, page.path
        assert len(line.encode("utf-8")) <= 75, page.path  # folded
        _no_refused(line, page.path)
    cal = Calendar.from_ical(content)
    for event in cal.walk("VEVENT"):
        assert str(event["UID"]).endswith("@kesu")


def _check_csv(page: Page) -> None:
    assert isinstance(page.content, bytes)
    for row in csv.reader(io.StringIO(page.content.decode("utf-8-sig"))):
        for cell in row:
            _no_refused(cell, page.path)
            assert not _formula_like(cell) or cell.startswith("'"), (page.path, cell)


def _check_xlsx(page: Page) -> None:
    from openpyxl import load_workbook

    assert isinstance(page.content, bytes)
    sheet = load_workbook(io.BytesIO(page.content)).active
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", (page.path, cell.value)
            if isinstance(cell.value, str):
                _no_refused(cell.value, page.path)
                assert not _formula_like(cell.value) or cell.quotePrefix, (page.path, cell.value)


def _check_refusal(errors: list[str], rid: str, path: str, text: str) -> None:
    assert errors, "an error was expected"
    for line in errors:
        # file:line[:col] code field message
        assert re.match(r"records/\S+\.yaml:\d+", line), f"not located: {line}"
    bad = textrules.first_bad(text, "text")
    if bad is not None:  # refused in every field: the field's error names it
        codes = {bad.code, getattr(textrules.first_bad(text, "line"), "code", "")}
        named = [
            e for e in errors if f" {CHARACTER_CODE} {path} " in e and any(c in e for c in codes)
        ]
        # or the file is refused as a whole (a raw control character, a YAML escape that is
        # not a character)
        unreadable = [
            e for e in errors if f"{rid}.yaml" in e and re.search(r" (yaml|file)-\S+ ", e)
        ]
        assert named or unreadable, (bad.code, errors)


SETTINGS = settings(
    database=None,  # nothing written into the repository
    derandomize=True,  # the same examples on every run
    max_examples=60,
    deadline=None,  # a render takes tens of milliseconds; no timing asserts
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@SETTINGS
@given(
    where=st.one_of(
        st.sampled_from(FREE),
        st.sampled_from([w for w in FREE if w[0] == RECORD]),  # the calendar feeds' record
        st.sampled_from(PATHS),
    ),
    text=TEXT,
)
@example(where=(RECORD, ("responsibility", "owner")), text="王磊\n")
@example(where=(RECORD, ("title",)), text="华东汽车电子 \u202e热过致导")
@example(where=(RECORD, ("reporter", "name")), text="王\u200b芳")
@example(where=(RECORD, ("responsibility", "owner")), text='Wang, Lei; <b>EVIL</b> =1+1 "q"')
@example(where=(RICH, ("title",)), text="[EVIL](http://evil.example/) **EVIL** {: .EVIL } --8<-- x")
@example(where=(RECORD, ("title",)), text='=HYPERLINK("http://evil.example/", "EVIL")')
@example(where=(RECORD, ("customer", "company")), text="@SUM(1+1)*cmd|' /C calc'!A0")
def test_text_is_refused_or_published_escaped(
    repo: Path, where: tuple[str, tuple[str | int, ...]], text: str
) -> None:
    rid, path = where
    data = copy.deepcopy(BASES[rid])
    node: Any = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = text
    record = repo / f"records/{rid}.yaml"
    record.write_text(_dump(data), encoding="utf-8")
    try:
        result = _render(repo)
    finally:
        record.write_text(_dump(BASES[rid]), encoding="utf-8")
    if result and isinstance(result[0], str):
        _check_refusal([str(r) for r in result], rid, _dotted(path), text)
        return
    bad = textrules.first_bad(text, "text")
    assert bad is None, f"{bad.code if bad else ''} in {_dotted(path)} passed validation"
    for page in result:
        assert isinstance(page, Page)
        if page.path.endswith(".md"):
            _check_markdown(page, text, repo / "site")
        elif page.path.endswith(".ics"):
            _check_ics(page)
        elif page.path.endswith(".csv"):
            _check_csv(page)
        elif page.path.endswith(".xlsx"):
            _check_xlsx(page)


def test_calendar_feeds_escape_what_validation_never_sees(repo: Path) -> None:
    """Defence in depth: a site title with a line break, a bidi control and iCalendar's own
    separators (the config is built here, not read, so no schema stands in the way)."""
    from icalendar import Calendar

    config, _ = load_config(repo)
    config = dataclasses.replace(config, site_title="客诉\n与8D\u202e; a,b\\c")
    site = compute_site(config, AS_OF, "zh", strict=True, out=io.StringIO())
    assert site is not None
    feeds = [p for p in ics.calendar_pages(site) if p.path.endswith(".ics")]
    assert len(feeds) >= 2
    for feed in feeds:
        _check_ics(feed)
        name = str(Calendar.from_ical(feed.content)["X-WR-CALNAME"])  # an X- value, as written
        assert name.startswith("客诉\\n与8D\ufffd\\; a\\,b\\\\c · ")


# --- whole builds --------------------------------------------------------------------------


def _repo_with(tmp_path: Path, path: tuple[str, ...], text: str) -> Path:
    root = site_repo(tmp_path / "repo")
    data = copy.deepcopy(BASE)
    node: Any = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = text
    (root / f"records/{RECORD}.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return root


KNOWN_BAD = [
    (("responsibility", "owner"), "王磊\n", "U+000A"),
    (("title",), "华东汽车电子 \u202e热过致导", "U+202E"),
    (("reporter", "name"), "王\u200b芳", "U+200B"),
]


@pytest.mark.parametrize(("path", "text", "code"), KNOWN_BAD, ids=["LF", "RLO", "ZWSP"])
def test_validate_and_build_refuse_the_known_bad_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], path: tuple[str, ...], text: str, code: str
) -> None:
    root = _repo_with(tmp_path, path, text)
    field = ".".join(path)
    assert main(["-C", str(root), "--lang", "en", "validate"]) == 1
    out = capsys.readouterr().out
    assert re.search(
        rf"records/{RECORD}\.yaml:\d+:\d+: error \[{CHARACTER_CODE}\] {field}: .*{re.escape(code)}",
        out,
    )
    # Before: the line break passed validation and the build failed with exit 3 (internal error).
    code_build = main(["-C", str(root), "--lang", "en", "build", "--as-of", "2026-03-13 18:00"])
    err = capsys.readouterr().err
    assert code_build == 1
    assert f"[{CHARACTER_CODE}] {field}" in err and "internal error" not in err


def test_a_hostile_but_valid_owner_and_site_title_build(tmp_path: Path) -> None:
    owner = 'Wang, Lei; <b>EVIL</b> [EVIL](http://evil.example/) =1+1 \\ "q"'
    root = _repo_with(tmp_path, ("responsibility", "owner"), owner)
    (root / "kesu.yaml").write_text(
        yaml.safe_dump({"site": {"title": '</title><script>EVIL</script> R&D "q"'}}),
        encoding="utf-8",
    )
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", BUILD_EPOCH)
    try:
        site = built_site(root, root / "public")
    finally:
        mp.undo()
    from icalendar import Calendar

    feeds = sorted((site / "generated/calendar").glob("*.ics"))
    owners = set()
    for feed in feeds:
        cal = Calendar.from_ical(feed.read_bytes())
        for event in cal.walk("VEVENT"):
            owners |= {line for line in str(event["DESCRIPTION"]).splitlines() if "EVIL" in line}
    assert any(owner in line for line in owners)  # the name survives, escaped and unescaped
    for page in sorted(site.rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        title = html[html.index("<title>") : html.index("</title>")]
        assert "<script" not in title and "</title" not in title[7:], page
        parser = _Elements()
        parser.feed(html)
        assert parser.found == [], page
