"""Recurrence suggestions: earlier records that are probably the same problem under another key,
as a pull request shows them (``kesu check``) and ``kesu new`` prints them. Pairs of one problem
written the way different engineers write them are suggested; pairs that only look alike are
not; a suggestion never changes a grade, and ``distinct_from`` silences it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from generator.common.model import Record
from generator.compute.recurrence import suggest
from generator.config.settings import RepoConfig
from generator.policy.loader import load_policy
from tests.test_check_gitrepo import PlayRepo, make_repo

TZ = ZoneInfo("Asia/Shanghai")
AS_OF = "2025-03-01 12:00"


def _policy(preset: str = "000") -> Any:
    policy, _ = load_policy(RepoConfig(root=Path(__file__).parent, preset=preset))
    assert policy is not None
    return policy


def _rec(
    rid: str,
    received: str,
    company: str,
    part: str,
    defect: str | None,
    key: str,
    text: str,
    **extra: Any,
) -> Record:
    data: dict[str, Any] = {
        "id": rid,
        "received_at": received,
        "status": "registered",
        "title": text[:20],
        "customer": {"company": company},
        "product": {"name": "SATA 固态硬盘", "part_number": part},
        "problem_key": key,
        "description": text,
        "facts": {"written_report": False},
        **extra,
    }
    if defect is not None:
        data["defect_code"] = defect
    return Record(rid, f"records/{rid}.yaml", data)


FIRST = _rec(
    "KS-2025-0003",
    "2025-02-10 10:00",
    "星辰通信科技股份有限公司",
    "SSD-SA512-25",
    "NO-DETECT",
    "星辰通信/SSD-SA512-25/NO-DETECT",
    "客户邮件反馈：2 台设备开机不识别 SSD，重新上电后偶发恢复。",
)
SAME = "星辰通信科技股份有限公司", "SSD-SA512-25"

# (case, company, part, defect, key, description, suggested, what makes them alike)
PAIRS = [
    (
        "misspelled key",
        *SAME,
        "NODETECT",
        "星辰通讯/SSD-SA512-25/NODETECT",
        "开机不识别 SSD",
        True,
        "problem_key",
    ),
    (
        "other word order",
        *SAME,
        "NO-DETECT",
        "星辰通信/NO-DETECT/SSD-SA512-25",
        "重新上电后偶发恢复，开机不识别 SSD",
        True,
        "problem_key",
    ),
    (
        "traditional characters",
        "星辰通信科技股份有限公司",
        "SSD-SA512-25",
        "NO-DETECT",
        "星辰通信科技/SSD-SA512-25/NO-DETECT",
        "客戶郵件反饋：設備開機不識別 SSD。",
        True,
        "problem_key",
    ),
    (
        "full-width forms",
        *SAME,
        "ＮＯ－ＤＥＴＥＣＴ",
        "星辰通信/ＳＳＤ－ＳＡ５１２－２５/ＮＯ－ＤＥＴＥＣＴ",
        "开机不识别",
        True,
        "problem_key",
    ),
    (
        "another key scheme, no defect code",
        *SAME,
        None,
        "星辰 SSD-SA512-25 不识别",
        "客户反馈：设备开机不识别 SSD，重新上电后偶发恢复。",
        True,
        "description",
    ),
    (
        "look-alike: same customer and part, another defect",
        *SAME,
        "BAD-BLOCK",
        "星辰通信/SSD-SA512-25/BAD-BLOCK",
        "老化测试后坏块数增长，写入速度下降。",
        False,
        "",
    ),
    (
        "look-alike: same defect, another customer and part",
        "恒力工控设备有限公司",
        "WH-PLC-0350",
        "NO-DETECT",
        "恒力工控/WH-PLC-0350/NO-DETECT",
        "控制柜上电后模块不识别。",
        False,
        "",
    ),
    (
        "look-alike: same customer and defect, another part",
        "星辰通信科技股份有限公司",
        "NV1T-M2",
        "NO-DETECT",
        "星辰通信/NV1T-M2/NO-DETECT",
        "开机不识别 NVMe 盘。",
        False,
        "",
    ),
]


@pytest.mark.parametrize(
    ("case", "company", "part", "defect", "key", "text", "expected", "what"),
    PAIRS,
    ids=[p[0] for p in PAIRS],
)
def test_pairs(
    case: str,
    company: str,
    part: str,
    defect: str | None,
    key: str,
    text: str,
    expected: bool,
    what: str,
) -> None:
    later = _rec("KS-2025-0004", "2025-02-20 09:00", company, part, defect, key, text)
    found = suggest([later], [FIRST, later], _policy(), TZ)
    assert [s.earlier for s in found] == (["KS-2025-0003"] if expected else []), case
    if expected:
        (s,) = found
        assert what in [a.what for a in s.alike]
        assert s.link == (("problem_key", "星辰通信/SSD-SA512-25/NO-DETECT"),)
        # grade 3 alone; a general problem twice within 3 months is a complaint (1b)
        assert (s.grade, s.grade_if_linked) == ("3", "1")


def test_no_suggestion_when_already_counted_outside_the_window_or_silenced() -> None:
    same_key = _rec(
        "KS-2025-0004",
        "2025-02-20 09:00",
        *SAME,
        "NO-DETECT",
        "星辰通信/SSD-SA512-25/NO-DETECT",
        "开机不识别",
    )
    late = _rec(
        "KS-2026-0004",
        "2026-03-01 09:00",
        *SAME,
        "NODETECT",
        "星辰通讯/SSD-SA512-25/NODETECT",
        "开机不识别",
    )
    silenced = _rec(
        "KS-2025-0005",
        "2025-02-21 09:00",
        *SAME,
        "NODETECT",
        "星辰通讯/SSD-SA512-25/NODETECT",
        "开机不识别",
        distinct_from=[{"id": "KS-2025-0003", "reason": "另一批次的静电损伤"}],
    )
    for later in (same_key, late, silenced):
        assert suggest([later], [FIRST, later], _policy(), TZ) == [], later.id
    # silenced from the other side too
    first = Record(
        FIRST.id,
        FIRST.path,
        {**FIRST.data, "distinct_from": [{"id": "KS-2025-0006", "reason": "不同失效机理"}]},
    )
    other = _rec(
        "KS-2025-0006",
        "2025-02-22 09:00",
        *SAME,
        "NODETECT",
        "星辰通讯/SSD-SA512-25/NODETECT",
        "开机不识别",
    )
    assert suggest([other], [first, other], _policy(), TZ) == []
    cancelled = Record(FIRST.id, FIRST.path, {**FIRST.data, "status": "cancelled"})
    assert suggest([other], [cancelled, other], _policy(), TZ) == []


def test_a_policy_without_recurrence_criteria_suggests_nothing() -> None:
    later = _rec(
        "KS-2025-0004",
        "2025-02-20 09:00",
        *SAME,
        "NODETECT",
        "星辰通讯/SSD-SA512-25/NODETECT",
        "开机不识别",
    )
    assert suggest([later], [FIRST, later], _policy("004"), TZ) == []


def test_other_keys_than_problem_key() -> None:
    # Preset 002 counts by part number + defect code (criterion E) and by customer (F).
    later = _rec(
        "KS-2025-0004",
        "2025-02-20 09:00",
        *SAME,
        "NODETECT",
        "星辰通讯/SSD-SA512-25/NODETECT",
        "开机不识别",
    )
    (s,) = suggest([later], [FIRST, later], _policy("002"), TZ)
    assert ("defect_code", "NO-DETECT") in s.link


# ------------------------------------------------------------------ on a pull request


@pytest.fixture
def repo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> PlayRepo:
    play = make_repo(tmp_path, capsys, monkeypatch)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    return play


def _add(repo: PlayRepo, rid: str, **change: Any) -> None:
    data = repo.load("KS-2025-0003")
    data.update(id=rid, received_at="2025-02-20 09:00", **change)
    repo.save(rid, data)


def _check(repo: PlayRepo, preset: str = "000") -> tuple[int, dict[str, Any]]:
    code, out, err = repo.run(
        "--preset", preset, "check", "--base", "main", "--as-of", AS_OF, "--format", "json"
    )
    assert code in (0, 1), err
    doc: dict[str, Any] = json.loads(out)
    return code, doc


def test_check_suggests_on_the_pull_request_and_never_blocks(repo: PlayRepo) -> None:
    repo.branch("pr")
    _add(
        repo,
        "KS-2025-0004",
        problem_key="星辰通讯/SSD-SA512-25/NODETECT",
        defect_code="NODETECT",
        description="客户电话：又有 3 台设备开机不识别 SSD。",
    )
    code, doc = _check(repo)
    assert code == 0
    (note,) = [d for d in doc["diagnostics"] if d["code"] == "recurrence-suggested"]
    assert note["severity"] == "warning" and note["file"] == "records/KS-2025-0004.yaml"
    assert note["field"] == "problem_key" and note["line"] is not None
    assert note["message"].startswith(
        "Probably the same problem as the earlier KS-2025-0003 (near-equal problem key "
    )
    assert note["message"].endswith(
        "; within 3 months), not counted together by problem_key: written alike, this record "
        "would be grade 1 (now 3)"
    )
    assert note["hint"].startswith(
        "Same problem: write problem_key: 星辰通信/SSD-SA512-25/NO-DETECT as KS-2025-0003 has it "
        "(escalation counts by problem_key)"
    )
    assert "distinct_from: [{id: KS-2025-0003, reason: …}]" in note["hint"]
    (s,) = doc["recurrence_suggestions"]
    assert (s["record"], s["earlier"], s["grade"], s["grade_if_linked"]) == (
        "KS-2025-0004",
        "KS-2025-0003",
        "3",
        "1",
    )
    assert s["link"] == [{"field": "problem_key", "value": "星辰通信/SSD-SA512-25/NO-DETECT"}]
    assert s["window"] == {"months": 3, "days": 0} and s["apart"] == [["problem_key"]]
    code, out, _ = repo.run(
        "--preset", "000", "check", "--base", "main", "--as-of", AS_OF, "--format", "github"
    )
    assert "::warning file=records/KS-2025-0004.yaml,line=" in out
    # silenced: the engineers checked and it is another problem
    repo.edit(
        "KS-2025-0004",
        lambda d: d.update(
            distinct_from=[{"id": "KS-2025-0003", "reason": "另一批次，静电击穿，非固件问题"}]
        ),
    )
    code, doc = _check(repo)
    assert code == 0 and doc["recurrence_suggestions"] == []
    # linked: the same key, now counted; nothing left to suggest and the grade escalates
    repo.edit(
        "KS-2025-0004",
        lambda d: (d.pop("distinct_from"), d.update(problem_key="星辰通信/SSD-SA512-25/NO-DETECT")),
    )
    code, doc = _check(repo)
    assert doc["recurrence_suggestions"] == []


def test_check_does_not_suggest_a_look_alike(repo: PlayRepo) -> None:
    repo.branch("pr")
    _add(
        repo,
        "KS-2025-0004",
        problem_key="星辰通信/SSD-SA512-25/BAD-BLOCK",
        defect_code="BAD-BLOCK",
        title="星辰通信 SSD-SA512-25 坏块增长",
        description="老化测试 72 小时后坏块数增长，写入速度下降 40%。",
    )
    code, doc = _check(repo)
    assert code == 0 and doc["recurrence_suggestions"] == []
    assert not [d for d in doc["diagnostics"] if d["code"] == "recurrence-suggested"]


def test_kesu_new_prints_the_suggestion(repo: PlayRepo) -> None:
    code, out, _ = repo.run(
        "--preset",
        "000",
        "new",
        "--title",
        "星辰通信 SSD 开机不识别",
        "--customer",
        "星辰通信科技股份有限公司",
        "--product",
        "2.5 英寸 SATA 固态硬盘 512GB",
        "--channel",
        "phone",
        "--description",
        "客户电话反馈：设备开机不识别 SSD。",
        "--received-at",
        "2025-02-20 09:00",
    )
    assert code == 0
    lines = out.splitlines()
    assert lines[2].startswith("note: Probably the same problem as the earlier KS-2025-0003 (")
    assert "similar description" in lines[2]
    assert lines[3].startswith("  Same problem: write problem_key: 星辰通信/SSD-SA512-25/NO-DETECT")
