"""The base side of a change: record files at ``--base`` and at the fork point, read once.

``kesu check --base REF`` compares every changed record with its version on the base branch
(design decision 7). The base tree is listed once (``git ls-tree``: names and blob ids, no
object is parsed in Python); a blob is only read and parsed when the working-tree file
differs from it, so an untouched repository of 10,000 records costs one listing and one hash
per file. The working tree's bytes come from what validation already loaded
(:func:`worktree`), so ``kesu check`` reads each record file once.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any

import git
from git.compat import safe_decode

from generator.common.diagnostics import ChangeError
from generator.load.discover import (
    ALLOWED_OTHER,
    MAX_FILES,
    RECORD_SUFFIX,
    LoadedFile,
    discover,
    display_path,
)
from generator.load.yamlload import Loaded, load_yaml_bytes


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
    blobs: dict[str, str]
    """Record files on the base revision (display path → blob id)."""
    fork: dict[str, str] | None
    """Record files at the merge base of base and HEAD (display path → blob id); None when
    there is no common history (or HEAD has no commit yet)."""
    read_blob: Callable[[str], bytes] = field(repr=False)
    """A blob's bytes by id: only called for records whose working file differs."""
    fork_commit: str | None = None
    """The merge base of base and HEAD (None as for ``fork``)."""
    committed_at: datetime | None = None
    """When the base commit was made (committer date): what the main branch knew then is
    all the change can build on; a completion dated before it was entered afterwards."""
    _cache: dict[str, Loaded] = field(default_factory=dict)

    def load(self, display: str) -> Loaded:
        """The base version of one record, parsed with the same hardened loader."""
        if display not in self._cache:
            raw = self.read_blob(self.blobs[display])
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
    """The commit ``ref`` names, as Git resolves it: in a shallow clone ``HEAD~1`` is not
    there even though HEAD's object names its parent (GitPython alone would follow it)."""
    from generator.common import faults  # faults imports this module

    top = Path(repo.working_tree_dir or repo.git_dir)
    sha = faults.commit_id(top, ref)
    if sha is None and faults.is_shallow(top):
        raise faults.shallow_base(ref)
    try:
        if sha is None:
            raise ValueError(ref)
        return repo.commit(sha)
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


def tree_blobs(
    repo: git.Repo, commit: str, prefix: PurePosixPath, shown: PurePosixPath
) -> dict[str, str]:
    """Display path → blob id of every ``.yaml`` file under ``prefix`` at ``commit``.

    The same files as :func:`record_blobs`, from one ``git ls-tree`` process: GitPython's
    tree walk builds an object per entry and re-derives each path, while only names and ids
    are needed here (10,000 records: 0.13 s a walk, 0.01 s a listing).
    """
    args = ["-r", "-z", "--full-tree", commit]
    if prefix.parts:
        args += ["--", f"{prefix.as_posix()}/"]
    out: bytes = repo.git.ls_tree(*args, stdout_as_string=False)
    inside = f"{prefix.as_posix()}/" if prefix.parts else ""
    head = shown.as_posix()
    lead = "" if head == "." else f"{head.rstrip('/')}/"
    blobs: dict[str, str] = {}
    for entry in out.split(b"\0"):
        meta, _, name = entry.partition(b"\t")
        fields = meta.split(b" ")
        if len(fields) != 3 or fields[1] != b"blob":
            continue  # trees are recursed into; submodules are commits
        path = safe_decode(name)
        if path.endswith(RECORD_SUFFIX) and path.startswith(inside):
            blobs[lead + path[len(inside) :]] = fields[2].decode("ascii")
    return blobs


def _read_blob(repo: git.Repo, sha: str) -> bytes:
    """One blob's bytes through the repository's object database (``git cat-file``)."""
    data: bytes = repo.odb.stream(bytes.fromhex(sha)).read()
    return data


def read_base(root: Path, records_dir: str, ref: str) -> BaseSnapshot:
    """List the base revision's records folder once, and the fork point's when it differs.

    On a branch started from the base's tip (the usual pull request) the fork point is the
    base itself and is not listed again. No blob is read here.
    """
    repo = open_repo(root)
    base = resolve(repo, ref)
    in_repo = records_prefix(repo, root, records_dir)
    shown = PurePosixPath(records_dir)
    blobs = tree_blobs(repo, base.hexsha, in_repo, shown)
    fork: dict[str, str] | None = None
    fork_commit: str | None = None
    try:
        head = repo.head.commit
    except ValueError:  # no commit yet: everything in the working tree is new
        head = None
    if head is not None:
        bases = repo.merge_base(base, head)
        if not bases:
            from generator.common import faults

            if faults.is_shallow(Path(repo.working_tree_dir or root)):
                raise faults.shallow_fork(ref)  # the fork is beyond the fetched history
        if bases and isinstance(bases[0], git.Commit):
            fork_commit = bases[0].hexsha
            fork = (
                dict(blobs)
                if bases[0].hexsha == base.hexsha
                else tree_blobs(repo, bases[0].hexsha, in_repo, shown)
            )
    else:
        fork = {}
    return BaseSnapshot(
        ref,
        base.hexsha,
        blobs,
        fork,
        partial(_read_blob, repo),
        fork_commit=fork_commit,
        committed_at=base.committed_datetime,
    )


@dataclass(frozen=True, slots=True)
class RecordChange:
    """A record file this branch added or changed, with its base version."""

    new: LoadedFile
    old: dict[str, Any] | None
    """The version on the base revision; None when the record is new there too."""
    clash: bool = False
    """Added on this branch *and*, since the fork, on the base under the same name."""


