"""The scale benchmark (issue 6): Kesu's commands against a bare MkDocs Material floor.

    python -m bench.run --sizes 10,100,1000,10000            # the documented command
    python -m bench.run --sizes 10,100 --write-docs           # also refresh docs/performance.md

For every size N it writes a synthetic record set (``bench.synth``) into a fresh Git
repository in a temporary folder, next to this project's ``mkdocs.yml`` and ``site/``, and
times each command as a whole process (wall clock, CPU, the kernel's peak RSS of the largest
process from ``os.wait4``, and the peak summed RSS of the process tree sampled from ``/proc``):

- ``kesu validate`` twice: cold (no ``.kesu-cache/``) and warm;
- ``kesu export -o …``;
- ``kesu build`` from a clean tree (the Kesu part and the MkDocs part are split at the moment
  the MkDocs child process starts);
- the **floor**, in the same run: a bare ``mkdocs build`` with the same ``mkdocs.yml`` (theme,
  plugins, extensions, nav; without Kesu's ``hooks:``), the same engine, and as many plain
  Markdown pages at the same paths, each as long as the text a reader sees on Kesu's page
  (``--floor-match bytes``: as long as its source), but none of Kesu's generated content;
- a one-record change committed on a branch, then ``kesu check --base main`` and a rebuild
  (how many generated files the rebuild rewrote is recorded too);
- another record changed in a second commit and ``kesu build --incremental`` from the
  finished rebuild: MkDocs re-renders only the pages whose Markdown changed.

Results go to ``bench/out/`` (git-ignored) as JSON and as the Markdown table; ``--write-docs``
replaces the table between the markers in ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import math
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench import synth

PROJECT = Path(__file__).resolve().parent.parent
OUT = PROJECT / "bench" / "out"
DOCS = PROJECT / "docs" / "performance.md"
BEGIN, END = "<!-- bench:table:begin -->", "<!-- bench:table:end -->"
AS_OF = synth.AS_OF.strftime("%Y-%m-%d %H:%M")
PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(slots=True)
class Measure:
    """One process tree's cost."""

    wall: float
    cpu: float
    rss_mb: float
    """Peak resident set of the largest single process (kernel accounting, like time -v)."""
    tree_mb: float
    """Peak of the summed resident sets of the whole process tree (sampled every 50 ms)."""
    rc: int
    split: float | None = None
    """Seconds until a MkDocs child process started (kesu build: the Kesu part)."""
    timed_out: bool = False


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            kids = [int(x) for x in fh.read().split()]
    except OSError:
        return []
    out = list(kids)
    for k in kids:
        out += _children(k)
    return out


def _is_engine(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            args = fh.read().split(b"\0")
        # The engine's own process (``python -m mkdocs …``), not a forked Kesu child whose
        # command line only names an engine (``kesu build --engine mkdocs``).
        return any(
            a == b"-m" and b in (b"mkdocs", b"zensical") for a, b in itertools.pairwise(args)
        )
    except OSError:
        return False


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def measure(
    cmd: list[str], cwd: Path, env: dict[str, str], timeout: float, log: Path | None = None
) -> Measure:
    """Run ``cmd`` to the end; wall, CPU and memory of it and everything it starts."""
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )
    peak = 0
    split: list[float] = []
    done = threading.Event()
    timed_out = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            kids = _children(proc.pid)
            if not split and any(_is_engine(k) for k in kids):
                split.append(time.perf_counter() - start)
            peak = max(peak, _rss(proc.pid) + sum(_rss(k) for k in kids))
            if time.perf_counter() - start > timeout and not timed_out.is_set():
                timed_out.set()
                os.killpg(proc.pid, signal.SIGKILL)
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if log:
        out.close()  # type: ignore[union-attr]
    return Measure(
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        rss_mb=usage.ru_maxrss / 1024,
        tree_mb=max(peak / 2**20, usage.ru_maxrss / 1024),
        rc=proc.returncode,
        split=split[0] if split else None,
        timed_out=timed_out.is_set(),
    )


