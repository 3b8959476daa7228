"""``kesu init DIR --preset NAME``: a company's own records repository, started from this one.

The new repository pins Kesu as a dependency (``requirements/kesu.txt``: one requirement such
as ``kesu @ git+https://git.example.com/tools/kesu@<commit>``) instead of carrying a copy of
``generator/``: a company upgrades by changing that one line in a reviewed pull request, and
the pull-request workflows install the pin of the *base* commit, so a change is never judged
by a Kesu it brings itself. What a records repository configures (schemas for the editor, the
site, workflows, CODEOWNERS, templates, editor settings) is copied; the demo records,
attachments, tests and benchmarks are not.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import Any

import git

import generator
from generator.common.diagnostics import BilingualError
from generator.common.faults import WriteHint, copy_tree, writing
from generator.policy.loader import preset_ids

SOURCE = Path(generator.__file__).resolve().parent.parent
COPY: tuple[str, ...] = (
    "schema",
    "site",
    "docs",
    "requirements/constraints.txt",
    ".github",
    ".vscode",
    ".ci/install-kesu",
    ".ci/commit-status",
    ".ci/preview-tree",
    ".ci/commit-status-gitea",
    "mkdocs.yml",
    "README.md",
    "LICENSE",
    ".editorconfig",
    ".gitignore",
    ".pre-commit-config.yaml",
)
PIN = "requirements/kesu.txt"
# One requirement on the kesu distribution: a version (from the company's package index) or a
# direct reference (a Git URL at a commit or tag, a wheel URL).
_OP = r"(===?|[<>~!]=|[<>])\s*[\w.*+!-]+"
SPEC = re.compile(rf"kesu\s*(@\s*[^\s;#]+|{_OP}(\s*,\s*{_OP})*)")
SKIP_NAMES = frozenset({"__pycache__", ".DS_Store"})
SKIP_PATHS = frozenset({"site/generated", "site/index.md"})
EMPTY_DIRS = ("records", "attachments")
IGNORED = ".kesu-cache/"
"""Always in the new repository's ``.gitignore``: a committed cache is refused
(``cache-tracked``), so it must never be picked up by ``git add -A``."""


class InitError(BilingualError):
    """kesu init will not do this (unknown preset, target not empty, no Kesu checkout)."""


def _git(source: Path, *args: str) -> str | None:
    try:
        proc = subprocess.run(
            ["git", "-C", str(source), *args],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout.strip() if proc.returncode == 0 and proc.stdout.strip() else None


def default_spec(source: Path) -> str | None:
    """``kesu @ git+<origin>@<HEAD commit>`` for a clean clone with an ``origin`` remote."""
    url = _git(source, "remote", "get-url", "origin")
    commit = _git(source, "rev-parse", "--verify", "HEAD^{commit}")
    if url is None or commit is None or _git(source, "status", "--porcelain") is not None:
        return None
    if "://" not in url and not url.startswith("/"):  # git@host:owner/repo -> ssh://
        host, _, path = url.partition(":")
        url = f"ssh://{host}/{path}"
    elif url.startswith("/"):
        url = f"file://{url}"
    return f"kesu @ git+{url}@{commit}"


def _spec(kesu_spec: str | None, source: Path) -> str:
    spec = kesu_spec.strip() if kesu_spec is not None else default_spec(source)
    if spec is None:
        raise InitError(
            f"{source} 不是带 origin 远程仓库且没有未提交改动的 Kesu 克隆，"
            "无法确定要固定的 Kesu 版本；"
            "请用 --kesu-spec 指定，例如 'kesu @ git+https://git.example.com/tools/kesu@v0.2.0'",
            f"cannot tell which Kesu to pin: {source} is not a clean clone with an origin "
            "remote; pass --kesu-spec, e.g. 'kesu @ git+https://git.example.com/tools/kesu@v0.2.0'",
        )
    if not SPEC.fullmatch(spec):
        raise InitError(
            f"--kesu-spec {spec!r} 不是对 kesu 的单个依赖声明（例如 'kesu==0.2.0' 或 "
            "'kesu @ git+https://…@<提交>'）",
            f"--kesu-spec {spec!r} is not one requirement on kesu (e.g. 'kesu==0.2.0' or "
            "'kesu @ git+https://…@<commit>')",
        )
    return spec


def pin_text(spec: str) -> str:
    return (
        "# 本仓库使用的 Kesu 版本：合并请求的检查总是安装基准分支上的这一行（.ci/install-kesu）。\n"
        "# 升级 Kesu = 在合并请求中修改这一行（属于规则变更，需 rule-changes.yaml 中的批准）。\n"
        "# The Kesu this repository runs: pull-request checks install the BASE branch's line\n"
        "# (.ci/install-kesu). Upgrading Kesu is a reviewed rule change to this one line.\n"
        f"{spec}\n"
    )


@dataclass(frozen=True, slots=True)
class Started:
    root: Path
    copied: int
    git: bool
    forge: str = "github"


FORGE_DIRS = {"gitlab": ".gitlab", "gitea": ".gitea"}
"""Where each forge reads CODEOWNERS and templates (GitHub: ``.github``)."""
GITEA_UNCHANGED = ("main.yml", "daily.yml", "weekly.yml")
"""GitHub workflows Gitea / Forgejo Actions run as they are (docs/forge-gitea.md); the pull
request and approvals workflows are replaced by ``.ci/gitea/pull-request.yml``."""


def _forge_files(source: Path, target: Path, forge: str) -> int:
    """The CI configuration of ``forge``: ``.github`` for GitHub (copied with the rest);
    ``.gitlab-ci.yml`` and ``.gitlab/`` for GitLab; ``.gitea/workflows`` for Gitea / Forgejo.
    CODEOWNERS and the templates move to the forge's folder."""
    if forge == "github":
        copy_tree(source / ".github", target / ".github", ignore=_ignore(source), symlinks=False)
        return sum(1 for p in (target / ".github").rglob("*") if p.is_file())
    folder = target / FORGE_DIRS[forge]
    folder.mkdir()
    copied = 0
    for item in sorted((source / ".github").iterdir()):
        if item.name == "CODEOWNERS":
            text = item.read_text(encoding="utf-8").replace("/.github/", f"/{folder.name}/")
            if forge == "gitlab":
                text = text.replace(
                    "/.ci/ ", "/.gitlab-ci.yml              @example-org/kesu-admins\n/.ci/ ", 1
                )
            (folder / item.name).write_text(text, encoding="utf-8", newline="\n")
            copied += 1
        elif item.name == "pull_request_template.md" and forge == "gitlab":
            (folder / "merge_request_templates").mkdir()
            shutil.copy2(item, folder / "merge_request_templates" / "Default.md")
            copied += 1
        elif item.is_file() and item.name != "actionlint.yaml":  # actionlint reads .github only
            shutil.copy2(item, folder / item.name)
            copied += 1
    if forge == "gitlab":
        shutil.copy2(source / ".gitlab-ci.yml", target / ".gitlab-ci.yml")
        return copied + 1
    workflows = folder / "workflows"
    workflows.mkdir()
    for name in GITEA_UNCHANGED:
        shutil.copy2(source / ".github" / "workflows" / name, workflows / name)
    shutil.copy2(source / ".ci" / "gitea" / "pull-request.yml", workflows / "pull-request.yml")
    return copied + len(GITEA_UNCHANGED) + 1


