"""The customer reports' share of ``kesu build`` at N records, against a bare WeasyPrint floor.

    python -m bench.reports --n 1000                  # every report laid out, as CI's cold build
    python -m bench.reports --n 1000 --sample 100     # lay out 100 PDFs, extrapolate the rest
    python -m bench.reports --n 200 --src /tmp/old    # another copy of the generator (before/after)

For N synthetic records (``bench.synth``, one Git commit) it runs, each in a fresh process with
``KESU_CACHE=0`` (nothing from a local store, as CI's publishing jobs):

1. **cold**: load, validate, compute (not counted in the report step), then the report step of
   ``kesu build``: ``report.site.plan`` (each report's content, HTML, key; the Excel files) and
   ``Pending(...).files()`` (every PDF laid out by the worker processes), then ``write``;
2. **one change**: one record with a report gets a new description in a second commit, and the
   step runs again with ``--reports-from`` the cold run's output (the trusted earlier build:
   what CI's main workflow passes): only that record's PDF is laid out (with ``--sample``, the
   PDFs outside the sample are not in the earlier output and are left out here too: the plan
   still covers every record);
3. **the floor**, same run: one trivial WeasyPrint document per PDF of step 1 (a line of
   Chinese in Noto Sans CJK SC, A4, the font embedded), laid out by as many worker processes.
   It is what any per-record PDF costs with this library here (start-up, Pango, the font
   subset, the PDF writer) before the report's own content.

CPU is user + system of the process and its reaped children (the workers); wall is elapsed.
The machine is shared: quote CPU, take wall as a rough guide. Results go to
``bench/out/reports-N.json``; docs/performance.md ("customer reports") has the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.run import PROJECT, git, machine, machine_line, make_repo

OUT = PROJECT / "bench" / "out"

DRIVER = r"""
import io, json, os, resource, sys, time
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

root, out, sample, prev = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
only = set(json.loads(sys.argv[5])) if len(sys.argv) > 5 else None

def cpu():
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime

from generator.config.settings import load_config
from generator.report import site as rs
from generator.site.build import compute_site

