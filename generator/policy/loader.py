"""The policy: one complaint procedure as data (design decision 5).

``load_policy`` takes the preset named in ``kesu.yaml`` (or the repository's own policy file),
deep-merges ``policy_overrides`` onto it, validates the result against
``schema/policy.schema.json`` plus the cross-references a schema cannot express, and returns
frozen dataclasses (:mod:`generator.policy.types`, re-exported here). Each part's parser lives
with the stage that uses it (conditions in :mod:`generator.policy.conditionparse`, grades in
:mod:`generator.compute.grading`, events and milestones in :mod:`generator.compute.events`,
rules in :mod:`generator.compute.penalties` and :mod:`generator.compute.completeness`); this
module loads, merges, checks and assembles.

Override merging: mappings merge key by key (a ``null`` value removes the key); lists whose
items all carry an ``id`` merge item by item (``{id: x, _delete: true}`` removes item ``x``,
an unknown id is appended); any other list, every scalar, and every condition, event or
text (``applies``, ``when``, ``start``, ``name`` …) replaces the preset's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from generator.common.diagnostics import Diagnostic, format_path
from generator.config.rulesource import RuleSource
from generator.config.settings import CONFIG_NAME, RepoConfig, load_schema
from generator.load.schemamsg import make_validator, schema_diagnostics
from generator.load.yamlload import load_yaml_bytes, load_yaml_file, locate
from generator.policy.conditionparse import ConditionError, parse_condition
from generator.policy.conditions import Condition
from generator.policy.parsers import (
    parse_approval,
    parse_cancellation,
    parse_event,
    parse_grade,
    parse_milestone,
    parse_penalty_rule,
    parse_stages,
    parse_text,
    parse_transitions,
)
from generator.policy.types import (
    BUILTIN_EVENTS,
    ApprovalRule,
    CancellationRule,
    ChangeControl,
    Criterion,
    Duration,
    EventDef,
    Grade,
    Milestone,
    PenaltyAmount,
    PenaltyRule,
    Policy,
    Reopen,
    StageCheck,
    Text,
    TransitionRule,
    Transitions,
    Variant,
)

__all__ = [
    "ApprovalRule",
    "CancellationRule",
    "Condition",
    "Criterion",
    "Duration",
    "EventDef",
    "Grade",
    "JsonPath",
    "Milestone",
    "PenaltyAmount",
    "PenaltyRule",
    "Policy",
    "Reopen",
    "StageCheck",
    "Text",
    "TransitionRule",
    "Transitions",
    "Variant",
    "deep_merge",
    "load_policy",
    "policy_from_data",
    "preset_ids",
]
_DAY_UNITS = ("natural_days", "working_days")


# ------------------------------------------------------------------ loading and merging


def preset_ids() -> list[str]:
    folder = resources.files("generator.policy") / "presets"
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )


_WHOLE = frozenset(
    {
        "applies",
        "when",
        "ledger_required",
        "start",
        "unless",
        "at",
        "window",
        "key",
        "name",
        "text",
        "reason",
        "note",
    }
)
"""Conditions, events and texts are replaced whole: merging two conditions key by key
would build a third that neither file says."""


def _ided(items: Any) -> bool:
    return (
        isinstance(items, list)
        and bool(items)
        and all(isinstance(x, Mapping) and "id" in x for x in items)
    )


def deep_merge(base: Any, over: Any) -> Any:
    """Merge ``over`` onto ``base`` as the module docstring says; inputs are not changed."""
    if isinstance(base, Mapping) and isinstance(over, Mapping):
        out = dict(base)
        for key, value in over.items():
            if value is None:
                out.pop(key, None)
            elif key in base and key not in _WHOLE:
                out[key] = deep_merge(base[key], value)
            else:
                out[key] = value
        return out
    if _ided(base) and _ided(over):
        merged: list[Any] = list(base)
        for item in over:
            where = next((i for i, x in enumerate(merged) if x["id"] == item["id"]), None)
            if item.get("_delete") is True:
                if where is not None:
                    del merged[where]
            elif where is None:
                merged.append(item)
            else:
                merged[where] = deep_merge(merged[where], item)
        return merged
    return over


def _translate(merged: Any, src: Any, path: list[str | int]) -> list[str | int] | None:
    """The same node's path inside ``src`` (a preset or the overrides), or None if absent."""
    out: list[str | int] = []
    for part in path:
        if isinstance(part, int):
            if not isinstance(merged, list) or not isinstance(src, list) or part >= len(merged):
                return None
            item, j = merged[part], part
            if isinstance(item, Mapping) and "id" in item and _ided(src):
                j = next((k for k, x in enumerate(src) if x["id"] == item["id"]), -1)
            if not 0 <= j < len(src):
                return None
            merged, src = item, src[j]
            out.append(j)
        else:
            if not isinstance(src, Mapping) or part not in src:
                return None
            merged = merged.get(part) if isinstance(merged, Mapping) else None
            src = src[part]
            out.append(part)
    return out


