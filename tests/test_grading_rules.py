"""The condition vocabulary, rolling windows and the recurrence index."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from generator.grading import (
    Context,
    Recurrence,
    RecurrenceIndex,
    Window,
    compare,
    evaluate,
    holds,
    key_value,
    parse_condition,
)
from generator.model import Record

TZ = ZoneInfo("Asia/Shanghai")


def rec(data: dict[str, object], rid: str = "KS-2026-0001") -> Record:
    return Record(rid, f"records/{rid}.yaml", {"id": rid, **data})


@pytest.mark.parametrize(("at", "window", "start"), [
    # 31 May - 3 months: "31 Feb" clamps to 28 Feb (2026 is not a leap year)
    ("2026-05-31 11:00", Window(months=3), "2026-02-28 11:00"),
    ("2024-05-31 11:00", Window(months=3), "2024-02-29 11:00"),
    # 12 months back from 29 Feb 2024 → 28 Feb 2023
    ("2024-02-29 08:00", Window(months=12), "2023-02-28 08:00"),
    # across a year boundary: Jan - 3 months = Oct of the year before
    ("2026-01-15 10:00", Window(months=3), "2025-10-15 10:00"),
    ("2026-03-01 00:30", Window(days=60), "2025-12-31 00:30"),
])
def test_window_start(at: str, window: Window, start: str) -> None:
    fmt = "%Y-%m-%d %H:%M"
    got = window.start(datetime.strptime(at, fmt).replace(tzinfo=TZ), TZ)
    assert got == datetime.strptime(start, fmt).replace(tzinfo=TZ)


def test_window_start_uses_the_repository_zone() -> None:
    # 2026-04-30 20:00 UTC is 2026-05-01 04:00 in Shanghai: 1 month back is 2026-04-01 04:00
    at = datetime(2026, 4, 30, 20, 0, tzinfo=ZoneInfo("UTC"))
    assert Window(months=1).start(at, TZ) == datetime(2026, 4, 1, 4, 0, tzinfo=TZ)


@pytest.mark.parametrize(("value", "ops", "ok"), [
    (None, [("is", True)], False),
    (None, [("is", False)], True),      # a missing boolean fact counts as false
    (True, [("is", True)], True),
    (1, [("is", True)], False),         # only a real boolean is true
    (1, [("eq", True)], False),         # booleans never equal numbers
    (100, [("gte", 100)], True),
    (99, [("gte", 100)], False),
    ("100", [("gte", 100)], False),     # text is not a number
    (None, [("lt", 100)], False),       # a missing number fails every comparison
    (15, [("gt", 15)], False),
    (16, [("gt", 15), ("lte", 16)], True),
    ("internal", [("in", ("external", "internal"))], True),
    ("internal", [("ne", "external")], True),
    (None, [("ne", "external")], True),
    ("", [("exists", True)], False),
    ([], [("exists", False)], True),
    (0.2, [("eq", 0.2)], True),
])
def test_compare(value: object, ops: list[tuple[str, object]], ok: bool) -> None:
    assert compare(value, ops) is ok


def test_any_all_not_and_evidence() -> None:
    cond = parse_condition({"all": [
        {"field": "origin", "eq": "external"},
        {"any": [{"fact": "claim", "is": True}, {"recurrence": {
            "key": "customer", "window": {"months": 12}, "min_count": 2}}]},
        {"not": {"fact": "customer_caused", "is": True}},
    ]})
    record = rec({"origin": "external", "customer": {"code": "C1"}})

    def lookup(r: Recurrence) -> tuple[int, tuple[str, ...]]:
        return 2, ("KS-2025-0009",)

    assert evaluate(cond, Context(record, None, lookup)) == (True, ("KS-2025-0009",))
    # grading without history: the recurrence is not met, so nothing holds
    assert evaluate(cond, Context(record)) == (False, ())
    assert not holds(cond, rec({"origin": "external", "facts": {"claim": True,
                                                                 "customer_caused": True}}))


def test_ratio_uses_product_quantities() -> None:
    cond = parse_condition({"ratio": ["complained_quantity", "order_quantity"], "gte": 0.2})
    assert cond.ratio == ("product.complained_quantity", "product.order_quantity")
    assert holds(cond, rec({"product": {"complained_quantity": 8, "order_quantity": 40}}))
    assert not holds(cond, rec({"product": {"complained_quantity": 7, "order_quantity": 40}}))
    assert not holds(cond, rec({"product": {"complained_quantity": 7, "order_quantity": 0}}))
    assert not holds(cond, rec({"product": {"complained_quantity": 7}}))


def test_grades_and_approval_conditions() -> None:
    grades = parse_condition({"grades": ["1", "2"]})
    assert holds(grades, rec({}), "2") and not holds(grades, rec({}), "3")
    rejected = parse_condition({"approval": {"role": "gm", "subject": "closure",
                                             "decision": "rejected"}})
    entries = [{"role": "gm", "subject": "closure", "decision": "rejected", "name": "a",
                "date": "2026-01-01"},
               {"role": "gm", "subject": "closure", "decision": "approved", "name": "a",
                "date": "2026-01-02"}]
    assert not holds(rejected, rec({"approvals": entries}))  # the latest entry decides
    assert holds(rejected, rec({"approvals": entries[:1]}))


def test_key_value() -> None:
    assert key_value(rec({"problem_key": " ACME/X/NB "}), ("problem_key",)) == ("acme/x/nb",)
    assert key_value(rec({"customer": {"company": "甲公司"}}), ("customer",)) == ("甲公司",)
    assert key_value(rec({"customer": {"code": "C1", "company": "甲"}}), ("customer",)) == ("c1",)
    two = ("part_number", "defect_code")
    assert key_value(rec({"product": {"part_number": "P1"}, "defect_code": "D"}), two) == ("p1", "d")
    assert key_value(rec({"product": {"part_number": "P1"}}), two) is None
    assert key_value(rec({"problem_key": True}), ("problem_key",)) is None


def test_index_counts_the_window_and_names_the_last_twenty() -> None:
    """20,000 earlier records with one key: the window's count is exact and at most 20 are
    named (how long a look-up takes: ``python -m bench.guards``)."""
    index = RecurrenceIndex([("problem_key",)], TZ)
    start = datetime(2024, 1, 1, tzinfo=TZ)
    for i in range(20_000):
        r = rec({"problem_key": "K"}, f"KS-2024-{i:06d}")
        index.add(r, start + timedelta(minutes=30 * i), "3", index.values(r))
    now = start + timedelta(minutes=30 * 20_000)
    rule = Recurrence(("problem_key",), Window(days=30), 2, ("3",))
    me = rec({"problem_key": "K"}, "KS-2026-9999")
    count, named = index.lookup(now, None, index.values(me))(rule)
    # 30 days = 1440 half-hour steps; the record exactly at now - 30 d is outside (open start),
    # so i = 18561 … 19999 count: 1439 earlier + this record = 1440
    assert count == 1 + 1440 - 1
    assert len(named) == 20 and named[-1] == "KS-2024-019999"
