"""``kesu build --incremental``: when MkDocs may re-render only the pages that changed.

``kesu build`` writes a generated page only when its text changed, so after a one-record change
a handful of Markdown files are newer than their HTML. ``mkdocs build --dirty`` then re-renders
just those (about 2 s at 10,000 records against minutes for a full build; docs/performance.md);
``generator.site.mkdocs_incremental`` keeps the search index whole.

A dirty build is only as right as the output it continues from, so it is used only when the
output folder holds a finished build made with the same configuration, theme overrides,
hooks, tools and language: a fingerprint of all of those is written next to the site after
every successful build (``.kesu-build.json``) and compared before the next. Anything else
means a full build. A dirty build, like every build, runs in a staging folder (a copy of the
previous output, ``generator.site.outdir``): one that fails leaves the previous site and its
marker as they were. Generated pages that no longer exist (a record renamed, a week dropped)
are removed from the copy first, because MkDocs leaves them.
"""

from __future__ import annotations

import hashlib
import json
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from generator.config.settings import RepoConfig

MARKER = ".kesu-build.json"
GENERATED = "generated"
HOME = "index.md"
"""``site/index.md``: the home page ``kesu build`` writes (generator/site/homepage.py)."""
_HERE = Path(__file__).resolve().parent.parent
_ENGINE_FILES = (
    "site/mkdocs_hook.py",
    "site/mkdocs_incremental.py",
    "site/mkdocs_search.py",
    "site/incremental.py",
)


def site_fingerprint(
    config: RepoConfig, lang: str, *, engine: str = "mkdocs", hooks: bool = True
) -> str:
    """A hash of everything besides the generated pages that shapes the built HTML."""
    h = hashlib.blake2b(digest_size=16)
    docs = config.root / "site"
    files = [config.root / "mkdocs.yml", *(_HERE / name for name in _ENGINE_FILES)]
    if docs.is_dir():
        files += sorted(
            p
            for p in docs.rglob("*")
            if p.is_file()
            and GENERATED not in p.relative_to(docs).parts
            and p.relative_to(docs).as_posix() != HOME  # written by kesu build, like generated/
        )
    for path in files:
        name = path.relative_to(config.root) if path.is_relative_to(config.root) else path.name
        h.update(str(name).encode())
        try:
            h.update(path.read_bytes())
        except OSError:
            h.update(b"?")
    for dist in ("mkdocs", "mkdocs-material", "Markdown", "pymdown-extensions", "zensical"):
        try:
            h.update(version(dist).encode())
        except PackageNotFoundError:
            h.update(dist.encode())
    h.update(f"{sys.version}\0{lang}\0{config.site_title}\0{engine}\0{hooks}".encode())
    return h.hexdigest()


def can_continue(target: Path, fingerprint: str) -> str | None:
    """``None`` when ``target`` holds a finished build with this fingerprint; else why not."""
    try:
        marker = json.loads((target / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "no finished build to continue from"
    if not isinstance(marker, dict) or marker.get("fingerprint") != fingerprint:
        return "the site configuration, theme, hooks or tools changed"
    if not (target / "search" / "search_index.json").is_file():
        return "the search index is missing"
    return None


def mark_finished(target: Path, fingerprint: str) -> None:
    from generator.common.faults import write_atomic

    write_atomic(target / MARKER, json.dumps({"fingerprint": fingerprint}) + "\n")


def prune_stale(target: Path, generated: Path) -> int:
    """Remove output under ``target/generated`` whose generated source no longer exists."""
    out = target / GENERATED
    if not out.is_dir():
        return 0
    removed = 0
    for path in sorted(out.rglob("*"), reverse=True):
        rel = path.relative_to(out)
        if path.is_dir():
            if not any(path.iterdir()):
                path.rmdir()
            continue
        page = rel.suffix == ".html" and (generated / rel.with_suffix(".md")).is_file()
        if not page and not (generated / rel).is_file():
            path.unlink()
            removed += 1
    return removed