_FIELD = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _parse_field(field: str) -> list[str | int]:
    return [int(m[2]) if m[2] else m[1] for m in _FIELD.finditer(field)]


def load_policy(config: RepoConfig) -> tuple[Policy | None, list[Diagnostic]]:
    """The repository's policy, or None with diagnostics that say what to fix."""
    if config.policy_file:
        rules = config.rule_source
        display = rules.display(config.policy_file)
        raw = rules.read(config.policy_file)
        if raw is None:
            return None, [
                _diag(
                    rules.display(CONFIG_NAME),
                    "policy-file-missing",
                    ["policy_file"],
                    f"找不到策略文件 {display}",
                    f"Policy file not found: {display}",
                    "路径相对于仓库根目录。",
                    "The path is relative to the repository root.",
                    _config_text(config),
                )
            ]
        loaded = load_yaml_bytes(raw, display)
    else:
        if config.preset not in preset_ids():
            ids = ", ".join(preset_ids())
            return None, [
                _diag(
                    CONFIG_NAME,
                    "policy-unknown-preset",
                    ["preset"],
                    f"没有编号为 {config.preset} 的策略预设",
                    f"No policy preset {config.preset}",
                    f"可选：{ids}",
                    f"Available: {ids}",
                    _config_text(config),
                )
            ]
        display = f"generator/policy/presets/{config.preset}.yaml"
        path = Path(str(resources.files("generator.policy") / "presets" / f"{config.preset}.yaml"))
        loaded = load_yaml_file(path, display)
    if loaded.data is None:
        return None, loaded.diagnostics
    return policy_from_data(
        loaded.data, display, loaded.text, config.policy_overrides, lambda: _config_text(config)
    )


def policy_from_preset_file(
    config: RepoConfig, tree: RuleSource
) -> tuple[Policy | None, list[Diagnostic]]:
    """``load_policy`` for a preset config, reading the preset from ``tree`` when the tree
    holds one (a Kesu checkout whose change edits a preset: the preset is data, so the
    proposed version can be loaded without running the change's code)."""
    display = f"generator/policy/presets/{config.preset}.yaml"
    raw = tree.read(display) if config.preset in preset_ids() else None
    if raw is None:
        return load_policy(config)
    loaded = load_yaml_bytes(raw, display)
    if loaded.data is None:
        return None, loaded.diagnostics
    return policy_from_data(
        loaded.data, display, loaded.text, config.policy_overrides, lambda: _config_text(config)
    )


def _config_text(config: RepoConfig) -> str | None:
    raw = config.rule_source.read(CONFIG_NAME)
    return load_yaml_bytes(raw, CONFIG_NAME).text if raw is not None else None


def policy_from_data(
    base: Any,
    display: str,
    text: str | None,
    overrides: Mapping[str, Any] | None = None,
    overrides_text: Any = None,
) -> tuple[Policy | None, list[Diagnostic]]:
    """Validate ``base`` (+ ``overrides``) and build the policy; used by tests with raw data.

    ``overrides_text`` is the text of kesu.yaml (or a callable returning it) for line numbers.
    """
    validator = make_validator(load_schema("policy"))
    diags = list(schema_diagnostics(validator, base, display, text))
    if not diags:
        diags = _semantic(base, display, text)
    if diags or not overrides:
        return (None, diags) if diags else (_build(base), [])
    merged = deep_merge(base, overrides)
    found = list(schema_diagnostics(validator, merged, display, None))
    found = found or _semantic(merged, display, None)
    if not found:
        return _build(merged), []
    ctext = overrides_text() if callable(overrides_text) else overrides_text
    for d in found:
        path = _parse_field(d.field)
        over = _translate(merged, overrides, path)
        if over is not None:
            at = locate(ctext, ["policy_overrides", *over]) if ctext else None
            file, field = CONFIG_NAME, format_path(["policy_overrides", *over])
        else:
            src = _translate(merged, base, path)
            at = locate(text, src if src is not None else path) if text else None
            file, field = display, d.field
        diags.append(
            Diagnostic(
                file,
                d.code,
                d.message_zh,
                d.message_en,
                at[0] if at else None,
                at[1] if at else None,
                field,
                d.hint_zh,
                d.hint_en,
            )
        )
    return None, diags


