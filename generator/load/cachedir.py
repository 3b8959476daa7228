"""Where Kesu's cache lives, and every file system access to it (design decision 12).

Who can plant what: a pull request can commit any file, including entries under
``.kesu-cache/`` (``git add -f``) and a ``.kesu-cache`` that is a symbolic link. Entries are
keyed by a hash of a record's bytes, so a planted entry would be read as that record's
content (``status: closed``, say) by ``kesu check`` and by the build on main; a planted link
would make Kesu write and delete outside the repository. So:

- ``KESU_CACHE_DIR`` (an absolute path) puts the cache outside the tree. CI points it at the
  runner's temp folder, which only caches saved by main's jobs fill.
- The tree's ``.kesu-cache`` is used only when it is a real folder and Git tracks nothing
  under it (outside Git it is the user's own folder). Otherwise the run goes without a cache
  and says so once on stderr: same results, only slower.
- Nothing is read, written or deleted through a symbolic link: every access walks down from
  the cache folder by name, with ``O_NOFOLLOW`` and the folder's descriptor (``dir_fd``);
  files are written under a temporary name and renamed in the same folder; deletions are by
  name relative to a folder inside the cache, so they cannot leave it. Where the system
  cannot do this (no ``O_NOFOLLOW`` or ``dir_fd``), there is no cache.
"""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

