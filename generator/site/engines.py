"""The site engines ``kesu build`` runs: MkDocs 1.6 with Material, or Zensical (issue 15).

Both read the same ``mkdocs.yml`` and the same docs folder. Everything a reader sees is made by
Kesu before the engine runs (the Markdown pages, the home page) or after it (attachments
published, archives made reproducible: ``generator.site.steps``), never by a hook or plugin one
engine would ignore: Zensical silently skips ``hooks:``. The hooks ``mkdocs.yml`` lists only
change what MkDocs spends on the pages; ``hooks=False`` builds without them, which is what the
parity test (tests/test_site_parity.py) compares.

MkDocs is run as ``python -P -m mkdocs build -d STAGE``. Zensical has no option for the output
folder and only writes inside the project, so Kesu gives it a small configuration next to
``mkdocs.yml`` that inherits it and names the output folder (``INHERIT``, which both engines
read), builds into a folder inside the repository and moves the result into the staging folder.
Zensical keeps a cache in ``.cache/`` of the repository; Kesu always builds with ``--clean``, so
a cache a change commits is never used.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ENGINES = ("mkdocs", "zensical")
"""The engines ``site.engine`` and ``kesu build --engine`` accept; the first is the default."""
DERIVED = ".kesu-engine-"
"""Name start of the configuration and output folder Kesu writes for one engine run."""


@dataclass(frozen=True, slots=True)
class EngineRun:
    """One run of a site engine."""

    engine: str
    root: Path
    """The repository: the folder of ``mkdocs.yml``, the engine's working directory."""
    site_dir: Path
    """Where the built site must end up (the staging folder)."""
    strict: bool = True
    hooks: bool = True
    """False: build without ``mkdocs.yml``'s ``hooks:`` (MkDocs; Zensical never runs them)."""
    dirty: bool = False
    """MkDocs ``--dirty`` (``kesu build --incremental``); Zensical always builds in full."""
    serve: str | None = None
    """``HOST:PORT``: preview with the engine's server instead of building."""


def _derived_config(site_dir: Path, hooks: bool) -> str:
    # JSON strings are YAML strings: a path with quotes or colons stays one value.
    lines = ["INHERIT: mkdocs.yml", f"site_dir: {json.dumps(str(site_dir))}"]
    if not hooks:
        lines.append("hooks: []")
    return "\n".join(lines) + "\n"


@contextmanager
def _config_file(root: Path, site_dir: Path, hooks: bool) -> Iterator[Path]:
    """A configuration next to ``mkdocs.yml`` that inherits it (removed afterwards)."""
    path = root / f"{DERIVED}{os.getpid()}-{secrets.token_hex(4)}.yml"
    path.write_text(_derived_config(site_dir, hooks), encoding="utf-8")
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


def command(run: EngineRun, config_file: Path) -> list[str]:
    """The engine's command line (``-P``: a module file a change adds at the repository's
    root, ``mkdocs.py`` or ``zensical/``, is never imported in place of the engine)."""
    if run.engine == "zensical":
        if run.serve is not None:
            serve = ["serve", "-f", str(config_file), "-a", run.serve]
            return [sys.executable, "-P", "-m", "zensical", *serve]
        args = ["build", "--clean", "-f", str(config_file)]
        if run.strict:
            args.append("--strict")
        return [sys.executable, "-P", "-m", "zensical", *args]
    if run.serve is not None:
        args = ["serve", "--dev-addr", run.serve]
    else:
        args = ["build", "--quiet", "-d", str(run.site_dir)]
        if run.strict:
            args.insert(1, "--strict")
        if run.dirty:
            args.append("--dirty")
    return [sys.executable, "-P", "-m", "mkdocs", *args, "-f", str(config_file)]


def _inside(path: Path, root: Path) -> bool:
    return path.resolve().is_relative_to(root.resolve())


def _move_contents(src: Path, dst: Path) -> None:
    dst.mkdir(parents=True, exist_ok=True)
    for entry in sorted(src.iterdir()):
        shutil.move(str(entry), str(dst / entry.name))


def run_engine(
    run: EngineRun, env: Mapping[str, str], *, capture: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run the engine; its output is in the result (``capture``) or on the terminal."""
    root = run.root
    env = {**env, "KESU_ENGINE": run.engine}
    if run.engine == "mkdocs" and run.hooks:
        # The plain call, with mkdocs.yml itself: MkDocs takes the output folder as an option.
        return subprocess.run(
            command(run, root / "mkdocs.yml"),
            cwd=root,
            env=dict(env),
            capture_output=capture,
            text=True,
            check=False,
        )
    # Zensical refuses an output folder outside the project (and mkdocs.yml names none it
    # could use: its default is the docs folder): it builds inside, then the site is moved.
    out = run.site_dir
    if run.engine == "zensical" and (run.serve is not None or not _inside(out, root)):
        out = root / f"{DERIVED}{os.getpid()}-{secrets.token_hex(4)}-site"
    moved = out != run.site_dir
    try:
        with _config_file(root, out, run.hooks) as cfg:
            proc = subprocess.run(
                command(run, cfg),
                cwd=root,
                env=dict(env),
                capture_output=capture,
                text=True,
                check=False,
            )
        if moved and run.serve is None and proc.returncode == 0:
            _move_contents(out, run.site_dir)
        return proc
    finally:
        if moved:
            shutil.rmtree(out, ignore_errors=True)