@dataclass(frozen=True, slots=True)
class WorkFile:
    """A record file of the working tree: what ``discover`` finds, with validation's text."""

    path: Path
    display: str
    text: str | None
    """The text validation loaded (UTF-8, without a BOM); None when it loaded none."""
    size: int
    """Bytes on disk: tells whether ``text`` encoded is exactly the file (no BOM)."""

    def raw(self) -> bytes | None:
        """The file's bytes, from the loaded text when it is exactly the file; None when
        the file cannot be read (validation reports why)."""
        if self.text is not None:
            encoded = self.text.encode("utf-8")
            if len(encoded) == self.size:
                return encoded
        try:
            return self.path.read_bytes()
        except OSError:
            return None


def worktree(records_path: Path, root: Path, texts: Mapping[str, str]) -> list[WorkFile]:
    """The record files ``discover([records_path], root)`` returns, in its order, each with
    the text validation loaded (``texts``, by display path).

    Validation already walked the folder but keeps no list of files, so it is walked again;
    ``discover`` and ``display_path`` per file cost twice this (0.16 s against 0.08 s at
    10,000 records: pathlib work per file). One ``os.walk`` and one ``lstat`` per ``.yaml``
    name, with ``discover``'s rules: symbolic links are neither listed nor followed, folders
    are never records, ``ALLOWED_OTHER`` names are skipped. The unusual cases (no records
    folder, a folder that is a link, too many files) go through ``discover`` itself. The
    ``lstat`` also gives the size that tells whether the loaded text is the file's bytes.
    """
    try:
        plain_dir = stat.S_ISDIR(os.lstat(records_path).st_mode)
    except OSError:
        plain_dir = False
    if not plain_dir:
        return _from_discover(records_path, root, texts)
    found: list[tuple[tuple[str, ...], WorkFile]] = []
    for dirpath, _dirnames, filenames in os.walk(records_path, followlinks=False):
        folder = Path(dirpath)
        lead = _display_folder(folder, root)
        for name in filenames:
            if not name.endswith(RECORD_SUFFIX) or name in ALLOWED_OTHER:
                continue
            path = folder / name
            try:
                st = os.lstat(path)
            except OSError:
                continue  # gone since the walk listed it
            if stat.S_ISLNK(st.st_mode):
                continue  # discover reports it as a symbolic link
            display = lead + name
            found.append(
                ((*folder.parts, name), WorkFile(path, display, texts.get(display), st.st_size))
            )
    if len(found) >= MAX_FILES:
        return _from_discover(records_path, root, texts)
    found.sort(key=lambda item: item[0])  # discover's order: paths compare part by part
    return [wf for _, wf in found]


def _display_folder(folder: Path, root: Path) -> str:
    """What :func:`display_path` puts before a file name in ``folder`` ("" or ending in "/"),
    worked out once per folder instead of once per file."""
    return display_path(folder / "x", root)[:-1]


def _from_discover(records_path: Path, root: Path, texts: Mapping[str, str]) -> list[WorkFile]:
    files, _ = discover([records_path], root)
    out = []
    for path in files:
        display = display_path(path, root)
        try:
            size = os.lstat(path).st_size
        except OSError:
            size = -1
        out.append(WorkFile(path, display, texts.get(display), size))
    return out


def compare(
    snapshot: BaseSnapshot, files: Sequence[Path], root: Path
) -> tuple[list[RecordChange], list[str]]:
    """Records this branch added or changed, and base records it removed (display paths).

    A file equal to its base or fork-point version is skipped without being parsed: the merge
    takes the base's version of a record only the base changed.
    """

    def read(path: Path) -> bytes | None:
        try:
            return path.read_bytes()
        except OSError:
            return None  # validation reports unreadable files

    return _compare(snapshot, ((p, display_path(p, root), partial(read, p)) for p in files))


def compare_worktree(
    snapshot: BaseSnapshot, files: Sequence[WorkFile]
) -> tuple[list[RecordChange], list[str]]:
    """:func:`compare` for files from :func:`worktree`: their bytes come from the text
    validation loaded, so no record file is read a second time."""
    return _compare(snapshot, ((f.path, f.display, f.raw) for f in files))


def _compare(
    snapshot: BaseSnapshot, files: Iterable[tuple[Path, str, Callable[[], bytes | None]]]
) -> tuple[list[RecordChange], list[str]]:
    """Both compares: ``files`` are (path, display path, a reader of the file's bytes that
    gives None when the file cannot be read); the bytes are hashed as Git does, and only a
    file whose hash is neither its base nor its fork-point blob is parsed."""
    changes: list[RecordChange] = []
    seen: set[str] = set()
    for path, display, read in files:
        seen.add(display)
        raw = read()
        if raw is None:
            continue  # validation reports unreadable files
        sha = blob_sha(raw)
        base_sha = snapshot.blobs.get(display)
        if base_sha == sha or snapshot.fork_sha(display) == sha:
            continue
        loaded = load_yaml_bytes(raw, display)
        data = loaded.data if isinstance(loaded.data, dict) else None
        new = LoadedFile(path, display, data, loaded.text, tuple(loaded.diagnostics))
        if base_sha is None:
            changes.append(RecordChange(new, None))
            continue
        old = snapshot.data(display)
        clash = not snapshot.existed_at_fork(display)
        if clash or old != data:
            changes.append(RecordChange(new, old, clash))
    removed = sorted(d for d in snapshot.blobs if d not in seen and snapshot.existed_at_fork(d))
    return changes, removed
