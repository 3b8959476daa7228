"""Dates as real ledgers hold them, read strictly: a value either names one real day (and
maybe a time) or is refused with the reason; nothing is guessed.

Accepted: Excel dates (cells openpyxl already turns into ``datetime``) and Excel serial
numbers (a date cell formatted as a number), ``2025-03-12``, ``2025/3/12``, ``2025.03.12``,
``20250312``, ``2025年3月12日``, each optionally followed by a time (``14:30``, ``14:30:05``,
``14时30分``, ``14点``), and ``3月12日`` / ``3/12`` / ``3.12`` when the map says where the
year comes from. A weekday in brackets after the date (``（周三）``) is ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time

_SEP = r"[-/.]"
_TIME = (
    r"(?:(?:[ T\u3000]+|(?<=日))(?P<h>\d{1,2})"
    r"(?::(?P<mi>\d{2})(?::(?P<s>\d{2}))?|[时点](?:(?P<mi2>\d{1,2})分)?))?"
)
_WEEKDAY = r"(?:\s*[（(]\s*(?:周|星期|礼拜)[一二三四五六日天]\s*[)）])?"
_FULL = re.compile(
    rf"^(?P<y>\d{{4}})(?:{_SEP}|年)(?P<m>\d{{1,2}})(?:{_SEP}|月)(?P<d>\d{{1,2}})日?{_WEEKDAY}{_TIME}$"
)
_COMPACT = re.compile(rf"^(?P<y>\d{{4}})(?P<m>\d{{2}})(?P<d>\d{{2}}){_TIME}$")
_NO_YEAR = re.compile(rf"^(?P<m>\d{{1,2}})(?:{_SEP}|月)(?P<d>\d{{1,2}})日?{_WEEKDAY}{_TIME}$")
_SERIAL_MIN, _SERIAL_MAX = 25569, 73051
"""Excel serials from 1970-01-01 to 2099-12-31: a number outside is not taken for a date."""


class DateProblem(ValueError):
    """Why a value is not a date: Chinese and English."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


@dataclass(frozen=True, slots=True)
class LedgerDate:
    day: date
    at: time | None
    """None when the ledger gave the day alone."""

    def text(self, default: time) -> str:
        """``YYYY-MM-DD HH:MM`` (seconds when the ledger had them), ``default`` for no time."""
        t = self.at if self.at is not None else default
        stamp = f"{self.day:%Y-%m-%d} {t:%H:%M}"
        return f"{stamp}:{t.second:02d}" if t.second else stamp


def _time(m: re.Match[str]) -> time | None:
    if m.group("h") is None:
        return None
    h, mi, s = int(m["h"]), int(m["mi"] or m["mi2"] or 0), int(m["s"] or 0)
    if h > 23 or mi > 59 or s > 59:
        raise DateProblem(f"时间不存在：{m.group(0)}", f"no such time of day: {m.group(0)}")
    return time(h, mi, s)


def _day(y: int, mo: int, d: int, shown: str) -> date:
    try:
        return date(y, mo, d)
    except ValueError:
        raise DateProblem(
            f"日期不存在：{shown}（{y} 年 {mo} 月没有 {d} 日）",
            f"no such date: {shown} ({y}-{mo:02d} has no day {d})",
        ) from None


def _serial(value: float) -> LedgerDate:
    from openpyxl.utils.datetime import from_excel

    if not _SERIAL_MIN <= value <= _SERIAL_MAX:
        raise DateProblem(
            f"数字 {value:g} 不是日期（Excel 日期序号应在 1970–2099 年之间）",
            f"the number {value:g} is not a date (Excel date serials lie in 1970–2099)",
        )
    at = from_excel(value)
    if not isinstance(at, datetime):
        raise DateProblem(f"数字 {value:g} 不是日期", f"the number {value:g} is not a date")
    return _from_datetime(at, has_time=value != int(value))


def _from_datetime(at: datetime, has_time: bool) -> LedgerDate:
    at = at.replace(microsecond=0)
    return LedgerDate(at.date(), at.time() if has_time else None)


def parse_ledger_date(value: object, year: int | None = None) -> LedgerDate:
    """One ledger cell as a day and maybe a time; ``year`` for a date written without one."""
    if isinstance(value, datetime):
        return _from_datetime(value, has_time=value.time() != time(0, 0))
    if isinstance(value, date):
        return LedgerDate(value, None)
    if isinstance(value, bool):
        raise DateProblem("不是日期", "not a date")
    if isinstance(value, int | float):
        return _serial(float(value))
    text = " ".join(str(value).split())
    if not text:
        raise DateProblem("日期为空", "the date is empty")
    for pattern in (_FULL, _COMPACT):
        if m := pattern.match(text):
            day = _day(int(m["y"]), int(m["m"]), int(m["d"]), text)
            return LedgerDate(day, _time(m))
    if m := _NO_YEAR.match(text):
        if year is None:
            raise DateProblem(
                f"日期 {text} 没有年份：请在映射的 year 中写明年份来自哪一列或工作表名",
                f"the date {text} has no year: say in the map's year where it comes from "
                "(a column or the sheet's name)",
            )
        return LedgerDate(_day(year, int(m["m"]), int(m["d"]), text), _time(m))
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return _serial(float(text))
    raise DateProblem(
        f"看不懂的日期：{text}（可写 2025-03-12、2025/3/12、2025.03.12、2025年3月12日，可带时间）",
        f"not a date Kesu can read: {text} (write 2025-03-12, 2025/3/12, 2025.03.12 or "
        "2025年3月12日, optionally with a time)",
    )


def year_of(value: object) -> int | None:
    """A year column's value (``2025``, ``2025年``, ``2025.0``) or a sheet name's four-digit
    year (``2025年客诉``); None when there is none or more than one."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = int(value)
        return number if 1970 <= number <= 2099 and number == value else None
    found = set(re.findall(r"(?<!\d)(19[7-9]\d|20\d\d)(?!\d)", str(value)))
    return int(found.pop()) if len(found) == 1 else None
