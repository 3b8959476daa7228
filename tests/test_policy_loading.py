"""Loading policies: presets, the schema, override merging and clear diagnostics."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from generator.compute.completeness import CHECKS
from generator.config.settings import RepoConfig, load_config, load_schema
from generator.load.yamlload import load_yaml_file
from generator.policy.loader import deep_merge, load_policy, preset_ids
from generator.policy.types import STATUSES

ROOT = Path(__file__).resolve().parent.parent
PRESETS = ROOT / "generator" / "policy" / "presets"
INVALID = Path(__file__).resolve().parent / "cases" / "policy" / "invalid"
SEEDS = {
    "000": "000_a09c045555aff865",
    "001": "001_8b56cf7cc1a28fa1",
    "002": "002_1c294f9872b3ab19",
    "003": "003_b9adb5c727e2815f",
    "004": "004_78df58afbb749e31",
}


def test_five_presets() -> None:
    assert preset_ids() == ["000", "001", "002", "003", "004"]


@pytest.mark.parametrize("preset", sorted(SEEDS))
def test_preset_loads_and_names_its_procedure(preset: str, tmp_path: Path) -> None:
    policy, diags = load_policy(RepoConfig(root=tmp_path, preset=preset))
    assert diags == []
    assert policy is not None and policy.id == preset
    text = (PRESETS / f"{preset}.yaml").read_text(encoding="utf-8")
    header = text.split("\nid:")[0]
    assert re.search(r"^# Procedure: .+", header, re.M)
    assert f"# Source:    shared/seeds/{SEEDS[preset]}.txt" in header
    assert policy.source["file"] == f"shared/seeds/{SEEDS[preset]}.txt"
    # every reading is data (for the site) and visible as a comment next to its setting
    assert policy.raw["readings"], "a preset keeps its readings as policy data"
    assert "(reading)" in text.split("\nreadings:")[0] + text.split("\ngrading:")[1]


def test_preset_000_is_the_default(tmp_path: Path) -> None:
    policy, _ = load_policy(RepoConfig(root=tmp_path))
    assert policy is not None and policy.id == "000"
    assert [g.id for g in policy.grades] == ["1", "2", "3"]


def _properties(node: Any, path: str = "") -> list[tuple[str, Any]]:
    out = []
    if isinstance(node, dict):
        for key, value in node.get("properties", {}).items():
            out.append((f"{path}.{key}", value))
        if isinstance(node.get("additionalProperties"), dict):
            out.append((f"{path}.*", node["additionalProperties"]))
        for key, value in node.items():
            out += _properties(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _properties(value, f"{path}[{i}]")
    return out


def test_schema_every_property_is_bilingual() -> None:
    schema = load_schema("policy")
    missing = [
        p
        for p, v in _properties(schema)
        if not all(v.get(k) for k in ("title", "description", "x-title-en", "x-description-en"))
    ]
    assert missing == []


def test_schema_check_vocabulary_matches_completeness() -> None:
    checks = load_schema("policy")["properties"]["stages"]["properties"]["checks"]
    assert set(checks["properties"]) == set(STATUSES)
    entry = checks["properties"]["closed"]["items"]
    assert set(entry["anyOf"][0]["enum"]) == set(CHECKS) | {"approvals"}
    assert set(entry["anyOf"][1]["properties"]["check"]["enum"]) == set(CHECKS) | {"approvals"}


def test_deep_merge_rules() -> None:
    base: dict[str, Any] = {
        "a": {"x": 1, "y": 2},
        "items": [{"id": "p", "v": 1, "keep": True}, {"id": "q", "v": 2}],
        "plain": [1, 2, 3],
        "gone": 5,
    }
    over = {
        "a": {"y": 3},
        "items": [{"id": "p", "v": 10}, {"id": "r", "v": 3}, {"id": "q", "_delete": True}],
        "plain": [9],
        "gone": None,
    }
    assert deep_merge(base, over) == {
        "a": {"x": 1, "y": 3},
        "items": [{"id": "p", "v": 10, "keep": True}, {"id": "r", "v": 3}],
        "plain": [9],
    }
    assert base["items"][0]["v"] == 1  # inputs unchanged


def test_overrides_merge_into_the_preset(tmp_path: Path) -> None:
    overrides = {
        "grading": {"recurrence_basis": "final"},
        "milestones": [
            {"id": "fae_onsite", "duration": 8},
            {"id": "preliminary_report", "_delete": True},
        ],
        "approvals": [],
    }
    policy, diags = load_policy(RepoConfig(root=tmp_path, policy_overrides=overrides))
    assert diags == [] and policy is not None
    assert policy.recurrence_basis == "final"
    assert [m.id for m in policy.milestones] == ["fae_onsite", "final_report"]
    fae = policy.milestones[0]
    assert fae.variants[0].duration.amount == 8 and fae.variants[0].duration.unit == "hours"
    assert policy.approvals == ()


def test_policy_file(tmp_path: Path) -> None:
    shutil.copy(PRESETS / "004.yaml", tmp_path / "ours.yaml")
    (tmp_path / "kesu.yaml").write_text("policy_file: ours.yaml\n", encoding="utf-8")
    config, diags = load_config(tmp_path)
    assert diags == []
    policy, diags = load_policy(config)
    assert diags == [] and policy is not None and policy.id == "004"


@pytest.mark.parametrize("case", sorted(p.name for p in INVALID.iterdir()))
def test_invalid_policy(case: str, tmp_path: Path) -> None:
    shutil.copytree(INVALID / case, tmp_path, dirs_exist_ok=True)
    spec = load_yaml_file(tmp_path / "expected.yaml").data
    assert spec is not None
    expected = spec["diagnostics"]
    config, diags = load_config(tmp_path)
    assert diags == []
    policy, diags = load_policy(config)
    assert policy is None
    got: list[dict[str, Any]] = [
        {
            "file": d.file,
            "code": d.code,
            "line": d.line,
            "field": d.field,
            "message": d.message_en,
            "hint": d.hint_en,
            "zh": d.message_zh,
        }
        for d in diags
    ]
    assert len(got) == len(expected), got
    for want, have in zip(expected, got, strict=True):
        for key in ("file", "code", "line", "field"):
            if key in want:
                assert have[key] == want[key], (key, have)
        if "contains" in want:
            assert want["contains"] in have["message"], have
        if "hint" in want:
            assert want["hint"] in have["hint"], have
        assert have["zh"], "every diagnostic has a Chinese message"
