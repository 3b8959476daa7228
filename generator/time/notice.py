"""Reading the State Council's holiday notice (国务院办公厅关于YYYY年部分节假日安排的通知).

The text is what people paste from gov.cn or a PDF: full- or half-width digits and
punctuation, ideographic spaces, weekday notes such as （周六）or （农历除夕、周二）, items that
wrap onto the next line, and web clutter before the title and after the signature. Each line
is normalised (NFKC) before it is read, so ``１月１日（周四）`` and ``1月1日(周四)`` are the same.

What is read:

* the title (国务院办公厅关于YYYY年部分节假日安排的通知), which gives the year; else the
  introduction (现将YYYY年元旦、春节……); the document number (国办发明电〔YYYY〕N号), the
  signing date (a line ``YYYY年M月D日`` after the items) and a source URL if one is pasted;
* each numbered item ``一、春节：…`` (Chinese or Arabic numerals): its sentences are a holiday
  period (``A至B放假调休，共N天`` / ``A放假1天，不调休`` / ``A放假，与周末连休``) and make-up
  working days (``A（周六）、B（周日）上班``). A date without a year is in the notice's year,
  except a December date under 元旦, which is the year before; a range may cross a month or
  the year's end (``12月30日至1月1日``, ``2018年12月30日至2019年1月1日``).

Anything inside the items that is not understood is refused with its line: a sentence of
another shape, a date that does not exist, a weekday note that does not match its date, a day
count that does not match the range, a make-up day that is not a Saturday or Sunday, a day
listed twice, an unknown holiday name. The reader never guesses; the notice is the source.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

HOLIDAY_NAMES: dict[str, str] = {
    "元旦": "New Year's Day",
    "春节": "Spring Festival",
    "清明节": "Qingming Festival",
    "劳动节": "Labour Day",
    "端午节": "Dragon Boat Festival",
    "中秋节": "Mid-Autumn Festival",
    "国庆节": "National Day",
}
_ALIASES = {
    "清明": "清明节",
    "五一劳动节": "劳动节",
    "端午": "端午节",
    "中秋": "中秋节",
    "国庆": "国庆节",
}
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_WEEKDAY_ZH = "一二三四五六日"
_CN_NUM = {
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
}

_TITLE = re.compile(r"国务院办公厅关于(\d{4})年部分节假日安排的通知")
_INTRO = re.compile(r"现将(\d{4})年.*(?:安排|通知如下)")
_NUMBER = re.compile(r"国办发(?:明电)?[〔\[(【]\d{4}[〕\])】]\d+号")
_SIGNED = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_URL = re.compile(r"https?://[^\s<>\"'）)]+")
_ITEM = re.compile(
    r"(?:[一二三四五六七八九十]+[、.]|\d{1,2}[、.]|\([一二三四五六七八九十\d]+\))"
    r"\s*([^:]{1,20}?)\s*:\s*(.*)"
)
_DATE = r"(?:(\d{4})年)?(?:(\d{1,2})月)?(\d{1,2})日(?:\(([^()]*)\))?"
_ONE_DATE = re.compile(_DATE)
_RANGE = re.compile(_DATE + r"(?:(?:至|到|~|-|—|–)" + _DATE + r")?")
_CLOSING = ("节假日期间", "各地区、各部门要", "国务院办公厅")
ADD_COMMAND = "kesu calendar add NOTICE.txt --url URL"
"""What to run when a year is missing (``kesu validate``, the dashboard, the robot)."""


@dataclass(frozen=True, slots=True)
class Period:
    """One item's days off, or its make-up working days (调休上班)."""

    name: str
    name_en: str
    days: tuple[date, ...]
    line: int
    """The 1-based line of the notice the days were read from."""


@dataclass(frozen=True, slots=True)
class Notice:
    year: int
    title: str
    number: str | None
    """国办发明电〔2025〕7号, when the text carries it."""
    signed: date | None
    """The date under the signature, when the text carries it."""
    url: str | None
    holidays: tuple[Period, ...]
    workdays: tuple[Period, ...]
    items: tuple[str, ...]
    """The numbered items as read (normalised), for the calendar file's comment."""

    @property
    def source(self) -> str:
        """The title with the number and date, as the calendar data names a notice."""
        extra = "，".join(x for x in (self.number, self.signed and self.signed.isoformat()) if x)
        return f"{self.title}（{extra}）" if extra else self.title


