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


def record_histories(root: Path, records_dir: str) -> dict[str, list[Revision]]:
    """Newest first, per record id (the file name without ``.yaml``)."""
    repo = _open_repo(root)
    if repo is None:
        return {}
    try:
        top = Path(repo.working_tree_dir or root).resolve()  # type: ignore[attr-defined]
        folder = (root / records_dir).resolve().relative_to(top).as_posix()
        out: str = repo.git.log(  # type: ignore[attr-defined]
            "--no-renames",
            "--name-only",
            f"--format={_SEP}%H{_FIELDS}%aI{_FIELDS}%an{_FIELDS}%s",
            "--",
            folder,
        )
    except Exception:  # no commits yet, folder outside the work tree, git failing
        return {}
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
