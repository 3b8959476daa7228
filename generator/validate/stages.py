"""Record checks that need the policy and the computed grade.

- a declared grade must be a grade of the policy and not looser than the computed one;
- ``milestones.<id>`` and ``extensions[].milestone`` must name milestones of the policy
  (a typo would otherwise silently leave a deadline open);
- the disciplines of the record's status must be complete for its grade (the policy's
  ``stages``), which is what lets CI block a record that claims a stage it has not reached.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import replace
from functools import cache
from typing import TYPE_CHECKING

from generator.common.diagnostics import Diagnostic, Severity
from generator.common.model import Record
from generator.load.yamlload import locate, located
from generator.policy.loader import preset_ids

if TYPE_CHECKING:
    from generator.compute.grading import GradeResult
    from generator.policy.loader import Policy


def _diag(
    record: Record,
    text: str | None,
    code: str,
    path: list[str | int],
    zh: str,
    en: str,
    hint_zh: str = "",
    hint_en: str = "",
) -> Diagnostic:
    return located(record.path, text, path, code, zh, en, hint_zh, hint_en)


def policy_record_checks(
    record: Record, text: str | None, policy: Policy, grade: GradeResult, *, stages: bool = True
) -> list[Diagnostic]:
    """Declared grade and milestone ids; with ``stages``, also ``stage_checks`` (last).

    ``grade`` is the record's computed grade (``compute.compute_grades`` or ``compute_all``).
    """
    out: list[Diagnostic] = []
    grades = [g.id for g in policy.grades]
    if grade.declared_status == "looser":
        out.append(
            _diag(
                record,
                text,
                "grade-declared-looser",
                ["grade_declared", "grade"],
                f"声明的级别 {grade.declared} 比按策略计算的级别 {grade.grade} 更宽松，不允许",
                f"Declared grade {grade.declared} is looser than the computed grade "
                f"{grade.grade}; only a stricter grade may be declared",
                "删除 grade_declared，或声明更严格的级别并写明理由。",
                "Remove grade_declared, or declare a stricter grade with a reason.",
            )
        )
    elif grade.declared_status == "unknown":
        diag = _diag(
            record,
            text,
            "grade-declared-unknown",
            ["grade_declared", "grade"],
            f"策略中没有级别 {grade.declared}",
            f"The policy has no grade {grade.declared}",
            f"可选级别：{', '.join(grades)}",
            f"Grades: {', '.join(grades)}",
        )
        # A grade of another shipped preset is kept from before a preset switch: ignored
        # (the computed grade stands) and shown, but not an error.
        other = grade.declared in preset_ids_of("grades")
        out.append(replace(diag, severity=Severity.WARNING) if other else diag)
    recorded = record.get("imported.grade")
    if isinstance(recorded, str) and policy.rank(recorded) is None:
        # Kept from the old ledger: after a preset switch it may name another policy's grade.
        # The record is then graded from its facts, which is shown, not refused.
        diag = _diag(
            record,
            text,
            "imported-grade-unknown",
            ["imported", "grade"],
            f"策略中没有导入时记录的级别 {recorded}：此记录按其定级事实计算级别",
            f"The policy has no grade {recorded} (recorded at import): the record is graded "
            "from its facts",
            f"可选级别：{', '.join(grades)}；把 imported.grade 改为其中之一（须经批准）。",
            f"Grades: {', '.join(grades)}; change imported.grade to one of them (approved).",
        )
        out.append(replace(diag, severity=Severity.WARNING))
    known = list(dict.fromkeys([*(m.id for m in policy.milestones), *_event_milestones(policy)]))
    # Ids of another shipped preset are history kept across a preset switch, not typos.
    elsewhere = preset_ids_of("milestones")
    done = record.data.get("milestones") or {}
    for mid in done:
        if mid not in known and mid not in elsewhere:
            out.append(_unknown_milestone(record, text, ["milestones", mid], mid, known))
    for i, ext in enumerate(record.data.get("extensions") or []):
        mid = ext.get("milestone")
        if mid not in known and mid != "customer_deadline" and mid not in elsewhere:
            out.append(_unknown_milestone(record, text, ["extensions", i, "milestone"], mid, known))
    if stages:
        out.extend(stage_checks(record, text, policy, grade))
    return out


_MILESTONE_REF = re.compile(r"\bmilestones\.([a-z][a-z0-9_]*)\.done_at\b")


_EVENTS: dict[int, tuple[Policy, list[str]]] = {}


def _event_milestones(policy: Policy) -> list[str]:
    """``milestones.<id>.done_at`` the policy reads as an event (e.g. 002's repair_arranged).

    Found once per policy: serialising the policy for every record cost 0.4 ms a record, 4 s
    of ``kesu validate`` at 10,000 records (docs/performance.md).
    """
    hit = _EVENTS.get(id(policy))
    if hit is None or hit[0] is not policy:
        found = sorted(set(_MILESTONE_REF.findall(json.dumps(policy.raw, ensure_ascii=False))))
        hit = _EVENTS[id(policy)] = (policy, found)
    return hit[1]


@cache
def preset_ids_of(section: str) -> frozenset[str]:
    """Ids in ``section`` (``milestones`` or ``grades``) of every preset the generator ships."""
    from importlib import resources

    import yaml

    ids: set[str] = set()
    for name in preset_ids():
        text = (resources.files("generator.policy") / "presets" / f"{name}.yaml").read_text("utf-8")
        # Our own packaged, reviewed files; libyaml's loader when PyYAML has it (the pure
        # Python one took 0.3 s for the five presets).
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
        ids.update(str(m["id"]) for m in data.get(section, []) if isinstance(m, dict))
    return frozenset(ids)


def _unknown_milestone(
    record: Record, text: str | None, path: list[str | int], mid: str, known: list[str]
) -> Diagnostic:
    # A warning, not an error: a company that edits its policy keeps its records' history;
    # a typo still shows up, with the closest known id, on every run.
    close = difflib.get_close_matches(mid, known, n=1)
    return replace(
        _diag(
            record,
            text,
            "milestone-unknown",
            path,
            f"策略中没有节点 {mid}",
            f"The policy has no milestone {mid}",
            (f"是否想写 {close[0]}？" if close else "") + f"本策略的节点：{', '.join(known)}",
            (f"Did you mean {close[0]}? " if close else "") + f"Milestones: {', '.join(known)}",
        ),
        severity=Severity.WARNING,
    )


def stage_checks(
    record: Record, text: str | None, policy: Policy, grade: GradeResult
) -> list[Diagnostic]:
    """What the record's status requires under the policy for its computed grade.

    Depends only on the record's content, the policy and the grade (conditions are read
    without recurrence counting), which is what lets ``cache.Verdicts`` remember a pass.
    """
    from generator.validate.gaps import check_stage

    out: list[Diagnostic] = []
    if isinstance(record.get("imported"), dict):
        # Imported history needs no 8D: it entered at the stage the old ledger recorded,
        # with the approval kesu check requires for imports (``changerules.check_new``).
        return out
    for diag in check_stage(record, policy, grade.grade):
        parts = _split(diag.field)
        # A field that is missing altogether is pointed at through the claim that needs it.
        target = parts if parts and record.get(str(parts[0])) is not None else ["status"]
        where = locate(text, target) if text is not None else None
        out.append(replace(diag, line=where[0], column=where[1]) if where else diag)
    return out


def _split(field: str) -> list[str | int]:
    """``a.b[0].c`` → ``["a", "b", 0, "c"]``."""
    parts: list[str | int] = []
    for chunk in field.split("."):
        name, _, rest = chunk.partition("[")
        if name:
            parts.append(name)
        for idx in filter(None, rest.replace("]", "").split("[")):
            parts.append(int(idx) if idx.isdigit() else idx)
    return parts