# ---------------------------------------------------------------- repositories


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        [
            "git",
            "-c",
            "user.name=bench",
            "-c",
            "user.email=bench@example.invalid",
            "-c",
            "commit.gpgsign=false",
            *args,
        ],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def scaffold(repo: Path) -> None:
    """The project's site configuration and hand-written pages, without generated output."""
    shutil.copy2(PROJECT / "mkdocs.yml", repo / "mkdocs.yml")
    shutil.copytree(
        PROJECT / "site",
        repo / "site",
        ignore=lambda d, names: ["generated", "index.md"] if Path(d) == PROJECT / "site" else [],
    )
    for name in ("kesu.yaml",):
        if (PROJECT / name).is_file():
            shutil.copy2(PROJECT / name, repo / name)
    (repo / ".gitignore").write_text(
        "site/generated/\nsite/index.md\npublic/\n.kesu-cache/\n.cache/\n.kesu-engine-*\n",
        encoding="utf-8",
    )


def make_repo(repo: Path, n: int, seed: int) -> synth.SynthSet:
    repo.mkdir(parents=True)
    scaffold(repo)
    data = synth.generate(n, seed)
    data.write(repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"{n} synthetic records")
    return data


def change_one(repo: Path, data: synth.SynthSet, *, second: bool = False) -> str:
    """Commit a typical pull request on a branch: one open record gains a note.

    ``second`` changes another open record, as the next commit on the same branch.
    """
    ids = [Path(i).stem for i in (data.open_ids or list(data.records))]
    ids += [Path(i).stem for i in data.records if Path(i).stem not in ids]
    start = len(data.open_ids or data.records) // 2 + (1 if second else 0)
    for rid in ids[start:] + ids[:start]:  # the first without notes yet
        path = repo / "records" / f"{rid}.yaml"
        text = path.read_text(encoding="utf-8")
        if "\nnotes:" not in text:
            break
    text += "notes: 客户 12 月 30 日电话确认已收到临时措施报告，要求 1 月 10 日前提交长期措施。\n"
    path.write_text(text, encoding="utf-8")
    if not second:
        git(repo, "checkout", "-q", "-b", "change")
    git(repo, "commit", "-q", "-am", f"{rid}: note")
    return rid


# ---------------------------------------------------------------- the floor


def _plain(size: int, seed: int) -> str:
    """Plain Markdown of about ``size`` bytes: a heading, paragraphs, a list and a table."""
    import random

    rng = random.Random(seed)
    parts = [f"# 页面 {seed}\n\n"]
    total = len(parts[0].encode())
    k = 0
    while total < size:
        k += 1
        if k % 6 == 0:
            chunk = (
                "| 项目 | 数量 | 说明 |\n|---|---|---|\n"
                + "".join(
                    f"| {rng.choice(synth._SYMPTOM)} | {rng.randint(1, 999)} | "
                    f"{rng.choice(synth._FOUND_AT)} |\n"
                    for _ in range(4)
                )
                + "\n"
            )
        elif k % 4 == 0:
            chunk = "".join(f"- {rng.choice(synth._ACTION)}\n" for _ in range(3)) + "\n"
        elif k % 9 == 0:
            chunk = f"## 第 {k} 节\n\n"
        else:
            chunk = synth._sentence(rng, synth._CAUSE, 3) + rng.choice(synth._SYMPTOM) + "。\n\n"
        parts.append(chunk)
        total += len(chunk.encode())
    return "".join(parts)


_TAG = re.compile(r"<[^>]*>")
_FRONT = re.compile(r"\A---\n.*?\n---\n", re.S)


def visible_text(markdown: str) -> str:
    """A page's text without front matter, HTML tags and table pipes: what a reader sees."""
    text = _TAG.sub("", _FRONT.sub("", markdown, count=1))
    return re.sub(r"[ \t]*\|[ \t|:-]*", " ", text)


