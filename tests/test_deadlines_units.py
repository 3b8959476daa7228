"""Deadline building blocks: record paths, start events, cancellation, as-of semantics."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from generator.common.model import Record
from generator.compute.deadlines import (
    Event,
    cancellation_state,
    first_instant,
    parse_event,
    resolve,
    values_at,
)
from generator.compute.records import compute_all
from generator.config.settings import RepoConfig
from generator.policy.loader import Policy, load_policy
from generator.render.explain import cancel_text, explanation, span
from generator.time.parse import END_OF_DAY
from generator.time.workcal import WorkCalendar, load_official_calendar

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
    r = rec(
        {
            "d0_emergency": {
                "actions": [{"done_at": "2026-03-10 09:40"}, {"done_at": "2026-03-10 09:20"}]
            },
            "milestones": {"x": {"done_at": "2026-03-10 09:00"}},
        }
    )
    paths = ["d0_emergency.actions[].done_at", "milestones.x.done_at"]
    assert first_instant(r, paths, TZ) == at("2026-03-10 09:20")
    assert first_instant(r, paths[::-1], TZ) == at("2026-03-10 09:00")
    # a date alone is the end of that day
    assert first_instant(rec({"m": "2026-03-10"}), ["m"], TZ) == datetime.combine(
        date(2026, 3, 10), END_OF_DAY, tzinfo=TZ
    )


def test_first_of_and_later_of() -> None:
    p = policy("002")
    r = rec(
        {
            "sample": {"received_at": "2026-09-10 09:00", "handed_over_at": "2026-09-28 10:00"},
            "d4_root_cause": {"confirmed_at": "2026-09-12 10:00"},
        }
    )
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
    assert state.reason is not None and (state.reason.kind, state.reason.why) == ("manual", "重复")
    assert state.cancelled and cancel_text(state.reason, "en") == "Cancelled: 重复"


def test_done_without_a_start_is_done_but_not_judged() -> None:
    r = rec(
        {
            "milestones": {"final_report": {"done_at": "2026-03-10 10:00"}},
            "received_at": "2026-03-01 09:00",
        }
    )
    c = compute_all([r], policy("000"), CAL, at("2026-03-20 00:00"))["KS-2026-0001"]
    m = next(m for m in c.milestones if m.id == "final_report")  # grade 3: waits for a sample
    assert (m.state, m.due_at) == ("done_on_time", None)
    assert "timeliness unknown" in explanation(m, "en")


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
    r = Record(
        "KS-2026-0001",
        "records/KS-2026-0001.yaml",
        {"received_at": "2026-02-30 09:00", "facts": "nonsense"},
        valid=False,
    )
    c = compute_all([r], policy("000"), CAL, at("2026-03-10 12:00"))["KS-2026-0001"]
    assert c.grade.grade == "3"
    assert {m.state for m in c.milestones} <= {"pending", "not_applicable"}


@pytest.mark.parametrize("preset", ["000", "001", "002", "003", "004"])
def test_garbage_in_an_invalid_record_never_crashes(preset: str) -> None:
    junk = Record(
        "KS-2026-0001",
        "r",
        {
            "received_at": {"a": 1},
            "facts": [1],
            "status": 3,
            "reopen_of": 7,
            "sample": {"received_at": ["x"], "required": "yes", "requested_at": 5},
            "milestones": {"final_report": {"done_at": {"x": 1}}},
            "extensions": {"a": 1},
            "customer_deadline": [1],
            "approvals": "x",
            "d0_emergency": {"actions": "x"},
            "product": "x",
            "customer": 5,
            "problem_key": ["a"],
            "grade_declared": "x",
            "cancellation": [1],
            "responsibility": "x",
            "d4_root_cause": {"confirmed_at": 5},
        },
        valid=False,
    )
    odd = rec(
        {
            "received_at": "2026-01-01 09:00",
            "problem_key": "k",
            "extensions": [1, {"milestone": 5}],
        },
        "KS-2026-0002",
    )
    results = compute_all([junk, odd], policy(preset), CAL, at("2026-03-01 00:00"))
    assert results["KS-2026-0001"].grade.grade == policy(preset).grades[-1].id


# ------------------------------------------------------------------ events, resolved once


def _events_policy() -> Policy:
    """Preset 000 with events that name each other, an unknown name and a loop."""
    from dataclasses import replace

    from generator.compute.deadlines import EventDef
    from generator.policy.types import Text

    p = policy("000")
    extra = {
        "first_seen": EventDef(
            Text("首见", "first seen"),
            parse_event({"first_of": ["confirmed", {"field": "seen_at"}, "received"]}),
        ),
        "both": EventDef(
            Text("两者", "both"), parse_event({"later_of": ["first_seen", "sample_received"]})
        ),
        "ghost": EventDef(Text("无", "none"), parse_event("no_such_event")),
        "loop_a": EventDef(Text("甲", "a"), parse_event("loop_b")),
        "loop_b": EventDef(Text("乙", "b"), parse_event("loop_a")),
    }
    return replace(p, events={**p.events, **extra})


def test_one_resolver_answers_like_separate_resolutions() -> None:
    from generator.compute.deadlines import Resolver

    p = policy("000")
    as_of = at("2026-03-10 12:00")
    r = rec(
        {
            "received_at": "2026-03-01 09:00",
            "sample": {"received_at": "2026-03-11 09:00"},
            "status": "closed",
            "d8_closure": {"closed_at": "2026-03-09 18:00"},
        }
    )
    events = Resolver(r, p, TZ, as_of)
    for name in ("accepted", "sample_received"):
        assert events.resolve(parse_event(name)) == resolve(parse_event(name), r, p, TZ, as_of)
    assert events.resolve(parse_event("accepted")) == at("2026-03-01 09:00")
    assert events.resolve(parse_event({"later_of": ["received", "sample_received"]})) is None
    assert events.closed_at() == at("2026-03-09 18:00")
    assert Resolver(r, p, TZ, at("2026-03-09 12:00")).closed_at() is None  # not closed yet then
    assert Resolver(rec({"status": "registered"}), p, TZ, as_of).closed_at() is None


@pytest.mark.parametrize(
    "name", ["received", "accepted", "first_seen", "both", "ghost", "loop_a", "sample_received"]
)
@pytest.mark.parametrize(
    "data",
    [
        {
            "received_at": "2026-03-01 09:00",
            "seen_at": "2026-03-02 10:00",
            "sample": {"received_at": "2026-03-03 11:00"},
        },
        {"received_at": "2026-03-01 09:00", "confirmed_at": "2026-03-20 08:00"},  # after as_of
        {"accepted_at": "2026-03-01 10:00", "received_at": "2026-03-01 09:00"},
        {},
    ],
)
def test_flattened_events_resolve_as_the_names_do(name: str, data: dict[str, Any]) -> None:
    """The milestone plan resolves start events with the policy's names replaced once; the
    answer is the names' own, record by record: an unknown name or a loop never happens."""
    from generator.compute.events import NEVER, flatten

    p = _events_policy()
    event = parse_event(name)
    flat = flatten(event, p.events)
    assert "ref" not in {e.kind for e in _walk_events(flat)}
    r = rec(data)
    as_of = at("2026-03-10 12:00")
    assert resolve(flat, r, p, TZ, as_of) == resolve(event, r, p, TZ, as_of)
    if name in ("ghost", "loop_a"):
        assert flat is NEVER and resolve(event, r, p, TZ, as_of) is None


