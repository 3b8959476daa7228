"""Attachments a record names: what they are and where the site will publish them (issue 12).

An attachment never enters the site engine's docs folder: the engine would make a page of a
Markdown attachment (with its ``<script>`` and whatever else Markdown lets through) and serve
an SVG or HTML attachment from the site's own origin. Instead:

1. While the pages are generated, ``plan`` decides where each attachment a record names will
   be in the built site (``files/<its path in the repository>``), how the 8D page links it
   and which ones it shows as images; the list of files goes into the docs folder as a small
   manifest (``generated/_attachments.json``, which the engine does not publish).
2. After the engine (MkDocs or Zensical) has built the site, ``kesu build`` runs ``publish``
   (:mod:`generator.site.attachments`, from ``generator.site.steps``), which copies those
   files into it, checking each again, and removes published files no longer named.

A file whose type a browser only ever shows or downloads (``PASSIVE``: photos, PDF, office
documents, archives, video…) keeps its name. Any other type (SVG, HTML, XML, JavaScript,
Markdown, CSS, or one not on the list) is published as ``<name>.txt``, which a browser shows
as plain text at most, and the link offers it for download under its own name. An SVG image
is shown through ``<img src="data:image/svg+xml;base64,…">``: an image never runs script.

Hidden files (any part of the path starting with ``.``) and symbolic links (the file or a
folder on its way) are never published or followed; ``kesu validate`` reports them where the
record names them (``attachment-hidden``, ``attachment-symlink``, generator/validate/crosscheck.py).
"""

from __future__ import annotations

import base64
import json
import os
import posixpath
import stat
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

FILES = "files"
"""The folder of the built site the attachments are published in."""


MANIFEST = "generated/_attachments.json"
"""The list of attachments to publish, under the docs folder (excluded from the site)."""


PASSIVE = frozenset(
    {
        # images
        ".png",
        ".jpg",
        ".jpeg",
        ".gif",
        ".webp",
        ".bmp",
        ".tif",
        ".tiff",
        ".heic",
        ".avif",
        # documents
        ".pdf",
        ".txt",
        ".csv",
        ".tsv",
        ".log",
        ".doc",
        ".docx",
        ".xls",
        ".xlsx",
        ".ppt",
        ".pptx",
        ".odt",
        ".ods",
        ".odp",
        ".rtf",
        # archives
        ".zip",
        ".7z",
        ".rar",
        ".gz",
        ".tgz",
        ".tar",
        # audio and video
        ".mp4",
        ".mov",
        ".avi",
        ".mkv",
        ".webm",
        ".mp3",
        ".wav",
        ".m4a",
        # drawings
        ".dwg",
        ".dxf",
        ".stp",
        ".step",
        ".igs",
        ".iges",
        ".stl",
    }
)
"""Types a browser shows as an image, a document viewer or a download, and never runs."""


IMAGES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp"})
"""Raster images the 8D page shows with ``<img>`` (SVG is shown from a data: URI)."""


SVG_INLINE_MAX = 512 * 1024
"""Larger SVG files are linked, not shown on the page (they would be part of its HTML)."""


SAFE_SUFFIX = ".txt"


@dataclass(frozen=True, slots=True)
class Published:
    """Where the site links an attachment."""

    url: str
    """Docs-relative URL of the published copy (percent-encoded), e.g. ``files/a/b.pdf``."""
    download: str = ""
    """The file's own name for the link's ``download`` attribute; empty for passive types."""


@dataclass(frozen=True, slots=True)
class Plan:
    """What generating the pages decides about the attachments."""

    files: dict[str, Published]
    """Attachment reference (as the record writes it) → its link."""
    images: dict[str, str]
    """Reference → ``<img src>``: a docs-relative URL, or a ``data:`` URI for SVG."""
    manifest: str
    """The text of ``MANIFEST``: the repository paths ``publish`` copies."""


class AttachmentError(Exception):
    """An attachment that cannot be published (found by ``publish``, after validation)."""


def attachment_refs(data: Mapping[str, Any]) -> Iterator[str]:
    """Every attachment reference a record holds (paths and URLs)."""
    for a in data.get("attachments") or ():
        if isinstance(a, Mapping) and isinstance(a.get("path"), str):
            yield a["path"]
    for value in (
        (data.get("d2_problem") or {}).get("photos") or (),
        ((data.get("d6_validation") or {}).get("effectiveness") or {}).get("attachments") or (),
    ):
        yield from (v for v in value if isinstance(v, str))
    for key in ("d1_team", "d4_root_cause"):
        node = data.get(key) or {}
        for sub in ("minutes", "fishbone"):
            if isinstance(node.get(sub), str):
                yield node[sub]
    for section, lists in (
        ("d0_emergency", ("actions",)),
        ("d3_containment", ("actions",)),
        ("d5_actions", ("actions",)),
        ("d7_prevention", ("poka_yoke",)),
    ):
        for name in lists:
            for action in (data.get(section) or {}).get(name) or ():
                yield from (e for e in action.get("evidence") or () if isinstance(e, str))


