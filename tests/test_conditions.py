"""The condition language: one parser, one interpreter, the evidence it gives.

The cases are data (``tests/cases/conditions/``): every node and comparison of the
vocabulary against records, with the truth value and the evidence; and the conditions the
parser refuses, with where and why in both languages. A property test reads random trees as
the module docstring of :mod:`generator.policy.conditions` says them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.common.model import Record
from generator.config.settings import load_schema
from generator.load.yamlload import load_yaml_file
from generator.policy import conditions
from generator.policy.conditionparse import COMPARISONS, KINDS, ConditionError, parse_condition
from generator.policy.conditions import (
    AllOf,
    AnyOf,
    Approval,
    Comparison,
    Context,
    Fact,
    Field,
    Grades,
    Not,
    Ratio,
    Recurrence,
    Why,
    Window,
    earlier_records,
    holds,
    reads,
)
from generator.policy.recordpaths import key_value, reader

CASES = Path(__file__).parent / "cases" / "conditions"


def _cases(name: str) -> list[dict[str, Any]]:
    loaded = load_yaml_file(CASES / name, f"tests/cases/conditions/{name}")
    assert loaded.data is not None, loaded.diagnostics
    cases: list[dict[str, Any]] = loaded.data["cases"]
    return cases


EVALUATE = _cases("evaluate.yaml")
MALFORMED = _cases("malformed.yaml")


def rec(data: dict[str, Any], rid: str = "KS-2026-0001") -> Record:
    return Record(rid, f"records/{rid}.yaml", {"id": rid, **data})


def describe(why: Why) -> Any:
    """Evidence in the cases' notation (see evaluate.yaml)."""
    node = why.node
    if isinstance(node, Fact):
        return {"fact": node.name, "value": why.value}
    if isinstance(node, Field):
        return {"field": node.path, "value": why.value}
    if isinstance(node, Ratio):
        return {"ratio": [node.numerator, node.denominator], "value": round(why.value, 9)}
    if isinstance(node, AllOf | AnyOf):
        return {"all" if isinstance(node, AllOf) else "any": [describe(p) for p in why.parts]}
    if isinstance(node, Not):
        return {"not": "unmet"}
    if isinstance(node, Recurrence):
        return {"recurrence": list(node.key), "count": why.value, "records": list(why.records)}
    if isinstance(node, Grades):
        return {"grades": why.value}
    assert isinstance(node, Approval)
    return {"approval": why.value}


def _context(case: dict[str, Any]) -> Context:
    history = case.get("history")

    def lookup(rule: Recurrence) -> tuple[int, tuple[str, ...]]:
        assert history is not None
        count, named = history[rule.key[0]]
        return count, tuple(named) if count >= rule.min_count else ()

    return Context(rec(case["record"]), case.get("grade"), lookup if history else None)


@pytest.mark.parametrize("case", EVALUATE, ids=[c["name"] for c in EVALUATE])
def test_a_condition_holds_with_its_evidence(case: dict[str, Any]) -> None:
    cond = parse_condition(case["when"])
    why = cond.run(_context(case))
    assert (False if why is None else describe(why)) == case["holds"]
    assert cond.holds(_context(case)) is (why is not None)


def test_the_cases_use_the_whole_vocabulary() -> None:
    """Every kind of node and every comparison appears in the cases, holding and not."""
    seen: dict[str, set[bool]] = {}

    def visit(node: Any, held: bool) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in (*KINDS, *COMPARISONS):
                    seen.setdefault(key, set()).add(held)
                visit(value, held)
        elif isinstance(node, list):
            for item in node:
                visit(item, held)

    for case in EVALUATE:
        visit(case["when"], case["holds"] is not False)
    for word in (*KINDS, *COMPARISONS):
        assert seen.get(word) == {True, False}, word


def test_the_parser_and_the_schema_have_one_vocabulary() -> None:
    schema = load_schema("policy")["$defs"]["condition"]
    assert set(schema["propertyNames"]["enum"]) == {*KINDS, *COMPARISONS}


def test_the_condition_page_names_every_word() -> None:
    text = (Path(__file__).parents[1] / "docs" / "conditions.md").read_text(encoding="utf-8")
    code = " ".join(re.findall(r"`([^`]*)`", text))
    for word in (*KINDS, *COMPARISONS):
        assert re.search(rf"\b{word}\b", code), word


@pytest.mark.parametrize("case", MALFORMED, ids=[c["name"] for c in MALFORMED])
def test_a_malformed_condition_is_refused_where_it_is_wrong(case: dict[str, Any]) -> None:
    with pytest.raises(ConditionError) as err:
        parse_condition(case["when"])
    assert list(err.value.where) == case["where"]
    assert (err.value.en, err.value.zh) == (case["en"], case["zh"])
    assert str(err.value) == case["en"]


