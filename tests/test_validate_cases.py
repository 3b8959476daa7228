"""Data-driven acceptance cases for ``kesu validate``.

``cases/valid/<case>/`` is a small repository that must validate cleanly;
``cases/invalid/<case>/`` holds a repository plus ``expected.txt`` (the exact Chinese text
report) and ``expected_en.txt`` (the English one). Regenerate after an intended wording change
with ``KESU_UPDATE_EXPECTED=1 pytest tests/test_validate_cases.py`` and review the diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.cli.main import main
from tests.conftest import CASES, copy_case
from tests.goldens import assert_golden

VALID = sorted(p for p in (CASES / "valid").iterdir() if p.is_dir())
INVALID = sorted(p for p in (CASES / "invalid").iterdir() if p.is_dir())
AS_OF = "2026-06-01 12:00"  # the official calendar of the year is in: no calendar warning


def run(repo: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["-C", str(repo), *args])
    return code, capsys.readouterr().out


@pytest.mark.parametrize("case", VALID, ids=lambda p: p.name)
def test_valid_case(case: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = copy_case(case, tmp_path / "repo")
    code, out = run(repo, "--lang", "zh", "validate", "--as-of", AS_OF, capsys=capsys)
    assert code == 0, out
    assert (
        out.splitlines()[-1]
        == f"已检查 {len(list((repo / 'records').glob('*.yaml')))} 条记录：全部有效。"
    ), out


@pytest.mark.parametrize("case", INVALID, ids=lambda p: p.name)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_invalid_case(
    case: Path, lang: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = copy_case(case, tmp_path / "repo")
    for name in ("expected.txt", "expected_en.txt"):
        (repo / name).unlink(missing_ok=True)
    code, out = run(repo, "--lang", lang, "validate", "--as-of", AS_OF, capsys=capsys)
    assert code == 1, out
    expected_file = case / ("expected.txt" if lang == "zh" else "expected_en.txt")
    assert_golden(out, expected_file, "KESU_UPDATE_EXPECTED")
