"""The official calendar a records repository computes with: Kesu's years, plus its own.

A company adds a year without upgrading Kesu: ``kesu calendar add`` writes the State Council's
notice as ``calendar/cn-YYYY.yaml`` (folder: ``calendar.official_dir`` in ``kesu.yaml``), in
the shape of Kesu's own data file (``generator/time/data/cn_calendar.yaml``). A year in the
repository replaces Kesu's entry for that year as a whole (the days it sets in the year
before included); every other year stays Kesu's. The files are read through the config's rule
source, so ``kesu check`` judges a pull request with the base branch's calendar and lists the
dues the proposed calendar moves, as for any rule change.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import yaml

from generator.common.diagnostics import Diagnostic, Severity
from generator.load.yamlload import located
from generator.time.notice import ADD_COMMAND
from generator.time.workcal import (
    OfficialCalendar,
    _Loader,
    load_official_calendar,
    parse_official_calendar,
)

if TYPE_CHECKING:
    from generator.config.settings import RepoConfig
    from generator.time.notice import Notice

OFFICIAL_DIR = "calendar"
"""Where a records repository keeps its official-calendar years, by default."""
_PATH = re.compile(r"years\.(\d+)((?:\.\w+|\[\d+\])*)")


def year_file(config: RepoConfig, year: int) -> str:
    """The repository-relative file ``kesu calendar add`` writes for ``year``."""
    return f"{config.official_calendar_dir.strip('/')}/cn-{year}.yaml"


def _files(config: RepoConfig) -> list[tuple[str, str, bytes | None]]:
    """(path, display name, bytes) of each YAML file in the repository's calendar folder."""
    rules = config.rule_source
    names = rules.names(config.official_calendar_dir.strip("/"))
    return [(n, rules.display(n), rules.read(n)) for n in names if n.endswith((".yaml", ".yml"))]


def repository_calendar(
    config: RepoConfig, extra: Sequence[tuple[str, str]] = ()
) -> tuple[OfficialCalendar | None, list[Diagnostic]]:
    """Kesu's official calendar with the repository's years on top (None when a file is bad).

    ``extra`` adds or replaces files by path, (path, text): a year about to be written.
    """
    found: dict[str, tuple[str, str]] = {}
    diags: list[Diagnostic] = []
    for rel, shown, raw in _files(config):
        try:
            if raw is None:
                raise UnicodeError
            found[rel] = (shown, raw.decode("utf-8-sig"))
        except UnicodeError:
            diags.append(
                Diagnostic(
                    shown,
                    "calendar-file",
                    "日历文件无法读取（应为 UTF-8 文本，且不超过 4 MiB）",
                    "Cannot read the calendar file (it must be UTF-8 text of at most 4 MiB)",
                )
            )
    for rel, text in extra:
        found[rel] = (rel, text)
    if diags:
        return None, diags
    if not found:
        return load_official_calendar(), []
    official, problems = _merged(tuple(found[k] for k in sorted(found)))
    return official, list(problems)


@cache
def _shipped_years() -> dict[Any, Any]:
    text = (resources.files("generator.time") / "data" / "cn_calendar.yaml").read_text(
        encoding="utf-8"
    )
    data: dict[Any, Any] = yaml.load(text, Loader=_Loader)["years"]  # noqa: S506 - CSafeLoader
    return data


def _problem(shown: str, text: str, exc: ValueError) -> Diagnostic:
    detail = str(exc).removeprefix(f"{shown}: ")
    path: list[str | int] = []
    if m := _PATH.search(detail):
        path = ["years", m[1]]
        for part in re.findall(r"\.(\w+)|\[(\d+)\]", m[2]):
            path.append(part[0] if part[0] else int(part[1]))
    return located(
        shown,
        text,
        path,
        "calendar-file",
        f"日历文件无效：{detail}",
        f"Invalid calendar file: {detail}",
        "按 kesu calendar add 写出的格式修正（见 docs/calendar.md），或删除该文件后重新运行 "
        "kesu calendar add。",
        "Fix it to the shape kesu calendar add writes (docs/calendar.md), or delete the file "
        "and run kesu calendar add again.",
    )


