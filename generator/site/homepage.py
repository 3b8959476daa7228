"""The site's home page, written by ``kesu build`` before the engine runs (issue 15).

The home page is the dashboard (``generated/_home.md``) after an optional hand-written part,
``site/_index.md``: its front matter (``hide:``, ``title:``…) and its text come first. Kesu
writes the result to ``site/index.md``, so both engines build the same page from a plain file;
the MkDocs hook that used to include the dashboard (``kesu_include``) is gone, because Zensical
ignores hooks. There is still no include syntax anywhere: the only file read is
``site/_index.md``, never a name a page or a record gives.

``site/index.md`` carries ``kesu_generated: true`` in its front matter. A ``site/index.md``
without it is someone's own page (a repository from before this change): Kesu never
overwrites it and stops with what to do (``HomePageError``).
"""

from __future__ import annotations

import re
from pathlib import Path

SOURCE = "_index.md"
"""The hand-written part, under the docs folder (left out of the site by ``exclude_docs``)."""
TARGET = "index.md"
MARK = "kesu_generated: true"
DEFAULT_FRONT = "hide:\n  - navigation\n  - toc"
_FRONT = re.compile(r"\A---[ \t]*\n(.*?\n)?---[ \t]*(?:\n|\Z)", re.S)


class HomePageError(Exception):
    """``site/index.md`` is a hand-written page Kesu must not replace."""


def split_front(text: str) -> tuple[str, str]:
    """``(front matter without the fences, body)``; no front matter gives ``("", text)``."""
    m = _FRONT.match(text)
    if m is None:
        return "", text
    return (m.group(1) or "").rstrip("\n"), text[m.end() :]


def check_target(docs_dir: Path) -> None:
    """Refuse a ``site/index.md`` that Kesu did not write."""
    path = docs_dir / TARGET
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return
    except (OSError, UnicodeDecodeError) as exc:
        raise HomePageError(
            f"{path}: 无法读取，删除它后重新构建 / cannot be read ({exc}): delete it, build again"
        ) from exc
    front, _ = split_front(text)
    if MARK in front.splitlines():
        return
    raise HomePageError(
        f"{path} 不是 kesu build 生成的：请把它改名为 site/{SOURCE}（删除其中的 kesu_include），"
        f"kesu build 会把仪表板接在它后面写成 site/{TARGET} / {path} was not written by "
        f"kesu build: rename it to site/{SOURCE} (remove its kesu_include line); kesu build "
        f"writes site/{TARGET} from it followed by the dashboard (docs/site-engines.md)"
    )


def home_page(docs_dir: Path, dashboard: str) -> str:
    """The text of ``site/index.md``: the hand-written part, then the dashboard."""
    try:
        own = (docs_dir / SOURCE).read_text(encoding="utf-8")
    except FileNotFoundError:
        own = f"---\n{DEFAULT_FRONT}\n---\n"
    front, body = split_front(own)
    kept = [line for line in front.splitlines() if not line.startswith("kesu_")]
    head = "\n".join([*kept, MARK])
    body = body.strip("\n")
    text = f"{body}\n\n{dashboard}" if body.strip() else dashboard
    return f"---\n{head}\n---\n\n{text.lstrip(chr(10))}"
