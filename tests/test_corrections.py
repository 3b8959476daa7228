"""Issue 18, point 5: corrections with a trail. ``kesu new`` asks for the receipt time; a
documented correction of an immutable field (received_at, customer, id) passes ``kesu check``
with a reason and the approval the base's policy names, and the 8D page shows it."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from generator.change.newrecord import CHOICES, _by_name, ask_received
from tests.test_check_gitrepo import PlayRepo, codes, make_repo

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 27, 9, 30, tzinfo=TZ)


@pytest.fixture
def repo(
    tmp_path: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> PlayRepo:
    return make_repo(tmp_path, capsys, monkeypatch)


def _parse(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=TZ)


def test_kesu_new_asks_for_the_receipt_time() -> None:
    answers = iter(["昨天下午", "2026-11-28 10:00", "2026-11-26 16:20"])
    asked: list[str] = []
    said: list[str] = []

    def ask(prompt: str) -> str:
        asked.append(prompt)
        return next(answers)

    got = ask_received(NOW, _parse, ask, said.append)
    assert got == datetime(2026, 11, 26, 16, 20, tzinfo=TZ)
    assert asked[0].startswith("接收时间") and "2026-11-27 09:30" in asked[0]
    assert len(said) == 2 and "不能晚于现在" in said[1]
    assert ask_received(NOW, _parse, lambda _: "", said.append) == NOW  # Enter: now


@pytest.mark.parametrize(
    ("answer", "code"), [("外部", "external"), ("内部客诉", "internal"), ("质量", "quality")]
)
def test_interactive_choices_take_the_chinese_name(answer: str, code: str) -> None:
    options = CHOICES["category" if answer == "质量" else "origin"]
    assert _by_name(options, answer) == code


CORRECTION = {
    "field": "received_at",
    "from": "2025-02-10 10:00",
    "to": "2025-02-09 16:30",
    "reason": "客户 2 月 9 日下午来电报告，次日才登记；见来电记录。",
    "date": "2025-02-12",
    "by": "王磊",
}
APPROVAL = {
    "role": "quality_manager",
    "name": "周建华",
    "date": "2025-02-12",
    "decision": "approved",
    "subject": "correction",
}


def _correct(d: dict[str, Any], *, approve: bool = True, correction: Any = None) -> None:
    d["received_at"] = "2025-02-09 16:30"
    d["corrections"] = [dict(correction or CORRECTION)]
    if approve:
        d.setdefault("approvals", []).append(dict(APPROVAL))


def test_documented_and_approved_correction_passes(repo: PlayRepo) -> None:
    repo.branch("pr")
    repo.edit("KS-2025-0003", _correct)
    _code, doc = repo.check()
    assert not {c for c in codes(doc) if c[0] == "KS-2025-0003"}, doc["diagnostics"]


def test_correction_needs_the_policys_approval(repo: PlayRepo) -> None:
    repo.branch("pr")
    repo.edit("KS-2025-0003", lambda d: _correct(d, approve=False))
    code, doc = repo.check()
    assert code == 1
    assert ("KS-2025-0003", "correction-unapproved", "corrections") in codes(doc)
    # the role is the one the base's policy names (preset 002: the quality manager)
    msg = next(d for d in doc["diagnostics"] if d["code"] == "correction-unapproved")
    assert "role: quality_manager, subject: correction" in msg["hint"]


def test_a_correction_must_match_the_change(repo: PlayRepo) -> None:
    repo.branch("pr")
    wrong = dict(CORRECTION, to="2025-02-09 15:00")  # not what the field now holds
    repo.edit("KS-2025-0003", lambda d: _correct(d, correction=wrong))
    _, doc = repo.check()
    assert ("KS-2025-0003", "change-immutable", "received_at") in codes(doc)
    no_reason = dict(CORRECTION, reason=" ")
    repo.edit("KS-2025-0003", lambda d: _correct(d, correction=no_reason))
    _code, doc = repo.check()
    assert ("KS-2025-0003", "change-immutable", "received_at") in codes(doc)
    hint = next(d for d in doc["diagnostics"] if d["code"] == "change-immutable")["hint"]
    assert "append a correction: corrections with field: received_at" in hint


def test_corrections_are_append_only(repo: PlayRepo) -> None:
    repo.branch("pr")
    repo.edit("KS-2025-0003", _correct)
    repo.commit("correction")
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--ff-only", "pr")
    repo.branch("pr2")
    repo.edit("KS-2025-0003", lambda d: d["corrections"][0].update(reason="改了"))
    _code, doc = repo.check()
    assert ("KS-2025-0003", "change-corrections-edited", "corrections[0]") in codes(doc)


def test_an_id_correction_renames_the_file(repo: PlayRepo) -> None:
    repo.branch("pr")
    data = repo.load("KS-2025-0003")
    data["id"] = "KS-2025-0013"
    data["corrections"] = [
        dict(CORRECTION, field="id", **{"from": "KS-2025-0003", "to": "KS-2025-0013"})
    ]
    data.setdefault("approvals", []).append(dict(APPROVAL))
    repo.path("KS-2025-0003").unlink()
    repo.save("KS-2025-0013", data)
    _, doc = repo.check()
    assert not {c for c in codes(doc) if c[0] in ("KS-2025-0003", "KS-2025-0013")}, doc[
        "diagnostics"
    ]
    data["approvals"].pop()
    repo.save("KS-2025-0013", data)
    _code, doc = repo.check()
    assert ("KS-2025-0013", "correction-unapproved", "corrections") in codes(doc)
    assert not any(c[1] in ("change-renamed", "change-deleted") for c in codes(doc))


def test_the_8d_page_shows_the_correction(repo: PlayRepo) -> None:
    from generator.config.settings import load_config
    from generator.render import render_site
    from generator.site.build import compute_site

    repo.edit("KS-2025-0003", _correct)
    config, _ = load_config(repo.root)
    site = compute_site(
        config, datetime(2025, 3, 1, 12, tzinfo=TZ), "zh", strict=False, out=io.StringIO()
    )
    assert site is not None
    page = next(
        p.content
        for p in render_site(site, {}, {})
        if p.path == "generated/records/KS-2025-0003.md"
    )
    assert isinstance(page, str)
    assert "已更正，原为 2025-02-10 10:00" in page
    section = page.split('class="kesu-corrections"', 1)[1].split("</table>", 1)[0]
    for text in (
        "接收时间",
        "2025-02-10 10:00",
        "2025-02-09 16:30",
        "次日才登记",
        "王磊",
        "周建华",
    ):
        assert text in section, text


def test_the_role_is_the_base_policys_not_the_pull_requests(repo: PlayRepo) -> None:
    """The trust model: a pull request that names another approver for corrections in its own
    kesu.yaml is still judged by the base's rule (and its kesu.yaml change is a rule change)."""
    repo.branch("pr")
    cfg = repo.root / "kesu.yaml"
    cfg.write_text(
        cfg.read_text(encoding="utf-8")
        + "policy_overrides:\n  change_control:\n    corrections: {role: qe}\n",
        encoding="utf-8",
    )
    own = dict(APPROVAL, role="qe", name="王磊")

    def edit(d: dict[str, Any]) -> None:
        _correct(d, approve=False)
        d.setdefault("approvals", []).append(own)

    repo.edit("KS-2025-0003", edit)
    code, doc = repo.check()
    assert code == 1
    found = codes(doc)
    assert ("KS-2025-0003", "correction-unapproved", "corrections") in found
    assert any(c[1] == "rule-change" for c in found)


