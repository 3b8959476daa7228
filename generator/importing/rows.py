"""One ledger row → the fields of one imported record, or the reasons it cannot be read.

A row is read whole or not at all: every problem is collected with its cell (sheet, row,
column, header) and a row with any problem makes no record.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from generator.importing.dates import DateProblem, LedgerDate, parse_ledger_date, year_of
from generator.importing.mapfile import ImportMap, ValueSpec, norm_value
from generator.importing.sheets import Header, column_letter

RECEIVED_TIME = time(0, 0)
"""A received date without a time is read as the start of that day."""
CLOSED_TIME = time(23, 59)
"""A closure date without a time is read as the end of that day."""
ENUMS: Mapping[str, tuple[str, ...]] = {
    "origin": ("external", "internal"),
    "category": ("quality", "delivery", "service", "other"),
    "channel": ("phone", "email", "written", "platform", "onsite", "meeting", "other"),
    "status": (
        "registered",
        "containment",
        "analysis",
        "correction",
        "verification",
        "closed",
        "cancelled",
    ),
}
DEFAULTS = {"origin": "external", "category": "quality", "channel": "other"}
_DEFECT_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,49}$")
_RECORD_ID = re.compile(r"^[A-Z][A-Z0-9]{0,9}-[0-9]{4}-[0-9]{3,6}(-[0-9]{1,2})?$")
LINE_MAX = 200


@dataclass(frozen=True, slots=True)
class Where:
    sheet: str
    row: int
    column: int | None = None
    header: str = ""

    @property
    def cell(self) -> str:
        return f"{column_letter(self.column)}{self.row}" if self.column is not None else ""

    def shown(self) -> str:
        """``2024年!D17 (投诉日期)`` or ``2024年 row 17``."""
        if self.column is None:
            return f"{self.sheet}!{self.row}"
        head = f" ({self.header})" if self.header else ""
        return f"{self.sheet}!{self.cell}{head}"


@dataclass(frozen=True, slots=True)
class RowProblem:
    where: Where
    field: str
    zh: str
    en: str


@dataclass(slots=True)
class Draft:
    """What one row gives: the record's fields without an id yet."""

    where: Where
    key: str
    ledger_id: str | None
    received: datetime
    fields: dict[str, Any] = field(default_factory=dict)
    grade: str | None = None


class _Row:
    def __init__(
        self, cells: Sequence[Any], header: Header, where: Where, year: int | None
    ) -> None:
        self.cells, self.header, self.where, self.year = cells, header, where, year
        self.problems: list[RowProblem] = []

    def at(self, col: int | None) -> Where:
        if col is None:
            return self.where
        return Where(self.where.sheet, self.where.row, col, self.header.shown(col))

    def fail(self, col: int | None, name: str, zh: str, en: str) -> None:
        self.problems.append(RowProblem(self.at(col), name, zh, en))

    def raw(self, column: str) -> tuple[Any, int]:
        col = self.header.find(column)
        assert isinstance(col, int)  # the header was chosen because every column resolves
        return (self.cells[col] if col < len(self.cells) else None), col

    def text(self, spec: ValueSpec, name: str, multiline: bool = False) -> tuple[str, int | None]:
        """The spec's text ("" when empty), mapped through ``values``."""
        parts: list[str] = []
        first: int | None = None
        for column in spec.columns:
            value, col = self.raw(column)
            first = col if first is None else first
            text = cell_text(value, multiline)
            if not text and len(spec.columns) > 1:
                self.fail(
                    col,
                    name,
                    f"{name} 由多列拼成，但这一列是空的",
                    f"{name} is built from several columns and this one is empty",
                )
                return "", col
            parts.append(text)
        text = spec.join.join(parts)
        if text and spec.values is not None:
            mapped = spec.values.get(norm_value(text))
            if mapped is None:
                listed = "、".join(spec.values) or "（无）"
                self.fail(
                    first,
                    name,
                    f"“{text}”不在映射为 {name} 列出的写法中（{listed}）："
                    "请在映射的 values 中加上它",
                    f"{text!r} is not among the values the map lists for {name} ({listed}): "
                    "add it under values",
                )
                return "", first
            text = mapped
        return text, first


