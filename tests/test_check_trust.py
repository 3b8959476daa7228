"""The gate holds against the change it judges (issue 12): ``kesu check`` takes its rules from
the base commit, reports rule changes with what they move, and refuses back-dated
completions, records that skip the registration and ids that differ only in spelling."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.test_check_gitrepo import PlayRepo, codes, make_repo

BASE_DATE = "2025-02-20T12:00:00+08:00"


@pytest.fixture
def repo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> PlayRepo:
    # Commits get a fixed date: what "entered after the fact" means depends on it.
    monkeypatch.setenv("GIT_COMMITTER_DATE", BASE_DATE)
    monkeypatch.setenv("GIT_AUTHOR_DATE", BASE_DATE)
    return make_repo(tmp_path, capsys, monkeypatch)


def _config(repo: PlayRepo) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((repo.root / "kesu.yaml").read_text("utf-8"))
    return data


def _write_config(repo: PlayRepo, data: dict[str, Any]) -> None:
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    (repo.root / "kesu.yaml").write_text(text, encoding="utf-8")


def _register(repo: PlayRepo, entries: list[dict[str, str]]) -> None:
    text = yaml.safe_dump({"changes": entries}, allow_unicode=True, sort_keys=False)
    (repo.root / "rule-changes.yaml").write_text(text, encoding="utf-8")


APPROVAL = {
    "date": "2025-02-21",
    "summary": "长期措施期限改为 3 个工作日",
    "role": "quality_manager",
    "name": "周建华",
    "decision": "approved",
}


def _by_code(doc: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return [d for d in doc["diagnostics"] if d["code"] == code]


def test_a_policy_override_is_a_rule_change_that_shows_what_it_moves(repo: PlayRepo) -> None:
    repo.branch("pr")
    config = _config(repo)
    config["policy_overrides"] = {"milestones": [{"id": "long_term_measures", "duration": 3}]}
    _write_config(repo, config)
    repo.commit("shorter long-term measures")
    code, doc = repo.check()
    assert code == 1
    assert ("kesu", "rule-change", "") in codes(doc)
    assert doc["rule_files"] == [{"path": "kesu.yaml", "kind": "config", "status": "M"}]
    moved = {(m["record"], m["what"]) for m in doc["moved_by_rules"]}
    assert ("KS-2025-0002", "long_term_measures") in moved
    row = next(m for m in doc["moved_by_rules"] if m["record"] == "KS-2025-0002")
    assert row["before"] == "2025-01-16T23:59:59.999999+08:00"
    assert row["after"] == "2025-01-14T23:59:59.999999+08:00"


def test_the_approval_in_the_register_lets_it_through_as_a_warning(repo: PlayRepo) -> None:
    repo.branch("pr")
    config = _config(repo)
    config["policy_overrides"] = {"milestones": [{"id": "long_term_measures", "duration": 3}]}
    _write_config(repo, config)
    _register(repo, [APPROVAL])
    repo.commit("shorter long-term measures, approved")
    code, doc = repo.check()
    assert code == 0, codes(doc)
    [finding] = _by_code(doc, "rule-change")
    assert finding["severity"] == "warning"
    assert "周建华" in finding["message_en"]


@pytest.mark.parametrize(
    "entry",
    [
        {**APPROVAL, "role": "qe"},  # not the role the policy names
        {**APPROVAL, "decision": "rejected"},
    ],
)
def test_only_the_policys_role_approving_counts(repo: PlayRepo, entry: dict[str, str]) -> None:
    repo.branch("pr")
    (repo.root / "mkdocs.yml").write_text("site_name: x\n", encoding="utf-8")
    _register(repo, [entry])
    repo.commit("site config")
    code, doc = repo.check()
    assert code == 1
    assert ("mkdocs", "rule-change", "") in codes(doc)


def test_the_judge_is_the_bases_config_not_the_one_the_change_writes(repo: PlayRepo) -> None:
    # The change hides its records from the judge and drops the stage checks of closure.
    repo.branch("pr")
    config = _config(repo)
    config["records_dir"] = "elsewhere"
    config["policy_overrides"] = {"stages": {"checks": {"closed": []}}}
    _write_config(repo, config)
    repo.edit("KS-2025-0003", lambda d: d.update(status="closed"))
    repo.commit("close without an 8D")
    code, doc = repo.check()
    assert code == 1
    found = codes(doc)
    assert any(rule.startswith(("stage-", "status-transition")) for _, rule, _ in found), found
    assert doc["changed"] == ["records/KS-2025-0003.yaml"]


def test_a_preset_the_tree_holds_is_read_as_data_for_the_effect(repo: PlayRepo) -> None:
    from generator.policy.loader import preset_ids

    assert "002" in preset_ids()
    import generator

    preset = Path(generator.__file__).parent / "policy" / "presets" / "002.yaml"
    text = preset.read_text("utf-8")
    marker = "      - id: standard\n"
    assert "long_term_measures" in text
    repo.branch("pr")
    folder = repo.root / "generator" / "policy" / "presets"
    folder.mkdir(parents=True)
    changed = text.replace("duration: 5\n", "duration: 2\n", 1)
    assert changed != text, marker
    (folder / "002.yaml").write_text(changed, encoding="utf-8")
    repo.commit("a preset edited in the tree")
    code, doc = repo.check()
    assert code == 1
    assert doc["rule_files"] == [
        {"path": "generator/policy/presets/002.yaml", "kind": "policy", "status": "A"}
    ]
    assert doc["moved_by_rules"], "the edited preset's effect is computed"


def test_engine_code_is_reported_and_never_evaluated(repo: PlayRepo) -> None:
    repo.branch("pr")
    engine = repo.root / "generator"
    engine.mkdir()
    (engine / "check.py").write_text("def run_check(*a):\n    return None\n", encoding="utf-8")
    workflow = repo.root / ".github" / "workflows"
    workflow.mkdir(parents=True)
    (workflow / "pull-request.yml").write_text("on: push\n", encoding="utf-8")
    repo.commit("a friendlier judge")
    code, out, _ = repo.run("check", "--base", "main", "--as-of", "2025-03-01 12:00")
    assert code == 1
    assert "generator/check.py: error [rule-change]" in out
    assert ".github/workflows/pull-request.yml: error [rule-change]" in out
    assert "Not computed (code is reviewed, never run by the gate)" in out


def test_documentation_and_records_are_not_rules(repo: PlayRepo) -> None:
    repo.branch("pr")
    (repo.root / "docs").mkdir()
    (repo.root / "docs" / "how-we-work.md").write_text("# 流程\n", encoding="utf-8")
    (repo.root / "README.md").write_text("# 客诉\n", encoding="utf-8")
    repo.edit("KS-2025-0003", lambda d: d.update(notes="客户补充了照片"))
    repo.commit("docs and a note")
    code, doc = repo.check()
    assert code == 0, codes(doc)
    assert doc["rule_files"] == []


def test_the_register_is_append_only(repo: PlayRepo) -> None:
    _register(repo, [APPROVAL])
    repo.commit("an approved change")
    repo.branch("pr")
    _register(repo, [{**APPROVAL, "name": "别人"}])
    repo.commit("rewrite history")
    code, doc = repo.check()
    assert code == 1
    assert ("rule-changes", "rule-register-edited", "") in codes(doc)


def test_a_bad_register_entry_is_located(repo: PlayRepo) -> None:
    repo.branch("pr")
    (repo.root / "rule-changes.yaml").write_text(
        'changes:\n  - date: "2025-02-21"\n    summary: x\n    role: quality_manager\n',
        encoding="utf-8",
    )
    repo.commit("half an entry")
    _, doc = repo.check()
    [finding] = _by_code(doc, "rule-register-entry")
    assert finding["line"] == 2
    assert "missing: name, decision" in finding["message_en"]


# ------------------------------------------------------------------ late entries


def _backdate(data: dict[str, Any]) -> None:
    data.setdefault("milestones", {})["classification"] = {
        "done_at": "2025-02-10 12:00",
        "by": "王磊",
    }


def test_a_back_dated_completion_that_turns_overdue_on_time_needs_approval(
    repo: PlayRepo,
) -> None:
    repo.branch("pr")
    repo.edit("KS-2025-0003", _backdate)
    repo.commit("classification was done in time, really")
    code, doc = repo.check()
    assert code == 1
    assert ("KS-2025-0003", "late-entry-unapproved", "milestones.classification") in codes(doc)
    [late] = _by_code(doc, "late-entry")
    assert late["severity"] == "warning"
    assert "2025-02-20 12:00" in late["message_en"]


def test_with_the_extension_approval_it_is_only_shown(repo: PlayRepo) -> None:
    repo.branch("pr")

    def approved(data: dict[str, Any]) -> None:
        _backdate(data)
        data["approvals"] = [
            {
                "role": "quality_manager",
                "name": "周建华",
                "date": "2025-02-21",
                "decision": "approved",
                "subject": "extension",
                "milestone": "classification",
                "comment": "当日已电话归类，漏登",
            }
        ]

    repo.edit("KS-2025-0003", approved)
    repo.commit("late entry, approved")
    code, doc = repo.check()
    assert code == 0, codes(doc)
    assert [d["severity"] for d in _by_code(doc, "late-entry")] == ["warning"]


def test_the_approval_must_name_that_milestone_and_the_policys_role(repo: PlayRepo) -> None:
    repo.branch("pr")

    def wrong(data: dict[str, Any]) -> None:
        _backdate(data)
        data["approvals"] = [
            {
                "role": "qe",
                "name": "王磊",
                "date": "2025-02-21",
                "decision": "approved",
                "subject": "extension",
                "milestone": "classification",
            },
            {
                "role": "quality_manager",
                "name": "周建华",
                "date": "2025-02-21",
                "decision": "approved",
                "subject": "extension",
                "milestone": "emergency_plan",
            },
        ]

    repo.edit("KS-2025-0003", wrong)
    repo.commit("approvals that do not fit")
    code, doc = repo.check()
    assert code == 1
    assert ("KS-2025-0003", "late-entry-unapproved", "milestones.classification") in codes(doc)


def test_a_back_dated_action_that_was_overdue_needs_approval(repo: PlayRepo) -> None:
    repo.branch("pr")

    def done(data: dict[str, Any]) -> None:
        data["d0_emergency"]["actions"][0].update(done_at="2025-02-11 09:00", status="done")

    repo.edit("KS-2025-0003", done)
    repo.commit("E1 done on time, recorded now")
    code, doc = repo.check()
    assert code == 1
    errors = list(_by_code(doc, "late-entry-unapproved"))
    assert errors and "e1" in errors[0]["message_en"]


def test_a_completion_after_the_base_commit_is_no_late_entry(repo: PlayRepo) -> None:
    repo.branch("pr")
    repo.edit(
        "KS-2025-0003",
        lambda d: d.setdefault("milestones", {}).update(
            classification={"done_at": "2025-02-25 09:00", "by": "王磊"}
        ),
    )
    repo.commit("classified late, recorded at once")
    code, doc = repo.check()
    assert code == 0, codes(doc)
    assert _by_code(doc, "late-entry") == []


# ------------------------------------------------------------------ new records and ids


def _new_record(repo: PlayRepo, rid: str, **fields: Any) -> None:
    data = repo.load("KS-2025-0003")
    data.update(id=rid, **fields)
    data.pop("d0_emergency", None)
    repo.save(rid, data)


def test_a_new_record_enters_at_the_first_status(repo: PlayRepo) -> None:
    repo.branch("pr")
    closed = repo.load("KS-2025-0001")
    closed["id"] = "KS-2025-0009"
    closed.pop("approvals", None)
    repo.save("KS-2025-0009", closed)
    repo.commit("straight to closed")
    code, doc = repo.check()
    assert code == 1
    assert ("KS-2025-0009", "new-record-status", "status") in codes(doc)


def test_imported_history_needs_the_import_approval(repo: PlayRepo) -> None:
    repo.branch("pr")
    record = repo.load("KS-2025-0001")
    record["id"] = "KS-2024-0101"
    record["imported"] = {
        "source": "2024年客诉台账.xlsx",
        "row": "2024!A17",
        "imported_at": "2025-02-21",
    }
    repo.save("KS-2024-0101", record)
    repo.commit("import last year's ledger")
    code, doc = repo.check()
    assert code == 1
    assert ("KS-2024-0101", "import-unapproved", "imported") in codes(doc)
    record["approvals"].append(
        {
            "role": "quality_manager",
            "name": "周建华",
            "date": "2025-02-21",
            "decision": "approved",
            "subject": "import",
        }
    )
    repo.save("KS-2024-0101", record)
    repo.commit("approved")
    code, doc = repo.check()
    assert code == 0, codes(doc)


def test_the_imported_marker_cannot_be_added_later(repo: PlayRepo) -> None:
    repo.branch("pr")
    repo.edit(
        "KS-2025-0003",
        lambda d: d.update(imported={"source": "x.xlsx", "imported_at": "2025-02-21"}),
    )
    repo.commit("skip the 8D")
    code, doc = repo.check()
    assert code == 1
    assert ("KS-2025-0003", "change-immutable", "imported") in codes(doc)


def test_ids_are_unique_by_value_and_of_one_width(repo: PlayRepo) -> None:
    repo.branch("pr")
    _new_record(repo, "KS-2025-00003", received_at="2025-02-12 10:00")
    repo.commit("the same number, spelt longer")
    code, doc = repo.check()
    assert code == 1
    found = codes(doc)
    assert ("KS-2025-00003", "id-width", "id") in found
    assert any(rule == "id-duplicate" for _, rule, _ in found), found


def test_the_configured_width_is_the_accepted_spelling(repo: PlayRepo) -> None:
    config = _config(repo)
    config["id_digits"] = 5
    _write_config(repo, config)
    for rid in ("KS-2025-0001", "KS-2025-0002", "KS-2025-0003"):
        data = repo.load(rid)
        new = rid.replace("-000", "-0000")
        data["id"] = new
        repo.path(rid).unlink()
        repo.save(new, data)
    _register(repo, [APPROVAL])
    repo.commit("five digits")
    repo.branch("pr")
    repo.edit("KS-2025-00003", lambda d: d.update(notes="ok"))
    repo.commit("a note")
    code, doc = repo.check()
    assert code == 0, codes(doc)
