"""Stage completeness (what each status requires) and allowed status transitions."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from generator.common.model import Record
from generator.compute.completeness import CHECKS, transition_allowed
from generator.config.settings import RepoConfig
from generator.policy.loader import Policy, load_policy
from generator.validate.gaps import check_stage, check_transition, missing_text

APPROVALS = [
    {"role": r, "name": "审批人", "date": "2026-03-20", "decision": "approved", "subject": s}
    for r, s in (("manager", "reply"), ("gm", "closure"), ("gm", "measures"), ("gm", "waiver"))
]
FULL: dict[str, Any] = {
    "id": "KS-2026-0001",
    "status": "closed",
    "received_at": "2026-03-01 09:00",
    "facts": {"written_report": True},
    "d0_emergency": {"actions": [{"description": "返工", "done_at": "2026-03-01 09:20"}]},
    "d1_team": {"leader": {"name": "张三"}, "members": [{"name": "李四"}]},
    "d2_problem": {"summary": "开机无显示"},
    "d3_containment": {"actions": [{"id": "C1", "description": "隔离库存", "status": "done"}]},
    "d4_root_cause": {
        "investigation": [{"category": "machine", "change_point": "换模", "finding": "偏差"}],
        "occurrence": [
            {
                "id": "O1",
                "statement": "焊接温度低",
                "category": "machine",
                "verification": {"verified": True},
            }
        ],
        "escape": [
            {
                "id": "E1",
                "statement": "漏检",
                "category": "measurement",
                "verification": {"verified": True},
            }
        ],
        "confirmed_at": "2026-03-05 10:00",
    },
    "d5_actions": {
        "actions": [
            {"id": "P1", "description": "调温", "addresses": ["O1"], "status": "verified"},
            {
                "id": "P2",
                "description": "加检",
                "addresses": ["E1"],
                "kind": "preventive",
                "done_at": "2026-03-10",
            },
        ],
        "customer_consent": {"agreed": True, "at": "2026-03-06"},
    },
    "d6_validation": {"effectiveness": {"effective": True, "verified_at": "2026-03-15"}},
    "d7_prevention": {
        "horizontal_deployment": {"decision": "not_applicable", "reason": "单一产线"},
        "documents": [{"type": "control_plan", "number": "CP-01", "done_at": "2026-03-12"}],
    },
    "d8_closure": {
        "closed_at": "2026-03-20 10:00",
        "final_report_at": "2026-03-18 10:00",
        "customer_accepted": True,
    },
    "approvals": APPROVALS,
}


def policy(preset: str) -> Policy:
    p, diags = load_policy(RepoConfig(root=Path("/nonexistent"), preset=preset))
    assert p is not None, diags
    return p


def record(data: dict[str, Any]) -> Record:
    return Record(data["id"], f"records/{data['id']}.yaml", data)


def without(path: str, **changes: Any) -> Record:
    data = copy.deepcopy(FULL)
    node = data
    *parents, last = path.split(".")
    for part in parents:
        node = node[part]
    del node[last]
    data.update(changes)
    return record(data)


@pytest.mark.parametrize("preset", ["000", "001", "002", "003", "004"])
@pytest.mark.parametrize(
    "status", ["registered", "containment", "analysis", "correction", "verification", "closed"]
)
def test_a_complete_record_passes_every_stage(preset: str, status: str) -> None:
    assert check_stage(record(FULL), policy(preset), "1", status) == []


@pytest.mark.parametrize(
    ("path", "status", "check", "field"),
    [
        ("d1_team.leader", "containment", "d1_team", "d1_team.leader.name"),
        ("d2_problem", "containment", "d2_problem", "d2_problem.summary"),
        ("d3_containment", "analysis", "d3_containment", "d3_containment.actions"),
        (
            "d4_root_cause.occurrence",
            "correction",
            "root_cause_occurrence",
            "d4_root_cause.occurrence",
        ),
        ("d5_actions.actions", "verification", "permanent_actions_done", "d5_actions.actions"),
        ("d6_validation", "closed", "effectiveness_verified", "d6_validation.effectiveness"),
        ("d8_closure.final_report_at", "closed", "final_report_sent", "d8_closure.final_report_at"),
    ],
)
def test_000_reports_what_is_missing_and_where(
    path: str, status: str, check: str, field: str
) -> None:
    diags = check_stage(without(path), policy("000"), "1", status)
    assert [d.code for d in diags if d.code == f"stage-{check}"] == [f"stage-{check}"], diags
    d = next(d for d in diags if d.code == f"stage-{check}")
    assert d.field == field and d.file == "records/KS-2026-0001.yaml"
    assert d.message_en.startswith(f"Status is {status}, but ")
    assert d.message_zh.startswith(f"状态为 {status}，但") and field in d.hint_en


def test_checks_accumulate_along_the_lifecycle() -> None:
    # 000: analysis needs containment's D1/D2 too
    data = copy.deepcopy(FULL)
    del data["d2_problem"]
    codes = [d.code for d in check_stage(record(data), policy("000"), "1", "analysis")]
    assert codes == ["stage-d2_problem"]


def test_open_actions_and_unverified_causes_are_named() -> None:
    data = copy.deepcopy(FULL)
    data["d3_containment"]["actions"].append({"id": "C2", "description": "x", "status": "planned"})
    data["d4_root_cause"]["escape"][0]["verification"] = {"verified": False}
    data["d5_actions"]["actions"][1]["addresses"] = ["O1"]
    msgs = [d.message_en for d in check_stage(record(data), policy("000"), "1", "closed")]
    assert "Status is closed, but D3: containment actions not done: C2" in msgs
    assert "Status is closed, but D4: root causes not verified: E1 (verification.verified)" in msgs
    assert "Status is closed, but D5: no permanent action addresses root causes E1" in msgs


def test_approvals_by_grade_and_stage() -> None:
    no_approvals = without("approvals")
    # 000: grades 1–2 need the manager's approval of the reply before closure; grade 3 does not
    diags = check_stage(no_approvals, policy("000"), "1", "closed")
    assert [d.code for d in diags] == ["stage-approvals"]
    assert "Needs manager's approval of reply (no approval yet)" in diags[0].message_en
    assert check_stage(no_approvals, policy("000"), "3", "closed") == []
    assert check_stage(no_approvals, policy("000"), "1", "verification") == []
    # 004: the GM decides the form before correction; a waiver needs the GM too
    diags = check_stage(no_approvals, policy("004"), "complaint", "correction")
    assert [d.message_en.split(": ")[0] for d in diags] == [
        "Status is correction, but Needs gm's approval of measures (no approval yet)"
    ]
    waived = copy.deepcopy(FULL)
    waived["d5_actions"]["actions"][1].pop("kind")
    waived["d5_actions"]["preventive_waiver"] = {
        "reason": "不经济",
        "approved_by": "总经理",
        "approved_at": "2026-03-10",
    }
    waived["approvals"] = [a for a in APPROVALS if a["subject"] != "waiver"]
    diags = check_stage(record(waived), policy("004"), "complaint", "verification")
    assert [d.code for d in diags] == ["stage-approvals"]
    assert "waiver" in diags[0].message_en


def test_001_and_002_specific_checks() -> None:
    codes = {d.code for d in check_stage(without("d7_prevention"), policy("001"), None, "closed")}
    assert codes == {"stage-horizontal_deployment_decided", "stage-documents_updated"}
    codes = {
        d.code
        for d in check_stage(
            without("d5_actions.customer_consent"), policy("002"), "severe", "verification"
        )
    }
    assert codes == {"stage-customer_consent"}


def test_cancelled_needs_a_reason() -> None:
    r = record({"id": "KS-2026-0002", "status": "cancelled"})
    assert [d.code for d in check_stage(r, policy("002"))] == ["stage-cancellation_reason"]


def test_every_check_has_both_languages() -> None:
    empty = record({"id": "KS-2026-0009"})
    for name, check in CHECKS.items():
        # no root causes: nothing to cover (root_cause_occurrence reports the absence)
        missing = check(
            empty
            if name != "actions_for_every_root_cause"
            else record({"id": "KS-2026-0009", "d4_root_cause": {"occurrence": [{"id": "O1"}]}})
        )
        assert missing is not None, name
        zh, en = missing_text(missing)  # compute says what is missing, validate.gaps the words
        assert zh and en and missing.field and "{" not in zh + en, name


def test_transitions() -> None:
    p = policy("002")
    r = record({"id": "KS-2026-0001", "status": "analysis"})
    assert transition_allowed(p, "registered", "verification", r)  # forward, several steps
    assert transition_allowed(p, "analysis", "cancelled", r)
    assert not transition_allowed(p, "closed", "cancelled", r)
    assert not transition_allowed(p, "verification", "analysis", r)
    rejected = record(
        {
            "id": "KS-2026-0001",
            "status": "analysis",
            "approvals": [
                {
                    "role": "gm",
                    "name": "赵总",
                    "date": "2026-03-01",
                    "decision": "rejected",
                    "subject": "closure",
                }
            ],
        }
    )
    assert transition_allowed(p, "closed", "analysis", rejected)
    back = record(
        {
            "id": "KS-2026-0001",
            "status": "registered",
            "sample": {"received_at": "2026-05-10 09:00"},
        }
    )
    assert transition_allowed(p, "cancelled", "registered", back)
    assert not transition_allowed(p, "cancelled", "registered", r)
    d = check_transition(p, "verification", r)
    assert d is not None and d.code == "status-transition" and d.field == "status"
    assert d.message_en == "Status cannot go from verification to analysis"
    assert d.hint_en == "Allowed: closed, cancelled"
    assert check_transition(p, "registered", r) is None