LATER = dict(CORRECTION, to="2025-02-11 09:00", reason="登记时把日期写早了一天；见来电记录。")


def _correct_later(d: dict[str, Any], *, approve: bool = True) -> None:
    d["received_at"] = LATER["to"]
    d["corrections"] = [dict(LATER)]
    if approve:
        d.setdefault("approvals", []).append(dict(APPROVAL))


def _errors(repo: PlayRepo) -> tuple[int, dict[str, Any], set[tuple[str, str, str]]]:
    """``kesu check`` as JSON, with the errors in the corrected record."""
    code, doc = repo.check()
    return code, doc, {c for c in codes(doc) if c[0] == "KS-2025-0003"}


def test_an_approved_correction_approves_the_dues_it_moves(repo: PlayRepo, tmp_path: Any) -> None:
    """The receipt time was wrong, so the dues computed from it were wrong: a correction to a
    later time moves them later without extensions, and the output says so (old → new)."""
    repo.branch("pr")
    repo.edit("KS-2025-0003", _correct_later)
    code, doc = repo.check()
    assert code == 0, doc["diagnostics"]
    assert doc["moved_by_corrections"] == [
        {
            "record": "KS-2025-0003",
            "file": "records/KS-2025-0003.yaml",
            "corrections": [
                {"field": "received_at", "from": "2025-02-10 10:00", "to": "2025-02-11 09:00"}
            ],
            "moved": [
                {
                    "what": "classification",
                    "before": "2025-02-10T14:00:00+08:00",
                    "after": "2025-02-11T13:00:00+08:00",
                }
            ],
        }
    ]
    summary = tmp_path / "summary.md"
    code, out, _err = repo.run(
        "check",
        "--base",
        "main",
        "--as-of",
        "2025-03-01 12:00",
        "--summary",
        str(summary),
        lang="zh",
    )
    assert code == 0
    assert (
        "KS-2025-0003 经批准的更正（接收时间 2025-02-10 10:00 → 2025-02-11 09:00）改变了以下项目"
        in out
    )
    assert "  - 初步识别与归类：2025-02-10 14:00 → 2025-02-11 13:00" in out
    text = summary.read_text(encoding="utf-8")
    assert "### 经批准的更正带来的变化" in text
    assert (
        "| `KS-2025-0003` | 接收时间 2025-02-10 10:00 → 2025-02-11 09:00 | 初步识别与归类 | "
        "2025-02-10 14:00 | 2025-02-11 13:00 |" in text
    )
    _code, out, _err = repo.run("check", "--base", "main", "--as-of", "2025-03-01 12:00")
    assert "  - Classification and routing: 2025-02-10 14:00 → 2025-02-11 13:00" in out


