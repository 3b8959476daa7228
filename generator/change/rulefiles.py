"""Rule changes: which files of a change are rules, and whether the change is approved.

A pull request can edit every file in it, the rules that judge it included (design decision
12). ``kesu check`` judges with the base branch's rules; a change to a rule file is then a
finding of its own, which the policy's ``change_control.rule_changes`` role must approve by an
entry appended to ``rule-changes.yaml`` (proved by a review with ``kesu verify-approvals``).

Which files are rules is decided by exclusion, so that nothing new slips through: records,
attachments, documentation and editor settings are not rules; every other tracked file is.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from generator.common.diagnostics import Diagnostic, Severity
from generator.load.yamlload import Loaded, load_yaml_bytes, locate

REGISTER = "rule-changes.yaml"
"""The append-only register of approved rule changes, at the repository root."""

# What a file is, by its path relative to the records repository's root. The first match wins;
# a path none of these name is ``other``: still a rule file.
_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("config", ("kesu.yaml",)),
    ("policy", ("policy.yaml", "policies/", "generator/policy/presets/")),
    ("calendar", ("calendar.yaml", "calendar/", "calendars/", "generator/time/data/")),
    ("schema", ("schema/", "generator/schema/")),
    ("engine", ("generator/", "pyproject.toml", "setup.py", "setup.cfg", "MANIFEST.in")),
    ("dependencies", ("requirements/", "requirements.txt", "constraints.txt")),
    ("site", ("mkdocs.yml", "mkdocs.yaml", "zensical.toml", "site/")),
    (
        "workflow",
        (
            ".github/",
            ".gitlab-ci.yml",
            ".gitlab/",
            ".gitea/",
            ".forgejo/",
            ".ci/",
            ".pre-commit-config.yaml",
            ".pre-commit-hooks.yaml",
            "CODEOWNERS",
        ),
    ),
)
# Not rules: what CI neither runs nor trusts to judge a record, and what Kesu itself writes
# (a tracked cache is refused on its own: ``cache-tracked``).
_NOT_RULES = (
    "docs/",
    ".vscode/",
    ".editorconfig",
    ".gitattributes",
    ".kesu-cache/",
    "site/generated/",
    "public/",
)
_DOC_STEMS = ("README", "CHANGELOG", "CONTRIBUTING", "LICENSE", "SECURITY")

KIND_NAMES: Mapping[str, tuple[str, str]] = {
    "config": ("仓库配置", "repository config"),
    "policy": ("策略", "policy"),
    "calendar": ("日历", "calendar"),
    "schema": ("数据模式", "schema"),
    "engine": ("引擎代码", "engine code"),
    "dependencies": ("依赖版本", "dependency pins"),
    "site": ("网站模板与钩子", "site templates and hooks"),
    "workflow": ("CI 工作流与评审规则", "CI workflows and review rules"),
    "other": ("其他 CI 可读取的文件", "another file CI can read"),
}
EVALUATED = frozenset({"config", "policy", "calendar"})
"""Kinds whose effect on existing records the gate computes: they are data. Engine code is
never run from the change, so its effect is not computed (it is reviewed as code)."""


def kind_of(
    rel: str,
    records_dir: str,
    policy_files: Sequence[str] = (),
    calendar_dirs: Sequence[str] = (),
) -> str | None:
    """The kind of rule file ``rel`` is, or None when it is not a rule file.

    ``calendar_dirs``: the folders ``kesu.yaml`` names for official-calendar years
    (``calendar.official_dir``), besides the default ``calendar/``.
    """
    records = records_dir.strip("/") + "/"
    if rel.startswith((records, "attachments/")) or rel == REGISTER:
        return None
    if rel in policy_files:
        return "policy"
    if any(rel.startswith(d.strip("/") + "/") for d in calendar_dirs if d.strip("/")):
        return "calendar"
    top = PurePosixPath(rel)
    if rel.startswith(_NOT_RULES) or rel in _NOT_RULES:
        return None
    if len(top.parts) == 1 and top.name.split(".")[0].upper() in _DOC_STEMS:
        return None
    for kind, prefixes in _KINDS:
        if any(rel == p or (p.endswith("/") and rel.startswith(p)) for p in prefixes):
            return kind
    return "other"


@dataclass(frozen=True, slots=True)
class RuleFile:
    """A rule file this change adds, modifies or deletes."""

    path: str
    kind: str
    status: str
    """``A`` added, ``M`` modified, ``D`` deleted (as ``git diff --name-status``)."""


def _git(top: Path, *args: str) -> bytes:
    proc = subprocess.run(["git", *args], cwd=top, capture_output=True, check=False, timeout=300)
    if proc.returncode != 0:
        from generator.common.diagnostics import ChangeError

        said = proc.stderr.decode("utf-8", "replace").strip()
        raise ChangeError(f"git {args[0]} 失败：{said}", f"git {args[0]} failed: {said}")
    return proc.stdout


def _name_status(top: Path, commit: str) -> dict[str, str]:
    """Tracked files whose working-tree content differs from ``commit`` (path → A/M/D)."""
    out = _git(top, "diff", "--no-renames", "--no-ext-diff", "--name-status", "-z", commit, "--")
    parts = out.split(b"\0")
    found: dict[str, str] = {}
    for status, name in zip(parts[::2], parts[1::2], strict=False):
        if status and name:
            found[name.decode("utf-8", "surrogateescape")] = status.decode()[:1]
    return found


def changed_rule_files(
    top: Path,
    prefix: PurePosixPath,
    base: str,
    fork: str | None,
    records_dir: str,
    policy_files: Sequence[str] = (),
    calendar_dirs: Sequence[str] = (),
) -> list[RuleFile]:
    """Rule files the working tree changes against ``base`` that it also changes against the
    fork point (a file only the base changed since is the base's; the merge keeps it).

    Untracked files that Git does not ignore count as added: they are what the next commit
    will hold. Paths are relative to the records repository's root (``prefix`` in the tree).
    """
    against_base = _name_status(top, base)
    if fork is not None and fork != base:
        against_fork = _name_status(top, fork)
        against_base = {p: s for p, s in against_base.items() if p in against_fork}
    untracked = _git(top, "ls-files", "--others", "--exclude-standard", "-z", "--full-name")
    for name in untracked.split(b"\0"):
        if name:
            against_base.setdefault(name.decode("utf-8", "surrogateescape"), "A")
    lead = f"{prefix.as_posix()}/" if prefix.parts else ""
    out = []
    for path, status in sorted(against_base.items()):
        if not path.startswith(lead):
            continue
        rel = path[len(lead) :]
        kind = kind_of(rel, records_dir, policy_files, calendar_dirs)
        if kind is not None:
            out.append(RuleFile(rel, kind, status))
    return out


# ------------------------------------------------------------------ the register


@dataclass(frozen=True, slots=True)
class RegisterEntry:
    index: int
    entry: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Register:
    """``rule-changes.yaml`` at the base and in the working tree."""

    base: tuple[Mapping[str, Any], ...]
    head: tuple[Mapping[str, Any], ...]
    loaded: Loaded | None
    """The working tree's file as loaded (text for line numbers), None when absent."""
    diagnostics: tuple[Diagnostic, ...] = ()

    def added(self) -> list[RegisterEntry]:
        """Entries the change appends (those the base does not have)."""
        before = list(self.base)
        out = []
        for i, entry in enumerate(self.head):
            if entry in before:
                before.remove(entry)
            else:
                out.append(RegisterEntry(i, entry))
        return out

    def approval_by(self, role: str) -> RegisterEntry | None:
        """The first appended entry in which ``role`` approves the change."""
        return next(
            (
                e
                for e in self.added()
                if e.entry.get("role") == role and e.entry.get("decision") == "approved"
            ),
            None,
        )


_FIELDS = {"date", "summary", "role", "name", "decision", "reason", "files"}
_REQUIRED = ("date", "summary", "role", "name", "decision")


def _entries(loaded: Loaded, file: str) -> tuple[tuple[Mapping[str, Any], ...], list[Diagnostic]]:
    """The register's entries, and what is wrong with its shape (located)."""
    if loaded.data is None:
        return (), list(loaded.diagnostics)
    data = loaded.data.get("changes")
    if not isinstance(data, list) or set(loaded.data) != {"changes"}:
        return (), [
            _at(
                loaded,
                file,
                [],
                "rule-register-shape",
                "rule-changes.yaml 应只有一个键 changes，其下为条目列表（每条以 - 开头）",
                "rule-changes.yaml must hold one key, changes, with a list of entries "
                "(each starting with -)",
            )
        ]
    diags: list[Diagnostic] = []
    good = []
    for i, item in enumerate(data):
        if not isinstance(item, Mapping):
            diags.append(
                _at(
                    loaded,
                    file,
                    ["changes", i],
                    "rule-register-shape",
                    f"第 {i + 1} 条不是映射（键: 值）",
                    f"Entry {i + 1} is not a mapping (key: value)",
                )
            )
            continue
        missing = [k for k in _REQUIRED if not isinstance(item.get(k), str) or not item.get(k)]
        unknown = sorted(set(item) - _FIELDS)
        if missing or unknown or item.get("decision") not in ("approved", "rejected"):
            diags.append(
                _at(
                    loaded,
                    file,
                    ["changes", i],
                    "rule-register-entry",
                    f"第 {i + 1} 条不完整或有未知字段（缺少：{', '.join(missing) or '无'}；"
                    f"未知：{', '.join(unknown) or '无'}；decision 须为 approved 或 rejected）",
                    f"Entry {i + 1} is incomplete or has unknown fields (missing: "
                    f"{', '.join(missing) or 'none'}; unknown: {', '.join(unknown) or 'none'}; "
                    "decision must be approved or rejected)",
                )
            )
            continue
        good.append(item)
    return tuple(good), diags


def _at(
    loaded: Loaded,
    file: str,
    path: list[str | int],
    code: str,
    zh: str,
    en: str,
) -> Diagnostic:
    where = locate(loaded.text, path) if loaded.text else None
    return Diagnostic(
        file,
        code,
        zh,
        en,
        where[0] if where else None,
        where[1] if where else None,
        hint_zh="每条写：date、summary（改了什么）、role、name、decision: approved，"
        "可选 reason、files。",
        hint_en="Each entry: date, summary (what changed), role, name, decision: approved; "
        "optionally reason and files.",
    )


def read_register(base_raw: bytes | None, head_raw: bytes | None, base_label: str) -> Register:
    """Both versions of the register, with findings: its shape, and base entries edited."""
    diags: list[Diagnostic] = []
    base: tuple[Mapping[str, Any], ...] = ()
    if base_raw is not None:
        base, _ = _entries(load_yaml_bytes(base_raw, f"{base_label}:{REGISTER}"), REGISTER)
    head: tuple[Mapping[str, Any], ...] = ()
    loaded = None
    if head_raw is not None:
        loaded = load_yaml_bytes(head_raw, REGISTER)
        head, diags = _entries(loaded, REGISTER)
    left = list(head)
    for i, entry in enumerate(base):
        if entry in left:
            left.remove(entry)
            continue
        diags.append(
            Diagnostic(
                REGISTER,
                "rule-register-edited",
                f"已合并的规则变更记录第 {i + 1} 条被修改或删除：记录只能追加",
                f"Merged rule-change entry {i + 1} was edited or removed: the register is "
                "append-only",
                hint_zh=f"从 {base_label} 恢复：git checkout {base_label} -- {REGISTER}，"
                "再在末尾追加。",
                hint_en=f"Restore it from {base_label} (git checkout {base_label} -- {REGISTER}) "
                "and append at the end.",
            )
        )
    return Register(base, head, loaded, tuple(diags))


def rule_findings(
    files: Sequence[RuleFile],
    register: Register,
    role: str,
    role_names: tuple[str, str],
) -> list[Diagnostic]:
    """One finding per changed rule file: an error unless ``role`` approves the change in the
    register, a warning (shown, not blocking) when it does."""
    approval = register.approval_by(role) if files else None
    zh_role, en_role = role_names
    out = list(register.diagnostics)
    for f in files:
        kind_zh, kind_en = KIND_NAMES[f.kind]
        verb_zh = {"A": "新增", "D": "删除"}.get(f.status, "修改")
        verb_en = {"A": "added", "D": "deleted"}.get(f.status, "modified")
        if approval is not None:
            who = f"{approval.entry.get('name')} {approval.entry.get('date')}"
            out.append(
                Diagnostic(
                    f.path,
                    "rule-change",
                    f"规则文件{verb_zh}（{kind_zh}）：已在 {REGISTER} 第 {approval.index + 1} 条"
                    f"记录 {zh_role} 的批准（{who}）",
                    f"Rule file {verb_en} ({kind_en}): approved by the {en_role} in {REGISTER} "
                    f"entry {approval.index + 1} ({who})",
                    hint_zh="kesu verify-approvals 核对该批准与 PR 上的评审。",
                    hint_en="kesu verify-approvals checks that approval against the reviews.",
                    severity=Severity.WARNING,
                )
            )
            continue
        out.append(
            Diagnostic(
                f.path,
                "rule-change",
                f"规则文件{verb_zh}（{kind_zh}）：规则变更须经 {zh_role}（{role}）批准",
                f"Rule file {verb_en} ({kind_en}): a rule change needs the approval of the "
                f"{en_role} ({role})",
                hint_zh=f"在 {REGISTER} 末尾追加一条：date、summary（改了什么、为什么）、"
                f"role: {role}、name、decision: approved，并请此人在 PR 上 Approve；"
                "本次检查仍按基准分支的规则进行。",
                hint_en=f"Append to {REGISTER}: date, summary (what changed and why), "
                f"role: {role}, name, decision: approved, and ask that person to approve the "
                "pull request; this "
                "check still judges by the base branch's rules.",
            )
        )
    return out
