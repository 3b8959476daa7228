"""The policy: one complaint procedure as data (design decision 5).

``load_policy`` takes the preset named in ``kesu.yaml`` (or the repository's own policy file),
deep-merges ``policy_overrides`` onto it, validates the result against
``schema/policy.schema.json`` plus the cross-references a schema cannot express, and returns
frozen dataclasses. Conditions are parsed here and evaluated in :mod:`generator.grading`.

Override merging: mappings merge key by key (a ``null`` value removes the key); lists whose
items all carry an ``id`` merge item by item (``{id: x, _delete: true}`` removes item ``x``,
an unknown id is appended); any other list, and every scalar, replaces the preset's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from generator.config import CONFIG_NAME, RepoConfig, load_schema
from generator.deadlines import Event, parse_event
from generator.diagnostics import Diagnostic, format_path
from generator.grading import Condition, parse_condition
from generator.schemamsg import FORMAT_CHECKER, schema_diagnostics
from generator.yamlload import load_yaml_file, locate

_DAY_UNITS = ("natural_days", "working_days")


@dataclass(frozen=True, slots=True)
class EventDef:
    name: Text
    at: Event


@dataclass(frozen=True, slots=True)
class Reopen:
    numbering: str = "suffix"
    on_customer_dissatisfied: bool = True
    on_recurrence_after_closure: bool = False
    recurrence_key: str = "problem_key"


@dataclass(frozen=True, slots=True)
class Policy:
    id: str
    name: Text
    source: Mapping[str, str]
    grades: tuple[Grade, ...]
    """Most severe first; the last is the default."""
    milestones: tuple[Milestone, ...]
    events: Mapping[str, EventDef]
    """Built-in events with the policy's additions and overrides."""
    recurrence_basis: str  # fact | final
    exclude_statuses: frozenset[str]
    reopen_inherits_grade: bool
    customer_deadline_mode: str  # earlier | always
    not_a_complaint: tuple[Condition, Text] | None
    cancellation: CancellationRule | None
    currency: str
    penalty_rules: tuple[PenaltyRule, ...]
    approvals: tuple[ApprovalRule, ...]
    stages: Mapping[str, tuple[StageCheck, ...]]
    """Checks per status, already accumulated when the policy says ``cumulative``."""
    transitions: Transitions
    reopen: Reopen
    roles: Mapping[str, Text]
    raw: Mapping[str, Any]
    """The merged, validated document (reporting, routing, readings, … for the site)."""

    def rank(self, grade_id: str) -> int | None:
        """0 for the most severe grade; ``None`` for an id the policy does not have."""
        return next((i for i, g in enumerate(self.grades) if g.id == grade_id), None)

    def grade(self, grade_id: str) -> Grade | None:
        rank = self.rank(grade_id)
        return None if rank is None else self.grades[rank]


BUILTIN_EVENTS: Mapping[str, EventDef] = {
    "received": EventDef(Text("收到客诉", "the complaint"), Event("field", "received_at")),
    "accepted": EventDef(Text("受理", "acceptance"), Event("first_of", children=(
        Event("field", "accepted_at"), Event("field", "received_at")))),
    "confirmed": EventDef(Text("问题确认", "the problem's confirmation"),
                          Event("field", "confirmed_at")),
    "classified": EventDef(Text("归类", "classification"), Event("field", "classified_at")),
    "root_cause": EventDef(Text("根本原因确认", "the root cause"),
                           Event("field", "d4_root_cause.confirmed_at")),
    "sample_requested": EventDef(Text("索取样品", "the sample request"),
                                 Event("field", "sample.requested_at")),
    "sample_received": EventDef(Text("样品到货", "the sample"),
                                Event("field", "sample.received_at")),
    "sample_at_analysis": EventDef(
        Text("样品送达分析部门", "the sample at the analysing department"),
        Event("field", "sample.handed_over_at")),
}


# ------------------------------------------------------------------ loading and merging


def preset_ids() -> list[str]:
    folder = resources.files("generator") / "presets"
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir()
                  if p.name.endswith(".yaml"))


def _ided(items: Any) -> bool:
    return isinstance(items, list) and bool(items) and all(
        isinstance(x, Mapping) and "id" in x for x in items)