def test_a_condition_is_a_value() -> None:
    """Parsed once into frozen nodes: equal conditions compare equal, whatever the closure."""
    node = {"all": [{"field": "origin", "eq": "external"}, {"fact": "claim", "is": True}]}
    one, two = parse_condition(node), parse_condition(json.loads(json.dumps(node)))
    assert one == two and hash(one) == hash(two) and one.run is not two.run
    assert one.node == AllOf(
        (
            Field("origin", (Comparison("eq", "external"),)),
            Fact("claim", (Comparison("is", True),)),
        )
    )
    with pytest.raises(AttributeError):
        one.node.children = ()  # type: ignore[misc]
    assert not one.recurrent
    assert parse_condition(
        {"not": {"recurrence": {"key": "customer", "window": {"days": 30}, "min_count": 2}}}
    ).recurrent


def test_whole_numbers_written_as_floats_are_whole() -> None:
    """JSON Schema's "integer" admits 3.0: the window is the window of 3 months."""
    cond = parse_condition(
        {"recurrence": {"key": "problem_key", "window": {"months": 3.0}, "min_count": 2.0}}
    )
    assert isinstance(cond.node, Recurrence)
    assert cond.node.window == Window(months=3) and cond.node.min_count == 2
    assert type(cond.node.window.months) is int and type(cond.node.min_count) is int


def test_what_a_condition_reads_comes_from_the_tree() -> None:
    cond = parse_condition(
        {
            "any": [
                {"all": [{"field": "origin", "eq": "external"}, {"fact": "claim", "is": True}]},
                {"ratio": ["complained_quantity", "facts.checked"], "gte": 0.1},
                {
                    "recurrence": {
                        "key": ["customer", "defect_code"],
                        "window": {"months": 12},
                        "min_count": 2,
                    }
                },
                {"not": {"approval": {"role": "gm", "subject": "closure", "decision": "rejected"}}},
                {"grades": ["1"]},
            ]
        }
    )
    assert reads(cond.node) == {
        "origin",
        "facts.claim",
        "product.complained_quantity",
        "facts.checked",
        "customer.code",
        "customer.company",
        "defect_code",
        "approvals",
    }
    assert [r.key for r in conditions.recurrences(cond.node)] == [("customer", "defect_code")]


def test_earlier_records_are_named_once_in_order() -> None:
    a = Recurrence(("customer",), Window(months=12), 2)
    b = Recurrence(("problem_key",), Window(days=90), 2)
    both = AllOf((a, b))
    why = Why(both, None, (Why(a, 3, (), ("K1", "K2")), Why(b, 2, (), ("K2", "K3"))))
    assert earlier_records(why) == ("K1", "K2", "K3")
    assert earlier_records(Why(Not(a))) == ()


def test_holds_outside_grading() -> None:
    """``applies`` and friends: no history (recurrences do not hold), the final grade known."""
    assert holds(None, rec({}))
    grades = parse_condition({"grades": ["1"]})
    assert holds(grades, rec({}), "1") and not holds(grades, rec({}), "2")
    assert not holds(
        parse_condition(
            {"recurrence": {"key": "customer", "window": {"days": 30}, "min_count": 2}}
        ),
        rec({}),
    )


def test_a_deep_condition_still_answers() -> None:
    node: dict[str, Any] = {"fact": "safety", "is": True}
    for _ in range(251):  # odd: the answer flips
        node = {"not": node}
    cond = parse_condition(node)
    assert cond.run(Context(rec({"facts": {"safety": True}}))) is None
    assert cond.holds(Context(rec({})))


@pytest.mark.parametrize(
    ("data", "key", "value"),
    [
        ({"problem_key": " ACME/X/NB "}, ("problem_key",), ("acme/x/nb",)),
        ({"customer": {"company": "甲公司"}}, ("customer",), ("甲公司",)),
        ({"customer": {"code": "C1", "company": "甲"}}, ("customer",), ("c1",)),
        ({"customer": {"code": "  ", "company": "甲"}}, ("customer",), ("甲",)),
        (
            {"product": {"part_number": "P1"}, "defect_code": "D"},
            ("part_number", "defect_code"),
            ("p1", "d"),
        ),
        ({"product": {"part_number": "P1"}}, ("part_number", "defect_code"), None),
        ({"problem_key": True}, ("problem_key",), None),
        ({"problem_key": 12}, ("problem_key",), ("12",)),
        ({"site": {"x": 1}, "customer": {"site": "S"}}, ("site",), ("s",)),
        ({"line": {"code": "L1"}}, ("line.code",), ("l1",)),
    ],
)
def test_key_value(
    data: dict[str, Any], key: tuple[str, ...], value: tuple[str, ...] | None
) -> None:
    assert key_value(rec(data), key) == value


def test_path_readers_walk_any_mapping() -> None:
    read = reader("milestones.final_report.done_at")
    assert read({"milestones": {"final_report": {"done_at": "x"}}}) == "x"
    assert read({"milestones": MappingProxyType({"final_report": {"done_at": "y"}})}) == "y"
    assert read({"milestones": {"final_report": MappingProxyType({"done_at": "z"})}}) == "z"
    assert read(MappingProxyType({"milestones": {"final_report": {"done_at": "w"}}})) == "w"
    for data in (
        {},
        {"milestones": None},
        {"milestones": {"final_report": None}},
        {"milestones": ["final_report"]},
        {"milestones": {"final_report": "done"}},
    ):
        assert read(data) is None
    assert reader("a.b.c.d")({"a": {"b": {"c": {"d": 4}}}}) == 4
    assert reader("a.b")({"a": MappingProxyType({"b": 2})}) == 2