def cell_text(value: Any, multiline: bool = False) -> str:
    """A cell as text: numbers without a spurious ``.0``, dates as ``YYYY-MM-DD``, line
    breaks kept only for prose."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.strftime("%Y-%m-%d %H:%M") if value.time() != time(0) else f"{value:%Y-%m-%d}"
    elif isinstance(value, date):
        value = f"{value:%Y-%m-%d}"
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    if multiline:
        return "\n".join(line.rstrip() for line in text.strip().split("\n"))
    return " ".join(text.split())


def _key(parts: Sequence[str]) -> str:
    """The identity of a row without a ledger number: a digest of what it says."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return f"sha256:{digest[:16]}"


def read_row(
    cells: Sequence[Any],
    header: Header,
    where: Where,
    imap: ImportMap,
    grades: Sequence[str],
    as_of: datetime,
) -> Draft | list[RowProblem]:
    """The draft for one row, or every problem it has."""
    year = year_of(where.sheet) if imap.year_from_sheet else None
    row = _Row(cells, header, where, year)
    if imap.year_column is not None:
        value, col = row.raw(imap.year_column)
        if cell_text(value):
            year = year_of(value)
            if year is None:
                row.fail(col, "year", f"不是年份：{cell_text(value)}", f"not a year: {value}")
        row.year = year
    f = imap.fields
    got: dict[str, str] = {}
    cols: dict[str, int | None] = {}
    for name, spec in f.items():
        if name in ("received_at", "closed_at"):
            continue
        got[name], cols[name] = row.text(spec, name, multiline=name == "description")
    received = _date(row, f["received_at"], "received_at", RECEIVED_TIME)
    closed = _date(row, f["closed_at"], "closed_at", CLOSED_TIME) if "closed_at" in f else None
    out: dict[str, Any] = {}
    for name in ("origin", "category", "channel", "status"):
        value = got.get(name) or imap.defaults.get(name) or DEFAULTS.get(name, "")
        if not value and name == "status":
            value = "closed" if closed is not None else ""
        if value not in ENUMS[name]:
            shown = value or "（空）"
            row.fail(
                cols.get(name),
                name,
                f"{name} 的值 {shown} 不是 {' / '.join(ENUMS[name])} 之一：请在映射中用 values "
                "对照，或在 defaults 中给出",
                f"{name} {value or '(empty)'} is not one of {' / '.join(ENUMS[name])}: map it "
                "with values, or give it under defaults",
            )
        out[name] = value
    customer = got.get("customer", "")
    if not customer:
        row.fail(cols.get("customer"), "customer", "客户为空", "the customer is empty")
    part = got.get("part_number", "")
    product = got.get("product") or imap.defaults.get("product") or part
    if not product:
        row.fail(
            cols.get("product", cols.get("part_number")),
            "product",
            "产品名称与料号都为空：请映射 product 或在 defaults 中给出 product",
            "both the product and the part number are empty: map product or give it under defaults",
        )
    code = got.get("defect_code", "")
    if code and not _DEFECT_CODE.match(code):
        row.fail(
            cols.get("defect_code"),
            "defect_code",
            f"不良代码 {code} 只能含字母、数字、_ . -（可在映射中用 values 把文字对照成代码）",
            f"the defect code {code} may hold letters, digits and _ . - only (map wording to "
            "codes with values)",
        )
    grade = got.get("grade") or imap.defaults.get("grade") or None
    if grade is not None and grade not in grades:
        row.fail(
            cols.get("grade"),
            "grade",
            f"级别 {grade} 不是所用策略的级别（{'、'.join(grades)}）：请在映射中用 values 对照",
            f"the grade {grade} is not one of the policy's grades ({', '.join(grades)}): map it "
            "with values",
        )
    for name, value in got.items():
        if name != "description" and len(value) > LINE_MAX:
            row.fail(
                cols.get(name),
                name,
                f"{name} 超过 {LINE_MAX} 个字",
                f"{name} is longer than {LINE_MAX} characters",
            )
    if received is not None:
        at = datetime.combine(received.day, received.at or RECEIVED_TIME, as_of.tzinfo)
        if at > as_of:
            row.fail(
                _col(row, f["received_at"]),
                "received_at",
                f"收到日期 {received.text(RECEIVED_TIME)} 在导入时间之后",
                f"the received date {received.text(RECEIVED_TIME)} is after the import",
            )
        if closed is not None and (closed.day, closed.at or CLOSED_TIME) < (
            received.day,
            received.at or RECEIVED_TIME,
        ):
            row.fail(
                _col(row, f["closed_at"]),
                "closed_at",
                f"结案日期 {closed.text(CLOSED_TIME)} 早于收到日期 {received.text(RECEIVED_TIME)}",
                f"closed {closed.text(CLOSED_TIME)} before it was received "
                f"({received.text(RECEIVED_TIME)})",
            )
    if row.problems or received is None:
        return row.problems
    ledger_id = None
    if imap.id_column is not None:
        ledger_id = cell_text(row.raw(imap.id_column)[0]) or None
    defect = got.get("defect", "")
    title = got.get("title") or " ".join(p for p in (customer, part or product, defect) if p)
    description = got.get("description") or defect or title
    key_spec = f.get("problem_key")
    problem_key = got.get("problem_key") if key_spec is not None else None
    if key_spec is None:
        problem_key = "/".join(p for p in (customer, part or product, code or defect) if p)
    status = out.pop("status")
    out = {
        "title": title[:LINE_MAX] if len(title) >= 2 else f"{title}（导入）",
        **out,
        "received_at": received.text(RECEIVED_TIME),
        "status": status,
        "customer": _drop_empty({"company": customer, "code": got.get("customer_code", "")}),
        "product": _drop_empty(
            {"name": product, "part_number": part, "model": got.get("model", "")}
        ),
        "description": description,
    }
    quantity = got.get("complained_quantity", "")
    if quantity:
        if not quantity.isdigit():
            row.fail(
                cols.get("complained_quantity"),
                "complained_quantity",
                f"投诉数量不是整数：{quantity}",
                f"not a whole number: {quantity}",
            )
            return row.problems
        out["product"]["complained_quantity"] = int(quantity)
    if code:
        out["defect_code"] = code
    if problem_key and len(problem_key) >= 3:
        out["problem_key"] = problem_key
    responsibility = _drop_empty(
        {
            "responsible_department": got.get("responsible_department", ""),
            "owner": got.get("owner", ""),
        }
    )
    if responsibility:
        out["responsibility"] = responsibility
    if closed is not None and out["status"] == "closed":
        out["d8_closure"] = {"closed_at": closed.text(CLOSED_TIME)}
    key = ledger_id or _key(
        [out["received_at"], customer, product, part, code, defect, description]
    )
    received_at = datetime.combine(received.day, received.at or RECEIVED_TIME, as_of.tzinfo)
    return Draft(where, key, ledger_id, received_at, out, grade)


def _col(row: _Row, spec: ValueSpec) -> int | None:
    found = row.header.find(spec.columns[0])
    return found if isinstance(found, int) else None


def _date(row: _Row, spec: ValueSpec, name: str, default: time) -> LedgerDate | None:
    value, col = row.raw(spec.columns[0])
    if name == "closed_at" and not cell_text(value):
        return None
    try:
        return parse_ledger_date(value, row.year)
    except DateProblem as exc:
        row.fail(col, name, exc.zh, exc.en)
        return None


def _drop_empty(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v not in ("", None)}


def is_record_id(text: str) -> bool:
    return bool(_RECORD_ID.match(text))
