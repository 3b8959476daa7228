"""Revision history of every record from Git, in one log walk (design decision 7).

One ``git log --name-only`` over the records folder gives, for each commit, the record files
it touched; the commits are then filed under each record id. Works (with empty histories) when
the folder is not inside a Git repository or Git is missing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

_SEP = "\x1e"  # record separator: never in a commit subject
_FIELDS = "\x1f"


@dataclass(frozen=True, slots=True)
class Revision:
    commit: str
    date: datetime
    author: str
    message: str


def _open_repo(root: Path) -> object | None:
    try:
        import git
    except ImportError:  # pragma: no cover - GitPython is a dependency
        return None
    try:
        return git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, git.GitCommandNotFound):
        return None


def head_commit(root: Path) -> str:
    """The short hash of HEAD plus ``+dirty`` when files differ; ``unknown`` outside Git."""
    repo = _open_repo(root)
    if repo is None:
        return "unknown"
    try:
        sha: str = repo.git.rev_parse("--short=12", "HEAD")  # type: ignore[attr-defined]
        dirty = repo.is_dirty(untracked_files=False)  # type: ignore[attr-defined]
    except Exception:  # no commit yet, or a broken repository: the site still builds
        return "unknown"
    return f"{sha}+dirty" if dirty else sha


def head_commit_time(root: Path) -> int | None:
    """HEAD's commit time (Unix seconds) when the working tree is clean; else ``None``."""
    repo = _open_repo(root)
    if repo is None:
        return None
    try:
        if repo.is_dirty(untracked_files=False):  # type: ignore[attr-defined]
            return None
        return int(repo.head.commit.committed_date)  # type: ignore[attr-defined]
    except Exception:  # no commit yet, or a broken repository
        return None


def _log(root: Path, records_dir: str, *args: str) -> tuple[str, str] | None:
    """(the records folder relative to the work tree, ``git log --no-renames ARGS -- folder``),
    or None outside Git or when Git fails (no commits yet, folder outside the work tree)."""
    repo = _open_repo(root)
    if repo is None:
        return None
    try:
        top = Path(repo.working_tree_dir or root).resolve()  # type: ignore[attr-defined]
        folder = (root / records_dir).resolve().relative_to(top).as_posix()
        out: str = repo.git.log("--no-renames", *args, "--", folder)  # type: ignore[attr-defined]
    except Exception:  # no commits yet, folder outside the work tree, git failing
        return None
    return folder, out


def record_histories(root: Path, records_dir: str) -> dict[str, list[Revision]]:
    """Newest first, per record id (the file name without ``.yaml``)."""
    found = _log(
        root,
        records_dir,
        "--name-only",
        f"--format={_SEP}%H{_FIELDS}%aI{_FIELDS}%an{_FIELDS}%s",
    )
    if found is None:
        return {}
    folder, out = found
    histories: dict[str, list[Revision]] = defaultdict(list)
    for chunk in out.split(_SEP):
        if not chunk.strip():
            continue
        header, _, files = chunk.partition("\n")
        parts = header.split(_FIELDS)
        if len(parts) != 4:
            continue
        sha, when, author, subject = parts
        rev = Revision(sha[:12], datetime.fromisoformat(when), author, subject)
        for name in files.splitlines():
            path = PurePosixPath(name.strip())
            if path.suffix == ".yaml" and path.parent.as_posix() == folder:
                histories[path.stem].append(rev)
    return dict(histories)


@dataclass(frozen=True, slots=True)
class StatusMove:
    """A commit that changed a record's ``status`` (from Git, oldest first per record)."""

    date: datetime
    commit: str
    before: str | None
    """None when the file was added by that commit."""
    after: str | None


_STATUS_LINE = "status:"


def _status_value(line: str) -> str:
    value = line[len(_STATUS_LINE) :].split("#", 1)[0].strip()
    return value.strip("\"'")


def status_moves(root: Path, records_dir: str) -> dict[str, list[StatusMove]]:
    """Every change of a record's top-level ``status:`` line, in one log walk.

    ``git log -p -U0 -G^status:`` shows only the commits, and in them only the files, whose
    diff adds or removes a ``status:`` line; the removed and added values are the move.
    Empty outside Git or when Git fails, as ``record_histories``.
    """
    found = _log(
        root,
        records_dir,
        "--reverse",
        "-p",
        "-U0",
        "--no-color",
        "-G^status:",
        f"--format={_SEP}%H{_FIELDS}%aI",
    )
    if found is None:
        return {}
    folder, out = found
    moves: dict[str, list[StatusMove]] = defaultdict(list)
    for chunk in out.split(_SEP):
        header, _, patch = chunk.partition("\n")
        parts = header.split(_FIELDS)
        if len(parts) != 2:
            continue
        sha, when = parts
        date = datetime.fromisoformat(when)
        files: list[list[str | None]] = []  # [stem, before, after] per file of the commit
        for line in patch.splitlines():
            if line.startswith("diff --git "):
                path = PurePosixPath(line.rsplit(" b/", 1)[-1])
                ok = path.suffix == ".yaml" and path.parent.as_posix() == folder
                files.append([path.stem if ok else None, None, None])
            elif files and line.startswith("-" + _STATUS_LINE):
                files[-1][1] = _status_value(line[1:])
            elif files and line.startswith("+" + _STATUS_LINE):
                files[-1][2] = _status_value(line[1:])
        for stem, before, after in files:
            if stem is not None and before != after:
                moves[stem].append(StatusMove(date, sha[:12], before, after))
    return dict(moves)
