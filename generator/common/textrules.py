"""Which characters text in records, policies and ``kesu.yaml`` may hold: the one rule.

Two kinds of text, each a ``$defs`` entry in the schemas whose ``pattern`` is built here:

* ``line`` (names, ids, titles, departments, owners, codes…): one line.
* ``text`` (descriptions, reasons, notes): prose; line feed and tab are allowed.

Refused in both:

* control characters, C0 and C1 and DEL (U+0000–U+001F, U+007F–U+009F), and the line and
  paragraph separators U+2028/U+2029: they break the formats records are published in (a line
  break in an owner's name broke the iCalendar feed and with it every build), terminals and
  Excel cells;
* bidirectional controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069): they reorder
  what is shown, so one record can be made to look like another ("Trojan Source");
* invisible characters (U+00AD, U+180E, U+200B–U+200D, U+2060–U+2065, U+206A–U+206F, U+FEFF,
  U+FFF9–U+FFFB): two names that look the same would differ;
* lone surrogates (U+D800–U+DFFF): not text at all (they cannot be written as UTF-8).

The same ranges give the JSON Schema patterns (for editors and the fast validator), the
Python check behind the located ``schema-character`` messages, and ``scrub``, which every
writer applies to what it writes anyway.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

Kind = Literal["line_break", "tab", "control", "bidi", "invisible", "surrogate"]
Rule = Literal["line", "text"]

# (first, last, kind); sorted, not overlapping. Line feed and tab are the only ones ``text``
# allows (``_TEXT_ALLOWED``).
_RANGES: tuple[tuple[int, int, Kind], ...] = (
    (0x00, 0x08, "control"),
    (0x09, 0x09, "tab"),
    (0x0A, 0x0A, "line_break"),
    (0x0B, 0x0C, "control"),
    (0x0D, 0x0D, "line_break"),
    (0x0E, 0x1F, "control"),
    (0x7F, 0x84, "control"),
    (0x85, 0x85, "line_break"),
    (0x86, 0x9F, "control"),
    (0xAD, 0xAD, "invisible"),
    (0x061C, 0x061C, "bidi"),
    (0x180E, 0x180E, "invisible"),
    (0x200B, 0x200D, "invisible"),
    (0x200E, 0x200F, "bidi"),
    (0x2028, 0x2029, "line_break"),
    (0x202A, 0x202E, "bidi"),
    (0x2060, 0x2065, "invisible"),
    (0x2066, 0x2069, "bidi"),
    (0x206A, 0x206F, "invisible"),
    (0xD800, 0xDFFF, "surrogate"),
    (0xFEFF, 0xFEFF, "invisible"),
    (0xFFF9, 0xFFFB, "invisible"),
)
_TEXT_ALLOWED = frozenset({0x09, 0x0A})
REPLACEMENT = "\ufffd"

_NAMES = {  # unicodedata has no names for controls; these are their Unicode aliases
    0x00: "NULL",
    0x09: "CHARACTER TABULATION",
    0x0A: "LINE FEED",
    0x0D: "CARRIAGE RETURN",
    0x1B: "ESCAPE",
    0x7F: "DELETE",
    0x85: "NEXT LINE",
}


# Every refused code point, looked up once.
_REFUSED: dict[int, Kind] = {
    cp: kind for first, last, kind in _RANGES for cp in range(first, last + 1)
}
_TRANSLATE_LINE = dict.fromkeys(_REFUSED, REPLACEMENT)
_TRANSLATE_TEXT = {cp: REPLACEMENT for cp in _REFUSED if cp not in _TEXT_ALLOWED}


def _pattern(rule: Rule) -> str:
    """``^[^…]*$`` over the refused ranges, adjacent ones merged (surrogates left out: a
    pattern cannot name them portably, and a record read from UTF-8 cannot hold them)."""
    cps = sorted(
        cp
        for cp, kind in _REFUSED.items()
        if kind != "surrogate" and not (rule == "text" and cp in _TEXT_ALLOWED)
    )
    spans: list[list[int]] = []
    for cp in cps:
        if spans and spans[-1][1] == cp - 1:
            spans[-1][1] = cp
        else:
            spans.append([cp, cp])
    parts = (f"\\u{lo:04X}" if lo == hi else f"\\u{lo:04X}-\\u{hi:04X}" for lo, hi in spans)
    return "^[^" + "".join(parts) + "]*$"


_ANY_REFUSED = re.compile("[" + _pattern("line")[3:-3] + "\\uD800-\\uDFFF]")
_ANY_REFUSED_IN_TEXT = re.compile("[" + _pattern("text")[3:-3] + "\\uD800-\\uDFFF]")

LINE_PATTERN = _pattern("line")
TEXT_PATTERN = _pattern("text")
PATTERNS: dict[str, Rule] = {LINE_PATTERN: "line", TEXT_PATTERN: "text"}


@dataclass(frozen=True, slots=True)
class BadChar:
    """The first character a value may not hold."""

    index: int
    """0-based position in the value."""
    char: str
    kind: Kind

    @property
    def code(self) -> str:
        return f"U+{ord(self.char):04X}"

    @property
    def name(self) -> str:
        cp = ord(self.char)
        return (
            _NAMES.get(cp)
            or unicodedata.name(self.char, "")
            or ("SURROGATE" if self.kind == "surrogate" else "CONTROL CHARACTER")
        )


def first_bad(text: str, rule: Rule = "line") -> BadChar | None:
    """The first character ``text`` may not hold under ``rule``, or None."""
    m = (_ANY_REFUSED_IN_TEXT if rule == "text" else _ANY_REFUSED).search(text)
    if m is None:
        return None
    return BadChar(m.start(), m[0], _REFUSED[ord(m[0])])


def is_one_clean_line(text: str) -> bool:
    """Whether ``text`` holds nothing ``line`` refuses (a fast path for writers)."""
    return _ANY_REFUSED.search(text) is None


def scrub(text: str, rule: Rule = "text") -> str:
    """``text`` with every character ``rule`` refuses replaced by U+FFFD (visible, not lost).

    For writers: validation refuses such text in records, but pages also show text from Git
    (authors, commit messages), policies and configuration.
    """
    return text.translate(_TRANSLATE_TEXT if rule == "text" else _TRANSLATE_LINE)
