"""When each completion time was recorded on the main line, for those entered after the fact.

``kesu check`` calls a completion time that a change adds with a time before the base commit a
*late entry* (``changerules.late_entries``): the main branch did not hold it then, so it was
written down afterwards. Once merged, the same fact is read back from history: along the
first-parent chain of HEAD (the main line: each merge is one change), the commit that
introduced a value and its first parent (the base that change was judged against). A value
dated before that parent's date was a late entry; the 8D page and the export show the commit
that recorded it.

Cost: one ``git log`` over the records folder and, only for records whose completion times are
older than their last change's base, the earlier versions of that record, newest first, until
each value is placed (one ``git cat-file --batch`` process for all of them). A repository whose
records were committed once reads no old version at all.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo

from generator.change.rules import completion_times
from generator.common.diagnostics import format_path
from generator.common.model import LateRecorded, Record
from generator.load.yamlload import load_yaml_bytes
from generator.time.parse import try_instant


@dataclass(frozen=True, slots=True)
class _Commit:
    sha: str
    at: datetime
    parent_at: datetime | None


def _git(top: Path, *args: str) -> bytes | None:
    try:
        proc = subprocess.run(
            ["git", *args], cwd=top, capture_output=True, check=False, timeout=600
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout if proc.returncode == 0 else None


def _top(root: Path) -> Path | None:
    out = _git(root, "rev-parse", "--show-toplevel")
    return Path(out.decode().strip()) if out else None


def _main_line(top: Path, folder: str) -> tuple[list[_Commit], dict[str, list[int]]] | None:
    """The first-parent commits that touch ``folder`` (newest first) and, per record file
    (path in the tree), the indexes of the commits that changed it."""
    out = _git(
        top,
        "-c",
        "core.quotePath=false",
        "log",
        "--first-parent",
        "--diff-merges=first-parent",
        "--no-renames",
        "--name-only",
        "--format=%x1e%H %cI %P",
        "--",
        f"{folder}/",
    )
    if out is None:
        return None
    commits: list[_Commit] = []
    parents: list[str | None] = []
    files: dict[str, list[int]] = {}
    for chunk in out.decode("utf-8", "surrogateescape").split("\x1e"):
        if not chunk.strip():
            continue
        header, _, names = chunk.partition("\n")
        parts = header.split()
        if len(parts) < 2:
            continue
        commits.append(_Commit(parts[0], datetime.fromisoformat(parts[1]), None))
        parents.append(parts[2] if len(parts) > 2 else None)
        for name in names.splitlines():
            if name.endswith(".yaml"):
                files.setdefault(name, []).append(len(commits) - 1)
    dates = _commit_dates(top, {p for p in parents if p})
    commits = [
        _Commit(c.sha, c.at, dates.get(p) if p else None)
        for c, p in zip(commits, parents, strict=True)
    ]
    return commits, files


def _commit_dates(top: Path, shas: Iterable[str]) -> dict[str, datetime]:
    wanted = sorted(shas)
    if not wanted:
        return {}
    out = _git(top, "show", "-s", "--format=%H %cI", *wanted)
    dates = {}
    for line in (out or b"").decode().splitlines():
        sha, _, when = line.partition(" ")
        if when:
            dates[sha] = datetime.fromisoformat(when)
    return dates


class _Blobs:
    """Old versions of files through one ``git cat-file --batch`` process."""

    def __init__(self, top: Path) -> None:
        self.proc = subprocess.Popen(
            ["git", "cat-file", "--batch"],
            cwd=top,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )

    def read(self, commit: str, path: str) -> bytes | None:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(f"{commit}:{path}\n".encode("utf-8", "surrogateescape"))
        self.proc.stdin.flush()
        header = self.proc.stdout.readline().split()
        if len(header) != 3 or header[1] != b"blob":
            return None
        data = self.proc.stdout.read(int(header[2]))
        self.proc.stdout.read(1)  # the newline after the contents
        return data

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=60)


def _values(data: Any) -> dict[str, str]:
    return {format_path(p): v for p, v in completion_times(data)}


def late_recorded(
    root: Path, records_dir: str, records: Sequence[Record], tz: ZoneInfo
) -> list[LateRecorded]:
    """Every completion time of ``records`` that the main line recorded after the fact, by
    record id and field. Empty outside Git or when history cannot be read. In a shallow clone
    only values whose recording commit and its parent were fetched are found (beyond that
    nothing is claimed); ``kesu build`` and ``kesu export`` print ``faults.shallow_note``."""
    top = _top(root)
    if top is None:
        return []
    try:
        folder = (root / records_dir).resolve().relative_to(top.resolve()).as_posix()
    except ValueError:
        return []
    line = _main_line(top, folder)
    if line is None:
        return []
    commits, files = line
    out: list[LateRecorded] = []
    blobs: _Blobs | None = None
    try:
        for record in records:
            if isinstance(record.get("imported"), Mapping):
                continue  # imported history was all written down afterwards, by definition
            path = PurePosixPath(folder) / PurePosixPath(record.path).name
            touched = files.get(path.as_posix(), [])
            if not touched:
                continue
            values = _values(record.data)
            # Only values older than the base of the record's last change can be late.
            newest = commits[touched[0]]
            open_ = {
                f: (v, t)
                for f, v in values.items()
                if (t := try_instant(v, tz)) is not None
                and newest.parent_at is not None
                and t < newest.parent_at
            }
            candidate = dict.fromkeys(open_, newest)
            for index in touched[1:]:
                if not open_:
                    break
                if blobs is None:
                    blobs = _Blobs(top)
                older = commits[index]
                raw = blobs.read(older.sha, path.as_posix())
                loaded = load_yaml_bytes(raw, path.as_posix()) if raw is not None else None
                held = _values(loaded.data) if loaded is not None and loaded.data else {}
                for f in list(open_):
                    if held.get(f) == open_[f][0]:
                        candidate[f] = older  # present here too: introduced earlier
                        base = older.parent_at
                        if base is None or open_[f][1] >= base:
                            del open_[f]  # not before that change's base: not late
                            del candidate[f]
                    else:
                        _settle(out, record.id, f, open_.pop(f), candidate.pop(f))
            for f, (value, when) in open_.items():
                _settle(out, record.id, f, (value, when), candidate[f])
    finally:
        if blobs is not None:
            blobs.close()
    return sorted(out, key=lambda e: (e.record, e.field))


def _settle(
    out: list[LateRecorded], rid: str, field: str, value: tuple[str, datetime], intro: _Commit
) -> None:
    text, when = value
    if intro.parent_at is not None and when < intro.parent_at:
        out.append(LateRecorded(rid, field, text, intro.sha[:12], intro.at, intro.parent_at))


def by_record(entries: Iterable[LateRecorded]) -> Mapping[str, list[LateRecorded]]:
    out: dict[str, list[LateRecorded]] = {}
    for e in entries:
        out.setdefault(e.record, []).append(e)
    return out
