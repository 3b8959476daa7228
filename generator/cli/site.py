"""``kesu build`` and ``kesu serve``: the site (listed in :mod:`generator.cli.main.table`)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from generator.cli.options import EXIT_OK, Command, Help, add_as_of, parse_as_of
from generator.config.settings import RepoConfig


def _setup_build(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "build",
        help=Help(
            "构建网站：Markdown 写入 site/generated/，再以 --strict 运行网站引擎",
            "build the site: Markdown into site/generated/, then the site engine --strict",
        ),
        description=Help(
            "校验并计算每条记录，把网站的 Markdown 写入 site/generated/（只写有变化的文件），"
            "再以 --strict 运行网站引擎（MkDocs 或 Zensical：--engine / site.engine），输出到 "
            "public/（或 --out；先在旁边构建，完成后才换入）。成功以 0 退出；记录或网站构建失败"
            "以 1 退出；--out 指向仓库自己的文件夹，或输出无法写入（只读、磁盘已满）时以 2 退出。",
            "Validate and compute every record, write the site's Markdown into "
            "site/generated/ (only files that changed), then run the site engine (MkDocs, or "
            "Zensical: --engine / site.engine) with --strict into public/ (or --out; built "
            "beside it and swapped in only when finished). Exit 0 on "
            "success, 1 when records or the site build fail, 2 when --out names the "
            "repository's own folders or the output cannot be written (read-only, full disk).",
        ),
    )
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help=Help(
            "HTML 网站的输出文件夹（默认：public/）",
            "output folder for the HTML site (default: public/)",
        ),
    )
    p.add_argument(
        "--no-strict",
        dest="strict",
        action="store_false",
        help=Help(
            "有无效记录时也构建（无效记录不收入网站）",
            "build even when some records are invalid (they are left out)",
        ),
    )
    p.add_argument(
        "--incremental",
        action="store_true",
        help=Help(
            "只重新生成自输出文件夹上次构建以来有变化的页面（做不到时改为完整构建；用于预览"
            "和本地工作，发布的网站总是完整构建）",
            "re-render only the pages that changed since the last build in the "
            "output folder (falls back to a full build when it cannot; previews and "
            "local work: the published site is built in full)",
        ),
    )
    p.add_argument(
        "--reports-from",
        type=Path,
        default=None,
        metavar="DIR",
        help=Help(
            "可信的早先构建的网站文件夹（例如 main 发布的网站）：内容未变的客户报告直接取自其"
            " reports/，不再重新排版（docs/customer-report.md）；切勿使用拉取请求能写入的文件夹",
            "a trusted earlier build's site folder (e.g. the site main published): customer "
            "reports whose content is unchanged are taken from its reports/ instead of being "
            "laid out again (docs/customer-report.md); never a folder a pull request can write",
        ),
    )
    _add_engine(p)
    add_as_of(p)


def _add_engine(p: argparse.ArgumentParser) -> None:
    from generator.site.engines import ENGINES

    p.add_argument(
        "--engine",
        choices=ENGINES,
        default=None,
        help=Help(
            "网站引擎（默认：kesu.yaml 的 site.engine，否则 mkdocs；见 docs/site-engines.md）",
            "site engine (default: site.engine of kesu.yaml, else mkdocs; docs/site-engines.md)",
        ),
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
        help=Help(
            "生成 Markdown 后用 mkdocs serve 预览网站",
            "generate the Markdown, then preview the site with `mkdocs serve`",
        ),
        description=Help(
            "同 `kesu build`，然后在本机提供网站；手写页面改动后会重新构建（请自己刷新页面："
            "网站的内容安全策略会阻止 MkDocs 的自动刷新脚本）；修改记录后请再运行 `kesu build`。",
            "Like `kesu build`, then serve the site locally; hand-written pages are "
            "rebuilt when they change (reload the page yourself: the site's Content Security "
            "Policy blocks MkDocs' live-reload script); run `kesu build` again after editing "
            "records.",
        ),
    )
    p.add_argument(
        "--dev-addr",
        default="127.0.0.1:8000",
        metavar="HOST:PORT",
        help=Help(
            "预览服务的地址（默认：127.0.0.1:8000）",
            "address to serve on (default: 127.0.0.1:8000)",
        ),
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
