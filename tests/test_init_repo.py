"""``kesu init DIR --preset NAME``: a company's repository without the demo records."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import generator.cmd_git  # noqa: F401 - registers the commands under test
from generator.cli import main
from generator.config import load_config
from generator.initrepo import InitError, start
from generator.policy import load_policy


def test_init_copies_the_tooling_but_no_records(tmp_path: Path) -> None:
    target = tmp_path / "acme-complaints"
    started = start(target, "002", id_prefix="ACME", title="ACME 客诉")
    assert started.git and (target / ".git").is_dir()
    for rel in (
        ".github/workflows/pull-request.yml",
        ".github/workflows/daily.yml",
        ".github/CODEOWNERS",
        ".github/pull_request_template.md",
        ".pre-commit-config.yaml",
        ".vscode/settings.json",
        "schema/complaint.schema.json",
        "generator/cli.py",
        "mkdocs.yml",
        "pyproject.toml",
        "requirements/constraints.txt",
        "docs/pull-request-workflow.md",
        "records/.gitkeep",
        "attachments/.gitkeep",
    ):
        assert (target / rel).is_file(), rel
    assert sorted(p.name for p in (target / "records").iterdir()) == [".gitkeep"]
    assert sorted(p.name for p in (target / "attachments").iterdir()) == [".gitkeep"]
    assert not (target / "tests").exists() and not (target / "bench").exists()
    assert not list(target.rglob("__pycache__"))
    assert not (target / "site" / "generated").exists()
    config, diags = load_config(target)
    assert diags == []
    assert (config.preset, config.id_prefix, config.site_title) == ("002", "ACME", "ACME 客诉")
    assert not config.notifications_enabled
    policy, problems = load_policy(config)
    assert policy is not None and problems == []


def test_init_then_kesu_new_starts_at_one(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    target = tmp_path / "acme"
    assert main(["--lang", "en", "init", str(target), "--preset", "000"]) == 0
    assert "Started a records repository" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    code = main(["-C", str(target), "new", "--title", "第一条客诉", "--customer", "甲公司",
                 "--product", "线束", "--channel", "phone", "--received-at", "2026-01-05 09:00"])  # fmt: skip
    assert code == 0
    assert (target / "records" / "KS-2026-0001.yaml").is_file()
    assert main(["-C", str(target), "validate"]) == 0
    status = subprocess.run(["git", "-C", str(target), "status", "--porcelain"],
                            capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert "kesu.yaml" in status


def test_init_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("keep me", encoding="utf-8")
    assert main(["init", str(tmp_path / "busy")]) == 2
    assert "不会覆盖" in capsys.readouterr().err
    assert (tmp_path / "busy" / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_init_names_the_presets(tmp_path: Path) -> None:
    with pytest.raises(InitError, match="available: 000, 001"):
        start(tmp_path / "x", "999")
    assert not (tmp_path / "x").exists()


def test_init_needs_a_kesu_checkout(tmp_path: Path) -> None:
    with pytest.raises(InitError, match="not a full Kesu checkout"):
        start(tmp_path / "x", "000", source=tmp_path)