def config_text(preset: str, id_prefix: str, title: str) -> str:
    return f"""# yaml-language-server: $schema=schema/config.schema.json
# 本仓库的设置；字段说明见 docs/config-fields.md / settings, see docs/config-fields.md
preset: "{preset}"
timezone: Asia/Shanghai
language: zh
id_prefix: {id_prefix}
records_dir: records
site:
  title: {json.dumps(title, ensure_ascii=False)}
  mask_contacts: true
# 审批人与 GitHub 账号（kesu verify-approvals 用）/ approvers and their GitHub logins
people: []
#  - name: 张三
#    login: zhang-san
#    roles: [gm]
#    department: 总经办
notifications:
  enabled: false   # true + kind + the KESU_WEBHOOK_URL secret to post the overdue list daily
#  kind: wecom     # wecom | dingtalk | feishu
"""


def _ignore(src_root: Path) -> Callable[[str, list[str]], set[str]]:
    def ignore(folder: str, names: list[str]) -> set[str]:
        rel = Path(folder).resolve().relative_to(src_root)
        skipped = {n for n in names if n in SKIP_NAMES or n.endswith((".pyc", ".pyo"))}
        return skipped | {n for n in names if (rel / n).as_posix() in SKIP_PATHS}

    return ignore


def _ignore_cache(gitignore: Path) -> int:
    """Add ``IGNORED`` to ``gitignore`` unless a line already says it; 1 when the file is new."""
    new = not gitignore.exists()
    text = "" if new else gitignore.read_text(encoding="utf-8")
    if any(line.strip().strip("/") == IGNORED.strip("/") for line in text.splitlines()):
        return 0
    lead = "" if not text or text.endswith("\n") else "\n"
    with gitignore.open("a", encoding="utf-8", newline="\n") as fh:
        fh.write(f"{lead}# Kesu's cache: written on each machine, never committed\n{IGNORED}\n")
    return 1 if new else 0


def _check_target(target: Path, source: Path) -> None:
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InitError(
            f"{target} 已存在且不是空目录：kesu init 不会覆盖任何文件",
            f"{target} exists and is not an empty folder: kesu init never overwrites files",
        )
    if target.resolve().is_relative_to(source):
        raise InitError(
            f"{target} 在 Kesu 源码目录之内；请选择它之外的目录",
            f"{target} is inside the Kesu checkout; choose a folder outside it",
        )


