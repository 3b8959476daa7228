"""``kesu import LEDGER --map MAP [--dry-run] [--approver NAME]``: the thin command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from generator.cli.options import EXIT_INVALID, EXIT_OK, Command, Help, UsageError, parse_as_of
from generator.config.settings import RepoConfig
from generator.importing.plan import Plan
from generator.importing.rows import RowProblem


def _setup_import(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "import",
        help=Help(
            "把现有客诉台账（.xlsx / .csv）的各行转为导入的记录",
            "turn the rows of an existing complaint ledger (.xlsx / .csv) into imported records",
        ),
        description=Help(
            "按 MAP 指定的列（docs/importing.md）读取 LEDGER（.xlsx：全部工作表或映射列出的表；"
            ".csv：UTF-8 或 GBK），每行写一条记录到 records/，标为导入的历史记录。读不出的行"
            "报告其工作表、行和列，不为它写任何文件；已导入过的行（imported.key 相同）跳过，"
            "所以运行两次也不会重复。每行都读出时以 0 退出，有行读不出以 1 退出，映射或台账"
            "无法使用时以 2 退出。",
            "Read LEDGER (.xlsx: every sheet, or those the map lists; .csv: UTF-8 or "
            "GBK) with the columns MAP names (docs/importing.md) and write one record per row "
            "into records/, marked as imported history. A row that cannot be read is reported "
            "with its sheet, row and column and nothing is written for it; a row already "
            "imported (same imported.key) is skipped, so running it twice makes no duplicates. "
            "Exit 0 when every row was read, 1 when some were not, 2 when the map or the "
            "ledger cannot be used.",
        ),
    )
    p.add_argument(
        "ledger",
        type=Path,
        metavar="LEDGER",
        help=Help("原台账文件（.xlsx 或 .csv）", "the existing ledger (.xlsx or .csv)"),
    )
    p.add_argument(
        "--map",
        type=Path,
        required=True,
        metavar="MAP",
        help=Help("导入映射（YAML）", "the import map (YAML)"),
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help=Help("只显示将生成的记录，不写文件", "print what would be made; write nothing"),
    )
    p.add_argument(
        "--approver",
        metavar="NAME",
        help=Help(
            "批准本次导入的人（策略 change_control.imports 指定的角色）：加上 kesu check 要求"
            "的审批条目；此人在合并请求上 Approve",
            "the person who approves the import (the role the policy's "
            "change_control.imports names): adds the approvals entry kesu check requires; "
            "they approve the pull request",
        ),
    )
    p.add_argument(
        "--as-of",
        metavar="TIME",
        help=Help(
            "导入的日期（imported_at 与审批的日期；默认：现在）",
            "the import's date (imported_at, the approval's date; default: now)",
        ),
    )


def _problem_line(ledger: str, p: RowProblem, lang: str) -> str:
    return f"{ledger}:{p.where.shown()}: {p.field}: {p.en if lang == 'en' else p.zh}"


def _table(plan: Plan, lang: str) -> list[str]:
    head = (
        ("row", "id", "received", "customer", "product", "problem key", "grade", "status")
        if lang == "en"
        else ("位置", "编号", "收到时间", "客户", "产品", "问题键", "原定级别", "状态")
    )
    rows = [head]
    for m in plan.made:
        f = m.draft.fields
        rows.append(
            (
                m.draft.where.shown(),
                m.rid,
                f["received_at"],
                f["customer"]["company"],
                f["product"].get("part_number") or f["product"]["name"],
                f.get("problem_key", "—"),
                m.draft.grade or "—",
                f["status"],
            )
        )
    return [" | ".join(r) for r in rows]


def cmd_import(args: argparse.Namespace, config: RepoConfig, lang: str) -> int:
    from generator.importing.mapfile import MapError, load_map
    from generator.importing.plan import plan_import, write_plan
    from generator.importing.sheets import LedgerError
    from generator.policy.loader import load_policy
    from generator.render.reporters import render_text

    as_of = parse_as_of(args.as_of, config)
    policy, diags = load_policy(config)
    if policy is None:
        sys.stderr.write(render_text(diags, 0, lang))
        raise UsageError(
            "策略无法加载，未导入任何记录", "the policy cannot be loaded; nothing imported"
        )
    try:
        imap = load_map(args.map, args.map.as_posix())
    except MapError as exc:
        sys.stderr.write("\n".join(render_text(exc.diagnostics, 0, lang).splitlines()[:-1]) + "\n")
        raise UsageError(
            "映射文件有误，未导入任何记录", "the map has errors; nothing imported"
        ) from exc
    approval = (
        {"role": policy.change_control.imports, "name": args.approver} if args.approver else None
    )
    grades = [g.id for g in policy.grades]
    try:
        plan = plan_import(config, args.ledger, imap, grades, as_of, approval)
    except LedgerError as exc:
        raise UsageError(exc.zh, exc.en) from exc
    out = sys.stdout
    ledger = args.ledger.name
    for p in plan.problems:
        out.write(_problem_line(ledger, p, lang) + "\n")
    for name, missing in plan.skipped_sheets:
        out.write(
            f"{ledger}:{name}: skipped: no header holds {', '.join(missing)}\n"
            if lang == "en"
            else f"{ledger}:{name}: 已跳过：没有含 {'、'.join(missing)} 的表头\n"
        )
    if args.dry_run:
        out.write("\n".join(_table(plan, lang)) + "\n")
    else:
        write_plan(plan, config.records_path)
    bad_rows = len({(p.where.sheet, p.where.row) for p in plan.problems})
    made, known = len(plan.made), len(plan.existing)
    if lang == "en":
        verb = "would be created" if args.dry_run else "created"
        out.write(
            f"{made} record(s) {verb}, {known} already imported, {bad_rows} row(s) not read.\n"
        )
    else:
        verb = "将新建" if args.dry_run else "已新建"
        out.write(f"{verb} {made} 条记录，已导入过 {known} 条，{bad_rows} 行无法读取。\n")
    if made and not args.dry_run:
        role = policy.change_control.imports
        out.write(
            (
                f"Commit them on a branch and open a pull request: kesu check needs the import "
                f"approved by {role}"
                + (
                    f" ({args.approver} approves the pull request).\n"
                    if args.approver
                    else "; add an approvals entry (subject: import) to each, or delete the new "
                    "files and import again with --approver NAME.\n"
                )
            )
            if lang == "en"
            else (
                f"请在分支上提交并发起合并请求：kesu check 要求导入经 {role} 批准"
                + (
                    f"（由 {args.approver} 在合并请求上批准）。\n"
                    if args.approver
                    else "；请在每条记录中补上 approvals 条目（subject: import），或删除新文件后加 "
                    "--approver 姓名重新导入。\n"
                )
            )
        )
    return EXIT_INVALID if plan.problems else EXIT_OK


COMMANDS = (Command("import", _setup_import, cmd_import),)
