"""``kesu calendar add NOTICE.txt``: next year's official calendar from the State Council's
notice, into the records repository (listed in :mod:`generator.cli.table`).

Reads the notice (``calnotice``), shows what it found and what the second opinions say
(``calcheck``), lists every open record's due the year moves (``ruleeffects.moved``), then
writes ``calendar/cn-YYYY.yaml`` (``config.calendars``). Nothing is written with ``--dry-run``, when
the notice cannot be read, or when the file exists with other content (``--replace``).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from generator.change.effects import Moved
from generator.cli.options import (
    EXIT_INVALID,
    EXIT_OK,
    Command,
    Help,
    UsageError,
    add_as_of,
    parse_as_of,
)
from generator.config.settings import RepoConfig
from generator.load.cache import Caches

if TYPE_CHECKING:
    from generator.time.workcal import OfficialCalendar

_CLOSED = ("closed", "cancelled")


def _setup_calendar(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "calendar",
        help=Help(
            "从国务院通知加入一年的官方放假安排",
            "add a year of the official calendar from the State Council's notice",
        ),
        description=Help(
            "本记录仓库的官方日历年份（docs/calendar.md）。",
            "Official-calendar years of this records repository (docs/calendar.md).",
        ),
    )
    actions = p.add_subparsers(dest="calendar_action", metavar="ACTION", required=True)
    add = actions.add_parser(
        "add",
        help=Help(
            "读取通知文本，写出 calendar/cn-YYYY.yaml",
            "read the notice's text and write calendar/cn-YYYY.yaml",
        ),
        description=Help(
            "读取从 gov.cn 复制的《国务院办公厅关于YYYY年部分节假日安排的通知》文本；显示找到的"
            "放假日与调休上班日、chinesecalendar 与 2024 年规则对它们的意见（警告），以及该年份"
            "改变的每条未结案记录的期限（之前 → 之后）；然后把这一年写入 calendar/cn-YYYY.yaml"
            "（kesu.yaml 的 calendar.official_dir），供提交合并请求。读不懂的通知会被拒绝并指出"
            "所在行。以 0 退出表示已写出（或无需改动），1 表示通知读不懂或仓库的日历无效，2 "
            "表示用法错误。",
            "Read the text of 国务院办公厅关于YYYY年部分节假日安排的通知 as pasted from "
            "gov.cn; print the holidays and make-up working days found, what chinesecalendar "
            "and the 2024 rules say about them (warnings), and every open record's due the "
            "year moves (before → after); then write the year to calendar/cn-YYYY.yaml "
            "(calendar.official_dir in kesu.yaml) for a pull request. Refuses, with the line, "
            "a notice it cannot read. Exit 0 written (or nothing to do), 1 the notice cannot "
            "be read or the repository's calendar is invalid, 2 usage error.",
        ),
    )
    add.add_argument(
        "notice",
        type=Path,
        metavar="NOTICE.txt",
        help=Help("通知的文本文件", "the notice's text"),
    )
    add.add_argument(
        "--url",
        help=Help(
            "通知在 gov.cn 上的地址（默认：文本中的地址）",
            "the notice's address on gov.cn (default: an address in the text)",
        ),
    )
    add.add_argument(
        "--dry-run",
        action="store_true",
        help=Help("显示全部内容，不写文件", "show everything, write nothing"),
    )
    add.add_argument(
        "--replace",
        action="store_true",
        help=Help("该年份的文件内容不同时覆盖它", "overwrite the year's file if it differs"),
    )
    add_as_of(add)


def _read_notice(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UsageError(
            f"无法读取 {path}：{exc.strerror}", f"cannot read {path}: {exc.strerror}"
        ) from exc
    for encoding in ("utf-8-sig", "gb18030"):  # a text saved by Windows Notepad may be GBK
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UsageError(  # pragma: no cover - gb18030 decodes nearly any bytes
        f"{path} 不是文本文件", f"{path} is not a text file"
    )


def _say(line: str = "") -> None:
    sys.stdout.write(line + "\n")


def _days(days: tuple[date, ...]) -> str:
    from generator.config.calendars import day_runs

    return "、".join(s.replace("..", " – ") for s in day_runs(days))


def _when(value: datetime | str | None) -> str:
    return (
        "—"
        if value is None
        else f"{value:%Y-%m-%d %H:%M}"
        if isinstance(value, datetime)
        else value
    )


def cmd_calendar(args: argparse.Namespace, config: RepoConfig, lang: str) -> int:
    from generator.config.calendars import repository_calendar, year_file, year_file_text
    from generator.render.reporters import render_text
    from generator.time.calcheck import against_package, against_rules
    from generator.time.notice import NoticeError, parse_notice

    en = lang == "en"
    as_of = parse_as_of(args.as_of, config)
    text = _read_notice(args.notice)
    try:
        notice = parse_notice(text, args.notice.as_posix())
    except NoticeError as exc:
        sys.stderr.write(exc.message(lang) + "\n")
        sys.stderr.write(
            "Nothing written: fix that line (or the notice's copy) and run again.\n"
            if en
            else "未写入任何文件：请修正这一行（或重新复制通知原文）后再运行。\n"
        )
        return EXIT_INVALID
    url = args.url or notice.url
    if not url or not url.startswith(("https://", "http://")):
        raise UsageError(
            "请用 --url 给出通知在 gov.cn 上的网址（写入日历文件，供评审核对）",
            "give the notice's gov.cn address with --url (it goes into the calendar file "
            "for reviewers to check)",
        )
    rel = year_file(config, notice.year)
    body = year_file_text(notice, url)
    official, problems = repository_calendar(config, ((rel, body),))
    if official is None:
        sys.stderr.write(render_text(problems, 0, lang))
        return EXIT_INVALID

    _say(f"{notice.year}: {notice.source}" if en else f"{notice.year} 年：{notice.source}")
    _say("Holidays (days off):" if en else "放假：")
    for p in notice.holidays:
        name = p.name_en if en else p.name
        _say(
            f"  {name}: {_days(p.days)} ({len(p.days)} days)"
            if en
            else f"  {name}：{_days(p.days)}（共 {len(p.days)} 天）"
        )
    _say("Make-up working days (调休上班):" if en else "调休上班：")
    for p in notice.workdays:
        _say(f"  {p.name_en}: {_days(p.days)}" if en else f"  {p.name}：{_days(p.days)}")
    if not notice.workdays:
        _say("  none" if en else "  无")

    package = against_package(notice)
    if package is None:
        _say(
            f"chinesecalendar does not know {notice.year} (or is not installed): not compared."
            if en
            else f"chinesecalendar 尚不知道 {notice.year} 年（或未安装）：未比对。"
        )
    elif not package:
        _say(
            f"chinesecalendar agrees on every day of {notice.year}."
            if en
            else f"chinesecalendar 对 {notice.year} 年每一天的判断与通知一致。"
        )
    findings = [*(package or []), *against_rules(notice)]
    for f in findings:
        _say(f"warning: {f.text(lang)}" if en else f"警告：{f.text(lang)}")
    if findings:
        _say(
            "The notice wins: these are warnings, the file is written as the notice says."
            if en
            else "以通知为准：以上仅为警告，文件按通知写入。"
        )

    moves = _moves(config, official, as_of, lang)
    if moves is None:
        return EXIT_INVALID
    _say("")
    if moves:
        _say(
            f"Open records' dues this year moves (as of {as_of:%Y-%m-%d %H:%M}; before → after):"
            if en
            else f"该年份改变的未结记录期限（截至 {as_of:%Y-%m-%d %H:%M}；之前 → 之后）："
        )
        for m in moves:
            _say(
                f"  {m.record} {m.name_en if en else m.name_zh}: {_when(m.before)} → "
                f"{_when(m.after)}"
            )
    else:
        _say("No open record's due moves." if en else "没有未结记录的期限因此改变。")

    target = config.root / rel
    if target.exists() and target.read_text(encoding="utf-8") == body:
        _say(
            f"{rel} already holds this notice: nothing to do."
            if en
            else f"{rel} 已是这份通知：无需改动。"
        )
        return EXIT_OK
    if args.dry_run:
        _say(f"--dry-run: {rel} not written." if en else f"--dry-run：未写入 {rel}。")
        return EXIT_OK
    if target.exists() and not args.replace:
        raise UsageError(
            f"{rel} 已存在且内容不同；核对后加 --replace 覆盖",
            f"{rel} exists with other content; check it, then add --replace to overwrite",
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(body, encoding="utf-8")
    _say(
        f"Written {rel}. Commit it in a pull request: kesu check treats it as a rule change "
        "(calendar) and lists the dues it moves."
        if en
        else f"已写入 {rel}。请通过合并请求提交：kesu check 将其视为规则变更（日历），"
        "并列出它改变的期限。"
    )
    return EXIT_OK


def _moves(
    config: RepoConfig, official: OfficialCalendar, as_of: datetime, lang: str
) -> list[Moved] | None:
    """Every open record's due that differs between today's calendar and ``official``."""
    from generator.change.effects import moved
    from generator.compute.records import compute_all
    from generator.pipeline import analyse, make_calendar
    from generator.render.reporters import render_text

    caches = Caches.open(config.root)
    analysis = analyse(config, as_of, caches=caches)
    caches.save()
    if analysis.policy is None:
        errors = [d for d in analysis.diagnostics if d.severity == "error"]
        sys.stderr.write(render_text(errors, 0, lang))
        return None
    valid = [r for r in analysis.validation.records.records if r.valid]
    open_ids = {r.id for r in valid if r.get("status") not in _CLOSED}
    calendar = make_calendar(config, official)
    after = compute_all(valid, analysis.policy, calendar, as_of, due_soon_days=config.due_soon_days)
    return [m for m in moved(analysis.computed, after) if m.record in open_ids]


COMMANDS = (Command("calendar", _setup_calendar, cmd_calendar),)