CACHE_DIR = ".kesu-cache"
ENV_SWITCH = "KESU_CACHE"
"""``KESU_CACHE=0`` turns the cache off."""
ENV_DIR = "KESU_CACHE_DIR"
"""An absolute folder to keep the cache in instead of ``.kesu-cache/`` in the tree."""

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # a FIFO planted as an entry must not hang the run
_DIR_FLAGS = os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC
_AT = {os.open, os.mkdir, os.rename, os.unlink, os.rmdir, os.stat}
SAFE = bool(_NOFOLLOW and _DIRECTORY) and os.supports_dir_fd >= _AT and os.scandir in os.supports_fd
"""Whether this system can walk the cache without following links (Linux, macOS, BSDs)."""
_MAX_DEPTH = 8


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why this run goes without the cache (the words are in :func:`notice`)."""

    reason: str
    """``tracked``, ``symlink``, ``not-a-folder``, ``unconfirmed``, ``relative`` or
    ``unsupported``."""
    path: str
    """The folder concerned, as the user would type it."""


def _plain(name: str) -> str:
    """``name`` when it names an entry of one folder (no separator, not ``.`` or ``..``)."""
    seps = {"/", "\0", os.sep, os.altsep or "/"}
    if name in ("", ".", "..") or any(s in name for s in seps):
        raise OSError(errno.EINVAL, "not a plain file name", name)
    return name


@contextmanager
def _opened(name: str, flags: int, dir_fd: int | None = None) -> Iterator[int]:
    fd = os.open(name, flags | _CLOEXEC, dir_fd=dir_fd)
    try:
        yield fd
    finally:
        os.close(fd)


def _mkdir(name: str, dir_fd: int) -> None:
    with suppress(FileExistsError):  # a link or a file of that name is refused when opened
        os.mkdir(name, 0o777, dir_fd=dir_fd)


@dataclass(frozen=True, slots=True)
class CacheDir:
    """The cache folder, and safe access to the folders and files in it.

    ``path``'s parent (the repository root, or where ``KESU_CACHE_DIR`` points) is reached
    as the system resolves it; ``path`` itself and everything below it never through a link.
    The layout is two levels: ``<path>/<folder>/<file>``.
    """

    path: Path

    @contextmanager
    def _top(self, create: bool) -> Iterator[int]:
        if not SAFE:
            raise OSError(errno.ENOTSUP, "no O_NOFOLLOW/dir_fd on this system")
        parent = self.path.parent
        if create:
            parent.mkdir(parents=True, exist_ok=True)
        with _opened(str(parent), os.O_RDONLY | _DIRECTORY) as up:
            name = _plain(self.path.name)
            if create:
                _mkdir(name, up)
            with _opened(name, _DIR_FLAGS, up) as top:
                yield top

    @contextmanager
    def _folder(self, folder: str, create: bool) -> Iterator[int]:
        with self._top(create) as top:
            if create:
                _mkdir(_plain(folder), top)
            with _opened(_plain(folder), _DIR_FLAGS, top) as fd:
                yield fd

    def read(self, folder: str, name: str, limit: int) -> bytes | None:
        """The bytes of ``<folder>/<name>`` when it is a regular file of at most ``limit``
        bytes reached without a link; None otherwise (missing, a link, too big, unreadable)."""
        try:
            with (
                self._folder(folder, create=False) as fd,
                _opened(_plain(name), os.O_RDONLY | _NOFOLLOW | _NONBLOCK, fd) as f,
            ):
                st = os.fstat(f)
                if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
                    return None
                chunks, left = [], limit + 1
                while left > 0 and (chunk := os.read(f, min(left, 1 << 20))):
                    chunks.append(chunk)
                    left -= len(chunk)
        except OSError:
            return None
        raw = b"".join(chunks)
        return None if len(raw) > limit else raw

    def write(self, folder: str, name: str, data: bytes) -> None:
        """Replace ``<folder>/<name>`` atomically (a temporary file renamed over it in the
        same folder; a link of that name is replaced, never followed). Raises OSError."""
        with self._folder(folder, create=True) as fd:
            name = _plain(name)
            tmp = _plain(f".{name}.{os.getpid()}.tmp")
            with suppress(FileNotFoundError):  # left by a killed run with this process id
                os.unlink(tmp, dir_fd=fd)
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW
            try:
                with _opened(tmp, flags | getattr(os, "O_BINARY", 0), fd) as f:
                    view = memoryview(data)
                    while view:
                        view = view[os.write(f, view) :]
                os.replace(tmp, name, src_dir_fd=fd, dst_dir_fd=fd)
            except OSError:
                with suppress(OSError):
                    os.unlink(tmp, dir_fd=fd)
                raise

    def folders(self, prefix: str) -> list[str]:
        """The real folders (not links) in the cache whose name starts with ``prefix``."""
        try:
            with self._top(create=False) as top, os.scandir(top) as entries:
                return sorted(
                    e.name
                    for e in entries
                    if e.name.startswith(prefix) and e.is_dir(follow_symlinks=False)
                )
        except OSError:
            return []

    def remove(self, folder: str) -> None:
        """Delete ``folder`` and what it holds; links in it are removed, never followed.
        Best effort: whatever cannot be removed stays."""
        try:
            with self._top(create=False) as top:
                _remove(_plain(folder), top, 0)
        except OSError:
            pass


def _remove(name: str, dir_fd: int, depth: int) -> None:
    """Remove the entry ``name`` of the folder ``dir_fd``: by name, relative to that folder."""
    st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    if not stat.S_ISDIR(st.st_mode):
        os.unlink(name, dir_fd=dir_fd)  # a file, or a link itself (not what it points to)
        return
    if depth >= _MAX_DEPTH:
        raise OSError(errno.ELOOP, "cache folders nested too deep", name)
    with _opened(name, _DIR_FLAGS, dir_fd) as fd:
        with os.scandir(fd) as entries:
            names = [e.name for e in entries]
        for child in names:
            with suppress(OSError):
                _remove(child, fd, depth + 1)
    os.rmdir(name, dir_fd=dir_fd)


# ------------------------------------------------------------------ where the cache lives


_GIT_PLACE = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_COMMON_DIR",
    "GIT_PREFIX",
    "GIT_OBJECT_DIRECTORY",
    "GIT_NAMESPACE",
    "GIT_CEILING_DIRECTORIES",
)
"""What tells Git where the repository is (hooks export some): ignored for a folder that is
not in the records repository, whose own repository, if any, is found from the folder."""


def _in_git(root: Path, environ: Mapping[str, str]) -> bool:
    """Whether ``root`` is inside a Git working tree, as far as the file system tells."""
    if environ.get("GIT_DIR"):
        return True
    return any(os.path.lexists(folder / ".git") for folder in (root, *root.parents))


def tracked(
    root: Path, rel: str = CACHE_DIR, *, head: bool = False, discover: bool = False
) -> list[str] | None:
    """Files Git tracks at or under ``rel`` (relative to ``root``), as paths relative to
    ``root``: those in the index, and with ``head`` also those in the ``HEAD`` commit.
    ``[]`` outside a Git repository; None when Git cannot answer for one. ``discover``: find
    the repository from ``root`` alone (``_GIT_PLACE`` ignored)."""
    env = {k: v for k, v in os.environ.items() if not (discover and k in _GIT_PLACE)}
    commands = [["ls-files", "-z", "--", rel]]
    if head:
        commands.append(["ls-tree", "-r", "-z", "--name-only", "HEAD", "--", rel])
    found: set[str] = set()
    for args in commands:
        try:
            proc = subprocess.run(
                ["git", "--literal-pathspecs", *args],
                cwd=root,
                env=env,
                capture_output=True,
                timeout=120,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            proc = None
        if proc is not None and proc.returncode != 0 and args[0] == "ls-tree":
            continue  # Git answered for the index: no commit yet, the index is all there is
        if proc is None or proc.returncode != 0:
            return None if _in_git(root, env) else []
        found.update(n.decode("utf-8", "surrogateescape") for n in proc.stdout.split(b"\0") if n)
    return sorted(found)


def _refusal(root: Path, folder: Path, shown: str) -> Refusal | None:
    """Why ``folder`` may not hold ``root``'s cache: a link, not a folder, or tracked by Git."""
    try:
        st = os.lstat(folder)
    except FileNotFoundError:
        st = None
    except OSError:
        return Refusal("not-a-folder", shown)
    if st is not None and stat.S_ISLNK(st.st_mode):
        return Refusal("symlink", shown)
    if st is not None and not stat.S_ISDIR(st.st_mode):
        return Refusal("not-a-folder", shown)
    if folder.is_relative_to(root):  # asked from the root, as Git hooks expect
        files = tracked(root, folder.relative_to(root).as_posix())
    elif st is not None:
        files = tracked(folder, ".", discover=True)
    else:
        files = tracked(folder.parent, folder.name, discover=True)
    if files is None:
        return Refusal("unconfirmed", shown)
    return Refusal("tracked", shown) if files else None


