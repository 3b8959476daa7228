"""How long Kesu's guards and indexes take: the wall-clock limits the unit tests no longer assert.

    python -m bench.guards                 # best of 5
    python -m bench.guards --repeat 20

On a shared 2-core machine a unit test cannot say "under a second": a busy neighbour makes
it fail, and a bound generous enough never to fail catches nothing. So the tests check what
the guards do (a hostile file is refused with the right message; a FIFO is not opened, in a
child process that would otherwise hang), and this script measures how long it takes, the
best of ``--repeat`` runs, wall clock and CPU, against the limit the tests used to assert:

- the hardened YAML loader (``generator.load.yamlload``) on 100 synthetic records
  (``bench.synth``, about 8 KB each), per record: 10 ms;
- the loader on each hostile input of tests/test_yamlload.py: billion laughs 0.1 s, each
  maximum-size nesting 1 s;
- the slowest of 1,000 random byte strings of up to 3,000 bytes (seeded), which the fuzz
  tests bounded per example: 1 s;
- refusing a FIFO and ``/dev/zero``: 1 s;
- the recurrence index: 1,000 look-ups among 20,000 earlier records with one key: 0.5 s;
- ``compute_all`` (preset 000) at 1,000 and 10,000 synthetic records (``--sizes``): 10,000
  within 6 s and under 30 times the 1,000;
- ``kesu validate`` on the hostile records folder of tests/test_hostile_files.py
  (``bench.hostile``), as a process, without the cache, interpreter start included: 30 s.

How long a site build takes is ``bench.run``'s (at 10 records, the size of the site tests'
fixture, 4.3 s; the site test allowed 30 s). Results are printed as a Markdown table; the
figures in docs/performance.md come from it.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from bench import hostile, synth
from generator.common.model import Record
from generator.compute.grading import RecurrenceIndex
from generator.compute.records import compute_all
from generator.config.settings import load_config
from generator.load.yamlload import MAX_BYTES, load_yaml_bytes, load_yaml_file
from generator.pipeline import make_calendar, validate_settings
from generator.policy.conditions import Recurrence, Window
from generator.policy.loader import load_policy
from generator.validate.records import validate_repository

PROJECT = Path(__file__).resolve().parent.parent
GOOD = PROJECT / "tests" / "cases" / "valid" / "minimal" / "records" / "KS-2026-0101.yaml"
TZ = ZoneInfo("Asia/Shanghai")

HOSTILE_YAML: dict[str, tuple[bytes, float]] = {
    "billion laughs": (
        (PROJECT / "tests" / "cases" / "yaml" / "billion-laughs" / "input.yaml").read_bytes(),
        0.1,
    ),
    "open brackets": (b"[" * MAX_BYTES, 1.0),
    "open braces": (b"{a: " * (MAX_BYTES // 4), 1.0),
    "compact sequence": (b"- " * (MAX_BYTES // 2), 1.0),
    "closed brackets": (b"[" * 500_000 + b"]" * 500_000, 1.0),
    "indented sequence": (b"".join(b" " * i + b"-\n" for i in range(1400)), 1.0),
}
"""Name: (input, the limit in seconds tests/test_yamlload.py asserted)."""


@dataclasses.dataclass(frozen=True, slots=True)
class Row:
    measure: str
    limit: float
    wall: float
    cpu: float

    def verdict(self) -> str:
        if self.wall <= self.limit:
            return "holds"
        return (
            "CPU holds, wall not (a busy machine?)" if self.cpu <= self.limit else "does not hold"
        )


def best_of(run: Callable[[], object], repeat: int) -> tuple[float, float]:
    """The fastest of ``repeat`` runs: (wall, CPU) seconds."""
    walls, cpus = [], []
    for _ in range(repeat):
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def loader_rows(repeat: int) -> list[Row]:
    records = [text.encode("utf-8") for text in synth.generate(100).records.values()]

    def typical() -> None:
        for raw in records:
            assert load_yaml_bytes(raw, "r.yaml").diagnostics == []

    wall, cpu = best_of(typical, repeat)
    size = sum(map(len, records)) // len(records)
    rows = [
        Row(
            f"load one synthetic record ({size:,} bytes), mean of 100",
            0.01,
            wall / len(records),
            cpu / len(records),
        )
    ]
    for name, (raw, limit) in HOSTILE_YAML.items():
        wall, cpu = best_of(partial(load_yaml_bytes, raw, "h.yaml"), repeat)
        rows.append(Row(f"refuse {name} ({len(raw):,} bytes)", limit, wall, cpu))
    rnd = random.Random(20260101)
    samples = [rnd.randbytes(rnd.randrange(3001)) for _ in range(1000)]
    slowest = (0.0, 0.0)
    for raw in samples:
        slowest = max(slowest, best_of(partial(load_yaml_bytes, raw, "f.yaml"), repeat))
    rows.append(Row("slowest of 1,000 random inputs (≤ 3,000 bytes)", 1.0, *slowest))
    with tempfile.TemporaryDirectory(prefix="kesu-guards-") as tmp:
        fifo = Path(tmp) / "pipe.yaml"
        os.mkfifo(fifo)
        for name, path in (("a FIFO", fifo), ("/dev/zero", Path("/dev/zero"))):
            wall, cpu = best_of(partial(load_yaml_file, path), repeat)
            rows.append(Row(f"refuse {name}", 1.0, wall, cpu))
    return rows


def index_row(repeat: int) -> Row:
    index = RecurrenceIndex([("problem_key",)], TZ)
    start = datetime(2024, 1, 1, tzinfo=TZ)
    for i in range(20_000):
        r = Record(f"KS-2024-{i:06d}", "r.yaml", {"problem_key": "K"})
        index.add(r, start + timedelta(minutes=30 * i), "3", index.values(r))
    now = start + timedelta(minutes=30 * 20_000)
    rule = Recurrence(("problem_key",), Window(days=30), 2, ("3",))
    me = Record("KS-2026-9999", "r.yaml", {"problem_key": "K"})

    def lookups() -> None:
        for _ in range(1000):
            index.lookup(now, None, index.values(me))(rule)

    return Row(
        "1,000 recurrence look-ups among 20,000 records of one key", 0.5, *best_of(lookups, repeat)
    )


def compute_timing(n: int, repeat: int) -> tuple[float, float]:
    """``compute_all`` (the configured preset, 000) on ``n`` synthetic records, beyond loading."""
    with tempfile.TemporaryDirectory(prefix="kesu-guards-") as tmp:
        root = Path(tmp)
        synth.generate(n).write(root)
        config, _ = load_config(root)
        policy, diagnostics = load_policy(config)
        if policy is None:
            raise SystemExit("\n".join(f"{d.file}: {d.message_en}" for d in diagnostics))
        records = [
            r for r in validate_repository(validate_settings(config)).records.records if r.valid
        ]
        calendar = make_calendar(config)
        as_of = synth.AS_OF.replace(tzinfo=config.tz)
        return best_of(partial(compute_all, records, policy, calendar, as_of), repeat)


def compute_rows(repeat: int, small: int = 1000, large: int = 10_000) -> list[Row]:
    """``compute_all`` at ``large`` records (6 s at 10,000, scaled linearly) and its growth
    from ``small`` (30 times the time for 10 times the records, scaled by the ratio)."""
    (small_wall, small_cpu), (wall, cpu) = (compute_timing(n, repeat) for n in (small, large))
    return [
        Row(f"compute_all, {large:,} records", 6.0 * large / 10_000, wall, cpu),
        Row(
            f"compute_all, {large:,} against {small:,} records (× the {small:,} time)",
            3.0 * large / small,
            wall / small_wall,
            cpu / small_cpu,
        ),
    ]


def validate_row(repeat: int) -> Row:
    env = {**os.environ, "KESU_CACHE": "0"}
    with tempfile.TemporaryDirectory(prefix="kesu-guards-") as tmp:
        repo = Path(tmp) / "repo"
        hostile.write(repo, GOOD.read_text(encoding="utf-8"))
        walls, cpus = [], []
        for _ in range(repeat):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            wall = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, "-m", "generator", "-C", str(repo), "validate"],
                capture_output=True,
                env=env,
                cwd=tmp,
                stdin=subprocess.DEVNULL,
                timeout=600,
                check=False,
            )
            walls.append(time.perf_counter() - wall)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
            if proc.returncode != 1:
                raise SystemExit(f"kesu validate exited {proc.returncode}, not 1")
    return Row(
        "kesu validate on the hostile records folder (a process)", 30.0, min(walls), min(cpus)
    )


def measure(repeat: int, sizes: tuple[int, int] = (1000, 10_000)) -> str:
    rows = [
        *loader_rows(repeat),
        index_row(repeat),
        *compute_rows(repeat, *sizes),
        validate_row(repeat),
    ]
    lines = [
        f"best of {repeat}",
        "",
        "| measure | limit | wall | CPU | |",
        "|---|---:|---:|---:|---|",
    ]
    for r in rows:
        unit = "×" if r.measure.endswith("time)") else " s"
        lines.append(
            f"| {r.measure} | {r.limit:g}{unit} | {r.wall:.4f}{unit} | "
            f"{r.cpu:.4f}{unit} | {r.verdict()} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.guards",
        description="Time the YAML loader's guards, the recurrence index, compute_all's "
        "growth and kesu validate on hostile files, against the limits the tests used to "
        "assert.",
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per measure (default 5)")
    parser.add_argument(
        "--sizes",
        default="1000,10000",
        help="compute_all's two sizes, SMALL,LARGE synthetic records (default 1000,10000)",
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    try:
        small, large = (int(n) for n in args.sizes.split(","))
    except ValueError:
        parser.error("--sizes: two whole numbers, SMALL,LARGE")
    if not 0 < small < large:
        parser.error("--sizes: 0 < SMALL < LARGE")
    print(measure(args.repeat, (small, large)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
