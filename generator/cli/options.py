"""What every command shares: exit codes, the usage error, ``--as-of`` and ``--format``, and
the shape of a command (:class:`Command`). The table of commands is :mod:`generator.cli.table`."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from generator.config.settings import RepoConfig
from generator.render.reporters import REPORTERS
from generator.time.parse import parse_instant

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


class Help(str):
    """The help of a command or an option in both languages: the string itself is the English
    text (``kesu --lang en … --help``), ``zh`` the Chinese that ``--help`` shows by default
    (``main.localize``). Chinese first, as everywhere else."""

    zh: str

    def __new__(cls, zh: str, en: str) -> Help:
        self = super().__new__(cls, en)
        self.zh = zh
        return self


Handler = Callable[[argparse.Namespace, RepoConfig, str], int]
Setup = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]


@dataclass(frozen=True, slots=True)
class Command:
    """One sub-command: ``setup`` adds its parser, ``run`` runs it."""

    name: str
    setup: Setup
    run: Handler


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
        help=Help(
            '以此时间计算是否逾期，如 "2026-03-06 18:00"（默认：现在）',
            'compute overdue flags as of this time, e.g. "2026-03-06 18:00" (default: now)',
        ),
    )


def add_format(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--format",
        choices=sorted(REPORTERS),
        default="text",
        help=Help(
            "输出格式：text 文本、json、github（GitHub 注释）或 gitlab（GitLab 代码质量报告）",
            "output format: text, json, github (GitHub annotations) or gitlab (GitLab's Code "
            "Quality report)",
        ),
    )


class UsageError(Exception):
    """A problem with how the command was called; exit 2 with the message.

    Give the Chinese and the English text; a single text is used for both.
    """

    def __init__(self, zh: str, en: str | None = None) -> None:
        super().__init__(zh)
        self.zh, self.en = zh, en if en is not None else zh

    def message(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh
