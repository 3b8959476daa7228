"""Faults of the machine, not of the records: missing Git history, folders that cannot be written.

A shallow clone, a read-only checkout, a full disk or an output folder this user may not write
are the environment's problems. Each ends in a located message in both languages (what could
not be done, where, and what to do) and exit code 2, never in a traceback; and nothing is left
half-written so that it looks complete. Every file Kesu generates is written through
:func:`write_atomic`: the bytes go to a temporary file in the same
folder, which then replaces the target in one rename, so a reader sees the old file or the new
one and a failed write leaves the old file and no temporary file behind.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import shutil
import stat
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from generator.common.diagnostics import BilingualError, ChangeError

FAULT_ERRNOS = frozenset(
    {errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
)
"""The errors of a folder that cannot take the files (read-only, not allowed, full)."""
_FULL = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})
TMP_MARK = ".kesu-tmp"
"""Every temporary file's name ends in this (``.gitignore`` lists it)."""

_WHY: dict[int, tuple[str, str]] = {
    errno.EROFS: ("文件系统为只读", "the file system is read-only"),
    errno.EACCES: ("没有写入权限", "permission denied"),
    errno.EPERM: ("不允许此操作", "operation not permitted"),
    errno.ENOSPC: ("磁盘已满", "the disk is full"),
}
if hasattr(errno, "EDQUOT"):
    _WHY[errno.EDQUOT] = ("磁盘配额已用完", "the disk quota is used up")


class Fault(BilingualError):
    """The environment stops the command (exit 2); the message says where and what to do."""

    def __reduce__(self) -> tuple[type[Fault], tuple[str, str]]:
        # Raised in the child process that writes the pages: it must cross back whole.
        return (type(self), (self.zh, self.en))


class WriteFault(Fault):
    """A file or folder could not be written: read-only, not allowed, or the disk is full."""


class HistoryFault(ChangeError, Fault):
    """Git history the command needs is not in this clone (a shallow clone)."""


@dataclass(frozen=True, slots=True)
class WriteHint:
    """What to do, by kind of fault, for one kind of output."""

    readonly: tuple[str, str]
    """(zh, en) when the folder cannot be written (read-only, no permission)."""
    full: tuple[str, str]
    """(zh, en) when the disk or the quota is full."""

    def pick(self, code: int | None) -> tuple[str, str]:
        return self.full if code in _FULL else self.readonly


ANY_FILE = WriteHint(
    (
        "请改写到可写的位置，或修正该文件夹的权限后重试",
        "write to a writable place, or fix the folder's permissions, and run the command again",
    ),
    (
        "请腾出磁盘空间（或改写到另一块磁盘）后重试；原有文件未改动",
        "free disk space (or write to another disk) and run the command again; the file that "
        "was there is unchanged",
    ),
)


EXPORT_FILE = WriteHint(
    (
        "请用 -o 指定可写文件夹中的文件，或省略 -o 输出到标准输出",
        "pass -o a file in a writable folder, or leave -o out to print to stdout",
    ),
    (
        "请腾出磁盘空间，或用 -o 写到另一块磁盘；原有文件未改动",
        "free disk space, or pass -o a file on another disk; the file that was there is unchanged",
    ),
)


def why(code: int | None) -> tuple[str, str]:
    """(zh, en) for an error number, with its symbolic name: "磁盘已满（ENOSPC）"."""
    if code is None:
        return ("未知错误", "unknown error")
    name = errno.errorcode.get(code, str(code))
    zh, en = _WHY.get(code, (os.strerror(code), os.strerror(code)))
    return (f"{zh}（{name}）", f"{en} ({name})")


def _shown(exc: OSError, path: Path | None) -> str | None:
    """The path a message names: the file the error is about, never a temporary name."""
    named = exc.filename if isinstance(exc.filename, str) else None
    if named and TMP_MARK not in named:
        return named
    return str(path) if path is not None else None


