"""``kesu report ID``: one record's customer 8D as PDF or Excel (listed in
:mod:`generator.cli.table`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.cli.options import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    Command,
    Help,
    UsageError,
    add_as_of,
)
from generator.config.settings import RepoConfig

if TYPE_CHECKING:
    from generator.report.audience import LeftOut


def _setup_report(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "report",
        help=Help(
            "生成一条记录给客户的 8D 报告（PDF 或客户的 Excel 表格）",
            "write one record's customer 8D report (PDF or the customer's Excel form)",
        ),
        description=Help(
            "生成客户收到的 8D 报告：只含客户可见的字段（schema 中的 x-kesu-audience），按客户的"
            "格式（kesu.yaml 的 report.customers，默认 report.profile）；--format xlsx 时，"
            "kesu.yaml 指定了客户自己的 Excel 模板就用该模板。页眉写明记录编号、客户料号和记录"
            "最后一次修改所在的提交。加 --explain 时改为列出未写入的字段及原因。以 0 退出表示"
            "已写出，1 表示记录无效，2 表示用法、格式或模板错误。",
            "Write the 8D report the customer receives: customer-visible fields only "
            "(x-kesu-audience in the schema), in the customer's profile (kesu.yaml report."
            "customers, default report.profile) and, for --format xlsx, the customer's own "
            "Excel template when kesu.yaml names one. The page header carries the record id, "
            "the customer part number and the commit the record was last changed in. With "
            "--explain, list the fields left out and why instead. Exit 0 written, 1 the record "
            "is invalid, 2 a usage, profile or template error.",
        ),
    )
    p.add_argument("id", help=Help("记录编号，如 KS-2026-0042", "record id, e.g. KS-2026-0042"))
    p.add_argument(
        "--format",
        choices=["pdf", "xlsx"],
        default="pdf",
        help=Help("文件格式（默认 pdf）", "file format (default pdf)"),
    )
    p.add_argument(
        "--profile",
        metavar="NAME",
        help=Help("报告格式（kesu、vda、g8d …）", "report profile (kesu, vda, g8d, …)"),
    )
    p.add_argument(
        "--lang",
        dest="report_lang",
        choices=["zh", "en"],
        help=Help("报告的语言", "the report's language"),
    )
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        help=Help(
            "写入的文件（默认：编号-格式.扩展名）", "file to write (default: ID-PROFILE.EXT)"
        ),
    )
    p.add_argument(
        "--explain",
        action="store_true",
        help=Help("列出报告未写入的内容及原因", "list what the report leaves out, and why"),
    )
    p.add_argument(
        "--rev",
        metavar="COMMIT",
        help=Help(
            "按此提交中的记录生成（重新生成当时发出的那份报告）",
            "the record as this commit holds it (to write again the report that was sent)",
        ),
    )
    add_as_of(p)


def cmd_report(args: argparse.Namespace, config: RepoConfig, lang: str) -> int:
    from generator.cli.records import _analyse_or_fail
    from generator.common.faults import write_atomic, writing
    from generator.render.reporters import render_text
    from generator.report import make
    from generator.report.audience import left_out

    analysis = _analyse_or_fail(config, args.as_of, lang)
    if analysis is None:
        return EXIT_INVALID
    record = analysis.validation.records.by_id.get(args.id)
    if record is None:
        raise UsageError(
            f"{config.records_dir}/ 中没有记录 {args.id}",
            f"no record {args.id} in {config.records_dir}/",
        )
    if not record.valid:
        mine = [d for d in analysis.diagnostics if d.file == record.path]
        sys.stderr.write(
            f"{args.id} is invalid; fix it first:\n"
            if lang == "en"
            else f"{args.id} 未通过校验，请先修正：\n"
        )
        sys.stderr.write(render_text(mine, 1, lang))
        return EXIT_INVALID
    data, revision = record.data, None
    if args.rev:
        data, revision = _record_at(config, record.path, args.rev, lang)
    choice = make.choice_for(config, data, args.report_lang, args.profile)
    profile, problems = make.Profiles(config.root).get(choice.profile)
    if profile is None:
        sys.stderr.write(render_text(problems, 1, lang))
        return EXIT_USAGE
    if args.explain:
        sys.stdout.write(
            explain_text(args.id, profile.id, left_out(data, profile.shown_paths()), lang)
        )
        return EXIT_OK
    revision = revision or make.git_revision(config.root, record.path)
    roles = analysis.policy.roles if analysis.policy is not None else None
    report = make.report_of(data, profile, choice.lang, revision, roles)
    if args.format == "pdf":
        from generator.report import pdf

        try:
            images = pdf.load_images(config.root, report)
            written = pdf.write_pdf(pdf.render_html(report, images), choice.lang, images)
        except pdf.ReportError as exc:
            raise UsageError(exc.zh, exc.en) from exc
    else:
        from generator.report import xlsx

        if choice.template:
            mapping, problems = xlsx.load_mapping(config.root / choice.template, choice.template)
            if mapping is None:
                sys.stderr.write(render_text(problems, 1, lang))
                return EXIT_USAGE
            written = xlsx.fill_template(mapping, data, choice.lang, revision)
        else:
            written = xlsx.plain_form(report)
    out = args.output or Path(f"{args.id}-{profile.id}.{args.format}")
    with writing(out):
        write_atomic(out, written)
    sys.stdout.write(f"{out.as_posix()}\n")
    return EXIT_OK


def explain_text(record_id: str, profile: str, found: Iterable[LeftOut], lang: str) -> str:
    from generator.render.labels import label

    why = {
        "internal": ("内部字段，不给客户", "internal, never sent"),
        "staff": ("我方人员，格式未列出", "one of our people, not named by the profile"),
        "customer": ("客户可见，但格式未列出", "customer-visible, not in the profile"),
    }
    en = lang == "en"
    lines = [
        f"{record_id}: report profile {profile} leaves out:"
        if en
        else f"{record_id}：报告格式 {profile} 未包含以下内容："
    ]
    for item in found:
        reason = why.get(item.audience, why["internal"])[en]
        lines.append(f"  {item.path}  {label(item.path, lang)}  — {reason}")
    if len(lines) == 1:
        lines.append("  (nothing)" if en else "  （无）")
    return "\n".join(lines) + "\n"


def _record_at(
    config: RepoConfig, rel: str, rev: str, lang: str
) -> tuple[dict[str, Any], tuple[str, str]]:
    """The record as commit ``rev`` holds it, checked against the schema, and its revision."""
    from generator.config.settings import load_schema
    from generator.load.schemamsg import make_validator, schema_diagnostics
    from generator.load.yamlload import load_yaml_bytes
    from generator.render.reporters import render_text
    from generator.report import make

    found = make.record_at(config.root, rel, rev)
    if found is None:
        raise UsageError(
            f"提交 {rev!r} 中没有 {rel}（或不是有效的提交）",
            f"{rel} is not in commit {rev!r} (or that is not a commit)",
        )
    raw, revision = found
    shown = f"{rev}:{rel}"
    loaded = load_yaml_bytes(raw, shown)
    diags = list(loaded.diagnostics)
    if loaded.data is not None and not diags:
        validator = make_validator(load_schema("complaint"))
        diags = list(schema_diagnostics(validator, loaded.data, shown, loaded.text))
    if loaded.data is None or diags:
        sys.stderr.write(render_text(diags, 1, lang))
        raise UsageError(f"{shown} 不是有效的记录", f"{shown} is not a valid record")
    data: dict[str, Any] = loaded.data
    return data, revision


COMMANDS = (Command("report", _setup_report, cmd_report),)
