"""Shared fixtures. Tests never depend on today: they pass ``as_of`` explicitly.

Tests write only into temp folders. Every cache points at a fresh temp folder (Kesu's
through ``KESU_CACHE_DIR``, Hypothesis' home and example database), per test and per test
module, so no run leaves anything behind that a later run would read: a second run on a clean
clone tests the same code paths as the first. At the end of the session the checkout is
compared with how it was at the start (``git status --ignored``); anything the suite added or
changed fails the run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir

from generator.load.yamlload import load_yaml_file

REPO = Path(__file__).resolve().parent.parent
CASES = Path(__file__).resolve().parent / "cases"

UPDATE_FLAGS = ("KESU_UPDATE_GOLDEN", "KESU_UPDATE_EXPECTED", "KESU_SCREENSHOTS")
"""Set to 1, these let a run rewrite files in the checkout on purpose (see CONTRIBUTING)."""

# Derandomized, without an example database: every run tries the same examples, so a failure
# comes back on the next run without a folder a previous run left behind.
# ``pytest --hypothesis-profile=explore`` looks for new ones (more of them, at random).
settings.register_profile("kesu", database=None, derandomize=True)
settings.register_profile("explore", database=None, max_examples=2000)
settings.load_profile("kesu")


def _fresh_cache(mp: pytest.MonkeyPatch, factory: pytest.TempPathFactory) -> None:
    mp.setenv("KESU_CACHE_DIR", str(factory.mktemp("kesu-cache")))
    mp.delenv("KESU_CACHE", raising=False)


_HYPOTHESIS_HOME = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    # Hypothesis' home (its charmap and constants caches, written while collecting) in a temp
    # folder, not ./.hypothesis.
    home = tempfile.mkdtemp(prefix="kesu-tests-hypothesis-")
    config.stash[_HYPOTHESIS_HOME] = home
    set_hypothesis_home_dir(home)


def pytest_unconfigure(config: pytest.Config) -> None:
    home = config.stash.get(_HYPOTHESIS_HOME, None)
    if home is not None:
        set_hypothesis_home_dir(None)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def _session_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    mp = pytest.MonkeyPatch()
    _fresh_cache(mp, tmp_path_factory)
    # Finished customer report files, shared by this session's site builds: the same records
    # make the same PDFs, and laying one out takes about a second (generator.report.store).
    # Fresh for every session, so a run never reads what an earlier one left.
    mp.setenv("KESU_REPORT_CACHE_DIR", str(tmp_path_factory.mktemp("kesu-report-store")))
    yield
    mp.undo()


@pytest.fixture(scope="module", autouse=True)
def _module_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A cold Kesu cache for each module's shared fixtures (a site built once per module)."""
    mp = pytest.MonkeyPatch()
    _fresh_cache(mp, tmp_path_factory)
    yield
    mp.undo()


@pytest.fixture(autouse=True)
def _test_cache(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """A cold Kesu cache for each test, never one a shell or CI points at. A test of the
    tree's own ``.kesu-cache/`` removes ``KESU_CACHE_DIR`` (``in_tree_cache``)."""
    _fresh_cache(monkeypatch, tmp_path_factory)


@pytest.fixture
def in_tree_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache where a user's run keeps it: ``.kesu-cache/`` in the (temp) repository."""
    monkeypatch.delenv("KESU_CACHE_DIR", raising=False)


@pytest.fixture(autouse=True)
def _no_locale_leak(monkeypatch: pytest.MonkeyPatch) -> None:
    # Message language must come from the test, not from the developer's shell.
    for var in ("KESU_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)


def copy_case(src: Path, dst: Path) -> Path:
    """Copy a case folder into a temp repo (symlinks and special files are made by tests)."""
    shutil.copytree(src, dst, symlinks=True, dirs_exist_ok=True)
    return dst


def copy_demo(dst: Path) -> Path:
    """The demo records, attachments and ``kesu.yaml`` in ``dst``, outside Git: the checkout
    is only read."""
    for name in ("records", "attachments"):
        shutil.copytree(REPO / name, dst / name, dirs_exist_ok=True)
    shutil.copy2(REPO / "kesu.yaml", dst / "kesu.yaml")
    return dst


def load_record(path: Path) -> dict[str, Any]:
    """A record file as Kesu reads it (``generator.load.yamlload``: no dates, no 1.1 booleans)."""
    loaded = load_yaml_file(path, path.name)
    assert loaded.data is not None and not loaded.diagnostics, loaded.diagnostics
    data: dict[str, Any] = loaded.data
    return data


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if shutil.which("chromium") or os.environ.get("KESU_REQUIRE_BROWSER") == "1":
        return
    skip = pytest.mark.skip(reason="Debian chromium not installed (bash .ci/run installs it)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


# ------------------------------------------------------------- nothing left in the checkout

CHECKOUT_NOT_WATCHED = (
    ".venv",  # the developer's environment
    "*.egg-info/**",  # pip install -e
    "**/__pycache__/**",  # Python's bytecode (unless PYTHONDONTWRITEBYTECODE)
    ".pytest_cache",  # pytest's own --lf/--ff memory, written after this check
)


def checkout_state(root: Path = REPO) -> set[str] | None:
    """``git status --porcelain --ignored`` of ``root``, one entry per file (None outside Git)."""
    status = ["git", "status", "--porcelain=v1", "-z", "--ignored", "--untracked-files=all"]
    excludes = [f":(exclude,glob){p}" for p in CHECKOUT_NOT_WATCHED]
    try:
        proc = subprocess.run(
            [*status, "--", ".", *excludes],
            cwd=root,
            capture_output=True,
            timeout=300,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    return {e.decode("utf-8", "surrogateescape") for e in proc.stdout.split(b"\0") if e}


_STATE = pytest.StashKey[set[str] | None]()
_LEFT = pytest.StashKey[list[str]]()


def _watching(config: pytest.Config) -> bool:
    # xdist workers skip it: the controller compares once all of them have finished.
    return not hasattr(config, "workerinput") and not any(
        os.environ.get(flag) == "1" for flag in UPDATE_FLAGS
    )


def pytest_sessionstart(session: pytest.Session) -> None:
    if _watching(session.config):
        session.config.stash[_STATE] = checkout_state()


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    before = session.config.stash.get(_STATE, None)
    if before is None:
        return
    after = checkout_state()
    left = sorted((after or set()) - before)
    if left:
        session.config.stash[_LEFT] = left
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    left = config.stash.get(_LEFT, [])
    if left:
        terminalreporter.section("files the suite left in the checkout", red=True)
        terminalreporter.write_line("Tests write only into temp folders (CONTRIBUTING.md):")
        for entry in left:
            terminalreporter.write_line(f"  {entry}")


def git_at(root: Path, *args: str, when: str) -> None:
    """``git ARGS`` in ``root`` with author and committer dates ``when`` (ISO 8601): a
    history with known dates for tests of what Kesu reads from Git."""
    env = dict(os.environ, GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
    env.update(GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com")
    env.update(GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)
