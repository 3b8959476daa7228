"""Issue 18: argparse's own errors on a bad command line are Chinese first (usage line, the
error, then argparse's English line), exit 2, no traceback; ``--lang en`` gives English only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from generator.cli.argerrors import to_chinese
from generator.cli.main import main

# (command line, the Chinese error line, the English error line argparse writes)
CASES = [
    pytest.param(
        ["report"],
        "kesu report: 错误：缺少必需的参数：id",
        "kesu report: error: the following arguments are required: id",
        id="missing-argument",
    ),
    pytest.param(
        ["validate", "--foo"],
        "kesu validate: 错误：无法识别的参数：--foo",
        "kesu validate: error: unrecognized arguments: --foo",
        id="unknown-option",
    ),
    pytest.param(
        ["validate", "--format", "x"],
        "kesu validate: 错误：参数 --format：无效的选项值 'x'"
        "（可选：'github', 'gitlab', 'json', 'text'）",
        "kesu validate: error: argument --format: invalid choice: 'x' "
        "(choose from 'github', 'gitlab', 'json', 'text')",
        id="bad-choice",
    ),
    pytest.param(
        ["verify-approvals", "--pr", "x"],
        "kesu verify-approvals: 错误：参数 --pr：'x' 不是有效的整数",
        "kesu verify-approvals: error: argument --pr: invalid int value: 'x'",
        id="bad-number",
    ),
    pytest.param(
        ["calendar", "add", "n.txt", "--bar"],
        "kesu calendar add: 错误：无法识别的参数：--bar",
        "kesu calendar add: error: unrecognized arguments: --bar",
        id="unknown-option-of-a-nested-command",
    ),
    pytest.param(
        ["frob"],
        "kesu: 错误：参数 COMMAND：无效的选项值 'frob'（可选：'validate', 'docs',",
        "kesu: error: argument COMMAND: invalid choice: 'frob' (choose from 'validate', 'docs',",
        id="unknown-command",
    ),
    pytest.param(
        [],
        "kesu: 错误：缺少必需的参数：COMMAND",
        "kesu: error: the following arguments are required: COMMAND",
        id="no-command",
    ),
    pytest.param(
        ["--lang", "fr", "validate"],
        "kesu: 错误：参数 --lang：无效的选项值 'fr'（可选：'zh', 'en'）",
        "kesu: error: argument --lang: invalid choice: 'fr' (choose from 'zh', 'en')",
        id="bad-language",
    ),
    pytest.param(
        ["show", "--as-of"],
        "kesu show: 错误：参数 --as-of：此处需要一个值",
        "kesu show: error: argument --as-of: expected one argument",
        id="option-without-value",
    ),
]


@pytest.fixture
def chinese_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("KESU_LANG", raising=False)
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    return tmp_path


def _lines(err: str, prefix: str) -> list[int]:
    return [i for i, line in enumerate(err.splitlines()) if line.startswith(prefix)]


@pytest.mark.parametrize(("argv", "zh", "en"), CASES)
def test_chinese_first_then_english(
    chinese_default: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    zh: str,
    en: str,
) -> None:
    code = main(["-C", str(chinese_default), *argv])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.startswith("用法：kesu"), err
    assert "usage:" not in err and "Traceback" not in err
    (zh_at,) = _lines(err, zh)
    (en_at,) = _lines(err, en)
    assert zh_at < en_at
    assert err.rstrip().endswith(" --help") and "用法详见：kesu" in err


@pytest.mark.parametrize(("argv", "zh", "en"), CASES)
def test_english_with_lang_en(
    chinese_default: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    zh: str,
    en: str,
) -> None:
    if argv[:1] == ["--lang"]:  # the bad-language case: English from the environment instead
        monkeypatch.setenv("KESU_LANG", "en")
    else:
        argv = ["--lang", "en", *argv]
    code = main(["-C", str(chinese_default), *argv])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.startswith("usage: kesu") and "Traceback" not in err
    assert _lines(err, en)
    assert not any("\u4e00" <= c <= "\u9fff" for c in err), err
    assert err.splitlines()[-1].startswith("See: kesu --lang en ")


def test_kesu_yaml_language_en_gives_english(
    chinese_default: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (chinese_default / "kesu.yaml").write_text("language: en\n", encoding="utf-8")
    assert main(["-C", str(chinese_default), "report"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: kesu report")
    assert "kesu report: error: the following arguments are required: id" in err


def test_the_real_entry_point(chinese_default: Path) -> None:
    kesu = Path(sys.executable).with_name("kesu")
    done = subprocess.run(
        [str(kesu), "-C", str(chinese_default), "validate", "--format", "x"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, "LANG": "C.UTF-8"},
        check=False,
        timeout=60,
    )
    assert done.returncode == 2 and done.stdout == ""
    first, *rest = done.stderr.splitlines()
    assert first.startswith("用法：kesu validate") and "Traceback" not in done.stderr
    assert any(line.startswith("kesu validate: 错误：参数 --format：无效的选项值") for line in rest)
    assert any(line.startswith("kesu validate: error: argument --format: invalid") for line in rest)


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("unrecognized arguments: %(x)s 100%", "无法识别的参数：%(x)s 100%"),
        ("a message of a type function", "a message of a type function"),
        ("argument --n: invalid float value: 'a'", "参数 --n：'a' 不是有效的数字"),
        ("argument -x: not allowed with argument -y", "参数 -x：不能与参数 -y 同时使用"),
    ],
)
def test_to_chinese_keeps_what_it_does_not_know(english: str, chinese: str) -> None:
    assert to_chinese(english) == chinese
