"""Sub-commands beyond ``validate``; each registers itself with ``@command``."""

from __future__ import annotations

import argparse
import sys

from generator.cli import EXIT_INVALID, EXIT_OK, command
from generator.config import RepoConfig


def _setup_docs(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "docs",
        help="regenerate the reference pages built from the schemas",
        description="Write docs/record-fields.md and docs/config-fields.md from the schemas. "
        "With --check, change nothing and exit 1 when a page is out of date (used in CI).",
    )
    p.add_argument("--check", action="store_true", help="only report stale pages")


@command(_setup_docs)
def cmd_docs(args: argparse.Namespace, config: RepoConfig, lang: str) -> int:
    from generator.docgen import write_or_check

    stale = write_or_check(config.root, check=args.check)
    for rel in stale:
        verb = ("out of date" if lang == "en" else "需要更新") if args.check else (
            "written" if lang == "en" else "已生成")
        sys.stdout.write(f"{rel.as_posix()}: {verb}\n")
    if args.check and stale:
        sys.stdout.write("Run `kesu docs` and commit the result.\n" if lang == "en"
                         else "请运行 `kesu docs` 并提交结果。\n")
        return EXIT_INVALID
    return EXIT_OK
