"""A records folder of hostile files, for ``tests/test_hostile_files.py`` and ``bench.guards``.

``write(root, good)`` fills ``root/records/`` with one good record (``good``, the text of a
valid record whose id is KS-2026-0101), one record with a schema error, and one file of each
kind an attacker or an accident can drop there: billion laughs, 20 MB, 100,000 open brackets,
random bytes, UTF-16 and GB 18030, a FIFO, a link to ``/dev/zero``, a folder named like a
record, a Python tag, a duplicate key, a list, a spreadsheet and a link loop. It returns, for
each file that must be reported, a word the report must say about it.
"""

from __future__ import annotations

import os
from pathlib import Path


def write(root: Path, good: str) -> dict[str, str]:
    """Create the files; return {display name: a word the report must say about it}."""
    rec = root / "records"
    rec.mkdir(parents=True)
    bad_other = good.replace("KS-2026-0101", "KS-2026-0109").replace(
        "origin: external", "origin: nowhere"
    )
    (rec / "KS-2026-0101.yaml").write_text(good, encoding="utf-8")
    (rec / "KS-2026-0109.yaml").write_text(bad_other, encoding="utf-8")
    laughs = ["a: &a [x,x,x,x,x,x,x,x,x]"]
    for i in range(1, 12):
        laughs.append(f"{chr(97 + i)}: &{chr(97 + i)} [" + ",".join([f"*{chr(96 + i)}"] * 9) + "]")
    (rec / "KS-2026-0201.yaml").write_text("\n".join(laughs) + "\n", encoding="utf-8")
    with (rec / "KS-2026-0202.yaml").open("wb") as fh:  # 20 MB
        fh.write(b"a: " + b"x" * (20 << 20) + b"\n")
    (rec / "KS-2026-0203.yaml").write_text("[" * 100_000 + "\n", encoding="utf-8")
    (rec / "KS-2026-0204.yaml").write_bytes(os.urandom(4096))
    (rec / "KS-2026-0205.yaml").write_bytes(good.encode("utf-16"))
    (rec / "KS-2026-0206.yaml").write_bytes(good.encode("gb18030"))
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