def _diag(
    file: str,
    code: str,
    path: list[str | int],
    zh: str,
    en: str,
    hint_zh: str = "",
    hint_en: str = "",
    text: str | None = None,
) -> Diagnostic:
    at = locate(text, path) if text else None
    return Diagnostic(
        file,
        code,
        zh,
        en,
        at[0] if at else None,
        at[1] if at else None,
        format_path(path),
        hint_zh,
        hint_en,
    )


# ------------------------------------------------------------------ cross-references


JsonPath = list[str | int]
_CONDITION_KEYS = ("applies", "when", "ledger_required")
_EVENT_KEYS = ("start", "unless", "at")


def _nodes(node: Any, path: JsonPath) -> Iterator[tuple[str | int, Any, JsonPath]]:
    """Every (key, value, path) below ``node``."""
    items = (
        node.items()
        if isinstance(node, Mapping)
        else enumerate(node)
        if isinstance(node, list)
        else ()
    )
    for key, value in items:
        yield key, value, [*path, key]
        yield from _nodes(value, [*path, key])


def _conditions(node: Any, path: JsonPath) -> Iterator[tuple[Mapping[str, Any], JsonPath]]:
    """Every condition node under ``node`` (which is a condition), with its path."""
    if not isinstance(node, Mapping):
        return
    yield node, path
    for key in ("any", "all"):
        for i, child in enumerate(node.get(key, [])):
            yield from _conditions(child, [*path, key, i])
    if "not" in node:
        yield from _conditions(node["not"], [*path, "not"])


def _events(node: Any, path: JsonPath) -> Iterator[tuple[str, JsonPath]]:
    if isinstance(node, str):
        yield node, path
    elif isinstance(node, Mapping):
        for key in ("first_of", "later_of"):
            for i, child in enumerate(node.get(key, [])):
                yield from _events(child, [*path, key, i])


def _semantic(data: Mapping[str, Any], file: str, text: str | None) -> list[Diagnostic]:
    """What the schema cannot say: unique ids, and that every reference resolves."""
    out: list[Diagnostic] = []

    def err(path: JsonPath, zh: str, en: str, hint_zh: str = "", hint_en: str = "") -> None:
        out.append(_diag(file, "policy-reference", path, zh, en, hint_zh, hint_en, text))

    def unknown(path: JsonPath, what: str, name: str, known: Any) -> None:
        names = ", ".join(sorted(known))
        err(
            path,
            f"未知{what} {name}",
            f"Unknown {_WHAT[what]} {name}",
            f"可用：{names}",
            f"Known: {names}",
        )

    grades = data["grades"]
    grade_ids = [g["id"] for g in grades]
    roles = {r["id"] for r in data.get("roles", [])}
    events = set(BUILTIN_EVENTS) | set(data.get("events", {}))
    milestone_ids = {m["id"] for m in data["milestones"]}
    seen: set[str] = set()
    for gi, g in enumerate(grades):
        for ci, c in enumerate(g.get("criteria", [])):
            if c["id"] in seen:
                err(
                    ["grades", gi, "criteria", ci, "id"],
                    f"条件编号 {c['id']} 重复",
                    f"Duplicate criterion id {c['id']}",
                )
            seen.add(c["id"])
        if (gi == len(grades) - 1) == bool(g.get("criteria")):
            err(
                ["grades", gi],
                f"级别 {g['id']}：只有最后一个（最轻）级别没有判定条件",
                f"Grade {g['id']}: only the last (least severe) grade has no criteria",
                "由重到轻排列，最后一个级别不写 criteria。",
                "List grades most severe first; the last has no criteria.",
            )
    for key, value, path in _nodes(data, []):
        if (
            isinstance(value, list)
            and value
            and all(isinstance(x, Mapping) and "id" in x for x in value)
        ):
            ids = [x["id"] for x in value]
            for i, x in enumerate(ids):
                if x in ids[:i]:
                    err([*path, i, "id"], f"编号 {x} 重复", f"Duplicate id {x}")
        in_grades = path[0] == "grades"
        if key in _CONDITION_KEYS and isinstance(value, Mapping):
            try:  # the parser the engine uses says what it cannot read, and where
                parse_condition(value)
            except ConditionError as e:
                out.append(
                    _diag(
                        file,
                        "policy-condition",
                        [*path, *e.where],
                        e.zh,
                        e.en,
                        e.hint_zh,
                        e.hint_en,
                        text,
                    )
                )
            for n, p in _conditions(value, path):
                if "grades" in n and in_grades:
                    err(p, "定级条件里不能引用级别", "A grade criterion cannot test grades")
                if "recurrence" in n and not in_grades:
                    err(p, "重复发生条件只能用于定级", "Recurrences belong in grade criteria")
                refs = n.get("grades", []) + n.get("recurrence", {}).get("of_grades", [])
                for gid in refs:
                    if gid not in grade_ids:
                        unknown(p, "级别", gid, grade_ids)
                if "approval" in n and roles and n["approval"]["role"] not in roles:
                    unknown([*p, "approval", "role"], "角色", n["approval"]["role"], roles)
        if key in _EVENT_KEYS and (key != "at" or path[0] == "events"):
            for name, p in _events(value, path):
                if name not in events:
                    unknown(p, "事件", name, events)
        if (
            key == "role"
            and roles
            and path[0] in ("approvals", "change_control")
            and value not in roles
        ):
            unknown(path, "角色", value, roles)
        if (
            len(path) == 5
            and path[0] == "penalties"
            and path[3] == "milestones"
            and value not in milestone_ids
        ):
            unknown(path, "节点", value, milestone_ids)
        if (
            isinstance(value, Mapping)
            and value.get("unit") in _DAY_UNITS
            and "duration" in value
            and value["duration"] != int(value["duration"])
        ):
            err([*path, "duration"], "天数须为整数", "Days must be a whole number")
    for name in data.get("events", {}):
        if _event_cycle(name, data["events"]):
            err(["events", name], f"事件 {name} 循环引用自己", f"Event {name} refers to itself")
    for mi, m in enumerate(data["milestones"]):
        for vi, v in enumerate(m.get("variants") or [{}]):
            vp: JsonPath = ["milestones", mi, "variants", vi] if v else ["milestones", mi]
            if any(k not in v and k not in m for k in ("start", "duration", "unit")):
                err(
                    vp,
                    f"节点 {m['id']} 缺少起算事件、时长或单位",
                    f"Milestone {m['id']} needs start, duration and unit",
                    "在节点或变体上写 start、duration、unit。",
                    "Set them on the milestone or the variant.",
                )
            elif (
                v
                and ("unit" not in v or "duration" not in v)
                and v.get("unit", m.get("unit")) in _DAY_UNITS
                and v.get("duration", m.get("duration", 0)) % 1
            ):
                err([*vp, "duration"], "天数须为整数", "Days must be a whole number")
        if m.get("warn_before", {}).get("unit") not in (None, "hours", "natural_days"):
            err(
                ["milestones", mi, "warn_before", "unit"],
                "到期前提醒只能用 hours 或 natural_days",
                "warn_before takes hours or natural_days only",
            )
    return out


