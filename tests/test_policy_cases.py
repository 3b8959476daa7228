"""Data-driven policy cases: tests/cases/policy/*.yaml, every expectation worked out by hand.

A case file names a preset (and optional ``overrides``), record ``defaults``, and ``cases``:
each with ``as_of``, ``records`` and ``expect`` per record id. Times in expectations are local
``YYYY-MM-DD HH:MM``, ``YYYY-MM-DD EOD`` (the end of that local day, 23:59:59.999999, as
working-day deadlines are), or full ISO 8601. Only the keys written are checked.
"""

from __future__ import annotations

import json
from datetime import datetime, time
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from generator.common.model import Record
from generator.compute.records import Computed, compute_all, penalty_totals
from generator.load.yamlload import load_yaml_file
from generator.policy.loader import Policy, policy_from_data
from generator.render.explain import explanation
from generator.time.parse import parse_date, parse_instant
from generator.time.workcal import WorkCalendar, load_official_calendar

CASES = Path(__file__).resolve().parent / "cases" / "policy"
PRESETS = Path(__file__).resolve().parent.parent / "generator" / "policy" / "presets"
TZ = ZoneInfo("Asia/Shanghai")


def _yaml(path: Path) -> Any:
    loaded = load_yaml_file(path)
    assert loaded.data is not None, loaded.diagnostics
    return loaded.data


@cache
def policy_for(preset: str, overrides_json: str = "{}") -> Policy:
    path = PRESETS / f"{preset}.yaml"
    loaded = load_yaml_file(path)
    policy, diags = policy_from_data(
        loaded.data, path.name, loaded.text, json.loads(overrides_json)
    )
    assert policy is not None, diags
    return policy


def when(text: str) -> datetime:
    if text.endswith(" EOD"):
        return datetime.combine(parse_date(text[:-4]), time(23, 59, 59, 999999), tzinfo=TZ)
    if "T" in text:
        return datetime.fromisoformat(text)
    return parse_instant(text, TZ)


def run(doc: dict[str, Any], case: dict[str, Any]) -> dict[str, Computed]:
    overrides = case.get("overrides", doc.get("overrides", {}))
    policy = policy_for(doc["preset"], json.dumps(overrides, sort_keys=True))
    calendar = WorkCalendar(load_official_calendar(), TZ)
    records = [
        Record(r["id"], f"records/{r['id']}.yaml", {**doc.get("defaults", {}), **r})
        for r in case["records"]
    ]
    return compute_all(
        records, policy, calendar, when(case["as_of"]), due_soon_days=case.get("due_soon_days", 2)
    )


def _params() -> list[Any]:
    out = []
    for path in sorted(CASES.glob("*.yaml")):
        doc = _yaml(path)
        out += [pytest.param(doc, case, id=f"{path.stem}:{case['id']}") for case in doc["cases"]]
    return out


def _check_time(label: str, got: datetime | None, want: str | None) -> None:
    if want is None:
        assert got is None, f"{label}: expected none, got {got}"
    else:
        assert got is not None, f"{label}: expected {want}, got none"
        assert got == when(want), (
            f"{label}: expected {when(want).isoformat()}, got {got.isoformat()}"
        )


_TIMES = {
    "due": "due_at",
    "start": "start_at",
    "done": "done_at",
    "original_due": "original_due_at",
}
_PLAIN = ("state", "overdue", "estimated", "variant")


def check_record(c: Computed, exp: dict[str, Any]) -> None:
    g = c.grade
    for key in ("grade", "fact_grade", "computed_grade", "declared_status"):
        if key in exp:
            assert getattr(g, key) == exp[key], f"{c.record_id} {key}: {getattr(g, key)!r}; {g}"
    if "reasons" in exp:
        assert [r.criterion for r in g.reasons] == exp["reasons"], g.reasons
    for crit, ids in exp.get("reason_records", {}).items():
        found = next(r for r in g.reasons if r.criterion == crit)
        assert list(found.records) == ids, found
    for key in ("cancelled", "overdue", "reopen_suggested"):
        if key in exp:
            got = list(getattr(c, key)) if key == "reopen_suggested" else getattr(c, key)
            assert got == exp[key], f"{c.record_id} {key}: {got!r}"
    for key in ("cancel_at", "restarted_at"):
        if key in exp:
            _check_time(f"{c.record_id} {key}", getattr(c, key), exp[key])
    if "not_a_complaint" in exp:
        assert bool(c.not_a_complaint_zh) is exp["not_a_complaint"]
    if "next_due" in exp:
        assert (c.next_due.id if c.next_due else None) == exp["next_due"]
    for mid, mexp in exp.get("milestones", {}).items():
        m = next(x for x in c.milestones if x.id == mid)
        label = f"{c.record_id}.{mid}"
        for key in _PLAIN:
            if key in mexp:
                assert getattr(m, key) == mexp[key], f"{label} {key}: {getattr(m, key)!r}; {m}"
        for key, attr in _TIMES.items():
            if key in mexp:
                _check_time(f"{label} {key}", getattr(m, attr), mexp[key])
        if "source" in mexp:
            assert m.due_source == mexp["source"], m
        if "late_by_minutes" in mexp:
            got = None if m.late_by is None else m.late_by.total_seconds() / 60
            assert got == mexp["late_by_minutes"], f"{label} late_by: {m.late_by}"
        for text in mexp.get("explains", []):
            assert text in explanation(m, "zh") or text in explanation(m, "en"), explanation(
                m, "zh"
            )
    if "penalties" in exp:
        got = [
            {
                "rule": p.rule,
                "charged_to": p.charged_to,
                "month": p.month,
                "amount": p.amount,
                "provisional": p.provisional,
                "milestones": list(p.milestones),
            }
            for p in c.penalties
        ]
        want = [{"provisional": False, **p} for p in exp["penalties"]]
        for g_item, w_item in zip(got, want, strict=True):
            assert {k: g_item[k] for k in w_item} == w_item, got
    if "approvals" in exp:
        assert {a.id: a.decision for a in c.required_approvals} == exp["approvals"]


@pytest.mark.parametrize(("doc", "case"), _params())
def test_policy_case(doc: dict[str, Any], case: dict[str, Any]) -> None:
    results = run(doc, case)
    for rid, exp in case["expect"].items():
        check_record(results[rid], exp or {})
    if "totals" in case:
        totals = penalty_totals(p for c in results.values() for p in c.penalties)
        got = [
            {"charged_to": t.charged_to, "month": t.month, "amount": t.amount, "count": t.count}
            for t in totals
        ]
        assert got == case["totals"]


def test_every_preset_has_cases() -> None:
    stems = {p.stem.split("-")[0] for p in CASES.glob("*.yaml")}
    assert {p.stem for p in PRESETS.glob("*.yaml")} <= stems
