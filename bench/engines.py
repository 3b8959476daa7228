"""Both site engines against a BARE floor, in one run (issue 15).

    python -m bench.engines --sizes 1000,10000

For every size N a synthetic record set (``bench.synth``) goes into a fresh Git repository
with this project's ``mkdocs.yml`` and ``site/``, and, for MkDocs and for Zensical:

- ``kesu build --engine E`` from a clean tree (wall, CPU, peak memory; the Kesu part is the
  time until the engine's process starts);
- the **bare floor** of the same engine: the stock Material theme with ``search`` and
  ``tables``, the navigation limited to the index, and as many plain Markdown pages at the
  same paths as Kesu's site has, each as long as the text a reader sees on Kesu's page. No
  Kesu overrides, no hooks, no ``offline``, no ``exclude_docs`` (``bare_config``): what the
  engine itself costs for a site of that size.

Results go to ``bench/out/engines.json`` and the Markdown table to stdout; the figures and the
machine's load are in docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

from bench import run as base
from bench.run import AS_OF, OUT, Measure, make_repo, measure

ENGINES = ("mkdocs", "zensical")


def bare_config(lang: str = "zh") -> str:
    """The floor's configuration: stock Material, search, tables, the index in the nav."""
    return (
        "site_name: floor\n"
        "docs_dir: site\n"
        "site_dir: public\n"
        "use_directory_urls: false\n"
        "theme:\n  name: material\n"
        f"  language: {lang}\n"
        "plugins:\n  - search\n"
        "markdown_extensions:\n  - tables\n"
        "nav:\n  - index.md\n"
    )


def make_floor(repo: Path, floor: Path) -> int:
    """Plain pages at the paths of every page of Kesu's site, as long as their visible text."""
    floor.mkdir(parents=True)
    (floor / "mkdocs.yml").write_text(bare_config(), encoding="utf-8")
    docs = repo / "site"
    pages = 0
    for path in sorted(docs.rglob("*.md")):
        rel = path.relative_to(docs)
        if rel.parts[0] in ("overrides", "hooks") or rel.name.startswith("_"):
            continue
        size = len(base.visible_text(path.read_text(encoding="utf-8")).encode())
        dst = floor / "site" / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_text(base._plain(size, pages), encoding="utf-8")
        pages += 1
    return pages


def floor_cmd(engine: str, floor: Path) -> list[str]:
    cfg = str(floor / "mkdocs.yml")
    if engine == "zensical":
        return [sys.executable, "-m", "zensical", "build", "--clean", "-f", cfg]
    return [sys.executable, "-m", "mkdocs", "build", "--quiet", "-f", cfg]


def run_size(n: int, work: Path, seed: int, timeout: float) -> dict[str, object]:
    repo = work / f"repo-{n}"
    make_repo(repo, n, seed)
    env = dict(os.environ, SOURCE_DATE_EPOCH="1798700000", NO_MKDOCS_2_WARNING="1")
    env.pop("KESU_CACHE_DIR", None)
    logs = work / f"logs-{n}"
    logs.mkdir()
    steps: dict[str, Measure] = {}

    def step(name: str, cmd: list[str], cwd: Path) -> None:
        m = measure(cmd, cwd, env, timeout, logs / f"{name}.log")
        steps[name] = m
        kesu = f" (Kesu part {m.split:.1f} s)" if m.split is not None else ""
        flag = " TIMEOUT" if m.timed_out else (f" rc={m.rc}" if m.rc else "")
        print(f"  N={n:>6} {name:<16} {m.wall:8.2f} s {m.tree_mb:6.0f} MB{kesu}{flag}", flush=True)

    kesu = [sys.executable, "-m", "generator", "-C", str(repo)]
    pages = 0
    for engine in ENGINES:
        out = repo / f"public-{engine}"
        step(
            f"build_{engine}",
            [*kesu, "build", "--engine", engine, "--as-of", AS_OF, "--out", str(out)],
            repo,
        )
        if not pages:
            floor = work / f"floor-{n}"
            pages = make_floor(repo, floor)
        step(f"floor_{engine}", floor_cmd(engine, floor), floor)
        shutil.rmtree(floor / "public", ignore_errors=True)
        shutil.rmtree(floor / "site-out", ignore_errors=True)
    return {"n": n, "pages": pages, "steps": {k: asdict(v) for k, v in steps.items()}}


def table(results: list[dict[str, object]]) -> str:
    lines = [
        "| N | pages | engine | `kesu build` | Kesu part | engine part | bare floor | "
        "build ÷ floor | peak memory (build) |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        steps = r["steps"]
        assert isinstance(steps, dict)
        for engine in ENGINES:
            b, f = steps[f"build_{engine}"], steps[f"floor_{engine}"]
            split = b["split"] or 0.0
            lines.append(
                f"| {r['n']:,} | {r['pages']:,} | {engine} | {b['wall']:.1f} s | {split:.1f} s | "
                f"{b['wall'] - split:.1f} s | {f['wall']:.1f} s | {b['wall'] / f['wall']:.2f}× | "
                f"{b['tree_mb']:.0f} MB |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.engines", description=__doc__)
    p.add_argument("--sizes", default="1000", help="comma-separated record counts")
    p.add_argument("--seed", type=int, default=20260101)
    p.add_argument("--timeout", type=float, default=3600)
    args = p.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory(prefix="kesu-engines-") as tmp:
        for n in (int(x) for x in args.sizes.split(",")):
            results.append(run_size(n, Path(tmp), args.seed, args.timeout))
            shutil.rmtree(Path(tmp) / f"repo-{n}", ignore_errors=True)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "engines.json").write_text(
        json.dumps({"machine": base.machine(), "results": results}, indent=1), encoding="utf-8"
    )
    print(base.machine_line(base.machine()))
    print(table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
