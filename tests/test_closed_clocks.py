"""A closed record's clocks stop at its closure time.

Preset 000, grade 1 (line stop): fae_onsite is due 4 h after receipt (2026-05-06 10:15 →
14:15); the final report 10 natural days after acceptance (→ 2026-05-16 10:15).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from generator.common.model import Record
from generator.compute.records import compute_all
from generator.config.settings import RepoConfig
from generator.pipeline import make_calendar
from generator.policy.loader import load_policy
from generator.render.explain import explanation
from tests.conftest import CASES, load_record

TZ = ZoneInfo("Asia/Shanghai")
AS_OF = datetime(2026, 11, 24, 12, 0, tzinfo=TZ)
BASE = load_record(CASES / "valid" / "minimal" / "records" / "KS-2026-0101.yaml")


Clock = tuple[str, timedelta | None, str]
"""A milestone's state, how late it is, and its Chinese explanation."""


def compute(extra: dict[str, object]) -> dict[str, Any]:
    config = RepoConfig(root=Path("."))
    policy, diags = load_policy(config)
    assert policy is not None and not diags
    data = {**BASE, "facts": {"line_stop": True}, **extra}
    result = compute_all(
        [Record("KS-2026-0101", "records/KS-2026-0101.yaml", data)],
        policy,
        make_calendar(config),
        AS_OF,
    )["KS-2026-0101"]
    return {
        "overdue": result.overdue,
        "next_due": result.next_due,
        **{m.id: (m.state, m.late_by, explanation(m, "zh")) for m in result.milestones},
    }


def test_open_record_is_overdue() -> None:
    got = compute({})
    assert got["overdue"] is True
    assert got["fae_onsite"][0] == "overdue"


def test_closed_record_missed_and_not_applicable() -> None:
    # closed 2026-05-10 18:00: fae_onsite (due 05-06 14:15) was missed by 4 d 3 h 45 min;
    # the final report (due 05-16 10:15) was not yet due at closure.
    got = compute({"status": "closed", "d8_closure": {"closed_at": "2026-05-10 18:00"}})
    assert got["overdue"] is False and got["next_due"] is None
    clock: Clock = got["fae_onsite"]
    state, late_by, text = clock
    assert state == "missed"
    assert late_by is not None and late_by.total_seconds() == ((4 * 24 + 3) * 60 + 45) * 60
    assert "结案时仍未完成" in text
    assert got["final_report"][0] == "not_applicable"
    assert "不再计时" in got["final_report"][2]


def test_closure_after_as_of_does_not_stop_the_clock() -> None:
    # status says closed but the closure time is after as_of: seen from as_of it is open
    got = compute({"status": "closed", "d8_closure": {"closed_at": "2026-12-01 10:00"}})
    assert got["fae_onsite"][0] == "overdue"
