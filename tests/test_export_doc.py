"""docs/export-format.md names every key the export emits (it cannot drift)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from generator.cli.main import main
from tests.conftest import REPO, copy_demo


def _keys(node: Any, prefix: str, out: set[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("zh", "en"):  # text pairs are described once, as "text pair"
                continue
            out.add(key)
            _keys(value, f"{prefix}.{key}", out)
    elif isinstance(node, list):
        for item in node:
            _keys(item, prefix, out)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_demo(tmp_path_factory.mktemp("demo"))


@pytest.mark.parametrize("preset", ["000", "003"])
def test_every_exported_key_is_documented(
    preset: str, demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["-C", str(demo), "--preset", preset, "export", "--as-of", "2026-11-24 12:00"]) == 0
    doc = json.loads(capsys.readouterr().out)
    keys: set[str] = set()
    _keys(doc, "", keys)
    text = (REPO / "docs" / "export-format.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", text, re.M))
    assert keys - documented == set()
