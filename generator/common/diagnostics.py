"""Diagnostics: the one shape every stage uses to report a problem with the input.

Stages return diagnostics as data; only reporters (``generator.render.reporters``) print them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A problem found in one file, with enough to find and fix it."""

    file: str
    """Path as the user gave it or relative to the repository root, with forward slashes."""
    code: str
    """Stable machine code, e.g. ``yaml-duplicate-key`` or ``schema-required``."""
    message_zh: str
    message_en: str
    line: int | None = None
    """1-based line, when known."""
    column: int | None = None
    """1-based column, when known."""
    field: str = ""
    """Field path in dotted form with ``[i]`` for list items, e.g. ``d4.occurrence[0].why``."""
    hint_zh: str = ""
    hint_en: str = ""
    severity: Severity = Severity.ERROR

    def message(self, lang: str) -> str:
        return self.message_en if lang == "en" else self.message_zh

    def hint(self, lang: str) -> str:
        return self.hint_en if lang == "en" else self.hint_zh

    def location(self) -> str:
        loc = self.file
        if self.line is not None:
            loc += f":{self.line}"
            if self.column is not None:
                loc += f":{self.column}"
        return loc


@dataclass(slots=True)
class DiagnosticList:
    """An ordered collection with helpers; sorted output is stable for tests."""

    items: list[Diagnostic] = field(default_factory=list)

    def add(self, diag: Diagnostic) -> None:
        self.items.append(diag)

    def extend(self, diags: list[Diagnostic] | DiagnosticList) -> None:
        self.items.extend(diags.items if isinstance(diags, DiagnosticList) else diags)

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.items)

    def sorted(self) -> list[Diagnostic]:
        return sorted(
            self.items,
            key=lambda d: (d.file, d.line or 0, d.column or 0, d.field, d.code),
        )


def format_path(path: tuple[str | int, ...] | list[str | int]) -> str:
    """Render a JSON path as ``a.b[0].c``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


class BilingualError(Exception):
    """A problem the CLI reports in the user's language and turns into exit code 2."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en

    def message(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


class ChangeError(BilingualError):
    """The repository or the base reference cannot be read."""
