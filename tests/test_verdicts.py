"""Remembered verdicts: a record whose bytes passed the record-local checks is not checked again.

Each test runs ``kesu validate``'s pipeline on a copy of the demo repository with the
command's own caches (opened, passed, saved by the command: no exit handler, no registry), and
runs it again.
"""

from __future__ import annotations

import re
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import generator.validate.crosscheck as crosscheck
import generator.validate.stages as policychecks
from generator.config.settings import load_config
from generator.load.cache import CACHE_DIR, Caches
from generator.pipeline import validate_with_policy
from tests.conftest import REPO

AS_OF = datetime(2026, 6, 1, 12, tzinfo=ZoneInfo("Asia/Shanghai"))
"""Validation's time only picks the calendar year that should be in: fixed, never today."""

pytestmark = pytest.mark.usefixtures("in_tree_cache")  # these tests read .kesu-cache/ itself


def _repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(REPO / "records", root / "records")
    shutil.copytree(REPO / "attachments", root / "attachments")
    return root


def _run(root: Path) -> list[tuple[str, int | None, str, str]]:
    """What ``kesu validate`` does: open the caches, validate, save them (a new run each time)."""
    config, _ = load_config(root)
    caches = Caches.open(root)
    result = validate_with_policy(config, AS_OF, caches=caches)
    caches.save()
    return sorted((d.file, d.line, d.code, d.message_en) for d in result.diagnostics)


def _break_dates_and_stage(root: Path) -> None:
    """One record with a date before its receipt, one closed record without its D8."""
    first = root / "records" / "KS-2025-0001.yaml"
    text = first.read_text(encoding="utf-8")
    text, n = re.subn(r"(?m)^accepted_at: .*$", "accepted_at: '2001-01-01 08:00'", text)
    assert n == 1
    first.write_text(text, encoding="utf-8")
    closed = next(
        p
        for p in sorted((root / "records").glob("*.yaml"))
        if "status: closed" in p.read_text(encoding="utf-8") and p != first
    )
    lines = closed.read_text(encoding="utf-8").splitlines(keepends=True)
    kept, skipping = [], False
    for line in lines:
        if line.startswith("d8_closure:"):
            skipping = True
            continue
        if skipping and line[:1] in (" ", "-"):
            continue
        skipping = False
        kept.append(line)
    closed.write_text("".join(kept), encoding="utf-8")


def _stored(root: Path, check: str) -> set[str]:
    (folder,) = (root / CACHE_DIR).glob("verdicts-*")
    return set((folder / f"{check}.txt").read_text(encoding="ascii").split())


