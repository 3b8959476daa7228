"""Where Kesu's own part of ``kesu build`` spends its time, step by step (issue 15).

    python -m bench.profile_build 10000          # a synthetic repository of N records
    python -m bench.profile_build --repo DIR     # an existing repository

Runs the steps ``kesu build`` runs before the site engine, in this process and in the same
order (load, validate and compute; the Git history and late entries; every page module of
``generator.render``; the reproducible zip fix; writing ``site/generated/``), with a wall clock
around each, then the engine (MkDocs and Zensical, full builds with the hooks ``mkdocs.yml``
lists). Prints a Markdown table for docs/performance.md. The cache is cold (a fresh
``KESU_CACHE_DIR``) unless ``--warm``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from bench.run import AS_OF, make_repo

if TYPE_CHECKING:
    from generator.render.pages import Page


class Clock:
    """Wall and CPU seconds per step (CPU of this process: the engines run as children, so
    their CPU is read from ``os.times`` of the children)."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, float, float]] = []
        self.start()

    def start(self) -> None:
        """Begin the next step now."""
        t = os.times()
        self._wall = time.perf_counter()
        self._cpu = t.user + t.system + t.children_user + t.children_system

    def add(self, name: str) -> None:
        t = os.times()
        cpu = t.user + t.system + t.children_user + t.children_system
        self.rows.append((name, time.perf_counter() - self._wall, cpu - self._cpu))
        self.start()

    def table(self) -> str:
        wall = sum(r[1] for r in self.rows)
        cpu = sum(r[2] for r in self.rows)
        lines = ["| step | wall s | CPU s | share of CPU |", "|---|---:|---:|---:|"]
        lines += [f"| {n} | {w:.2f} | {c:.2f} | {100 * c / cpu:.0f} % |" for n, w, c in self.rows]
        lines.append(f"| **total** | **{wall:.2f}** | **{cpu:.2f}** | |")
        return "\n".join(lines)


def profile(root: Path, engines: list[str]) -> Clock:
    from datetime import datetime

    from generator.change.recorded import by_record, late_recorded
    from generator.config.calendars import missing_year
    from generator.config.settings import load_config
    from generator.load import attachments
    from generator.pipeline import analyse
    from generator.render import (
        analysis,
        dashboard,
        estimated,
        ics,
        ledger,
        policy_page,
        report8d,
        scorecards,
        weekly,
    )
    from generator.render.history import head_commit, record_histories
    from generator.render.sitedata import build_site_data
    from generator.site import homepage, reproducible
    from generator.site.build import build_paths, build_time, page_settings, write_if_changed

    clock = Clock()
    config, _ = load_config(root)
    as_of = datetime.strptime(AS_OF, "%Y-%m-%d %H:%M").replace(tzinfo=config.tz)
    clock.start()
    result = analyse(config, as_of)
    clock.add("load, validate, compute (pipeline.analyse)")
    records = [r for r in result.validation.records.records if r.valid]
    history = record_histories(config.root, config.records_dir)
    late = by_record(late_recorded(config.root, config.records_dir, records, config.tz))
    clock.add("Git history and late entries")
    calendar = result.calendar
    assert result.policy is not None
    site = build_site_data(
        page_settings(config),
        records,
        result.computed,
        policy=result.policy,
        as_of=as_of,
        built_at=build_time(config.tz, config.root),
        lang="zh",
        commit=head_commit(config.root),
        history=history,
        late=late,
        missing_year=missing_year(calendar.official, as_of) if calendar else None,
    )
    plan = attachments.plan(config.root, (row.record.data for row in site.rows))
    clock.add("site data and attachment plan")
    modules: list[tuple[str, Callable[[], Iterable[Page]]]] = [
        ("dashboard", lambda: dashboard.dashboard_pages(site)),
        ("ledger (+ xlsx, csv)", lambda: ledger.ledger_pages(site)),
        ("8D pages", lambda: report8d.record_pages(site, plan.files, plan.images)),
        ("weekly", lambda: weekly.weekly_pages(site)),
        ("analysis (+ charts)", lambda: analysis.analysis_pages(site)),
        ("scorecards", lambda: scorecards.scorecard_pages(site)),
        ("policy", lambda: policy_page.policy_pages(site)),
        ("calendar feeds (ics)", lambda: ics.calendar_pages(site)),
        ("estimated", lambda: estimated.estimated_pages(site)),
    ]
    pages: list[tuple[str, str | bytes]] = []
    clock.start()
    for name, make in modules:
        pages += [(page.path, page.content) for page in make()]
        clock.add(f"render: {name}")
    local = as_of.astimezone(config.tz)
    pages = [
        (p, reproducible.zip_at(c, local))
        if p.endswith(".xlsx") and isinstance(c, bytes)
        else (p, c)
        for p, c in pages
    ]
    clock.add("reproducible xlsx (zip dates)")
    paths = build_paths(config)
    dash = next(c for p, c in pages if p.endswith("/_home.md"))
    assert isinstance(dash, str)
    pages.append((homepage.TARGET, homepage.home_page(paths.docs_dir, dash)))
    pages.append((attachments.MANIFEST, plan.manifest))
    write_if_changed(paths.generated, pages)
    clock.add(f"write {len(pages):,} files (site/generated/)")
    for engine in engines:
        from generator.site.build import mkdocs_env
        from generator.site.engines import EngineRun, run_engine

        clock.start()
        with tempfile.TemporaryDirectory(dir=root, prefix=".kesu-engine-profile-") as out:
            proc = run_engine(EngineRun(engine, root, Path(out)), mkdocs_env(config, "zh"))
        assert proc.returncode == 0, proc.stdout + proc.stderr
        clock.add(f"engine: {engine} (whole site)")
    return clock


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.profile_build", description=__doc__)
    p.add_argument("n", type=int, nargs="?", default=1000)
    p.add_argument("--repo", type=Path, default=None)
    p.add_argument("--engines", default="mkdocs,zensical")
    p.add_argument("--warm", action="store_true")
    args = p.parse_args(argv)
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1798700000")
    with tempfile.TemporaryDirectory(prefix="kesu-profile-") as tmp:
        if not args.warm:
            os.environ["KESU_CACHE_DIR"] = str(Path(tmp) / "cache")
        root = args.repo or Path(tmp) / "repo"
        if args.repo is None:
            make_repo(root, args.n, 20260101)
        clock = profile(root, [e for e in args.engines.split(",") if e])
    print(clock.table())
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
