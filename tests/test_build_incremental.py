"""``kesu build --incremental``: the same site as a full build, from re-rendering changed pages.

A full build of the fixture repository, then a change to the records, then an incremental
build into the same folder, compared file by file (HTML, assets, the search index as a set of
entries) with a full build of the changed repository into another folder.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

from generator.config.settings import load_config
from generator.site.build import run_build
from generator.site.incremental import MARKER
from generator.site.mkdocs_incremental import TITLES, merge_entries
from tests.site_fixtures import AS_OF, BUILD_EPOCH, site_repo


def _build(root: Path, out: Path, *, incremental: bool) -> tuple[int, str]:
    config, _ = load_config(root)
    err = io.StringIO()
    code = run_build(config, AS_OF, out, "zh", strict=True, out=err, incremental=incremental)
    return code, err.getvalue()


def _files(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in out.rglob("*")
        if p.is_file()
        and p.name not in (MARKER, TITLES)
        and not p.name.startswith("search_index")
        and p.suffix != ".xlsx"  # written with the time of writing (a known limit)
    }


def _entries(out: Path) -> list[str]:
    docs = json.loads((out / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    return sorted(json.dumps(d, ensure_ascii=False, sort_keys=True) for d in docs)


def _mtimes(out: Path) -> dict[str, int]:
    return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*.html")}


@pytest.fixture()
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", BUILD_EPOCH)
    return site_repo(tmp_path / "repo")


def test_incremental_build_equals_a_full_build(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _build(repo, out, incremental=True)[0] == 0  # nothing to continue from: full
    assert (out / MARKER).is_file()
    before = _mtimes(out)
    records = sorted((repo / "records").glob("*.yaml"))
    changed, removed = records[0], records[-1]
    changed.write_text(
        changed.read_text(encoding="utf-8") + "notes: 客户来电，要求补充对策说明。\n",
        encoding="utf-8",
    )
    removed.unlink()

    code, err = _build(repo, out, incremental=True)
    assert code == 0, err
    assert "full build" not in err
    reference = tmp_path / "reference"
    assert _build(repo, reference, incremental=False)[0] == 0

    assert _files(out) == _files(reference)
    assert _entries(out) == _entries(reference)
    assert not (out / "generated" / "records" / f"{removed.stem}.html").exists()
    assert removed.stem not in (out / "search" / "search_index.json").read_text(encoding="utf-8")
    # Only a few pages were rendered again: the record's, the pages listing it, the indexes.
    after = _mtimes(out)
    rerendered = {p for p, t in after.items() if before.get(p) != t}
    assert f"generated/records/{changed.stem}.html" in rerendered
    assert 0 < len(rerendered) < len(after) / 2, sorted(rerendered)


def test_a_changed_theme_or_a_failed_build_means_a_full_build(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _build(repo, out, incremental=False)[0] == 0
    css = repo / "site" / "assets" / "stylesheets" / "kesu.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n/* local change */\n", encoding="utf-8")
    code, err = _build(repo, out, incremental=True)
    assert code == 0 and "full build" in err and "configuration, theme" in err
    assert b"local change" in (out / "assets" / "stylesheets" / "kesu.css").read_bytes()

    before = _files(out)
    with (repo / "mkdocs.yml").open("a", encoding="utf-8") as f:
        f.write("extra_css: [unclosed\n")  # the site engine refuses the configuration
    assert _build(repo, out, incremental=True)[0] == 1
    # The failed build was staged beside the output: the previous site is there, whole, with
    # the marker of the build that made it; no staging folder is left.
    assert _files(out) == before and (out / MARKER).is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "repo"]


def test_search_entries_of_pages_not_rendered_again_are_kept() -> None:
    previous: list[dict[str, Any]] = [
        {"location": "generated/records/A.html", "text": "old A"},
        {"location": "generated/records/A.html#d4", "text": "old A d4"},
        {"location": "generated/records/B.html", "text": "B"},
        {"location": "generated/records/C.html", "text": "C, since removed"},
        "not an entry",  # type: ignore[list-item]
    ]
    current = [{"location": "generated/records/A.html", "text": "new A"}]
    alive = {"generated/records/A.html", "generated/records/B.html"}
    merged = merge_entries(previous, current, alive)
    assert [e["text"] for e in merged] == ["B", "new A"]


def test_the_dirty_notice_does_not_fail_a_strict_incremental_build(
    repo: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert _build(repo, out, incremental=True)[0] == 0
    os.utime(next((repo / "site" / "generated" / "records").glob("*.md")))
    code, err = _build(repo, out, incremental=True)
    assert code == 0, err
