"""Second opinions on a notice as read: the ``chinesecalendar`` package and the 2024 rules.

Both give warnings, never refusals: the notice is the source, and a package release or a rule
of thumb can lag behind it. ``kesu calendar add`` prints them before it writes.

The rules are those of the State Council's decision of 2024-11-10 (in force for the notices
from 2025, the first dated 2024-11-12): 元旦 1 day (1 January), 春节 4 days, 清明节 1,
劳动节 2 (1 and 2 May), 端午节 1, 中秋节 1, 国庆节 3 (1 to 3 October), and "法定节假日假期前后
连续工作一般不超过6天" (at most 6 working days in a row next to a holiday). The lunar dates are
not checked (no lunar calendar here): 春节 is only checked for its length.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from generator.time.notice import HOLIDAY_NAMES, Notice

RULES_FROM = 2025
"""The first year the 2024 rules govern."""
MAX_IN_A_ROW = 6
_STATUTORY: dict[str, tuple[int, tuple[tuple[int, int], ...]]] = {
    "元旦": (1, ((1, 1),)),
    "春节": (4, ()),
    "清明节": (1, ()),
    "劳动节": (2, ((5, 1), (5, 2))),
    "端午节": (1, ()),
    "中秋节": (1, ()),
    "国庆节": (3, ((10, 1), (10, 2), (10, 3))),
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a second opinion disagrees with."""

    day: date | None
    zh: str
    en: str

    def text(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


def _working(notice: Notice, d: date) -> bool:
    off = {x for p in notice.holidays for x in p.days}
    on = {x for p in notice.workdays for x in p.days}
    return d in on or (d not in off and d.weekday() < 5)


def against_package(notice: Notice) -> list[Finding] | None:
    """Every day of the notice's year (and each day it sets in the year before) on which
    ``chinesecalendar`` says otherwise; None when the package is absent or does not know the
    year."""
    try:
        import chinese_calendar  # type: ignore[import-untyped]
    except ImportError:
        return None
    first = date(notice.year, 1, 1)
    days = [first + timedelta(days=i) for i in range((date(notice.year + 1, 1, 1) - first).days)]
    days = sorted({*days, *(d for p in (*notice.holidays, *notice.workdays) for d in p.days)})
    out = []
    for d in days:
        try:
            theirs = bool(chinese_calendar.is_workday(d))
        except NotImplementedError:
            return None
        ours = _working(notice, d)
        if theirs != ours:
            zh = "工作日" if theirs else "休息日"
            en = "a working day" if theirs else "a day off"
            out.append(
                Finding(
                    d,
                    f"{d}：chinesecalendar 认为是{zh}，通知读作{'工作日' if ours else '休息日'}",
                    f"{d}: chinesecalendar says {en}, the notice as read says "
                    f"{'a working day' if ours else 'a day off'}",
                )
            )
    return out


def against_rules(notice: Notice) -> list[Finding]:
    """What the notice as read does that the 2024 rules do not expect (none before 2025)."""
    if notice.year < RULES_FROM:
        return []
    out: list[Finding] = []
    by_name: dict[str, tuple[date, ...]] = {}
    for p in notice.holidays:
        for part in p.name.split("、"):
            by_name[part] = p.days
    for name, (length, fixed) in _STATUTORY.items():
        days = by_name.get(name)
        en = HOLIDAY_NAMES[name]
        if days is None:
            out.append(Finding(None, f"没有{name}的放假安排", f"no holiday period for {en}"))
            continue
        if len(days) < length:
            out.append(
                Finding(
                    days[0],
                    f"{name}只放假 {len(days)} 天，法定假日为 {length} 天",
                    f"{en} has {len(days)} day(s) off, fewer than its {length} statutory days",
                )
            )
        for month, day in fixed:
            d = date(notice.year, month, day)
            if d not in days:
                out.append(
                    Finding(
                        d,
                        f"{d} 是{name}的法定假日，但不在放假日期内",
                        f"{d} is a statutory day of {en} but not among its days off",
                    )
                )
    for p in notice.holidays:
        for side, step, edge in (("前", -1, p.days[0]), ("后", 1, p.days[-1])):
            run, d = 0, edge + timedelta(days=step)
            while _working(notice, d) and run <= 31:
                run += 1
                d += timedelta(days=step)
            if run > MAX_IN_A_ROW:
                out.append(
                    Finding(
                        edge,
                        f"{p.name}{side}连续工作 {run} 天，超过 {MAX_IN_A_ROW} 天",
                        f"{run} working days in a row {'before' if step < 0 else 'after'} "
                        f"{p.name_en}, more than {MAX_IN_A_ROW}",
                    )
                )
    return out
