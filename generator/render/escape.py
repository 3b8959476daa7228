"""Escaping for everything a record contributes to a page.

Record text reaches pages in three places, each with its own rule:

* HTML blocks inside the generated Markdown (almost everything): Jinja's autoescape turns
  ``< > & " '`` into entities, and Python-Markdown never parses inside a raw HTML block, so
  ``*``, ``[x](y)``, ``|`` and backticks stay text. Newlines become ``<br>`` after escaping, so a
  field can never open a blank line that would end the HTML block.
* Front matter (page titles): MkDocs' own templates do not autoescape ``page.title``, so titles
  are HTML-escaped once here and written as a JSON string, which is valid YAML.
* Markdown text outside HTML blocks (rare: headings built from record values): every ASCII
  punctuation character becomes a numeric entity, so no Markdown syntax can form.

In all three, characters that validation refuses in record text (controls, bidirectional
controls, invisible characters: ``generator.common.textrules``) are replaced by U+FFFD: pages also
show text that is not a record's (Git authors and messages, policy names).
"""

from __future__ import annotations

import json
import re
from html import escape as _html_escape

from markupsafe import Markup, escape

from generator.common.textrules import scrub

_PUNCT = re.compile(r"[!-/:-@\[-`{-~]")
_NEWLINES = re.compile(r"\r\n|\r|\n|\u2028|\u2029|\x85")


def lines(text: object) -> list[str]:
    """A value's lines (any line break), each without a character validation refuses."""
    if text is None:
        return [""]
    return [scrub(line) for line in _NEWLINES.split(str(text))]


def one_line(text: object) -> str:
    """A value on one line: line breaks and tabs become spaces."""
    return " ".join(lines(text)).replace("\t", " ")


def html_text(text: object) -> Markup:
    """Escaped HTML text; newlines become ``<br>``."""
    return Markup("<br>").join(escape(line) for line in lines(text))


def md_text(text: object) -> str:
    """Text safe inside Markdown (outside HTML blocks): punctuation as numeric entities."""
    escaped = _html_escape(one_line(text), quote=True)
    # Entities produced above (&amp; &lt; …) must keep their own & and ;.
    parts = re.split(r"(&[a-z]+;|&#x?[0-9a-f]+;)", escaped)
    out = []
    for i, part in enumerate(parts):
        out.append(part if i % 2 else _PUNCT.sub(lambda m: f"&#{ord(m.group(0))};", part))
    return "".join(out)


def front_matter_title(text: object) -> str:
    """A ``title:`` value for YAML front matter, HTML-escaped once (see module docstring)."""
    return json.dumps(_html_escape(one_line(text).strip(), quote=True), ensure_ascii=False)


def site_name(title: str) -> str:
    """The site title as MkDocs' ``site_name``, which the theme writes into every page without
    escaping (``<title>``, the header, ``aria-label="…"``): ``< > "`` become entities. ``&`` is
    left as it is: harmless there, and where the theme does escape (``title="…"``) it would
    show as ``&amp;``."""
    return one_line(title).replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def mask_phone(phone: str) -> str:
    """Keep the first 3 and last 2 digits: ``022-5896 3310`` → ``022-•••• ••10``."""
    digits = [i for i, ch in enumerate(phone) if ch.isdigit()]
    keep = set(digits[:3] + digits[-2:]) if len(digits) > 5 else set()
    return "".join(ch if (not ch.isdigit() or i in keep) else "•" for i, ch in enumerate(phone))


def mask_email(email: str) -> str:
    """``wangfang@hengli.example.com`` → ``w•••@hengli.example.com``."""
    local, at, domain = email.partition("@")
    if not at:
        return "•••"
    return f"{local[:1]}•••@{domain}"
