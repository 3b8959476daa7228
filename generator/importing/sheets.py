"""Reading a ledger: every sheet of an .xlsx workbook (openpyxl) or one CSV file, as rows of
cell values with their row numbers, merged cells filled with their top-left value, and the
header found (not necessarily on row 1, possibly two rows of merged group headers).

A workbook is a zip of XML written by someone else: its size, its unpacked size and its
number of rows are capped before openpyxl builds anything, and openpyxl parses through
``defusedxml`` (a required dependency), which refuses entity expansion.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_UNPACKED_BYTES = 400 * 1024 * 1024
MAX_ROWS = 100_000
MAX_COLUMNS = 300
HEADER_SEARCH_ROWS = 30
BLANK_RUN_END = 1000
"""This many blank rows in a row end a sheet (formatting often reaches row 1,048,576)."""
SUFFIXES = (".xlsx", ".xlsm", ".csv")


class LedgerError(ValueError):
    """The ledger cannot be read at all: Chinese and English."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


@dataclass(frozen=True, slots=True)
class Sheet:
    name: str
    rows: tuple[tuple[int, tuple[Any, ...]], ...]
    """(row number from 1, cell values from column A), blank trailing rows left out."""


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    out = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def column_index(letter: str) -> int | None:
    """A → 0; None when ``letter`` is not a column letter."""
    if not letter.isascii() or not letter.isalpha() or len(letter) > 3:
        return None
    n = 0
    for ch in letter.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def read_ledger(path: Path, encoding: str | None = None) -> list[Sheet]:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise LedgerError(
            f"{path.name}：只能导入 .xlsx 或 .csv（.xls 请先在 Excel 中另存为 .xlsx）",
            f"{path.name}: only .xlsx or .csv can be imported (save an .xls as .xlsx first)",
        )
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise LedgerError(f"{path} 不是普通文件", f"{path} is not a regular file")
        if size > MAX_FILE_BYTES:
            raise LedgerError(
                f"{path.name} 超过 {MAX_FILE_BYTES // 2**20} MB，请按年份拆分后分别导入",
                f"{path.name} is larger than {MAX_FILE_BYTES // 2**20} MB; split it by year",
            )
        raw = path.read_bytes()
    except FileNotFoundError:
        raise LedgerError(f"找不到台账文件：{path}", f"no such ledger file: {path}") from None
    except OSError as exc:
        raise LedgerError(
            f"无法读取 {path}：{exc.strerror}", f"cannot read {path}: {exc.strerror}"
        ) from None
    if suffix == ".csv":
        return [_csv(raw, path.stem, encoding)]
    return _workbook(raw, path.name)


def _decode(raw: bytes, encoding: str | None, name: str) -> str:
    tried = [encoding] if encoding else ["utf-8-sig", "gb18030"]
    for enc in tried:
        try:
            return raw.decode("gb18030" if enc == "gbk" else enc)  # GB18030 contains GBK
        except UnicodeDecodeError:
            continue
    raise LedgerError(
        f"{name}：无法按 {'/'.join(tried)} 解码；请在映射中写明 encoding，或用 Excel 另存为 "
        "“CSV UTF-8”",
        f"{name}: cannot be decoded as {'/'.join(tried)}; give encoding in the map, or save it "
        'from Excel as "CSV UTF-8"',
    )


def _csv(raw: bytes, name: str, encoding: str | None) -> Sheet:
    text = _decode(raw, encoding, name).removeprefix("\ufeff")
    rows: list[tuple[int, tuple[Any, ...]]] = []
    try:
        for n, row in enumerate(csv.reader(io.StringIO(text, newline="")), 1):
            if n > MAX_ROWS:
                raise _too_many(name)
            if len(row) > MAX_COLUMNS:
                raise _too_wide(name, n)
            rows.append((n, tuple(row)))
    except csv.Error as exc:
        raise LedgerError(f"{name}：CSV 格式错误：{exc}", f"{name}: malformed CSV: {exc}") from None
    return Sheet(name, tuple(rows))


def _too_many(name: str) -> LedgerError:
    return LedgerError(
        f"{name} 超过 {MAX_ROWS} 行，请拆分后导入",
        f"{name} has more than {MAX_ROWS} rows; split it",
    )


def _too_wide(name: str, row: int) -> LedgerError:
    return LedgerError(
        f"{name} 第 {row} 行超过 {MAX_COLUMNS} 列",
        f"{name} row {row} has over {MAX_COLUMNS} columns",
    )


