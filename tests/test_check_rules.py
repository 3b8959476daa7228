"""``kesu check`` rules, each played as a pull request on a real Git repository: one change
that passes and one that is refused with a message naming the record, the field and the rule.

The base (``tests/cases/check``, policy preset 002): KS-2025-0001 closed with the GM's closure
confirmation, KS-2025-0002 in verification, KS-2025-0003 registered.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.test_check_gitrepo import PlayRepo, codes, make_repo

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


def _messages(doc: dict[str, Any], code: str) -> list[str]:
    return [d["message"] + " | " + d["hint"] for d in doc["diagnostics"] if d["code"] == code]


def _close(d: dict[str, Any], approve: bool = True) -> None:
    d["status"] = "closed"
    d["d8_closure"] = {
        "closed_at": "2025-02-21 16:00",
        "final_report_at": "2025-01-16 17:30",
        "customer_accepted": True,
    }
    if approve:
        d["approvals"].append(dict(GM))


# ------------------------------------------------------------------ never deleted, never renamed


def test_deleting_a_record_is_refused(repo: PlayRepo) -> None:
    repo.branch("pr")
    repo.path("KS-2025-0003").unlink()
    code, doc = repo.check()
    assert code == 1
    assert ("KS-2025-0003", "change-deleted", "") in codes(doc)
    (msg,) = _messages(doc, "change-deleted")
    assert msg.startswith("Record KS-2025-0003 was deleted: merged records are never deleted")
    assert "git checkout main -- records/KS-2025-0003.yaml" in msg
    assert doc["valid"] is False


def test_cancelling_instead_of_deleting_passes(repo: PlayRepo) -> None:
    repo.branch("pr")
    repo.edit(
        "KS-2025-0003",
        lambda d: d.update(
            status="cancelled",
            cancellation={"reason": "客户确认为误用，撤回投诉", "at": "2025-02-20", "by": "赵敏"},
        ),
    )
    assert repo.check() == (0, repo.check()[1])
    assert repo.check()[1]["changed"] == ["records/KS-2025-0003.yaml"]


def test_renaming_a_record_is_refused(repo: PlayRepo) -> None:
    repo.branch("pr")
    repo.git("mv", "records/KS-2025-0003.yaml", "records/KS-2025-0009.yaml")
    repo.edit("KS-2025-0009", lambda d: d.update(id="KS-2025-0009"))
    code, doc = repo.check()
    assert code == 1
    assert ("KS-2025-0009", "change-renamed", "id") in codes(doc)
    assert not any(c == "change-deleted" for _, c, _ in codes(doc))
    (msg,) = _messages(doc, "change-renamed")
    assert "Record KS-2025-0003 was renamed to KS-2025-0009" in msg
    assert "git mv records/KS-2025-0009.yaml records/KS-2025-0003.yaml" in msg


# ------------------------------------------------------------------ identity fixed after merge


def test_changing_the_id_is_refused(repo: PlayRepo) -> None:
    repo.branch("pr")
    repo.edit("KS-2025-0003", lambda d: d.update(id="KS-2025-0033"))
    code, doc = repo.check()
    assert code == 1
    assert ("KS-2025-0003", "change-immutable", "id") in codes(doc)
    assert any(
        "The id cannot change after the first merge: it was 'KS-2025-0003'" in m
        for m in _messages(doc, "change-immutable")
    )


def test_received_time_and_customer_are_fixed(repo: PlayRepo) -> None:
    repo.branch("pr")

    def edit(d: dict[str, Any]) -> None:
        d["received_at"] = "2025-02-10 11:00"
        d["customer"]["company"] = "星辰通信（深圳）有限公司"

    repo.edit("KS-2025-0003", edit)
    code, doc = repo.check()
    assert code == 1
    assert {
        ("KS-2025-0003", "change-immutable", "received_at"),
        ("KS-2025-0003", "change-immutable", "customer.company"),
    } <= codes(doc)


def test_editing_other_fields_of_an_open_record_passes(repo: PlayRepo) -> None:
    repo.branch("pr")
    repo.edit(
        "KS-2025-0003",
        lambda d: d.update(title="星辰通信 SSD 开机不识别（2 台）", demands="一周内给出分析报告"),
    )
    code, doc = repo.check()
    assert (code, codes(doc)) == (0, set())


# ------------------------------------------------------------------ closed records and reopening


def test_changing_a_closed_record_is_refused(repo: PlayRepo) -> None:
    repo.branch("pr")
    repo.edit("KS-2025-0001", lambda d: d["d8_closure"].update(summary="改写的总结"))
    code, doc = repo.check()
    assert code == 1
    assert ("KS-2025-0001", "change-closed", "d8_closure") in codes(doc)
    (msg,) = _messages(doc, "change-closed")
    assert msg.startswith("Record KS-2025-0001 is closed and cannot change (changed: d8_closure)")
    assert "create KS-2025-0001-1" in msg


def test_reopening_as_a_new_record_passes(repo: PlayRepo) -> None:
    repo.branch("pr")
    repo.edit("KS-2025-0001", lambda d: d["d8_closure"].update(archived_at="2025-02-28"))
    reopened = {
        k: v
        for k, v in repo.load("KS-2025-0003").items()
        if k not in ("d0_emergency", "responsibility")
    }
    reopened.update(
        id="KS-2025-0001-1",
        reopen_of="KS-2025-0001",
        received_at="2025-02-25 09:00",
        reopen_reason="客户反馈 2503 批次仍有退针",
        customer={"company": "恒力工控设备有限公司"},
    )
    repo.save("KS-2025-0001-1", reopened)
    code, doc = repo.check()
    assert (code, codes(doc)) == (0, set())


def test_leaving_closed_by_the_policys_rule_passes(repo: PlayRepo) -> None:
    # preset 002: when the GM does not confirm closure the record goes back to analysis
    repo.branch("pr")
    repo.edit(
        "KS-2025-0001",
        lambda d: (
            d.update(status="analysis"),
            d["approvals"].append(
                {**GM, "date": "2025-02-27", "decision": "rejected", "comment": "效果验证批次不足"}
            ),
        ),
    )
    code, doc = repo.check()
    assert (code, codes(doc)) == (0, set())


# ------------------------------------------------------------------ lifecycle and stages


def test_moving_the_status_back_is_refused(repo: PlayRepo) -> None:
    repo.branch("pr")
    repo.edit("KS-2025-0002", lambda d: d.update(status="containment"))
    code, doc = repo.check()
    assert code == 1
    assert ("KS-2025-0002", "status-transition", "status") in codes(doc)
    (msg,) = _messages(doc, "status-transition")
    assert "Status cannot go from verification to containment" in msg
    assert "Allowed: closed, cancelled" in msg


def test_advancing_with_the_stage_complete_passes(repo: PlayRepo) -> None:
    repo.branch("pr")
    repo.edit(
        "KS-2025-0003",
        lambda d: d.update(
            status="containment",
            d1_team={
                "leader": {"name": "王磊", "department": "品质部"},
                "members": [{"name": "赵敏", "department": "品质部"}],
            },
            d2_problem={"summary": "SSD-SA512-25 开机不识别，2 台。"},
        ),
    )
    code, doc = repo.check()
    assert (code, codes(doc)) == (0, set())


def test_skipping_stages_is_refused_for_what_is_missing(repo: PlayRepo) -> None:
    repo.branch("pr")
    repo.edit("KS-2025-0003", lambda d: d.update(status="verification"))
    code, doc = repo.check()
    assert code == 1
    missing = {f for name, c, f in codes(doc) if name == "KS-2025-0003" and c.startswith("stage-")}
    assert {
        "d1_team.leader.name",
        "d2_problem.summary",
        "d3_containment.actions",
        "d4_root_cause.occurrence",
        "d5_actions.actions",
    } <= missing


def test_closure_without_the_gms_approval_is_refused(repo: PlayRepo) -> None:
    repo.branch("pr")
    repo.edit("KS-2025-0002", lambda d: _close(d, approve=False))
    code, doc = repo.check()
    assert code == 1
    assert ("KS-2025-0002", "stage-approvals", "approvals") in codes(doc)
    assert "Needs gm's approval of closure" in _messages(doc, "stage-approvals")[0]
    (need,) = doc["approvals_needed"]
    assert need["message_zh"] == "关闭 KS-2025-0002 需要 总经理 (gm) 审批（closure）— 尚未记录"
    assert need["message_en"].startswith("closing KS-2025-0002 needs gm approval")


def test_closure_with_the_gms_approval_passes(repo: PlayRepo) -> None:
    repo.branch("pr")
    repo.edit("KS-2025-0002", _close)
    code, doc = repo.check()
    assert (code, codes(doc)) == (0, set())
    (need,) = doc["approvals_needed"]
    assert need["message_zh"] == (
        "关闭 KS-2025-0002 需要 总经理 (gm) 审批（closure）— 已记录：钱志远 2025-02-21 approved"
    )


# ------------------------------------------------------------------ deadlines and extensions


def test_silent_customer_deadline_extension_is_refused(repo: PlayRepo) -> None:
    repo.branch("pr")
    repo.edit("KS-2025-0002", lambda d: d.update(customer_deadline="2025-01-27 18:00"))
    code, doc = repo.check()
    assert code == 1
    assert ("KS-2025-0002", "change-deadline", "customer_deadline") in codes(doc)
    (msg, *_) = _messages(doc, "change-deadline")
    assert "moved later (2025-01-20 18:00 → 2025-01-27 18:00) without a recorded extension" in msg
    assert "milestone: customer_deadline" in msg


def test_recorded_extension_passes(repo: PlayRepo) -> None:
    repo.branch("pr")
    repo.edit(
        "KS-2025-0002",
        lambda d: d.update(
            customer_deadline="2025-01-27 18:00",
            extensions=[
                {
                    "milestone": "customer_deadline",
                    "new_due": "2025-01-27 18:00",
                    "reason": "客户同意延期一周",
                    "approved_by": "王芳",
                    "approved_at": "2025-01-19",
                }
            ],
        ),
    )
    code, doc = repo.check()
    assert (code, codes(doc)) == (0, set())


def test_an_actions_due_moved_later_needs_an_extension(repo: PlayRepo) -> None:
    repo.branch("pr")
    repo.edit("KS-2025-0002", lambda d: d["d5_actions"]["actions"][2].update(due="2025-01-29"))
    _code, doc = repo.check()
    assert ("KS-2025-0002", "change-deadline", "d5_actions.actions[2].due") in codes(doc)
    assert "milestone: p3" in _messages(doc, "change-deadline")[0]
    repo.edit(
        "KS-2025-0002",
        lambda d: d.update(
            extensions=[
                {
                    "milestone": "p3",
                    "new_due": "2025-01-29 23:59",
                    "reason": "设备改造排期",
                    "approved_by": "周建华",
                    "approved_at": "2025-01-21",
                }
            ]
        ),
    )
    code, doc = repo.check()
    assert (code, codes(doc)) == (0, set())


def test_moving_a_start_event_later_moves_a_computed_due(repo: PlayRepo) -> None:
    repo.branch("pr")
    repo.edit("KS-2025-0002", lambda d: d.update(confirmed_at="2025-01-09 10:00"))
    code, doc = repo.check()
    assert code == 1
    assert ("KS-2025-0002", "change-deadline", "milestones.emergency_plan") in codes(doc)


# ------------------------------------------------------------------ history is append-only


def test_removing_an_approval_is_refused(repo: PlayRepo) -> None:
    repo.branch("pr")
    repo.edit("KS-2025-0001", lambda d: d["approvals"].pop(0))
    repo.edit("KS-2025-0002", lambda d: d["approvals"][0].update(name="吴刚"))
    code, doc = repo.check()
    assert code == 1
    assert ("KS-2025-0002", "change-approvals-edited", "approvals[0]") in codes(doc)
    msgs = _messages(doc, "change-approvals-edited")
    assert any(
        "The merged approval approvals[0] (manager reply 吴强 2025-01-16) was edited" in m
        for m in msgs
    )
    # a closed record: frozen first, so the closure rule speaks
    assert ("KS-2025-0001", "change-closed", "approvals") in codes(doc)


def test_appending_an_approval_passes(repo: PlayRepo) -> None:
    repo.branch("pr")
    repo.edit(
        "KS-2025-0002",
        lambda d: d["approvals"].append(
            {
                "role": "quality_manager",
                "name": "周建华",
                "date": "2025-02-01",
                "decision": "approved",
                "subject": "other",
                "comment": "同意效果验证方案",
            }
        ),
    )
    code, doc = repo.check()
    assert (code, codes(doc)) == (0, set())


def test_editing_a_merged_extension_is_refused(repo: PlayRepo) -> None:
    ext = {
        "milestone": "customer_deadline",
        "new_due": "2025-01-27 18:00",
        "reason": "客户同意",
        "approved_by": "王芳",
        "approved_at": "2025-01-19",
    }
    repo.edit(
        "KS-2025-0002", lambda d: d.update(customer_deadline="2025-01-27 18:00", extensions=[ext])
    )
    repo.commit("extension merged")
    repo.branch("pr")
    repo.edit("KS-2025-0002", lambda d: d["extensions"][0].update(reason="内部排期"))
    _code, doc = repo.check()
    assert ("KS-2025-0002", "change-extensions-edited", "extensions[0]") in codes(doc)


def test_moving_a_merged_extension_later_is_called_an_edit(repo: PlayRepo) -> None:
    ext = {
        "milestone": "customer_deadline",
        "new_due": "2025-01-27 18:00",
        "reason": "客户同意",
        "approved_by": "王芳",
        "approved_at": "2025-01-19",
    }
    repo.edit(
        "KS-2025-0002", lambda d: d.update(customer_deadline="2025-01-27 18:00", extensions=[ext])
    )
    repo.commit("extension merged")
    repo.branch("pr")
    repo.edit("KS-2025-0002", lambda d: d["extensions"][0].update(new_due="2025-02-03 18:00"))
    _code, doc = repo.check()
    assert ("KS-2025-0002", "change-extensions-edited", "extensions[0]") in codes(doc)
    assert all(
        "was edited" in m and "was removed" not in m
        for m in _messages(doc, "change-extensions-edited")
    )


# ------------------------------------------------------------------ dates in the future


def test_future_dates_are_refused(repo: PlayRepo) -> None:
    repo.branch("pr")
    repo.edit(
        "KS-2025-0003",
        lambda d: d["d0_emergency"]["actions"][0].update(done_at="2025-03-05", status="done"),
    )
    _code, doc = repo.check()
    assert ("KS-2025-0003", "date-future", "d0_emergency.actions[0].done_at") in codes(doc)
    (msg,) = _messages(doc, "date-future")
    assert msg.startswith(
        "d0_emergency.actions[0].done_at is in the future: 2025-03-05 (now is 2025-03-01 12:00)"
    )


def test_planned_dates_may_lie_ahead_and_today_is_not_future(repo: PlayRepo) -> None:
    repo.branch("pr")
    repo.edit(
        "KS-2025-0003",
        lambda d: d["d0_emergency"]["actions"].append(
            {
                "id": "E2",
                "description": "通知销售暂停发货",
                "owner": "冯涛",
                "due": "2025-03-10",
                "done_at": "2025-03-01",
                "status": "done",
            }
        ),
    )
    code, doc = repo.check()
    assert (code, codes(doc)) == (0, set())


# ------------------------------------------------------------------ ids on the merge result


def _new(repo: PlayRepo, rid: str, title: str, folder: str = "records") -> None:
    data = {**repo.load("KS-2025-0003"), "id": rid, "title": title}
    data["received_at"] = "2025-02-26 10:00"
    repo.save(rid, data, folder)


def test_same_number_taken_by_a_merged_pull_request(repo: PlayRepo) -> None:
    repo.branch("alice")
    _new(repo, "KS-2025-0004", "甲客户 线束 压接不良")
    repo.commit("alice: KS-2025-0004")
    repo.branch("bob", "main")
    _new(repo, "KS-2025-0004", "乙客户 SSD 掉盘")
    repo.commit("bob: KS-2025-0004")
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "-m", "merge alice", "alice")
    repo.git("checkout", "-q", "bob")
    code, doc = repo.check()
    assert code == 1
    assert ("KS-2025-0004", "id-taken", "id") in codes(doc)
    (msg,) = _messages(doc, "id-taken")
    assert "Id KS-2025-0004 is already used on main" in msg
    assert "git mv records/KS-2025-0004.yaml records/KS-2025-0005.yaml, set id: KS-2025-0005" in msg
    # bob renumbers as told: clean
    repo.git("mv", "records/KS-2025-0004.yaml", "records/KS-2025-0005.yaml")
    repo.edit("KS-2025-0005", lambda d: d.update(id="KS-2025-0005"))
    code, doc = repo.check()
    assert (code, codes(doc)) == (0, set())


def test_duplicate_id_from_two_branches_merged(repo: PlayRepo) -> None:
    repo.branch("alice")
    _new(repo, "KS-2025-0004", "甲客户 线束 压接不良")
    repo.commit("alice")
    repo.branch("bob", "main")
    _new(repo, "KS-2025-0004", "乙客户 SSD 掉盘", folder="records/2025")
    repo.commit("bob")
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "-m", "merge alice", "alice")
    repo.git("checkout", "-q", "bob")
    _code, doc = repo.check()  # before merging: the merge result would hold the id twice
    assert ("KS-2025-0004", "id-taken", "id") in codes(doc)
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "-m", "merge bob", "bob")  # merged anyway: no conflict
    code, out, _ = repo.run("validate")  # the re-check on main after the merge
    assert code == 1
    assert "id-duplicate" in out and "records/2025/KS-2025-0004.yaml" in out