INIT_HINT = WriteHint(
    (
        "请选择可写、且有足够空间的磁盘上的 DIR；DIR 已恢复原样",
        "choose a DIR on a writable disk with free space; DIR was left as it was",
    ),
    (
        "请腾出磁盘空间，或选择另一块磁盘上的 DIR；DIR 已恢复原样",
        "free disk space, or choose a DIR on another disk; DIR was left as it was",
    ),
)


def _as_it_was_on_failure(make: Callable[..., Started]) -> Callable[..., Started]:
    """Nothing half-made is left to look like a repository: when making it fails (a full
    disk, a folder that cannot be written, an interruption), DIR is as it was, absent or
    empty, and a read-only / not-allowed / full error is a WriteFault. InitError is raised
    before anything is written and leaves DIR alone (it may hold someone's files)."""

    @wraps(make)
    def run(target: Path, *args: Any, **kwargs: Any) -> Started:
        existed = target.is_dir()
        try:
            with writing(target, INIT_HINT):
                return make(target, *args, **kwargs)
        except InitError:
            raise
        except BaseException:
            if not existed:
                shutil.rmtree(target, ignore_errors=True)
            for entry in list(target.iterdir()) if existed and target.is_dir() else []:
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)
            raise

    return run


@_as_it_was_on_failure
def start(
    target: Path,
    preset: str,
    *,
    id_prefix: str = "KS",
    title: str = "客诉与8D",
    with_git: bool = True,
    source: Path = SOURCE,
    entries: Sequence[str] = COPY,
    kesu_spec: str | None = None,
    forge: str = "github",
) -> Started:
    """Create the repository at ``target``; raises InitError on anything it will not do.
    ``forge``: github, gitlab or gitea (Forgejo too): whose CI configuration is written."""
    source = source.resolve()
    if preset not in preset_ids():
        raise InitError(
            f"没有编号为 {preset} 的策略预设；可选：{', '.join(preset_ids())}",
            f"No policy preset {preset}; available: {', '.join(preset_ids())}",
        )
    if not (source / ".github" / "workflows").is_dir() or not (source / "mkdocs.yml").is_file():
        raise InitError(
            f"{source} 不是完整的 Kesu 源码目录：请在 git clone 得到的 Kesu 仓库中运行 kesu init",
            f"{source} is not a full Kesu checkout: run kesu init from a git clone of Kesu",
        )
    _check_target(target, source)
    spec = _spec(kesu_spec, source)
    target.mkdir(parents=True, exist_ok=True)
    copied = 0
    for name in entries:
        if name == ".github":
            copied += _forge_files(source, target, forge)
            continue
        src = source / name
        if src.is_dir():
            copy_tree(src, target / name, ignore=_ignore(source), symlinks=False)
            copied += sum(1 for p in (target / name).rglob("*") if p.is_file())
        elif src.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target / name)
            copied += 1
    with (target / PIN).open("x", encoding="utf-8", newline="\n") as fh:
        fh.write(pin_text(spec))
        copied += 1
    for folder in EMPTY_DIRS:
        (target / folder).mkdir(exist_ok=True)
        (target / folder / ".gitkeep").touch()
    with (target / "kesu.yaml").open("x", encoding="utf-8", newline="\n") as fh:
        fh.write(config_text(preset, id_prefix, title))
    copied += _ignore_cache(target / ".gitignore")
    if with_git:
        git.Repo.init(target, initial_branch="main")
    return Started(target, copied + 1, with_git, forge)


_FORGE_WORDS = {
    "github": (
        "GitHub",
        ".github",
        "docs/pull-request-workflow.md",
        "分支保护",
        "branch protection",
    ),
    "gitlab": (
        "GitLab",
        ".gitlab",
        "docs/forge-gitlab.md",
        "受保护分支、合并请求设置与 CI/CD 配置文件",
        "protected branches, merge request settings and the CI/CD configuration file",
    ),
    "gitea": (
        "Gitea / Forgejo",
        ".gitea",
        "docs/forge-gitea.md",
        "分支保护与所需状态检查",
        "branch protection and the required status checks",
    ),
}


def next_steps(started: Started, lang: str) -> str:
    root = started.root
    name, folder, page, what_zh, what_en = _FORGE_WORDS[started.forge]
    if lang == "en":
        return (
            f"Started a records repository in {root}.\n"
            "Next:\n"
            f"  1. edit kesu.yaml (people, roles and {name} logins) and {folder}/CODEOWNERS\n"
            "     (teams);\n"
            "  2. git add -A && git commit -m 'Start complaint records' and push to a private "
            "repository;\n"
            f"  3. set {what_en} as {page} describes;\n"
            "  4. kesu new  (creates the first record)\n"
        )
    return (
        f"已在 {root} 创建记录仓库。\n"
        "接下来：\n"
        f"  1. 编辑 kesu.yaml（人员、角色与 {name} 账号）和 {folder}/CODEOWNERS（团队）；\n"
        "  2. git add -A && git commit -m 'Start complaint records'，推送到私有仓库；\n"
        f"  3. 按 {page} 设置{what_zh}；\n"
        "  4. kesu new  （新建第一条记录）\n"
    )
