"""The code base stays ruff- and mypy-clean (the generator, the tests and the benchmarks): the
suite fails otherwise."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO

MYPY = [sys.executable, "-m", "mypy", "--no-incremental", "--cache-dir=/dev/null"]


def test_ruff_clean() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "generator", "tests", "bench"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ruff_format_clean() -> None:
    """``ruff format`` is the only layout: no file it would change, and no skip markers."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "format",
            "--check",
            "--no-cache",
            "generator",
            "tests",
            "bench",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    marker = "fmt: " + "skip"  # spelled apart so this file does not hold the marker
    holders = [
        str(p.relative_to(REPO))
        for folder in ("generator", "tests", "bench")
        for p in (REPO / folder).rglob("*.py")
        if marker in p.read_text(encoding="utf-8")
    ]
    assert holders == []


def test_mypy_strict_clean() -> None:
    proc = subprocess.run(
        [*MYPY, "generator", "tests", "bench"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