@cache
def _merged(
    files: tuple[tuple[str, str], ...],
) -> tuple[OfficialCalendar | None, tuple[Diagnostic, ...]]:
    years = dict(_shipped_years())
    owner: dict[Any, tuple[str, str]] = {}
    diags: list[Diagnostic] = []
    for shown, text in files:
        try:
            parse_official_calendar(text, shown)
        except ValueError as exc:
            diags.append(_problem(shown, text, exc))
            continue
        for year, entry in yaml.load(text, Loader=_Loader)["years"].items():  # noqa: S506
            if year in owner:
                diags.append(
                    located(
                        shown,
                        text,
                        ["years", str(year)],
                        "calendar-file",
                        f"{year} 年已在 {owner[year][0]} 中给出：每年只能由一个文件给出",
                        f"{year} is already given in {owner[year][0]}: one file per year",
                    )
                )
                continue
            owner[year], years[year] = (shown, text), entry
    if diags:
        return None, tuple(diags)
    merged = yaml.safe_dump({"years": years}, allow_unicode=True, sort_keys=True)
    try:
        return parse_official_calendar(merged, "calendar"), ()
    except ValueError as exc:  # a day one of the repository's years lists that another lists
        m = _PATH.search(str(exc))
        shown, text = owner.get(int(m[1]) if m else None, files[0])
        return None, (_problem(shown, text, ValueError(str(exc).removeprefix("calendar: "))),)


def missing_year(official: OfficialCalendar, as_of: datetime) -> int | None:
    """The year whose official calendar should be there by ``as_of`` and is not: this year,
    or from 1 November next year (the notice comes out between late October and early
    December)."""
    if as_of.year not in official.published_years:
        return as_of.year
    if as_of.month >= 11 and as_of.year + 1 not in official.published_years:
        return as_of.year + 1
    return None


def missing_year_diagnostic(config: RepoConfig, year: int) -> Diagnostic:
    """The one warning ``kesu validate`` gives while ``year`` is missing."""
    return Diagnostic(
        year_file(config, year),
        "calendar-year-missing",
        f"{year} 年的官方放假安排尚未录入：跨入 {year} 年的工作日期限只按周末估算（标为估算）",
        f"The official calendar for {year} is not in yet: working-day dues that reach {year} "
        "count weekends only (marked estimated)",
        hint_zh=f"国务院办公厅《关于{year}年部分节假日安排的通知》发布后，把通知全文存为文本文件，"
        f"运行 {ADD_COMMAND}，并提交合并请求。",
        hint_en=f"When the State Council's notice for {year} is out, save its text to a file, "
        f"run {ADD_COMMAND} and open a pull request.",
        severity=Severity.WARNING,
    )


def day_runs(days: Iterable[date]) -> list[str]:
    """Days as runs: ``2027-01-01..2027-01-03``, or a single ``2027-01-04``."""
    out: list[str] = []
    run: list[date] = []
    for d in sorted(days):
        if run and (d - run[-1]).days != 1:
            out.append(_run(run))
            run = []
        run.append(d)
    if run:
        out.append(_run(run))
    return out


def _run(run: list[date]) -> str:
    return run[0].isoformat() if len(run) == 1 else f"{run[0]}..{run[-1]}"


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def year_file_text(notice: Notice, url: str) -> str:
    """The calendar file for the notice's year, in the shape of Kesu's own data file."""
    lines = [
        f"# {notice.source}",
        f"# {url}",
        "# 由 kesu calendar add 按通知原文写入；请在合并请求中对照通知核对。",
        "# Written by kesu calendar add from the notice's text; check it against the notice in",
        "# the pull request. The items as read:",
        *(f"#   {item}" for item in notice.items),
        "years:",
        f"  {notice.year}:",
        "    published: true",
        f"    source: {_q(notice.source)}",
        f"    url: {_q(url)}",
    ]
    lines.append("    holidays:")
    for p in notice.holidays:
        days = ", ".join(day_runs(p.days))
        lines.append(f"      - {{name: {_q(p.name)}, name_en: {_q(p.name_en)}, days: [{days}]}}")
    if notice.workdays:
        lines.append("    workdays:")
        for p in notice.workdays:
            lines.append(f"      - {{name: {_q(p.name)}, days: [{', '.join(day_runs(p.days))}]}}")
    else:
        lines.append("    workdays: []")
    return "\n".join(lines) + "\n"