def deep_merge(base: Any, over: Any) -> Any:
    """Merge ``over`` onto ``base`` as the module docstring says; inputs are not changed."""
    if isinstance(base, Mapping) and isinstance(over, Mapping):
        out = dict(base)
        for key, value in over.items():
            if value is None:
                out.pop(key, None)
            else:
                out[key] = deep_merge(base[key], value) if key in base else value
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
        display = config.policy_file
        path = config.root / config.policy_file
        if not path.is_file():
            return None, [_diag(
                CONFIG_NAME, "policy-file-missing", ["policy_file"], f"找不到策略文件 {display}",
                f"Policy file not found: {display}", "路径相对于仓库根目录。",
                "The path is relative to the repository root.", _config_text(config))]
        loaded = load_yaml_file(path, display, root=config.root)
    else:
        if config.preset not in preset_ids():
            ids = ", ".join(preset_ids())
            return None, [_diag(
                CONFIG_NAME, "policy-unknown-preset", ["preset"],
                f"没有编号为 {config.preset} 的策略预设", f"No policy preset {config.preset}",
                f"可选：{ids}", f"Available: {ids}", _config_text(config))]
        display = f"generator/presets/{config.preset}.yaml"
        path = Path(str(resources.files("generator") / "presets" / f"{config.preset}.yaml"))
        loaded = load_yaml_file(path, display)
    if loaded.data is None:
        return None, loaded.diagnostics
    return policy_from_data(loaded.data, display, loaded.text, config.policy_overrides,
                            lambda: _config_text(config))


def _config_text(config: RepoConfig) -> str | None:
    path = config.root / CONFIG_NAME
    return load_yaml_file(path, CONFIG_NAME).text if path.is_file() else None


def policy_from_data(base: Any, display: str, text: str | None,
                     overrides: Mapping[str, Any] | None = None,
                     overrides_text: Any = None) -> tuple[Policy | None, list[Diagnostic]]:
    """Validate ``base`` (+ ``overrides``) and build the policy; used by tests with raw data.

    ``overrides_text`` is the text of kesu.yaml (or a callable returning it) for line numbers.
    """
    validator = jsonschema.Draft202012Validator(load_schema("policy"),
                                                format_checker=FORMAT_CHECKER)
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
        diags.append(Diagnostic(file, d.code, d.message_zh, d.message_en, at[0] if at else None,
                                at[1] if at else None, field, d.hint_zh, d.hint_en))
    return None, diags


def _diag(file: str, code: str, path: list[str | int], zh: str, en: str, hint_zh: str = "",
          hint_en: str = "", text: str | None = None) -> Diagnostic:
    at = locate(text, path) if text else None
    return Diagnostic(file, code, zh, en, at[0] if at else None, at[1] if at else None,
                      format_path(path), hint_zh, hint_en)


# ------------------------------------------------------------------ cross-references


JsonPath = list[str | int]


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


def _events(node: Any, path: list[str | int]) -> Iterator[tuple[str, list[str | int]]]:
    if isinstance(node, str):
        yield node, path
    elif isinstance(node, Mapping):
        for key in ("first_of", "later_of"):
            for i, child in enumerate(node.get(key, [])):
                yield from _events(child, [*path, key, i])


