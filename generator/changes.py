"""The base side of a change: record files at ``--base`` and at the fork point, read once.

``kesu check --base REF`` compares every changed record with its version on the base branch
(design decision 7). The base tree is walked once; a blob is only read and parsed when the
working-tree file differs from it, so an untouched repository of 10,000 records costs one
tree walk and one hash per file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import git

from generator.load import RECORD_SUFFIX, LoadedFile, display_path
from generator.yamlload import Loaded, load_yaml_bytes


class BilingualError(Exception):
    """A problem the CLI reports in the user's language and turns into exit code 2."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en

    def message(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


class ChangeError(BilingualError):
    """The repository or the base reference cannot be read."""


def blob_sha(raw: bytes) -> str:
    """Git's object id of a file with these bytes (``git hash-object``)."""
    h = hashlib.sha1(usedforsecurity=False)
    h.update(b"blob %d\0" % len(raw))
    h.update(raw)
    return h.hexdigest()


@dataclass(slots=True)
class BaseSnapshot:
    """Record files of the base revision and of the fork point, keyed by display path."""

    ref: str
    commit: str
    blobs: dict[str, git.Blob]
    """Record files on the base revision (display path → blob)."""
    fork: dict[str, str] | None
    """Record files at the merge base of base and HEAD (display path → blob id); None when
    there is no common history (or HEAD has no commit yet)."""
    _cache: dict[str, Loaded] = field(default_factory=dict)

    def load(self, display: str) -> Loaded:
        """The base version of one record, parsed with the same hardened loader."""
        if display not in self._cache:
            raw = self.blobs[display].data_stream.read()
            self._cache[display] = load_yaml_bytes(raw, f"{self.ref}:{display}")
        return self._cache[display]

    def data(self, display: str) -> dict[str, Any] | None:
        loaded = self.load(display)
        return loaded.data if isinstance(loaded.data, dict) else None

    def existed_at_fork(self, display: str) -> bool:
        """True when the record was already there when this branch started."""
        return self.fork is None or display in self.fork

    def fork_sha(self, display: str) -> str | None:
        return None if self.fork is None else self.fork.get(display)


def open_repo(root: Path) -> git.Repo:
    try:
        return git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError) as exc:
        raise ChangeError(
            f"{root} 不是 Git 仓库：kesu check 需要在记录仓库的克隆中运行",
            f"{root} is not a Git repository: run kesu check inside a clone of the records "
            "repository",
        ) from exc


def resolve(repo: git.Repo, ref: str) -> git.Commit:
    try:
        return repo.commit(ref)
    except (git.BadName, git.BadObject, ValueError) as exc:
        raise ChangeError(
            f"找不到基准版本 {ref!r}：先 `git fetch origin`，"
            "或用 --base 指定存在的分支、标签或提交",
            f"Unknown base revision {ref!r}: run `git fetch origin` first, or pass an existing "
            "branch, tag or commit to --base",
        ) from exc


def record_blobs(
    commit: git.Commit, prefix: PurePosixPath, shown: PurePosixPath
) -> Iterator[tuple[str, git.Blob]]:
    """(display path, blob) of every ``.yaml`` file under ``prefix`` in one tree walk."""
    try:
        tree = commit.tree / prefix.as_posix() if prefix.parts else commit.tree
    except KeyError:
        return
    if not isinstance(tree, git.Tree):
        return
    for item in tree.traverse():
        if isinstance(item, git.Blob) and item.name.endswith(RECORD_SUFFIX):
            rel = PurePosixPath(item.path).relative_to(prefix) if prefix.parts else item.path
            yield (shown / rel).as_posix(), item


def records_prefix(repo: git.Repo, root: Path, records_dir: str) -> PurePosixPath:
    """The records folder as a path inside the Git tree."""
    top = Path(repo.working_tree_dir or root).resolve()
    try:
        return PurePosixPath((root / records_dir).resolve().relative_to(top).as_posix())
    except ValueError as exc:
        raise ChangeError(
            f"记录目录 {records_dir} 不在 Git 仓库 {top} 之内",
            f"The records folder {records_dir} is outside the Git repository {top}",
        ) from exc


def read_base(root: Path, records_dir: str, ref: str) -> BaseSnapshot:
    """Walk the base revision's records folder once, and the fork point's names once."""
    repo = open_repo(root)
    base = resolve(repo, ref)
    in_repo = records_prefix(repo, root, records_dir)
    shown = PurePosixPath(records_dir)
    blobs = dict(record_blobs(base, in_repo, shown))
    fork: dict[str, str] | None = None
    try:
        head = repo.head.commit
    except ValueError:  # no commit yet: everything in the working tree is new
        head = None
    if head is not None:
        bases = repo.merge_base(base, head)
        if bases and isinstance(bases[0], git.Commit):
            fork = {p: b.hexsha for p, b in record_blobs(bases[0], in_repo, shown)}
    else:
        fork = {}
    return BaseSnapshot(ref=ref, commit=base.hexsha, blobs=blobs, fork=fork)


@dataclass(frozen=True, slots=True)
class RecordChange:
    """A record file this branch added or changed, with its base version."""

    new: LoadedFile
    old: dict[str, Any] | None
    """The version on the base revision; None when the record is new there too."""
    clash: bool = False
    """Added on this branch *and*, since the fork, on the base under the same name."""


def compare(
    snapshot: BaseSnapshot, files: Sequence[Path], root: Path
) -> tuple[list[RecordChange], list[str]]:
    """Records this branch added or changed, and base records it removed (display paths).

    A file equal to its base or fork-point version is skipped without being parsed: the merge
    takes the base's version of a record only the base changed.
    """
    changes: list[RecordChange] = []
    seen: set[str] = set()
    for path in files:
        display = display_path(path, root)
        seen.add(display)
        try:
            raw = path.read_bytes()
        except OSError:
            continue  # validation reports unreadable files
        sha = blob_sha(raw)
        base_blob = snapshot.blobs.get(display)
        if (base_blob is not None and base_blob.hexsha == sha) or snapshot.fork_sha(display) == sha:
            continue
        loaded = load_yaml_bytes(raw, display)
        data = loaded.data if isinstance(loaded.data, dict) else None
        new = LoadedFile(path, display, data, loaded.text, tuple(loaded.diagnostics))
        if base_blob is None:
            changes.append(RecordChange(new, None))
            continue
        old = snapshot.data(display)
        clash = not snapshot.existed_at_fork(display)
        if clash or old != data:
            changes.append(RecordChange(new, old, clash))
    removed = sorted(d for d in snapshot.blobs if d not in seen and snapshot.existed_at_fork(d))
    return changes, removed
