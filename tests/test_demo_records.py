"""The demo records under records/ pass Kesu's own validation and cover every case.

The site, the grading and the CI checks are demonstrated on these records, so they must keep
covering every status, category, origin and channel, a reopened record, links, attachments
and a recurrence chain (one problem key on three or more records). They are read and checked
as ``kesu validate`` reads them (the hardened loader, the schema, the cross-record and policy
checks), on a copy outside Git.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from generator.config.settings import load_config
from generator.pipeline import validate_with_policy
from generator.validate.records import ValidationResult
from tests.conftest import REPO, copy_demo

ROOT = REPO
RECORDS = ROOT / "records"
SCHEMA_PATH = ROOT / "schema" / "complaint.schema.json"
MODELINE = "# yaml-language-server: $schema=../schema/complaint.schema.json"
RECORD_FILES = sorted(RECORDS.glob("*.yaml"))


def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


def _enum(schema: dict[str, Any], field: str) -> list[str]:
    return list(schema["properties"][field]["enum"])


@pytest.fixture(scope="module")
def validated(tmp_path_factory: pytest.TempPathFactory) -> ValidationResult:
    config, diags = load_config(copy_demo(tmp_path_factory.mktemp("demo")))
    assert diags == []
    # a fixed instant: from 1 November the missing next-year calendar is (rightly) reported
    return validate_with_policy(config, datetime(2026, 6, 1, 12, tzinfo=config.tz))


@pytest.fixture(scope="module")
def records(validated: ValidationResult) -> dict[str, Mapping[str, Any]]:
    """Each record's data as Kesu loaded it, by display path (``records/<id>.yaml``)."""
    return {r.path: r.data for r in validated.records.records}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return _schema()


def test_enough_records(records: dict[str, Any]) -> None:
    assert len(records) >= 30
    assert sorted(records) == [f"records/{p.name}" for p in RECORD_FILES]


@pytest.mark.parametrize("path", RECORD_FILES, ids=lambda p: p.stem)
def test_record_is_valid(path: Path, validated: ValidationResult) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.startswith(MODELINE + "\n"), "first line must be the editor modeline"
    display = f"records/{path.name}"
    found = [d for d in validated.diagnostics if d.file == display]
    assert found == [], "\n".join(f"{d.location()}: {d.code}: {d.message_en}" for d in found)
    (record,) = [r for r in validated.records.records if r.path == display]
    assert record.valid
    assert record.data["id"] == path.stem


def test_nothing_else_is_reported(validated: ValidationResult) -> None:
    assert [(d.file, d.code) for d in validated.diagnostics] == []


def test_ids_unique(records: dict[str, Any]) -> None:
    counts = Counter(data["id"] for data in records.values())
    assert [i for i, n in counts.items() if n > 1] == []


@pytest.mark.parametrize("field", ["status", "category", "origin", "channel"])
def test_every_enum_value_present(
    field: str, records: dict[str, Any], schema: dict[str, Any]
) -> None:
    present = {data[field] for data in records.values()}
    assert set(_enum(schema, field)) <= present


def test_reopened_record_points_at_existing_record(records: dict[str, Any]) -> None:
    ids = {data["id"] for data in records.values()}
    reopened = [data for data in records.values() if "reopen_of" in data]
    assert reopened, "at least one reopened record"
    for data in reopened:
        assert data["reopen_of"] in ids
        assert data["id"].startswith(data["reopen_of"] + "-")


def test_links_exist(records: dict[str, Any]) -> None:
    ids = {data["id"] for data in records.values()}
    links = [
        (data["id"], link["id"]) for data in records.values() for link in data.get("links", [])
    ]
    assert links, "at least one record links to another"
    assert [pair for pair in links if pair[1] not in ids] == []


LIST_REF_KEYS = {"evidence", "photos", "attachments"}
"""Keys whose *list* items are attachment references (``d6 effectiveness.evidence`` is prose)."""
SCALAR_REF_KEYS = {"path", "minutes", "fishbone"}


def _attachment_refs(node: Any) -> list[str]:
    """Every attachment reference anywhere in a record (attachments, evidence, photos, …)."""
    refs: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in SCALAR_REF_KEYS and isinstance(value, str):
                refs.append(value)
            elif key in LIST_REF_KEYS and isinstance(value, list):
                refs.extend(item for item in value if isinstance(item, str))
            refs.extend(_attachment_refs(value))
    elif isinstance(node, list):
        for item in node:
            refs.extend(_attachment_refs(item))
    return refs


def test_attachment_paths_exist(records: dict[str, Any]) -> None:
    refs = [ref for data in records.values() for ref in _attachment_refs(data)]
    local = [ref for ref in refs if not ref.startswith(("http://", "https://"))]
    assert local, "at least one local attachment"
    assert any(ref.startswith(("http://", "https://")) for ref in refs), "at least one URL"
    assert [ref for ref in local if not (ROOT / ref).is_file()] == []


def test_recurrence_chain(records: dict[str, Any]) -> None:
    assert all(data.get("problem_key") and data.get("defect_code") for data in records.values())
    keys = Counter(data["problem_key"] for data in records.values())
    assert max(keys.values()) >= 3, "one problem key shared by three or more records"


def test_editor_schemas_are_the_shipped_ones() -> None:
    """``schema/`` (what editors and the records' modelines read) holds exactly the schemas
    the package ships in ``generator/schema/`` (what kesu validates with)."""
    shipped = {p.name: p.read_bytes() for p in (ROOT / "generator" / "schema").glob("*.json")}
    editors = {p.name: p.read_bytes() for p in (ROOT / "schema").glob("*.json")}
    assert shipped and editors == shipped
