"""Parsed records cached by content, in ``.kesu-cache/`` (git-ignored) at the repository root,
or in ``KESU_CACHE_DIR``; where, and how it is reached safely: ``generator/load/cachedir.py``.

Parsing a record depends only on its bytes and on the loader, so the result is kept under a
hash of the bytes: about 0.9 ms a record to parse (9 s of ``kesu validate`` at 10,000
records) against about 0.15 ms to read a cached entry (``docs/performance.md``).

- The key is the BLAKE2b hash of the file's bytes; the folder name is a hash (the *salt*) of
  everything else the result depends on: the loader's code, PyYAML's and Python's versions.
  Changing any of them starts a new folder and removes the old one.
- Only clean loads are stored (a mapping, no diagnostic); a file with a problem is parsed
  again each time, so every message keeps its line and column.
- Entries are JSON, never pickle or marshal: a CI cache can be restored from another branch,
  and reading it must not be able to run code. A mapping with a non-string key, which JSON
  would turn into a string, is not stored.
- 256 shard files by the hash's first byte: a one-record change rewrites one small file.
  Files are replaced atomically; any error reading or writing the cache only turns it off.
  ``KESU_CACHE=0`` turns it off too.
- A cache in the tree that Git tracks, or that is a symbolic link, is not used: anyone can
  commit files there (``cachedir``). Every read, write and deletion goes through ``cachedir``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.common import collector
from generator.load.cachedir import CACHE_DIR, CacheDir, open_cache
from generator.load.yamlload import MAX_BYTES, Loaded, load_yaml_bytes, load_yaml_file

__all__ = ["CACHE_DIR", "Caches", "RecordCache", "Verdicts", "content_key"]
_MAX_CACHE_FILE = 1 << 28
"""A shard or verdict file larger than this is not read (10,000 records: about 2 MB)."""
_HERE = Path(__file__).resolve().parent.parent
_SALT_FILES = ("load/cache.py", "load/yamlload.py", "common/diagnostics.py")
_BOM = b"\xef\xbb\xbf"


def _salt() -> str:
    from importlib.metadata import PackageNotFoundError, version

    h = hashlib.blake2b(digest_size=8)
    for name in _SALT_FILES:
        try:
            h.update((_HERE / name).read_bytes())
        except OSError:
            h.update(name.encode())
    for dist in ("PyYAML",):
        try:
            h.update(version(dist).encode())
        except PackageNotFoundError:
            h.update(dist.encode())
    h.update(sys.version.encode())
    return h.hexdigest()


def _read(path: Path) -> bytes | None:
    """The file's bytes when it is a plain, small enough regular file; else None.

    None sends the file through ``load_yaml_file``, which reports why it cannot be read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_BYTES:
            return None
        chunks, left = [], MAX_BYTES + 1
        while left > 0 and (chunk := os.read(fd, min(left, 1 << 20))):
            chunks.append(chunk)
            left -= len(chunk)
    except OSError:
        return None
    finally:
        os.close(fd)
    raw = b"".join(chunks)
    return None if len(raw) > MAX_BYTES else raw


