"""Completion times entered after the fact, read back from the main line's history."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from generator.change.recorded import late_recorded
from generator.common.model import Record
from generator.load.discover import discover, load_files
from tests.conftest import CASES, load_record

TZ = ZoneInfo("Asia/Shanghai")
RID = "KS-2025-0003"


class Repo:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir()
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.name", "QE")
        self.git("config", "user.email", "qe@example.com")
        (root / "records").mkdir()

    def git(self, *args: str, date: str = "2025-02-10T12:00:00+08:00") -> str:
        env = dict(os.environ, GIT_COMMITTER_DATE=date, GIT_AUTHOR_DATE=date)
        proc = subprocess.run(
            ["git", *args], cwd=self.root, capture_output=True, text=True, env=env, check=False
        )
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    def write(self, data: dict[str, object]) -> None:
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        (self.root / "records" / f"{RID}.yaml").write_text(text, encoding="utf-8")

    def commit(self, message: str, date: str) -> None:
        self.git("add", "-A", date=date)
        self.git("commit", "-q", "-m", message, date=date)

    def records(self) -> list[Record]:
        files, _ = discover([self.root / "records"], self.root)
        return [Record(lf.stem, lf.display, lf.data or {}) for lf in load_files(files, self.root)]


def _base_record() -> dict[str, Any]:
    return load_record(CASES / "check" / "records" / f"{RID}.yaml")


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    r = Repo(tmp_path / "repo")
    r.write(_base_record())
    r.commit("register", "2025-02-10T12:00:00+08:00")
    (r.root / "notes.txt").write_text("main moves on\n", encoding="utf-8")
    r.commit("unrelated", "2025-02-20T09:00:00+08:00")
    return r


def _merge_with(repo: Repo, done_at: str) -> str:
    repo.git("checkout", "-q", "-b", "pr", date="2025-02-20T10:00:00+08:00")
    data = _base_record()
    data["milestones"] = {"classification": {"done_at": done_at, "by": "王磊"}}
    repo.write(data)
    repo.commit("classified", "2025-02-20T10:00:00+08:00")
    repo.git("checkout", "-q", "main", date="2025-02-21T08:00:00+08:00")
    repo.git("merge", "-q", "--no-ff", "-m", "merge pr", "pr", date="2025-02-21T08:00:00+08:00")
    return repo.git("rev-parse", "HEAD").strip()


def test_a_value_before_the_base_of_its_merge_is_late(repo: Repo) -> None:
    merge = _merge_with(repo, "2025-02-10 12:30")
    [entry] = late_recorded(repo.root, "records", repo.records(), TZ)
    assert entry.record == RID
    assert entry.field == "milestones.classification.done_at"
    assert entry.value == "2025-02-10 12:30"
    assert entry.recorded_commit == merge[:12]
    assert entry.recorded_at.isoformat() == "2025-02-21T08:00:00+08:00"
    assert entry.base_at.isoformat() == "2025-02-20T09:00:00+08:00"


def test_a_value_after_the_base_is_not(repo: Repo) -> None:
    _merge_with(repo, "2025-02-20 09:30")
    assert late_recorded(repo.root, "records", repo.records(), TZ) == []


def test_values_of_the_first_commit_are_never_late(tmp_path: Path) -> None:
    r = Repo(tmp_path / "repo")
    data = _base_record()
    data["milestones"] = {"classification": {"done_at": "2025-02-10 12:30", "by": "王磊"}}
    r.write(data)
    r.commit("import", "2026-01-01T00:00:00+08:00")
    assert late_recorded(r.root, "records", r.records(), TZ) == []


def test_a_later_unrelated_edit_keeps_the_first_recording(repo: Repo) -> None:
    merge = _merge_with(repo, "2025-02-10 12:30")
    data = load_record(repo.root / "records" / f"{RID}.yaml")
    data["notes"] = "客户补充了照片"
    repo.write(data)
    repo.commit("a note", "2025-03-01T08:00:00+08:00")
    [entry] = late_recorded(repo.root, "records", repo.records(), TZ)
    assert entry.recorded_commit == merge[:12]


def test_imported_history_is_not_listed(repo: Repo) -> None:
    repo.git("checkout", "-q", "-b", "pr", date="2025-02-20T10:00:00+08:00")
    data = _base_record()
    data["imported"] = {"source": "2024 台账.xlsx", "imported_at": "2025-02-20"}
    data["milestones"] = {"classification": {"done_at": "2025-02-10 12:30", "by": "王磊"}}
    repo.write(data)
    repo.commit("import", "2025-02-20T10:00:00+08:00")
    assert late_recorded(repo.root, "records", repo.records(), TZ) == []


def test_outside_git_and_in_a_shallow_clone_nothing_is_claimed(repo: Repo, tmp_path: Path) -> None:
    _merge_with(repo, "2025-02-10 12:30")
    shallow = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{repo.root}", str(shallow)], check=True
    )
    files, _ = discover([shallow / "records"], shallow)
    records = [Record(lf.stem, lf.display, lf.data or {}) for lf in load_files(files, shallow)]
    assert late_recorded(shallow, "records", records, TZ) == []
    plain = tmp_path / "plain"
    (plain / "records").mkdir(parents=True)
    assert late_recorded(plain, "records", records, TZ) == []


def test_the_export_and_the_8d_page_show_them(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from generator.cli.main import main

    _merge_with(repo, "2025-02-10 12:30")
    (repo.root / "kesu.yaml").write_text('preset: "002"\n', encoding="utf-8")
    assert main(["-C", str(repo.root), "export", "--as-of", "2025-03-01 12:00"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [e["field"] for e in doc["late_entries"]] == ["milestones.classification.done_at"]
    from generator.config.settings import load_config
    from generator.site.build import compute_site, generate

    config, _ = load_config(repo.root)
    import io
    from datetime import datetime

    site = compute_site(
        config, datetime(2025, 3, 1, 12, tzinfo=TZ), "zh", strict=False, out=io.StringIO()
    )
    assert site is not None
    (repo.root / "site").mkdir()
    generate(config, site)
    page = (repo.root / "site" / "generated" / "records" / f"{RID}.md").read_text("utf-8")
    assert "补录的完成时间" in page
    assert "milestones.classification.done_at" in page
