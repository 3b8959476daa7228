"""``kesu build``: load → validate → compute → render Markdown → run MkDocs (decision 1).

Markdown is written into ``site/generated/`` only when a file's content changed, so MkDocs'
own caching and editors watching the folder see real changes only; files no longer produced
are removed. Nothing in a page changes with the commit alone: the build stamp (commit, build
time, as-of) reaches the 8D pages through the site engine's configuration (``mkdocs_env``),
so after a one-record change only the pages that show that record are rewritten.

Loading, computing and writing the pages run in a child process (``generate_isolated``) that
ends before the site engine starts, so the memory they needed is given back to the system
instead of being held for the whole MkDocs build. The site engine then builds with
``--strict``.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import subprocess
import sys
from collections.abc import Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from generator.change.recorded import by_record, late_recorded
from generator.common.faults import shallow_note, write_atomic, writing
from generator.config.settings import RepoConfig
from generator.load import attachments
from generator.load.cache import Caches
from generator.render import render_site
from generator.render.env import Fmt
from generator.render.escape import site_name
from generator.render.history import head_commit, head_commit_time, record_histories, status_moves
from generator.render.reporters import render_text
from generator.render.sitedata import PageSettings, SiteData, build_site_data
from generator.report import site as report_site
from generator.report.pdf import ReportError
from generator.site import homepage, reproducible, steps
from generator.site.engines import ENGINES, EngineRun, run_engine
from generator.site.outdir import GENERATED as GENERATED_HINT
from generator.site.outdir import output_folder, staged

GENERATED = "generated"
HOME_PART = f"{GENERATED}/_home.md"


@dataclass(frozen=True, slots=True)
class BuildPaths:
    root: Path
    mkdocs_yml: Path
    docs_dir: Path
    generated: Path


def build_paths(config: RepoConfig) -> BuildPaths:
    docs = config.root / "site"
    return BuildPaths(config.root, config.root / "mkdocs.yml", docs, docs / GENERATED)


def build_time(tz: ZoneInfo, root: Path | None = None) -> datetime:
    """The build stamp's time: ``SOURCE_DATE_EPOCH`` when set, else the time of the commit
    built (a clean working tree), else now.

    So two builds of the same commit give the same bytes whenever they run (issue 15: the
    stamp is the only time in the site, and it is the commit's); uncommitted changes are
    stamped with the moment they were built (the commit then reads ``…+dirty``).
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz)
    if root is not None and (committed := head_commit_time(root)) is not None:
        return datetime.fromtimestamp(committed, tz)
    return datetime.now(tz)


def page_settings(config: RepoConfig) -> PageSettings:
    """What the pages read of ``kesu.yaml`` (render gets this, never the whole config); the
    chart font's path is made absolute against the repository root here."""
    font = config.chart_font
    if font and not Path(font).is_absolute():
        font = str(config.root / font)
    return PageSettings(
        timezone=config.timezone,
        site_title=config.site_title,
        site_url=config.site_url,
        mask_contacts=config.mask_contacts,
        defect_codes=config.defect_codes,
        stalled_days=config.stalled_days,
        stalled_days_by_status=config.stalled_days_by_status,
        reminder_hours=config.reminder_hours,
        chart_font=font or None,
    )


def compute_site(
    config: RepoConfig,
    as_of: datetime,
    lang: str,
    *,
    strict: bool,
    out: TextIO,
    caches: Caches | None = None,
) -> SiteData | None:
    """Load, validate and compute; ``None`` (after printing why) when the build must stop.

    The same pipeline as ``kesu validate`` and ``kesu check``: a record those refuse (stage
    completeness included) stops a strict build too.
    """
    from generator.pipeline import analyse

    analysis = analyse(config, as_of, caches=caches)
    diags = analysis.diagnostics
    if diags:
        out.write(render_text(diags, analysis.validation.files_checked, lang))
    policy = analysis.policy
    if policy is None or (analysis.has_errors and strict):
        return None
    from generator.config.calendars import missing_year

    records = [r for r in analysis.validation.records.records if r.valid]
    computed: Mapping[str, Any] = analysis.computed
    if note := shallow_note(config.root):
        out.write(f"kesu build: {note[lang == 'en']}\n")
    calendar = analysis.calendar
    missing = missing_year(calendar.official, as_of.astimezone(config.tz)) if calendar else None
    return build_site_data(
        page_settings(config),
        records,
        computed,
        policy=policy,
        as_of=as_of,
        built_at=build_time(config.tz, config.root),
        lang=lang,
        commit=head_commit(config.root),
        history=record_histories(config.root, config.records_dir),
        moves=status_moves(config.root, config.records_dir),
        late=by_record(late_recorded(config.root, config.records_dir, records, config.tz)),
        missing_year=missing,
    )