def write_fault(exc: OSError, path: Path | None = None, hint: WriteHint = ANY_FILE) -> WriteFault:
    """The message for ``exc`` (one of :data:`FAULT_ERRNOS`) while writing ``path``."""
    where = _shown(exc, path)
    why_zh, why_en = why(exc.errno)
    hint_zh, hint_en = hint.pick(exc.errno)
    head_zh = f"无法写入 {where}" if where else "写入失败"
    head_en = f"cannot write {where}" if where else "a write failed"
    return WriteFault(
        f"{head_zh}：{why_zh}\n  提示：{hint_zh}", f"{head_en}: {why_en}\n  Hint: {hint_en}"
    )


def os_fault(exc: OSError) -> WriteFault | None:
    """The CLI's last resort: a message for a stray :data:`FAULT_ERRNOS` error, else None."""
    if exc.errno not in FAULT_ERRNOS:
        return None
    return write_fault(exc)


@contextmanager
def writing(path: Path, hint: WriteHint = ANY_FILE) -> Iterator[None]:
    """Turn a read-only / not-allowed / disk-full error inside the block into a WriteFault."""
    try:
        yield
    except OSError as exc:
        if exc.errno in FAULT_ERRNOS:
            raise write_fault(exc, path, hint) from exc
        raise


def _tmp_name(target: Path) -> Path:
    return target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}{TMP_MARK}")


def _atomic(path: Path, fill: Callable[[BinaryIO], None], exclusive: bool) -> None:
    try:
        _replace_with(Path(os.path.realpath(path)), fill, exclusive, path)
    except OSError as exc:
        if not isinstance(exc.filename, str) or TMP_MARK in exc.filename:
            exc.filename = str(path)  # a full disk names no file: name the one being written
        raise


def _replace_with(
    target: Path, fill: Callable[[BinaryIO], None], exclusive: bool, shown: Path
) -> None:
    """Fill a temporary file beside ``target`` (a link's target: the link stays), then
    rename it over ``target``; the temporary file is removed whatever happens."""
    try:
        st: os.stat_result | None = target.stat()
    except FileNotFoundError:
        st = None
    if exclusive and st is not None:
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(shown))
    if st is not None and not stat.S_ISREG(st.st_mode):
        # A device or a pipe (``-o /dev/stdout``): written in place, never replaced.
        with target.open("wb") as fh:
            fill(fh)
        return
    tmp = _tmp_name(target)
    mode = stat.S_IMODE(st.st_mode) if st is not None else 0o666  # the umask applies
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fill(fh)
        if st is not None:
            tmp.chmod(mode)
        if exclusive:
            _link_new(tmp, target, shown)
        else:
            tmp.replace(target)
    except BaseException:
        with suppress(OSError):
            tmp.unlink()
        raise


_NO_LINKS = frozenset({errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP})


def _link_new(tmp: Path, target: Path, shown: Path) -> None:
    """Put ``tmp`` at ``target`` only when nothing is there (never overwrite)."""
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(shown)) from None
    except OSError as exc:
        if exc.errno not in _NO_LINKS:
            raise
        # No hard links here (FAT, some network shares): claim the name, then fill it.
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        tmp.replace(target)
        return
    with suppress(OSError):  # the file is in place: a leftover name is not a failure
        tmp.unlink()


