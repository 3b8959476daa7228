"""Hostile files dropped into records/ are refused with exit 1, named, quickly, in bounded memory,
and the other records are still checked."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import CASES

GOOD = (CASES / "valid" / "minimal" / "records" / "KS-2026-0101.yaml").read_text(encoding="utf-8")
BAD_OTHER = GOOD.replace("KS-2026-0101", "KS-2026-0109").replace(
    "origin: external", "origin: nowhere"
)


def _limit_memory() -> None:  # runs in the child: 1 GiB of address space at most
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def make_hostile_repo(root: Path) -> dict[str, str]:
    """Create the files; return {display name: a word the report must say about it}."""
    rec = root / "records"
    rec.mkdir(parents=True)
    (rec / "KS-2026-0101.yaml").write_text(GOOD, encoding="utf-8")
    (rec / "KS-2026-0109.yaml").write_text(BAD_OTHER, encoding="utf-8")
    laughs = ["a: &a [x,x,x,x,x,x,x,x,x]"]
    for i in range(1, 12):
        laughs.append(f"{chr(97 + i)}: &{chr(97 + i)} [" + ",".join([f"*{chr(96 + i)}"] * 9) + "]")
    (rec / "KS-2026-0201.yaml").write_text("\n".join(laughs) + "\n", encoding="utf-8")
    with (rec / "KS-2026-0202.yaml").open("wb") as fh:  # 20 MB
        fh.write(b"a: " + b"x" * (20 << 20) + b"\n")
    (rec / "KS-2026-0203.yaml").write_text("[" * 100_000 + "\n", encoding="utf-8")
    (rec / "KS-2026-0204.yaml").write_bytes(os.urandom(4096))
    (rec / "KS-2026-0205.yaml").write_bytes(GOOD.encode("utf-16"))
    (rec / "KS-2026-0206.yaml").write_bytes(GOOD.encode("gb18030"))
    os.mkfifo(rec / "KS-2026-0207.yaml")
    (rec / "KS-2026-0208.yaml").symlink_to("/dev/zero")
    (rec / "KS-2026-0209.yaml").mkdir()
    (rec / "KS-2026-0210.yaml").write_text(
        "!!python/object/apply:os.system ['touch PWNED']\n", encoding="utf-8"
    )
    (rec / "KS-2026-0211.yaml").write_text("a: 1\n" * 10 + "a: 2\n", encoding="utf-8")
    (rec / "KS-2026-0212.yaml").write_text("- a\n- b\n", encoding="utf-8")
    (rec / "notes.xlsx").write_bytes(b"PK\x03\x04" + os.urandom(100))
    (rec / "loop").symlink_to(rec)
    return {
        "records/KS-2026-0109.yaml": "origin",
        "records/KS-2026-0201.yaml": "yaml-alias",
        "records/KS-2026-0202.yaml": "file-too-large",
        "records/KS-2026-0203.yaml": "KS-2026-0203",
        "records/KS-2026-0204.yaml": "KS-2026-0204",
        "records/KS-2026-0205.yaml": "file-encoding",
        "records/KS-2026-0206.yaml": "file-encoding",
        "records/KS-2026-0207.yaml": "KS-2026-0207",
        "records/KS-2026-0208.yaml": "file-unexpected",
        "records/KS-2026-0209.yaml": "KS-2026-0209",
        "records/KS-2026-0210.yaml": "yaml-tag",
        "records/KS-2026-0211.yaml": "yaml-duplicate-key",
        "records/KS-2026-0212.yaml": "yaml-not-mapping",
        "records/notes.xlsx": "file-unexpected",
        "records/loop": "file-unexpected",
    }


def test_hostile_files_are_refused_quickly(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    expect = make_hostile_repo(repo)
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "generator", "-C", str(repo), "validate"],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=_limit_memory,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
    )
    elapsed = time.monotonic() - start
    out = proc.stdout
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in out + proc.stderr
    assert elapsed < 30
    lines = out.splitlines()
    for name, word in expect.items():
        mine = [line for line in lines if line.startswith(name + ":")]
        assert mine, f"{name} not reported:\n{out}"
        assert any(word in line for line in mine), f"{name}: expected {word!r} in {mine}"
    assert not any(line.startswith("records/KS-2026-0101.yaml") for line in lines)
    assert not (tmp_path / "PWNED").exists() and not (repo / "PWNED").exists()
