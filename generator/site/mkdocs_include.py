"""MkDocs hook: a hand-written page shows a generated part (loaded through site/hooks/kesu_site.py).

``site/index.md`` is the dashboard: its front matter names the generated part
(``kesu_include: generated/_home.md``) and the part's Markdown follows the page's own. This is
the site's only include. Markdown has no include syntax here (no ``pymdownx.snippets``: a line
of a record or an attachment must never make the engine read a file); the name comes from a
hand-written page, never from a generated one, it can only be a ``generated/_*.md`` file, and
what that file holds is not searched for further includes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError

GENERATED = "generated/"
_PART = re.compile(r"generated/_[A-Za-z0-9_-]+\.md")


def with_part(markdown: str, name: object, docs_dir: str, src: str) -> str:
    """``markdown`` followed by the generated part ``name``; ``markdown`` when there is none."""
    if name is None:
        return markdown
    if not isinstance(name, str) or not _PART.fullmatch(name):
        raise PluginError(f"kesu: {src}: kesu_include must name a generated/_*.md file")
    try:
        part = (Path(docs_dir) / name).read_text(encoding="utf-8")
    except OSError as exc:
        raise PluginError(f"kesu: {src}: cannot read {name} (run `kesu build`)") from exc
    return f"{markdown.rstrip()}\n\n{part}" if markdown.strip() else part


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    src = page.file.src_uri
    if src.startswith(GENERATED):
        return markdown
    return with_part(markdown, page.meta.get("kesu_include"), config["docs_dir"], src)
