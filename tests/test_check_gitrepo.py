"""A records repository in a temp dir, played like pull requests; and the base-side reader.

``PlayRepo`` is imported by the other ``test_check_*`` modules: a real Git repository (git
CLI) seeded from ``tests/cases/check`` (config for preset 002 with people, a closed record,
one in verification and one just registered).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.change.base import compare, read_base
from generator.cli.main import main
from generator.common.diagnostics import ChangeError
from generator.load.discover import discover
from tests.conftest import CASES, load_record

CASE = CASES / "check"
AS_OF = "2025-03-01 12:00"


class PlayRepo:
    def __init__(self, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.root, self.capsys = root, capsys
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        for key, value in (
            ("user.name", "QE"),
            ("user.email", "qe@example.com"),
            ("commit.gpgsign", "false"),
        ):
            self.git("config", key, value)
        shutil.copy(CASE / "kesu.yaml", root / "kesu.yaml")
        shutil.copytree(CASE / "records", root / "records")
        self.commit("base records")

    def git(self, *args: str) -> str:
        proc = subprocess.run(["git", *args], cwd=self.root, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    def path(self, rid: str, folder: str = "records") -> Path:
        return self.root / folder / f"{rid}.yaml"

    def load(self, rid: str) -> dict[str, Any]:
        return load_record(self.path(rid))

    def save(self, rid: str, data: dict[str, Any], folder: str = "records") -> None:
        self.path(rid, folder).parent.mkdir(parents=True, exist_ok=True)
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
        self.path(rid, folder).write_text(text, encoding="utf-8")

    def edit(self, rid: str, change: Callable[[dict[str, Any]], object]) -> None:
        data = self.load(rid)
        change(data)
        self.save(rid, data)

    def commit(self, message: str) -> None:
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)

    def branch(self, name: str, start: str = "main") -> None:
        self.git("checkout", "-q", "-b", name, start)

    def run(self, *args: str, lang: str = "en") -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = main(["-C", str(self.root), "--lang", lang, *args])
        out, err = self.capsys.readouterr()
        return code, out, err

    def check(self, base: str = "main", *extra: str) -> tuple[int, dict[str, Any]]:
        """``kesu check`` as JSON: (exit code, document)."""
        code, out, err = self.run(
            "check", "--base", base, "--as-of", AS_OF, "--format", "json", *extra
        )
        assert code in (0, 1), err
        doc: dict[str, Any] = json.loads(out)
        return code, doc


def codes(doc: dict[str, Any]) -> set[tuple[str, str, str]]:
    """(file name, rule, field) of every error."""
    return {
        (Path(d["file"]).stem, d["code"], d["field"])
        for d in doc["diagnostics"]
        if d["severity"] == "error"
    }


def make_repo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> PlayRepo:
    """The body of each module's ``repo`` fixture."""
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return PlayRepo(tmp_path / "records-repo", capsys)


@pytest.fixture
def repo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> PlayRepo:
    return make_repo(tmp_path, capsys, monkeypatch)


def _compare(repo: PlayRepo, base: str = "main") -> tuple[list[str], list[str]]:
    snapshot = read_base(repo.root, "records", base)
    files, _ = discover([repo.root / "records"], repo.root)
    changes, removed = compare(snapshot, files, repo.root)
    return sorted(c.new.display for c in changes), removed


def test_base_is_clean(repo: PlayRepo) -> None:
    code, doc = repo.check()
    assert codes(doc) == set()
    assert code == 0
    assert doc["changed"] == []


def test_compare_finds_only_what_this_branch_changed(repo: PlayRepo) -> None:
    repo.branch("pr")
    repo.edit("KS-2025-0003", lambda d: d.update(notes="客户补充了照片"))
    (repo.path("KS-2025-0001")).unlink()
    assert _compare(repo) == (["records/KS-2025-0003.yaml"], ["records/KS-2025-0001.yaml"])


def test_base_changes_after_the_fork_are_not_this_branchs(repo: PlayRepo) -> None:
    repo.branch("pr")
    repo.git("checkout", "-q", "main")
    repo.edit("KS-2025-0003", lambda d: d.update(notes="在 main 上补充"))
    repo.save("KS-2025-0004", {**repo.load("KS-2025-0003"), "id": "KS-2025-0004"})
    repo.commit("main moves on")
    repo.git("checkout", "-q", "pr")
    # pr has the old 0003 and lacks 0004: neither is a change of this branch
    assert _compare(repo) == ([], [])


def test_unknown_ref_is_a_usage_error(repo: PlayRepo) -> None:
    code, _out, err = repo.run("check", "--base", "origin/nope")
    assert code == 2
    assert "Unknown base revision 'origin/nope'" in err
    assert "git fetch origin" in err
    assert "Traceback" not in err


def test_not_a_git_repository_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(CASE / "records", tmp_path / "records")
    code = main(["-C", str(tmp_path), "check", "--base", "main"])
    err = capsys.readouterr().err
    assert code == 2
    assert "不是 Git 仓库" in err


def test_read_base_rejects_records_outside_the_repository(repo: PlayRepo, tmp_path: Path) -> None:
    with pytest.raises(ChangeError, match="outside the Git repository"):
        read_base(repo.root, "../elsewhere", "main")
