"""No trust in the tree (issue 12): a cache a pull request commits, or a ``.kesu-cache`` made
of symbolic links, is never read, written through or deleted through.

Every ``kesu`` run here is a real process (``python -m generator``): where the cache lives is
decided once a process, and the cache is saved when the process ends. Repositories are real
Git repositories in temp folders, seeded from ``tests/cases/check``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.change.check import cache_tracked
from generator.cli.initrepo import COPY, IGNORED, _ignore_cache
from generator.load.cache import _code_salt, _salt
from generator.load.cachedir import CACHE_DIR, ENV_DIR, CacheDir, Refusal, locate, tracked
from generator.load.yamlload import load_yaml_bytes
from tests.conftest import CASES
from tests.site_fixtures import BUILD_EPOCH, REPO, site_repo

AS_OF = "2025-03-01 12:00"
TARGET = "KS-2025-0003"
PLANTED = "PLANTED title from a committed cache"
_NOTE = "this run goes without the cache"


def git(root: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def kesu(root: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``kesu -C root --lang en ARGS`` in its own process, from ``root`` (as a Git hook runs);
    ``env`` adds variables."""
    environ = {k: v for k, v in os.environ.items() if k not in ("KESU_CACHE", ENV_DIR)}
    environ.update(SOURCE_DATE_EPOCH=BUILD_EPOCH, NO_MKDOCS_2_WARNING="1", **env)
    environ["PYTHONPATH"] = str(REPO)
    cmd = [sys.executable, "-m", "generator", "-C", str(root), "--lang", "en", *args]
    return subprocess.run(cmd, cwd=root, capture_output=True, text=True, env=environ, timeout=300)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The check case with the site templates, committed on ``main``, on a branch ``pr``."""
    root = site_repo(tmp_path / "repo", CASES / "check" / "records")
    (root / ".gitignore").write_text(f"site/generated/\npublic/\n{IGNORED}\n", encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    for key, value in (
        ("user.name", "QE"),
        ("user.email", "qe@example.com"),
        ("commit.gpgsign", "false"),
    ):
        git(root, "config", key, value)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base records")
    git(root, "checkout", "-q", "-b", "pr")
    return root


def planted_shard(root: Path) -> tuple[str, str, bytes]:
    """(salted folder, shard file name, shard bytes): an entry saying ``TARGET``'s file holds a
    record with another title and a safety fact (a severe complaint by preset 002), keyed by
    the real file's bytes as the cache keys it."""
    raw = (root / "records" / f"{TARGET}.yaml").read_bytes()
    data = load_yaml_bytes(raw, "x").data
    assert isinstance(data, dict)
    data["title"] = PLANTED
    data["facts"]["safety"] = True
    digest = hashlib.blake2b(raw, digest_size=20).hexdigest()
    shard = json.dumps({digest: data}, ensure_ascii=False).encode("utf-8")
    return f"records-{_salt()}", f"{digest[:2]}.json", shard


def plant(folder: Path, root: Path) -> Path:
    """Write the planted shard into the cache folder ``folder``; the shard's path."""
    sub, name, shard = planted_shard(root)
    (folder / sub).mkdir(parents=True, exist_ok=True)
    (folder / sub / name).write_bytes(shard)
    return folder / sub / name


def outputs(root: Path, **env: str) -> dict[str, str]:
    """What ``kesu validate`` and ``kesu export`` print, and the Markdown ``kesu build`` writes."""
    out = {}
    runs = {"validate": ("validate", "--format", "json"), "export": ("export", "--as-of", AS_OF)}
    for name, args in runs.items():
        proc = kesu(root, *args, **env)
        out[name] = proc.stdout
        out[f"{name} exit"] = str(proc.returncode)
    build = kesu(root, "build", "--as-of", AS_OF, **env)
    assert build.returncode == 0, build.stderr
    generated = root / "site" / "generated"
    for page in sorted(generated.rglob("*.md")):
        out[page.relative_to(generated).as_posix()] = page.read_text(encoding="utf-8")
    shutil.rmtree(generated)
    return out


def tree(folder: Path) -> dict[str, bytes | str]:
    """Every path under ``folder`` with its bytes (a link: where it points)."""
    found: dict[str, bytes | str] = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        if p.is_symlink():
            found[rel] = f"-> {os.readlink(p)}"
        else:
            found[rel] = p.read_bytes() if p.is_file() else "dir"
    return found


# ----------------------------------------------------------------- a committed cache entry


def test_a_planted_entry_is_believed_only_from_an_untracked_folder(repo: Path) -> None:
    """The control: the entry is made right (a cache the user's own machine wrote is read),
    so the tests below would see it if a tracked cache were believed."""
    clean = kesu(repo, "export", "--as-of", AS_OF, KESU_CACHE="0").stdout
    plant(repo / CACHE_DIR, repo)
    believed = kesu(repo, "export", "--as-of", AS_OF).stdout
    assert believed != clean


