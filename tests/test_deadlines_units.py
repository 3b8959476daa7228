"""Deadline building blocks: record paths, start events, cancellation, as-of semantics."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from generator.compute import compute_all
from generator.config import RepoConfig
from generator.deadlines import (
    Event,
    cancellation_state,
    first_instant,
    parse_event,
    resolve,
    span,
    values_at,
)
from generator.model import Record
from generator.policy import Policy, load_policy
from generator.timeparse import END_OF_DAY
from generator.workcal import WorkCalendar, load_official_calendar

TZ = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar(load_official_calendar(), TZ)


def policy(preset: str) -> Policy:
    p, diags = load_policy(RepoConfig(root=Path("/nonexistent"), preset=preset))
    assert p is not None, diags
    return p


def rec(data: dict[str, object], rid: str = "KS-2026-0001") -> Record:
    return Record(rid, f"records/{rid}.yaml", {"id": rid, "status": "registered", **data})


def at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=TZ)


def test_values_at_steps_into_lists() -> None:
    data = {"d0": {"actions": [{"done_at": "b"}, {"x": 1}, {"done_at": "a"}]}, "s": {"t": 1}}
    assert values_at(data, "d0.actions[].done_at") == ["b", "a"]
    assert values_at(data, "s.t") == [1]
    assert values_at(data, "s.t.u") == []
    assert values_at(data, "missing[].x") == []


def test_first_instant_takes_the_earliest_at_the_first_path_with_a_value() -> None:
    r = rec({"d0_emergency": {"actions": [{"done_at": "2026-03-10 09:40"},
                                          {"done_at": "2026-03-10 09:20"}]},
             "milestones": {"x": {"done_at": "2026-03-10 09:00"}}})
    paths = ["d0_emergency.actions[].done_at", "milestones.x.done_at"]
    assert first_instant(r, paths, TZ) == at("2026-03-10 09:20")
    assert first_instant(r, paths[::-1], TZ) == at("2026-03-10 09:00")
    # a date alone is the end of that day
    assert first_instant(rec({"m": "2026-03-10"}), ["m"], TZ) == datetime.combine(
        date(2026, 3, 10), END_OF_DAY, tzinfo=TZ)


def test_first_of_and_later_of() -> None:
    p = policy("002")
    r = rec({"sample": {"received_at": "2026-09-10 09:00", "handed_over_at": "2026-09-28 10:00"},
             "d4_root_cause": {"confirmed_at": "2026-09-12 10:00"}})
    at_analysis = Event("ref", "sample_at_analysis")
    # the hand-over is recorded: it decides, and before it happens the event has not happened
    assert resolve(at_analysis, r, p, TZ, at("2026-09-20 00:00")) is None
    assert resolve(at_analysis, r, p, TZ, at("2026-09-29 00:00")) == at("2026-09-28 10:00")
    later = parse_event({"later_of": ["root_cause", "sample_received"]})
    assert resolve(later, r, p, TZ, at("2026-09-11 00:00")) is None  # root cause not yet
    assert resolve(later, r, p, TZ, at("2026-09-13 00:00")) == at("2026-09-12 10:00")
    assert resolve(Event("ref", "no_such_event"), r, p, TZ, at("2026-09-13 00:00")) is None


def test_span() -> None:
    from datetime import timedelta
    assert span(timedelta(days=2, hours=3, minutes=4)) == ("2天3小时4分钟", "2 d 3 h 4 min")
    assert span(timedelta(seconds=20)) == ("0分钟", "0 min")


def test_hand_cancellation_counts_from_its_date() -> None:
    r = rec({"status": "cancelled", "cancellation": {"reason": "重复", "at": "2026-03-05"}})
    assert cancellation_state(r, policy("000"), CAL, at("2026-03-05 12:00")).cancelled is False
    state = cancellation_state(r, policy("000"), CAL, at("2026-03-06 00:00"))
    assert state.cancelled and state.reason_en == "Cancelled: 重复"


def test_done_without_a_start_is_done_but_not_judged() -> None:
    r = rec({"milestones": {"final_report": {"done_at": "2026-03-10 10:00"}},
             "received_at": "2026-03-01 09:00"})
    c = compute_all([r], policy("000"), CAL, at("2026-03-20 00:00"))["KS-2026-0001"]
    m = next(m for m in c.milestones if m.id == "final_report")  # grade 3: waits for a sample
    assert (m.state, m.due_at) == ("done_on_time", None)
    assert "timeliness unknown" in m.explanation_en


def test_as_of_needs_a_zone() -> None:
    with pytest.raises(ValueError, match="time zone"):
        compute_all([], policy("000"), CAL, datetime(2026, 1, 1))


def test_times_come_back_in_the_repository_zone() -> None:
    r = rec({"received_at": "2026-03-10T01:00:00Z", "facts": {"line_stop": True}})
    c = compute_all([r], policy("000"), CAL, at("2026-03-10 12:00"))["KS-2026-0001"]
    fae = c.milestones[0]
    assert fae.start_at == at("2026-03-10 09:00") and str(fae.start_at.tzinfo) == "Asia/Shanghai"
    assert fae.due_at == at("2026-03-10 13:00")


def test_invalid_times_are_skipped_not_fatal() -> None:
    r = Record("KS-2026-0001", "records/KS-2026-0001.yaml",
               {"received_at": "2026-02-30 09:00", "facts": "nonsense"}, valid=False)
    c = compute_all([r], policy("000"), CAL, at("2026-03-10 12:00"))["KS-2026-0001"]
    assert c.grade.grade == "3"
    assert {m.state for m in c.milestones} <= {"pending", "not_applicable"}


@pytest.mark.parametrize("preset", ["000", "001", "002", "003", "004"])
def test_garbage_in_an_invalid_record_never_crashes(preset: str) -> None:
    junk = Record("KS-2026-0001", "r", {
        "received_at": {"a": 1}, "facts": [1], "status": 3, "reopen_of": 7,
        "sample": {"received_at": ["x"], "required": "yes", "requested_at": 5},
        "milestones": {"final_report": {"done_at": {"x": 1}}}, "extensions": {"a": 1},
        "customer_deadline": [1], "approvals": "x", "d0_emergency": {"actions": "x"},
        "product": "x", "customer": 5, "problem_key": ["a"], "grade_declared": "x",
        "cancellation": [1], "responsibility": "x", "d4_root_cause": {"confirmed_at": 5}},
        valid=False)
    odd = rec({"received_at": "2026-01-01 09:00", "problem_key": "k",
               "extensions": [1, {"milestone": 5}]}, "KS-2026-0002")
    results = compute_all([junk, odd], policy(preset), CAL, at("2026-03-01 00:00"))
    assert results["KS-2026-0001"].grade.grade == policy(preset).grades[-1].id