def test_dues_moved_by_anything_else_still_need_extensions(repo: PlayRepo) -> None:
    """In the same pull request, a start event edited after the correction (accepted_at) and
    an action's due moved later are no part of the correction: each needs its extension."""
    repo.branch("pr")

    def edit(d: dict[str, Any]) -> None:
        _correct_later(d)
        d["accepted_at"] = "2025-02-11 15:00"
        d["d0_emergency"]["actions"][0]["due"] = "2025-02-14"

    repo.edit("KS-2025-0003", edit)
    code, doc, errors = _errors(repo)
    assert code == 1
    assert errors == {
        ("KS-2025-0003", "change-deadline", "milestones.classification"),
        ("KS-2025-0003", "change-deadline", "d0_emergency.actions[0].due"),
    }
    moved = next(d for d in doc["diagnostics"] if d["field"] == "milestones.classification")
    # judged against the corrected due: the correction explains 14:00 → next day 13:00 only
    assert "(2025-02-11 13:00 → 2025-02-11 19:00)" in moved["message"]
    assert [m["after"] for m in doc["moved_by_corrections"][0]["moved"]] == [
        "2025-02-11T13:00:00+08:00"
    ]

    def extended(d: dict[str, Any]) -> None:
        edit(d)
        d["extensions"] = [
            {
                "milestone": key,
                "new_due": due,
                "reason": "客户同意",
                "approved_by": "周建华",
                "approved_at": "2025-02-12 09:00",
            }
            for key, due in (("classification", "2025-02-11 19:00"), ("e1", "2025-02-14 23:59"))
        ]

    repo.edit("KS-2025-0003", extended)
    code, doc = repo.check()
    assert code == 0, doc["diagnostics"]


def test_an_unapproved_correction_approves_nothing(repo: PlayRepo) -> None:
    repo.branch("pr")
    repo.edit("KS-2025-0003", lambda d: _correct_later(d, approve=False))
    code, doc, errors = _errors(repo)
    assert code == 1
    assert errors == {
        ("KS-2025-0003", "correction-unapproved", "corrections"),
        ("KS-2025-0003", "change-deadline", "milestones.classification"),
    }
    assert doc["moved_by_corrections"] == []
