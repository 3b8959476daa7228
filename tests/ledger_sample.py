"""A synthetic complaint ledger (客诉台账) made for the import tests, written the way Chinese
quality departments keep them: one sheet per year, a title row and a merged two-row header
that do not start on row 1, a customer cell merged over two rows, mixed date styles (Excel
date cells, serial numbers, ``2024/3/12``, ``2024.05.20``, ``3月12日`` with the year in the
sheet's name, text with times), a notes sheet without a header, a few bad rows; and an
after-sales ledger as a GBK CSV. Every company, person and number is made up.

``python -m tests.ledger_sample DIR`` writes the two files into DIR (docs/importing.md).
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

XLSX_NAME = "客诉台账2023-2025.xlsx"
CSV_NAME = "售后部2025下半年台账.csv"

GROUPS = [  # (column letter span, group title) of the merged group headers
    ("D:E", "客户信息"),
    ("F:H", "产品信息"),
]
NAMES = [
    "序号",
    "台账编号",
    "投诉日期",
    "客户名称",
    "客户代码",
    "产品名称",
    "料号",
    "投诉数量",
    "不良现象",
    "不良代码",
    "问题等级",
    "处理状态",
    "结案日期",
    "责任部门",
    "问题描述",
]
GROUPED = {"客户名称", "客户代码", "产品名称", "料号", "投诉数量"}

Row = tuple[Any, ...]


def _row(
    n: int,
    no: str,
    date: Any,
    customer: str | None,
    code: str | None,
    product: str,
    part: str,
    qty: int,
    defect: str,
    defect_code: str,
    grade: str,
    status: str,
    closed: Any,
    dept: str,
    text: str,
) -> Row:
    return (
        n,
        no,
        date,
        customer,
        code,
        product,
        part,
        qty,
        defect,
        defect_code,
        grade,
        status,
        closed,
        dept,
        text,
    )


SHEETS: dict[str, tuple[int, list[Row]]] = {
    # sheet: (row of the group header, rows)
    "2023年": (
        2,
        [
            _row(
                1,
                "KS2023-001",
                datetime(2023, 3, 6),
                "星辰医疗",
                "C021",
                "监护仪电源板",
                "SN-100",
                5,
                "风扇异响",
                "NOISE",
                "一般问题",
                "已结案",
                datetime(2023, 3, 20),
                "生产部",
                "客户来料检验发现风扇异响。",
            ),
            _row(
                2,
                "KS2023-002",
                datetime(2023, 8, 14, 10, 30),
                "远航汽车",
                "C008",
                "车载摄像头支架",
                "CN-220",
                40,
                "支架开裂",
                "CRACK",
                "严重问题",
                "已结案",
                datetime(2023, 9, 2),
                "工程部",
                "装车时支架卡扣开裂。",
            ),
        ],
    ),
    "2024年": (
        3,
        [
            _row(
                1,
                "KS2024-001",
                "2024/3/12",
                "蓝海电器",
                "C013",
                "变频控制板",
                "PCB-7781",
                12,
                "短路烧板",
                "SHORT",
                "严重问题",
                "已结案",
                "2024/3/30",
                "研发部",
                "整机老化时控制板短路烧毁。",
            ),
            _row(
                2,
                "KS2024-002",
                "2024.06.18",
                "星辰医疗",
                "C021",
                "监护仪电源板",
                "SN-100",
                3,
                "风扇异响",
                "NOISE",
                "一般问题",
                "已结案",
                "2024.07.01",
                "生产部",
                "终端用户反馈风扇异响。",
            ),
            # rows 3 and 4: the customer is one cell merged over both rows
            _row(
                3,
                "KS2024-003",
                45500,
                "东方电梯",
                "C030",
                "门机控制器",
                "EL-55",
                2,
                "触点磨损",
                "WEAR",
                "一般问题",
                "已结案",
                45520,
                "质量部",
                "门机触点早期磨损。",
            ),
            _row(
                4,
                "KS2024-004",
                45510,
                None,
                None,
                "门机控制器",
                "EL-56",
                1,
                "外壳划伤",
                "SCRATCH",
                "一般问题",
                "已结案",
                45515,
                "生产部",
                "外壳运输划伤。",
            ),
            _row(
                5,
                "KS2024-005",
                "2024/2/30",
                "蓝海电器",
                "C013",
                "变频控制板",
                "PCB-7781",
                1,
                "短路烧板",
                "SHORT",
                "一般问题",
                "已结案",
                None,
                "研发部",
                "日期写错的一行（2 月没有 30 日）。",
            ),
        ],
    ),
    "2025年": (
        3,
        [
            _row(
                1,
                "KS2025-001",
                "3月1日",
                "东方电梯",
                "C030",
                "门机控制器",
                "EL-55",
                4,
                "触点磨损",
                "WEAR",
                "一般问题",
                "已结案",
                "3月20日",
                "质量部",
                "门机触点磨损，第二次。",
            ),
            _row(
                2,
                "KS2025-002",
                "2025-04-02 09:15",
                "蓝海电器",
                "C013",
                "变频控制板",
                "PCB-7781",
                30,
                "短路烧板",
                "SHORT",
                "严重问题",
                "已结案",
                "2025-04-25",
                "研发部",
                "批量短路，客户产线受影响。",
            ),
            _row(
                3,
                "KS2025-003",
                "5月10日",
                "远航汽车",
                "C008",
                "车载摄像头支架",
                "CN-220",
                8,
                "支架开裂",
                "CRACK",
                "一般问题",
                "已结案",
                "5月30日",
                "工程部",
                "支架卡扣开裂。",
            ),
            _row(
                4,
                "KS2025-004",
                "2025年9月1日",
                "东方电梯",
                "C030",
                "门机控制器",
                "EL-55",
                2,
                "触点磨损",
                "WEAR",
                "一般问题",
                "已结案",
                "2025年9月15日",
                "质量部",
                "门机触点磨损，第三次。",
            ),
            _row(
                5,
                "KS2025-005",
                "2025/11/20 14:30",
                "恒力工控",
                "C004",
                "PLC控制柜线束",
                "WH-PLC-0350",
                6,
                "端子退针",
                "PIN-BACKOUT",
                "一般问题",
                "处理中",
                None,
                "生产部",
                "电话反馈端子退针。\n客户要求一周内回复。",
            ),
            _row(
                6,
                "KS2025-006",
                "6月31日",
                "远航汽车",
                "C008",
                "车载摄像头支架",
                "CN-220",
                1,
                "支架开裂",
                "CRACK",
                "一般问题",
                "已结案",
                None,
                "工程部",
                "6 月没有 31 日。",
            ),
            _row(
                7,
                "KS2025-007",
                "2025/7/7",
                "",
                "",
                "门机控制器",
                "EL-55",
                1,
                "触点磨损",
                "WEAR",
                "一般问题",
                "已结案",
                None,
                "质量部",
                "客户名称漏填的一行。",
            ),
            _row(
                8,
                "KS2025-008",
                "2025/8/8",
                "星辰医疗",
                "C021",
                "监护仪电源板",
                "SN-100",
                1,
                "风扇异响",
                "NOISE",
                "待定",
                "已结案",
                None,
                "生产部",
                "级别写成待定的一行。",
            ),
        ],
    ),
}
MERGED_DATA = {"2024年": ["D{r}:D{s}", "E{r}:E{s}"]}
"""Data cells merged over rows 3 and 4 of the sheet's data (the customer and its code)."""

