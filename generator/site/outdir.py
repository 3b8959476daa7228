"""Where ``kesu build`` puts the HTML site, and how it gets there without a half site.

The output folder is refused when it would overwrite the repository's own files: the
repository itself or a folder holding it, the records, attachments, schemas, generator, the
site's sources or ``.git``. The site engine never writes into the output folder itself: it
builds into a staging folder beside it (same file system), and only a finished build takes
the output folder's place, in two renames. A build that fails, runs out of space or is
stopped leaves the previous site as it was and no staging folder (one left by a process that
was killed is removed by the next build). Hidden entries of the previous output (``.git``,
``.nojekyll``) are carried over, as ``mkdocs build`` keeps them.

When no folder can be made beside the output folder (its parent is not writable, or the output
folder is a mount point, where a rename cannot cross), the staging folder is made inside it,
hidden, and the finished build's entries are moved in one by one at the end.
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from generator.common.faults import (
    FAULT_ERRNOS,
    Fault,
    WriteHint,
    copy_tree,
    fault_in_output,
    write_fault,
    writing,
)

PROTECTED = ("records", "attachments", "schema", "generator", "site", ".git")
"""Folders of the repository the site must never be built into (nor into a folder in them)."""
STAGE, OLD = ".kesu-stage-", ".kesu-old-"

OUTPUT = WriteHint(
    (
        "输出文件夹不可写：用 --out 指定可写的文件夹",
        "the output folder is not writable: pass --out to a writable folder",
    ),
    (
        "腾出磁盘空间，或用 --out 指定另一块磁盘上的文件夹；上一次构建的网站保持原样",
        "free disk space, or pass --out to a folder on another disk; the previous site was left "
        "as it was",
    ),
)

GENERATED = WriteHint(
    (
        "kesu build 把页面的 Markdown 写入检出目录中的 site/generated/：请在可写的仓库副本中构建"
        "（CI 中检出到可写的工作区，或先复制整个仓库）",
        "kesu build writes the pages' Markdown into site/generated/ inside the checkout: build "
        "from a writable copy of the repository (check out into a writable workspace, or copy "
        "the whole repository first)",
    ),
    (
        "腾出磁盘空间后重新构建；已构建的网站未改动",
        "free disk space and build again; the built site was not touched",
    ),
)


class OutFolderError(Fault):
    """``--out`` names a folder the site must not replace."""


def output_folder(root: Path, out: Path | None, records_dir: str = "records") -> Path:
    """The resolved output folder (default ``public/``); raises OutFolderError when building
    there would replace the repository's own files."""
    target = (out if out is not None else root / "public").resolve()
    repo = root.resolve()
    if target == repo or repo.is_relative_to(target):
        what = ("是记录仓库本身或包含它的文件夹", "is the repository itself or a folder holding it")
        raise _refuse(target, what)
    for name in dict.fromkeys((records_dir, *PROTECTED)):
        kept = (repo / name).resolve()
        if target == kept or target.is_relative_to(kept):
            where = name.rstrip("/") + "/"
            raise _refuse(target, (f"在仓库的 {where} 之内", f"is inside the repository's {where}"))
    if target.exists() and not target.is_dir():
        raise _refuse(target, ("是一个文件，不是文件夹", "is a file, not a folder"))
    return target


def _refuse(target: Path, what: tuple[str, str]) -> OutFolderError:
    return OutFolderError(
        f"--out {target} {what[0]}：构建会替换其中的全部内容。请指定单独的文件夹，如 public/",
        f"--out {target} {what[1]}: a build replaces everything in it. Pass a folder of its "
        "own, e.g. public/",
    )


@dataclass(slots=True)
class Staging:
    """A folder the site engine builds into, put in the output folder's place by
    :meth:`publish`."""

    target: Path
    folder: Path
    inside: bool
    """The staging folder is inside ``target`` (its parent cannot take it)."""
    published: bool = False

    def shown(self, path: str | None) -> Path:
        """A path in the staging folder as the user will see it: under the output folder."""
        if not path:
            return self.target
        p = Path(path)
        return self.target / p.relative_to(self.folder) if p.is_relative_to(self.folder) else p

    def engine_fault(self, output: str) -> Fault | None:
        """The message for a read-only / not-allowed / full error the engine died of."""
        found = fault_in_output(output)
        if found is None:
            return None
        code, path = found
        exc = OSError(code, os.strerror(code), str(self.shown(path)))
        return write_fault(exc, self.target, OUTPUT)

    def publish(self) -> None:
        """Put the finished build in the output folder's place."""
        with writing(self.target, OUTPUT):
            if self.inside:
                _move_in(self.folder, self.target)
            else:
                _swap(self.folder, self.target)
        self.published = True

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _token() -> str:
    return f"{os.getpid()}-{secrets.token_hex(4)}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # someone else's process
    return True


