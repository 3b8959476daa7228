"""``kesu validate``, ``docs``, ``show`` and ``export``: commands on the records
(listed in :mod:`generator.cli.table`)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from generator.cli.options import (
    EXIT_INVALID,
    EXIT_OK,
    Command,
    Help,
    UsageError,
    add_as_of,
    add_format,
    parse_as_of,
)
from generator.config.settings import RepoConfig
from generator.load.cache import Caches
from generator.render.reporters import REPORTERS

if TYPE_CHECKING:
    from generator.pipeline import Analysis


def _setup_docs(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "docs",
        help=Help(
            "由 schema 重新生成字段参考页", "regenerate the reference pages built from the schemas"
        ),
        description=Help(
            "由 schema 写出 docs/record-fields.md 与 docs/config-fields.md。加 --check 时不改动"
            "任何文件，有页面过期时以 1 退出（供 CI 使用）。",
            "Write docs/record-fields.md and docs/config-fields.md from the schemas. "
            "With --check, change nothing and exit 1 when a page is out of date (used in CI).",
        ),
    )
    p.add_argument(
        "--check",
        action="store_true",
        help=Help("只报告过期的页面，不写文件", "only report stale pages"),
    )


def cmd_docs(args: argparse.Namespace, config: RepoConfig, lang: str) -> int:
    from generator.render.docgen import write_or_check

    stale = write_or_check(config.root, check=args.check)
    for rel in stale:
        verb = (
            ("out of date" if lang == "en" else "需要更新")
            if args.check
            else ("written" if lang == "en" else "已生成")
        )
        sys.stdout.write(f"{rel.as_posix()}: {verb}\n")
    if args.check and stale:
        sys.stdout.write(
            "Run `kesu docs` and commit the result.\n"
            if lang == "en"
            else "请运行 `kesu docs` 并提交结果。\n"
        )
        return EXIT_INVALID
    return EXIT_OK


def _analyse_or_fail(config: RepoConfig, as_of_text: str | None, lang: str) -> Analysis | None:
    """Run the pipeline; print the diagnostics that stop it and return None in that case."""
    from generator.cli.options import parse_as_of
    from generator.pipeline import analyse
    from generator.render.reporters import render_text

    as_of = parse_as_of(as_of_text, config)
    caches = Caches.open(config.root)
    analysis = analyse(config, as_of, caches=caches)
    caches.save()
    if analysis.policy is None:
        errors = [d for d in analysis.diagnostics if d.severity == "error"]
        sys.stderr.write(render_text(errors, 0, lang))
        return None
    return analysis


def _setup_show(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "show",
        help=Help(
            "显示一条记录的级别及理由、各节点期限",
            "print one record's grade with reasons and its deadline table",
        ),
        description=Help(
            "显示一条记录计算出的级别，以及依据的判定条件与更早的记录；并按 --as-of 显示每个"
            "期限节点（起算、期限、完成、状态）。",
            "Print a record's computed grade with the criteria and earlier records "
            "behind it, and each deadline (start, due, done, state) as of --as-of.",
        ),
    )
    p.add_argument(
        "id",
        help=Help(
            "记录编号，如 KS-2026-0042（大小写与补零不限）",
            "record id, e.g. KS-2026-0042 (any case, with or without zero padding)",
        ),
    )
    add_as_of(p)


def _record_id(given: str, known: Mapping[str, object]) -> str:
    """The record id ``given`` names: itself, or the one equal to it by value ignoring case
    and zero padding (``ks-2026-25`` → ``KS-2026-0025``)."""
    from generator.common.ids import same_key

    if given in known:
        return given
    want = same_key(given.strip().upper())
    return next((rid for rid in known if same_key(rid) == want), given)


def cmd_show(args: argparse.Namespace, config: RepoConfig, lang: str) -> int:
    from generator.render.show import explain

    analysis = _analyse_or_fail(config, args.as_of, lang)
    if analysis is None:
        return EXIT_INVALID
    args.id = _record_id(args.id, analysis.validation.records.by_id)
    result = analysis.computed.get(args.id)
    if result is None:
        record = analysis.validation.records.by_id.get(args.id)
        if record is None:
            raise UsageError(
                f"{config.records_dir}/ 中没有记录 {args.id}",
                f"no record {args.id} in {config.records_dir}/",
            )
        mine = [d for d in analysis.diagnostics if d.file == record.path]
        sys.stdout.write(
            f"{args.id} is invalid; fix it first:\n"
            if lang == "en"
            else f"{args.id} 未通过校验，请先修正：\n"
        )
        from generator.render.reporters import render_text

        sys.stdout.write(render_text(mine, 1, lang))
        return EXIT_INVALID
    sys.stdout.write(explain(result, lang))
    return EXIT_OK


def _setup_export(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "export",
        help=Help(
            "以 JSON 输出全部记录及计算结果", "print every record with its computed fields as JSON"
        ),
        description=Help(
            "按文档规定的稳定 JSON 结构（docs/export-format.md）输出每条有效记录的计算结果："
            "级别及理由、各节点的期限/完成/状态、逾期标记、罚款、所需审批。有无效记录时以 1 "
            "退出（这些记录不输出，列在标准错误中）。",
            "Emit every valid record's computed fields (grade and reasons, milestones "
            "with due/done/state, overdue flags, penalties, required approvals) in the "
            "documented, stable JSON shape (docs/export-format.md). Exit 1 when some records "
            "are invalid (they are left out and listed on stderr).",
        ),
    )
    p.add_argument(
        "--format", choices=["json"], default="json", help=Help("输出格式", "output format")
    )
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        help=Help("写入此文件，而不是标准输出", "write to this file instead of stdout"),
    )
    add_as_of(p)


def cmd_export(args: argparse.Namespace, config: RepoConfig, lang: str) -> int:
    import json

    from generator.render.jsonexport import export_json
    from generator.render.reporters import render_text

    analysis = _analyse_or_fail(config, args.as_of, lang)
    if analysis is None or analysis.policy is None:
        return EXIT_INVALID
    from generator.change.recorded import late_recorded
    from generator.common.faults import EXPORT_FILE, shallow_note, write_atomic, writing

    valid = [r for r in analysis.validation.records.records if r.valid]
    late = late_recorded(config.root, config.records_dir, valid, config.tz)
    if note := shallow_note(config.root):  # late_entries[] covers the fetched history only
        sys.stderr.write(f"kesu export: {note[lang == 'en']}\n")
    reopens = {r.id: parent for r in valid if isinstance(parent := r.get("reopen_of"), str)}
    doc = export_json(analysis.computed, analysis.policy, analysis.as_of, late, reopens)
    text = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    if args.output:
        with writing(args.output, EXPORT_FILE):
            write_atomic(args.output, text)
    else:
        sys.stdout.write(text)
    errors = [d for d in analysis.diagnostics if d.severity == "error"]
    if errors:
        sys.stderr.write(render_text(errors, analysis.validation.files_checked, lang))
        return EXIT_INVALID
    return EXIT_OK


def _setup_validate(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "validate",
        help=Help(
            "按结构（schema）与记录之间的规则检查记录",
            "check records against the schema and each other",
        ),
        description=Help(
            "检查记录文件（默认：整个 records/ 文件夹）。全部有效时以 0 退出，有无效记录以 1 "
            "退出，用法错误以 2 退出。",
            "Check record files (default: the whole records/ folder). "
            "Exit 0 when all are valid, 1 when any is invalid, 2 on a usage error.",
        ),
    )
    p.add_argument(
        "paths", nargs="*", type=Path, help=Help("记录文件或文件夹", "record files or folders")
    )
    add_format(p)
    p.add_argument(
        "--as-of",
        metavar="TIME",
        help=Help(
            "据此时间判断是否应已有下一年的官方日历（默认：现在）",
            "the time that decides whether next year's official calendar should be in "
            "(default: now)",
        ),
    )


def cmd_validate(args: argparse.Namespace, config: RepoConfig, lang: str) -> int:
    from generator.pipeline import validate_with_policy

    missing = [p for p in args.paths if not os.path.lexists(p)]
    if missing:
        names = ", ".join(p.as_posix() for p in missing)
        raise UsageError(f"没有这个文件或目录：{names}", f"no such file or folder: {names}")
    from generator.report.checks import validation_checks

    caches = Caches.open(config.root)
    result = validate_with_policy(config, parse_as_of(args.as_of, config), args.paths, caches)
    caches.save()
    found = [*result.diagnostics, *validation_checks(config, result)]
    diags = sorted(found, key=lambda d: (d.file, d.line or 0, d.column or 0, d.code))
    sys.stdout.write(REPORTERS[args.format](diags, result.files_checked, lang))
    return EXIT_INVALID if any(d.severity == "error" for d in diags) else EXIT_OK


COMMANDS = (
    Command("validate", _setup_validate, cmd_validate),
    Command("docs", _setup_docs, cmd_docs),
    Command("show", _setup_show, cmd_show),
    Command("export", _setup_export, cmd_export),
)
