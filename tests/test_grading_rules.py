"""Rolling windows, the recurrence index and grading by the criteria.

The condition vocabulary itself is tested in ``test_conditions.py``.
"""

from __future__ import annotations

import calendar as cal
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.common.model import Record
from generator.compute.grading import RecurrenceIndex, plain_reasons, ranks
from generator.policy.conditions import Context, Recurrence, Window, earlier_records
from generator.policy.parsers import parse_grade

TZ = ZoneInfo("Asia/Shanghai")


def rec(data: dict[str, object], rid: str = "KS-2026-0001") -> Record:
    return Record(rid, f"records/{rid}.yaml", {"id": rid, **data})


@pytest.mark.parametrize(
    ("at", "window", "start"),
    [
        # 31 May - 3 months: "31 Feb" clamps to 28 Feb (2026 is not a leap year)
        ("2026-05-31 11:00", Window(months=3), "2026-02-28 11:00"),
        ("2024-05-31 11:00", Window(months=3), "2024-02-29 11:00"),
        # 12 months back from 29 Feb 2024 → 28 Feb 2023
        ("2024-02-29 08:00", Window(months=12), "2023-02-28 08:00"),
        # across a year boundary: Jan - 3 months = Oct of the year before
        ("2026-01-15 10:00", Window(months=3), "2025-10-15 10:00"),
        ("2026-03-01 00:30", Window(days=60), "2025-12-31 00:30"),
    ],
)
def test_window_start(at: str, window: Window, start: str) -> None:
    fmt = "%Y-%m-%d %H:%M"
    got = window.start(datetime.strptime(at, fmt).replace(tzinfo=TZ), TZ)
    assert got == datetime.strptime(start, fmt).replace(tzinfo=TZ)


def test_window_start_uses_the_repository_zone() -> None:
    # 2026-04-30 20:00 UTC is 2026-05-01 04:00 in Shanghai: 1 month back is 2026-04-01 04:00
    at = datetime(2026, 4, 30, 20, 0, tzinfo=ZoneInfo("UTC"))
    assert Window(months=1).start(at, TZ) == datetime(2026, 4, 1, 4, 0, tzinfo=TZ)


def test_index_counts_with_bisection_and_names_the_latest() -> None:
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


def test_window_start_keeps_zone_and_fold() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    w = Window(months=3)
    for at in (
        datetime(2026, 5, 31, 10, 0, tzinfo=berlin),  # → 28 Feb
        datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=berlin),  # the repeated hour
        datetime(2027, 1, 31, 23, 59, 59, 999999, tzinfo=berlin),
    ):
        y, m = divmod(at.month - 1 - 3, 12)
        want = at.replace(
            year=at.year + y, month=m + 1, day=min(at.day, cal.monthrange(at.year + y, m + 1)[1])
        )
        got = w.start(at, berlin)
        assert (got, got.fold, got.tzinfo, got.timestamp()) == (
            want,
            want.fold,
            want.tzinfo,
            want.timestamp(),
        )


def test_a_record_without_earlier_occurrences_is_graded_without_history() -> None:
    index = RecurrenceIndex([("problem_key",)], TZ)
    first = rec({"problem_key": "K"}, "KS-2026-0001")
    at = datetime(2026, 1, 1, tzinfo=TZ)
    assert index.lookup_if_known(at, None, index.values(first)) is None
    index.add(first, at, "3", index.values(first))
    later = at + timedelta(days=1)
    assert index.lookup_if_known(later, None, index.values(rec({"problem_key": " k "}))) is not None
    assert index.lookup_if_known(later, None, index.values(rec({"problem_key": "L"}))) is None
    assert index.lookup_if_known(later, None, index.values(rec({}))) is None


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["K", "L", None]), st.sampled_from(["1", "2"]), st.integers(0, 40 * 24)
        ),
        max_size=40,
    ),
    st.sampled_from([None, ("1",), ("1", "2")]),
    st.integers(2, 3),
    st.booleans(),
    st.integers(0, 40),
)
def test_index_counts_and_names_as_a_scan_of_the_earlier_records(
    earlier: list[tuple[str | None, str, int]],
    of: tuple[str, ...] | None,
    min_count: int,
    reopens: bool,
    pick: int,
) -> None:
    """Counting and naming from the index (with or without per-grade lists) agree with
    reading every earlier record, including a reopened original left out."""
    base = datetime(2026, 1, 1, tzinfo=TZ)
    added = sorted(
        (
            (base + timedelta(hours=h), f"KS-2026-{i:04d}", key, grade)
            for i, (key, grade, h) in enumerate(earlier)
        ),
        key=lambda x: (x[0], x[1]),
    )
    indexes = [RecurrenceIndex([("problem_key",)], TZ)]
    if of is None:
        indexes.append(RecurrenceIndex([("problem_key",)], TZ, by_grade=False))
    for index in indexes:
        for at, rid, key, grade in added:
            r = rec({} if key is None else {"problem_key": key}, rid)
            index.add(r, at, grade, index.values(r))
    now = base + timedelta(days=41)
    window = Window(days=30)
    exclude = added[pick % len(added)][1] if reopens and added else None
    start = window.start(now, TZ)
    seen = [
        rid
        for at, rid, key, grade in added
        if key == "K" and at > start and rid != exclude and (of is None or grade in of)
    ]
    rule = Recurrence(("problem_key",), window, min_count, of)
    me = rec({"problem_key": "K"}, "KS-2026-9999")
    for index in indexes:
        count, named = index.lookup(now, exclude, index.values(me))(rule)
        assert count == len(seen) + 1
        assert named == (tuple(seen[-20:]) if count >= min_count else ())