# ------------------------------------------------------------------ random trees

_PATHS = ["origin", "facts.safety", "facts.count", "product.quantity", "product.name.part"]
_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 200),
    st.floats(-1, 200),
    st.sampled_from(["external", "internal", "", "x"]),
    st.lists(st.integers(0, 3), max_size=2),
)


def _leaf_node() -> st.SearchStrategy[dict[str, Any]]:
    def node(path: str, op: str, want: Any) -> dict[str, Any]:
        if path.startswith("facts."):
            return {"fact": path.split(".", 1)[1], op: want}
        return {"field": path, op: want}

    ops = st.one_of(
        st.tuples(st.just("is"), st.booleans()),
        st.tuples(st.sampled_from(["eq", "ne"]), st.sampled_from(["external", "x", 3, 2.5, True])),
        st.tuples(
            st.sampled_from(["gte", "gt", "lte", "lt"]),
            st.one_of(st.integers(-2, 150), st.floats(-2, 150)),
        ),
        st.tuples(
            st.just("in"),
            st.lists(st.sampled_from(["x", "external", 1, False]), min_size=1, max_size=2),
        ),
        st.tuples(st.just("exists"), st.booleans()),
    )
    return st.builds(lambda p, o: node(p, *o), st.sampled_from(_PATHS), ops)


_TREES = st.recursive(
    st.one_of(
        _leaf_node(),
        st.just({"grades": ["1"]}),
        st.just({"ratio": ["quantity", "count"], "gte": 0.5}),
    ),
    lambda kids: st.one_of(
        st.builds(lambda k: {"any": k}, st.lists(kids, min_size=1, max_size=3)),
        st.builds(lambda k: {"all": k}, st.lists(kids, min_size=1, max_size=3)),
        st.builds(lambda k: {"not": k}, kids),
    ),
    max_leaves=8,
)


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _equal(value: Any, want: Any) -> bool:
    if isinstance(value, bool) or isinstance(want, bool):
        return value is want
    if _num(value) is not None and _num(want) is not None:
        return _num(value) == _num(want)
    return bool(value == want)


def _compare(value: Any, op: str, want: Any) -> bool:
    if op == "is":
        return (value is True) is want
    if op == "exists":
        return (value not in (None, "", [], {})) is want
    if op == "eq":
        return _equal(value, want)
    if op == "ne":
        return not _equal(value, want)
    if op == "in":
        return any(_equal(value, w) for w in want)
    n = _num(value)
    if n is None:  # a missing or non-numeric value fails every comparison
        return False
    return bool({"gte": n >= want, "gt": n > want, "lte": n <= want, "lt": n < want}[op])


def _at(data: Any, path: str) -> Any:
    for part in path.split("."):
        data = data.get(part) if isinstance(data, dict | MappingProxyType) else None
    return data


def _reference(node: dict[str, Any], data: dict[str, Any], grade: str | None) -> bool:
    """The vocabulary's meaning, read plainly from the module docstring."""
    if "any" in node:
        return any(_reference(n, data, grade) for n in node["any"])
    if "all" in node:
        return all(_reference(n, data, grade) for n in node["all"])
    if "not" in node:
        return not _reference(node["not"], data, grade)
    if "grades" in node:
        return grade in node["grades"]
    tests = [(k, v) for k, v in node.items() if k in COMPARISONS]
    if "ratio" in node:
        a, b = (_num(_at(data, f"product.{p}")) for p in node["ratio"])
        return (
            a is not None
            and b is not None
            and b > 0
            and all(_compare(a / b, op, want) for op, want in tests)
        )
    value = _at(data, f"facts.{node['fact']}" if "fact" in node else node["field"])
    return all(_compare(value, op, want) for op, want in tests)


def _record_data(flat: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for path, value in flat.items():
        *parents, last = path.split(".")
        node_ = data
        for part in parents:
            node_ = node_.setdefault(part, {}) if isinstance(node_.get(part, {}), dict) else {}
        node_[last] = value
    return data


@settings(max_examples=500, deadline=None)
@given(
    _TREES,
    st.dictionaries(st.sampled_from(_PATHS), _VALUES),
    st.sampled_from([None, "1", "2"]),
    st.booleans(),
)
def test_conditions_mean_what_the_vocabulary_says(
    node: dict[str, Any], flat: dict[str, Any], grade: str | None, proxy: bool
) -> None:
    """Whatever the tree and the record (missing parts, lists where mappings belong, booleans
    where numbers belong, other mapping types), the interpreter answers as the plain reading
    does, and its evidence is there exactly when the condition holds."""
    data = _record_data(flat)
    if proxy and isinstance(data.get("facts"), dict):
        data["facts"] = MappingProxyType(data["facts"])
    cond = parse_condition(node)
    why = cond.run(Context(rec(data), grade))
    assert (why is not None) == _reference(node, data, grade)
    if why is not None:
        assert describe(why)  # the evidence describes the nodes that held