def _semantic(data: Mapping[str, Any], file: str, text: str | None) -> list[Diagnostic]:
    out: list[Diagnostic] = []

    def err(path: list[str | int], zh: str, en: str, hint_zh: str = "", hint_en: str = "") -> None:
        out.append(_diag(file, "policy-reference", path, zh, en, hint_zh, hint_en, text))

    grades = data["grades"]
    grade_ids = [g["id"] for g in grades]
    known_grades = ", ".join(grade_ids)
    roles = {r["id"] for r in data.get("roles", [])}
    events = set(BUILTIN_EVENTS) | set(data.get("events", {}))
    milestone_ids = [m["id"] for m in data["milestones"]]
    for label, ids, base in (("级别", grade_ids, "grades"), ("节点", milestone_ids, "milestones")):
        for i, x in enumerate(ids):
            if x in ids[:i]:
                err([base, i, "id"], f"{label}代码 {x} 重复", f"Duplicate id {x} in {base}")
    seen_criteria: set[str] = set()
    for gi, g in enumerate(grades):
        last = gi == len(grades) - 1
        if last and g.get("criteria"):
            err(["grades", gi, "criteria"], "最后一个级别是默认级别，不能有判定条件",
                "The last grade is the default and has no criteria",
                "再加一个无条件的最轻级别。", "Add a least severe grade without criteria.")
        if not last and not g.get("criteria"):
            err(["grades", gi], f"级别 {g['id']} 没有判定条件，永远不会被选中",
                f"Grade {g['id']} has no criteria and can never be chosen",
                "只有最后一个级别可以没有条件。", "Only the last grade may have none.")
        for ci, c in enumerate(g.get("criteria", [])):
            if c["id"] in seen_criteria:
                err(["grades", gi, "criteria", ci, "id"], f"条件编号 {c['id']} 重复",
                    f"Duplicate criterion id {c['id']}")
            seen_criteria.add(c["id"])
            for node, p in _conditions(c["when"], ["grades", gi, "criteria", ci, "when"]):
                if "grades" in node:
                    err(p, "定级条件里不能引用级别", "A grade criterion cannot test grades")
                for gid in node.get("recurrence", {}).get("of_grades", []):
                    if gid not in grade_ids:
                        err([*p, "recurrence", "of_grades"], f"未知级别 {gid}",
                            f"Unknown grade {gid}", f"级别：{known_grades}",
                            f"Grades: {known_grades}")

    def check_cond(node: Any, path: list[str | int]) -> None:
        for n, p in _conditions(node, path):
            if "recurrence" in n:
                err(p, "重复发生条件只能用于定级", "Recurrence conditions belong in grade criteria")
            for gid in n.get("grades", []):
                if gid not in grade_ids:
                    err([*p, "grades"], f"未知级别 {gid}", f"Unknown grade {gid}",
                        f"级别：{known_grades}", f"Grades: {known_grades}")
            if "approval" in n and roles and n["approval"]["role"] not in roles:
                err([*p, "approval", "role"], f"未知角色 {n['approval']['role']}",
                    f"Unknown role {n['approval']['role']}")

    def check_event(node: Any, path: list[str | int]) -> None:
        for name, p in _events(node, path):
            if name not in events:
                err(p, f"未知事件 {name}", f"Unknown event {name}",
                    f"可用：{', '.join(sorted(events))}", f"Known: {', '.join(sorted(events))}")

    def check_duration(amount: Any, unit: Any, path: list[str | int]) -> None:
        if unit in _DAY_UNITS and amount != int(amount):
            err(path, "天数须为整数", "Days must be a whole number")

    for name, ev in data.get("events", {}).items():
        check_event(ev["at"], ["events", name, "at"])
        if _event_cycle(name, data.get("events", {})):
            err(["events", name], f"事件 {name} 循环引用自己", f"Event {name} refers to itself")
    for mi, m in enumerate(data["milestones"]):
        mp: list[str | int] = ["milestones", mi]
        check_cond(m.get("applies"), [*mp, "applies"])
        variants = m.get("variants") or [{"id": "default"}]
        for vi, v in enumerate(variants):
            vp: list[str | int] = [*mp, "variants", vi] if m.get("variants") else mp
            if any(k not in v and k not in m for k in ("start", "duration", "unit")):
                err(vp, f"节点 {m['id']} 缺少起算事件、时长或单位",
                    f"Milestone {m['id']} needs start, duration and unit",
                    "在节点或变体上写 start、duration、unit。",
                    "Set them on the milestone or the variant.")
                continue
            check_cond(v.get("applies"), [*vp, "applies"])
            check_event(v.get("start", m.get("start")), [*vp, "start"])
            check_duration(v.get("duration", m.get("duration")), v.get("unit", m.get("unit")),
                           [*vp, "duration"])
            if [x["id"] for x in variants].count(v["id"]) > 1:
                err([*vp, "id"], f"变体编号 {v['id']} 重复", f"Duplicate variant id {v['id']}")
        warn = m.get("warn_before")
        if warn and warn["unit"] not in ("hours", "natural_days"):
            err([*mp, "warn_before", "unit"], "到期前提醒只能用 hours 或 natural_days",
                "warn_before takes hours or natural_days only")
    if cancel := data.get("cancellation"):
        check_cond(cancel.get("applies"), ["cancellation", "applies"])
        check_event(cancel["start"], ["cancellation", "start"])
        check_event(cancel["unless"], ["cancellation", "unless"])
        check_duration(cancel["duration"], cancel["unit"], ["cancellation", "duration"])
    for ri, rule in enumerate(data.get("penalties", {}).get("rules", [])):
        for k, mid in enumerate(rule["milestones"]):
            if mid not in milestone_ids:
                err(["penalties", "rules", ri, "milestones", k], f"未知节点 {mid}",
                    f"Unknown milestone {mid}", f"节点：{', '.join(milestone_ids)}",
                    f"Milestones: {', '.join(milestone_ids)}")
        for ai, amount in enumerate(rule["amounts"]):
            check_cond(amount.get("when"), ["penalties", "rules", ri, "amounts", ai, "when"])
    for ai, appr in enumerate(data.get("approvals", [])):
        check_cond(appr.get("applies"), ["approvals", ai, "applies"])
        if roles and appr["role"] not in roles:
            names = ", ".join(sorted(roles))
            err(["approvals", ai, "role"], f"未知角色 {appr['role']}",
                f"Unknown role {appr['role']}", f"在 roles 中声明：{names}",
                f"Declare it under roles: {names}")
    for status, checks in data["stages"]["checks"].items():
        for ci, check in enumerate(checks):
            if isinstance(check, Mapping):
                check_cond(check.get("applies"), ["stages", "checks", status, ci, "applies"])
    for ri, rule in enumerate(data.get("allowed_transitions", {}).get("rules", [])):
        check_cond(rule.get("when"), ["allowed_transitions", "rules", ri, "when"])
    for key in ("ledger_required",):
        check_cond(data.get("reporting", {}).get(key), ["reporting", key])
    return out


