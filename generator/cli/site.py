"""``kesu build`` and ``kesu serve``: the site (listed in :mod:`generator.cli.main.table`)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from generator.cli.options import EXIT_OK, Command, add_as_of, parse_as_of
from generator.config.settings import RepoConfig


def _setup_build(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "build",
        help="build the site: Markdown into site/generated/, then the site engine --strict",
        description="Validate and compute every record, write the site's Markdown into "
        "site/generated/ (only files that changed), then run the site engine (MkDocs, or "
        "Zensical: --engine / site.engine) with --strict into public/ (or --out; built "
        "beside it and swapped in only when finished). Exit 0 on "
        "success, 1 when records or the site build fail, 2 when --out names the repository's "
        "own folders or the output cannot be written (read-only, full disk).",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="output folder for the HTML site (default: public/)",
    )
    p.add_argument(
        "--no-strict",
        dest="strict",
        action="store_false",
        help="build even when some records are invalid (they are left out)",
    )
    p.add_argument(
        "--incremental",
        action="store_true",
        help="re-render only the pages that changed since the last build in the "
        "output folder (falls back to a full build when it cannot; previews and "
        "local work: the published site is built in full)",
    )
    p.add_argument(
        "--reports-from",
        type=Path,
        default=None,
        metavar="DIR",
        help="a trusted earlier build's site folder (e.g. the site main published): customer "
        "reports whose content is unchanged are taken from its reports/ instead of being laid "
        "out again (docs/customer-report.md); never a folder a pull request can write",
    )
    _add_engine(p)
    add_as_of(p)


def _add_engine(p: argparse.ArgumentParser) -> None:
    from generator.site.engines import ENGINES

    p.add_argument(
        "--engine",
        choices=ENGINES,
        default=None,
        help="site engine (default: site.engine of kesu.yaml, else mkdocs; docs/site-engines.md)",
    )


def cmd_build(args: argparse.Namespace, config: RepoConfig, lang: str) -> int:
    from generator.site.build import run_build
    from generator.site.outdir import output_folder

    started = time.monotonic()
    code = run_build(
        config,
        parse_as_of(args.as_of, config),
        args.out,
        lang,
        strict=args.strict,
        out=sys.stderr,
        incremental=args.incremental,
        engine=args.engine,
        reports_from=args.reports_from,
    )
    if code == 0:
        target = output_folder(config.root, args.out, config.records_dir)
        sys.stdout.write(done_line(target, time.monotonic() - started, lang) + "\n")
    return code


def done_line(target: Path, seconds: float, lang: str) -> str:
    """The build's one last line: pages written, time taken, the page to open."""
    pages = sum(1 for _ in target.rglob("*.html"))
    index = target / "index.html"
    if lang == "en":
        return f"kesu build: {pages} pages written in {seconds:.1f} s; open {index}"
    return f"kesu build：已生成 {pages} 个页面，用时 {seconds:.1f} 秒；打开 {index}"


def _setup_serve(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "serve",
        help="generate the Markdown, then preview the site with `mkdocs serve`",
        description="Like `kesu build`, then serve the site locally; hand-written pages are "
        "rebuilt when they change (reload the page yourself: the site's Content Security "
        "Policy blocks MkDocs' live-reload script); run `kesu build` again after editing "
        "records.",
    )
    p.add_argument(
        "--dev-addr",
        default="127.0.0.1:8000",
        metavar="HOST:PORT",
        help="address to serve on (default: 127.0.0.1:8000)",
    )
    _add_engine(p)
    add_as_of(p)


def cmd_serve(args: argparse.Namespace, config: RepoConfig, lang: str) -> int:
    from generator.site.build import generate_isolated, mkdocs_env
    from generator.site.engines import EngineRun, run_engine

    generated = generate_isolated(
        config, parse_as_of(args.as_of, config), lang, strict=False, out=sys.stderr
    )
    if not generated.ok:
        return 1
    engine = args.engine or config.site_engine
    run = EngineRun(engine, config.root, config.root, serve=args.dev_addr)
    proc = run_engine(run, mkdocs_env(config, lang, generated.stamp), capture=False)
    return EXIT_OK if proc.returncode == 0 else 1


COMMANDS = (
    Command("build", _setup_build, cmd_build),
    Command("serve", _setup_serve, cmd_serve),
)