def test_warm_run_reports_exactly_what_a_cold_run_reports(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    _break_dates_and_stage(root)
    cold = _run(root)
    codes = {c for _, _, c, _ in cold}
    assert "date-order" in codes and any(c.startswith("stage-") for c in codes)
    assert _run(root) == cold
    assert _run(root) == cold
    # Only passes are remembered: the record with the bad date is not in the store.
    config, _ = load_config(root)
    caches = Caches.open(root)
    result = validate_with_policy(config, AS_OF, caches=caches)
    caches.save()
    assert _stored(root, "record") and _stored(root, "stage")
    bad = result.digests["records/KS-2025-0001.yaml"]
    assert not any(item.startswith(bad) for item in _stored(root, "record"))


def test_a_remembered_pass_skips_the_local_checks_and_an_edit_runs_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _repo(tmp_path)
    _run(root)
    calls: list[Any] = []

    def counting_dates(*args: Any) -> None:
        calls.append(args)

    def counting_stages(*args: Any) -> list[Any]:
        calls.append(args)
        return []

    monkeypatch.setattr(crosscheck, "_check_dates", counting_dates)
    monkeypatch.setattr(policychecks, "stage_checks", counting_stages)
    _run(root)
    assert calls == []  # every record was remembered
    rec = root / "records" / "KS-2025-0002.yaml"
    rec.write_text(rec.read_text(encoding="utf-8") + "notes: 新的一行\n", encoding="utf-8")
    _run(root)
    assert len(calls) == 2  # the edited record only: its dates and its stage


def test_the_verdicts_depend_on_the_time_zone_and_the_policy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _repo(tmp_path)
    _run(root)
    calls: list[Any] = []

    def counting(*args: Any) -> list[Any]:
        calls.append(args)
        return []

    monkeypatch.setattr(crosscheck, "_check_dates", counting)
    monkeypatch.setattr(policychecks, "stage_checks", counting)
    (root / "kesu.yaml").write_text("timezone: Europe/Berlin\npreset: '003'\n", encoding="utf-8")
    _run(root)
    records = len(list((root / "records").glob("*.yaml")))
    assert len(calls) == 2 * records


def test_no_verdicts_without_the_cache_and_old_code_is_forgotten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _repo(tmp_path)
    old = root / CACHE_DIR / "verdicts-0000000000000000"
    old.mkdir(parents=True)
    (old / "record.txt").write_text("x\n", encoding="ascii")
    _run(root)
    assert not old.exists()
    assert len(list((root / CACHE_DIR).glob("verdicts-*"))) == 1
    shutil.rmtree(root / CACHE_DIR)
    monkeypatch.setenv("KESU_CACHE", "0")
    _run(root)
    assert not (root / CACHE_DIR).exists()


def test_an_unreadable_store_is_ignored(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    cold = _run(root)
    (folder,) = (root / CACHE_DIR).glob("verdicts-*")
    (folder / "record.txt").write_bytes(b"\xff\xfe not ascii")
    assert _run(root) == cold


@pytest.mark.parametrize("preset", ["000", "001", "002", "003", "004"])
def test_validate_computes_grades_only_and_reports_the_same(tmp_path: Path, preset: str) -> None:
    from datetime import datetime

    from generator.compute.records import compute_all, compute_grades
    from generator.pipeline import analyse, make_calendar
    from generator.policy.loader import load_policy

    root = _repo(tmp_path)
    _break_dates_and_stage(root)
    (root / "kesu.yaml").write_text(f"preset: '{preset}'\n", encoding="utf-8")
    config, _ = load_config(root)
    as_of = datetime(2026, 11, 24, 12, 0, tzinfo=config.tz)
    full = analyse(config, as_of)
    light = analyse(config, as_of, deadlines=False)
    assert light.computed == {} and full.computed
    assert light.diagnostics == full.diagnostics
    assert light.diagnostics  # the broken records are reported
    policy, _ = load_policy(config)
    assert policy is not None
    valid = [r for r in full.validation.records.records if r.valid]
    every = compute_all(valid, policy, make_calendar(config), as_of)
    assert compute_grades(valid, policy, config.tz) == {rid: c.grade for rid, c in every.items()}


def _cached_files(root: Path) -> list[str]:
    return sorted(
        p.relative_to(root / CACHE_DIR).as_posix()
        for p in (root / CACHE_DIR).rglob("*")
        if p.is_file() and p.suffix in (".json", ".txt") and p.name != "CACHEDIR.TAG"
    )


def test_each_command_saves_its_caches_as_its_own_step(tmp_path: Path) -> None:
    """``kesu validate`` and the page generation of ``kesu build`` (a forked child, which
    runs no exit handlers) both leave the parse cache and the verdicts behind."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from generator.cli.main import main
    from generator.site.build import generate_isolated
    from tests.site_fixtures import site_repo

    root = _repo(tmp_path)
    assert main(["-C", str(root), "validate"]) == 0
    saved = _cached_files(root)
    assert any(n.startswith("records-") for n in saved)
    assert any(n.startswith("verdicts-") for n in saved)

    built = site_repo(tmp_path / "site")
    config, _ = load_config(built)
    at = datetime(2026, 6, 1, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    import io

    assert generate_isolated(config, at, "zh", strict=False, out=io.StringIO()).ok
    assert any(n.startswith("records-") for n in _cached_files(built))