def _walk_events(event: Event) -> list[Event]:
    return [event, *(e for c in event.children for e in _walk_events(c))]


def test_the_first_recorded_start_decides_even_after_as_of() -> None:
    p = _events_policy()
    as_of = at("2026-03-10 12:00")
    late = rec({"received_at": "2026-03-01 09:00", "confirmed_at": "2026-03-20 08:00"})
    assert resolve(parse_event("first_seen"), late, p, TZ, as_of) is None
    on_time = rec({"received_at": "2026-03-01 09:00", "confirmed_at": "2026-03-05 08:00"})
    assert resolve(parse_event("first_seen"), on_time, p, TZ, as_of) == at("2026-03-05 08:00")


# ------------------------------------------------------------------ found in review


def test_the_last_valid_extension_counts() -> None:
    r = rec(
        {
            "received_at": "2026-03-02 09:00",
            "accepted_at": "2026-03-02 09:00",
            "sample": {"received_at": "2026-03-03 10:00"},
            "facts": {"line_stop": True},
            "customer_deadline": "2026-03-09",
            "extensions": [
                {
                    "milestone": "final_report",
                    "new_due": "2026-03-20",
                    "approved_by": "王",
                    "reason": "a",
                },
                {"milestone": "final_report", "new_due": "2026-03-25 10:00", "approved_by": "李"},
                {"milestone": "final_report", "new_due": "2026-02-30"},  # not a date: ignored
                {"milestone": 7, "new_due": "2026-03-26"},
                "not a mapping",
                {"milestone": "customer_deadline", "new_due": "2026-03-12 12:00"},
            ],
        }
    )
    out = compute_all([r], policy("000"), CAL, at("2026-03-10 12:00"))
    final = next(m for m in out[r.id].milestones if m.id == "final_report")
    assert (final.due_at, final.due_source) == (at("2026-03-25 10:00"), "extension")
    assert "李" in explanation(final, "zh")


