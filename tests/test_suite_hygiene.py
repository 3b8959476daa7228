"""The suite's own rules: caches in temp folders, and the check that the checkout is left as
it was (``tests/conftest.py``), tried on a throwaway repository."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from hypothesis import settings

from tests.conftest import REPO, checkout_state


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, timeout=120)


def test_the_checkout_check_sees_new_ignored_and_changed_files(tmp_path: Path) -> None:
    root = tmp_path / "clone"
    root.mkdir()
    _git(root, "init", "-q")
    (root / ".gitignore").write_text(".kesu-cache/\nsite/generated/\n", encoding="utf-8")
    (root / "kept.txt").write_text("a\n", encoding="utf-8")
    _git(root, "add", ".")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "x")
    before = checkout_state(root)
    assert before == set()
    (root / ".kesu-cache" / "records-1").mkdir(parents=True)
    (root / ".kesu-cache" / "records-1" / "00.json").write_text("{}", encoding="utf-8")
    (root / "site" / "generated").mkdir(parents=True)
    (root / "site" / "generated" / "index.md").write_text("x", encoding="utf-8")
    (root / "kept.txt").write_text("b\n", encoding="utf-8")
    (root / "new.txt").write_text("c\n", encoding="utf-8")
    for ignored in (
        ".venv/lib/x.py",
        "kesu.egg-info/PKG-INFO",
        "tests/__pycache__/t.pyc",
        ".pytest_cache/v/lastfailed",
    ):
        (root / ignored).parent.mkdir(parents=True, exist_ok=True)
        (root / ignored).write_text("x", encoding="utf-8")
    assert checkout_state(root) == {
        "!! .kesu-cache/records-1/00.json",
        "!! site/generated/index.md",
        " M kept.txt",
        "?? new.txt",
    }


def test_outside_git_there_is_nothing_to_compare(tmp_path: Path) -> None:
    if any((p / ".git").exists() for p in tmp_path.parents):
        return  # the temp folder itself is in a repository: nothing to learn here
    assert checkout_state(tmp_path) is None


def test_the_caches_point_into_temp_folders() -> None:
    cache = Path(os.environ["KESU_CACHE_DIR"])
    assert cache.is_dir() and not cache.is_relative_to(REPO)
    assert "KESU_CACHE" not in os.environ
    profile = settings.default
    assert profile is not None and profile.database is None  # no examples kept for next time


_SEEN: list[Path] = []


def test_each_test_has_a_cold_cache_of_its_own() -> None:
    # collected twice (this name and the one below): an empty folder each time, never the same
    cache = Path(os.environ["KESU_CACHE_DIR"])
    assert list(cache.iterdir()) == [] and cache not in _SEEN
    (cache / "records-0").mkdir()
    _SEEN.append(cache)


test_each_test_has_a_cold_cache_of_its_own_too = test_each_test_has_a_cold_cache_of_its_own
