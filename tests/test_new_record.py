"""``kesu new``: next id from the base branch and the working tree, never overwriting."""

from __future__ import annotations

import os
import subprocess
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from generator.change.newrecord import NewFields, ask_fields, create, next_id, render, taken_ids
from generator.config.settings import load_config
from generator.pipeline import validate_settings
from generator.validate.records import validate_repository
from tests.test_check_gitrepo import PlayRepo

TZ = ZoneInfo("Asia/Shanghai")
FIELDS = NewFields(
    title="恒力工控 线束 端子退针",
    customer="恒力工控设备有限公司",
    product="PLC 控制柜内部连接线束",
    channel="phone",
)


@pytest.mark.parametrize(
    ("taken", "expected"),
    [
        ([], "KS-2026-0001"),
        (["KS-2026-0009", "KS-2026-0010-1", "KS-2025-0042"], "KS-2026-0011"),
        (["KS-2026-0041-2", "QA-2026-0100", "KS-2026-000123"], "KS-2026-0124"),
        (["KS-2026-9999"], "KS-2026-10000"),
    ],
)
def test_next_id(taken: list[str], expected: str) -> None:
    assert next_id("KS", 2026, taken) == expected


def test_render_has_modeline_required_fields_and_quotes_text() -> None:
    fields = NewFields(
        title='问题: "#1" @线束',
        customer="A: B",
        product="P",
        channel="email",
        description="客户原话",
    )
    text = render("KS-2026-0001", fields, datetime(2026, 3, 2, 9, 5, tzinfo=TZ), "../schema/x.json")
    assert text.splitlines()[0] == "# yaml-language-server: $schema=../schema/x.json"
    assert 'title: "问题: \\"#1\\" @线束"' in text
    assert 'received_at: "2026-03-02 09:05"' in text
    assert "status: registered" in text


def test_created_record_validates_and_takes_the_base_branchs_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    play = PlayRepo(tmp_path / "upstream", capsys)
    play.save("KS-2026-0007", {**play.load("KS-2025-0003"), "id": "KS-2026-0007"})
    play.commit("0007 on main")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(play.root), str(clone)], check=True)
    # meanwhile main gets 0008; the clone's origin/main does not know it yet (not fetched),
    # but a local working-tree file 0009 counts too
    play.save("KS-2026-0008", {**play.load("KS-2025-0003"), "id": "KS-2026-0008"})
    play.commit("0008 on main")
    subprocess.run(["git", "-C", str(clone), "checkout", "-q", "-b", "qe/new"], check=True)
    config, _ = load_config(clone)
    assert taken_ids(config, None)[1] == "origin/HEAD"
    made = create(config, FIELDS, datetime(2026, 3, 2, 1, 30, tzinfo=ZoneInfo("UTC")))
    assert made.id == "KS-2026-0008"
    assert made.path.read_text(encoding="utf-8").count('received_at: "2026-03-02 09:30"') == 1
    (clone / "records" / "KS-2026-0011.yaml").write_text("id: x\n", encoding="utf-8")
    assert create(config, FIELDS, datetime(2026, 3, 2, 10, tzinfo=TZ)).id == "KS-2026-0012"
    (clone / "records" / "KS-2026-0011.yaml").unlink()
    (clone / "records" / "KS-2026-0012.yaml").unlink()
    result = validate_repository(validate_settings(config), [made.path])
    assert [d for d in result.diagnostics if d.severity == "error"] == []


def test_new_without_git_uses_the_working_tree(tmp_path: Path) -> None:
    config, _ = load_config(tmp_path)
    made = create(config, FIELDS, datetime(2026, 1, 1, 8, tzinfo=TZ))
    assert (made.id, made.base) == ("KS-2026-0001", None)
    assert made.path == tmp_path / "records" / "KS-2026-0001.yaml"
    assert "$schema=../schema/complaint.schema.json" in made.path.read_text(encoding="utf-8")


def test_never_overwrites(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config, _ = load_config(tmp_path)
    target = tmp_path / "records" / "KS-2026-0001.yaml"
    target.parent.mkdir()
    real_link = os.link

    def racing_link(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        # another process creates the file between choosing the id and putting ours in place
        if Path(dst) == target and not target.exists():
            target.write_text("theirs\n", encoding="utf-8")
        real_link(src, dst)

    monkeypatch.setattr(os, "link", racing_link)
    with pytest.raises(FileExistsError):
        create(config, FIELDS, datetime(2026, 1, 1, 8, tzinfo=TZ))
    assert target.read_text(encoding="utf-8") == "theirs\n"
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no temporary file


def test_cli_with_flags(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    play = PlayRepo(tmp_path / "repo", capsys)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    code, out, err = play.run(
        "new",
        "--title",
        "星辰通信 SSD 掉盘",
        "--customer",
        "星辰通信",
        "--product",
        "SSD",
        "--channel",
        "email",
        "--received-at",
        "2025-03-01 08:00",
        lang="zh",
    )
    assert (code, err) == (0, "")
    assert "已创建 records/KS-2025-0004.yaml" in out
    assert "（编号 KS-2025-0004，接在 HEAD 与工作区的最大编号之后）" in out
    code, doc = play.check()
    assert code == 0, doc["diagnostics"]


def test_cli_without_a_terminal_names_missing_flags(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    play = PlayRepo(tmp_path / "repo", capsys)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    code, _out, err = play.run("new", "--title", "xx", lang="zh")
    assert code == 2
    assert "缺少 --customer --product --channel" in err


def test_interactive_prompts_in_chinese() -> None:
    answers = iter(["标题很好", "恒力工控", "线束", "", "2", "9", "2", ""])
    asked: list[str] = []
    said: list[str] = []

    def ask(prompt: str) -> str:
        asked.append(prompt)
        return next(answers)

    got = ask_fields({"title": None}, ask, said.append)
    assert got == {
        "title": "标题很好",
        "customer": "恒力工控",
        "product": "线束",
        "origin": "external",
        "category": "delivery",
        "channel": "email",
        "description": "",
    }
    assert asked[0].startswith("标题")
    assert "来源 [external]: " in asked
    assert "请选择 1–7 或输入代码。" in said


def test_new_refuses_fields_that_make_an_invalid_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from generator.cli.main import main

    repo = tmp_path / "repo"
    (repo / "records").mkdir(parents=True)
    code = main(
        [
            "-C",
            str(repo),
            "--lang",
            "en",
            "new",
            "--title",
            "t",
            "--customer",
            "C",
            "--product",
            "P",
            "--category",
            "quality",
            "--origin",
            "external",
            "--channel",
            "email",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "title: Too short: at least 2 characters" in err
    assert err.rstrip().endswith("kesu new: no record created: fix the fields above")
    assert list((repo / "records").iterdir()) == []
