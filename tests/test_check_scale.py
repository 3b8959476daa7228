"""``kesu check`` at scale (issue 6): the work beyond validation stays proportional to the change.

- The base-version computation covers only the records the changed ones depend on
  (``checkscope.dependency_scope``); its results for the changed records must equal a pass over
  every record. Proven on a synthetic set (``bench.synth``) under several policies, with
  changes that move a record between recurrence groups, in time, and in and out of being an
  occurrence; a control shows the dependencies are real (computing the changed records alone
  gives other results).
- The base side lists the base tree and reads only the blobs of records that differ
  (counted through ``changes._read_blob``); the listing and the working-tree side name the
  same files, in the same order, as the GitPython walk and ``discover`` they replace.
"""

from __future__ import annotations

import copy
import os
import subprocess
from collections import Counter
from collections.abc import Callable
from functools import cache
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
from generator.change.scope import dependency_scope
from generator.common.model import Record
from generator.compute.records import Computed, compute_all
from generator.config.settings import RepoConfig
from generator.load.discover import discover, display_path
from generator.load.yamlload import load_yaml_bytes
from generator.pipeline import make_calendar
from generator.policy.loader import Policy, load_policy
from generator.time.workcal import WorkCalendar
from tests.conftest import REPO
from tests.test_check_gitrepo import PlayRepo, make_repo

CONFIG = RepoConfig(root=REPO)
AS_OF = synth.AS_OF.replace(tzinfo=CONFIG.tz)

# ------------------------------------------------------------------ the computation's scope


@cache
def _records() -> tuple[Record, ...]:
    data = synth.generate(400, seed=11)
    out = []
    for rel, text in data.records.items():
        loaded = load_yaml_bytes(text.encode(), rel)
        assert isinstance(loaded.data, dict)
        out.append(Record(PurePosixPath(rel).stem, rel, loaded.data))
    return tuple(out)


def _policy(preset: str, basis: str | None = None) -> Policy:
    overrides = {"grading": {"recurrence_basis": basis}} if basis else {}
    policy, diags = load_policy(RepoConfig(root=REPO, preset=preset, policy_overrides=overrides))
    assert policy is not None, diags
    return policy


