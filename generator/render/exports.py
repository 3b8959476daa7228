"""Ledger downloads: Excel (.xlsx) and CSV, laid out like 《客户问题汇总跟进表》.

Excel: a filter on the header, the header frozen, real date cells. CSV: UTF-8 with a BOM so
Excel on Chinese Windows opens it right. A text starting with ``= + - @``, a tab or a carriage
return (after any spaces) is never a formula: xlsx cells are typed as strings and marked
"quote prefix" (what Excel itself stores for a typed ``'=…``, so editing the cell keeps it
text), CSV cells get a leading apostrophe (OWASP's advice). Characters that validation refuses
are replaced first (``textrules.scrub``): openpyxl cannot even store a control character.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from generator.common.textrules import scrub
from generator.render.env import Fmt
from generator.render.sitedata import Row

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(value: object) -> tuple[str, bool]:
    """A cell's text, and whether a spreadsheet would take it for a formula."""
    text = scrub(str(value))
    return text, text.lstrip(" ").startswith(_FORMULA_START)


def text_cell(cell: Any, value: object) -> None:
    """Put ``value`` into an openpyxl cell as text that is never a formula (keeps its style)."""
    text, formula_like = _text(value)
    cell.value = text
    cell.data_type = "s"
    if formula_like:
        cell.quotePrefix = True


def _columns(f: Fmt) -> list[tuple[str, int]]:
    return [
        (f.label("id"), 16),
        (f.label("title"), 40),
        (f.label("received_at"), 17),
        (f.label("customer"), 24),
        (f.label("product"), 24),
        (f.label("product.part_number"), 16),
        (f.label("category"), 8),
        (f.t("grade"), 8),
        (f.label("status"), 10),
        (f.label("responsibility.responsible_department"), 12),
        (f.t("owner"), 10),
        (f.t("next_due"), 17),
        (f.t("milestone"), 18),
        (f.t("overdue"), 8),
        (f.t("days_open"), 8),
        (f.label("d8_closure.closed_at"), 17),
        (f.label("defect_code"), 14),
        (f.t("defect_name"), 16),
        (f.label("d4_root_cause"), 40),
    ]


def _root_cause(row: Row) -> str:
    rc = row.record.get("d4_root_cause") or {}
    parts = [str(c.get("statement", "")) for k in ("occurrence", "escape") for c in rc.get(k) or ()]
    return "\n".join(p for p in parts if p)


def _values(row: Row, f: Fmt) -> list[object]:
    nd = row.next_due
    return [
        row.id,
        row.title,
        row.received_at,
        row.customer,
        row.product,
        row.part_number,
        f.enum("category", row.category),
        int(row.grade) if row.grade.isdigit() else row.grade,
        f.enum("status", row.status),
        row.department,
        row.owner,
        nd.due_at if nd else None,
        nd.name if nd else "",
        f.t("yes") if row.overdue else f.t("no"),
        row.days_open,
        row.closed_at,
        row.defect_code,
        f.defect(row.defect_code) if row.defect_code else "",
        _root_cause(row),
    ]


def _naive(value: datetime, f: Fmt) -> datetime:
    # Excel has no time zones: write the local wall-clock time of the configured zone.
    return value.astimezone(f.tz).replace(tzinfo=None, microsecond=0)


def ledger_xlsx(rows: Sequence[Row], f: Fmt, title: str, as_of: datetime) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    cols = _columns(f)
    header_fill = PatternFill("solid", fgColor="283593")
    for c, (name, width) in enumerate(cols, start=1):
        cell = ws.cell(row=1, column=c, value=name)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = header_fill
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(c)].width = width
    red = Font(color="C62828", bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")  # one style object: openpyxl hashes each
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(_values(row, f), start=1):
            cell = ws.cell(row=r, column=c)
            if isinstance(value, datetime):
                cell.value = _naive(value, f)
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(value, int):
                cell.value = value
            elif value is None:
                continue
            else:
                text, formula_like = _text(value)
                cell.value = text
                cell.data_type = "s"  # never a formula, whatever the text starts with
                cell.alignment = wrap
                if formula_like:
                    cell.quotePrefix = True
        if row.overdue:
            ws.cell(row=r, column=14).font = red
    ws.freeze_panes = "B2"
    last = f"{get_column_letter(len(cols))}{max(1, len(rows) + 1)}"
    ws.auto_filter.ref = f"A1:{last}"
    # Printing: A4 landscape, every column on one page width, the header on every page,
    # the title and page numbers in the margins.
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    ws.print_area = f"A1:{last}"
    ws.print_options.gridLines = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddHeader.center.text = _text(title)[0].replace("&", "&&")
    ws.oddFooter.center.text = "&P / &N"
    stamp = _naive(as_of, f)
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.creator = "kesu"
    buf = io.BytesIO()
    # Not wb.save(): it sets the "modified" property to the clock (issue 15, reproducible
    # output). The zip members' own dates are fixed by the build (generator/site/reproducible).
    with ZipFile(buf, "w", ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).save()
    return buf.getvalue()


def _csv_cell(value: object, f: Fmt) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return _naive(value, f).strftime("%Y-%m-%d %H:%M")
    text, formula_like = _text(value)
    return "'" + text if formula_like else text


def ledger_csv(rows: Sequence[Row], f: Fmt) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([name for name, _ in _columns(f)])
    for row in rows:
        writer.writerow([_csv_cell(v, f) for v in _values(row, f)])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