def bare_config(text: str) -> str:
    """``mkdocs.yml`` without its ``hooks:`` list: Kesu's hooks are Kesu's, not the engine's."""
    out: list[str] = []
    in_hooks = False
    for line in text.splitlines(keepends=True):
        if line.startswith("hooks:"):
            in_hooks = True
            continue
        if in_hooks and (not line.strip() or line.startswith((" ", "-"))):
            continue
        in_hooks = False
        out.append(line)
    bare = "".join(out)
    if re.search(r"^hooks\s*:", bare, re.M):
        raise SystemExit("bench: could not remove hooks: from mkdocs.yml for the floor")
    return bare


def make_floor(repo: Path, floor: Path, match: str = "text") -> tuple[int, int]:
    """Plain pages at the paths of every Markdown page Kesu's site has, of similar size.

    ``match="text"`` (the default) sizes each plain page like the text a reader sees on
    Kesu's page; ``"bytes"`` like its whole source, markup included (a heavier floor: Kesu's
    pages are mostly HTML tables, plain pages are all text to parse and index). The floor's
    ``mkdocs.yml`` is the project's without ``hooks:`` (``bare_config``): a bare MkDocs
    Material build.
    """
    floor.mkdir(parents=True)
    (floor / "mkdocs.yml").write_text(
        bare_config((repo / "mkdocs.yml").read_text(encoding="utf-8")), encoding="utf-8"
    )
    docs = repo / "site"
    pages = sizes = 0
    for path in sorted(docs.rglob("*")):
        rel = path.relative_to(docs)
        dst = floor / "site" / rel
        if rel.parts[0] in ("assets", "overrides"):
            if path.is_file():
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, dst)
            continue
        if path.is_file() and path.suffix == ".md":
            size = path.stat().st_size
            if match == "text":
                size = len(visible_text(path.read_text(encoding="utf-8")).encode())
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_text(_plain(size, pages), encoding="utf-8")
            pages += 1
            sizes += size
    return pages, sizes


# ---------------------------------------------------------------- one size


@dataclass(slots=True)
class SizeResult:
    n: int
    pages: int = 0
    md_bytes: int = 0
    record_bytes: int = 0
    steps: dict[str, Measure] = field(default_factory=dict)
    written_on_rebuild: int | None = None


def kesu_runner(src: Path) -> list[str]:
    """The CLI under test, run from ``src`` (``PYTHONPATH`` points there)."""
    del src
    return [sys.executable, "-m", "generator"]


def run_size(n: int, work: Path, args: argparse.Namespace, kesu: list[str]) -> SizeResult:
    res = SizeResult(n)
    repo = work / f"repo-{n}"
    data = make_repo(repo, n, args.seed)
    res.record_bytes = sum(len(t.encode()) for t in data.records.values())
    env = dict(
        os.environ,
        PYTHONPATH=str(args.src),
        SOURCE_DATE_EPOCH="1798700000",
        NO_MKDOCS_2_WARNING="1",
        KESU_LANG="zh",
    )
    env.pop("KESU_CACHE_DIR", None)  # the cold run starts from the bench repository's own cache
    logs = work / f"logs-{n}"
    logs.mkdir()

    def step(name: str, cmd: list[str], cwd: Path = repo) -> Measure:
        m = measure(cmd, cwd, env, args.timeout, logs / f"{name}.log")
        res.steps[name] = m
        flag = " TIMEOUT" if m.timed_out else (f" rc={m.rc}" if m.rc else "")
        print(f"  N={n:>6} {name:<16} {m.wall:8.2f} s  {m.rss_mb:7.0f} MB{flag}", flush=True)
        return m

    k = [*kesu, "-C", str(repo)]
    step("validate", [*k, "validate"])
    step("validate_warm", [*k, "validate"])
    step("export", [*k, "export", "--as-of", AS_OF, "-o", str(work / f"export-{n}.json")])
    step("build", [*k, "build", "--as-of", AS_OF, "--out", str(repo / "public")])
    floor = work / f"floor-{n}"
    res.pages, res.md_bytes = make_floor(repo, floor, args.floor_match)
    step(
        "floor",
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--quiet",
            "-f",
            str(floor / "mkdocs.yml"),
            "-d",
            str(floor / "public"),
        ],
        floor,
    )
    before = {
        p: p.stat().st_mtime_ns for p in (repo / "site" / "generated").rglob("*") if p.is_file()
    }
    change_one(repo, data)
    step("check", [*k, "check", "--base", "main", "--as-of", AS_OF])
    step("rebuild", [*k, "build", "--as-of", AS_OF, "--out", str(repo / "public")])
    after = {
        p: p.stat().st_mtime_ns for p in (repo / "site" / "generated").rglob("*") if p.is_file()
    }
    res.written_on_rebuild = sum(1 for p, t in after.items() if before.get(p) != t)
    # The same kind of change again, built incrementally from the finished build above:
    # MkDocs re-renders only the pages whose Markdown changed (kesu build --incremental).
    change_one(repo, data, second=True)
    step(
        "rebuild_incremental",
        [*k, "build", "--incremental", "--as-of", AS_OF, "--out", str(repo / "public")],
    )
    if not args.keep:
        shutil.rmtree(repo, ignore_errors=True)
        shutil.rmtree(floor, ignore_errors=True)
    return res