class NoticeError(ValueError):
    """A line of the notice that could not be read: where, what, and the line itself."""

    def __init__(self, file: str, line: int, text: str, zh: str, en: str) -> None:
        super().__init__(f"{file}:{line}: {en}")
        self.file, self.line, self.text, self.zh, self.en = file, line, text, zh, en

    def message(self, lang: str) -> str:
        head = f"{self.file}:{self.line}: " + (self.en if lang == "en" else self.zh)
        return head + (f"\n  {self.text}" if self.text else "")


def normalise(line: str) -> str:
    """Full-width digits and punctuation to half-width, no spaces (NFKC keeps 。 and 、)."""
    text = unicodedata.normalize("NFKC", line)
    return re.sub(r"\s+", "", text)


@dataclass(slots=True)
class _Item:
    line: int
    name: str
    body: str
    parts: list[tuple[int, str]]
    """(line, text) of each physical line the item spans, for locating a sentence."""


class _Reader:
    def __init__(self, file: str, raw: Sequence[str]) -> None:
        self.file, self.raw = file, raw

    def fail(self, line: int, zh: str, en: str) -> NoticeError:
        text = self.raw[line - 1].strip() if 0 < line <= len(self.raw) else ""
        return NoticeError(self.file, line, text, zh, en)


def parse_notice(text: str, file: str) -> Notice:
    """Read the notice; raise ``NoticeError`` naming the first line it cannot read."""
    raw = text.splitlines()
    reader = _Reader(file, raw)
    year: int | None = None
    title = number = url = None
    signed: date | None = None
    items: list[_Item] = []
    state = "head"
    for i, line in enumerate(raw, 1):
        norm = normalise(line)
        if not norm:
            continue
        if found := _URL.search(norm):
            url = url or found[0].rstrip(".,;")
            if found[0] == norm:
                continue
        if state == "tail":
            if m := _SIGNED.fullmatch(norm):
                signed = _real_date(int(m[1]), int(m[2]), int(m[3]))
            continue
        item = _ITEM.fullmatch(norm)
        is_item = item is not None and (
            _holiday_name(item[1]) is not None or "放假" in item[2] or "上班" in item[2]
        )
        if state == "head" and not is_item:
            if (m := _TITLE.search(norm)) and title is None:
                title, year = m[0], int(m[1])
            elif (m := _NUMBER.search(norm)) and number is None:
                number = m[0].replace("[", "〔").replace("]", "〕")
            elif (m := _INTRO.search(norm)) and year is None:
                year = int(m[1])
            continue
        if item is not None and is_item:
            state = "items"
            name = _holiday_name(item[1])
            if name is None:
                raise reader.fail(
                    i, f"未知的节日名称「{item[1]}」", f"unknown holiday name {item[1]!r}"
                )
            items.append(_Item(i, name, item[2], [(i, item[2])]))
            continue
        if norm.startswith(_CLOSING) or _SIGNED.fullmatch(norm):
            state = "tail"
            if m := _SIGNED.search(norm):
                signed = _real_date(int(m[1]), int(m[2]), int(m[3]))
            continue
        last = items[-1]
        if not last.body.endswith(("。", ".")) or _ONE_DATE.match(norm):
            last.body += norm
            last.parts.append((i, norm))
            continue
        raise reader.fail(
            i,
            "无法识别这一行：既不是编号的放假安排，也不是上一条的续行",
            "cannot read this line: it is neither a numbered holiday item nor the rest of the "
            "one before",
        )
    if not items:
        raise reader.fail(
            max(len(raw), 1),
            "没有找到编号的放假安排（如「一、元旦：…」）",
            "no numbered holiday item found (such as 一、元旦：…)",
        )
    if year is None:
        raise reader.fail(
            1,
            "找不到年份：请保留通知标题「国务院办公厅关于YYYY年部分节假日安排的通知」",
            "no year found: keep the notice's title (国务院办公厅关于YYYY年部分节假日安排的通知)",
        )
    holidays, workdays = _read_items(reader, items, year)
    return Notice(
        year,
        title or f"国务院办公厅关于{year}年部分节假日安排的通知",
        number,
        signed,
        url,
        tuple(holidays),
        tuple(workdays),
        tuple(f"{_numeral(k)}、{it.name}：{it.body}" for k, it in enumerate(items, 1)),
    )


