"""Which report a record gets (profile, language, template) and its bytes, for ``kesu report``
and ``kesu build``: the settings of ``kesu.yaml``'s ``report`` section, per customer code."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.common.diagnostics import Diagnostic
from generator.config.settings import RepoConfig
from generator.report.content import Report, build_report
from generator.report.profiles import Profile, load_profile

BUILD_STATUSES = ("containment", "analysis", "correction", "verification", "closed")
"""``kesu build`` writes reports for records in progress and closed (not for one only just
registered, nor a cancelled one)."""


@dataclass(frozen=True, slots=True)
class Choice:
    profile: str
    lang: str
    template: str | None
    """The mapping file of the customer's Excel template, relative to the repository."""


def choice_for(
    config: RepoConfig, data: Mapping[str, Any], lang: str | None = None, profile: str | None = None
) -> Choice:
    """The report settings for this record's customer (``customer.code``), else the defaults;
    ``lang`` and ``profile`` (command-line options) win."""
    settings = config.report
    customer = data.get("customer") or {}
    code = customer.get("code") if isinstance(customer, Mapping) else None
    own = (settings.get("customers") or {}).get(code) or {} if isinstance(code, str) else {}
    return Choice(
        profile=profile or own.get("profile") or settings.get("profile") or "kesu",
        lang=lang or own.get("language") or settings.get("language") or config.language,
        template=None if profile else own.get("template"),
    )


def profiles_needed(config: RepoConfig) -> set[str]:
    settings = config.report
    names = {str(settings.get("profile") or "kesu")}
    for own in (settings.get("customers") or {}).values():
        if isinstance(own, Mapping) and own.get("profile"):
            names.add(str(own["profile"]))
    return names


class Profiles:
    """Profiles loaded once per run, with the reasons a profile was refused."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._loaded: dict[str, tuple[Profile | None, list[Diagnostic]]] = {}

    def get(self, name: str) -> tuple[Profile | None, list[Diagnostic]]:
        if name not in self._loaded:
            self._loaded[name] = load_profile(self.root, name)
        return self._loaded[name]


def _git(root: Path, *args: str) -> bytes | None:
    try:
        proc = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, check=False, timeout=60
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout if proc.returncode == 0 else None


def _last_change(root: Path, rel: str, rev: str) -> tuple[str, str] | None:
    out = _git(root, "log", "-1", "--format=%h %cs", "--abbrev=12", rev, "--", rel)
    parts = out.decode().split() if out else []
    return (parts[0], parts[1]) if len(parts) == 2 else None


def git_revision(root: Path, rel: str) -> tuple[str, str]:
    """(short commit, date) of the last commit that changed ``rel``, ``+`` appended when the
    file differs from it; ``("uncommitted", "")`` when Git has no commit of it."""
    last = _last_change(root, rel, "HEAD")
    if last is None:
        return ("uncommitted", "")
    dirty = bool((_git(root, "status", "--porcelain", "--", rel) or b"").strip())
    return (last[0] + ("+" if dirty else ""), last[1])


def record_at(root: Path, rel: str, rev: str) -> tuple[bytes, tuple[str, str]] | None:
    """The record file ``rel`` as commit ``rev`` holds it, with the revision its report is
    stamped with (the last commit up to ``rev`` that changed it); None when there is none."""
    commit = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}")
    if commit is None:
        return None
    sha = commit.decode().strip()
    raw = _git(root, "show", f"{sha}:./{rel}")
    last = _last_change(root, rel, sha)
    if raw is None or last is None:
        return None
    return raw, last


def report_of(
    data: Mapping[str, Any],
    profile: Profile,
    lang: str,
    revision: tuple[str, str],
    policy_roles: Mapping[str, Any] | None,
) -> Report:
    from generator.report.content import role_names

    return build_report(data, profile, lang, revision, role_names(policy_roles, lang))