def _leftovers(folder: Path, prefix: str) -> list[Path]:
    """Staging and old folders named ``prefix…`` in ``folder`` whose process is gone."""
    found = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return []
    for entry in entries:
        for kind in (STAGE, OLD):
            head = prefix + kind
            if entry.name.startswith(head):
                pid = entry.name[len(head) :].partition("-")[0]
                if pid.isdigit() and not _alive(int(pid)) and not entry.is_symlink():
                    found.append(entry)
    return found


def _remove_leftovers(target: Path) -> None:
    for old in [*_leftovers(target.parent, f".{target.name}"), *_leftovers(target, "")]:
        shutil.rmtree(old, ignore_errors=True)


def _ours(name: str) -> bool:
    return STAGE in name or OLD in name


def _copy_previous(target: Path, folder: Path) -> None:
    """Copy the previous build, with its files' times: the engine re-renders only pages
    older than their source."""
    copy_tree(
        target,
        folder,
        symlinks=True,
        ignore=lambda at, names: [n for n in names if _ours(n)] if Path(at) == target else [],
    )


def _fill(folder: Path, target: Path, copy_previous: bool) -> None:
    """Make ``folder``, with the previous build's files when the engine continues from it.
    An error names the output folder (the staging folder is Kesu's business) and leaves no
    staging folder."""
    try:
        if copy_previous and target.is_dir():
            _copy_previous(target, folder)
        else:
            folder.mkdir()
        if target.is_dir():
            shutil.copymode(target, folder)
    except OSError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise OSError(exc.errno, exc.strerror, str(target)) from exc


_NOT_WRITABLE = frozenset({errno.EACCES, errno.EPERM, errno.EROFS})


def stage(target: Path, *, copy_previous: bool = False) -> Staging:
    """A new staging folder for ``target`` (with a copy of the previous build if asked).

    Raises a WriteFault (with what to do) when a folder can be made neither beside the output
    folder nor inside it.
    """
    with writing(target.parent, OUTPUT):
        target.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(target)
    if not (target.is_dir() and os.path.ismount(target)):  # a mount point cannot be renamed
        beside = target.parent / f".{target.name}{STAGE}{_token()}"
        try:
            _fill(beside, target, copy_previous)
            return Staging(target, beside, inside=False)
        except OSError as exc:
            # A parent this user may not write: the output folder itself may still be writable.
            if exc.errno not in _NOT_WRITABLE or not target.is_dir():
                if exc.errno in FAULT_ERRNOS:
                    raise write_fault(exc, target, OUTPUT) from exc
                raise
    inner = target / f"{STAGE}{_token()}"
    with writing(target, OUTPUT):
        _fill(inner, target, copy_previous)
    return Staging(target, inner, inside=True)


@contextmanager
def staged(target: Path, *, copy_previous: bool = False) -> Iterator[Staging]:
    """A staging folder that is removed unless :meth:`Staging.publish` was called."""
    s = stage(target, copy_previous=copy_previous)
    try:
        yield s
    finally:
        if not s.published:
            s.discard()


def _kept(name: str) -> bool:
    """A hidden entry of the previous output that the new one keeps (not Kesu's own)."""
    return name.startswith(".") and not name.startswith(".kesu-") and STAGE not in name


def _swap(folder: Path, target: Path) -> None:
    old: Path | None = None
    if target.exists():
        old = target.parent / f".{target.name}{OLD}{_token()}"
        target.rename(old)
    try:
        folder.rename(target)
    except OSError:
        if old is not None:
            old.rename(target)
        raise
    if old is not None:
        for entry in old.iterdir():
            if _kept(entry.name) and not (target / entry.name).exists():
                with suppress(OSError):
                    entry.rename(target / entry.name)
        shutil.rmtree(old, ignore_errors=True)


def _move_in(folder: Path, target: Path) -> None:
    """Replace ``target``'s entries by ``folder``'s (``folder`` is inside ``target``); put
    everything back when a rename fails."""
    old = target / f"{OLD}{_token()}"
    old.mkdir()
    moved_out: list[str] = []
    moved_in: list[str] = []
    try:
        for entry in sorted(target.iterdir()):
            if entry in (folder, old) or (_kept(entry.name) and not (folder / entry.name).exists()):
                continue
            entry.rename(old / entry.name)
            moved_out.append(entry.name)
        for entry in sorted(folder.iterdir()):
            entry.rename(target / entry.name)
            moved_in.append(entry.name)
    except OSError:
        for name in moved_in:
            with suppress(OSError):
                (target / name).rename(folder / name)
        for name in moved_out:
            with suppress(OSError):
                (old / name).rename(target / name)
        shutil.rmtree(old, ignore_errors=True)
        raise
    shutil.rmtree(old, ignore_errors=True)
    folder.rmdir()