def write_if_changed(target: Path, pages: Iterable[tuple[str, str | bytes]]) -> int:
    """Write generated files under ``target``'s parent; remove stale ones. Returns writes."""
    wanted: set[Path] = set()
    written = 0
    for rel, content in pages:
        path = target.parent / rel
        wanted.add(path)
        data = content.encode("utf-8") if isinstance(content, str) else content
        if path.is_file() and path.read_bytes() == data:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, data)
        written += 1
    if target.is_dir():
        for path in sorted(target.rglob("*"), reverse=True):
            if path.is_file() and path not in wanted:
                path.unlink()
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
    return written


def generate(config: RepoConfig, site: SiteData) -> int:
    """Render every page into ``site/generated/``; returns the number of files written.

    No attachment is copied there: ``kesu build`` publishes them into the built site after the
    engine (``generator.site.steps``); the pages only link them. Nor are the customer
    reports (``site.reports``): they are written into the built site once the engine is done.
    The home page (``site/index.md``) is written here too (``generator.site.homepage``).
    """
    paths = build_paths(config)
    homepage.check_target(paths.docs_dir)
    plan = attachments.plan(config.root, (row.record.data for row in site.rows))
    local_as_of = site.as_of.astimezone(site.tz)
    pages: list[tuple[str, str | bytes]] = [
        *(
            (p.path, reproducible.zip_at(p.content, local_as_of))
            if p.path.endswith(".xlsx") and isinstance(p.content, bytes)
            else (p.path, p.content)
            for p in render_site(site, plan.files, plan.images)
        ),
        (attachments.MANIFEST, plan.manifest),
    ]
    dashboard = next(c for p, c in pages if p == HOME_PART)
    assert isinstance(dashboard, str)
    pages.append((homepage.TARGET, homepage.home_page(paths.docs_dir, dashboard)))
    return write_if_changed(paths.generated, pages)


def build_stamp(site: SiteData) -> dict[str, str]:
    """The 8D pages' build stamp, as the environment ``mkdocs.yml`` reads it (``extra``)."""
    f = Fmt(lang=site.lang, tz=site.tz, page="")
    return {
        "KESU_STAMP_LABEL": f.t("built_from"),
        "KESU_STAMP_COMMIT": site.commit,
        "KESU_STAMP_DETAIL": f"{f.t('built_at')} {f.dt(site.built_at)} · "
        f"{f.t('as_of')} {f.dt(site.as_of)}",
        # The engines' own dates (MkDocs' sitemap) are the stamp's, not the clock's.
        "SOURCE_DATE_EPOCH": str(int(site.built_at.timestamp())),
    }


@dataclass(frozen=True, slots=True)
class Generated:
    """What generating the pages hands to the site engine."""

    ok: bool
    """False when the records stop the build (``compute_site`` returned ``None``)."""
    report: str
    """What was printed on the way (diagnostics)."""
    stamp: dict[str, str] = field(default_factory=dict)
    written: int = 0
    reports: report_site.Plan = field(default_factory=report_site.Plan)


def generate_pages(
    config: RepoConfig,
    as_of: datetime,
    lang: str,
    strict: bool,
    reports_from: Path | None = None,
) -> Generated:
    """Load, validate, compute and write the Markdown pages, in this process (the caches
    are saved here, once the records are computed: a forked child runs no exit handlers).
    ``reports_from``: a trusted earlier build whose unchanged reports are taken again."""
    report = io.StringIO()
    caches = Caches.open(config.root)
    site = compute_site(config, as_of, lang, strict=strict, out=report, caches=caches)
    caches.save()
    if site is None:
        return Generated(False, report.getvalue())
    from generator.report import previous

    earlier = previous.load(reports_from) if reports_from is not None else None
    roles = getattr(site.policy, "roles", None)
    reports = report_site.plan(config, site.rows, site.history, roles, earlier)
    site.reports = reports.links
    with writing(build_paths(config).generated, GENERATED_HINT):  # a read-only checkout, full disk
        written = generate(config, site)
    for zh, en in reports.notes:
        report.write(f"kesu build: {en if lang == 'en' else zh}\n")
    if note := chart_font_note(config):
        report.write(note[lang == "en"] + "\n")
    return Generated(True, report.getvalue(), build_stamp(site), written, reports)