def locate(root: Path, environ: Mapping[str, str] | None = None) -> CacheDir | Refusal | None:
    """Where the cache for the repository at ``root`` (resolved) lives: a folder, a refusal,
    or None when ``KESU_CACHE=0``."""
    env = os.environ if environ is None else environ
    if env.get(ENV_SWITCH, "1") == "0":
        return None
    if not SAFE:
        return Refusal("unsupported", CACHE_DIR)
    given = env.get(ENV_DIR, "")
    if given:
        if not Path(given).is_absolute():
            return Refusal("relative", given)
        folder = Path(os.path.realpath(given))  # the runner's choice: links above are its own
        if folder.parent == folder:
            return Refusal("not-a-folder", given)
        shown = given
    else:
        folder, shown = root / CACHE_DIR, CACHE_DIR
    refusal = _refusal(root, folder, shown)
    return refusal if refusal is not None else CacheDir(folder)


def notice(refusal: Refusal) -> tuple[str, str]:
    """What the run says about going without the cache (Chinese, English)."""
    p = refusal.path
    why = {
        "tracked": (
            f"Git 跟踪了 {p} 中的文件，提交的缓存不可信（git rm -r --cached {p}，再删除该目录）",
            f"Git tracks files in {p}, and a committed cache is never trusted "
            f"(git rm -r --cached {p}, then delete the folder)",
        ),
        "symlink": (f"{p} 是符号链接", f"{p} is a symbolic link"),
        "not-a-folder": (f"{p} 不是目录", f"{p} is not a folder"),
        "unconfirmed": (
            f"无法通过 Git 确认 {p} 中没有被跟踪的文件",
            f"Git could not confirm that nothing in {p} is tracked",
        ),
        "relative": (f"{ENV_DIR}={p} 不是绝对路径", f"{ENV_DIR}={p} is not an absolute path"),
        "unsupported": (
            "本系统无法不经符号链接地访问缓存（O_NOFOLLOW）",
            "this system cannot reach the cache without following links (O_NOFOLLOW)",
        ),
    }[refusal.reason]
    return (
        f"注意：本次运行不使用缓存：{why[0]}。结果不受影响，只是较慢。",
        f"note: this run goes without the cache: {why[1]}. Results are the same, only slower.",
    )


_said: set[Refusal] = set()


def open_cache(root: Path) -> CacheDir | None:
    """The cache folder for ``root``, or None (off, or refused: said once on stderr)."""
    found = locate(root)
    if isinstance(found, Refusal):
        if found not in _said:
            _said.add(found)
            zh, en = notice(found)
            sys.stderr.write(f"kesu: {zh}\nkesu: {en}\n")
        return None
    return found
