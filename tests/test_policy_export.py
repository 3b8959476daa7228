"""The ``kesu export --format json`` shape, ``kesu show`` text, reopen numbering.

How long ``compute_all`` takes and how it grows: ``python -m bench.compute`` and
``python -m bench.guards``."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from generator.common.model import Record
from generator.compute.records import compute_all, next_reopen_id
from generator.config.settings import RepoConfig
from generator.policy.loader import Policy, load_policy
from generator.render.jsonexport import export_json, to_json
from generator.render.show import explain
from generator.time.workcal import WorkCalendar, load_official_calendar

TZ = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar(load_official_calendar(), TZ)
AS_OF = datetime(2026, 4, 10, 12, 0, tzinfo=TZ)


def policy(preset: str) -> Policy:
    p, diags = load_policy(RepoConfig(root=Path("/nonexistent"), preset=preset))
    assert p is not None, diags
    return p


def records() -> list[Record]:
    data: list[dict[str, Any]] = [
        {
            "id": "KS-2026-0002",
            "received_at": "2026-03-30 10:00",
            "customer_priority": "A",
            "responsibility": {"responsible_department": "生产部"},
            "milestones": {"dept_opinion_a": {"done_at": "2026-04-01 09:00"}},
        },
        {"id": "KS-2026-0001", "received_at": "2026-03-02 10:00", "facts": {"scope": "batch"}},
    ]
    return [
        Record(
            d["id"], f"records/{d['id']}.yaml", {"status": "registered", "category": "quality", **d}
        )
        for d in data
    ]


RECORD_KEYS = {
    "id",
    "grade",
    "not_a_complaint",
    "cancelled",
    "cancel_reason",
    "cancel_at",
    "restarted_at",
    "overdue",
    "next_due",
    "milestones",
    "penalties",
    "required_approvals",
    "reopen_suggested",
    "reopen_of",
    "reopened_as",
}
MILESTONE_KEYS = {
    "id",
    "name",
    "variant",
    "start_event",
    "start_at",
    "due_at",
    "original_due_at",
    "due_source",
    "done_at",
    "state",
    "overdue",
    "late_by_seconds",
    "estimated",
    "explanation",
}


def test_export_shape_is_documented_and_stable() -> None:
    p = policy("003")
    doc = export_json(compute_all(records(), p, CAL, AS_OF), p, AS_OF)
    assert doc["schema_version"] == 1
    assert doc["as_of"] == "2026-04-10T12:00:00+08:00"
    assert doc["policy"] == {"id": "003", "name": {"zh": p.name.zh, "en": p.name.en}}
    assert [r["id"] for r in doc["records"]] == ["KS-2026-0001", "KS-2026-0002"]
    for r in doc["records"]:
        assert set(r) == RECORD_KEYS
        assert set(r["grade"]) == {
            "id",
            "name",
            "fact_grade",
            "computed_grade",
            "declared",
            "declared_status",
            "reasons",
        }
        for m in r["milestones"]:
            assert set(m) == MILESTONE_KEYS
            for key in ("start_at", "due_at", "done_at"):
                assert m[key] is None or m[key][-6:] == "+08:00"
    r2 = doc["records"][1]
    fr = next(m for m in r2["milestones"] if m["id"] == "final_result")
    # received 3/30 10:00 + 4 natural days = 4/3 10:00; overdue by 7 d 2 h = 612000 s
    assert (fr["due_at"], fr["state"], fr["late_by_seconds"]) == (
        "2026-04-03T10:00:00+08:00",
        "overdue",
        612000,
    )
    # dept opinion: 1 working day → 3/31 end of day (microseconds kept: the exact instant)
    op = next(m for m in r2["milestones"] if m["id"] == "dept_opinion_a")
    assert op["due_at"] == "2026-03-31T23:59:59.999999+08:00"
    assert r2["penalties"][0]["month"] == "2026-03"
    # 0001 (B, no department): first fined due is the answer at 3/4 10:00 → 2026-03, 200.
    # 0002 (A, 生产部): dept opinion due 3/31 EOD, done late → 2026-03, 500. Unassigned last.
    assert doc["penalty_totals"] == [
        {
            "charged_to": "生产部",
            "month": "2026-03",
            "amount": 500.0,
            "currency": "CNY",
            "count": 1,
            "records": ["KS-2026-0002"],
        },
        {
            "charged_to": None,
            "month": "2026-03",
            "amount": 200.0,
            "currency": "CNY",
            "count": 1,
            "records": ["KS-2026-0001"],
        },
    ]
    text = json.dumps(doc, ensure_ascii=False, sort_keys=True)
    again = export_json(compute_all(records()[::-1], p, CAL, AS_OF), p, AS_OF)
    assert json.dumps(again, ensure_ascii=False, sort_keys=True) == text


def test_to_json_of_one_record_matches_the_document() -> None:
    p = policy("003")
    results = compute_all(records(), p, CAL, AS_OF)
    doc = export_json(results, p, AS_OF)
    assert to_json(results["KS-2026-0001"]) == doc["records"][0]


def test_explain_in_both_languages() -> None:
    p = policy("003")
    c = compute_all(records(), p, CAL, AS_OF)["KS-2026-0002"]
    zh, en = explain(c, "zh"), explain(c, "en")
    assert zh.startswith("KS-2026-0002  级别 A A 重要紧急")
    assert "final_result 最终解决结果告知客户" in zh and "已逾期 7天2小时" in zh
    assert "罚款 500 CNY → 生产部（2026-03）" in zh
    assert en.startswith("KS-2026-0002  grade A A important and urgent")
    assert "overdue 7 d 2 h" in en and "Penalty 500 CNY → 生产部 (2026-03)" in en
    declared = Record(
        "KS-2026-0003",
        "r",
        {
            "received_at": "2026-03-02 10:00",
            "facts": {"line_stop": True},
            "grade_declared": {"grade": "3", "reason": "x"},
        },
    )
    c0 = compute_all([declared], policy("000"), CAL, AS_OF)["KS-2026-0003"]
    assert "声明级别 3 未采用（更宽松）" in explain(c0)


def test_next_reopen_id() -> None:
    p = policy("004")
    ids = {"KS-2026-0007", "KS-2026-0007-1", "KS-2026-0008-1", "KS-2026-00071-1"}
    assert next_reopen_id(p, "KS-2026-0007", ids) == "KS-2026-0007-2"
    assert next_reopen_id(p, "KS-2026-0007-1", ids) == "KS-2026-0007-2"  # counted from the root
    assert next_reopen_id(p, "KS-2026-0009", ids) == "KS-2026-0009-1"
