"""The shell scripts the workflows trust (.ci/): run for real on temporary repositories."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

from tests.conftest import REPO

CI = REPO / ".ci"


def _git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    return subprocess.run(
        ["git", "-C", str(cwd), *args], capture_output=True, text=True, check=True, env=env
    ).stdout.strip()


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")


def test_the_preview_tree_is_the_base_with_the_heads_data_only(tmp_path: Path) -> None:
    clone = tmp_path / "pr"
    clone.mkdir()
    _git(clone, "init", "-q", "-b", "main")
    _write(
        clone,
        {
            "mkdocs.yml": "base\n",
            "site/hooks/h.py": "base\n",
            "records/KS-2026-0001.yaml": "old\n",
            "records/KS-2026-0002.yaml": "gone\n",
        },
    )
    _git(clone, "add", "-A")
    _git(clone, "commit", "-qm", "base")
    base = _git(clone, "rev-parse", "HEAD")
    _write(
        clone,
        {
            "mkdocs.yml": "EVIL\n",
            "site/hooks/h.py": "EVIL\n",
            "site/hooks/new.py": "x",
            "mkdocs.py": "EVIL",
            "records/KS-2026-0001.yaml": "new\n",
            "attachments/KS-2026-0001/a.pdf": "pdf",
        },
    )
    (clone / "records" / "KS-2026-0002.yaml").unlink()
    _git(clone, "add", "-A")
    _git(clone, "commit", "-qm", "head")
    head = _git(clone, "rev-parse", "HEAD")
    out = tmp_path / "preview"
    subprocess.run(
        ["bash", str(CI / "preview-tree"), str(clone), base, head, str(out)],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    assert (out / "mkdocs.yml").read_text(encoding="utf-8") == "base\n"
    assert (out / "site/hooks/h.py").read_text(encoding="utf-8") == "base\n"
    assert not (out / "site/hooks/new.py").exists() and not (out / "mkdocs.py").exists()
    assert (out / "records/KS-2026-0001.yaml").read_text(encoding="utf-8") == "new\n"
    assert not (out / "records/KS-2026-0002.yaml").exists()
    assert (out / "attachments/KS-2026-0001/a.pdf").read_text(encoding="utf-8") == "pdf"
    assert _git(out, "rev-parse", "HEAD") == base


def _fake_python(bin_dir: Path) -> Path:
    """A `python` that logs its arguments: which install .ci/install-kesu chooses."""
    log = bin_dir / "log"
    script = bin_dir / "python"
    script.write_text(f'#!/bin/sh\necho "$@" >> {log}\n', encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return log


def test_install_kesu_takes_the_pin_or_the_checkout_never_editable(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = _fake_python(bin_dir)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    pinned = tmp_path / "company"
    _write(pinned, {"requirements/kesu.txt": "kesu==0.1.0\n", "requirements/constraints.txt": ""})
    kesu = tmp_path / "kesu"
    _write(kesu, {"requirements/constraints.txt": "", "pyproject.toml": ""})
    for checkout in (pinned, kesu):
        subprocess.run(
            ["bash", str(CI / "install-kesu"), str(checkout)],
            check=True,
            env=env,
            capture_output=True,
        )
    first, _, second, _ = log.read_text(encoding="utf-8").splitlines()
    assert first.endswith("-c requirements/constraints.txt -r requirements/kesu.txt")
    assert second.endswith("-c requirements/constraints.txt .")
    assert "-e" not in (first + second).split()


def test_the_engine_runs_without_the_repository_on_its_path(tmp_path: Path) -> None:
    """A module a change plants at the repository root is not imported in place of MkDocs."""
    from generator.config.settings import load_config
    from generator.site.build import run_mkdocs

    (tmp_path / "mkdocs.py").write_text(
        "raise SystemExit('planted module ran')\n", encoding="utf-8"
    )
    (tmp_path / "mkdocs.yml").write_text("site_name: t\n", encoding="utf-8")
    config, _ = load_config(tmp_path)
    import io

    buf = io.StringIO()
    code = run_mkdocs(config, "en", ["build", "--help"], buf)
    assert code == 0, buf.getvalue()
    assert "planted" not in buf.getvalue()


def test_previous_site_without_a_run_of_main_leaves_the_folder_empty(tmp_path: Path) -> None:
    """Outside GitHub (no repository, no token) there is no earlier site: the folder is made
    empty, the script says every report is laid out, and it does not fail the job."""
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_REPOSITORY", "GH_TOKEN")}
    target = tmp_path / "previous-site"
    proc = subprocess.run(
        ["bash", str(CI / "previous-site"), str(target)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "every customer report is laid out" in proc.stdout
    assert target.is_dir() and not any(target.iterdir())