def write_atomic(path: Path, data: bytes | str, *, exclusive: bool = False) -> None:
    """Write ``data`` (text as UTF-8) to ``path`` in one step: all of it, or the old file.

    With ``exclusive`` an existing file is never replaced (FileExistsError). An OSError names
    ``path`` (never the temporary file); :func:`writing` turns it into a message.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data

    def fill(fh: BinaryIO) -> None:
        fh.write(raw)

    _atomic(path, fill, exclusive)


class _Stopped(Exception):
    def __init__(self, error: OSError) -> None:
        super().__init__(error)
        self.error = error


def copy_tree(src: Path, dst: Path, **kwargs: Any) -> None:
    """``shutil.copytree`` (files copied with their times) that stops at the first error and
    raises it: copytree itself goes on and raises ``shutil.Error`` listing every file that
    failed as text, without the error number a message needs."""

    def copy(s: str, d: str, *, follow_symlinks: bool = True) -> object:
        try:
            return shutil.copy2(s, d, follow_symlinks=follow_symlinks)
        except OSError as exc:
            raise _Stopped(exc) from exc

    try:
        shutil.copytree(src, dst, copy_function=copy, **kwargs)
    except _Stopped as stopped:
        raise stopped.error from None


# ------------------------------------------------------------------ the output of a child


_ERRNO_LINE = re.compile(
    r"^\w*(?:Error|Exception): \[Errno (?P<code>\d+)\] [^\n]*?(?:: '(?P<path>[^'\n]*)')?$",
    re.MULTILINE,
)


def fault_in_output(text: str) -> tuple[int, str | None] | None:
    """(errno, path) of the last read-only / not-allowed / disk-full error a Python child
    printed as its traceback's last line (the site engine), or None when there is none."""
    found = None
    for m in _ERRNO_LINE.finditer(text):
        code = int(m.group("code"))
        if code in FAULT_ERRNOS:
            found = (code, m.group("path"))
    return found


# ------------------------------------------------------------------ Git history

_UNSHALLOW_ZH = (
    "这是浅克隆（shallow clone），缺少所需的历史。GitHub Actions：在 actions/checkout 中设置 "
    "`fetch-depth: 0`；GitLab CI：设置变量 `GIT_DEPTH: 0`；本地：运行 `git fetch --unshallow`"
)
_UNSHALLOW_EN = (
    "this is a shallow clone and lacks the history needed. GitHub Actions: set "
    "`fetch-depth: 0` in actions/checkout; GitLab CI: set the variable `GIT_DEPTH: 0`; "
    "locally: run `git fetch --unshallow`"
)


def git_out(top: Path, *args: str) -> str | None:
    """A Git command's output (stripped), or None when Git fails or is missing."""
    try:
        proc = subprocess.run(
            ["git", *args], cwd=top, capture_output=True, check=False, timeout=120
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    return proc.stdout.decode("utf-8", "replace").strip()


def is_shallow(top: Path) -> bool:
    """True in a shallow clone (``git clone --depth N``, actions/checkout's default)."""
    return git_out(top, "rev-parse", "--is-shallow-repository") == "true"


def commit_id(top: Path, ref: str) -> str | None:
    """The commit ``ref`` names, as Git sees it (shallow boundaries included); None when it
    is not in this clone."""
    if ref.startswith("-"):
        return None
    return git_out(top, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")


def shallow_base(ref: str) -> HistoryFault:
    return HistoryFault(
        f"基准版本 {ref!r} 不在本克隆中：{_UNSHALLOW_ZH}；或用 --base 指定已获取的提交",
        f"The base revision {ref!r} is not in this clone: {_UNSHALLOW_EN}; or pass a fetched "
        "commit to --base",
    )


def shallow_fork(ref: str) -> HistoryFault:
    return HistoryFault(
        f"找不到当前分支与 {ref!r} 的共同祖先，无法分清哪些改动属于本分支：{_UNSHALLOW_ZH}",
        f"No common ancestor of this branch and {ref!r} is in this clone, so the change cannot "
        f"be told apart from the base's own later changes: {_UNSHALLOW_EN}",
    )


def shallow_note(root: Path) -> tuple[str, str] | None:
    """(zh, en) of a note for what history only informs (revision lists, late entries
    "recorded on"), when the clone is shallow: they cover the fetched commits only."""
    if not is_shallow(root):
        return None
    return (
        "注意：浅克隆只含部分历史，记录的修订历史与补录时间（“记录于”）仅涵盖已获取的提交；"
        "完整历史：actions/checkout 设置 `fetch-depth: 0`，GitLab 设置 `GIT_DEPTH: 0`，"
        "或运行 `git fetch --unshallow`",
        "note: this shallow clone holds part of the history only: record histories and late "
        'entries ("recorded on") cover the fetched commits; for all of it set '
        "`fetch-depth: 0` in actions/checkout (GitLab: `GIT_DEPTH: 0`) or run "
        "`git fetch --unshallow`",
    )
