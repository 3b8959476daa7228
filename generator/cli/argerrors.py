"""argparse's own errors on a bad command line (a missing argument, an unknown option or
command, a bad choice or number) in Chinese first, then English, exit 2.

:class:`KesuArgumentParser` overrides ``ArgumentParser.error`` (the hook argparse documents for
this) to raise :class:`ArgumentsError` instead of printing; ``main`` knows the language and
writes :func:`explain`. argparse builds each message from a gettext template (Python 3.11's
``argparse._``); :data:`_TEMPLATES` gives each template its Chinese, and the English message
is matched against the template, so only texts argparse itself wrote are translated. A text a
template does not match (a type function's own message) is kept as it is, after the Chinese
``错误`` prefix.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from typing import NoReturn

_TYPE_NAMES = {"int": "整数", "float": "数字"}

# argparse's message templates (msgids, Python 3.11) and their Chinese; %(name)s fields
# carry over. "%s" stands for the one unnamed field.
_TEMPLATES: tuple[tuple[str, str], ...] = (
    ("argument %(argument_name)s: %(message)s", "参数 %(argument_name)s：%(message)s"),
    ("the following arguments are required: %s", "缺少必需的参数：%s"),
    ("unrecognized arguments: %s", "无法识别的参数：%s"),
    (
        "invalid choice: %(value)s (choose from %(choices)s)",
        "无效的选项值 %(value)s（可选：%(choices)s）",
    ),
    ("invalid %(type)s value: %(value)s", "%(value)s 不是有效的%(type)s"),
    ("expected one argument", "此处需要一个值"),
    ("expected at most one argument", "此处最多只能有一个值"),
    ("expected at least one argument", "此处至少需要一个值"),
    ("expected %s arguments", "此处需要 %s 个值"),
    ("expected %s argument", "此处需要 %s 个值"),
    ("not allowed with argument %s", "不能与参数 %s 同时使用"),
    ("ignored explicit argument %s", "多余的值 %s"),
    ("one of the arguments %s is required", "需要以下参数之一：%s"),
    (
        "ambiguous option: %(option)s could match %(matches)s",
        "选项 %(option)s 不明确，可能是：%(matches)s",
    ),
)


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(%\(\w+\)s|%s)", template)
    regex = "".join(
        "(?P<arg>.+?)"
        if part == "%s"
        else f"(?P<{part[2:-2]}>.+?)"
        if part.startswith("%(")
        else re.escape(part)
        for part in parts
    )
    return re.compile(regex + r"\Z", re.DOTALL)


_COMPILED = tuple((_pattern(en), zh) for en, zh in _TEMPLATES)


def to_chinese(message: str) -> str:
    """argparse's English ``message`` in Chinese, template by template; the inner message of
    ``argument X: …`` too. A message no template matches comes back unchanged."""
    for pattern, zh in _COMPILED:
        found = pattern.match(message)
        if found is None:
            continue
        fields = found.groupdict()
        if "message" in fields:
            fields["message"] = to_chinese(fields["message"])
        if "type" in fields:
            fields["type"] = _TYPE_NAMES.get(fields["type"], fields["type"])
        return zh.replace("%s", "%(arg)s") % fields
    return message


class ArgumentsError(SystemExit):
    """A bad command line, with the parser that found it; exit 2 like argparse."""

    def __init__(self, parser: argparse.ArgumentParser, message: str) -> None:
        super().__init__(2)
        self.parser, self.message = parser, message


class KesuArgumentParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors ``main`` writes in the user's language; its
    sub-command parsers are of this class too (``add_subparsers`` uses the parser's class)."""

    def error(self, message: str) -> NoReturn:
        raise ArgumentsError(self, message)


def parse(parser: argparse.ArgumentParser, argv: Sequence[str]) -> argparse.Namespace:
    """``parser.parse_args(argv)``, but an unknown option is reported by the sub-command it
    was given to (``kesu validate: … --foo`` with ``kesu validate``'s usage), not by ``kesu``."""
    args, extras = parser.parse_known_args(argv)
    if extras:
        raise ArgumentsError(
            _innermost(parser, args), f"unrecognized arguments: {' '.join(extras)}"
        )
    return args


def _innermost(
    parser: argparse.ArgumentParser, args: argparse.Namespace
) -> argparse.ArgumentParser:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            sub = action.choices.get(getattr(args, action.dest, None) or "")
            if sub is not None:
                return _innermost(sub, args)
    return parser


def explain(
    error: ArgumentsError, lang: str, zh_formatter: type[argparse.HelpFormatter] | None
) -> str:
    """The text for stderr: the usage line of the command that failed, the error (Chinese,
    then the English line argparse writes; English only for ``lang == "en"``) and where to
    read more."""
    parser, prog = error.parser, error.parser.prog
    if lang == "en":
        english_help = " ".join(["kesu", "--lang", "en", *prog.split(" ")[1:], "--help"])
        return parser.format_usage() + f"{prog}: error: {error.message}\nSee: {english_help}\n"
    if zh_formatter is not None:
        parser.formatter_class = zh_formatter
    return (
        parser.format_usage()
        + f"{prog}: 错误：{to_chinese(error.message)}\n"
        + f"{prog}: error: {error.message}\n"
        + f"用法详见：{prog} --help\n"
    )
