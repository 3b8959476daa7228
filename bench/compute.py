"""How long stage 3 (grades and deadlines) takes, beyond loading (issues 3 and 13).

    python -m bench.compute                       # 10,000 synthetic records, best of 3
    python -m bench.compute --n 1000 --repeat 5
    python -m bench.compute --repo /tmp/r10k --as-of "2026-11-24 12:00" --preset 002

Without ``--repo`` it writes a synthetic set (``bench.synth``) into a temporary folder. It loads
and validates the records once, then times over the valid ones, ``--repeat`` times each, wall
clock and CPU: ``compute_all`` (grades and deadlines, what ``kesu export`` and the site
compute) and ``compute_grades`` (the grades alone, what ``kesu validate`` computes). The
cyclic garbage collector runs, as in every command; the report says how long it took inside
the fastest run (a full collection walks every loaded record: docs/performance.md).

The bound is issue 13's: grades and deadlines alone at most one second at 10,000 records
(``TARGET_S``) for the best ``compute_all`` run (wall clock), scaled linearly above 10,000.
Wall-clock bounds live here, never in the test suite: the machine may be shared.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bench import synth
from generator.common.model import Record
from generator.compute.records import compute_all, compute_grades
from generator.config.settings import RepoConfig, load_config
from generator.pipeline import make_calendar, validate_settings
from generator.policy.loader import Policy, load_policy
from generator.time import parse as timeparse
from generator.validate.records import validate_repository

TARGET_S = 1.0
"""Seconds for 10,000 records (issue 13)."""
TARGET_N = 10_000


@dataclasses.dataclass(frozen=True, slots=True)
class Timing:
    wall: float
    cpu: float
    collector: float
    """Wall seconds the cyclic garbage collector spent inside the fastest run (it runs, as
    in every command: the figures include it)."""


def best_of(run: Callable[[], object], repeat: int) -> Timing:
    """The fastest of ``repeat`` runs, wall clock and CPU separately. A run's result is
    freed after its clocks stop: freeing is not computing (a command keeps the results until
    it exits)."""
    walls, cpus, collecting = [], [], []
    spent, started = [0.0], [0.0]

    def clock(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            spent[0] += time.perf_counter() - started[0]

    for _ in range(repeat):
        gc.collect()
        spent[0] = 0.0
        gc.callbacks.append(clock)
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            result = run()
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
        finally:
            gc.callbacks.remove(clock)
        collecting.append(spent[0])
        del result
    fastest = walls.index(min(walls))
    return Timing(min(walls), min(cpus), collecting[fastest])


def load(root: Path, preset: str | None) -> tuple[RepoConfig, Policy, list[Record], float]:
    """The repository's config, policy and valid records, and the seconds loading took."""
    start = time.perf_counter()
    config, _ = load_config(root)
    if preset:
        config = dataclasses.replace(config, preset=preset, policy_file=None)
    policy, diagnostics = load_policy(config)
    if policy is None:
        raise SystemExit("\n".join(f"{d.file}: {d.message_en}" for d in diagnostics))
    records = [r for r in validate_repository(validate_settings(config)).records.records if r.valid]
    return config, policy, records, time.perf_counter() - start


PRESETS = ("000", "001", "002", "003", "004")


def measure_all(root: Path, repeat: int, as_of_text: str | None) -> str:
    """``measure`` for each preset, then one table of the figures."""
    parts, rows = [], []
    for preset in PRESETS:
        text = measure(root, repeat, preset, as_of_text)
        parts.append(text)
        cells = {
            (row := [c.strip() for c in line.strip("|").split("|")])[0]: row[1:]
            for line in text.splitlines()
            if line.startswith("| ")
        }
        full = next(v for k, v in cells.items() if k.startswith("compute_all"))
        grades = next(v for k, v in cells.items() if k.startswith("compute_grades"))
        verdict = next(v for k, v in cells.items() if k.startswith("target"))
        gc_part = cells["compute_all: of which the cyclic garbage collector"]
        rows.append(
            f"| {preset} | {full[0]} | {full[1]} | {gc_part[0]} | {grades[0]} | {verdict[0]} |"
        )
    table = [
        f"all presets, best of {repeat} (seconds)",
        "",
        "| preset | compute_all wall | compute_all CPU | of which collector | compute_grades wall"
        " | ≤ 1 s? |",
        "|---|---:|---:|---:|---:|---|",
        *rows,
    ]
    return "\n\n".join([*parts, "\n".join(table)])


