"""The customer's 8D as an Excel file: the customer's own template filled through a mapping
file, or (without one) a plain form laid out from the profile.

The template is opened with openpyxl and only cell values are written, so the customer's
fonts, borders, fills, merged cells, column widths and print setup stay as they were. A text
is never a formula (``render.exports.text_cell``). A repeating block with more items than the
template has rows gets rows inserted at its end, formatted like its last row; merged cells
below move down with them. Mapping files are checked by ``schema/report-template.schema.json``
and name customer-visible fields only.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from copy import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from generator.common.diagnostics import Diagnostic
from generator.config.settings import load_schema
from generator.load.yamlload import load_yaml_file, located
from generator.render.exports import text_cell
from generator.report.audience import audience_of, schema_path
from generator.report.content import Report, value_cell

MAX_TEMPLATE_BYTES = 10 << 20
_ADDRESS = re.compile(r"[A-Z]{1,3}[1-9][0-9]*")


@dataclass(frozen=True, slots=True)
class Mapping_:
    template: Path
    sheet: str | None
    cells: dict[str, str]
    blocks: tuple[tuple[str, int, int, dict[str, str]], ...]
    """(list field, first row, rows, column letter → item field)."""
    stamp: dict[str, str]
    source: str


def load_mapping(path: Path, shown: str) -> tuple[Mapping_ | None, list[Diagnostic]]:
    from generator.load.schemamsg import make_validator, schema_diagnostics

    loaded = load_yaml_file(path, shown)
    if loaded.data is None:
        return None, loaded.diagnostics
    data = loaded.data
    diags = list(
        schema_diagnostics(make_validator(load_schema("report-template")), data, shown, loaded.text)
    )
    if diags:
        return None, diags
    named: list[tuple[list[str | int], str]] = [
        (["cells", k], v) for k, v in data.get("cells", {}).items()
    ]
    for b, block in enumerate(data.get("blocks", [])):
        named.append((["blocks", b, "field"], block["field"]))
        named += [
            (["blocks", b, "columns", k], f"{block['field']}.{v}")
            for k, v in block["columns"].items()
        ]
    for where, f in named:
        aud = audience_of(f)
        if aud in ("", "internal"):
            zh = f"记录中没有字段 {f}" if not aud else f"字段 {f} 是内部字段，不能写入客户模板"
            en = (
                f"records have no field {f}"
                if not aud
                else f"field {f} is internal and may not go into a customer's template"
            )
            diags.append(
                located(
                    shown,
                    loaded.text,
                    where,
                    "template-field",
                    zh,
                    en,
                    "字段及其受众见 docs/record-fields.md。",
                    "Fields and their audience are in docs/record-fields.md.",
                )
            )
    template = path.parent / data["template"]
    if not template.is_file() or template.is_symlink():
        diags.append(
            located(
                shown,
                loaded.text,
                ["template"],
                "template-missing",
                f"找不到模板文件 {data['template']}（应与映射文件在同一目录）",
                f"template file {data['template']} not found (it belongs beside the mapping)",
            )
        )
    if not diags:
        diags += _template_problems(template, data, shown, loaded.text)
    if diags:
        return None, diags
    blocks = tuple(
        (b["field"], int(b["first_row"]), int(b["rows"]), dict(b["columns"]))
        for b in data.get("blocks", [])
    )
    return (
        Mapping_(
            template,
            data.get("sheet"),
            dict(data.get("cells", {})),
            blocks,
            dict(data.get("stamp", {})),
            shown,
        ),
        [],
    )


def _template_problems(
    template: Path, data: Mapping[str, Any], shown: str, text: str | None
) -> list[Diagnostic]:
    """The template opens, has the sheet, and every defined name the mapping uses."""
    from zipfile import BadZipFile

    from openpyxl.utils.exceptions import InvalidFileException

    def problem(where: list[str | int], zh: str, en: str) -> Diagnostic:
        return located(shown, text, where, "template-unusable", zh, en)

    name = data["template"]
    if template.stat().st_size > MAX_TEMPLATE_BYTES:
        mb = MAX_TEMPLATE_BYTES >> 20
        return [problem(["template"], f"模板 {name} 超过 {mb} MB", f"{name} is over {mb} MB")]
    try:
        wb = load_workbook(template)
    except (BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        return [
            problem(
                ["template"],
                f"无法打开模板 {name}：{exc}",
                f"cannot open the template {name}: {exc}",
            )
        ]
    out = []
    sheet = data.get("sheet")
    if sheet is not None and sheet not in wb.sheetnames:
        names = ", ".join(wb.sheetnames)
        out.append(
            problem(
                ["sheet"],
                f"模板 {name} 中没有工作表 {sheet!r}（有：{names}）",
                f"the template {name} has no sheet {sheet!r} (it has: {names})",
            )
        )
    stamp = data.get("stamp") or {}
    refs = [(["cells", k], k) for k in data.get("cells", {})]
    refs += [(["stamp", k], v) for k, v in stamp.items()]
    for where, ref in refs:
        if not _ADDRESS.fullmatch(ref) and wb.defined_names.get(ref) is None:
            out.append(
                problem(
                    where,
                    f"模板 {name} 中没有命名区域 {ref!r}",
                    f"the template {name} has no defined name {ref!r}",
                )
            )
    return out


def _target(wb: Any, ws: Worksheet, ref: str) -> Any:
    """The cell a mapping key names: an address on ``ws`` or a workbook-level defined name."""
    if _ADDRESS.fullmatch(ref):
        return ws[ref]
    defined = wb.defined_names.get(ref)
    if defined is None:
        raise KeyError(ref)
    for title, coord in defined.destinations:
        sheet = wb[title]
        return sheet[coord.replace("$", "").split(":")[0]]
    raise KeyError(ref)


def _insert_rows(ws: Worksheet, after: int, count: int) -> None:
    """``count`` rows after row ``after``, formatted like it; merged cells below move down."""
    below = [r for r in ws.merged_cells.ranges if r.min_row > after]
    for r in below:
        ws.merged_cells.remove(r)
    ws.insert_rows(after + 1, count)
    for r in below:
        r.shift(0, count)
        ws.merged_cells.add(r)
    height = ws.row_dimensions[after].height
    for row in range(after + 1, after + 1 + count):
        if height is not None:
            ws.row_dimensions[row].height = height
        for col in range(1, ws.max_column + 1):
            src = ws.cell(row=after, column=col)
            if src.has_style:
                dst = ws.cell(row=row, column=col)
                dst._style = copy(src._style)


def fill_template(
    mapping: Mapping_, data: Mapping[str, Any], lang: str, revision: tuple[str, str]
) -> bytes:
    """The template filled (``load_mapping`` checked that it opens and has what it names)."""
    wb = load_workbook(mapping.template)
    ws = wb[mapping.sheet] if mapping.sheet else wb.active
    for ref, f in mapping.cells.items():
        _put(_target(wb, ws, ref), value_cell(data, f, lang).text)
    for key, value in (("revision", revision[0]), ("date", revision[1])):
        if key in mapping.stamp:
            _put(_target(wb, ws, mapping.stamp[key]), value)
    shift = 0
    for field, first, rows, columns in sorted(mapping.blocks, key=lambda b: b[1]):
        items = data
        for part in field.split("."):
            items = items.get(part) if isinstance(items, Mapping) else None  # type: ignore[assignment]
        entries: list[Mapping[str, Any]] = (
            [e for e in items if isinstance(e, Mapping)] if isinstance(items, list) else []
        )
        start = first + shift
        if len(entries) > rows:
            _insert_rows(ws, start + rows - 1, len(entries) - rows)
            shift += len(entries) - rows
        base = schema_path(field) + "[]"
        for i, entry in enumerate(entries):
            for letter, sub in columns.items():
                cell = ws.cell(row=start + i, column=column_index_from_string(letter))
                _put(cell, value_cell(entry, sub, lang, base).text)
    wb.properties.creator = "kesu"
    return _save(wb, revision[1])


def _put(cell: Any, text: str) -> None:
    if text:
        text_cell(cell, text)


def _save(wb: Workbook, date: str) -> bytes:
    from datetime import datetime

    try:
        stamp = datetime.fromisoformat(date[:10])
    except ValueError:
        stamp = datetime(2000, 1, 1)
    wb.properties.created = stamp
    wb.properties.modified = stamp
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


_THIN = Side(style="thin", color="999999")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD = PatternFill("solid", fgColor="E8EEF5")
_WRAP = Alignment(wrap_text=True, vertical="top")


def plain_form(report: Report) -> bytes:
    """The report as one sheet: a heading per section, name/value rows, tables with a header
    row; A4 portrait, fit to the page width, the header row of the record repeated."""
    wb = Workbook()
    ws = wb.active
    ws.title = "8D"
    width = 8
    for col, w in enumerate((18, 30, 16, 16, 16, 16, 16, 16), start=1):
        ws.column_dimensions[get_column_letter(col)].width = w
    bold = Font(bold=True)
    r = 1
    _put(ws.cell(row=r, column=1), f"{report.title} {report.record_id}")
    ws.cell(row=r, column=1).font = Font(bold=True, size=14)
    r += 1
    for text in (
        report.customer,
        report.part_number,
        f"{report.revision} · {report.revision_date}",
    ):
        _put(ws.cell(row=r, column=1), text)
        r += 1
    for section in report.sections:
        r += 1
        head = ws.cell(row=r, column=1)
        _put(head, section.title)
        head.font = bold
        for col in range(1, width + 1):
            ws.cell(row=r, column=col).fill = _HEAD
        r += 1
        for part in section.parts:
            if part.empty:
                continue
            if part.label:
                _put(ws.cell(row=r, column=1), part.label)
                ws.cell(row=r, column=1).font = bold
                r += 1
            if part.kind == "fields":
                for name, value in part.rows:
                    _put(ws.cell(row=r, column=1), name.text)
                    ws.cell(row=r, column=1).font = bold
                    ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=width)
                    cell = ws.cell(row=r, column=2)
                    _put(cell, value.text)
                    cell.alignment = _WRAP
                    r += 1
            elif part.kind == "table":
                for c, h in enumerate(part.headers[:width], start=1):
                    cell = ws.cell(row=r, column=c)
                    _put(cell, h)
                    cell.font, cell.border, cell.alignment = bold, _BOX, _WRAP
                r += 1
                for row in part.rows:
                    for c, value in enumerate(row[:width], start=1):
                        cell = ws.cell(row=r, column=c)
                        _put(cell, value.text)
                        cell.border, cell.alignment = _BOX, _WRAP
                    r += 1
            elif part.kind == "photos":
                for photo in part.photos:
                    _put(ws.cell(row=r, column=1), photo.caption)
                    _put(ws.cell(row=r, column=2), photo.path)
                    r += 1
            else:
                for sig in part.signatures:
                    for c, text in enumerate((sig.role, sig.name, sig.date), start=1):
                        _put(ws.cell(row=r, column=c), text)
                        ws.cell(row=r, column=c).border = _BOX
                    r += 1
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.center.text = "&P / &N"
    ws.oddHeader.left.text = report.record_id
    return _save(wb, report.revision_date)
