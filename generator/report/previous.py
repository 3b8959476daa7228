"""The reports of a trusted earlier build: take a file again when its content key is unchanged.

Every build writes ``reports/index.json`` beside the files: for each file its content key (the
hash ``plan`` computes from the report's HTML, stylesheet and photos, or the Excel file's
inputs), the SHA-256 of its bytes, and the salt of the code that made it (``store.salt``: the
report code, the versions of WeasyPrint, Pango, HarfBuzz, the font files). ``kesu build
--reports-from DIR`` reads that index from an earlier build's site folder and takes a file from
it when the salt and the key are the same as this build's and the bytes still hash to what the
index says; everything else is laid out again. A PDF is a function of exactly those inputs, so
the file taken is the file this build would have written (byte for byte).

Which folder to trust is the caller's decision: CI's publishing jobs pass the site main's own
workflow published (an artifact of a push to main), never anything a pull request can write
(docs/customer-report.md, "Speed"). The folder is still read defensively: no link is followed,
names are plain file names, sizes are capped, a damaged or foreign index is ignored.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from generator.report.store import MAX_FILE, salt

INDEX = "index.json"
FORMAT = 1
MAX_INDEX = 32 << 20
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,120}\.(?:pdf|xlsx)")
_KEY = re.compile(r"[0-9a-f]{32}\.(?:pdf|xlsx)")
_SHA = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class Entry:
    key: str
    sha256: str


def index_of(files: Iterable[tuple[str, str, bytes]]) -> bytes:
    """``reports/index.json`` for ``(name, key, data)``: sorted, so it is reproducible too."""
    entries = {
        name: {"key": key, "sha256": hashlib.sha256(data).hexdigest()} for name, key, data in files
    }
    doc = {"kesu-reports": FORMAT, "salt": salt(), "files": dict(sorted(entries.items()))}
    return (json.dumps(doc, indent=1, sort_keys=True) + "\n").encode()


@dataclass(frozen=True, slots=True)
class Previous:
    """The report files of an earlier build that this build's code could take again."""

    folder: Path
    entries: Mapping[str, Entry] = field(default_factory=dict)
    note: tuple[str, str] | None = None
    """Why nothing can be taken (Chinese, English), when that is so."""

    def get(self, name: str, key: str) -> bytes | None:
        """The earlier file ``name`` when it was made from the same inputs (``key``)."""
        entry = self.entries.get(name)
        if entry is None or entry.key != key:
            return None
        data = _read(self.folder / name)
        if data is None or hashlib.sha256(data).hexdigest() != entry.sha256:
            return None
        return data


def load(site: Path) -> Previous:
    """The reports of the built site ``site`` (its ``reports/index.json``)."""
    folder = site / "reports"
    raw = _read(folder / INDEX, MAX_INDEX) if _plain_folder(site, folder) else None
    if raw is None:
        return Previous(
            folder,
            note=(
                f"{site} 中没有可沿用的客户报告（{folder.name}/{INDEX}）：全部重新排版",
                f"no earlier reports in {site} ({folder.name}/{INDEX}): all are laid out",
            ),
        )
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        doc = None
    if not isinstance(doc, dict) or doc.get("kesu-reports") != FORMAT:
        return Previous(
            folder,
            note=(
                f"{folder / INDEX} 不是 Kesu 的报告索引：全部重新排版",
                f"{folder / INDEX} is not a Kesu report index: all are laid out",
            ),
        )
    if doc.get("salt") != salt():
        return Previous(
            folder,
            note=(
                f"{site} 的报告由另一版本的代码、字体或排版库生成：全部重新排版",
                f"the reports in {site} were made by other code, fonts or layout libraries: "
                "all are laid out",
            ),
        )
    entries: dict[str, Entry] = {}
    files = doc.get("files")
    for name, value in files.items() if isinstance(files, dict) else ():
        if not (isinstance(name, str) and _NAME.fullmatch(name) and isinstance(value, dict)):
            continue
        key, sha = str(value.get("key")), str(value.get("sha256"))
        if _KEY.fullmatch(key) and _SHA.fullmatch(sha):
            entries[name] = Entry(key, sha)
    return Previous(folder, entries)


def _plain_folder(site: Path, folder: Path) -> bool:
    try:
        # the folder named is the caller's choice (it may be reached through a link); the
        # reports folder inside it never is
        return site.is_dir() and stat.S_ISDIR(folder.lstat().st_mode)
    except OSError:
        return False


def _read(path: Path, cap: int = MAX_FILE) -> bytes | None:
    """A regular file's bytes, never through a link at its last step, at most ``cap``."""
    try:
        fd = os.open(
            path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        )
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > cap:
            return None
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(cap + 1)
        return data if len(data) <= cap else None
    except OSError:
        return None
    finally:
        os.close(fd)