def _workbook(raw: bytes, name: str) -> list[Sheet]:
    import openpyxl
    from openpyxl.xml import DEFUSEDXML

    if not DEFUSEDXML:  # pragma: no cover - defusedxml is a dependency
        raise LedgerError("缺少 defusedxml，无法安全读取 .xlsx", "defusedxml is missing")
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            unpacked = sum(i.file_size for i in zf.infolist())
    except zipfile.BadZipFile:
        raise LedgerError(
            f"{name} 不是有效的 .xlsx 文件", f"{name} is not a valid .xlsx file"
        ) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise LedgerError(
            f"{name} 解压后超过 {MAX_UNPACKED_BYTES // 2**20} MB，拒绝读取",
            f"{name} unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MB; refused",
        )
    try:
        # not read_only: merged cells are only known to a fully loaded sheet
        book = openpyxl.load_workbook(io.BytesIO(raw), data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise LedgerError(
            f"{name} 无法打开：{type(exc).__name__}", f"{name} cannot be opened: {exc}"
        ) from None
    try:
        return [_sheet(ws, name) for ws in book.worksheets]
    finally:
        book.close()


def _sheet(ws: Any, book: str) -> Sheet:
    if ws.max_row > MAX_ROWS * 20:
        raise _too_many(f"{book}!{ws.title}")
    fill: dict[tuple[int, int], Any] = {}
    for rng in ws.merged_cells.ranges:
        value = ws.cell(rng.min_row, rng.min_col).value
        for r in range(rng.min_row, min(rng.max_row, rng.min_row + MAX_ROWS) + 1):
            for c in range(rng.min_col, min(rng.max_col, MAX_COLUMNS) + 1):
                fill[(r, c)] = value
    rows: list[tuple[int, tuple[Any, ...]]] = []
    blank = 0
    for n, values in enumerate(ws.iter_rows(values_only=True), 1):
        if len(values) > MAX_COLUMNS and any(v is not None for v in values[MAX_COLUMNS:]):
            raise _too_wide(f"{book}!{ws.title}", n)
        cells = tuple(fill.get((n, c), v) for c, v in enumerate(values[:MAX_COLUMNS], 1))
        if all(_blank(v) for v in cells):
            blank += 1
            if blank >= BLANK_RUN_END:
                break
            continue
        blank = 0
        rows.append((n, cells))
        if len(rows) > MAX_ROWS:
            raise _too_many(f"{book}!{ws.title}")
    return Sheet(str(ws.title), tuple(rows))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# ------------------------------------------------------------------ the header


def header_text(value: Any) -> str:
    """A header cell as compared with the map's names: all whitespace removed."""
    return "" if value is None else "".join(str(value).split())


@dataclass(frozen=True, slots=True)
class Header:
    first: int
    """The row number of the header's first row."""
    last: int
    names: tuple[tuple[str, ...], ...]
    """Per column: the header parts, group first (consecutive repeats from vertical merges
    removed)."""

    def shown(self, col: int) -> str:
        return "/".join(self.names[col]) if col < len(self.names) else ""

    def find(self, wanted: str) -> int | tuple[int, ...] | None:
        """The column index for a map column name (``=C`` is a letter); None when no column
        has it; a tuple of candidates when the name alone is ambiguous."""
        if wanted.startswith("="):
            return column_index(wanted[1:])
        key = header_text(wanted)
        full = [i for i, parts in enumerate(self.names) if parts and "/".join(parts) == key]
        if len(full) == 1:
            return full[0]
        leaf = [i for i, parts in enumerate(self.names) if parts and parts[-1] == key]
        if len(leaf) == 1:
            return leaf[0]
        found = tuple(full or leaf)
        return found or None


def _header(rows: Sequence[tuple[int, tuple[Any, ...]]], at: int, count: int) -> Header | None:
    block = rows[at : at + count]
    if len(block) < count or block[-1][0] - block[0][0] != count - 1:
        return None  # header rows are consecutive
    for _, cells in block:
        if len({header_text(v) for v in cells} - {""}) < 2:
            return None  # a title row (one merged value) or a blank row is no header row
    width = max(len(cells) for _, cells in block)
    names: list[tuple[str, ...]] = []
    for col in range(width):
        parts: list[str] = []
        for _, cells in block:
            text = header_text(cells[col]) if col < len(cells) else ""
            if text and (not parts or parts[-1] != text):
                parts.append(text)
        names.append(tuple(parts))
    return Header(block[0][0], block[-1][0], tuple(names))


def find_header(
    sheet: Sheet, wanted: Sequence[str], row: int | None, count: int | None
) -> tuple[Header | None, list[str]]:
    """The header in which every ``wanted`` column is found once: at ``row`` (a row number)
    or the earliest in the first rows; ``count`` rows deep, or the fewest rows that work.
    Also returns the wanted names missing from the best candidate (for the message)."""
    starts = [
        i
        for i, (n, _) in enumerate(sheet.rows)
        if (n == row if row is not None else n <= HEADER_SEARCH_ROWS)
    ]
    best_missing: list[str] = list(wanted)
    for i in starts:
        for depth in (count,) if count else (1, 2, 3):
            header = _header(sheet.rows, i, depth)
            if header is None:
                continue
            missing = [w for w in wanted if not isinstance(header.find(w), int)]
            if not missing:
                return header, []
            if len(missing) < len(best_missing):
                best_missing = missing
    return None, best_missing


def data_rows(sheet: Sheet, header: Header) -> Iterator[tuple[int, tuple[Any, ...]]]:
    for n, cells in sheet.rows:
        if n > header.last:
            yield n, cells
