"""``kesu export`` on the demo records, for every preset, at a fixed instant, is golden.

The demo records exercise every preset's distinctive rules; this pins what each preset
computes from them. Regenerate after an intended change with
``KESU_UPDATE_GOLDEN=1 pytest tests/test_export_golden.py`` and review the diff.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from generator.cli.main import main
from generator.policy.loader import preset_ids
from tests.conftest import REPO
from tests.goldens import assert_golden

GOLDEN = REPO / "tests" / "golden" / "export"
AS_OF = "2026-11-24 12:00"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo records outside Git: the export must not depend on this checkout's history
    (``late_entries`` come from it; tests/test_recorded.py covers them on a real repo)."""
    root = tmp_path_factory.mktemp("demo")
    for name in ("records", "attachments"):
        shutil.copytree(REPO / name, root / name)
    return root


@pytest.mark.parametrize("preset", preset_ids())
def test_export_matches_golden(preset: str, demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["-C", str(demo), "--preset", preset, "export", "--as-of", AS_OF])
    out = capsys.readouterr().out
    assert code == 0
    doc = json.loads(out)
    assert doc["schema_version"] == 1
    assert doc["policy"]["id"] == preset
    assert_golden(out, GOLDEN / f"preset-{preset}.json")


def test_presets_differ_on_the_demo_records(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Each preset computes something of its own from the same records (no silent fallback)."""
    grades = {}
    for preset in preset_ids():
        assert main(["-C", str(demo), "--preset", preset, "export", "--as-of", AS_OF]) == 0
        doc = json.loads(capsys.readouterr().out)
        grades[preset] = {r["id"]: r["grade"]["id"] for r in doc["records"]}
    assert len({json.dumps(g, sort_keys=True) for g in grades.values()}) == len(grades)