def reports_line(written: int, laid_out: int, reports: report_site.Plan, lang: str) -> str:
    """What ``--reports-from`` saved: how many reports were laid out, how many taken again."""
    taken = len(reports.taken)
    if lang == "en":
        return (
            f"kesu build: customer reports: {written} files (PDF and Excel), {laid_out} PDFs "
            f"laid out, {taken} files taken from the earlier build\n"
        )
    return (
        f"kesu build: 客户报告文件 {written} 个（PDF 与 Excel），排版 PDF {laid_out} 份，"
        f"沿用上次构建的文件 {taken} 个\n"
    )


def chart_font_note(config: RepoConfig) -> tuple[str, str] | None:
    """One line (zh, en) when the charts had no CJK font (``render.charts``), else None."""
    from generator.render import charts

    if not charts.font_problem():
        return None
    where = (
        f"site.chart_font（{config.chart_font}）不是可用的字体文件"
        if config.chart_font
        else "找不到中文字体"
    )
    where_en = (
        f"site.chart_font ({config.chart_font}) is not a usable font file"
        if config.chart_font
        else "no CJK font was found"
    )
    return (
        f"kesu build: 图表{where}：图中文字的宽度按西文字体估算。安装 fonts-noto-cjk（Debian），"
        "或在 kesu.yaml 写 site.chart_font: 字体文件路径。",
        f"kesu build: for the charts {where_en}: their text is measured with a Latin font. "
        "Install fonts-noto-cjk (Debian) or set site.chart_font: PATH in kesu.yaml.",
    )


