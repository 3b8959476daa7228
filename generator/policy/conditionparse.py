"""Parsing conditions: a policy's condition mapping, checked, into its tree, compiled once.

Anything the vocabulary does not have raises :class:`ConditionError`, located inside the
condition (``where``) and said in Chinese and English; policy loading turns it into a
diagnostic with the file, line and field. JSON Schema (``schema/policy.schema.json``) refuses
most such conditions first; this parser is the second line, and the only one for what a
schema does not say (a condition path that steps into a list, for example).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from generator.policy.conditioneval import compile_condition
from generator.policy.conditions import (
    AllOf,
    AnyOf,
    Approval,
    Comparison,
    Condition,
    Fact,
    Field,
    Grades,
    Node,
    Not,
    Ratio,
    Recurrence,
    Window,
    recurrences,
)


class ConditionError(ValueError):
    """A condition the vocabulary does not have; ``where`` locates it inside the condition."""

    def __init__(
        self, where: Sequence[str | int], zh: str, en: str, hint_zh: str = "", hint_en: str = ""
    ) -> None:
        super().__init__(en)
        self.where = tuple(where)
        self.zh, self.en, self.hint_zh, self.hint_en = zh, en, hint_zh, hint_en


KINDS = ("fact", "field", "ratio", "any", "all", "not", "recurrence", "grades", "approval")
COMPARISONS = ("is", "eq", "ne", "in", "gte", "gt", "lte", "lt", "exists")
_NAME = re.compile(r"[a-z][a-z0-9_]{0,49}\Z")
_PATH = re.compile(r"[a-z][a-z0-9_]*(?:\[\])?(?:\.[a-z][a-z0-9_]*(?:\[\])?)*\Z")
_Where = tuple[str | int, ...]


def parse_condition(node: Any) -> Condition:
    """The condition a policy writes as ``node``, checked, as a tree compiled once.
    Raises :class:`ConditionError` for anything the vocabulary does not have."""
    tree = _parse(node, ())
    return Condition(tree, any(True for _ in recurrences(tree)), compile_condition(tree))


def parse_optional(node: Any) -> Condition | None:
    return parse_condition(node) if node is not None else None


def _scalar(value: Any) -> bool:
    return isinstance(value, str | bool | int | float)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _comparison(op: str, value: Any, where: _Where) -> Comparison:
    if op in ("is", "exists"):
        ok = isinstance(value, bool)
        zh, en = "须为 true 或 false", "must be true or false"
    elif op == "in":
        ok = isinstance(value, list) and bool(value) and all(_scalar(v) for v in value)
        zh, en = "须为非空的值列表", "must be a non-empty list of values"
        value = tuple(value) if ok else value
    elif op in ("eq", "ne"):
        ok, zh, en = _scalar(value), "须为文字、数字或布尔值", "must be a text, number or boolean"
    else:
        ok, zh, en = _number(value), "须为数字", "must be a number"
    if not ok:
        raise ConditionError((*where, op), f"比较 {op} {zh}", f"Comparison {op} {en}")
    return Comparison(op, value)


def _path(value: Any, where: _Where) -> str:
    if not isinstance(value, str) or not _PATH.match(value):
        raise ConditionError(
            where,
            f"不是记录字段路径：{value!r}",
            f"Not a record path: {value!r}",
            "小写字母、数字和下划线，用点分隔，如 product.order_quantity。",
            "Lower-case names joined by dots, e.g. product.order_quantity.",
        )
    if "[]" in value:
        raise ConditionError(
            where,
            f"条件不能读取列表中的各项（[]）：{value}",
            f"A condition cannot read the items of a list ([]): {value}",
            "条件比较一个值：写出单个值的路径。",
            "A condition compares one value: name the path of a single value.",
        )
    return value


def _whole(value: Any, low: int, high: int, where: _Where, what_zh: str, what_en: str) -> int:
    if not _number(value) or value != int(value) or not low <= value <= high:
        raise ConditionError(
            where,
            f"{what_zh}须为 {low} 到 {high} 的整数",
            f"{what_en} must be a whole number from {low} to {high}",
        )
    return int(value)  # JSON Schema's "integer" admits 3.0


def _ids(value: Any, where: _Where) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        name = where[-1]
        raise ConditionError(
            where, f"{name} 须为非空的级别编号列表", f"{name} must be a non-empty list of grade ids"
        )
    return tuple(value)


def _parse(node: Any, where: _Where) -> Node:
    if not isinstance(node, Mapping) or not node:
        raise ConditionError(
            where,
            "条件须是非空的映射",
            "A condition must be a non-empty mapping",
            "例如 {fact: line_stop, is: true}。",
            "For example {fact: line_stop, is: true}.",
        )
    for key in node:
        if key not in KINDS and key not in COMPARISONS:
            known = ", ".join((*KINDS, *COMPARISONS))
            raise ConditionError(
                (*where, str(key)),
                f"条件里没有 {key}",
                f"No condition key {key}",
                f"可用：{known}",
                f"Known: {known}",
            )
    kinds = [k for k in node if k in KINDS]
    if len(kinds) != 1:
        raise ConditionError(
            where,
            f"一个条件恰有 {'、'.join(KINDS)} 之一",
            f"A condition has exactly one of {', '.join(KINDS)}",
            "用 all 或 any 组合几个条件。",
            "Combine several with all or any.",
        )
    kind = kinds[0]
    tests = tuple(_comparison(k, v, where) for k, v in node.items() if k in COMPARISONS)
    if kind in ("fact", "field", "ratio") and not tests:
        raise ConditionError(
            where,
            f"{kind} 需要至少一个比较（{'、'.join(COMPARISONS)}）",
            f"{kind} needs a comparison ({', '.join(COMPARISONS)})",
        )
    if kind not in ("fact", "field", "ratio") and tests:
        raise ConditionError(
            (*where, tests[0].op),
            f"比较 {tests[0].op} 只能用于 fact、field 或 ratio",
            f"Comparison {tests[0].op} goes with fact, field or ratio only",
        )
    value, at = node[kind], (*where, kind)
    if kind == "fact":
        if not isinstance(value, str) or not _NAME.match(value):
            raise ConditionError(at, f"不是事实名：{value!r}", f"Not a fact name: {value!r}")
        return Fact(value, tests)
    if kind == "field":
        return Field(_path(value, at), tests)
    if kind == "ratio":
        if not isinstance(value, list) or len(value) != 2:
            raise ConditionError(
                at, "ratio 须为 [分子, 分母]", "ratio must be [numerator, denominator]"
            )
        a, b = (
            p if "." in p else f"product.{p}"
            for p in (_path(p, (*at, i)) for i, p in enumerate(value))
        )
        return Ratio(a, b, tests)
    if kind in ("any", "all"):
        if not isinstance(value, list) or not value:
            raise ConditionError(
                at, f"{kind} 须为非空的条件列表", f"{kind} must be a non-empty list of conditions"
            )
        children = tuple(_parse(c, (*at, i)) for i, c in enumerate(value))
        return AnyOf(children) if kind == "any" else AllOf(children)
    if kind == "not":
        return Not(_parse(value, at))
    if kind == "grades":
        return Grades(_ids(value, at))
    if kind == "approval":
        fields = ("role", "subject", "decision")
        if (
            not isinstance(value, Mapping)
            or set(value) != set(fields)
            or not all(isinstance(value[f], str) for f in fields)
        ):
            raise ConditionError(
                at,
                "approval 须有 role、subject、decision",
                "approval needs role, subject and decision",
            )
        return Approval(value["role"], value["subject"], value["decision"])
    return _recurrence(value, at)


def _recurrence(value: Any, at: _Where) -> Recurrence:
    if (
        not isinstance(value, Mapping)
        or not {"key", "window", "min_count"} <= set(value)
        or not set(value) <= {"key", "window", "min_count", "of_grades"}
    ):
        raise ConditionError(
            at,
            "recurrence 须有 key、window、min_count（可加 of_grades）",
            "recurrence needs key, window and min_count (of_grades optional)",
        )
    key = value["key"] if isinstance(value["key"], list) else [value["key"]]
    if not key:
        raise ConditionError((*at, "key"), "键不能为空", "The key must not be empty")
    parts = tuple(
        _path(k, (*at, "key", i) if isinstance(value["key"], list) else (*at, "key"))
        for i, k in enumerate(key)
    )
    window = value["window"]
    if not isinstance(window, Mapping) or len(window) != 1 or set(window) - {"months", "days"}:
        raise ConditionError(
            (*at, "window"),
            "窗口须为 {months: N} 或 {days: N}",
            "The window must be {months: N} or {days: N}",
        )
    if "months" in window:
        length = Window(
            months=_whole(window["months"], 1, 120, (*at, "window", "months"), "月数", "months")
        )
    else:
        length = Window(
            days=_whole(window["days"], 1, 3660, (*at, "window", "days"), "天数", "days")
        )
    # one occurrence is this record itself: a recurrence needs two or more
    count = _whole(value["min_count"], 2, 100, (*at, "min_count"), "最少次数", "min_count")
    of = _ids(value["of_grades"], (*at, "of_grades")) if "of_grades" in value else None
    return Recurrence(parts, length, count, of)
