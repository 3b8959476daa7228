"""Reopen links both ways: the export names, for an original, the records it was reopened as;
``kesu new --reopen ID`` makes the ``-N`` record with ``reopen_of``, a link back and the
inherited fields."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from generator.cli.main import main
from tests.conftest import CASES, copy_case
from tests.test_check_gitrepo import PlayRepo, make_repo

AS_OF = "2025-03-01 12:00"


def test_export_links_a_reopening_and_its_original_both_ways(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = copy_case(CASES / "valid/links-and-reopen", tmp_path / "repo")
    second = yaml.safe_load((repo / "records/KS-2026-0101-1.yaml").read_text(encoding="utf-8"))
    for n in (2, 10):  # -10 comes after -2, not between -1 and -2
        second["id"] = f"KS-2026-0101-{n}"
        (repo / f"records/KS-2026-0101-{n}.yaml").write_text(
            yaml.safe_dump(second, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    capsys.readouterr()
    assert main(["-C", str(repo), "export", "--as-of", "2026-06-01 12:00"]) == 0
    doc = json.loads(capsys.readouterr().out)
    links = {r["id"]: (r["reopen_of"], r["reopened_as"]) for r in doc["records"]}
    assert links["KS-2026-0101"] == (None, ["KS-2026-0101-1", "KS-2026-0101-2", "KS-2026-0101-10"])
    assert links["KS-2026-0101-1"] == ("KS-2026-0101", [])
    assert links["KS-2026-0101-10"] == ("KS-2026-0101", [])


@pytest.fixture
def repo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> PlayRepo:
    play = make_repo(tmp_path, capsys, monkeypatch)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    return play


def test_new_reopen_makes_the_next_suffix_with_the_inherited_fields(repo: PlayRepo) -> None:
    repo.branch("reopen")
    code, out, err = repo.run(
        "new", "--reopen", "KS-2025-0001", "--reason", "客户不认可根因", "--received-at", AS_OF
    )
    assert (code, err) == (0, "")
    assert out.startswith("Created records/KS-2025-0001-1.yaml reopening KS-2025-0001")
    original, made = repo.load("KS-2025-0001"), repo.load("KS-2025-0001-1")
    assert made["id"] == "KS-2025-0001-1"
    assert made["reopen_of"] == "KS-2025-0001"
    assert made["reopen_reason"] == "客户不认可根因"
    assert made["links"] == [
        {
            "id": "KS-2025-0001",
            "relation": "related",
            "note": "重开 KS-2025-0001 / reopens KS-2025-0001",
        }
    ]
    assert made["status"] == "registered" and made["received_at"] == AS_OF
    assert made["title"] == f"重开：{original['title']}"
    for key in ("origin", "category", "channel", "customer", "product", "problem_key", "facts"):
        assert made[key] == original[key], key
    for key in ("d4_root_cause", "d8_closure", "approvals"):
        assert key not in made  # the analysis starts again
    code, out, _ = repo.run("validate", "--as-of", "2025-06-01 12:00")
    assert code == 0, out
    code, doc = repo.check()
    assert code == 0, doc["diagnostics"]
    assert doc["changed"] == ["records/KS-2025-0001-1.yaml"]
    # a reopening already on the base branch (not in this working tree) takes -1
    repo.commit("reopen KS-2025-0001")
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "reopen")
    repo.branch("again")
    repo.path("KS-2025-0001-1").unlink()
    code, out, _ = repo.run("new", "--reopen", "KS-2025-0001", "--reason", "再发", "--base", "main")
    assert code == 0 and "records/KS-2025-0001-2.yaml" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--reopen", "KS-2025-0002", "--reason", "x"], "KS-2025-0002 is not closed (status "),
        (["--reopen", "KS-2025-0099", "--reason", "x"], "no record KS-2025-0099 in records/"),
        (["--reopen", "KS-2025-0001"], "--reopen needs --reason (not a terminal"),
    ],
)
def test_new_reopen_refuses(repo: PlayRepo, args: list[str], message: str) -> None:
    before = sorted(p.name for p in (repo.root / "records").iterdir())
    code, _, err = repo.run("new", *args)
    assert code == 2 and message in err
    assert sorted(p.name for p in (repo.root / "records").iterdir()) == before


def test_new_reopen_follows_the_policy_numbering(repo: PlayRepo) -> None:
    text = (repo.root / "kesu.yaml").read_text(encoding="utf-8")
    text += "policy_overrides:\n  reopen: {numbering: new_id}\n"
    (repo.root / "kesu.yaml").write_text(text, encoding="utf-8")
    code, _, err = repo.run("new", "--reopen", "KS-2025-0001", "--reason", "x")
    assert code == 2 and "reopen.numbering: new_id" in err
    assert not repo.path("KS-2025-0001-1").exists()