class RecordCache:
    """One repository's parse cache for one command (``Caches.open``)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        """The salted folder, or None when caching is off."""
        self._shards: dict[str, dict[str, Any]] = {}
        self._pending: dict[str, dict[str, str]] = {}
        """Shard name → hash → the new entry's data as JSON text."""
        self._used: set[str] = set()

    @classmethod
    def open(cls, root: Path) -> RecordCache:
        return cls(_salted_folder(root.resolve(), "records", _salt))

    # ------------------------------------------------------------- lookups

    def _shard(self, digest: str) -> dict[str, list[Any]]:
        name = digest[:2]
        if name not in self._shards:
            self._shards[name] = {}
            if self.folder is not None:
                try:
                    text = _read_text(self.folder, f"{name}.json", "utf-8")
                    with collector.only_new_objects():  # a shard is many small containers
                        data = json.loads(text)
                    if isinstance(data, dict):
                        self._shards[name] = data
                except (OSError, ValueError):
                    pass
        return self._shards[name]

    def load(self, path: Path, display: str) -> Loaded:
        """What ``load_yaml_file(path, display)`` returns, from the cache when it can."""
        return self.load_hashed(path, display)[0]

    def load_hashed(self, path: Path, display: str) -> tuple[Loaded, str | None]:
        """``load`` and the hash of the bytes it loaded (None when caching is off or the
        file was not a plain regular file): the key ``Verdicts`` are kept under."""
        if self.folder is None:
            return load_yaml_file(path, display), None
        raw = _read(path)
        if raw is None:
            return load_yaml_file(path, display), None
        digest = hashlib.blake2b(raw, digest_size=20).hexdigest()
        data = self._shard(digest).get(digest)
        self._used.add(digest)
        if isinstance(data, dict):
            return Loaded(data, [], raw.removeprefix(_BOM).decode("utf-8")), digest
        loaded = load_yaml_bytes(raw, display)
        if isinstance(loaded.data, dict) and not loaded.diagnostics:
            # A clean load holds only dicts with string keys, lists, str, int, float, bool and
            # None (the loader builds nothing else: tests/test_yamlload.py's fuzz contract),
            # so JSON gives it back as it was; no second walk over the data to check that.
            # Serialised now: what is written is the data as loaded, whatever happens to it later.
            self._pending.setdefault(digest[:2], {})[digest] = _dumps(loaded.data)
        return loaded, digest

    # ------------------------------------------------------------- writing

    def save(self) -> None:
        """Write the shards that changed; drop entries no longer used once they pile up."""
        if self.folder is None or not self._pending:
            return
        try:
            for name, changes in sorted(self._pending.items()):
                try:  # re-read: the shard in memory holds objects the stages now use
                    shard = json.loads(_read_text(self.folder, f"{name}.json", "utf-8"))
                except (OSError, ValueError):
                    shard = {}
                if not isinstance(shard, dict):
                    shard = {}
                for digest in changes:
                    shard.pop(digest, None)
                unused = [d for d in shard if d not in self._used]
                if len(unused) > len(shard) + len(changes) - len(unused):  # old versions
                    for d in unused:
                        del shard[d]
                # New entries are written from the JSON text made when they were loaded.
                parts = [f"{_dumps(d)}:{_dumps(e)}" for d, e in shard.items()]
                parts += [f'"{d}":{text}' for d, text in changes.items()]
                text = "{" + ",".join(parts) + "}"
                _write(self.folder, f"{name}.json", text.encode("utf-8"))
            self._pending.clear()
        except OSError:
            self.folder = None  # read-only checkout, full disk: run on without a cache


_SALTED = re.compile(r"[a-z]+-[0-9a-f]{16}")
"""The name of a salted folder: only such folders are ever removed from the cache."""


def _salted_folder(root: Path, kind: str, salt: Callable[[], str]) -> Path | None:
    """``<cache>/<kind>-<salt>`` for ``root``'s cache (``cachedir.open_cache``), older salts
    of that kind removed; None when there is no cache (``KESU_CACHE=0``, or refused)."""
    place = open_cache(root)
    if place is None:
        return None
    name = f"{kind}-{salt()}"
    for old in place.folders(f"{kind}-"):
        if old != name and _SALTED.fullmatch(old):
            place.remove(old)
    return place.path / name


def _store(folder: Path | None) -> tuple[CacheDir, str] | None:
    """The cache folder holding the salted ``folder``, and ``folder``'s name in it."""
    return None if folder is None else (CacheDir(folder.parent), folder.name)


def _read_text(folder: Path, name: str, encoding: str) -> str:
    """``folder/name`` as text, read through ``cachedir`` (never through a link)."""
    store = _store(folder)
    raw = store[0].read(store[1], name, _MAX_CACHE_FILE) if store is not None else None
    if raw is None:
        raise FileNotFoundError(name)
    return raw.decode(encoding)


def _write(folder: Path, name: str, data: bytes) -> None:
    """Replace ``folder/name`` atomically through ``cachedir``; raises OSError."""
    store = _store(folder)
    if store is None:
        raise FileNotFoundError(name)
    store[0].write(store[1], name, data)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# ----------------------------------------------------------------- verdicts


