"""``kesu build`` stops on what ``kesu validate`` refuses, stage completeness included."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.cli.main import main
from tests.conftest import CASES, REPO, copy_case


def test_build_refuses_a_record_that_claims_an_incomplete_stage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = copy_case(CASES / "invalid" / "stage-closed-incomplete", tmp_path / "repo")
    for name in ("mkdocs.yml", "site"):
        src = REPO / name
        if src.is_dir():
            copy_case(src, repo / name)
        else:
            (repo / name).write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    code = main(["-C", str(repo), "--lang", "en", "build", "--as-of", "2026-11-24 12:00"])
    err = capsys.readouterr().err
    assert code != 0
    assert "[stage-d1_team]" in err
    assert not (repo / "public" / "index.html").exists()
