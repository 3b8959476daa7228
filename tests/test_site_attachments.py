"""Attachments are files to download, never pages or scripts (issue 12, point 5).

A site is built from a repository whose record names hostile attachments (a Markdown file with
``<script>`` and snippet lines, an SVG with a script and an onload handler, HTML, XHTML,
JavaScript) next to ordinary ones. None of them may reach the site engine's docs folder; each is
published into the built site after the engine, active types under a name a browser does not
render; the engine configuration has no include feature; every page carries the Content
Security Policy and no inline script. Hidden files and symbolic links are located errors.
The same site in a real browser: tests/test_browser_site.py.
"""

from __future__ import annotations

import base64
import io
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.cli.main import main
from generator.load import attachments as planning
from generator.site import attachments
from tests.conftest import load_record
from tests.site_fixtures import (
    BUILD_EPOCH,
    HOSTILE_ATTACHMENTS,
    HOSTILE_RECORD,
    PNG,
    REPO,
    SAFE_NAMES,
    built_site,
    hostile_attachments_repo,
    site_repo,
)

FOLDER = f"attachments/{HOSTILE_RECORD}"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built site (``public/``) of ``hostile_attachments_repo``."""
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", BUILD_EPOCH)
    try:
        root = hostile_attachments_repo(tmp_path_factory.mktemp("attachments") / "repo")
        return built_site(root, root / "public")
    finally:
        mp.undo()


def _outside_files(site: Path) -> list[Path]:
    return [p for p in site.rglob("*") if p.is_file() and p.relative_to(site).parts[0] != "files"]


def test_no_attachment_reaches_the_docs_folder(hostile: Path) -> None:
    docs = hostile.parent / "site"
    contents = set(HOSTILE_ATTACHMENTS.values())
    for path in docs.rglob("*"):
        assert path.name not in HOSTILE_ATTACHMENTS and path.name not in SAFE_NAMES.values(), path
        if path.is_file():
            assert path.read_bytes() not in contents, path
    assert not (docs / "generated" / "files").exists()
    manifest = yaml.safe_load((docs / planning.MANIFEST).read_text(encoding="utf-8"))
    assert manifest == {"files": sorted(f"{FOLDER}/{n}" for n in HOSTILE_ATTACHMENTS)}


def test_attachments_are_published_after_the_engine_under_safe_names(hostile: Path) -> None:
    published = hostile / "files" / FOLDER
    assert sorted(p.name for p in published.iterdir()) == sorted(SAFE_NAMES.values())
    for name, data in HOSTILE_ATTACHMENTS.items():
        assert (published / SAFE_NAMES[name]).read_bytes() == data, name
    # Nothing else of the build holds an attachment: no page was made of one, the search
    # index does not know them.
    for path in _outside_files(hostile):
        data = path.read_bytes()
        assert b"pwned" not in data and b"PWNED" not in data, path.relative_to(hostile)


def test_no_snippet_line_pastes_a_file(hostile: Path) -> None:
    for path in _outside_files(hostile):
        text = path.read_bytes().decode("utf-8", "replace")
        for marker in ("{% extends", "mkdocs_hook import", "site_name:", "--8&lt;--\n"):
            assert marker not in text, (path.relative_to(hostile), marker)
    page = (hostile / f"generated/records/{HOSTILE_RECORD}.html").read_text(encoding="utf-8")
    assert "--8&lt;-- &#34;overrides/main.html&#34;" in page  # the record's text, as text


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: dict[str, dict[str, str | None]] = {}
        self.images: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and (a.get("href") or "").startswith("../../files/"):
            self.links[a["href"] or ""] = a
        if tag == "img" and a.get("src"):
            self.images.append(a["src"] or "")


def test_the_8d_page_offers_active_types_for_download_and_shows_svg_as_data(
    hostile: Path,
) -> None:
    parser = _Links()
    parser.feed((hostile / f"generated/records/{HOSTILE_RECORD}.html").read_text("utf-8"))
    expected = {}
    for name, safe in SAFE_NAMES.items():
        href = "../../files/" + FOLDER + "/" + safe.replace(" ", "%20").replace("#", "%23")
        expected[href] = name if safe != name else None
    assert {href: a.get("download") for href, a in parser.links.items()} == expected
    for href in parser.links:  # every link resolves to the published file
        assert (
            (hostile / "generated/records" / href.replace("%20", " ").replace("%23", "#"))
            .resolve()
            .is_file()
        ), href
    svg = [s for s in parser.images if s.startswith("data:")]
    data = base64.b64encode(HOSTILE_ATTACHMENTS["drawing.svg"]).decode()
    assert svg == [f"data:image/svg+xml;base64,{data}"] * 2  # the photo and the attachment
    assert f"../../files/{FOLDER}/photo.png" in parser.images
    assert not any(s.endswith((".svg", ".svg.txt")) for s in parser.images)


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inline: list[str] = []
        self.handlers: list[str] = []
        self.csp: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.handlers += [f"<{tag} {k}>" for k in a if k.startswith("on")]
        self.handlers += [
            f"<{tag} {k}>"
            for k, v in a.items()
            if k in ("href", "src") and (v or "").lower().startswith("javascript:")
        ]
        if tag == "script" and not a.get("src") and a.get("type") != "application/json":
            self.inline.append(self.get_starttag_text() or "")
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy":
            self.csp.append(a.get("content") or "")


def _directives(policy: str) -> dict[str, list[str]]:
    out = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def test_every_page_has_the_policy_and_no_inline_script(hostile: Path) -> None:
    pages = sorted(p for p in _outside_files(hostile) if p.suffix == ".html")
    assert len(pages) > 20
    for page in pages:
        parser = _Scripts()
        parser.feed(page.read_text(encoding="utf-8"))
        rel = page.relative_to(hostile)
        assert parser.inline == [], rel
        assert parser.handlers == [], rel
        assert len(parser.csp) == 1, rel
        policy = _directives(parser.csp[0])
        assert policy["script-src"] == ["'self'"], rel
        assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"], rel
        assert policy["img-src"] == ["'self'", "data:"], rel
        assert "'unsafe-inline'" not in parser.csp[0] and "'unsafe-eval'" not in parser.csp[0]


class _EnvLoader(yaml.SafeLoader):
    pass


_EnvLoader.add_constructor("!ENV", lambda loader, node: None)


def test_the_engine_has_no_include_feature() -> None:
    config: dict[str, Any] = yaml.load((REPO / "mkdocs.yml").read_text("utf-8"), _EnvLoader)
    names = [next(iter(e)) if isinstance(e, dict) else e for e in config["markdown_extensions"]]
    assert names and not [n for n in names if "snippets" in n or "include" in n]
    for page in (REPO / "site").rglob("*.md"):
        assert "--8<--" not in page.read_text(encoding="utf-8"), page


# ------------------------------------------------------------------ naming and publishing


@pytest.mark.parametrize(
    ("paths", "expected"),
    [
        (
            ["a/b.pdf", "a/c.PNG", "a/d.svg", "a/e.HTML", "a/f", "a/g.md", "a/h.tar.gz"],
            [
                "files/a/b.pdf",
                "files/a/c.PNG",
                "files/a/d.svg.txt",
                "files/a/e.HTML.txt",
                "files/a/f.txt",
                "files/a/g.md.txt",
                "files/a/h.tar.gz",
            ],
        ),
        # a.svg is published as a.svg.txt unless a real a.svg.txt is there: that one keeps its name
        (["x/a.svg", "x/a.svg.txt"], ["files/x/a.svg~2.txt", "files/x/a.svg.txt"]),
        (
            ["top.js", "x/y/z.xml", "x/y/z.css", "x/y/z.mjs"],
            [
                "files/top.js.txt",
                "files/x/y/z.xml.txt",
                "files/x/y/z.css.txt",
                "files/x/y/z.mjs.txt",
            ],
        ),
    ],
)
def test_layout(paths: list[str], expected: list[str]) -> None:
    got = planning.layout(paths)
    assert [got[p] for p in paths] == expected


@pytest.mark.parametrize(
    ("ref", "problem"),
    [
        ("attachments/a.png", ""),
        ("attachments/./a.png", ""),
        ("attachments/.a.png", "hidden"),
        (".git/config", "hidden"),
        ("attachments/.x/a.png", "hidden"),
        ("attachments/../a.png", "outside"),
        ("/etc/passwd", "outside"),
        ("attachments/none.png", "missing"),
        ("attachments", "missing"),
        ("attachments/link.png", "symlink"),
        ("linked/a.png", "symlink"),
        ("attachments/dangling.png", "symlink"),
    ],
)
def test_inspect(tmp_path: Path, ref: str, problem: str) -> None:
    (tmp_path / "attachments").mkdir()
    (tmp_path / "attachments" / "a.png").write_bytes(PNG)
    (tmp_path / "attachments" / ".a.png").write_bytes(PNG)
    (tmp_path / "attachments" / "link.png").symlink_to(tmp_path / "attachments" / "a.png")
    (tmp_path / "attachments" / "dangling.png").symlink_to(tmp_path / "nowhere")
    (tmp_path / "linked").symlink_to(tmp_path / "attachments")
    planning.clear_cache()
    assert planning.inspect(str(tmp_path.resolve()), ref)[0] == problem


def test_publish_refuses_a_link_made_after_validation_and_prunes(tmp_path: Path) -> None:
    root, site = tmp_path / "repo", tmp_path / "public"
    (root / "a").mkdir(parents=True)
    (root / "a" / "x.svg").write_bytes(b"<svg/>")
    (root / "a" / "y.png").write_bytes(PNG)
    (root / "secret.txt").write_text("secret", encoding="utf-8")
    assert attachments.publish(root, site, ["a/x.svg", "a/y.png"]) == 2
    assert attachments.publish(root, site, ["a/x.svg", "a/y.png"]) == 0  # unchanged
    assert (site / "files/a/x.svg.txt").read_bytes() == b"<svg/>"
    assert attachments.publish(root, site, ["a/y.png"]) == 0
    assert sorted(p.name for p in (site / "files/a").iterdir()) == ["y.png"]  # pruned
    (root / "a" / "y.png").unlink()
    (root / "a" / "y.png").symlink_to(root / "secret.txt")
    with pytest.raises(planning.AttachmentError, match="symlink"):
        attachments.publish(root, site, ["a/y.png"])
    assert attachments.publish(root, site, []) == 0
    assert not (site / "files").exists()


def test_the_home_page_is_the_hand_written_part_then_the_dashboard(tmp_path: Path) -> None:
    """No include syntax: ``kesu build`` writes site/index.md from site/_index.md."""
    from generator.site.homepage import MARK, home_page

    assert home_page(tmp_path, "# Home\n") == (
        f"---\nhide:\n  - navigation\n  - toc\n{MARK}\n---\n\n# Home\n"
    )
    (tmp_path / "_index.md").write_text(
        "---\ntitle: 首页\nkesu_include: generated/_home.md\n---\nIntro\n\n", encoding="utf-8"
    )
    assert home_page(tmp_path, "# Home\n") == f"---\ntitle: 首页\n{MARK}\n---\n\nIntro\n\n# Home\n"
    (tmp_path / "_index.md").write_text("Just text\n", encoding="utf-8")
    assert home_page(tmp_path, "# Home\n") == f"---\n{MARK}\n---\n\nJust text\n\n# Home\n"


def test_a_hand_written_index_md_is_never_overwritten(tmp_path: Path) -> None:
    from generator.config.settings import load_config
    from generator.site.build import run_build
    from tests.site_fixtures import AS_OF, site_repo

    root = site_repo(tmp_path / "repo")
    own = "---\nkesu_include: generated/_home.md\n---\nOur own page\n"
    (root / "site" / "index.md").write_text(own, encoding="utf-8")
    config, _ = load_config(root)
    err = io.StringIO()
    assert run_build(config, AS_OF, root / "public", "en", out=err) == 2
    assert "rename it to site/_index.md" in err.getvalue()
    assert "请把它改名为 site/_index.md" in err.getvalue()
    assert (root / "site" / "index.md").read_text(encoding="utf-8") == own
    assert not (root / "public").exists()


# ------------------------------------------------------------------ hidden files and links


def _linked_repo(tmp_path: Path) -> Path:
    root = site_repo(tmp_path / "repo")
    folder = root / "attachments" / HOSTILE_RECORD
    folder.mkdir(parents=True)
    (tmp_path / "secret.txt").write_text("secret\n", encoding="utf-8")
    (folder / "report.txt").symlink_to(tmp_path / "secret.txt")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "photo.png").write_bytes(PNG)
    (root / "attachments" / "shared").symlink_to(tmp_path / "elsewhere")
    path = root / "records" / f"{HOSTILE_RECORD}.yaml"
    record = load_record(path)
    record["attachments"] = [
        {"path": f"{FOLDER}/report.txt"},
        {"path": "attachments/shared/photo.png"},
    ]
    path.write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "zh",
            [
                "error [attachment-symlink] attachments[0].path: 附件不能是符号链接，也不能在链接的文件夹中"
                f"（{FOLDER}/report.txt 是链接）：{FOLDER}/report.txt",
                "error [attachment-symlink] attachments[1].path: 附件不能是符号链接，也不能在链接的文件夹中"
                "（attachments/shared 是链接）：attachments/shared/photo.png",
            ],
        ),
        (
            "en",
            [
                "error [attachment-symlink] attachments[0].path: An attachment cannot be a symbolic link "
                f"or in a linked folder ({FOLDER}/report.txt is a link): {FOLDER}/report.txt",
                "error [attachment-symlink] attachments[1].path: An attachment cannot be a symbolic link "
                "or in a linked folder (attachments/shared is a link): attachments/shared/photo.png",
            ],
        ),
    ],
)
def test_symbolic_links_are_located_errors(
    tmp_path: Path, lang: str, expected: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    root = _linked_repo(tmp_path)
    code = main(["-C", str(root), "--lang", lang, "validate"])
    out = capsys.readouterr().out
    assert code == 1, out
    found = [line.split(": ", 1)[1] for line in out.splitlines() if "attachment-" in line]
    assert found == expected
    located = [line.split(" error", 1)[0] for line in out.splitlines() if "attachment-" in line]
    assert all(re.fullmatch(rf"records/{HOSTILE_RECORD}\.yaml:\d+:\d+:", loc) for loc in located)


def test_a_build_with_a_linked_attachment_stops_and_publishes_nothing(tmp_path: Path) -> None:
    from generator.config.settings import load_config
    from generator.site.build import run_build
    from tests.site_fixtures import AS_OF

    root = _linked_repo(tmp_path)
    config, _ = load_config(root)
    err = io.StringIO()
    assert run_build(config, AS_OF, root / "public", "en", strict=True, out=err) == 1
    assert "attachment-symlink" in err.getvalue()
    assert not (root / "public").exists()
    # Without --strict the record is left out; nothing behind a link is published.
    assert run_build(config, AS_OF, root / "public", "en", strict=False, out=err) == 0
    published = [p for p in (root / "public").rglob("*") if p.is_file()]
    assert not [p for p in published if p.read_bytes() in (b"secret\n", PNG)]
    assert not os.path.exists(root / "public" / "files")
