"""MkDocs hook: Material's search index of Kesu's pages, read faster (issue 15).

Material's search plugin reads every page's HTML with Python's ``html.parser`` to cut it into
sections; Kesu's pages are mostly tables, so a 10,000-record site feeds it millions of tags, and
that tokenizer was about half of MkDocs' whole build (docs/performance.md). Kesu's pages come
from its own Jinja templates, escaped: plain start tags with quoted attributes, end tags and
text. For such a page the tags and texts are found with one regular expression and handed to
Material's own parser callbacks in the same order, with the same values (names lower-cased,
character references resolved, text between two tags in one piece), so the index is the same
to the byte. A page with anything else (a comment, a declaration, ``<script>``/``<style>`` or
another element whose text ``html.parser`` reads raw, a ``<`` that starts no tag) goes through
``html.parser`` as before.

Nothing here changes the index; the parity test builds without hooks and compares it, and
tests/test_site_engine.py compares the index file with and without this hook.
"""

from __future__ import annotations

import html
import re
from typing import Any

_TOKEN = re.compile(
    r"<([A-Za-z][^\s/>]*)((?:\s+[^\s=/>\"'<]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'))?)*)\s*(/?)>"
    r"|</([A-Za-z][^\s/>]*)\s*>"
    r"|([^<]+)"
)
_ATTR = re.compile(r"\s+([^\s=/>\"'<]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'))?")
# Elements whose text html.parser reads raw (CDATA in Python 3.11, RCDATA in later ones), and
# markup this reader does not take: such a page goes to html.parser whole.
_RAW = re.compile(
    r"<(?:script|style|textarea|title|xmp|iframe|noembed|noframes|noscript|plaintext)\b"
    r"|<[!?]",
    re.I,
)


def _attr(m: re.Match[str]) -> tuple[str, str | None]:
    value = m.group(2) if m.group(2) is not None else m.group(3)
    return m.group(1).lower(), None if value is None else html.unescape(value)


def simple_tokens(text: str) -> list[tuple[int, str, Any]] | None:
    """``(kind, name or text, attrs)`` for every start tag (0), end tag (1) and text (2), or
    ``None`` when ``text`` needs ``html.parser`` (see the module notes)."""
    if _RAW.search(text):
        return None
    out: list[tuple[int, str, Any]] = []
    pos = 0
    unescape = html.unescape
    for m in _TOKEN.finditer(text):
        if m.start() != pos:
            return None  # a "<" that starts no tag we read
        pos = m.end()
        if m.group(1) is not None:
            out.append((0, m.group(1).lower(), [_attr(a) for a in _ATTR.finditer(m.group(2))]))
            if m.group(3):
                out.append((1, m.group(1).lower(), None))
        elif m.group(4) is not None:
            out.append((1, m.group(4).lower(), None))
        else:
            out.append((2, unescape(m.group(5)), None))
    return out if pos == len(text) else None


HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


def sections(tokens: list[tuple[int, str, Any]], plugin: Any) -> list[Any]:
    """Material 9.8's ``Parser`` (material/plugins/search/plugin.py) over ``tokens``: the same
    sections, titles and texts, with the open elements kept as tag counts.

    Material keeps the open elements in a list and asks ``skip.intersection(context)`` and
    ``el in context`` for every tag and text; its ``Element`` compares and hashes by tag
    alone, so each of those questions is "is an element with this tag open?". Here they are
    dictionary look-ups. Every branch follows Material's code in the same order.
    """
    element, section_of, void, keep = plugin.Element, plugin.Section, plugin.void, _KEEP
    escape = html.escape
    context: list[Any] = []
    open_tags: dict[str, int] = {}
    skip = {"object", "script", "style"}
    permalinks = 0  # open <a class="headerlink">
    data: list[Any] = []
    section: Any = None

    def skipping() -> bool:
        return any(open_tags.get(t) for t in skip)

    for kind, value, attr_list in tokens:
        if kind == 0:
            tag, attrs = value, dict(attr_list)
            if tag in void:
                continue
            el = element(tag, attrs)
            context.append(el)
            open_tags[tag] = open_tags.get(tag, 0) + 1
            if tag == "a" and attrs.get("class") == "headerlink":
                permalinks += 1
            if tag in HEADINGS:
                depth = len(context)
                if "id" in attrs:
                    if tag != "h1" and not data:
                        section = section_of(element("hx"), depth)
                        data.append(section)
                    section = section_of(el, depth)
                    if data:
                        section.id = attrs["id"]
                    data.append(section)
            if section is None:
                section = section_of(element("hx"))
                data.append(section)
            excluded = False
            for key, val in attrs.items():
                if key == "data-search-exclude" or (key == "class" and val == "linenodiv"):
                    skip.add(tag)
                    excluded = True
                    break
            if excluded:
                continue
            if tag in keep and not skipping():
                into = section.title if open_tags.get(section.el.tag) else section.text
                into.append(f"<{tag}>")
        elif kind == 1:
            tag = value
            if not context or context[-1].tag != tag:
                continue
            if section.depth > len(context):
                for earlier in reversed(data):
                    if earlier.depth <= len(context):
                        section.depth = float("inf")
                        section = earlier
                        break
            el = context.pop()
            open_tags[el.tag] -= 1
            if el.tag == "a" and el.attrs.get("class") == "headerlink":
                permalinks -= 1
            if el.tag in skip:
                if el.tag not in ("script", "style", "object"):
                    skip.remove(el.tag)
                continue
            if tag in keep and not skipping():
                into = section.title if open_tags.get(section.el.tag) else section.text
                index = into.index(f"<{tag}>")
                for i in range(index + 1, len(into)):
                    if not into[i].isspace():
                        index = len(into)
                        break
                if len(into) > index:
                    del into[index:]
                else:
                    into.append(f"</{tag}>")
        else:
            text = value
            if skipping():
                continue
            if not open_tags.get("pre"):
                text = text.replace("\n", " ") if not text.isspace() else " "
            if section is None:
                section = section_of(element("hx"))
                data.append(section)
            if open_tags.get(section.el.tag):
                if not permalinks:
                    section.title.append(escape(text, quote=False))
            elif text.isspace():
                if not section.text or not section.text[-1].isspace() or open_tags.get("pre"):
                    section.text.append(text)
            else:
                section.text.append(escape(text, quote=False))
    return data


_KEEP = frozenset({"p", "code", "pre", "li", "ol", "ul", "sub", "sup"})


def _install() -> None:
    from material.plugins.search import plugin

    base = plugin.Parser
    if getattr(base, "kesu_fast", False):
        return

    class FastParser(base):  # type: ignore[misc, valid-type]
        kesu_fast = True

        def feed(self, data: str) -> None:
            tokens = simple_tokens(data)
            if tokens is None:
                super().feed(data)
                return
            self.data = sections(tokens, plugin)

    plugin.Parser = FastParser


def on_config(config: Any) -> Any:
    """MkDocs hook: Material's search plugin reads pages through ``simple_tokens``."""
    _install()
    return config
