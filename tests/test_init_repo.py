"""``kesu init DIR --preset NAME``: a company's repository without the demo records."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from generator.cli.initrepo import InitError, default_spec, start
from generator.cli.main import main
from generator.config.settings import load_config
from generator.policy.loader import load_policy

SPEC = "kesu @ git+https://git.example.com/tools/kesu@0123456789abcdef0123456789abcdef01234567"


def test_init_copies_the_tooling_but_no_records(tmp_path: Path) -> None:
    target = tmp_path / "acme-complaints"
    started = start(target, "002", id_prefix="ACME", title="ACME 客诉", kesu_spec=SPEC)
    assert started.git and (target / ".git").is_dir()
    for rel in (
        ".github/workflows/pull-request.yml",
        ".github/workflows/daily.yml",
        ".github/CODEOWNERS",
        ".github/pull_request_template.md",
        ".pre-commit-config.yaml",
        ".vscode/settings.json",
        "schema/complaint.schema.json",
        "mkdocs.yml",
        "requirements/constraints.txt",
        "requirements/kesu.txt",
        ".ci/install-kesu",
        ".ci/commit-status",
        ".ci/preview-tree",
        "docs/pull-request-workflow.md",
        "records/.gitkeep",
        "attachments/.gitkeep",
    ):
        assert (target / rel).is_file(), rel
    assert sorted(p.name for p in (target / "records").iterdir()) == [".gitkeep"]
    assert sorted(p.name for p in (target / "attachments").iterdir()) == [".gitkeep"]
    assert not (target / "tests").exists() and not (target / "bench").exists()
    # Kesu is a pinned dependency, not a copy: no engine in the tree to edit in a pull request
    assert not (target / "generator").exists() and not (target / "pyproject.toml").exists()
    assert not (target / ".ci" / "run").exists()
    pin = (target / "requirements" / "kesu.txt").read_text(encoding="utf-8")
    assert [ln for ln in pin.splitlines() if not ln.startswith("#")] == [SPEC]
    assert not list(target.rglob("__pycache__"))
    assert not (target / "site" / "generated").exists()
    config, diags = load_config(target)
    assert diags == []
    assert (config.preset, config.id_prefix, config.site_title) == ("002", "ACME", "ACME 客诉")
    assert not config.notifications_enabled
    policy, problems = load_policy(config)
    assert policy is not None and problems == []


def test_init_then_kesu_new_starts_at_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "acme"
    assert (
        main(["--lang", "en", "init", str(target), "--preset", "000", "--kesu-spec", "kesu==0.1.0"])
        == 0
    )
    assert "Started a records repository" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    code = main(
        [
            "-C",
            str(target),
            "new",
            "--title",
            "第一条客诉",
            "--customer",
            "甲公司",
            "--product",
            "线束",
            "--channel",
            "phone",
            "--received-at",
            "2026-01-05 09:00",
        ]
    )
    assert code == 0
    assert (target / "records" / "KS-2026-0001.yaml").is_file()
    assert main(["-C", str(target), "validate"]) == 0
    status = subprocess.run(
        ["git", "-C", str(target), "status", "--porcelain"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "kesu.yaml" in status


def test_init_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("keep me", encoding="utf-8")
    assert main(["init", str(tmp_path / "busy")]) == 2
    assert "不会覆盖" in capsys.readouterr().err
    assert (tmp_path / "busy" / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_init_names_the_presets(tmp_path: Path) -> None:
    with pytest.raises(InitError, match="available: 000, 001"):
        start(tmp_path / "x", "999", kesu_spec=SPEC)
    assert not (tmp_path / "x").exists()


def test_init_needs_a_kesu_checkout(tmp_path: Path) -> None:
    with pytest.raises(InitError, match="not a full Kesu checkout"):
        start(tmp_path / "x", "000", source=tmp_path, kesu_spec=SPEC)


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(cwd), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_the_default_pin_is_this_clones_origin_at_its_commit(tmp_path: Path) -> None:
    src = tmp_path / "kesu"
    src.mkdir()
    _git(src, "init", "-q", "-b", "main")
    (src / "f").write_text("x", encoding="utf-8")
    _git(src, "add", "f")
    _git(src, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "c")
    assert default_spec(src) is None  # no remote: nothing to pin to
    _git(src, "remote", "add", "origin", "git@git.example.com:tools/kesu.git")
    head = _git(src, "rev-parse", "HEAD")
    assert default_spec(src) == f"kesu @ git+ssh://git@git.example.com/tools/kesu.git@{head}"
    _git(src, "remote", "set-url", "origin", "https://git.example.com/tools/kesu.git")
    assert default_spec(src) == f"kesu @ git+https://git.example.com/tools/kesu.git@{head}"
    (src / "f").write_text("changed", encoding="utf-8")
    assert default_spec(src) is None  # uncommitted changes: the commit is not what runs


@pytest.mark.parametrize(
    "spec",
    [
        "kesu\nrequests",
        "requests==1.0",
        "kesu @",
        "kesu==1.0; rm -rf /",
        "kesu @ git+https://x/y@1 --index-url http://evil",
    ],
)
def test_a_pin_is_one_requirement_on_kesu(
    tmp_path: Path, spec: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(tmp_path / "x"), "--kesu-spec", spec]) == 2
    assert "--kesu-spec" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_without_a_pin_init_says_how_to_give_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # as from a copy of Kesu that is no clean clone (default_spec: the test above), whatever
    # this checkout is
    import generator.cli.initrepo

    monkeypatch.setattr(generator.cli.initrepo, "default_spec", lambda source: None)
    assert main(["--lang", "en", "init", str(tmp_path / "x")]) == 2
    assert "pass --kesu-spec" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
