"""The reports ``kesu build`` publishes: a PDF and an Excel file for every record in progress
or closed, at ``reports/<id>.pdf`` / ``.xlsx`` of the built site, linked from its 8D page.

Laying out a PDF is the slow part (about a second of CPU a report here), so:

- ``plan`` (in the process that renders the pages) builds each report's HTML and its content
  key, and takes the finished file from the local store (``store``) or from a trusted earlier
  build's site (``previous``, ``kesu build --reports-from``): only reports whose content
  changed are laid out again;
- ``Pending`` lays the rest out in worker processes while the site engine builds the pages
  (``build.run_build`` starts it first), each worker with one typesetter for all its reports
  (``pdf.write_pdf``); ``write`` puts every file into the staged site with
  ``reports/index.json``, the keys a later build needs to take them again.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.config.settings import RepoConfig
from generator.report import make
from generator.report.previous import INDEX, Previous, index_of
from generator.report.store import ReportStore, key_of

FOLDER = "reports"
ENV_SWITCH = "KESU_REPORTS"
"""``KESU_REPORTS=0`` builds the site without the reports (``report.build: false`` in kesu.yaml
does the same for a repository)."""
ENV_WORKERS = "KESU_REPORT_WORKERS"
"""How many processes lay out PDFs (default: the cores, at most 4; ``bench.reports`` compares)."""


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    """File name under ``reports/``: ``KS-2026-0001.pdf``."""
    key: str
    data: bytes | None
    """The file, when it is ready (found in the store, or an Excel file)."""
    html: str = ""
    lang: str = "zh"
    images: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Plan:
    jobs: tuple[Job, ...] = ()
    links: Mapping[str, str] = field(default_factory=dict)
    """Record id → profile id, for the 8D pages' links."""
    notes: tuple[tuple[str, str], ...] = ()
    """What the build says about reports it could not write (Chinese, English)."""
    taken: tuple[str, ...] = ()
    """The files taken from the trusted earlier build (``--reports-from``)."""

    def without_pdf(self) -> Plan:
        """The plan without the PDFs still to lay out (no CJK font here); links kept."""
        jobs = tuple(j for j in self.jobs if j.data is not None)
        return Plan(jobs, self.links, self.notes, self.taken)

    def to_lay_out(self) -> list[str]:
        return [j.name for j in self.jobs if j.data is None]


def enabled(config: RepoConfig) -> bool:
    return os.environ.get(ENV_SWITCH, "1") != "0" and config.report.get("build", True) is not False


def plan(
    config: RepoConfig,
    rows: Iterable[Any],
    history: Mapping[str, list[Any]],
    policy_roles: Mapping[str, Any] | None,
    previous: Previous | None = None,
) -> Plan:
    """Every report to publish for ``rows`` (``render.sitedata.Row``), ready or to lay out;
    a file whose key the trusted earlier build ``previous`` has is taken from there."""
    if not enabled(config):
        return Plan()
    from generator.report import pdf, xlsx

    store = Found(ReportStore(config.root), previous)
    profiles = make.Profiles(config.root)
    jobs: list[Job] = []
    links: dict[str, str] = {}
    notes: list[tuple[str, str]] = []
    if previous is not None and previous.note is not None:
        notes.append(previous.note)
    refused: set[str] = set()
    for row in rows:
        if row.status not in make.BUILD_STATUSES:
            continue
        data = row.record.data
        choice = make.choice_for(config, data)
        profile, problems = profiles.get(choice.profile)
        if profile is None:
            if choice.profile not in refused:
                refused.add(choice.profile)
                why = (problems[0].message_zh, problems[0].message_en) if problems else ("", "")
                notes.append(
                    (
                        f"未写出报告格式 {choice.profile} 的报告：{why[0]}",
                        f"reports in profile {choice.profile} not written: {why[1]}",
                    )
                )
            continue
        revs = history.get(row.id) or []
        revision = (
            (revs[0].commit, revs[0].date.date().isoformat()) if revs else ("uncommitted", "")
        )
        report = make.report_of(data, profile, choice.lang, revision, policy_roles)
        images = pdf.load_images(config.root, report)
        html = pdf.render_html(report, images)
        parts = [html.encode(), pdf.stylesheet(choice.lang).encode()]
        parts += [img.data for img in images.values()]
        key = key_of("pdf", parts)
        name = f"{row.id}.pdf"
        found = store.get(name, key)
        jobs.append(
            Job(name, key, found)
            if found is not None
            else Job(name, key, None, html, choice.lang, images)
        )
        jobs.append(_xlsx_job(config, row.id, data, choice, report, revision, store, notes, xlsx))
        links[row.id] = profile.id
    return Plan(tuple(jobs), links, tuple(notes), tuple(store.taken))


