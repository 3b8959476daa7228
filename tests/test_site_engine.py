"""What keeps the site build fast and small (issue 6), each pinned by a test.

- the search index leaves out the pages that only repeat record rows (weekly, yearly
  ledgers, scorecards), and keeps the 8D pages;
- no ``md_in_html``: nothing uses ``markdown="1"``;
- no page changes with the commit alone: after a one-record change only that record's page
  (and the Excel files, which carry their own time) is rewritten;
- the MkDocs hook (``site/hooks/kesu.py``) changes nothing in the built pages, falls back to
  Python-Markdown where raw HTML spans blank lines, and frees each page's source and HTML;
- the pages are generated in a child process, whose memory is gone before MkDocs starts;
- the benchmark's floor is a bare MkDocs build: no hooks.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tests.site_fixtures import AS_OF, BUILD_EPOCH, REPO, pinned_build, site_repo

EXCLUDED = ("generated/weekly/2026-W11.md", "generated/ledger/2026.md")
FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.S)


def _front(text: str) -> str:
    m = FRONT.match(text)
    assert m, text[:200]
    return m.group(1)


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    from generator.config.settings import load_config
    from generator.render import render_site
    from generator.site.build import compute_site

    root = site_repo(tmp_path_factory.mktemp("pages"))
    config, _ = load_config(root)
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", BUILD_EPOCH)
    try:
        site = compute_site(config, AS_OF, "zh", strict=True, out=io.StringIO())
    finally:
        mp.undo()
    assert site is not None
    return {p.path: p.content for p in render_site(site, {}) if isinstance(p.content, str)}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return pinned_build(tmp_path_factory.mktemp("built"))


# ------------------------------------------------------------------ search index


def test_pages_that_repeat_record_rows_are_left_out_of_search(pages: dict[str, str]) -> None:
    scorecards = [p for p in pages if re.fullmatch(r"generated/scorecards/.+-.+\.md", p)]
    assert scorecards
    for path in (*EXCLUDED, *scorecards):
        assert "\nsearch:\n  exclude: true\n" in "\n" + _front(pages[path]) + "\n", path
    records = [p for p in pages if p.startswith("generated/records/")]
    assert len(records) == 4
    for path in (
        *records,
        "generated/weekly/index.md",
        "generated/ledger/index.md",
        "generated/scorecards/index.md",
        "generated/analysis/index.md",
    ):
        assert "search" not in _front(pages[path]), path


def test_search_index_holds_record_pages_only_once_rows_are_left_out(built: Path) -> None:
    index = json.loads((built / "search/search_index.json").read_text(encoding="utf-8"))
    pages = {doc["location"].split("#")[0] for doc in index["docs"]}
    assert "generated/records/KS-2026-0001.html" in pages
    assert not [p for p in pages if re.match(r"generated/(weekly|ledger)/\d", p)]
    assert not [p for p in pages if re.match(r"generated/scorecards/.+-", p)]
    text = " ".join(
        doc["text"]
        for doc in index["docs"]
        if doc["location"].startswith("generated/records/KS-2026-0001.html")
    )
    assert "温度控制" in text  # no word segmentation (zero-width spaces) inside phrases


# ------------------------------------------------------------------ markdown extensions


def test_no_md_in_html_and_nothing_needs_it() -> None:
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    assert "md_in_html" not in config
    sources = [
        *(REPO / "generator/render/templates").glob("*.j2"),
        *(REPO / "site").rglob("*.md"),
        *(REPO / "site/overrides").rglob("*.html"),
    ]
    sources = [p for p in sources if "generated" not in p.relative_to(REPO).parts]
    assert sources
    for path in sources:
        assert not re.search(r"markdown=[\"']?(1|block|span)", path.read_text("utf-8")), path


# ------------------------------------------------------------------ incremental generation


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        [
            "git",
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.invalid",
            "-c",
            "commit.gpgsign=false",
            *args,
        ],
        cwd=root,
        check=True,
        capture_output=True,
    )


def test_one_record_change_rewrites_only_that_records_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator.config.settings import load_config
    from generator.site.build import generate_pages

    monkeypatch.setenv("SOURCE_DATE_EPOCH", BUILD_EPOCH)
    root = site_repo(tmp_path / "repo")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "records")
    config, _ = load_config(root)
    first = generate_pages(config, AS_OF, "zh", strict=True)
    assert first.ok and first.written > 10
    generated = root / "site/generated"
    before = {
        p: (p.read_bytes(), p.stat().st_mtime_ns) for p in generated.rglob("*") if p.is_file()
    }

    record = root / "records/KS-2026-0002.yaml"
    record.write_text(
        record.read_text(encoding="utf-8") + "notes: 客户来电确认已收到样品。\n", encoding="utf-8"
    )
    _git(root, "commit", "-q", "-am", "KS-2026-0002: note")
    second = generate_pages(config, AS_OF, "zh", strict=True)
    assert second.ok

    touched = {
        p.relative_to(generated).as_posix()
        for p, (_, mtime) in before.items()
        if p.stat().st_mtime_ns != mtime
    }
    changed = {
        p.relative_to(generated).as_posix()
        for p, (data, _) in before.items()
        if p.read_bytes() != data
    }
    assert {p for p in changed if p.endswith(".md")} == {"records/KS-2026-0002.md"}
    assert {p for p in touched if not p.endswith(".xlsx")} == {"records/KS-2026-0002.md"}
    assert second.written == len(touched) <= 5
    # The commit reaches the pages through the build stamp, which is the same for all pages.
    assert first.stamp["KESU_STAMP_COMMIT"] != second.stamp["KESU_STAMP_COMMIT"]
    assert "KESU_STAMP_COMMIT" not in (generated / "records/KS-2026-0001.md").read_text("utf-8")


def test_build_stamp_is_on_8d_pages_only(built: Path) -> None:
    stamp = re.compile(
        r'<div class="kesu-build-stamp">构建自提交 <code>[^<]+</code> · '
        r"构建时间 2026-03-13 18:00 · 统计时点 2026-03-13 18:00</div>"
    )
    for record in ("KS-2025-0001", "KS-2026-0003"):
        page = (built / f"generated/records/{record}.html").read_text(encoding="utf-8")
        assert len(stamp.findall(page)) == 1, record
    for other in ("index.html", "generated/ledger/2026.html", "generated/policy.html"):
        assert "kesu-build-stamp" not in (built / other).read_text(encoding="utf-8"), other


def test_pages_are_generated_in_a_child_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import generator.site.build as build
    from generator.config.settings import load_config

    pids = tmp_path / "pids"
    real = build.generate

    def spy(config: Any, site: Any) -> int:
        with pids.open("a") as fh:
            fh.write(f"{os.getpid()}\n")
        return real(config, site)

    monkeypatch.setattr(build, "generate", spy)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", BUILD_EPOCH)
    root = site_repo(tmp_path / "repo")
    config, _ = load_config(root)
    out = io.StringIO()
    result = build.generate_isolated(config, AS_OF, "zh", strict=True, out=out)
    assert result.ok and result.written > 10
    assert result.stamp["KESU_STAMP_LABEL"] == "构建自提交"
    assert pids.read_text().split() != [str(os.getpid())]
    assert (root / "site/generated/records/KS-2026-0001.md").is_file()


def test_a_refused_build_reports_from_the_child(tmp_path: Path) -> None:
    import generator.site.build as build
    from generator.config.settings import load_config

    root = site_repo(tmp_path / "repo")
    bad = root / "records/KS-2026-0002.yaml"
    bad.write_text(
        bad.read_text(encoding="utf-8").replace("status: registered", "status: nonsense"),
        encoding="utf-8",
    )
    config, _ = load_config(root)
    out = io.StringIO()
    result = build.generate_isolated(config, AS_OF, "en", strict=True, out=out)
    assert not result.ok
    assert "KS-2026-0002" in out.getvalue() and "status" in out.getvalue()


# ------------------------------------------------------------------ the MkDocs hook


def _mkdocs(root: Path, config: Path, out: Path) -> None:
    from generator.config.settings import load_config
    from generator.site.build import mkdocs_env

    repo_config, _ = load_config(root)
    env = mkdocs_env(
        repo_config,
        "zh",
        {"KESU_STAMP_LABEL": "L", "KESU_STAMP_COMMIT": "C", "KESU_STAMP_DETAIL": "D"},
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--quiet",
            "-f",
            str(config),
            "-d",
            str(out),
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def assert_hook_changes_nothing(root: Path) -> None:
    """Build the generated pages in ``root`` with and without the hook: the same HTML.

    The hook is ``site/hooks/kesu.py``; ``kesu_site.py`` (attachments in ``kesu serve``
    only) stays in both builds. tests/test_site_parity.py builds whole sites without any."""
    bare = root / "mkdocs-bare.yml"
    text = (root / "mkdocs.yml").read_text("utf-8")
    assert "  - site/hooks/kesu.py\n" in text
    bare.write_text(text.replace("  - site/hooks/kesu.py\n", ""), encoding="utf-8")
    _mkdocs(root, root / "mkdocs.yml", root / "with-hook")
    _mkdocs(root, bare, root / "without-hook")
    html = sorted(p.relative_to(root / "with-hook") for p in (root / "with-hook").rglob("*.html"))
    assert len(html) > 20
    assert html == sorted(
        p.relative_to(root / "without-hook") for p in (root / "without-hook").rglob("*.html")
    )
    for rel in html:
        a = (root / "with-hook" / rel).read_text(encoding="utf-8")
        b = (root / "without-hook" / rel).read_text(encoding="utf-8")
        assert a == b, rel
    index = (root / "with-hook/search/search_index.json").read_bytes()
    assert json.loads(index)["docs"]
    assert index == (root / "without-hook/search/search_index.json").read_bytes()


SEARCH_CASES = [
    '<h1 id="t">Title <a class="headerlink" href="#t">¶</a></h1><p>One &amp; <b>two</b></p>',
    '<p>lead</p><h2 id="a">A</h2><table><tr><TD Class="x">1 &lt; 2</TD></tr></table>'
    "<div data-search-exclude><p>hidden</p><div>also</div></div><p>after</p>",
    '<h3 id="b">B<sup>2</sup></h3><pre><code>line 1\n  line 2\n</code></pre><ul><li> </li>'
    "<li>x</li></ul><br/><img src='a.png' alt=\"a\"><p>\n \n</p>",
    '<div><h2 id="n">Nested</h2><p>in</p></div><p>out</p><div class="linenodiv">1 2</div>t',
    "<p>a<b>b</b>c</p>\n\n<p>  </p><span>&#x41;&eacute;&nbsp;</span>",
]


@pytest.mark.parametrize("html", SEARCH_CASES)
def test_the_search_hook_reads_a_page_as_material_does(html: str) -> None:
    from material.plugins.search import plugin

    from generator.site import mkdocs_search

    tokens = mkdocs_search.simple_tokens(html)
    assert tokens is not None
    stock = plugin.Parser()
    stock.feed(html)
    stock.close()
    fast = mkdocs_search.sections(tokens, plugin)
    assert [(s.id, s.title, s.text, s.el.tag, s.depth, s.is_excluded()) for s in fast] == [
        (s.id, s.title, s.text, s.el.tag, s.depth, s.is_excluded()) for s in stock.data
    ]


@pytest.mark.parametrize(
    "html",
    [
        "<p>a</p><!-- c -->",
        "<script>x<y</script>",
        "<p>1 < 2</p>",
        "<a href=x>u</a>",
        "<!DOCTYPE html>",
    ],
)
def test_the_search_hook_leaves_other_html_to_html_parser(html: str) -> None:
    from generator.site.mkdocs_search import simple_tokens

    assert simple_tokens(html) is None


def test_the_hook_changes_no_page(built: Path) -> None:
    assert_hook_changes_nothing(built.parent)


def _page(src: str, markdown: str = "") -> Any:
    return SimpleNamespace(
        file=SimpleNamespace(src_uri=src), markdown=markdown, content=None, present_anchor_ids=set()
    )


def test_hook_sets_raw_html_aside_and_puts_it_back() -> None:
    from generator.site import mkdocs_hook as hook

    md = (
        '<div class="a" id="top">\n<table><tr><td>x</td></tr></table>\n</div>\n\n'
        "## Heading {#h}\n\n<p>one</p>\n<p>two</p>\n\n<span>inline</span>\n"
    )
    page = _page("generated/records/X.md", md)
    text = hook.on_page_markdown(md, page=page, config=None, files=None)
    assert "<table>" not in text and "## Heading {#h}" in text and "<span>inline</span>" in text
    keys = re.findall(r"kesuraw\w+", text)
    assert len(keys) == 2
    # What Python-Markdown makes of the placeholders, then the hook's restoring step.
    html = (
        f'<p>{keys[0]}</p>\n<h2 id="h">Heading</h2>\n<p>{keys[1]}</p>\n<p><span>inline</span></p>'
    )
    restore = hook.on_page_content.methods[0]
    out = restore(html, page=page, config=None, files=None)
    # A raw block ends with a line break of its own, as Python-Markdown writes it.
    assert out == (
        '<div class="a" id="top">\n<table><tr><td>x</td></tr></table>\n</div>\n\n'
        '<h2 id="h">Heading</h2>\n<p>one</p>\n<p>two</p>\n\n'
        "<p><span>inline</span></p>"
    )
    assert page.present_anchor_ids == {"top"}


@pytest.mark.parametrize(
    "md",
    [
        '<div class="kesu-block">\n<p>a</p>\n\n# injected\n\n</div>\n',  # a block spans blank lines
        "<table><tr><td>a\n\nb</td></tr></table>\n",
        "<div>x</div>\n<table><tr><td>a\n\nb</td></tr></table>\n",
        "```\n<div>\n\n</div>\n```\n",  # a code fence
        "<div>x</div>\nsome *text*\n",  # Markdown after a block: Python-Markdown converts it
        "<div>x</div><span>*x*</span>\n",
        "<div>a</div><div>b</div>\n",  # two blocks on one line: Python-Markdown splits them
        "<img src=x>\n",  # an inline element: a paragraph
        "<!-- a -->\n<div>x</div>\n",
        # A raw block opened inside a paragraph goes on past the blank lines.
        "<span>x</span>\n<div>\n\n<div>y</div>\n\n</div>\n",
        "text\n</div>\n",
    ],
)
def test_hook_leaves_pages_it_cannot_split_to_python_markdown(md: str) -> None:
    from generator.site import mkdocs_hook as hook

    page = _page("generated/records/X.md", md)
    assert hook.on_page_markdown(md, page=page, config=None, files=None) == md


def test_raw_blocks_only_never_claims_what_python_markdown_would_change() -> None:
    import markdown

    from generator.site.mkdocs_hook import raw_blocks_only

    cases = [
        "<div>a</div>\n<div>b</div>",
        '<h1 id="t"><span>a</span> b</h1>\n<dl>\n<dt>a</dt><dd>b</dd>\n</dl>',
        "<div>\n<img src=x>\n</div>",
        "<table><tr><td>a\nb *c*</td></tr></table>",
        "<div>a</div><div>b</div>",
        "<div>a</div>\n  <div>b</div>",
        "<div>x</div>\n## H",
        "<div>x\n</div> t *t*",
        "<div>a",
        "<span>x</span>",
        "<p>a</p><table><tr><td>x</td></tr></table>",
        "<div>a</div>\n</div>",
    ]
    claimed = 0
    for html in cases:
        if raw_blocks_only(html):
            claimed += 1
            assert markdown.markdown(html + "\n", extensions=["attr_list", "tables"]) == html
    assert claimed == 4


def test_every_generated_page_takes_the_fast_path(pages: dict[str, str]) -> None:
    from generator.site.mkdocs_hook import set_aside

    for path, text in pages.items():
        if path.endswith(".md") and not path.startswith("generated/_"):
            body = FRONT.sub("", text, count=1)
            assert set_aside(body) is not None, path


def test_hook_leaves_hand_written_pages_alone() -> None:
    from generator.site import mkdocs_hook as hook

    md = "<div>x</div>\n"
    assert hook.on_page_markdown(md, page=_page("index.md", md), config=None, files=None) == md


def test_hook_frees_source_and_html_between_phases() -> None:
    from generator.site import mkdocs_hook as hook

    hook.on_pre_build(config=None)
    page = _page("generated/records/X.md", "<p>a</p>\n")
    compress = hook.on_page_content.methods[1]
    page.content = compress("<p>a</p>", page=page, config=None, files=None)
    assert page.markdown == "" and page.content == ""
    assert hook.on_page_context({"k": 1}, page=page, config=None, nav=None) == {"k": 1}
    assert page.content == "<p>a</p>"
    assert hook.on_post_page("<html>", page=page, config=None) == "<html>"
    assert page.content == ""


def test_no_word_segmentation_for_the_search_index(built: Path) -> None:
    # Kesu's search worker matches substrings; jieba (not a dependency) would only insert
    # zero-width spaces for the worker to remove again, at a third of the search plugin's cost.
    docs = json.loads((built / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    assert docs
    assert not [d["location"] for d in docs if "\u200b" in d["text"] + d["title"]]


# ------------------------------------------------------------------ the benchmark's floor


def test_the_floor_is_bare_mkdocs() -> None:
    from bench.run import bare_config

    text = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    hooks = "hooks:\n  - site/hooks/kesu.py\n  - site/hooks/kesu_site.py\n"
    assert hooks in text
    hooks = text[text.index(hooks) : text.index("\n\n", text.index(hooks)) + 2]
    assert bare_config(text) == text.replace(hooks, "")


def test_the_engines_floor_is_stock_material() -> None:
    """bench.engines' floor: no Kesu overrides, hooks, offline or exclusions (issue 15)."""
    from bench.engines import bare_config as stock

    text = stock()
    for kesu in ("custom_dir", "hooks", "offline", "exclude_docs", "extra", "not_in_nav"):
        assert kesu not in text, kesu
    assert "name: material" in text and "- search" in text and "- tables" in text
    assert text.endswith("nav:\n  - index.md\n")
