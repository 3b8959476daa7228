"""Where the rules of a repository are read: its working tree, or a Git revision.

``kesu check`` judges a change by the base branch's rules (design decision 12): the judge's
``kesu.yaml``, policy file and calendar file are read from the base commit's objects, never
from the pull request's working tree. Both sources answer the same question, "the bytes of
this repository-relative file", so the config and policy loaders do not care which it is.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Protocol

MAX_RULE_BYTES = 4 * 1024 * 1024


class RuleSource(Protocol):
    """Read-only access to the repository files that hold rules."""

    def read(self, rel: str) -> bytes | None:
        """The bytes of a repository-relative file; None when there is no such file."""

    def display(self, rel: str) -> str:
        """How diagnostics name the file (``kesu.yaml``, ``origin/main:kesu.yaml``)."""

    def names(self, folder: str) -> list[str]:
        """The repository-relative paths of the files directly in ``folder``, sorted."""


def _inside(rel: str) -> PurePosixPath | None:
    """``rel`` as a plain relative path, or None when it climbs out or is absolute."""
    path = PurePosixPath(rel)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        return None
    return path


@dataclass(frozen=True, slots=True)
class WorkTreeRules:
    """The files as they are in the working tree under ``root``."""

    root: Path

    def read(self, rel: str) -> bytes | None:
        path = _inside(rel)
        if path is None:
            return None
        full = self.root / path
        try:
            # A link may point anywhere: only a file that stays inside the root is read.
            if not full.resolve().is_relative_to(self.root.resolve()):
                return None
            st = full.stat()
            if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_RULE_BYTES:
                return None
            return full.read_bytes()
        except OSError:
            return None

    def display(self, rel: str) -> str:
        return rel

    def names(self, folder: str) -> list[str]:
        path = _inside(folder)
        if path is None:
            return []
        full = self.root / path
        try:
            if not full.resolve().is_relative_to(self.root.resolve()):
                return []
            return sorted((path / p.name).as_posix() for p in full.iterdir() if p.is_file())
        except OSError:
            return []


@dataclass(frozen=True, slots=True)
class GitRules:
    """The files as a commit holds them (``git cat-file``), never the working tree.

    ``label`` is what the user named (``origin/main``); ``commit`` the resolved id, so that
    every file is read from the same commit even if the branch moves meanwhile.
    """

    top: Path
    """The Git working tree's top folder."""
    prefix: PurePosixPath
    """Where the records repository's root lies inside the Git tree ('' at the top)."""
    commit: str
    label: str

    def _git(self, *args: str) -> bytes | None:
        """A git command's output in the repository, or None when it fails."""
        import subprocess

        try:
            proc = subprocess.run(
                ["git", *args], cwd=self.top, capture_output=True, check=False, timeout=60
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return proc.stdout if proc.returncode == 0 else None

    def read(self, rel: str) -> bytes | None:
        path = _inside(rel)
        if path is None:
            return None
        spec = f"{self.commit}:{(self.prefix / path).as_posix()}"
        if self._git("cat-file", "-t", spec) != b"blob\n":
            return None
        size = self._git("cat-file", "-s", spec)
        if size is None or not size.strip().isdigit() or int(size) > MAX_RULE_BYTES:
            return None
        return self._git("cat-file", "blob", spec)

    def display(self, rel: str) -> str:
        return f"{self.label}:{rel}"

    def names(self, folder: str) -> list[str]:
        path = _inside(folder)
        if path is None:
            return []
        listing = self._git("ls-tree", "-z", f"{self.commit}:{(self.prefix / path).as_posix()}")
        if listing is None:
            return []
        out = []
        for entry in listing.split(b"\0"):
            info, _, name = entry.partition(b"\t")
            if name and info.split(b" ")[1:2] == [b"blob"]:
                out.append((path / name.decode("utf-8", "surrogateescape")).as_posix())
        return sorted(out)