# ---------------------------------------------------------------- reporting


def slope(a: SizeResult, b: SizeResult, name: str) -> float | None:
    ma, mb = a.steps.get(name), b.steps.get(name)
    if not ma or not mb or ma.wall <= 0 or mb.wall <= 0 or a.n == b.n:
        return None
    return math.log(mb.wall / ma.wall) / math.log(b.n / a.n)


COLUMNS = [
    ("validate", "validate"),
    ("validate_warm", "validate (warm cache)"),
    ("check", "check (1 change)"),
    ("export", "export"),
    ("build", "build"),
    ("rebuild", "rebuild (1 change)"),
    ("floor", "floor (bare MkDocs)"),
    ("rebuild_incremental", "rebuild --incremental (1 change)"),
]


def _fmt_s(m: Measure | None) -> str:
    if m is None:
        return "–"
    if m.timed_out:
        return f"> {m.wall:.0f} s (timeout)"
    return f"{m.wall:.2f} s" + ("" if m.rc == 0 else f" (exit {m.rc})")


def table(results: list[SizeResult]) -> str:
    lines = [
        "| N | pages | "
        + " | ".join(c for _, c in COLUMNS)
        + " | build / floor | rebuild / floor | Kesu part of build / rebuild"
        + " | peak RSS (kesu) | peak tree RSS (kesu) | peak RSS (floor) |",
        "|" + "---|" * (len(COLUMNS) + 8),
    ]
    for r in results:
        b, f, rb = r.steps.get("build"), r.steps.get("floor"), r.steps.get("rebuild")
        ratio = f"{b.wall / f.wall:.2f}×" if b and f and f.wall else "–"
        rratio = f"{rb.wall / f.wall:.2f}×" if rb and f and f.wall else "–"
        own = f"{b.split:.1f} s" if b and b.split else "–"
        if rb and rb.split:
            own += f" / {rb.split:.1f} s"
        kesu_steps = [m for name, m in r.steps.items() if name != "floor"]
        rss = max((m.rss_mb for m in kesu_steps), default=0)
        tree = max((m.tree_mb for m in kesu_steps), default=0)
        floor_rss = f.rss_mb if f else 0
        lines.append(
            f"| {r.n:,} | {r.pages:,} | "
            + " | ".join(_fmt_s(r.steps.get(k)) for k, _ in COLUMNS)
            + f" | {ratio} | {rratio} | {own} | {rss:.0f} MB | {tree:.0f} MB | {floor_rss:.0f} MB |"
        )
    if len(results) > 1:
        lines += [
            "",
            "Growth exponent per step (log-log slope of wall time between sizes; 1.0 is linear):",
            "",
            "| step | "
            + " | ".join(f"{lo.n:,}→{hi.n:,}" for lo, hi in itertools.pairwise(results))
            + " |",
            "|---|" + "---|" * (len(results) - 1),
        ]
        for key, title in COLUMNS:
            cells = []
            for lo, hi in itertools.pairwise(results):
                s = slope(lo, hi, key)
                cells.append("–" if s is None else f"{s:.2f}")
            lines.append(f"| {title} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def machine() -> dict[str, str]:
    def sh(cmd: str) -> str:
        return subprocess.run(
            cmd, shell=True, capture_output=True, text=True, check=False
        ).stdout.strip()

    cpu = ""
    with contextlib.suppress(OSError):
        cpu = next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            "",
        )
    from importlib.metadata import version

    return {
        "nproc": sh("nproc"),
        "memory": sh("free -h | awk '/^Mem:/ {print $2}'"),
        "cpu": cpu,
        "python": platform.python_version(),
        "mkdocs": version("mkdocs"),
        "mkdocs-material": version("mkdocs-material"),
        "os": platform.platform(),
        "commit": sh(f"git -C {PROJECT} rev-parse --short HEAD"),
    }


