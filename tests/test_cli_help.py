"""Issue 18: ``kesu --help`` is Chinese when Chinese is the default, and so is every command's
own page: argparse's words, the description and the help of every option of every command in
the command table (``--lang en`` keeps the English). A new option without its Chinese fails."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.cli.main import build_parser, display_width, localize, wrap_cjk
from generator.cli.options import Help
from generator.cli.table import COMMANDS
from tests.test_glance_items import _run

CJK = re.compile(r"[\u4e00-\u9fff]")
ARGPARSE_WORDS = ("usage:", "options:", "positional arguments", "show this help message")


def _parsers(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every parser of the command table, with the words that reach it (``calendar add``)."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _parsers(sub, (*path, name))


def _helps(parser: argparse.ArgumentParser) -> Iterator[tuple[str, object]]:
    """(what, help text) of every option and positional, and of each sub-command's line."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                yield f"command {choice.dest}", choice.help
        elif action.help is not argparse.SUPPRESS:
            yield "/".join(action.option_strings) or action.dest, action.help


COMMAND_PATHS = [path for path, _ in _parsers(build_parser(COMMANDS)) if path]


def test_the_walk_covers_the_whole_command_table() -> None:
    assert {p[0] for p in COMMAND_PATHS} == set(COMMANDS)
    assert ("calendar", "add") in COMMAND_PATHS


def test_every_option_of_every_command_has_its_chinese_help() -> None:
    parser = build_parser(COMMANDS)
    localize(parser, "zh")
    missing = []
    for path, sub in _parsers(parser):
        where = " ".join(("kesu", *path))
        if not CJK.search(sub.description or ""):
            missing.append(f"{where}: description")
        for what, text in _helps(sub):
            if not isinstance(text, str) or not CJK.search(text):
                missing.append(f"{where} {what}: {text!r}")
    assert not missing, "help without Chinese (write it as Help(zh, en)):\n" + "\n".join(missing)


def test_every_help_has_both_languages() -> None:
    """Each text is a ``Help``: the English page (``--lang en``) shows its English."""
    for path, sub in _parsers(build_parser(COMMANDS)):
        where = " ".join(("kesu", *path))
        texts = [("description", sub.description), *_helps(sub)]
        for what, text in texts:
            if what == "-h/--help":
                continue  # argparse's own, put into Chinese by localize
            assert isinstance(text, Help), f"{where} {what}: {text!r} is not a Help(zh, en)"
            assert re.search("[A-Za-z]{3}", text) and text != text.zh, (where, what)


@pytest.fixture
def no_lang(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("KESU_LANG", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("COLUMNS", "80")
    return tmp_path


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=" ".join)
def test_each_commands_help_page(path: tuple[str, ...], no_lang: Path) -> None:
    code, text = _run("-C", str(no_lang), *path, "--help")
    assert code == 0
    assert text.startswith(f"用法：kesu {' '.join(path)}"), text
    for word in ARGPARSE_WORDS:
        assert word not in text, word
    assert "选项：" in text and f"English: kesu --lang en {' '.join(path)} --help" in text
    parser = dict(_parsers(build_parser(COMMANDS)))[path]
    flat = re.sub(r"\s+", "", text)
    for what, help_text in _helps(parser):
        if isinstance(help_text, Help):
            assert re.sub(r"\s+", "", help_text.zh) in flat, (what, help_text.zh)
    # wrapped for the terminal: a Chinese character takes two cells
    wide = [line for line in text.splitlines() if display_width(line) > 80 and CJK.search(line)]
    assert not wide, wide

    code, text = _run("-C", str(no_lang), "--lang", "en", *path, "--help")
    assert code == 0 and text.startswith(f"usage: kesu {' '.join(path)}"), text
    flat = re.sub(r"\s+", "", text)
    for what, help_text in _helps(parser):
        if isinstance(help_text, Help):
            assert re.sub(r"\s+", "", str(help_text)) in flat, (what, str(help_text))


def test_chinese_wraps_between_characters_not_before_punctuation() -> None:
    lines = wrap_cjk("以此时间计算是否逾期，如 2026-03-06 18:00（默认：现在）", 20)
    assert all(display_width(line) <= 20 or line[-1] in "，）" for line in lines), lines
    assert (
        "".join(lines).replace(" ", "") == "以此时间计算是否逾期，如2026-03-0618:00（默认：现在）"
    )
    assert not any(line[0] in "，。、；：）" for line in lines), lines
    assert wrap_cjk("output folder for the HTML site", 12) == [
        "output",
        "folder for",
        "the HTML",
        "site",
    ]
