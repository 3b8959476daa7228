"""The ``kesu`` command line. Thin: parse options, call a stage, print through a reporter.

Exit codes: 0 all good, 1 the input has errors, 2 usage error (bad option or config) or a
fault of the environment (shallow clone, read-only folder, full disk: ``generator.common.faults``),
3 a bug in kesu.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from generator import __version__
from generator.cli.options import EXIT_USAGE, Command, UsageError
from generator.cli.table import COMMANDS
from generator.config.settings import RepoConfig, load_config
from generator.render.reporters import render_text


def resolve_lang(arg: str | None, config: RepoConfig, config_sets_language: bool) -> str:
    """--lang, then KESU_LANG, then kesu.yaml, then the locale (LANG=en_* → en), then zh."""
    for candidate in (arg, os.environ.get("KESU_LANG")):
        if candidate in ("zh", "en"):
            return candidate
    if config_sets_language:
        return config.language
    locale = (
        os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG") or ""
    )
    return "en" if locale.lower().startswith("en") else "zh"


COMMAND_HELP_ZH: dict[str, str] = {
    "validate": "按结构（schema）与记录之间的规则检查记录",
    "docs": "由 schema 重新生成字段参考页",
    "show": "显示一条记录的级别及理由、各节点期限",
    "export": "以 JSON 输出全部记录及计算结果",
    "build": "构建网站：Markdown 写入 site/generated/，再运行 MkDocs --strict",
    "serve": "生成 Markdown 后用 mkdocs serve 预览网站",
    "check": "检查记录，并检查相对基准版本的改动（合并请求）",
    "new": "以下一个空闲编号新建记录",
    "init": "以本仓库为模板建立公司自己的记录仓库",
    "verify-approvals": "核对合并请求新增的审批与 GitHub 上的评审（GitHub API）",
    "notify": "把逾期与停滞清单发到企业微信 / 钉钉 / 飞书机器人（默认关闭）",
    "calendar": "从国务院通知加入一年的官方放假安排",
}
"""The commands' one-line help in Chinese (``kesu --help`` in the default language)."""
_OPTION_HELP_ZH = {
    "help": "显示本帮助并退出",
    "version": "显示版本并退出",
    "repo": "记录仓库（默认：当前文件夹）",
    "lang": "消息语言（zh 中文，en 英文）",
    "preset": "改用此策略预设（000–004），保留 kesu.yaml 的 policy_overrides",
}


class _ZhFormatter(argparse.HelpFormatter):
    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)


def _zh_titles(parser: argparse.ArgumentParser, positional: str) -> None:
    parser.formatter_class = _ZhFormatter
    for group in parser._action_groups:
        if group.title in ("options", "optional arguments"):
            group.title = "选项"
        elif group.title == "positional arguments":
            group.title = positional


def localize(parser: argparse.ArgumentParser, lang: str) -> None:
    """``kesu --help`` in Chinese unless the language is English: the usage line, the
    section titles, the top-level options and every command's one-line help (each
    command's own page keeps its English option texts)."""
    if lang == "en":
        return
    parser.description = "Kesu 客诉：以 Git 中的 YAML 记录管理客户投诉与 8D。"
    parser.epilog = "每个命令的详细选项：kesu 命令 --help（英文）。English: kesu --lang en --help"
    _zh_titles(parser, "命令")
    for action in parser._actions:
        if action.dest in _OPTION_HELP_ZH:
            action.help = _OPTION_HELP_ZH[action.dest]
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                choice.help = COMMAND_HELP_ZH.get(choice.dest, choice.help)
            for sub in action.choices.values():
                _zh_titles(sub, "参数")
                for sub_action in sub._actions:
                    if sub_action.dest == "help":
                        sub_action.help = _OPTION_HELP_ZH["help"]


