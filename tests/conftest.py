"""Shared fixtures. Tests never depend on today: they pass ``as_of`` explicitly."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CASES = Path(__file__).resolve().parent / "cases"


@pytest.fixture(autouse=True)
def _no_locale_leak(monkeypatch: pytest.MonkeyPatch) -> None:
    # Message language must come from the test, not from the developer's shell.
    for var in ("KESU_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(autouse=True)
def _no_cache_dir_leak(monkeypatch: pytest.MonkeyPatch) -> None:
    # The cache is the tests' own (in each temp repository), never one a shell or CI points at.
    monkeypatch.delenv("KESU_CACHE_DIR", raising=False)


def copy_case(src: Path, dst: Path) -> Path:
    """Copy a case folder into a temp repo (symlinks and special files are made by tests)."""
    shutil.copytree(src, dst, symlinks=True, dirs_exist_ok=True)
    return dst


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if shutil.which("chromium") or os.environ.get("KESU_REQUIRE_BROWSER") == "1":
        return
    skip = pytest.mark.skip(reason="Debian chromium not installed (bash .ci/run installs it)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)
