"""The import map: a YAML file validated by ``schema/import-map.schema.json``, read into
types. Every problem is a diagnostic naming the map's file, line and field."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.common.diagnostics import Diagnostic
from generator.load.yamlload import load_yaml_file

MAP_SCHEMA = "import-map"


@dataclass(frozen=True, slots=True)
class ValueSpec:
    """Where one record field comes from: one column, or several joined."""

    columns: tuple[str, ...]
    join: str = "/"
    values: Mapping[str, str] | None = None
    """The ledger's wording → Kesu's value; None keeps the cell's text."""


@dataclass(frozen=True, slots=True)
class ImportMap:
    fields: Mapping[str, ValueSpec]
    source: str | None = None
    sheets: tuple[str, ...] | None = None
    header_row: int | None = None
    header_rows: int | None = None
    encoding: str | None = None
    year_column: str | None = None
    year_from_sheet: bool = False
    id_column: str | None = None
    id_prefix: str | None = None
    defaults: Mapping[str, str] = field(default_factory=dict)

    def columns(self) -> tuple[str, ...]:
        """Every column the map names, in the map's order (what the header must hold)."""
        named = [c for spec in self.fields.values() for c in spec.columns]
        named += [c for c in (self.year_column, self.id_column) if c is not None]
        return tuple(dict.fromkeys(named))


class MapError(ValueError):
    """The map cannot be used; ``diagnostics`` say where and why."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__(diagnostics[0].message_en)
        self.diagnostics = diagnostics


def _spec(raw: Any) -> ValueSpec:
    if isinstance(raw, str):
        return ValueSpec((raw,))
    columns = tuple(raw["columns"]) if "columns" in raw else (raw["column"],)
    values = raw.get("values")
    return ValueSpec(
        columns,
        raw.get("join", "/"),
        {_norm(k): str(v) for k, v in values.items()} if values is not None else None,
    )


def _norm(text: str) -> str:
    """How the ledger's wording is compared with a ``values`` key: spaces do not count."""
    return "".join(str(text).split())


def norm_value(text: str) -> str:
    return _norm(text)


def load_map(path: Path, display: str) -> ImportMap:
    from generator.config.settings import load_schema
    from generator.load.schemamsg import make_validator, schema_diagnostics

    loaded = load_yaml_file(path, display)
    if loaded.diagnostics or loaded.data is None:
        diags = loaded.diagnostics or [
            Diagnostic(display, "import-map-empty", "映射文件是空的", "the map file is empty")
        ]
        raise MapError(list(diags))
    problems = list(
        schema_diagnostics(
            make_validator(load_schema(MAP_SCHEMA)), loaded.data, display, loaded.text
        )
    )
    if problems:
        raise MapError(problems)
    data: Mapping[str, Any] = loaded.data
    header = data.get("header", {})
    year = data.get("year", {})
    ident = data.get("id", {})
    return ImportMap(
        fields={k: _spec(v) for k, v in data["fields"].items()},
        source=data.get("source"),
        sheets=tuple(data["sheets"]) if "sheets" in data else None,
        header_row=header.get("row"),
        header_rows=header.get("rows"),
        encoding=data.get("encoding"),
        year_column=year.get("column"),
        year_from_sheet=year.get("from") == "sheet",
        id_column=ident.get("column"),
        id_prefix=ident.get("prefix"),
        defaults=dict(data.get("defaults", {})),
    )