def test_force_added_cache_fails_check_and_is_not_believed(repo: Path) -> None:
    clean = outputs(repo, KESU_CACHE="0")
    assert PLANTED not in json.dumps(clean)
    shard = plant(repo / CACHE_DIR, repo)
    git(repo, "add", "-f", CACHE_DIR)
    git(repo, "commit", "-q", "-m", "a record, and a cache that says otherwise")
    proc = kesu(repo, "check", "--base", "main", "--as-of", AS_OF, "--format", "json")
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    (found,) = [d for d in doc["diagnostics"] if d["code"] == "cache-tracked"]
    assert found["severity"] == "error"
    assert found["file"] == shard.relative_to(repo).as_posix()
    assert "git rm -r --cached .kesu-cache" in found["hint"] and ".gitignore" in found["hint"]
    assert "1 file(s) under .kesu-cache/" in found["message_en"]
    assert "1 个文件被提交到 Git" in found["message_zh"]
    (same,) = cache_tracked(repo)
    assert "git rm -r --cached .kesu-cache" in same.hint_zh and ".gitignore" in same.hint_zh
    assert PLANTED not in proc.stdout
    assert proc.stderr.count(_NOTE) == 1  # said once, though records and verdicts both ask
    assert outputs(repo) == clean
    assert shard.read_bytes() == planted_shard(repo)[2]  # the tracked file is left alone