def _language_first(argv: Sequence[str] | None) -> str:
    """The language before the options are parsed (for ``--help``): --lang, -C's kesu.yaml,
    KESU_LANG and the locale, as ``resolve_lang``."""
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("-C", "--repo", type=Path, default=None)
    pre.add_argument("--lang", choices=["zh", "en"])
    known, _ = pre.parse_known_args(argv)
    root = (known.repo or Path.cwd()).resolve()
    config, _diags = load_config(root)
    return resolve_lang(known.lang, config, _config_sets_language(root))


def build_parser(table: Mapping[str, Command] | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kesu",
        description="Kesu 客诉: complaints and 8D as YAML records in Git.",
    )
    parser.add_argument("--version", action="version", version=f"kesu {__version__}")
    parser.add_argument(
        "-C", "--repo", type=Path, default=None, help="records repository (default: current folder)"
    )
    parser.add_argument("--lang", choices=["zh", "en"], help="message language")
    parser.add_argument(
        "--preset",
        metavar="ID",
        help="use this policy preset (000-004) instead of the one kesu.yaml names, "
        "keeping kesu.yaml's overrides",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for entry in (table or COMMANDS).values():
        entry.setup(sub)
    return parser


def main(argv: Sequence[str] | None = None, table: Mapping[str, Command] | None = None) -> int:
    """Run ``kesu``; ``table`` replaces the command table (:data:`generator.cli.table.COMMANDS`)."""
    commands = table or COMMANDS
    try:
        sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
        sys.stderr.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    except (AttributeError, ValueError):
        pass
    parser = build_parser(commands)
    given = list(sys.argv[1:] if argv is None else argv)
    if any(a in ("-h", "--help") for a in given):
        localize(parser, _language_first(given))
    args = parser.parse_args(argv)
    root = (args.repo or Path.cwd()).resolve()
    config, diags = load_config(root)
    raw_sets_lang = _config_sets_language(root)
    lang = resolve_lang(args.lang, config, raw_sets_lang)
    if args.preset:
        config = dataclasses.replace(config, preset=args.preset, policy_file=None)
    if diags:
        sys.stderr.write(render_text(diags, 0, lang))
        return EXIT_USAGE
    try:
        return commands[args.command].run(args, config, lang)
    except UsageError as exc:
        sys.stderr.write(f"kesu {args.command}: {exc.message(lang)}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the last line of defence: never a bare traceback
        return _failed(args.command, exc, lang)


def _failed(command: str, exc: Exception, lang: str) -> int:
    """Exit 2 with the message for a fault of the environment (a shallow clone, a read-only
    folder, a full disk: ``generator.common.faults``), even one a command did not expect; exit 3
    for anything else, which is a bug."""
    from generator.common.diagnostics import (
        BilingualError,  # imported here: it costs GitPython's import
    )
    from generator.common.faults import os_fault

    told = os_fault(exc) if isinstance(exc, OSError) else exc
    if isinstance(told, BilingualError):
        sys.stderr.write(f"kesu {command}: {told.message(lang)}\n")
        return EXIT_USAGE
    if os.environ.get("KESU_DEBUG") == "1":
        raise exc
    sys.stderr.write(
        f"kesu {command}: internal error: {type(exc).__name__}: {exc}\n"
        "This is a bug in kesu, not in your records. Please report it with the command "
        "you ran; set KESU_DEBUG=1 to see the traceback.\n"
        if lang == "en"
        else f"kesu {command}：内部错误：{type(exc).__name__}: {exc}\n"
        "这是 kesu 的缺陷，不是记录的问题。请连同所运行的命令一起报告；"
        "设置 KESU_DEBUG=1 可查看调用栈。\n"
    )
    return 3


def _config_sets_language(root: Path) -> bool:
    path = root / "kesu.yaml"
    try:
        return path.is_file() and any(
            line.startswith("language:") for line in path.read_text(encoding="utf-8").splitlines()
        )
    except (OSError, UnicodeError):
        return False


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