_WHAT = {"级别": "grade", "角色": "role", "事件": "event", "节点": "milestone"}


def _event_cycle(name: str, defs: Mapping[str, Any]) -> bool:
    seen, todo = set(), [name]
    while todo:
        for ref, _ in _events(defs.get(todo.pop(), {}).get("at"), []):
            if ref == name:
                return True
            if ref not in seen:
                seen.add(ref)
                todo.append(ref)
    return False


# ------------------------------------------------------------------ building the dataclasses


def _build(data: Mapping[str, Any]) -> Policy:
    grading = data.get("grading", {})
    events = dict(BUILTIN_EVENTS)
    events.update(
        {
            k: EventDef(parse_text(v["name"]), parse_event(v["at"]))
            for k, v in data.get("events", {}).items()
        }
    )
    nac, cancel, pen = data.get("not_a_complaint"), data.get("cancellation"), data.get("penalties")
    return Policy(
        id=data["id"],
        name=parse_text(data["name"]),
        source=dict(data["source"]),
        grades=tuple(parse_grade(g) for g in data["grades"]),
        milestones=tuple(parse_milestone(m) for m in data["milestones"]),
        events=events,
        recurrence_basis=grading.get("recurrence_basis", "fact"),
        exclude_statuses=frozenset(grading.get("exclude_statuses", ["cancelled"])),
        reopen_inherits_grade=grading.get("reopen_inherits_grade", True),
        customer_deadline_mode=data.get("customer_deadline_mode", "earlier"),
        not_a_complaint=(parse_condition(nac["when"]), parse_text(nac["reason"])) if nac else None,
        cancellation=parse_cancellation(cancel) if cancel else None,
        currency=pen["currency"] if pen else "CNY",
        penalty_rules=tuple(parse_penalty_rule(r) for r in pen["rules"]) if pen else (),
        approvals=tuple(parse_approval(a) for a in data.get("approvals", [])),
        stages=parse_stages(data["stages"]),
        transitions=parse_transitions(data.get("allowed_transitions", {})),
        reopen=Reopen(**data.get("reopen", {})),
        roles={r["id"]: parse_text(r["name"]) for r in data.get("roles", [])},
        raw=json.loads(json.dumps(data)),
        change_control=ChangeControl(
            **{k: v["role"] for k, v in data.get("change_control", {}).items()}
        ),
    )
