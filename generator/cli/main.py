"""The ``kesu`` command line. Thin: parse options, call a stage, print through a reporter.

Exit codes: 0 all good, 1 the input has errors, 2 usage error (bad option or config) or a
fault of the environment (shallow clone, read-only folder, full disk: ``generator.common.faults``),
3 a bug in kesu.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import sys
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

from generator import __version__
from generator.cli.argerrors import ArgumentsError, KesuArgumentParser, explain, parse
from generator.cli.options import EXIT_USAGE, Command, Help, UsageError
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


_HELP_ZH = "显示本帮助并退出"


_NO_LINE_START = frozenset("，。、；：？！）》」』”’,.;:?!)]")
_SECTION_TITLES = ("命令", "参数", "选项")


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap_cjk(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` terminal cells (a Chinese character takes two): Chinese
    breaks between any two characters but never before closing punctuation, other words at
    spaces. argparse's own wrapping (``textwrap``) counts characters and breaks only at
    spaces, so a Chinese help line ran past the terminal."""
    lines: list[list[str]] = [[]]
    used, space = 0, False
    for token in re.findall(r"\s+|[^\s\u2e80-\ufaff\uff00-\uffef]+|.", text.strip()):
        if token.isspace():
            space = True
            continue
        line = lines[-1]
        piece = " " + token if space and line else token
        space = False
        if not line or used + display_width(piece) <= width:
            line.append(piece)
            used += display_width(piece)
        elif token[0] in _NO_LINE_START and len(line) > 1:
            carried = line.pop().lstrip()  # closing punctuation takes its word along
            lines.append([carried, token])
            used = display_width(carried + token)
        else:
            lines.append([token])
            used = display_width(token)
    return ["".join(line) for line in lines if line]


class _ZhFormatter(argparse.HelpFormatter):
    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)

    def _split_lines(self, text: str, width: int) -> list[str]:
        return wrap_cjk(text, width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n".join(indent + line for line in wrap_cjk(text, width - len(indent)))

    def format_help(self) -> str:
        text = super().format_help()
        for title in _SECTION_TITLES:  # argparse ends a section title with an ASCII colon
            text = text.replace(f"\n{title}:\n", f"\n{title}：\n")
        return text


def _zh(text: str | None) -> str | None:
    return text.zh if isinstance(text, Help) else text


def _localize_parser(parser: argparse.ArgumentParser, positional: str) -> None:
    """One parser in Chinese: argparse's own words (usage, section titles, ``-h``), the
    description and every option's help (:class:`~generator.cli.options.Help`), then the same
    for each of its sub-commands, with a line pointing to the English page."""
    parser.formatter_class = _ZhFormatter
    parser.description = _zh(parser.description)
    for group in parser._action_groups:
        if group.title in ("options", "optional arguments"):
            group.title = "选项"
        elif group.title == "positional arguments":
            group.title = positional
    for action in parser._actions:
        action.help = _HELP_ZH if action.dest == "help" else _zh(action.help)
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                choice.help = _zh(choice.help)
            for sub in action.choices.values():
                words = sub.prog.split(" ", 1)
                sub.epilog = f"English: {words[0]} --lang en {words[-1]} --help"
                _localize_parser(sub, "参数")


def localize(parser: argparse.ArgumentParser, lang: str) -> None:
    """``kesu --help`` and every command's ``--help`` in Chinese unless the language is
    English: the usage line, the section titles, the descriptions, every option's help and
    every command's one-line help; ``--lang en`` keeps the English texts."""
    if lang == "en":
        return
    parser.epilog = "每个命令的选项：kesu 命令 --help。English: kesu --lang en --help"
    _localize_parser(parser, "命令")


def _language_first(argv: Sequence[str] | None) -> str:
    """The language before the options are parsed (for ``--help`` and argparse's errors):
    --lang, -C's kesu.yaml, KESU_LANG and the locale, as ``resolve_lang``. A bad ``--lang`` or
    ``-C`` here counts as not given: the full parse reports it."""
    pre = KesuArgumentParser(add_help=False)
    pre.add_argument("-C", "--repo", type=Path, default=None)
    pre.add_argument("--lang")
    try:
        known, _ = pre.parse_known_args(argv)
    except ArgumentsError:
        known = argparse.Namespace(repo=None, lang=None)
    root = (known.repo or Path.cwd()).resolve()
    config, _diags = load_config(root)
    return resolve_lang(known.lang, config, _config_sets_language(root))


def build_parser(table: Mapping[str, Command] | None = None) -> argparse.ArgumentParser:
    parser = KesuArgumentParser(
        prog="kesu",
        description=Help(
            "Kesu 客诉：以 Git 中的 YAML 记录管理客户投诉与 8D。",
            "Kesu 客诉: complaints and 8D as YAML records in Git.",
        ),
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"kesu {__version__}",
        help=Help("显示版本并退出", "show the version and exit"),
    )
    parser.add_argument(
        "-C",
        "--repo",
        type=Path,
        default=None,
        help=Help("记录仓库（默认：当前文件夹）", "records repository (default: current folder)"),
    )
    parser.add_argument(
        "--lang",
        choices=["zh", "en"],
        help=Help("消息语言（zh 中文，en 英文）", "message language (zh Chinese, en English)"),
    )
    parser.add_argument(
        "--preset",
        metavar="ID",
        help=Help(
            "改用此策略预设（000–004），保留 kesu.yaml 的 policy_overrides",
            "use this policy preset (000-004) instead of the one kesu.yaml names, "
            "keeping kesu.yaml's overrides",
        ),
    )
    # the sub-command parsers are KesuArgumentParsers (their errors in the user's language);
    # each command's setup only needs an ArgumentParser
    sub = cast(
        "argparse._SubParsersAction[argparse.ArgumentParser]",
        parser.add_subparsers(dest="command", metavar="COMMAND", required=True),
    )
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
    try:
        args = parse(parser, given)
    except ArgumentsError as exc:  # argparse's own errors, in the user's language
        sys.stderr.write(explain(exc, _language_first(given), _ZhFormatter))
        return EXIT_USAGE
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