def _numeral(n: int) -> str:
    tens, ones = divmod(n, 10)
    return ("十" if tens == 1 else (_WEEKDAY_ZH[tens - 1] + "十" if tens else "")) + (
        "一二三四五六七八九"[ones - 1] if ones else ""
    )


def _holiday_name(text: str) -> str | None:
    parts = [_ALIASES.get(p, p) for p in re.split(r"[、,和与及]", text) if p]
    return "、".join(parts) if parts and all(p in HOLIDAY_NAMES for p in parts) else None


def name_en(name: str) -> str:
    return " and ".join(HOLIDAY_NAMES[p] for p in name.split("、"))


def _real_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _read_items(
    reader: _Reader, items: list[_Item], year: int
) -> tuple[list[Period], list[Period]]:
    holidays: list[Period] = []
    workdays: list[Period] = []
    seen: dict[date, int] = {}
    for item in items:
        off: list[date] = []
        work: list[date] = []
        for line, sentence in _sentences(item):
            if sentence.endswith("上班"):
                days = _workdays(reader, line, sentence.removesuffix("上班"), item.name, year)
                work += days
            elif "放假" in sentence:
                if off:
                    raise reader.fail(
                        line,
                        f"{item.name}有两段放假日期",
                        f"{item.name}: two holiday periods in one item",
                    )
                off = _holiday(reader, line, sentence, item.name, year)
            else:
                raise reader.fail(
                    line,
                    f"无法识别「{sentence}」：应为「…放假…」或「…上班」",
                    f"cannot read {sentence!r}: expected a holiday period "
                    "(…放假…) or make-up working days (…上班)",
                )
        if not off:
            raise reader.fail(item.line, f"{item.name}没有放假日期", f"{item.name}: no days off")
        for d in (*off, *work):
            if d.year not in (year, year - 1):
                raise reader.fail(
                    item.line,
                    f"{d} 既不在 {year} 年也不在 {year - 1} 年",
                    f"{d} is neither in {year} nor in {year - 1}",
                )
            if d in seen:
                raise reader.fail(
                    item.line,
                    f"{d} 被列了两次（另见第 {seen[d]} 行）",
                    f"{d} is listed twice (also line {seen[d]})",
                )
            seen[d] = item.line
        holidays.append(Period(item.name, name_en(item.name), tuple(off), item.line))
        if work:
            workdays.append(Period(item.name, name_en(item.name), tuple(sorted(work)), item.line))
    return holidays, workdays


def _sentences(item: _Item) -> list[tuple[int, str]]:
    """The item's sentences with the line each starts on."""
    out: list[tuple[int, str]] = []
    pos, starts = 0, []
    for line, text in item.parts:
        starts.append((pos, line))
        pos += len(text)
    pos = 0
    for sentence in re.split(r"(?<=[。;.])", item.body):
        line = max(ln for p, ln in starts if p <= pos)
        pos += len(sentence)
        if s := sentence.rstrip("。;."):
            out.append((line, s))
    return out


def _resolve(
    reader: _Reader,
    line: int,
    m: re.Match[str],
    offset: int,
    name: str,
    year: int,
    base: date | None,
) -> date:
    """The date of the match's date group starting at ``offset`` (a range's end inherits the
    start's year and month, and moves into the next year when its month is earlier)."""
    y, mo, d, note = m.group(offset, offset + 1, offset + 2, offset + 3)
    month = int(mo) if mo else base.month if base else None
    if month is None:
        raise reader.fail(line, f"「{m[0]}」缺少月份", f"{m[0]!r} has no month")
    if y:
        yy = int(y)
    elif base is not None:
        yy = base.year + (1 if month < base.month else 0)
    else:
        yy = year - 1 if month == 12 and name == "元旦" else year
    found = _real_date(yy, month, int(d))
    if found is None:
        raise reader.fail(
            line, f"{yy}年{month}月{d}日不存在", f"{yy}-{month:02d}-{int(d):02d} does not exist"
        )
    if note:
        _check_note(reader, line, found, note)
    return found


