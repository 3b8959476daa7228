"""What a reader gets from a built site, engine aside: pages, visible text, links (issue 15).

The parity test (tests/test_site_parity.py) builds the same Markdown with MkDocs and Zensical
and compares, page by page, what this module reads out of the HTML: the text of the page's
article (``<article>``: the content, not the theme's header, navigation or footer, which each
engine draws its own way) with white space collapsed, and the links and images in it, resolved
against the page's own location. Scripts, styles, ``<template>`` and hidden heading anchors
(the ``¶`` permalinks) are not visible text.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

_SKIP = frozenset({"script", "style", "template", "noscript"})
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)
_SPACE = re.compile(r"\s+")
# Text either engine adds inside the article on its own: zero-width spaces, soft hyphens.
_INVISIBLE = re.compile("[\u200b\u00ad]")


@dataclass(slots=True)
class PageView:
    """What a reader sees of one page's article."""

    text: str = ""
    links: list[str] = field(default_factory=list)
    """``href`` / ``src`` targets in the article, resolved to site paths (``#anchor`` kept)."""


class _Article(HTMLParser):
    def __init__(self, here: str) -> None:
        super().__init__(convert_charrefs=True)
        self.here = here
        self.depth = 0  # inside <article>: how deep
        self.skip = 0
        self.parts: list[str] = []
        self.links: list[str] = []

    def _resolve(self, url: str) -> str:
        parts = urlsplit(url)
        if parts.scheme or parts.netloc:
            return url
        if not parts.path:
            return f"{self.here}#{parts.fragment}" if parts.fragment else self.here
        base = posixpath.dirname(self.here)
        path = posixpath.normpath(posixpath.join(base, unquote(parts.path)))
        return f"{path}#{parts.fragment}" if parts.fragment else path

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth == 0:
            if tag == "article":
                self.depth = 1
            return
        if tag not in _VOID:
            self.depth += 1
        a = dict(attrs)
        if tag in _SKIP or "hidden" in a or (tag == "a" and "headerlink" in (a.get("class") or "")):
            if tag not in _VOID:
                self.skip += 1
            return
        if self.skip:
            return
        for key in ("href", "src"):
            value = a.get(key)
            if value and not value.startswith("data:"):
                self.links.append(self._resolve(value))
        if tag in ("br", "p", "div", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "table"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if self.depth == 0 or tag in _VOID:
            return
        self.depth -= 1
        if self.skip:
            self.skip -= 1
        elif tag in ("p", "div", "li", "td", "th", "h1", "h2", "h3", "h4"):
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if self.depth and not self.skip:
            self.parts.append(data)


def page_view(html: str, here: str) -> PageView:
    """The article of ``html``, a page at site path ``here`` (``generated/records/X.html``)."""
    parser = _Article(here)
    parser.feed(html)
    parser.close()
    text = _SPACE.sub(" ", _INVISIBLE.sub("", "".join(parser.parts))).strip()
    return PageView(text, parser.links)


def site_pages(site: Path) -> dict[str, PageView]:
    """Every HTML page of a built site (``404.html`` aside), by its path in the site."""
    out: dict[str, PageView] = {}
    for path in sorted(site.rglob("*.html")):
        rel = path.relative_to(site).as_posix()
        if rel == "404.html":
            continue
        out[rel] = page_view(path.read_text(encoding="utf-8"), rel)
    return out


def differences(a: Mapping[str, PageView], b: Mapping[str, PageView]) -> list[str]:
    """What differs between two sites' pages, one line each (empty: the same)."""
    lines = [f"only in the first: {p}" for p in sorted(a.keys() - b.keys())]
    lines += [f"only in the second: {p}" for p in sorted(b.keys() - a.keys())]
    for page in sorted(a.keys() & b.keys()):
        x, y = a[page], b[page]
        if x.text != y.text:
            at = next(
                (i for i, (c, d) in enumerate(zip(x.text, y.text, strict=False)) if c != d),
                min(len(x.text), len(y.text)),
            )
            lines.append(
                f"{page}: text differs at {at}: {x.text[max(0, at - 40) : at + 40]!r} / "
                f"{y.text[max(0, at - 40) : at + 40]!r}"
            )
        if x.links != y.links:
            only_x = [u for u in x.links if u not in y.links]
            only_y = [u for u in y.links if u not in x.links]
            lines.append(f"{page}: links differ: {only_x[:5]} / {only_y[:5]} (order or count)")
    return lines