class Found:
    """Where a finished file is looked up: the local store, then the trusted earlier build
    (a file taken from there goes into the store too, for the next local build)."""

    def __init__(self, store: ReportStore, previous: Previous | None) -> None:
        self.store, self.previous = store, previous
        self.taken: list[str] = []

    def get(self, name: str, key: str) -> bytes | None:
        found = self.store.get(key)
        if found is None and self.previous is not None:
            found = self.previous.get(name, key)
            if found is not None:
                self.taken.append(name)
                self.store.put(key, found)
        return found

    def put(self, key: str, data: bytes) -> None:
        self.store.put(key, data)


def _xlsx_job(
    config: RepoConfig,
    record_id: str,
    data: Mapping[str, Any],
    choice: make.Choice,
    report: Any,
    revision: tuple[str, str],
    store: Found,
    notes: list[tuple[str, str]],
    xlsx: Any,
) -> Job:
    name = f"{record_id}.xlsx"
    mapping = None
    if choice.template:
        mapping, problems = xlsx.load_mapping(config.root / choice.template, choice.template)
        if mapping is None:
            first = problems[0] if problems else None
            notes.append(
                (
                    f"{record_id}：客户模板 {choice.template} 无法使用（"
                    f"{first.message_zh if first else ''}），改用通用表格",
                    f"{record_id}: customer template {choice.template} unusable "
                    f"({first.message_en if first else ''}); the plain form is used",
                )
            )
    record = json.dumps(data, ensure_ascii=False, sort_keys=True, default=str).encode()
    if mapping is not None:
        parts = [
            record,
            mapping.template.read_bytes(),
            repr(mapping).encode(),
            choice.lang.encode(),
        ]
        parts.append("|".join(revision).encode())
        key = key_of("xlsx", parts)
        found = store.get(name, key)
        if found is None:
            found = xlsx.fill_template(mapping, data, choice.lang, revision)
            store.put(key, found)
        return Job(name, key, found)
    key = key_of("xlsx", [repr(report).encode()])
    found = store.get(name, key)
    if found is None:
        found = xlsx.plain_form(report)
        store.put(key, found)
    return Job(name, key, found)


def _lay_out(html: str, lang: str, images: Mapping[str, Any]) -> bytes:
    from generator.report.pdf import write_pdf

    return write_pdf(html, lang, images)


class Pending:
    """The PDFs being laid out in worker processes while the site engine runs."""

    def __init__(self, root: Path, reports: Plan) -> None:
        self.root = root
        self.plan = reports
        todo = [j for j in reports.jobs if j.data is None]
        self.pool: ProcessPoolExecutor | None = None
        self.futures: dict[str, Future[bytes]] = {}
        self.laid_out = [j.name for j in todo]
        """The PDFs this build lays out (in neither the store nor the earlier build)."""
        if todo:
            from generator.report.pdf import check_font

            check_font()  # in this process: a missing font is said once, not once a worker
            import multiprocessing

            methods = multiprocessing.get_all_start_methods()
            ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
            workers = max(1, min(len(todo), _workers()))
            self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
            for job in todo:
                self.futures[job.key] = self.pool.submit(_lay_out, job.html, job.lang, job.images)

    def files(self) -> list[tuple[str, str, bytes]]:
        """Every report file (name, key, bytes), waiting for the ones still being laid out
        (stored when done)."""
        store = ReportStore(self.root) if self.futures else None
        out = []
        try:
            for job in self.plan.jobs:
                data = job.data
                if data is None:
                    data = self.futures[job.key].result()
                    if store is not None:
                        store.put(job.key, data)
                out.append((job.name, job.key, data))
        finally:
            if self.pool is not None:
                self.pool.shutdown(cancel_futures=True)
        return out

    def cancel(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


def _workers() -> int:
    given = os.environ.get(ENV_WORKERS, "")
    if given.isdigit() and int(given) > 0:
        return int(given)
    return min(os.cpu_count() or 1, 4)


def write(folder: Path, files: Iterable[tuple[str, str, bytes]]) -> int:
    """The report files into ``folder/reports/`` (a staged site) with their index (the keys a
    later ``--reports-from`` needs); stale ones removed. Returns the number of reports."""
    from generator.common.faults import write_atomic

    target = folder / FOLDER
    files = list(files)
    if not files:
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)  # left by an earlier build this one continues (--incremental)
        return 0
    target.mkdir(parents=True, exist_ok=True)
    wanted = set()
    for name, data in [*((n, d) for n, _, d in files), (INDEX, index_of(files))]:
        wanted.add(name)
        path = target / name
        if path.is_file() and not path.is_symlink() and path.read_bytes() == data:
            continue
        write_atomic(path, data)
    for old in target.iterdir():
        if old.name not in wanted and old.is_file():
            old.unlink()
    return len(files)