def test_an_index_without_grade_lists_refuses_a_count_by_grade() -> None:
    index = RecurrenceIndex([("problem_key",)], TZ, by_grade=False)
    r = rec({"problem_key": "K"}, "KS-2026-0001")
    index.add(r, datetime(2026, 1, 1, tzinfo=TZ), "1", index.values(r))
    me = rec({"problem_key": "K"}, "KS-2026-0002")
    find = index.lookup(datetime(2026, 1, 2, tzinfo=TZ), None, index.values(me))
    with pytest.raises(ValueError, match="per grade"):
        find(Recurrence(("problem_key",), Window(days=30), 2, ("1",)))


def test_evidence_from_several_grades_is_named_in_received_order() -> None:
    index = RecurrenceIndex([("problem_key",)], TZ)
    start = datetime(2026, 1, 1, tzinfo=TZ)
    for i in range(30):
        r = rec({"problem_key": "K"}, f"KS-2026-{i:04d}")
        index.add(r, start + timedelta(hours=i), "1" if i % 3 else "2", index.values(r))
    me = rec({"problem_key": "K"}, "KS-2026-9999")
    now = start + timedelta(days=5)
    both = Recurrence(("problem_key",), Window(months=1), 2, ("1", "2"))
    count, named = index.lookup(now, None, index.values(me))(both)
    assert count == 31 and named == tuple(f"KS-2026-{i:04d}" for i in range(10, 30))
    one = Recurrence(("problem_key",), Window(months=1), 2, ("2",))
    count, named = index.lookup(now, "KS-2026-0027", index.values(me))(one)
    assert count == 10  # ten of grade 2 (0, 3, … 27), less the reopened original, plus this
    assert named == tuple(f"KS-2026-{i:04d}" for i in range(0, 27, 3))


# ------------------------------------------------------------------ grading by the criteria

_LEAVES = st.sampled_from(
    [
        {"fact": "safety", "is": True},
        {"fact": "claim", "is": True},
        {"field": "origin", "eq": "external"},
        {"field": "product.quantity", "gte": 10},
    ]
)
_TREES = st.recursive(
    _LEAVES,
    lambda kids: st.one_of(
        st.builds(lambda k: {"any": k}, st.lists(kids, min_size=1, max_size=3)),
        st.builds(lambda k: {"all": k}, st.lists(kids, min_size=1, max_size=3)),
        st.builds(lambda k: {"not": k}, kids),
    ),
    max_leaves=5,
)
_RECURRENCE = st.builds(
    lambda key, n: {"recurrence": {"key": key, "window": {"months": 3}, "min_count": n}},
    st.sampled_from(["problem_key", "customer"]),
    st.integers(2, 3),
)
_CRITERION = st.one_of(
    _TREES,
    _RECURRENCE,
    st.builds(lambda t, r: {"all": [t, r]}, _TREES, _RECURRENCE),
    st.builds(lambda t, r: {"all": [r, t, r]}, _TREES, _RECURRENCE),
    st.builds(lambda t, r: {"any": [t, r]}, _TREES, _RECURRENCE),
    st.builds(lambda r: {"not": r}, _RECURRENCE),
)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.lists(_CRITERION, max_size=4), min_size=1, max_size=3),
    st.fixed_dictionaries(
        {},
        optional={
            "origin": st.sampled_from(["external", "internal"]),
            "facts": st.fixed_dictionaries(
                {}, optional={"safety": st.booleans(), "claim": st.booleans()}
            ),
            "product": st.fixed_dictionaries({"quantity": st.integers(0, 20)}),
        },
    ),
    st.dictionaries(st.sampled_from(["problem_key", "customer"]), st.integers(1, 4)),
    st.booleans(),
)
def test_ranks_read_every_criterion_in_order(
    grades: list[list[dict[str, Any]]], data: dict[str, Any], counts: dict[str, int], history: bool
) -> None:
    """The fact rank (recurrences not met), the rank (with the history) and the reasons are
    those of reading every criterion of every grade, most severe first."""
    parsed = [
        parse_grade(
            {
                "id": f"g{i}",
                "name": {"zh": "级", "en": "grade"},
                "criteria": [
                    {"id": f"c{i}{j}", "text": {"zh": "条", "en": "criterion"}, "when": node}
                    for j, node in enumerate(nodes)
                ],
            }
        )
        for i, nodes in enumerate(grades)
    ]
    parsed.append(parse_grade({"id": "last", "name": {"zh": "末", "en": "last"}}))

    def lookup(r: Recurrence) -> tuple[int, tuple[str, ...]]:
        n = counts.get(r.key[0], 1)
        return n, (f"KS-2026-{n:04d}", "KS-2026-0009") if n >= r.min_count else ()

    record = rec(data)
    plain, full = Context(record), Context(record, None, lookup if history else None)
    fact = next(
        (i for i, g in enumerate(parsed) if any(c.when.holds(plain) for c in g.criteria)),
        len(parsed) - 1,
    )
    reasons: list[tuple[str, tuple[str, ...]]] = [("", ())]
    rank = len(parsed) - 1
    for i, g in enumerate(parsed):
        held = [
            (c.id, earlier_records(why))
            for c in g.criteria
            if (why := c.when.run(full)) is not None
        ]
        if held:
            rank, reasons = i, held
            break
    policy: Any = SimpleNamespace(grades=tuple(parsed))
    got = ranks(record, policy.grades, lookup if history else None, plain_reasons(policy))
    assert (got[0], got[1], [(r.criterion, r.records) for r in got[2]]) == (fact, rank, reasons)
