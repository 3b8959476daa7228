"""Usage errors and config errors: exact, bilingual, located, exit 2 — never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.cli.main import main
from tests.conftest import CASES, copy_case


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return copy_case(CASES / "valid" / "minimal", tmp_path / "repo")


def run(repo: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["-C", str(repo), *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "zh",
            'kesu show: --as-of \'yesterday\' 不是有效的日期时间；请写 "YYYY-MM-DD HH:MM" 或 "YYYY-MM-DD"，如 "2026-06-05 18:00"\n',
        ),
        (
            "en",
            'kesu show: --as-of \'yesterday\' is not a real date and time; write "YYYY-MM-DD HH:MM" or "YYYY-MM-DD", e.g. "2026-06-05 18:00"\n',
        ),
    ],
)
def test_bad_as_of(
    repo: Path, capsys: pytest.CaptureFixture[str], lang: str, expected: str
) -> None:
    code, _, err = run(repo, capsys, "--lang", lang, "show", "KS-2026-0101", "--as-of", "yesterday")
    assert (code, err) == (2, expected)


def test_impossible_as_of_date(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(repo, capsys, "--lang", "en", "export", "--as-of", "2026-02-30")
    assert code == 2 and "'2026-02-30' is not a real date and time" in err


def test_show_unknown_record(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(repo, capsys, "--lang", "en", "show", "KS-2026-9999")
    assert (code, err) == (2, "kesu show: no record KS-2026-9999 in records/\n")


def test_validate_missing_path_is_a_usage_error(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(repo, capsys, "validate", str(repo / "records" / "NOPE.yaml"))
    assert code == 2 and out == ""
    assert err.startswith("kesu validate: 没有这个文件或目录：")


def test_config_typo_names_line_and_suggestion(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "kesu.yaml").write_text('preset: "000"\nlangauge: en\n', encoding="utf-8")
    code, _, err = run(repo, capsys, "--lang", "en", "validate")
    assert code == 2
    assert err.splitlines()[:2] == [
        "kesu.yaml:2:11: error [schema-additionalProperties] langauge: Unknown field langauge",
        "    Hint: Did you mean language?",
    ]


def test_config_unknown_time_zone(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "kesu.yaml").write_text("timezone: Mars/Base\n", encoding="utf-8")
    code, _, err = run(repo, capsys, "--lang", "en", "validate")
    assert code == 2
    assert (
        err.splitlines()[0]
        == "kesu.yaml:1:11: error [config-value] timezone: Unknown time zone 'Mars/Base'"
    )


def test_config_unknown_preset(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "kesu.yaml").write_text('preset: "009"\n', encoding="utf-8")
    code, out, err = run(repo, capsys, "validate")
    assert code in (1, 2) and "009" in out + err and "Traceback" not in out + err


def test_too_short_is_not_called_empty(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rec = repo / "records" / "KS-2026-0101.yaml"
    rec.write_text(
        rec.read_text(encoding="utf-8").replace("title: 蓝海家电 电源适配器外壳开裂", "title: t"),
        encoding="utf-8",
    )
    code, out, _ = run(repo, capsys, "--lang", "en", "validate")
    assert code == 1 and "title: Too short: at least 2 characters" in out


def test_export_reports_the_instant_it_computed_for(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --as-of the clock is read once: the exported as_of is the computed instant."""
    import json
    from datetime import datetime, timedelta

    import generator.cli.options as cli

    reads: list[datetime] = []

    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[no-untyped-def]
            at = datetime(2026, 11, 24, 12, 0, tzinfo=tz) + timedelta(hours=len(reads))
            reads.append(at)
            return at

    monkeypatch.setattr(cli, "datetime", Clock)
    code, out, _ = run(repo, capsys, "export")
    assert code == 0
    assert len(reads) == 1
    assert json.loads(out)["as_of"] == "2026-11-24T12:00:00+08:00"
