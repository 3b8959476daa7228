"""``kesu check`` at scale (issue 6): the work beyond validation stays proportional to the change.

- The base-version computation is the pipeline's own compute call over the whole set
  (``pipeline.recompute``; issue 13 removed the hand-kept model of what compute reads).
- The base side lists the base tree and reads only the blobs of records that differ
  (counted through ``changes._read_blob``); the listing and the working-tree side name the
  same files, in the same order, as the GitPython walk and ``discover`` they replace.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from bench import synth
from generator.change import base as changes_module
from generator.change.base import (
    blob_sha,
    compare,
    compare_worktree,
    open_repo,
    read_base,
    record_blobs,
    tree_blobs,
    worktree,
)
from generator.config.settings import RepoConfig
from generator.load.discover import discover, display_path
from tests.conftest import REPO
from tests.test_check_gitrepo import PlayRepo, make_repo

CONFIG = RepoConfig(root=REPO)
AS_OF = synth.AS_OF.replace(tzinfo=CONFIG.tz)

# ------------------------------------------------------------------ the base side


@pytest.fixture
def repo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> PlayRepo:
    return make_repo(tmp_path, capsys, monkeypatch)


def _count_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    reads: list[str] = []
    real = changes_module._read_blob

    def counting(repo: Any, sha: str) -> bytes:
        reads.append(sha)
        return real(repo, sha)

    monkeypatch.setattr(changes_module, "_read_blob", counting)
    return reads


def _more_records(repo: PlayRepo, n: int) -> None:
    template = repo.load("KS-2025-0003")
    for k in range(4, 4 + n):
        rid = f"KS-2025-{k:04d}"
        repo.save(rid, {**template, "id": rid, "received_at": f"2025-01-{k % 28 + 1:02d} 09:00"})


def test_check_reads_only_the_base_blobs_of_changed_records(
    repo: PlayRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    _more_records(repo, 20)
    repo.commit("more records")
    repo.branch("pr")
    repo.edit("KS-2025-0010", lambda d: d.update(notes="客户补充了照片"))
    base_sha = repo.git("rev-parse", "main:records/KS-2025-0010.yaml").strip()
    reads = _count_reads(monkeypatch)

    code, doc = repo.check()

    assert doc["changed"] == ["records/KS-2025-0010.yaml"]
    assert reads == [base_sha]
    assert code == 0


def test_an_untouched_branch_reads_no_base_blob(
    repo: PlayRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    _more_records(repo, 5)
    repo.commit("more records")
    repo.branch("pr")
    reads = _count_reads(monkeypatch)
    code, doc = repo.check()
    assert (code, doc["changed"], reads) == (0, [], [])


def _odd_tree(repo: PlayRepo) -> None:
    """Nested folders, odd names, a link, non-record files and a BOM."""
    records = repo.root / "records"
    (records / "2024 旧" / "深").mkdir(parents=True)
    text = repo.path("KS-2025-0003").read_text(encoding="utf-8")
    (records / "2024 旧" / "KS-2024-0001.yaml").write_text(text, encoding="utf-8")
    (records / "2024 旧" / "深" / "KS-2024-0002.yaml").write_bytes(b"\xef\xbb\xbf" + text.encode())
    (records / "KS-2025-0002-x.yaml").write_text("id: [broken\n", encoding="utf-8")
    (records / "README.md").write_text("records\n", encoding="utf-8")
    (records / "notes.yml").write_text("a: 1\n", encoding="utf-8")
    (records / "folder.yaml").mkdir()
    (records / "folder.yaml" / "KS-2024-0003.yaml").write_text(text, encoding="utf-8")
    os.symlink("KS-2025-0003.yaml", records / "KS-2025-0009.yaml")


def test_ls_tree_listing_names_what_the_tree_walk_names(repo: PlayRepo) -> None:
    _odd_tree(repo)
    repo.commit("odd tree")
    git_repo = open_repo(repo.root)
    commit = git_repo.commit("HEAD")
    for shown, prefix in (("records", "records"), ("./records/", "records"), (".", "")):
        walked = {
            d: b.hexsha
            for d, b in record_blobs(commit, PurePosixPath(prefix), PurePosixPath(shown))
        }
        listed = tree_blobs(git_repo, commit.hexsha, PurePosixPath(prefix), PurePosixPath(shown))
        assert listed == walked
        assert len(listed) >= 7


def test_worktree_is_discover_with_validations_text(repo: PlayRepo) -> None:
    _odd_tree(repo)
    root = repo.root
    paths, _ = discover([root / "records"], root)
    texts = {
        display_path(p, root): p.read_bytes().removeprefix(b"\xef\xbb\xbf").decode() for p in paths
    }
    files = worktree(root / "records", root, texts)
    assert [f.path for f in files] == paths
    assert [f.display for f in files] == [display_path(p, root) for p in paths]
    assert [f.raw() for f in files] == [p.read_bytes() for p in paths]  # the BOM file too
    assert worktree(root / "missing", root, {}) == []


def test_compare_worktree_agrees_with_compare(repo: PlayRepo) -> None:
    repo.branch("pr")
    _odd_tree(repo)
    repo.edit("KS-2025-0002", lambda d: d.update(notes="改动"))
    bom = repo.path("KS-2025-0003")
    bom.write_bytes(b"\xef\xbb\xbf" + bom.read_bytes())  # same text, other bytes
    repo.path("KS-2025-0001").unlink()
    root = repo.root
    snapshot = read_base(root, "records", "main")
    paths, _ = discover([root / "records"], root)
    texts = {
        display_path(p, root): p.read_bytes().removeprefix(b"\xef\xbb\xbf").decode() for p in paths
    }
    new = compare_worktree(snapshot, worktree(root / "records", root, texts))
    old = compare(snapshot, paths, root)

    def shape(result: Any) -> Any:
        found, removed = result
        return [(c.new.display, c.new.data, c.old, c.clash) for c in found], removed

    assert shape(new) == shape(old)
    assert "records/KS-2025-0002.yaml" in [c.new.display for c in new[0]]
    assert new[1] == ["records/KS-2025-0001.yaml"]


def test_blob_sha_is_gits(repo: PlayRepo) -> None:
    raw = repo.path("KS-2025-0002").read_bytes()
    proc = subprocess.run(
        ["git", "hash-object", "--stdin"], input=raw, capture_output=True, cwd=repo.root, check=True
    )
    assert blob_sha(raw) == proc.stdout.decode().strip()
