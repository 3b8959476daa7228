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
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from generator import __version__
from generator.config.settings import RepoConfig, load_config
from generator.render.reporters import REPORTERS, render_text
from generator.time.parse import parse_instant

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2

Handler = Callable[[argparse.Namespace, RepoConfig, str], int]
_COMMANDS: dict[
    str, tuple[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None], Handler]
] = {}


def command(
    setup: Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None],
) -> Callable[[Handler], Handler]:
    """Register a sub-command: ``setup`` adds its parser, the decorated function runs it."""

    def deco(fn: Handler) -> Handler:
        _COMMANDS[fn.__name__.removeprefix("cmd_").replace("_", "-")] = (setup, fn)
        return fn

    return deco


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


def parse_as_of(text: str | None, config: RepoConfig) -> datetime:
    """``--as-of`` in the configured zone; default: now."""
    tz = ZoneInfo(config.timezone)
    if not text:
        return datetime.now(tz)
    try:
        return parse_instant(text, tz)
    except ValueError as exc:
        raise UsageError(
            f"--as-of {text!r} 不是有效的日期时间；"
            '请写 "YYYY-MM-DD HH:MM" 或 "YYYY-MM-DD"，如 "2026-06-05 18:00"',
            f"--as-of {text!r} is not a real date and time; "
            'write "YYYY-MM-DD HH:MM" or "YYYY-MM-DD", e.g. "2026-06-05 18:00"',
        ) from exc


def add_as_of(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--as-of",
        metavar="TIME",
        help='compute overdue flags as of this time, e.g. "2026-03-06 18:00" (default: now)',
    )


def add_format(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=sorted(REPORTERS), default="text", help="output format")


def _setup_validate(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "validate",
        help="check records against the schema and each other",
        description="Check record files (default: the whole records/ folder). "
        "Exit 0 when all are valid, 1 when any is invalid, 2 on a usage error.",
    )
    p.add_argument("paths", nargs="*", type=Path, help="record files or folders")
    add_format(p)
    p.add_argument(
        "--as-of",
        metavar="TIME",
        help="the time that decides whether next year's official calendar should be in "
        "(default: now)",
    )


@command(_setup_validate)
def cmd_validate(args: argparse.Namespace, config: RepoConfig, lang: str) -> int:
    from generator.pipeline import validate_with_policy

    missing = [p for p in args.paths if not os.path.lexists(p)]
    if missing:
        names = ", ".join(p.as_posix() for p in missing)
        raise UsageError(f"没有这个文件或目录：{names}", f"no such file or folder: {names}")
    result = validate_with_policy(config, args.paths, parse_as_of(args.as_of, config))
    diags = sorted(result.diagnostics, key=lambda d: (d.file, d.line or 0, d.column or 0, d.code))
    sys.stdout.write(REPORTERS[args.format](diags, result.files_checked, lang))
    return EXIT_INVALID if any(d.severity == "error" for d in diags) else EXIT_OK


def build_parser() -> argparse.ArgumentParser:
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
    _load_command_modules()
    for setup, _ in _COMMANDS.values():
        setup(sub)
    return parser


def _load_command_modules() -> None:
    # Each module registers its commands with @command on import.
    import importlib

    for name in (
        "generator.cli.records",
        "generator.cli.site",
        "generator.cli.git",
        "generator.cli.calendar",
        "generator.report.command",
    ):
        importlib.import_module(name)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
        sys.stderr.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    except (AttributeError, ValueError):
        pass
    parser = build_parser()
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
    _, handler = _COMMANDS[args.command]
    try:
        return handler(args, config, lang)
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
    from generator.change.base import BilingualError  # imported here: it costs GitPython's import
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


class UsageError(Exception):
    """A problem with how the command was called; exit 2 with the message.

    Give the Chinese and the English text; a single text is used for both.
    """

    def __init__(self, zh: str, en: str | None = None) -> None:
        super().__init__(zh)
        self.zh, self.en = zh, en if en is not None else zh

    def message(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
