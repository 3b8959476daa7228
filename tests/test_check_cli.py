"""``kesu check`` output: text, GitHub annotations, JSON and the job summary."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.test_check_gitrepo import AS_OF, PlayRepo, make_repo

GM = {
    "role": "gm",
    "name": "钱志远",
    "date": "2025-02-21",
    "decision": "approved",
    "subject": "closure",
}


@pytest.fixture
def repo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> PlayRepo:
    return make_repo(tmp_path, capsys, monkeypatch)


def _close_without_gm(d: dict[str, Any]) -> None:
    d["status"] = "closed"
    d["customer_deadline"] = "2025-01-25 18:00"


def _pr(repo: PlayRepo) -> None:
    repo.branch("pr")
    repo.edit("KS-2025-0002", _close_without_gm)


def test_text_in_chinese(repo: PlayRepo) -> None:
    _pr(repo)
    code, out, err = repo.run("check", "--base", "main", "--as-of", AS_OF, lang="zh")
    assert (code, err) == (1, "")
    lines = out.splitlines()
    assert lines[0] == "本次改动需要的审批："
    assert lines[1] == "  - 关闭 KS-2025-0002 需要 总经理 (gm) 审批（closure）— 尚未记录"
    assert any(
        line.startswith("records/KS-2025-0002.yaml:7:20:")
        and "error [change-deadline] customer_deadline: customer_deadline 的期限被推迟" in line
        for line in lines
    )
    assert "    提示: 在 extensions 中追加一条：milestone: customer_deadline" in out
    assert lines[-1] == "已检查 3 条记录：1 个文件有错误，共 2 个错误。"


def test_github_annotations_and_job_summary(
    repo: PlayRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _pr(repo)
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, out, _ = repo.run("check", "--base", "main", "--as-of", AS_OF, "--format", "github")
    assert code == 1
    assert out.startswith("::notice title=kesu::Approvals this change needs:\n")
    assert (
        "::notice title=kesu::  - closing KS-2025-0002 needs gm approval (General manager, "
        "closure) — not recorded yet" in out
    )
    assert (
        "::error file=records/KS-2025-0002.yaml,line=7,col=20,title=kesu change-deadline::" in out
    )
    md = summary.read_text(encoding="utf-8")
    assert md.startswith("earlier step\n## kesu check: ❌ 2 error(s)\n")
    assert "Base `main` (" in md and "records changed: `KS-2025-0002`" in md
    assert "### Approvals this pull request needs" in md
    assert "| `records/KS-2025-0002.yaml` | 7 | `customer_deadline` | change-deadline |" in md


def test_summary_of_a_clean_change(repo: PlayRepo, tmp_path: Path) -> None:
    repo.branch("pr")
    repo.edit("KS-2025-0002", lambda d: (d.update(status="closed"), d["approvals"].append(GM)))
    summary = tmp_path / "s.md"
    code, _, _ = repo.run(
        "check", "--base", "main", "--as-of", AS_OF, "--summary", str(summary), lang="zh"
    )
    assert code == 0
    md = summary.read_text(encoding="utf-8")
    assert md.startswith("## kesu check: ✅ 通过\n")
    assert (
        "- 关闭 KS-2025-0002 需要 总经理 (gm) 审批（closure）— 已记录：钱志远 2025-02-21 approved"
        in md
    )
    assert "### 问题" not in md


def test_json_document(repo: PlayRepo) -> None:
    _pr(repo)
    code, doc = repo.check()
    assert code == 1
    assert doc["base"] == "main" and len(doc["base_commit"]) == 40
    assert doc["changed"] == ["records/KS-2025-0002.yaml"]
    assert [n["role"] for n in doc["approvals_needed"]] == ["gm"]
    assert json.dumps(doc, ensure_ascii=False)  # serialisable as printed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--base", "no-such-branch"], "Unknown base revision 'no-such-branch'"),
        (
            ["--base", "main", "--as-of", "2025-13-40"],
            "--as-of '2025-13-40' is not a real date and time",
        ),
    ],
)
def test_usage_errors_exit_2(repo: PlayRepo, args: list[str], message: str) -> None:
    code, out, err = repo.run("check", *args)
    assert (code, out) == (2, "")
    assert message in err and "Traceback" not in err