def machine_line(m: dict[str, str]) -> str:
    return (
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory']} RAM, Python {m['python']}, "
        f"mkdocs {m['mkdocs']}, mkdocs-material {m['mkdocs-material']}; "
        f"project at {m['commit']} plus the working tree."
    )


def write_docs(md: str) -> None:
    text = DOCS.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{DOCS}: markers {BEGIN} / {END} not found")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    DOCS.write_text(f"{head}{BEGIN}\n{md}{END}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    p.add_argument(
        "--sizes",
        default="10,100,1000,10000",
        help="record counts, comma-separated (default: 10,100,1000,10000)",
    )
    p.add_argument("--seed", type=int, default=20260101, help="synthetic data seed")
    p.add_argument(
        "--timeout",
        type=float,
        default=1800.0,
        help="seconds after which one step is killed and reported as a timeout",
    )
    p.add_argument("--out", type=Path, default=OUT, help="results folder (default: bench/out)")
    p.add_argument(
        "--floor-match",
        choices=["text", "bytes"],
        default="text",
        help="size each floor page like the text of Kesu's page (default) or its whole source",
    )
    p.add_argument(
        "--src",
        type=Path,
        default=PROJECT,
        help="folder holding the generator package to measure (default: this checkout), "
        "e.g. a copy with patches applied",
    )
    p.add_argument(
        "--keep", action="store_true", help="keep the repositories and logs in OUT/work/"
    )
    p.add_argument(
        "--write-docs",
        action="store_true",
        help="replace the table in docs/performance.md with this run's",
    )
    args = p.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    args.src = args.src.resolve()
    kesu = kesu_runner(args.src)
    info = machine()
    print(machine_line(info), flush=True)
    results: list[SizeResult] = []
    with tempfile.TemporaryDirectory(prefix="kesu-bench-") as tmp:
        work = Path(tmp)
        if args.keep:
            work = args.out / "work"
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir(parents=True)
        for n in sizes:
            results.append(run_size(n, work, args, kesu))
    md = machine_line(info) + "\n\n" + table(results)
    print("\n" + md)
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    doc = {
        "src": str(args.src),
        "machine": info,
        "runner": kesu,
        "as_of": AS_OF,
        "results": [
            {**asdict(r), "steps": {k: asdict(v) for k, v in r.steps.items()}} for r in results
        ],
    }
    (args.out / f"results-{stamp}.json").write_text(json.dumps(doc, indent=2), encoding="utf-8")
    (args.out / "results.md").write_text(md, encoding="utf-8")
    if args.write_docs:
        write_docs(md)
    failed = [f"N={r.n} {k}" for r in results for k, m in r.steps.items() if m.rc or m.timed_out]
    if failed:
        print("steps that failed or timed out: " + ", ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