def _changed(records: tuple[Record, ...]) -> dict[str, dict[str, Any]]:
    """Base versions of six records, each changed the way a pull request might."""
    by_key = Counter(r.data["problem_key"] for r in records)
    (busy, _), (second, _) = by_key.most_common(2)
    pool = [r for r in records if r.data["problem_key"] == busy]
    reopened = {r.data["reopen_of"] for r in records if "reopen_of" in r.data}
    reopen = next(r for r in records if "reopen_of" in r.data)
    original = next(r for r in records if r.id in reopened)
    closed = next(
        r
        for r in records
        if r.data["status"] == "closed" and r.id not in reopened and r.data["problem_key"] != busy
    )
    lone = next(r for r in records if by_key[r.data["problem_key"]] == 1)
    other_customer = next(r for r in records if r.data["customer"] != pool[-1].data["customer"])

    def edit(record: Record, change: Callable[[dict[str, Any]], None]) -> None:
        data = copy.deepcopy(dict(record.data))
        change(data)
        out[record.id] = data

    out: dict[str, dict[str, Any]] = {}
    # into a busy recurrence group, and out of it
    edit(lone, lambda d: d.update(problem_key=busy))
    edit(pool[len(pool) // 2], lambda d: d.update(problem_key=second))
    # earlier in time: another window of the same key
    edit(
        pool[-1],
        lambda d: d.update(
            received_at="2024-02-01 09:00", customer=other_customer.data["customer"]
        ),
    )
    # a reopening and its original: the grade is inherited, the original is not counted
    edit(reopen, lambda d: d.update(problem_key=busy))
    edit(original, lambda d: d.update(status="cancelled"))
    # a closed record joins the busy key: later records of it suggest reopening it
    edit(closed, lambda d: d.update(problem_key=busy))
    assert len(out) == 6
    return out


def _base_set(records: tuple[Record, ...], base: dict[str, dict[str, Any]]) -> list[Record]:
    return [Record(r.id, r.path, base[r.id]) if r.id in base else r for r in records]


@cache
def _calendar() -> WorkCalendar:
    return make_calendar(CONFIG)  # one calendar: results compare their dues' calendar too


def _results(records: list[Record], policy: Policy, ids: set[str]) -> dict[str, Computed]:
    computed = compute_all(records, policy, _calendar(), AS_OF)
    return {rid: computed[rid] for rid in sorted(ids)}


@pytest.mark.parametrize(
    ("preset", "basis"),
    [
        ("000", None),
        ("000", "final"),
        ("001", None),
        ("002", None),
        ("002", "final"),
    ],
)
def test_scope_gives_the_changed_records_their_full_results(preset: str, basis: str | None) -> None:
    records = _records()
    base = _changed(records)
    policy = _policy(preset, basis)
    everything = _base_set(records, base)
    seeds = set(base)

    scope = dependency_scope(everything, seeds, policy, CONFIG.tz)

    assert _results(scope, policy, seeds) == _results(everything, policy, seeds)
    assert seeds <= {r.id for r in scope}
    assert len(scope) < len(everything) // 2  # a scope, not the whole set again
    ids = [r.id for r in scope]
    assert ids == [r.id for r in everything if r.id in set(ids)]  # the original order


def test_scope_control_the_changed_records_alone_give_other_results() -> None:
    """Without their dependencies the changed records grade differently: the scope matters."""
    records = _records()
    base = _changed(records)
    for preset in ("000", "002"):
        policy = _policy(preset)
        everything = _base_set(records, base)
        alone = [r for r in everything if r.id in base]
        assert _results(alone, policy, set(base)) != _results(everything, policy, set(base))


def test_scope_follows_the_history_under_final_basis() -> None:
    """With ``recurrence_basis: final`` an earlier record's basis grade has its own history,
    so the scope reaches further back than with ``fact``."""
    records = _records()
    base = _changed(records)
    everything = _base_set(records, base)
    fact = dependency_scope(everything, set(base), _policy("000"), CONFIG.tz)
    final = dependency_scope(everything, set(base), _policy("000", "final"), CONFIG.tz)
    assert {r.id for r in fact} < {r.id for r in final}


def test_scope_knows_which_closed_records_are_reopened_already() -> None:
    """The reopen hint (preset 001) skips a closed record that some record reopens, whatever
    that reopening's own key."""
    records = list(_records())
    by_id = {r.id: r for r in records}
    reopening = next(
        r
        for r in records
        if "reopen_of" in r.data and by_id[r.data["reopen_of"]].data["status"] == "closed"
    )
    original = by_id[reopening.data["reopen_of"]]
    moved = Record(reopening.id, reopening.path, {**reopening.data, "problem_key": "其他/x/y"})
    records[records.index(reopening)] = moved
    later = max(
        (r for r in records if r.data["status"] != "cancelled" and "reopen_of" not in r.data),
        key=lambda r: str(r.data["received_at"]),
    )
    base = {later.id: {**later.data, "problem_key": original.data["problem_key"]}}
    everything = _base_set(tuple(records), base)
    policy = _policy("001")

    scope = dependency_scope(everything, set(base), policy, CONFIG.tz)

    assert moved in scope
    full = _results(everything, policy, set(base))
    assert _results(scope, policy, set(base)) == full
    assert original.id not in full[later.id].reopen_suggested
    without = [r for r in scope if r is not moved]
    assert original.id in _results(without, policy, set(base))[later.id].reopen_suggested


def test_scope_takes_every_record_of_a_duplicated_id() -> None:
    """compute_all times an id by its last record and grades it by its first."""
    records = list(_records())
    twin = Record(records[5].id, "records/elsewhere.yaml", records[200].data)
    everything = [*records, twin]
    policy = _policy("000")
    scope = dependency_scope(everything, {records[5].id}, policy, CONFIG.tz)
    assert twin in scope
    assert records[5] in scope
    assert _results(scope, policy, {records[5].id}) == _results(everything, policy, {records[5].id})


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
