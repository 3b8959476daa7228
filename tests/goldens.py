"""Golden files: compared with what the code produces now, and written only on request.

A missing golden fails its test (it is never created as a side effect of a run); the update
flag (``KESU_UPDATE_GOLDEN=1``, ``KESU_UPDATE_EXPECTED=1`` for the validation reports)
writes what the code produces instead, for review in the diff before committing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import REPO

UPDATE_GOLDEN = "KESU_UPDATE_GOLDEN"


def assert_golden(actual: str, path: Path, flag: str = UPDATE_GOLDEN) -> None:
    """``actual`` equals the golden file at ``path``; with ``flag=1``, write it there."""
    shown = path.relative_to(REPO) if path.is_relative_to(REPO) else path
    if os.environ.get(flag) == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    if not path.is_file():
        pytest.fail(
            f"golden file {shown} is missing: write it with {flag}=1 and review it",
            pytrace=False,
        )
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{shown} differs; if intended, regenerate with {flag}=1"