def test_starts_in_the_repeated_hour_of_a_dst_change_get_their_own_dues() -> None:
    """02:30 on 26 Oct 2025 happens twice in Berlin; each start gets its own due."""
    from datetime import UTC

    berlin = ZoneInfo("Europe/Berlin")
    records = [
        rec({"received_at": "2025-10-26 02:30"}, "KS-2025-0001"),
        rec({"received_at": "2025-10-26 02:30+01:00"}, "KS-2025-0002"),
    ]
    out = compute_all(
        records,
        policy("002"),
        WorkCalendar(load_official_calendar(), berlin),
        datetime(2025, 10, 26, 3, 10, tzinfo=berlin),
    )
    due = {
        rid: next(m.due_at for m in c.milestones if m.id == "classification")
        for rid, c in out.items()
    }  # classification: 4 hours from acceptance
    assert due["KS-2025-0001"] == datetime(2025, 10, 26, 4, 30, tzinfo=UTC)  # 00:30Z + 4 h
    assert due["KS-2025-0002"] == datetime(2025, 10, 26, 5, 30, tzinfo=UTC)  # 01:30Z + 4 h


def test_a_penalty_month_is_always_four_digits_and_two() -> None:
    r = rec(
        {
            "received_at": "0999-05-01 10:00",
            "category": "quality",
            "responsibility": {"responsible_department": "QA"},
        }
    )
    out = compute_all([r], policy("003"), CAL, at("2026-03-10 12:00"))
    assert {p.month for p in out[r.id].penalties} == {"0999-05"}


def test_results_are_values() -> None:
    """Two computations with two calendar objects give equal (frozen) results."""
    import dataclasses

    records = [
        rec(
            {
                "received_at": "2026-03-02 09:00",
                "channel": "phone",
                "problem_key": "K",
                "sample": {"received_at": "2026-03-04 10:00"},
            }
        )
    ]
    as_of = at("2026-03-10 12:00")
    one = compute_all(records, policy("000"), WorkCalendar(load_official_calendar(), TZ), as_of)
    two = compute_all(records, policy("000"), WorkCalendar(load_official_calendar(), TZ), as_of)
    assert one == two
    result = one["KS-2026-0001"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.milestones[0].state = "done_on_time"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.grade.grade = "1"  # type: ignore[misc]