def _code_salt() -> str:
    """A hash of everything a check's verdict can depend on besides the record and its key.

    All of the generator's code and schemas (a change anywhere invalidates every verdict,
    which is rare and cheap to redo) and the versions of the validators and of Python.
    """
    from importlib.metadata import PackageNotFoundError, version

    h = hashlib.blake2b(digest_size=8)
    for folder, pattern in ((_HERE, "**/*.py"), (_HERE / "schema", "*.json")):
        try:
            files = sorted(folder.glob(pattern))
        except OSError:
            files = []
        for f in files:
            h.update(f.relative_to(_HERE).as_posix().encode())
            try:
                h.update(f.read_bytes())
            except OSError:
                h.update(b"?")
    for dist in ("PyYAML", "jsonschema", "jsonschema-rs"):
        try:
            h.update(version(dist).encode())
        except PackageNotFoundError:
            h.update(dist.encode())
    h.update(sys.version.encode())
    return h.hexdigest()


class Verdicts:
    """Records known to pass a check whose answer depends only on the record and a key.

    ``kesu validate`` at 10,000 records spent most of its time re-checking records that had
    not changed: the schema, the date order and quantities inside one record, the stage
    completeness for a grade. Each of those is a function of the record's bytes plus a small
    key (the time zone; the policy and the computed grade), so a record that passed once
    passes again. What is kept is only "passed": a set of ``content-hash:key`` strings per
    check, one text file each, under a folder salted by all of the generator's code
    (``_code_salt``). A record with any finding is never stored and is checked in full every
    time, so every message is produced by the real check, with its line.
    """

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._known: dict[str, set[str]] = {}
        self._new: dict[str, set[str]] = {}
        self._used: dict[str, set[str]] = {}

    @classmethod
    def open(cls, root: Path) -> Verdicts:
        return cls(_salted_folder(root.resolve(), "verdicts", _code_salt))

    def _set(self, check: str) -> set[str]:
        if check not in self._known:
            known: set[str] = set()
            if self.folder is not None:
                try:
                    text = _read_text(self.folder, f"{check}.txt", "ascii")
                    known = set(text.split())
                except (OSError, ValueError):
                    pass
            self._known[check] = known
        return self._known[check]

    def passed(self, check: str, digest: str | None, key: str) -> bool:
        """True when the record with this content hash passed ``check`` under ``key`` before."""
        if digest is None or self.folder is None:
            return False
        item = f"{digest}:{key}"
        hit = item in self._set(check)
        if hit:
            self._used.setdefault(check, set()).add(item)
        return hit

    def record_pass(self, check: str, digest: str | None, key: str) -> None:
        if digest is None or self.folder is None:
            return
        item = f"{digest}:{key}"
        self._used.setdefault(check, set()).add(item)
        if item not in self._set(check):
            self._new.setdefault(check, set()).add(item)

    def save(self) -> None:
        """Write the checks that learnt something; forget entries no run uses any more."""
        if self.folder is None or not self._new:
            return
        try:
            for check, new in sorted(self._new.items()):
                known = self._set(check) | new
                used = self._used.get(check, set())
                if len(known) > 2 * len(used):  # many old versions: keep what this run used
                    known = used | new
                self._known[check] = known
                text = "\n".join(sorted(known)) + "\n"
                _write(self.folder, f"{check}.txt", text.encode("ascii"))
            self._new.clear()
        except OSError:
            self.folder = None


def content_key(*parts: str) -> str:
    """A short hash of a verdict's key (a time zone name, a policy's canonical JSON, …)."""
    h = hashlib.blake2b(digest_size=8)
    for part in parts:
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


@dataclass(slots=True)
class Caches:
    """A command's caches: made at its start (``open``), passed to the stages that read them,
    written by the command's own last step (``save``), never at exit behind its back. A
    command that stops on an error simply does not save."""

    records: RecordCache
    verdicts: Verdicts

    @classmethod
    def open(cls, root: Path) -> Caches:
        """The repository's caches (none when ``KESU_CACHE=0`` or the place is refused)."""
        return cls(RecordCache.open(root), Verdicts.open(root))

    @classmethod
    def off(cls) -> Caches:
        """No cache: every record is parsed and checked in full, nothing is written."""
        return cls(RecordCache(None), Verdicts(None))

    def save(self) -> None:
        self.records.save()
        self.verdicts.save()