def test_staged_cache_and_a_committed_link_are_tracked_too(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (repo / CACHE_DIR).symlink_to(outside, target_is_directory=True)
    git(repo, "add", "-f", CACHE_DIR)
    assert tracked(repo, CACHE_DIR) == [CACHE_DIR]
    proc = kesu(repo, "check", "--base", "main", "--as-of", AS_OF, "--format", "json")
    assert proc.returncode == 1
    diags = json.loads(proc.stdout)["diagnostics"]
    files = [d["file"] for d in diags if d["code"] == "cache-tracked"]
    assert files == [CACHE_DIR]
    assert list(outside.iterdir()) == []


def test_an_untouched_branch_passes_check(repo: Path) -> None:
    for _ in range(2):  # as from a Git hook (GIT_DIR exported): filled, then used
        proc = kesu(repo, "validate", GIT_DIR=".git")
        assert (repo / CACHE_DIR).is_dir() and _NOTE not in proc.stderr
    proc = kesu(repo, "check", "--base", "main", "--as-of", AS_OF, "--format", "json")
    assert proc.returncode == 0, proc.stdout
    assert _NOTE not in proc.stderr


# ----------------------------------------------------------------- symbolic links


def test_a_linked_cache_folder_writes_and_deletes_nothing_outside(
    repo: Path, tmp_path: Path
) -> None:
    clean = outputs(repo, KESU_CACHE="0")
    outside = tmp_path / "outside"
    plant(outside, repo)
    for old in ("records-0000000000000000", "verdicts-0000000000000000"):
        (outside / old).mkdir()
        (outside / old / "00.json").write_text("{}", encoding="utf-8")
    (outside / "sentinel.txt").write_text("keep me", encoding="utf-8")
    before = tree(outside)
    (repo / CACHE_DIR).symlink_to(outside, target_is_directory=True)
    proc = kesu(repo, "validate")
    assert proc.returncode == 0 and "is a symbolic link" in proc.stderr
    assert outputs(repo) == clean
    assert tree(outside) == before


def test_links_inside_the_cache_are_not_followed(repo: Path, tmp_path: Path) -> None:
    clean = outputs(repo, KESU_CACHE="0")
    outside = tmp_path / "outside"
    outside.mkdir()
    sub, name, shard = planted_shard(repo)
    (outside / "planted.json").write_bytes(shard)
    (outside / "sentinel.txt").write_text("keep me", encoding="utf-8")
    (outside / "verdicts").mkdir()
    (outside / "old").mkdir()
    (outside / "old" / "keep.txt").write_text("keep me too", encoding="utf-8")
    cache = repo / CACHE_DIR
    (cache / sub).mkdir(parents=True)
    (cache / sub / name).symlink_to(outside / "planted.json")  # an entry file that is a link
    (cache / f"verdicts-{_code_salt()}").symlink_to(outside / "verdicts")  # a linked folder
    (cache / "records-0000000000000000").symlink_to(outside / "old")  # an old salt, linked
    stale = cache / "records-1111111111111111"  # an old salt holding a link: removed, the
    stale.mkdir()  # link with it, what it points to kept
    (stale / "00.json").symlink_to(outside / "sentinel.txt")
    before = tree(outside)
    assert outputs(repo) == clean
    assert tree(outside) == before
    assert not (cache / sub / name).is_symlink()  # the shard was written in place of the link
    assert PLANTED not in (cache / sub / name).read_text(encoding="utf-8")
    assert (cache / "records-0000000000000000").is_symlink()  # a link is never pruned
    assert not stale.exists()


# ----------------------------------------------------------------- KESU_CACHE_DIR


def test_kesu_cache_dir_is_where_the_cache_lives(repo: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "runner-temp" / "kesu-cache"
    proc = kesu(repo, "validate", **{ENV_DIR: str(elsewhere)})
    assert proc.returncode == 0 and _NOTE not in proc.stderr
    assert not (repo / CACHE_DIR).exists()
    assert sorted(p.name.split("-")[0] for p in elsewhere.iterdir()) == ["records", "verdicts"]
    # What main's jobs saved there is read (and nothing from the tree, tracked or not).
    plant(elsewhere, repo)
    tree_shard = plant(repo / CACHE_DIR, repo)
    tree_shard.write_text("{}", encoding="utf-8")
    export = kesu(repo, "export", "--as-of", AS_OF, **{ENV_DIR: str(elsewhere)}).stdout
    assert export != kesu(repo, "export", "--as-of", AS_OF, KESU_CACHE="0").stdout


def test_a_relative_kesu_cache_dir_is_refused(repo: Path) -> None:
    proc = kesu(repo, "validate", **{ENV_DIR: "cache"})
    assert proc.returncode == 0
    assert f"{ENV_DIR}=cache is not an absolute path" in proc.stderr
    assert "不是绝对路径" in proc.stderr  # the note is given in both languages
    assert not (repo / "cache").exists() and not (repo / CACHE_DIR).exists()


def test_kesu_cache_dir_inside_the_tree_is_refused_when_tracked(repo: Path) -> None:
    inside = repo / "ci-cache"
    plant(inside, repo)
    git(repo, "add", "-f", "ci-cache")
    proc = kesu(repo, "export", "--as-of", AS_OF, **{ENV_DIR: str(inside)})
    assert "Git tracks files in" in proc.stderr
    assert proc.stdout == kesu(repo, "export", "--as-of", AS_OF, KESU_CACHE="0").stdout


# ----------------------------------------------------------------- the parts


def test_outside_git_the_tree_cache_is_the_users_own(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    (root / CACHE_DIR).mkdir(parents=True)
    if any((p / ".git").exists() for p in root.parents):
        pytest.skip("the temp folder is inside a Git repository")
    assert tracked(root) == []
    assert locate(root, {}) == CacheDir(root / CACHE_DIR)
    assert locate(root, {"KESU_CACHE": "0"}) is None
    (root / "file").write_text("", encoding="utf-8")
    assert locate(root, {ENV_DIR: str(root / "file")}) == Refusal(
        "not-a-folder", str(root / "file")
    )


def test_git_that_cannot_answer_means_no_cache(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(repo / "no-git-here"))
    assert tracked(repo) is None
    assert locate(repo, {}) == Refusal("unconfirmed", CACHE_DIR)


@pytest.mark.parametrize("name", ["", ".", "..", "../x", "a/b", "a\0b"])
def test_cache_names_never_leave_the_folder(tmp_path: Path, name: str) -> None:
    store = CacheDir(tmp_path / "c")
    with pytest.raises(OSError):
        store.write("records-0", name, b"x")
    with pytest.raises(OSError):
        store.write(name, "00.json", b"x")
    assert store.read(name, "00.json", 10) is None
    store.remove(name)
    assert {p.name for p in tmp_path.iterdir()} <= {"c"}


def test_write_replaces_a_link_and_read_refuses_one(tmp_path: Path) -> None:
    target = tmp_path / "target.json"
    target.write_text("outside", encoding="utf-8")
    store = CacheDir(tmp_path / "c")
    store.write("records-0", "00.json", b"first")
    (tmp_path / "c" / "records-0" / "01.json").symlink_to(target)
    assert store.read("records-0", "01.json", 100) is None
    assert store.read("records-0", "00.json", 100) == b"first"
    assert store.read("records-0", "00.json", 4) is None  # over the limit
    store.write("records-0", "01.json", b"inside")
    assert target.read_text(encoding="utf-8") == "outside"
    assert (tmp_path / "c" / "records-0" / "01.json").read_bytes() == b"inside"
    os.mkfifo(tmp_path / "c" / "records-0" / "02.json")
    assert store.read("records-0", "02.json", 100) is None  # never blocks on a FIFO
    names = sorted(p.name for p in (tmp_path / "c" / "records-0").iterdir())
    assert names == ["00.json", "01.json", "02.json"]  # no temporary file is left


def test_init_ignores_the_cache(tmp_path: Path) -> None:
    """``kesu init`` copies Kesu's ``.gitignore`` and makes sure it names the cache."""
    assert ".gitignore" in COPY
    assert IGNORED in (REPO / ".gitignore").read_text(encoding="utf-8").splitlines()
    fresh = tmp_path / "fresh" / ".gitignore"
    fresh.parent.mkdir()
    assert _ignore_cache(fresh) == 1  # a new file: counted as written
    assert IGNORED in fresh.read_text(encoding="utf-8").splitlines()
    other = tmp_path / ".gitignore"
    other.write_text("public/", encoding="utf-8")  # no newline at the end
    assert _ignore_cache(other) == 0
    assert other.read_text(encoding="utf-8").splitlines()[0] == "public/"
    assert IGNORED in other.read_text(encoding="utf-8").splitlines()
    for line in (".kesu-cache", "/.kesu-cache/", ".kesu-cache/"):
        other.write_text(f"{line}\n", encoding="utf-8")
        _ignore_cache(other)
        assert other.read_text(encoding="utf-8") == f"{line}\n"
