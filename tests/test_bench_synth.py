"""The benchmark's parts: synthetic records, the runner, and the parse cache it measures.

No timing is asserted anywhere: a shared CI machine makes wall times noise. What is tested is
that the synthetic sets are valid (with the real validator), deterministic, and shaped like
real records, that the runner goes end to end and writes its table, and that the cache gives
back exactly what the loader gives.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from bench import run, synth
from generator.config.settings import load_config
from generator.load.cache import RecordCache
from generator.load.yamlload import load_yaml_file
from generator.pipeline import validate_with_policy
from tests.conftest import REPO


@pytest.fixture(scope="module")
def set10() -> synth.SynthSet:
    return synth.generate(10, seed=7)


def test_synthetic_records_are_valid_with_the_real_validator(
    tmp_path: Path, set10: synth.SynthSet
) -> None:
    set10.write(tmp_path)
    config, diags = load_config(tmp_path)
    assert diags == []
    result = validate_with_policy(config, datetime(2026, 6, 1, tzinfo=config.tz))
    problems = [f"{d.location()} {d.code} {d.message_en}" for d in result.diagnostics]
    assert problems == []
    assert result.files_checked == 10


def test_synthetic_sets_are_deterministic_by_seed(set10: synth.SynthSet) -> None:
    again = synth.generate(10, seed=7)
    assert again.records == set10.records
    assert again.files == set10.files
    assert synth.generate(10, seed=8).records != set10.records


def test_synthetic_records_look_like_real_ones() -> None:
    data = synth.generate(300, seed=3)
    texts = list(data.records.values())
    sizes = sorted(len(t.encode()) for t in texts)
    assert 1_500 < sizes[len(sizes) // 2] < 14_000  # records/*.yaml: 1.9–13.7 KB
    assert sum("客户" in t for t in texts) == len(texts)  # Chinese text throughout
    statuses = Counter(t.split("\nstatus: ", 1)[1].split("\n", 1)[0] for t in texts)
    assert {"closed", "cancelled", "registered", "correction", "verification"} <= set(statuses)
    keys = Counter(t.split("\nproblem_key: ", 1)[1].split("\n", 1)[0] for t in texts)
    assert keys.most_common(1)[0][1] >= 3  # recurrences share a problem_key
    assert any("reopen_of:" in t for t in texts)
    assert any("relation: recurrence" in t for t in texts)
    assert data.files and all(p.startswith("attachments/") for p in data.files)
    years = {re.search(r"\nreceived_at: \"?(\d{4})", t)[1] for t in texts}  # type: ignore[index]
    assert years == {"2024", "2025", "2026"}
    closed = [t for t in texts if "\nstatus: closed\n" in t]
    assert closed
    assert all(
        f"\n{d}" in t
        for t in closed
        for d in ("d1_team:", "d4_root_cause:", "d5_actions:", "d7_prevention:", "d8_closure:")
    )


def test_measure_reports_a_timeout(tmp_path: Path) -> None:
    m = run.measure(
        [sys.executable, "-c", "import time; time.sleep(30)"],
        tmp_path,
        dict(os.environ),
        timeout=0.3,
    )
    assert m.timed_out
    assert m.wall < 10


@pytest.mark.slow
def test_runner_end_to_end_at_ten_records(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", "--sizes", "10", "--timeout", "300", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    table = (out / "results.md").read_text(encoding="utf-8")
    assert "| 10 |" in table
    assert "build / floor" in table
    (result,) = out.glob("results-*.json")
    doc = json.loads(result.read_text(encoding="utf-8"))
    steps = doc["results"][0]["steps"]
    assert set(steps) == {
        "validate",
        "validate_warm",
        "check",
        "export",
        "build",
        "floor",
        "rebuild",
        "rebuild_incremental",
    }
    assert all(s["rc"] == 0 and not s["timed_out"] for s in steps.values())
    assert doc["results"][0]["pages"] > 10
    assert steps["build"]["split"] is not None  # the MkDocs child was seen


# ---------------------------------------------------------------- the parse cache


def test_cache_gives_back_what_the_loader_gives(tmp_path: Path, set10: synth.SynthSet) -> None:
    set10.write(tmp_path)
    files = sorted((tmp_path / "records").glob("*.yaml"))
    cache = RecordCache(tmp_path / ".kesu-cache" / "records-test")
    first = [cache.load(p, p.name) for p in files]
    cache.save()
    again = RecordCache(tmp_path / ".kesu-cache" / "records-test")
    second = [again.load(p, p.name) for p in files]
    plain = [load_yaml_file(p, p.name) for p in files]
    assert (
        [(x.data, x.text, x.diagnostics) for x in second]
        == [(x.data, x.text, x.diagnostics) for x in plain]
        == [(x.data, x.text, x.diagnostics) for x in first]
    )
    assert len(list((tmp_path / ".kesu-cache" / "records-test").glob("*.json"))) >= 1


def test_cache_new_bytes_miss_and_problems_are_never_stored(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    rec = tmp_path / "KS-2026-0001.yaml"
    rec.write_text("id: KS-2026-0001\ntitle: 甲\n", encoding="utf-8")
    cache = RecordCache(folder)
    cache.load(rec, "r")
    cache.save()
    rec.write_text("id: KS-2026-0001\ntitle: 乙\n", encoding="utf-8")
    fresh = RecordCache(folder)
    assert fresh.load(rec, "r").data == {"id": "KS-2026-0001", "title": "乙"}
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: 1\na: 2\n", encoding="utf-8")
    loaded = fresh.load(bad, "bad.yaml")
    assert loaded.diagnostics  # duplicate key, reported with its line as before
    int_keys = tmp_path / "ints.yaml"
    int_keys.write_text("1: one\n", encoding="utf-8")
    assert fresh.load(int_keys, "ints.yaml").diagnostics  # the loader refuses non-text keys
    fresh.save()
    stored = "".join(p.read_text(encoding="utf-8") for p in folder.glob("*.json"))
    assert "one" not in stored
    assert '"a"' not in stored  # the file with a duplicate key is not cached either


def test_cache_stores_every_value_a_clean_load_can_hold(tmp_path: Path) -> None:
    # The cache writes a clean load as JSON without walking it first (issue 15): the loader
    # builds only JSON's types. Every kind of scalar and nesting comes back as it was loaded.
    rec = tmp_path / "KS-2026-0001.yaml"
    rec.write_text(
        "id: KS-2026-0001\nn: [.nan, .inf, -.inf, 1e400, 123456789012345678901234567890]\n"
        "words: [~, true, 'yes', 0012, !!float 1, !!str 2, 0x1F, -0.5e-3, ''\n]\n"
        'deep: {a: [{b: [[], {}]}], 中文: "\\u4e2d\\t"}\ntext: |\n  甲\n  乙\n',
        encoding="utf-8",
    )
    plain = load_yaml_file(rec, "r")
    assert plain.diagnostics == [] and plain.data is not None
    cache = RecordCache(tmp_path / "c")
    cache.load(rec, "r")
    cache.save()
    back = RecordCache(tmp_path / "c").load(rec, "r").data
    assert back is not None and back["n"][0] != back["n"][0]  # nan is still nan
    assert json.dumps(back, sort_keys=True) == json.dumps(plain.data, sort_keys=True)
    assert [type(v) for v in back["words"]] == [type(v) for v in plain.data["words"]]


@pytest.mark.usefixtures("in_tree_cache")  # KESU_CACHE=0 must keep .kesu-cache/ out of the tree
def test_cache_off_symlinks_and_unreadable_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, set10: synth.SynthSet
) -> None:
    set10.write(tmp_path)
    target = next((tmp_path / "records").glob("*.yaml"))
    link = tmp_path / "link.yaml"
    link.symlink_to(target)
    cache = RecordCache(tmp_path / "cache")
    assert cache.load(link, "link.yaml") == load_yaml_file(link, "link.yaml")
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "00.json").write_text("{not json", encoding="utf-8")
    assert RecordCache(tmp_path / "cache").load(target, "t").data is not None
    monkeypatch.setenv("KESU_CACHE", "0")
    off = RecordCache.open(tmp_path)
    loaded, digest = off.load_hashed(target, "t")
    assert loaded.data is not None and digest is None
    assert off.folder is None
    off.save()
    assert not (tmp_path / ".kesu-cache").exists()


def test_compute_benchmark_runs_every_preset(capsys: pytest.CaptureFixture[str]) -> None:
    """``python -m bench.compute --preset all`` times each preset and sums them up; no figure
    is asserted, only that every preset ran and was judged."""
    from bench import compute

    assert compute.main(["--n", "20", "--repeat", "1", "--preset", "all"]) == 0
    out = capsys.readouterr().out
    for preset in compute.PRESETS:
        assert f"policy {preset}, as of" in out
        assert re.search(
            rf"^\| {preset} \| \d+\.\d{{3}} \| \d+\.\d{{3}} \| \d+\.\d{{3}} \| \d+\.\d{{3}}"
            rf" \| [a-z ,()?]+ \|$",
            out,
            re.M,
        ), out
    with pytest.raises(SystemExit):
        compute.main(["--n", "20", "--preset", "009"])


def test_guards_benchmark_measures_every_former_limit(capsys: pytest.CaptureFixture[str]) -> None:
    """``python -m bench.guards`` measures what the unit tests used to bound by wall clock; no
    figure is asserted, only that each measure ran and was judged against its limit."""
    from bench import guards

    assert guards.main(["--repeat", "1", "--sizes", "20,40"]) == 0
    out = capsys.readouterr().out
    cell = r"[\d.]+(?: s|×)"
    rows = re.findall(rf"^\| (.+?) \| {cell} \| {cell} \| {cell} \| (.+) \|$", out, re.M)
    assert len(rows) == 8 + len(guards.HOSTILE_YAML), out
    verdicts = {"holds", "CPU holds, wall not (a busy machine?)", "does not hold"}
    assert {verdict for _, verdict in rows} <= verdicts
    for name in guards.HOSTILE_YAML:
        assert any(measure.startswith(f"refuse {name} ") for measure, _ in rows), name
    with pytest.raises(SystemExit):
        guards.main(["--sizes", "40,20"])
