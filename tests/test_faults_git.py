"""Git history that a clone does not hold: real shallow clones (``git clone --depth N``).

``kesu check`` needs the base commit and the fork point: without them it stops with exit 2 and
says how to fetch the history (actions/checkout ``fetch-depth: 0``, GitLab ``GIT_DEPTH: 0``,
``git fetch --unshallow``). What history only informs (late entries "recorded on", revision
lists) gives a note and what the fetched history shows.
"""

from __future__ import annotations

import subprocess
from pathlib import Path, PurePosixPath

import pytest

from generator.change.recorded import late_recorded
from generator.change.rulefiles import changed_rule_files
from generator.cli.main import main
from generator.common.diagnostics import ChangeError
from generator.common.model import Record
from generator.load.discover import discover, load_files
from tests.test_check_gitrepo import AS_OF, PlayRepo
from tests.test_recorded import TZ, Repo, _base_record, _merge_with

HINTS = {
    "en": (
        "shallow clone",
        "`fetch-depth: 0`",
        "actions/checkout",
        "`GIT_DEPTH: 0`",
        "`git fetch --unshallow`",
    ),
    "zh": (
        "浅克隆",
        "`fetch-depth: 0`",
        "actions/checkout",
        "`GIT_DEPTH: 0`",
        "`git fetch --unshallow`",
    ),
}


def clone(src: Path, dst: Path, *flags: str) -> Path:
    subprocess.run(
        ["git", "clone", "-q", *flags, f"file://{src}", str(dst)], check=True, capture_output=True
    )
    return dst


@pytest.fixture
def upstream(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> PlayRepo:
    """main: the base records, then a second commit; pr: one record changed on top."""
    repo = PlayRepo(tmp_path / "upstream", capsys)
    (repo.root / "notes.md").write_text("main moves on\n", encoding="utf-8")
    repo.commit("unrelated")
    repo.branch("pr")
    repo.edit("KS-2025-0003", lambda d: d.update(notes="客户补充了照片"))
    repo.commit("a note")
    return repo


def run(root: Path, capsys: pytest.CaptureFixture[str], lang: str, *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["-C", str(root), "--lang", lang, *args])
    return code, capsys.readouterr().err


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("base", ["HEAD~1", "origin/main"])
def test_a_base_the_shallow_clone_lacks_says_how_to_fetch_it(
    upstream: PlayRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str, base: str
) -> None:
    # HEAD~1: the object of HEAD names its parent, which the clone does not have (GitPython
    # alone followed it, and `git ls-tree` then failed with a traceback); origin/main: the
    # branch was not fetched at all (actions/checkout's default on a pull request).
    shallow = clone(upstream.root, tmp_path / "shallow", "--depth", "1", "--branch", "pr")
    code, err = run(shallow, capsys, lang, "check", "--base", base, "--as-of", AS_OF)
    assert code == 2, err
    assert base in err
    for hint in HINTS[lang]:
        assert hint in err
    assert "Traceback" not in err and "internal error" not in err and "内部错误" not in err


def test_a_fetched_base_without_the_fork_point_is_refused(
    upstream: PlayRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shallow = clone(upstream.root, tmp_path / "shallow", "--depth", "1", "--branch", "pr")
    subprocess.run(
        ["git", "fetch", "-q", "--depth", "1", "origin", "main:refs/remotes/origin/main"],
        cwd=shallow,
        check=True,
        capture_output=True,
    )
    # Both tips are there but not their common ancestor: which side changed a record cannot be
    # told, so the check would judge the base's own later changes as this branch's.
    code, err = run(shallow, capsys, "en", "check", "--base", "origin/main", "--as-of", AS_OF)
    assert code == 2, err
    assert "No common ancestor of this branch and 'origin/main'" in err
    assert "`fetch-depth: 0`" in err and "`git fetch --unshallow`" in err


def test_a_shallow_clone_deep_enough_is_checked_as_usual(
    upstream: PlayRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shallow = clone(
        upstream.root, tmp_path / "deeper", "--depth", "3", "--no-single-branch", "--branch", "pr"
    )
    code, err = run(
        shallow,
        capsys,
        "en",
        "check",
        "--base",
        "origin/main",
        "--as-of",
        AS_OF,
        "--format",
        "json",
    )
    assert code == 0, err
    assert "shallow" not in err


def test_a_full_clone_keeps_the_unknown_revision_message(
    upstream: PlayRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = run(upstream.root, capsys, "en", "check", "--base", "HEAD~9", "--as-of", AS_OF)
    assert code == 2
    assert "Unknown base revision 'HEAD~9'" in err and "shallow" not in err


def test_a_failing_git_diff_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    repo.write(_base_record())
    repo.commit("register", "2025-02-10T12:00:00+08:00")
    with pytest.raises(ChangeError, match=r"git diff failed: .*0000000"):
        changed_rule_files(repo.root, PurePosixPath(), "0" * 40, None, "records")


# ------------------------------------------------------------------ informative history


def _records(root: Path) -> list[Record]:
    files, _ = discover([root / "records"], root)
    return [Record(lf.stem, lf.display, lf.data or {}) for lf in load_files(files, root)]


def test_late_entries_in_a_shallow_clone_cover_the_fetched_history(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    repo.write(_base_record())
    repo.commit("register", "2025-02-10T12:00:00+08:00")
    (repo.root / "notes.txt").write_text("main moves on\n", encoding="utf-8")
    repo.commit("unrelated", "2025-02-20T09:00:00+08:00")
    merge = _merge_with(repo, "2025-02-10 12:30")
    # The merge and its parents fetched: the late entry is found, as in the full clone.
    two = clone(repo.root, tmp_path / "two", "--depth", "2")
    [entry] = late_recorded(two, "records", _records(two), TZ)
    assert entry.recorded_commit == merge[:12]
    # The merge alone: its base is not there, so nothing is claimed (and nothing fails).
    one = clone(repo.root, tmp_path / "one", "--depth", "1")
    assert late_recorded(one, "records", _records(one), TZ) == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_export_in_a_shallow_clone_notes_the_partial_history(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str
) -> None:
    repo = Repo(tmp_path / "repo")
    repo.write(_base_record())
    (repo.root / "kesu.yaml").write_text('preset: "002"\n', encoding="utf-8")
    repo.commit("register", "2025-02-10T12:00:00+08:00")
    _merge_with(repo, "2025-02-10 12:30")
    one = clone(repo.root, tmp_path / "one", "--depth", "1")
    code, err = run(one, capsys, lang, "export", "--as-of", "2025-03-01 12:00")
    assert code == 0, err
    assert ("note:" if lang == "en" else "注意：") in err
    assert "`fetch-depth: 0`" in err and "`GIT_DEPTH: 0`" in err
    assert "`git fetch --unshallow`" in err

    code, err = run(repo.root, capsys, lang, "export", "--as-of", "2025-03-01 12:00")
    assert code == 0 and "fetch-depth" not in err  # a full clone: no note
