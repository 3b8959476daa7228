"""Publishing attachments into the built site (issue 12): the second half of
:mod:`generator.load.discover.attachments`.

After the engine (MkDocs or Zensical) has built the site, ``kesu build`` runs ``publish``
(generator/site/steps.py), which copies the files ``plan`` named into it, checking each again,
and removes published files no longer named. ``kesu serve`` does the same through the MkDocs
hook ``on_post_build`` (site/hooks/kesu_site.py). An attachment never enters the engine's docs
folder.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from generator.load.attachments import (
    FILES,
    MANIFEST,
    AttachmentError,
    clear_cache,
    inspect,
    layout,
)


def _same(a: Path, b: Path) -> bool:
    try:
        return a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()
    except OSError:
        return False


def publish(root: Path, site_dir: Path, paths: Iterable[str]) -> int:
    """Copy the attachments ``paths`` into ``site_dir/files``; returns the files written.

    Each path is checked again (``inspect``): a file that became hidden, a link or went
    missing since validation stops the build (``AttachmentError``) rather than being
    followed. Files under ``site_dir/files`` that are not published any more are removed.
    """
    top = str(root.resolve())
    clear_cache()
    wanted = layout(paths)
    written = 0
    for path, dest in wanted.items():
        problem, detail = inspect(top, path)
        if problem:
            raise AttachmentError(
                f"附件 {path} 不能发布（{problem}: {detail}）/ "
                f"attachment {path} cannot be published ({problem}: {detail})"
            )
        src, target = Path(top) / path, site_dir / dest
        if target.is_file() and not target.is_symlink() and _same(src, target):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)
        shutil.copyfile(src, target)
        written += 1
    _prune(site_dir / FILES, {site_dir / d for d in wanted.values()})
    return written


def _prune(folder: Path, keep: set[Path]) -> None:
    if folder.is_symlink():
        folder.unlink()
        return
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_symlink() or (path.is_file() and path not in keep):
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    if not any(folder.iterdir()):
        folder.rmdir()


def read_manifest(docs_dir: Path) -> list[str]:
    """The paths ``MANIFEST`` lists; none when there is no manifest (no ``kesu build`` yet)."""
    try:
        data = json.loads((docs_dir / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        raise AttachmentError(f"{MANIFEST}: {exc}") from exc
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        raise AttachmentError(f"{MANIFEST}: not a list of files")
    return files


_serving: dict[str, bool] = {"on": False}


def on_startup(command: str, dirty: bool) -> None:
    """MkDocs hook: note whether this is ``mkdocs serve`` (``kesu serve``)."""
    _serving["on"] = command == "serve"


def on_post_build(config: Any) -> None:
    """MkDocs hook, ``kesu serve`` only: publish the attachments into the preview.

    ``kesu build`` publishes them itself after the engine (``generator.site.steps``).
    """
    if not _serving["on"]:
        return
    from mkdocs.exceptions import PluginError

    from generator.site.steps import after_engine

    docs = Path(config["docs_dir"])
    root = Path(config["config_file_path"]).resolve().parent
    problem = after_engine(root, docs, Path(config["site_dir"]))
    if problem is not None:
        raise PluginError(f"kesu: {problem}")