w0, c0 = time.monotonic(), cpu()
config, _ = load_config(root)
as_of = datetime(2026, 12, 31, 18, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
site = compute_site(config, as_of, "zh", strict=False, out=io.StringIO())
w1, c1 = time.monotonic(), cpu()
extra = []
if prev:
    from generator.report import previous
    extra.append(previous.load(Path(prev)))
plan = rs.plan(config, site.rows, site.history, site.policy.roles, *extra)
todo = [j for j in plan.jobs if j.data is None]
reports = sum(1 for j in plan.jobs if j.name.endswith(".pdf"))
keep = {j.name for j in todo[:sample]} if sample and len(todo) > sample else only
if keep is not None:
    plan = replace(plan, jobs=tuple(j for j in plan.jobs if j.data is not None or j.name in keep))
w2, c2 = time.monotonic(), cpu()
files = rs.Pending(root, plan).files()
w3, c3 = time.monotonic(), cpu()
rs.write(out, files)
w4, c4 = time.monotonic(), cpu()
print(json.dumps({
    "records": len(site.rows), "reports": reports,
    "pdfs_to_lay_out": len(todo), "pdfs_laid_out": len([j for j in plan.jobs if j.data is None]),
    "compute": [w1 - w0, c1 - c0], "plan": [w2 - w1, c2 - c1], "lay_out": [w3 - w2, c3 - c2],
    "write": [w4 - w3, c4 - c3],
    "laid_out": sorted(j.name for j in plan.jobs if j.data is None),
}))
"""

FLOOR = r"""
import json, os, resource, sys, time
from concurrent.futures import ProcessPoolExecutor

n, workers = int(sys.argv[1]), int(sys.argv[2])

def cpu():
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime

w0, c0 = time.monotonic(), cpu()
import weasyprint  # imported before the fork, as kesu build does (report.pdf.check_font)

CSS = "@page { size: A4 } html { font-family: 'Noto Sans CJK SC'; font-size: 9.5pt }"

def one(i):
    html = f"<html lang='zh-CN'><body><p>KS-{i:05d} 客户投诉 8D 报告</p></body></html>"
    pdf = weasyprint.HTML(string=html).write_pdf(stylesheets=[weasyprint.CSS(string=CSS)])
    return len(pdf)

with ProcessPoolExecutor(max_workers=workers) as pool:
    sizes = list(pool.map(one, range(n), chunksize=4))
w1, c1 = time.monotonic(), cpu()
print(json.dumps({"floor": [w1 - w0, c1 - c0], "n": n, "bytes": sum(sizes)}))
"""


def run_child(code: str, args: list[str], src: Path, cwd: Path) -> dict[str, Any]:
    env = {**os.environ, "KESU_CACHE": "0", "PYTHONPATH": str(src)}
    env.pop("KESU_REPORT_CACHE_DIR", None)
    proc = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"bench.reports: step failed\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def change_reported(repo: Path, among: list[str]) -> str:
    """A closed record whose PDF was laid out gets a new description, in a second commit."""
    for name in among:
        path = repo / "records" / name.replace(".pdf", ".yaml")
        text = path.read_text(encoding="utf-8")
        if "\nstatus: closed" in text and "\ndescription:" in text:
            lines = text.splitlines(keepends=True)
            at = next(i for i, line in enumerate(lines) if line.startswith("description:"))
            lines[at] = "description: 客户复核后更正的问题描述（基准测试改动）。\n"
            path.write_text("".join(lines), encoding="utf-8")
            git(repo, "commit", "-q", "-am", f"{path.stem}: description")
            return path.stem
    raise SystemExit("bench.reports: no closed record with a description to change")


def per(step: list[float], count: int) -> str:
    return f"{step[1] / count:.3f} s CPU" if count else "-"


def table(
    n: int,
    cold: dict[str, Any],
    floor: dict[str, Any],
    again: dict[str, Any] | None,
    sample: int,
    workers: int,
) -> str:
    pdfs = cold["pdfs_laid_out"]
    total = cold["pdfs_to_lay_out"]
    lay = cold["lay_out"]
    rows = [
        "| step | PDFs laid out | wall | CPU | CPU a PDF |",
        "|---|---|---|---|---|",
        f"| compute (load, validate, compute; not the report step) | - "
        f"| {cold['compute'][0]:.1f} s | {cold['compute'][1]:.1f} s | - |",
        f"| plan: {cold['reports']} reports' HTML and keys, the Excel files | - "
        f"| {cold['plan'][0]:.1f} s | {cold['plan'][1]:.1f} s | - |",
        f"| lay out (cold, KESU_CACHE=0) | {pdfs} | {lay[0]:.1f} s | {lay[1]:.1f} s "
        f"| {per(lay, pdfs)} |",
        f"| floor: one trivial WeasyPrint PDF each | {floor['n']} | {floor['floor'][0]:.1f} s "
        f"| {floor['floor'][1]:.1f} s | {per(floor['floor'], floor['n'])} |",
    ]
    if again is not None:
        step = [again["plan"][i] + again["lay_out"][i] for i in (0, 1)]
        rows.append(
            f"| one record changed, --reports-from the cold output: plan + lay out "
            f"| {again['pdfs_laid_out']} | {step[0]:.1f} s | {step[1]:.1f} s | - |"
        )
    head = f"N = {n} records, {cold['reports']} with a report, {workers} worker processes."
    if sample and total > pdfs:
        est = lay[1] / pdfs * total
        head += (
            f" Sampled: {pdfs} of {total} PDFs laid out; all {total} would take about "
            f"{est:.0f} s CPU at the measured rate (extrapolated, not measured)."
        )
    return head + "\n\n" + "\n".join(rows) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.reports", description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=1000, help="records (default 1000)")
    p.add_argument("--sample", type=int, default=0, help="lay out only this many PDFs (0: all)")
    p.add_argument("--src", type=Path, default=PROJECT, help="the generator copy to measure")
    p.add_argument("--seed", type=int, default=20260101)
    p.add_argument("--no-change", action="store_true", help="skip the --reports-from step")
    args = p.parse_args(argv)
    workers = int(os.environ.get("KESU_REPORT_WORKERS") or min(os.cpu_count() or 1, 4))
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kesu-bench-reports-") as tmp:
        repo, site = Path(tmp) / "repo", Path(tmp) / "site"
        make_repo(repo, args.n, args.seed)
        src = args.src.resolve()
        cold = run_child(DRIVER, [str(repo), str(site), str(args.sample), ""], src, repo)
        count = max(1, cold["pdfs_laid_out"])
        floor = run_child(FLOOR, [str(count), str(workers)], src, repo)
        again = None
        has_previous = (src / "generator" / "report" / "previous.py").is_file()
        if not args.no_change and has_previous:
            change_reported(repo, cold["laid_out"])
            sampled = json.dumps(cold["laid_out"])
            again = run_child(
                DRIVER, [str(repo), str(Path(tmp) / "site2"), "0", str(site), sampled], src, repo
            )
    text = table(args.n, cold, floor, again, args.sample, workers)
    m = machine()
    print(machine_line(m) + f" Generator measured: {src}.\n\n" + text)
    result = {"machine": m, "src": str(src), "workers": workers, "cold": cold, "floor": floor}
    (OUT / f"reports-{args.n}.json").write_text(
        json.dumps({**result, "again": again}, indent=1) + "\n", encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