def _check_note(reader: _Reader, line: int, d: date, note: str) -> None:
    for part in re.split(r"[、,]", note):
        wd = re.fullmatch(r"(?:星期|周|礼拜)([一二三四五六日天])", part)
        if wd:
            if _WEEKDAYS[wd[1]] != d.weekday():
                real = _WEEKDAY_ZH[d.weekday()]
                raise reader.fail(
                    line, f"{d} 是周{real}，不是{part}", f"{d} is a {d:%A}, not {part}"
                )
        elif not part.startswith("农历") and part:
            raise reader.fail(
                line,
                f"无法识别括号中的「{part}」（应为周几或农历日期）",
                f"cannot read {part!r} in brackets (expected a weekday or a lunar date)",
            )


def _span(reader: _Reader, line: int, text: str, name: str, year: int) -> list[date]:
    m = _RANGE.fullmatch(text)
    if m is None:
        raise reader.fail(line, f"无法识别日期「{text}」", f"cannot read the dates {text!r}")
    start = _resolve(reader, line, m, 1, name, year, None)
    if m[7] is None:
        return [start]
    end = _resolve(reader, line, m, 5, name, year, start)
    if not 0 < (end - start).days <= 31:
        raise reader.fail(line, f"日期区间 {start}..{end} 无效", f"bad range {start}..{end}")
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _count(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if text and all(ch in _CN_NUM for ch in text):
        if text == "十":
            return 10
        tens, _, ones = text.partition("十")
        if "十" in text:
            return (_CN_NUM[tens] if tens else 1) * 10 + (_CN_NUM[ones] if ones else 0)
        return _CN_NUM[text] if len(text) == 1 else None
    return None


def _holiday(reader: _Reader, line: int, sentence: str, name: str, year: int) -> list[date]:
    dates, _, rest = sentence.partition("放假")
    days = _span(reader, line, dates, name, year)
    clauses = [c for c in re.split(r",", rest) if c]
    if clauses and clauses[0].startswith("调休"):
        clauses[0] = clauses[0].removeprefix("调休")
        clauses = [c for c in clauses if c]
    for clause in clauses:
        n = re.fullmatch(r"共?(\S+?)天", clause)
        if clause == "与周末连休":
            while (days[0] - timedelta(days=1)).weekday() >= 5:
                days.insert(0, days[0] - timedelta(days=1))
            while (days[-1] + timedelta(days=1)).weekday() >= 5:
                days.append(days[-1] + timedelta(days=1))
        elif clause in ("不调休", "调休"):
            continue
        elif n and (count := _count(n[1])) is not None:
            if count != len(days):
                raise reader.fail(
                    line,
                    f"「{clause}」与日期 {days[0]}..{days[-1]}（{len(days)} 天）不符",
                    f"{clause!r} does not match {days[0]}..{days[-1]} ({len(days)} days)",
                )
        else:
            raise reader.fail(line, f"无法识别「{clause}」", f"cannot read {clause!r}")
    return days


def _workdays(reader: _Reader, line: int, text: str, name: str, year: int) -> list[date]:
    """``A(周六)、B(周日)`` (dates or ranges, separated by 、 , or 和)."""
    out: list[date] = []
    text, pos = text.removesuffix("调休"), 0
    while pos < len(text):
        m = _RANGE.match(text, pos)
        if m is None or not m[0]:
            raise reader.fail(
                line, f"无法识别上班日期「{text}」", f"cannot read the working days {text!r}"
            )
        pos = m.end()
        if pos < len(text):
            if text[pos] not in "、,和":
                raise reader.fail(
                    line, f"无法识别上班日期「{text}」", f"cannot read the working days {text!r}"
                )
            pos += 1
        for d in _span(reader, line, m[0], name, year):
            if d.weekday() < 5:
                raise reader.fail(
                    line,
                    f"{d} 是周{_WEEKDAY_ZH[d.weekday()]}：调休上班日应为周六或周日",
                    f"{d} is a {d:%A}: a make-up working day is a Saturday or Sunday",
                )
            out.append(d)
    return out
