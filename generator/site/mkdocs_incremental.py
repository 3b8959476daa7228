"""MkDocs hooks for ``kesu build --incremental`` (loaded through ``site/hooks/kesu.py``).

An incremental build is ``mkdocs build --dirty``: MkDocs re-renders only the pages whose
Markdown is newer than their HTML. ``kesu build`` writes a generated page only when its text
changed, so after a one-record change that is a handful of pages. Two things MkDocs does not do
for a dirty build are done here:

1. **The search index keeps the pages that were not re-rendered.** Material's search plugin
   writes an index of the pages it saw in this run only. Before it writes, the previous index
   is read back and its entries are kept for every page that still exists and was not
   re-rendered; the re-rendered pages' entries are the new ones.
2. **MkDocs' warning about dirty builds** ("will likely lead to inaccurate navigation") would
   fail a ``--strict`` build. Kesu's generated pages are outside the navigation and the
   navigation pages are regenerated like any other, so the notice is dropped for builds that
   ``kesu build --incremental`` starts (``KESU_INCREMENTAL=1``); ``kesu build`` falls back to a
   full build whenever the theme, the configuration or the tools changed (``generator.site.build``).

3. **Navigation titles.** A page MkDocs does not read again has no title, and the navigation
   of every re-rendered page would show "None" for it. The titles of the navigation's pages
   are kept next to the site after every build (``.kesu-titles.json``) and given back to the
   pages a dirty build does not read.

With a full build (no ``--dirty``) nothing here changes the output.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from mkdocs.plugins import CombinedEvent, event_priority

GENERATED = "generated/"
_DIRTY_NOTICE = "A 'dirty' build is being performed"
_state: dict[str, Any] = {"dirty": False, "alive": set()}


class _DropDirtyNotice(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(_DIRTY_NOTICE)


_FILTER = _DropDirtyNotice()


def on_startup(command: str, dirty: bool) -> None:
    _state["dirty"] = dirty and command == "build"
    logger = logging.getLogger("mkdocs.commands.build")
    if _state["dirty"] and os.environ.get("KESU_INCREMENTAL") == "1":
        logger.addFilter(_FILTER)
    else:
        logger.removeFilter(_FILTER)


def on_files(files: Any, config: Any) -> Any:
    _state["alive"] = {f.url for f in files.documentation_pages()}
    if _state["dirty"]:
        # Hand-written pages (a few) include generated parts (``index.md`` takes the dashboard
        # from ``generated/_home.md``), which MkDocs' dates cannot see: always render them.
        for f in files.documentation_pages():
            if not f.src_uri.startswith(GENERATED):
                f.is_modified = _always
    return files


def _always() -> bool:
    return True


def page_of(location: str) -> str:
    """The page part of a search entry's location (``generated/records/X.html#d4``)."""
    return location.split("#", 1)[0]


def merge_entries(
    previous: list[dict[str, Any]], current: list[dict[str, Any]], alive: set[str]
) -> list[dict[str, Any]]:
    """Previous entries of pages that still exist and were not re-rendered, then the new ones."""
    rebuilt = {page_of(str(e.get("location", ""))) for e in current}
    kept = [
        e
        for e in previous
        if isinstance(e, dict)
        and page_of(str(e.get("location", ""))) not in rebuilt
        and page_of(str(e.get("location", ""))) in alive
    ]
    return kept + current


TITLES = ".kesu-titles.json"


def on_nav(nav: Any, config: Any, files: Any) -> Any:
    _state["nav"] = nav
    if not _state["dirty"]:
        return nav
    try:
        titles = json.loads((Path(config.site_dir) / TITLES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        titles = {}
    for page in nav.pages:
        saved = titles.get(page.file.src_uri) if isinstance(titles, dict) else None
        if isinstance(saved, str) and not page.file.is_modified():
            page.markdown = ""  # not read again: only its title is needed
            page.meta = {"title": saved}
    return nav


@event_priority(-100)  # after every page was read: their titles are known
def _save_titles(config: Any) -> None:
    nav = _state.get("nav")
    if nav is None:
        return
    titles = {p.file.src_uri: p.title for p in nav.pages if isinstance(p.title, str)}
    (Path(config.site_dir) / TITLES).write_text(
        json.dumps(titles, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8"
    )


@event_priority(100)  # before the search plugin writes its index
def _merge_search(config: Any) -> None:
    if not _state["dirty"]:
        return
    plugin = config.plugins.get("material/search") or config.plugins.get("search")
    index = getattr(plugin, "search_index", None)
    if index is None:
        return
    path = Path(config.site_dir) / "search" / "search_index.json"
    try:
        previous = json.loads(path.read_text(encoding="utf-8")).get("docs", [])
    except (OSError, ValueError, AttributeError):
        previous = []
    if isinstance(previous, list):
        index.entries = merge_entries(previous, list(index.entries), _state["alive"])


on_post_build = CombinedEvent(_merge_search, _save_titles)
