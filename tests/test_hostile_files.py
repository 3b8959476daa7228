"""Hostile files dropped into records/ are refused with exit 1, named, in bounded memory and
without hanging, and the other records are still checked (how long it takes:
``python -m bench.guards``)."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

from bench import hostile
from tests.conftest import CASES

GOOD = (CASES / "valid" / "minimal" / "records" / "KS-2026-0101.yaml").read_text(encoding="utf-8")


def _limit_memory() -> None:  # runs in the child: 1 GiB of address space at most
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def test_hostile_files_are_refused_in_bounded_memory(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    expect = hostile.write(repo, GOOD)
    proc = subprocess.run(
        [sys.executable, "-m", "generator", "-C", str(repo), "validate"],
        capture_output=True,
        text=True,
        timeout=60,  # a FIFO opened or /dev/zero read would hang: this fails the test instead
        preexec_fn=_limit_memory,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
    )
    out = proc.stdout
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in out + proc.stderr
    lines = out.splitlines()
    for name, word in expect.items():
        mine = [line for line in lines if line.startswith(name + ":")]
        assert mine, f"{name} not reported:\n{out}"
        assert any(word in line for line in mine), f"{name}: expected {word!r} in {mine}"
    assert not any(line.startswith("records/KS-2026-0101.yaml") for line in lines)
    assert not (tmp_path / "PWNED").exists() and not (repo / "PWNED").exists()