def measure(root: Path, repeat: int, preset: str | None, as_of_text: str | None) -> str:
    config, policy, records, loading = load(root, preset)
    calendar = make_calendar(config)
    as_of = (
        timeparse.parse_instant(as_of_text, config.tz)
        if as_of_text
        else synth.AS_OF.replace(tzinfo=config.tz)
    )

    def run() -> object:
        return compute_all(records, policy, calendar, as_of, due_soon_days=config.due_soon_days)

    def grades() -> object:
        return compute_grades(records, policy, config.tz)

    full = best_of(run, repeat)
    only = best_of(grades, repeat)
    limit = TARGET_S * max(len(records), TARGET_N) / TARGET_N  # scaled above 10,000 only
    verdict = (
        "holds"
        if full.wall <= limit
        else "CPU holds, wall not (a busy machine?)"
        if full.cpu <= limit
        else "does not hold"
    )
    rows = [
        ("records (valid)", f"{len(records):,}", ""),
        ("loading and validation, once", f"{loading:.2f}", ""),
        (f"compute_all, best of {repeat}", f"{full.wall:.3f}", f"{full.cpu:.3f}"),
        ("compute_all: of which the cyclic garbage collector", f"{full.collector:.3f}", ""),
        (f"compute_grades, best of {repeat}", f"{only.wall:.3f}", f"{only.cpu:.3f}"),
        ("compute_grades: of which the cyclic garbage collector", f"{only.collector:.3f}", ""),
        (f"target: at most {TARGET_S:g} s at {TARGET_N:,} (≤ {limit:.3f} s here)", verdict, ""),
    ]
    lines = [
        f"policy {policy.id}, as of {as_of:%Y-%m-%d %H:%M}",
        "",
        "| measure | wall (s) | CPU (s) |",
        "|---|---:|---:|",
    ]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.compute",
        description="Time grades and deadlines (stage 3) at N records, beyond loading.",
    )
    parser.add_argument("--n", type=int, default=TARGET_N, help="synthetic records (default 10000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per measure (default 3)")
    parser.add_argument("--seed", type=int, default=20260101, help="synthetic set's seed")
    parser.add_argument("--repo", type=Path, help="time this repository instead of a synthetic set")
    parser.add_argument(
        "--preset",
        help="policy preset (000-004) instead of the configured "
        "one, or 'all' for each in turn and a summary table",
    )
    parser.add_argument("--as-of", help='"YYYY-MM-DD HH:MM" (default: the synthetic set\'s end)')
    args = parser.parse_args(argv)
    if args.n < 1 or args.repeat < 1:
        parser.error("--n and --repeat must be at least 1")
    if args.preset not in (None, "all", *PRESETS):
        parser.error(f"--preset: one of {', '.join(PRESETS)} or all")

    def run(root: Path) -> str:
        if args.preset == "all":
            return measure_all(root, args.repeat, args.as_of)
        return measure(root, args.repeat, args.preset, args.as_of)

    if args.repo is not None:
        print(run(args.repo))
        return 0
    with tempfile.TemporaryDirectory(prefix="kesu-compute-") as tmp:
        root = Path(tmp)
        synth.generate(args.n, args.seed).write(root)
        print(run(root))
    return 0


if __name__ == "__main__":
    sys.exit(main())
