"""Writes example-8d.xlsx: the example customer template (our own layout, not a copied form).

Run from the repository root: ``python report_templates/make_example.py``. A customer's real
template replaces it; example-8d.yaml maps its cells to record fields.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.workbook.defined_name import DefinedName

HERE = Path(__file__).resolve().parent
THIN = Side(style="thin", color="4F6D8F")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD = PatternFill("solid", fgColor="D9E4F0")
BAND = PatternFill("solid", fgColor="2F5D8A")
WRAP = Alignment(wrap_text=True, vertical="top")


def main() -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "8D"
    for col, width in zip("ABCDEFGH", (8, 16, 34, 12, 12, 14, 12, 12), strict=True):
        ws.column_dimensions[col].width = width
    ws.merge_cells("A1:H1")
    ws["A1"] = "8D 报告 / 8D Report — Example Supplier Quality Form"
    ws["A1"].font = Font(bold=True, size=15, color="FFFFFF")
    ws["A1"].fill = BAND
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 26
    head = [
        (2, "报告编号 Report no.", "客户 Customer"),
        (3, "零件号 Part no.", "零件名称 Part name"),
        (4, "批次 Lot", "投诉日期 Complaint date"),
        (5, "修订 Revision", "修订日期 Revision date"),
    ]
    for row, left, right in head:
        ws.cell(row=row, column=1, value=left).font = Font(bold=True)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        ws.merge_cells(start_row=row, start_column=3, end_row=row, end_column=4)
        ws.cell(row=row, column=5, value=right).font = Font(bold=True)
        ws.merge_cells(start_row=row, start_column=5, end_row=row, end_column=6)
        ws.merge_cells(start_row=row, start_column=7, end_row=row, end_column=8)
        for col in range(1, 9):
            ws.cell(row=row, column=col).border = BOX
            if col in (1, 2, 5, 6):
                ws.cell(row=row, column=col).fill = HEAD
    _band(ws, 7, "D2 问题描述 Problem description")
    _text_box(ws, 8)
    _band(ws, 12, "D3 临时措施 Containment actions")
    _table(ws, 13, ("No.", "地点 Where", "措施 Action", "责任人 Owner", "完成 Done", "状态 Status"))
    _band(ws, 18, "D4 根本原因 Root cause (occurrence)")
    _text_box(ws, 19)
    _band(ws, 23, "D5 纠正措施 Corrective actions")
    _table(ws, 24, ("No.", "类型 Kind", "措施 Action", "责任人 Owner", "计划 Due", "完成 Done"))
    _band(ws, 29, "D8 结案 Closure")
    _text_box(ws, 30)
    ws.cell(row=34, column=1, value="客户确认 Customer sign-off:").font = Font(italic=True)
    wb.defined_names["ProblemText"] = DefinedName("ProblemText", attr_text="'8D'!$A$8")
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_area = "A1:H34"
    wb.save(HERE / "example-8d.xlsx")


def _text_box(ws: object, row: int) -> None:
    """Three merged rows across the form for a text, boxed."""
    ws.merge_cells(start_row=row, start_column=1, end_row=row + 2, end_column=8)  # type: ignore[attr-defined]
    ws.cell(row=row, column=1).alignment = WRAP  # type: ignore[attr-defined]
    for r in range(row, row + 3):
        for col in range(1, 9):
            ws.cell(row=r, column=col).border = BOX  # type: ignore[attr-defined]


def _band(ws: object, row: int, text: str) -> None:
    cell = ws.cell(row=row, column=1, value=text)  # type: ignore[attr-defined]
    cell.font = Font(bold=True, color="FFFFFF")
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=8)  # type: ignore[attr-defined]
    for col in range(1, 9):
        ws.cell(row=row, column=col).fill = BAND  # type: ignore[attr-defined]


def _table(ws: object, row: int, headers: tuple[str, ...]) -> None:
    """A header row, then 4 rows for items (columns A, B, C–D merged, E, F, G)."""
    cols = (1, 2, 3, 5, 6, 7)
    for col, text in zip(cols, headers, strict=True):
        cell = ws.cell(row=row, column=col, value=text)  # type: ignore[attr-defined]
        cell.font = Font(bold=True)
        cell.fill = HEAD
    for r in range(row, row + 5):
        ws.merge_cells(start_row=r, start_column=3, end_row=r, end_column=4)  # type: ignore[attr-defined]
        ws.merge_cells(start_row=r, start_column=7, end_row=r, end_column=8)  # type: ignore[attr-defined]
        for col in range(1, 9):
            cell = ws.cell(row=r, column=col)  # type: ignore[attr-defined]
            cell.border = BOX
            if r > row:
                cell.alignment = WRAP


if __name__ == "__main__":
    main()