def generate_isolated(
    config: RepoConfig,
    as_of: datetime,
    lang: str,
    *,
    strict: bool,
    out: TextIO,
    reports_from: Path | None = None,
) -> Generated:
    """``generate_pages`` in a child process, so its memory is freed before MkDocs starts.

    A forked child (no new interpreter, no imports again); in this process where ``fork`` is
    not available or ``KESU_BUILD_IN_PROCESS=1``. What the step printed is written to ``out``.
    """
    if (
        os.environ.get("KESU_BUILD_IN_PROCESS") == "1"
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        result = generate_pages(config, as_of, lang, strict, reports_from)
    else:
        ctx = multiprocessing.get_context("fork")
        try:
            with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
                job = pool.submit(generate_pages, config, as_of, lang, strict, reports_from)
                result = job.result()
        except BrokenProcessPool:
            out.write(
                "kesu build: 生成页面的子进程意外退出（内存不足？）/ "
                "the process generating the pages died (out of memory?)\n"
            )
            return Generated(False, "")
    out.write(result.report)
    return result


def mkdocs_env(
    config: RepoConfig, lang: str, stamp: Mapping[str, str] | None = None
) -> dict[str, str]:
    env = dict(os.environ)
    env["KESU_SITE_LANG"] = "en" if lang == "en" else "zh"
    env["KESU_SITE_TITLE"] = site_name(config.site_title)
    env["NO_MKDOCS_2_WARNING"] = "1"
    env.update(stamp or {})
    return env


def run_mkdocs(
    config: RepoConfig,
    lang: str,
    args: list[str],
    out: TextIO,
    capture: bool = True,
    stamp: Mapping[str, str] | None = None,
) -> int:
    paths = build_paths(config)
    # -P: the repository (the working directory) is not put on sys.path, so a module file a
    # change adds at its root (mkdocs.py, material/) is never imported in place of the engine.
    cmd = [sys.executable, "-P", "-m", "mkdocs", *args, "-f", str(paths.mkdocs_yml)]
    proc = subprocess.run(
        cmd,
        cwd=config.root,
        env=mkdocs_env(config, lang, stamp),
        capture_output=capture,
        text=True,
        check=False,
    )
    if proc.returncode != 0 and capture:
        out.write(proc.stdout + proc.stderr)
    return proc.returncode


def run_build(
    config: RepoConfig,
    as_of: datetime,
    out_dir: Path | None,
    lang: str,
    strict: bool = True,
    out: TextIO = sys.stderr,
    *,
    incremental: bool = False,
    engine: str | None = None,
    hooks: bool = True,
    reports_from: Path | None = None,
) -> int:
    """The whole build; 0 on success, 1 when records or the site engine fail.

    The output folder is replaced only by a finished build (``generator.site.outdir``): after a
    failure the previous site is still there, whole. A folder that cannot be written or a
    full disk raises a WriteFault (the CLI prints it; exit 2).

    ``engine`` is ``mkdocs`` or ``zensical`` (default: ``site.engine`` of ``kesu.yaml``);
    ``hooks=False`` builds without ``mkdocs.yml``'s hooks (the parity test: they may only
    change the speed). With ``incremental``, MkDocs re-renders only the pages whose Markdown
    changed when the output folder holds a finished build it can continue from
    (``generator.site.incremental``); otherwise, with Zensical, and always without it, everything
    is built. ``reports_from`` is a trusted earlier build's site folder: a customer report
    whose content key it holds is taken from there instead of being laid out again
    (``generator.report.previous``).
    """
    from generator.site import incremental as inc

    engine = engine or config.site_engine
    if engine not in ENGINES:
        out.write(
            f"kesu build: 未知的网站引擎 / unknown site engine {engine!r} ({', '.join(ENGINES)})\n"
        )
        return 2
    paths = build_paths(config)
    if not paths.mkdocs_yml.is_file():
        out.write(f"kesu build: {paths.mkdocs_yml} not found\n")
        return 2
    target = output_folder(config.root, out_dir, config.records_dir)  # refuses the sources
    fingerprint = inc.site_fingerprint(config, lang, engine=engine, hooks=hooks)
    dirty = False
    if incremental:
        why = inc.can_continue(target, fingerprint)
        if why is None and engine != "mkdocs":
            why = f"{engine} always builds in full"
        dirty = why is None
        if why is not None:
            out.write(f"kesu build --incremental: 完整构建 / full build ({why})\n")
    # The engine builds beside the output folder, and only a finished build replaces it. The
    # staging folder is made first: an output folder that cannot be written stops the build
    # before the pages are generated.
    with staged(target, copy_previous=dirty) as stage:
        try:
            generated = generate_isolated(
                config, as_of, lang, strict=strict, out=out, reports_from=reports_from
            )
        except homepage.HomePageError as exc:
            out.write(f"kesu build: {exc}\n")
            return 2
        if not generated.ok:
            return 1
        env = dict(generated.stamp)
        if dirty:
            inc.prune_stale(stage.folder, paths.generated)
            env["KESU_INCREMENTAL"] = "1"
        # The customer reports are laid out in worker processes while the engine builds.
        try:
            pending = report_site.Pending(config.root, generated.reports)
        except ReportError as exc:  # no CJK font: the site is built, without the PDFs
            out.write(f"kesu build: {exc.en if lang == 'en' else exc.zh}\n")
            pending = report_site.Pending(config.root, generated.reports.without_pdf())
        run = EngineRun(engine, config.root, stage.folder, strict=strict, hooks=hooks, dirty=dirty)
        try:
            proc = run_engine(run, mkdocs_env(config, lang, env))
        except BaseException:
            pending.cancel()
            raise
        engine_out = proc.stdout + proc.stderr
        if proc.returncode != 0:
            pending.cancel()
            if fault := stage.engine_fault(engine_out):
                raise fault  # the disk filled up or a folder turned read-only mid-build
            out.write(engine_out)
            return 1
        if (problem := steps.after_engine(config.root, paths.docs_dir, stage.folder)) is not None:
            pending.cancel()
            out.write(f"kesu build: {problem}\n")
            return 1
        with writing(stage.folder):
            written = report_site.write(stage.folder, pending.files())
        if reports_from is not None:
            out.write(reports_line(written, len(pending.laid_out), generated.reports, lang))
        inc.mark_finished(stage.folder, fingerprint)
        stage.publish()
    return 0
