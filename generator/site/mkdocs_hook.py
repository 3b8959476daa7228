"""MkDocs hooks for Kesu's generated pages (loaded through ``site/hooks/kesu.py``).

None of this changes a byte of a built page; it changes what the site engine spends on them:

1. **Raw HTML passes through untouched.** A generated page is HTML blocks, rendered and
   escaped by Jinja, between Markdown headings. Python-Markdown would parse every tag of those
   blocks twice (MkDocs' scan for anchor ids and the raw-HTML block extractor) only to copy
   them verbatim into its output. Here each block is set aside before Markdown runs and put
   back after it, exactly where and how Python-Markdown would put it; only the headings and
   any other Markdown (table of contents, anchors, ``attr_list``) go through Markdown. A page
   with a chunk (between blank lines) that starts with a tag but is not just whole block-level
   elements, one per line (``raw_blocks_only``), or with a code fence, goes to Python-Markdown
   whole: what Python-Markdown makes of it takes its own HTML parser to know.
2. **Memory.** MkDocs converts every page before it renders any and keeps all of them to the
   end. A page's Markdown source is dropped once converted, its HTML is kept zlib-compressed
   until the page is rendered, and dropped once the page is written.
"""

from __future__ import annotations

import importlib
import re
import secrets
import zlib
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.plugins import CombinedEvent, event_priority

GENERATED = "generated/"
# The tags Python-Markdown starts a raw HTML block with (markdown has no type information).
_BLOCK = frozenset(importlib.import_module("markdown.util").BLOCK_LEVEL_ELEMENTS)
_VOID = frozenset(
    {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    }
)
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)")
_LINE_TAG = re.compile(r"^</?([A-Za-z][A-Za-z0-9]*)", re.M)
_RAW_TEXT = frozenset({"script", "style", "pre", "textarea"})
_ID = re.compile(r"\sid=\"([^\"]+)\"")

_raw: dict[str, list[tuple[str, str]]] = {}
_html: dict[str, bytes] = {}


def raw_blocks_only(chunk: str) -> bool:
    """Whether Python-Markdown passes ``chunk`` through verbatim as raw HTML blocks.

    True when ``chunk`` is block-level elements, each starting a line and closed within the
    chunk, one after the other with a line break between them and nothing else outside them.
    Anything else (text or an inline tag outside the elements, two elements on one line, an
    element left open, comments, ``<script>``…) is for Python-Markdown to decide.
    """
    if "<!" in chunk:
        return False
    depth = 0
    pos = 0
    for m in _TAG.finditer(chunk):
        slash, name = m.group(1), m.group(2).lower()
        if name in _RAW_TEXT:
            return False
        if depth == 0:
            between = chunk[pos : m.start()]
            if slash or name not in _BLOCK or name in _VOID or between != ("\n" if pos else ""):
                return False
        if slash:
            depth -= 1
            if depth == 0:
                end = chunk.find(">", m.end())
                if end < 0:
                    return False
                pos = end + 1
        elif name not in _VOID:
            depth += 1
    return depth == 0 and pos == len(chunk)


def set_aside(markdown: str) -> tuple[str, list[tuple[str, str]]] | None:
    """``markdown`` with each top-level HTML block replaced by a unique placeholder line.

    ``None`` when the page must go through Python-Markdown as it is (see the module notes).
    """
    if "```" in markdown or "~~~" in markdown:
        return None
    nonce = secrets.token_hex(8)
    chunks = markdown.split("\n\n")
    blocks: list[tuple[str, str]] = []
    for i, chunk in enumerate(chunks):
        html = chunk.strip("\n")
        first = _TAG.match(html)
        if first is None or first.group(1) or first.group(2).lower() not in _BLOCK:
            # Markdown (a heading, a paragraph even if it starts with an inline tag), unless a
            # line in it starts a raw block or closes one, which may then span chunks.
            if any(m.group(1).lower() in _BLOCK for m in _LINE_TAG.finditer(html)):
                return None
            continue
        if not raw_blocks_only(html):
            return None
        key = f"kesuraw{nonce}n{len(blocks)}"
        blocks.append((key, html))
        chunks[i] = key
    return "\n\n".join(chunks), blocks


def put_back(html: str, blocks: list[tuple[str, str]]) -> str | None:
    """Python-Markdown's output with the blocks restored; ``None`` if a placeholder is lost."""
    for key, block in blocks:
        placeholder = f"<p>{key}</p>"
        if html.count(placeholder) != 1:
            return None
        # Python-Markdown ends a raw block with a line break and strips the whole output.
        html = html.replace(placeholder, block + "\n", 1)
    return html.strip()


def on_pre_build(config: Any) -> None:
    _raw.clear()
    _html.clear()


@event_priority(-100)  # after every other plugin's edits to the source
def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    src = page.file.src_uri
    if not src.startswith(GENERATED):
        return markdown
    done = set_aside(markdown)
    if done is None:
        return markdown
    text, blocks = done
    _raw[src] = blocks
    return text


@event_priority(100)  # before any other plugin sees the HTML
def _restore_raw(html: str, page: Any, config: Any, files: Any) -> str:
    blocks = _raw.pop(page.file.src_uri, None)
    if not blocks:
        return html
    restored = put_back(html, blocks)
    if restored is None:
        raise PluginError(f"kesu hook: lost a raw HTML block of {page.file.src_uri}")
    if page.present_anchor_ids is not None:
        # What MkDocs' own scan of raw HTML for anchor ids would have found.
        for _, block in blocks:
            page.present_anchor_ids.update(_ID.findall(block))
    return restored


@event_priority(-100)  # after every other plugin: the page stays compressed until rendered
def _compress(html: str, page: Any, config: Any, files: Any) -> str:
    page.markdown = ""  # not None: MkDocs reads a None source as "page not read yet"
    _html[page.file.src_uri] = zlib.compress(html.encode("utf-8"), 1)
    return ""


on_page_content = CombinedEvent(_restore_raw, _compress)


@event_priority(100)  # before the search plugin and the theme read the page
def on_page_context(context: Any, page: Any, config: Any, nav: Any) -> Any:
    data = _html.pop(page.file.src_uri, None)
    if data is not None:
        page.content = zlib.decompress(data).decode("utf-8")
    return context


@event_priority(-100)  # the page is written: its HTML is no longer needed
def on_post_page(output: str, page: Any, config: Any) -> str:
    page.content = ""
    return output