def is_url(ref: str) -> bool:
    return ref.startswith(("http://", "https://"))


def outside(ref: str) -> bool:
    """Whether ``ref`` is not a relative path inside the repository (string work only)."""
    return ref.startswith("/") or ".." in ref.split("/") or "\\" in ref or not ref.strip("/.")


def hidden_part(ref: str) -> str | None:
    """The first part of ``ref`` that is a hidden name (``.env``, ``.git``), if any."""
    return next((p for p in ref.split("/") if p.startswith(".") and p != "."), None)


@lru_cache(maxsize=1 << 16)
def _linked_dir(top: str, rel: str) -> str | None:
    """The first folder of ``rel`` (a folder path under ``top``) that is a symbolic link."""
    if not rel:
        return None
    parent, _, _ = rel.rpartition("/")
    found = _linked_dir(top, parent)
    if found is not None:
        return found
    return rel if os.path.islink(os.path.join(top, rel)) else None  # noqa: PTH114, PTH118


def clear_cache() -> None:
    """Forget which folders were links (one validation or build sees a fixed tree)."""
    _linked_dir.cache_clear()


def inspect(top: str, ref: str) -> tuple[str, str]:
    """``(problem, detail)`` for a repository path; ``("", "")`` when it can be published.

    ``problem`` is ``"outside"``, ``"hidden"``, ``"symlink"`` (``detail``: the link) or
    ``"missing"`` (also for folders and special files). ``top`` is the resolved root.
    """
    if outside(ref):
        return "outside", ref
    part = hidden_part(ref)
    if part is not None:
        return "hidden", part
    rel = posixpath.normpath(ref)
    folder = _linked_dir(top, rel.rpartition("/")[0])
    if folder is not None:
        return "symlink", folder
    try:
        mode = os.lstat(os.path.join(top, rel)).st_mode  # noqa: PTH118
    except OSError:
        return "missing", ref
    if stat.S_ISLNK(mode):
        return "symlink", rel
    if not stat.S_ISREG(mode):
        return "missing", ref
    return "", ""


def published_name(name: str) -> str:
    """The name a file is published under: its own for passive types, else ``<name>.txt``."""
    return name if PurePosixPath(name).suffix.lower() in PASSIVE else name + SAFE_SUFFIX


def layout(paths: Iterable[str]) -> dict[str, str]:
    """Repository path → path of its copy under the built site, for every path at once.

    Names that keep their name are placed first, so that ``a.svg`` (published as
    ``a.svg.txt``) never takes the place of a real ``a.svg.txt``: it becomes ``a.svg~2.txt``.
    """
    out: dict[str, str] = {}
    taken: set[str] = set()
    ordered = sorted(set(paths), key=lambda p: (published_name(p) != p, p))
    for path in ordered:
        folder, _, name = path.rpartition("/")
        base = f"{FILES}/{folder}/" if folder else f"{FILES}/"
        dest = base + published_name(name)
        n = 1
        while dest in taken:
            n += 1
            dest = f"{base}{name}~{n}{SAFE_SUFFIX}"
        taken.add(dest)
        out[path] = dest
    return out


def _svg_data_uri(path: Path) -> str | None:
    try:
        if path.stat().st_size > SVG_INLINE_MAX:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    return "data:image/svg+xml;base64," + base64.b64encode(data).decode("ascii")


def plan(root: Path, records: Iterable[Mapping[str, Any]]) -> Plan:
    """Links, images and the manifest for the attachments ``records`` name.

    A reference that cannot be published (missing, hidden, a link: ``inspect``) is left out,
    and the page shows it as missing; validation has reported it.
    """
    top = str(root.resolve())
    clear_cache()
    paths: dict[str, str] = {}
    for data in records:
        for ref in attachment_refs(data):
            if ref in paths or is_url(ref) or inspect(top, ref)[0]:
                continue
            paths[ref] = posixpath.normpath(ref)
    dests = layout(paths.values())
    files: dict[str, Published] = {}
    images: dict[str, str] = {}
    for ref, path in paths.items():
        dest = dests[path]
        url = quote(dest, safe="/")
        name = path.rpartition("/")[2]
        files[ref] = Published(url, "" if dest.endswith("/" + name) else name)
        suffix = PurePosixPath(name).suffix.lower()
        if suffix in IMAGES:
            images[ref] = url
        elif suffix == ".svg":
            uri = _svg_data_uri(Path(top) / path)
            if uri is not None:
                images[ref] = uri
    manifest = json.dumps({"files": sorted(set(paths.values()))}, ensure_ascii=False, indent=0)
    return Plan(files, images, manifest + "\n")