def _event_cycle(name: str, defs: Mapping[str, Any]) -> bool:
    seen, todo = set(), [name]
    while todo:
        current = todo.pop()
        for ref, _ in _events(defs.get(current, {}).get("at"), []):
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
    events.update({k: EventDef(_text(v["name"]), parse_event(v["at"]))
                   for k, v in data.get("events", {}).items()})
    nac = data.get("not_a_complaint")
    cancel = data.get("cancellation")
    pen = data.get("penalties", {})
    tr = data.get("allowed_transitions", {})
    return Policy(
        id=data["id"], name=_text(data["name"]), source=dict(data["source"]),
        grades=tuple(
            Grade(g["id"], _text(g["name"]), tuple(
                Criterion(c["id"], _text(c["text"]), parse_condition(c["when"]),
                          c.get("source", "")) for c in g.get("criteria", [])))
            for g in data["grades"]),
        milestones=tuple(_milestone(m) for m in data["milestones"]),
        events=events,
        recurrence_basis=grading.get("recurrence_basis", "fact"),
        exclude_statuses=frozenset(grading.get("exclude_statuses", ["cancelled"])),
        reopen_inherits_grade=grading.get("reopen_inherits_grade", True),
        customer_deadline_mode=data.get("customer_deadline_mode", "earlier"),
        not_a_complaint=(parse_condition(nac["when"]), _text(nac["reason"])) if nac else None,
        cancellation=CancellationRule(
            cancel["id"], _text(cancel["text"]), _cond(cancel.get("applies")),
            parse_event(cancel["start"]), Duration(float(cancel["duration"]), cancel["unit"]),
            parse_event(cancel["unless"]), bool(cancel.get("restart", False))) if cancel else None,
        currency=pen.get("currency", "CNY"),
        penalty_rules=tuple(
            PenaltyRule(r["id"], _text(r["text"]), tuple(r["milestones"]), r["per"],
                        tuple(r["triggers"]), r["charge_to"],
                        tuple(PenaltyAmount(_cond(a.get("when")), float(a["amount"]))
                              for a in r["amounts"]))
            for r in pen.get("rules", [])),
        approvals=tuple(
            ApprovalRule(a["id"], a["role"], a["subject"], _cond(a.get("applies")), a["stage"],
                         _text(a["text"]))
            for a in data.get("approvals", [])),
        stages=_stages(data["stages"]),
        transitions=Transitions(
            tr.get("forward", True), tr.get("cancel_from_open", True),
            tuple(TransitionRule(r["id"], tuple(r["from"]), tuple(r["to"]), _cond(r.get("when")),
                                 _text(r["text"])) for r in tr.get("rules", []))),
        reopen=Reopen(**data.get("reopen", {})),
        roles={r["id"]: _text(r["name"]) for r in data.get("roles", [])},
        raw=json.loads(json.dumps(data)),
    )
