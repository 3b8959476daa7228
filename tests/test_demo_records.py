"""The demo records under records/ are valid against the complaint schema and cover every case.

The site, the grading and the CI checks are demonstrated on these records, so they must keep
covering every status, category, origin and channel, a reopened record, links, attachments
and a recurrence chain (one problem key on three or more records).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
RECORDS = ROOT / "records"
SCHEMA_PATH = ROOT / "schema" / "complaint.schema.json"
MODELINE = "# yaml-language-server: $schema=../schema/complaint.schema.json"


def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _enum(schema: dict[str, Any], field: str) -> list[str]:
    return list(schema["properties"][field]["enum"])


def _load_all() -> dict[Path, Any]:
    return {
        path: yaml.safe_load(path.read_text(encoding="utf-8"))
        for path in sorted(RECORDS.glob("*.yaml"))
    }


RECORD_FILES = sorted(RECORDS.glob("*.yaml"))


@pytest.fixture(scope="module")
def records() -> dict[Path, Any]:
    return _load_all()


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return _schema()


def test_enough_records(records: dict[Path, Any]) -> None:
    assert len(records) >= 30


@pytest.mark.parametrize("path", RECORD_FILES, ids=lambda p: p.stem)
def test_record_is_valid(path: Path, schema: dict[str, Any]) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.startswith(MODELINE + "\n"), "first line must be the editor modeline"
    data = yaml.safe_load(text)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors
    )
    assert data["id"] == path.stem


def test_ids_unique(records: dict[Path, Any]) -> None:
    counts = Counter(data["id"] for data in records.values())
    assert [i for i, n in counts.items() if n > 1] == []


@pytest.mark.parametrize("field", ["status", "category", "origin", "channel"])
def test_every_enum_value_present(
    field: str, records: dict[Path, Any], schema: dict[str, Any]
) -> None:
    present = {data[field] for data in records.values()}
    assert set(_enum(schema, field)) <= present


def test_reopened_record_points_at_existing_record(records: dict[Path, Any]) -> None:
    ids = {data["id"] for data in records.values()}
    reopened = [data for data in records.values() if "reopen_of" in data]
    assert reopened, "at least one reopened record"
    for data in reopened:
        assert data["reopen_of"] in ids
        assert data["id"].startswith(data["reopen_of"] + "-")


def test_links_exist(records: dict[Path, Any]) -> None:
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


def test_attachment_paths_exist(records: dict[Path, Any]) -> None:
    refs = [ref for data in records.values() for ref in _attachment_refs(data)]
    local = [ref for ref in refs if not ref.startswith(("http://", "https://"))]
    assert local, "at least one local attachment"
    assert any(ref.startswith(("http://", "https://")) for ref in refs), "at least one URL"
    assert [ref for ref in local if not (ROOT / ref).is_file()] == []


def test_recurrence_chain(records: dict[Path, Any]) -> None:
    assert all(data.get("problem_key") and data.get("defect_code") for data in records.values())
    keys = Counter(data["problem_key"] for data in records.values())
    assert max(keys.values()) >= 3, "one problem key shared by three or more records"