CSV_ROWS = [
    ["售后部客诉登记表（2025年下半年）"],
    ["导出：2026-01-02", ""],
    [
        "编号",
        "日期",
        "客户",
        "客户代码",
        "产品",
        "料号",
        "不良代码",
        "不良现象",
        "级别",
        "状态",
        "结案日期",
        "责任部门",
    ],
    [
        "SH-25-031",
        "2025/12/05",
        "华北重工",
        "C044",
        "液压阀组",
        "HX-9",
        "LEAK",
        "阀组渗油",
        "一般问题",
        "已结案",
        "2025/12/20",
        "生产部",
    ],
    [
        "SH-25-032",
        "2025/12/18",
        "蓝海电器",
        "C013",
        "变频控制板",
        "PCB-7790",
        "NO-BOOT",
        "上电不启动",
        "一般问题",
        "已结案",
        "2025/12/29",
        "研发部",
    ],
]


def write_xlsx(path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    for name, (top, rows) in SHEETS.items():
        ws = book.create_sheet(name)
        last = get_column_letter(len(NAMES))
        ws.cell(1, 1, f"{name[:4]}年客户投诉台账（品质部）")
        ws.merge_cells(f"A1:{last}1")
        if top > 2:
            ws.cell(2, 1, f"更新日期：{name[:4]}-12-31")
        for col, title in enumerate(NAMES, 1):
            letter = get_column_letter(col)
            if title in GROUPED:
                ws.cell(top + 1, col, title)
            else:
                ws.cell(top, col, title)
                ws.merge_cells(f"{letter}{top}:{letter}{top + 1}")
        for span, title in GROUPS:
            a, b = span.split(":")
            ws[f"{a}{top}"] = title
            ws.merge_cells(f"{a}{top}:{b}{top}")
        first = top + 2
        for i, row in enumerate(rows):
            for col, value in enumerate(row, 1):
                if value is not None:
                    cell = ws.cell(first + i, col, value)
                    if isinstance(value, datetime):
                        cell.number_format = "yyyy-mm-dd hh:mm" if value.hour else "yyyy/m/d"
        for span in MERGED_DATA.get(name, []):
            ws.merge_cells(span.format(r=first + 2, s=first + 3))
    notes = book.create_sheet("填写说明")
    notes["A1"] = "本台账由品质部维护，每周五例会前更新。"
    book.save(path)


def write_csv(path: Path) -> None:
    import csv
    import io

    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows(CSV_ROWS)
    path.write_bytes(buf.getvalue().encode("gbk"))


def write_sample(folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    xlsx, csv_path = folder / XLSX_NAME, folder / CSV_NAME
    write_xlsx(xlsx)
    write_csv(csv_path)
    return xlsx, csv_path


if __name__ == "__main__":
    for made in write_sample(Path(sys.argv[1] if len(sys.argv) > 1 else ".")):
        print(made)
