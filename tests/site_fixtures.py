"""Shared helpers for the site tests: a small fixed repository and a fixed "as of".

Tests never depend on today: everything is built as of ``AS_OF`` (a Friday evening), and the
build time is pinned with ``SOURCE_DATE_EPOCH``.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.conftest import load_record

REPO = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
FIXTURE_REPO = GOLDEN / "repo"
TZ = ZoneInfo("Asia/Shanghai")
AS_OF = datetime(2026, 3, 13, 18, 0, tzinfo=TZ)
BUILD_EPOCH = "1773396000"  # 2026-03-13 18:00 +08:00


def site_repo(dst: Path, records: Path = FIXTURE_REPO / "records") -> Path:
    """A repository in ``dst`` with the project's mkdocs.yml and site/, and ``records``."""
    dst.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO / "mkdocs.yml", dst / "mkdocs.yml")
    shutil.copytree(
        REPO / "site", dst / "site", ignore=shutil.ignore_patterns("generated"), dirs_exist_ok=True
    )
    shutil.copytree(records, dst / "records", dirs_exist_ok=True)
    for extra in ("kesu.yaml",):
        if (records.parent / extra).is_file():
            shutil.copy2(records.parent / extra, dst / extra)
    return dst


def built_site(root: Path, out: Path, lang: str = "zh", as_of: datetime = AS_OF) -> Path:
    """Build the site of ``root`` into ``out`` (strict) and return ``out``."""
    import io

    from generator.config.settings import load_config
    from generator.site.build import run_build

    config, diags = load_config(root)
    assert not diags
    err = io.StringIO()
    code = run_build(config, as_of, out, lang, strict=True, out=err)
    assert code == 0, err.getvalue()
    return out


def pinned_build(folder: Path) -> Path:
    """``built_site`` of a fresh ``site_repo`` in ``folder``, with the build time pinned."""
    import pytest

    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", BUILD_EPOCH)
    try:
        root = site_repo(folder)
        return built_site(root, root / "public")
    finally:
        mp.undo()


HOSTILE_RECORD = "KS-2026-0001"
"""The record of ``hostile_attachments_repo`` that names the hostile attachments."""
PNG = bytes.fromhex(  # a 1×1 PNG
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
HOSTILE_ATTACHMENTS: dict[str, bytes] = {
    # A Markdown attachment: script, raw HTML and snippet lines (inline and block form) that
    # paste files of the site folder and the repository when the engine sees them.
    "letter.md": (
        b"# Letter\n\n<script>window.pwned = 'md'; document.title = 'PWNED'</script>\n\n"
        b'<img src="x" onerror="window.pwned = \'md-img\'">\n\n'
        b'--8<-- "overrides/main.html"\n\n--8<--\nhooks/kesu.py\n--8<--\n\n'
        b'--8<-- "../mkdocs.yml"\n'
    ),
    # An SVG with a script and an onload handler: it is also the record's photo.
    "drawing.svg": (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20" '
        b"onload=\"window.pwned = 'svg-onload'; document.title = 'PWNED'\">"
        b"<script>window.pwned = 'svg'; document.title = 'PWNED'</script>"
        b'<rect width="40" height="20" fill="#3949ab"/></svg>\n'
    ),
    "page.html": b"<!doctype html><title>PWNED</title><script>window.pwned = 'html'</script>\n",
    "notes.xhtml": (
        b'<html xmlns="http://www.w3.org/1999/xhtml"><body><script>window.pwned = "xhtml"'
        b"</script></body></html>\n"
    ),
    "tool.js": b"window.pwned = 'js'\n",
    "photo.png": PNG,
    "report.pdf": b"%PDF-1.4\n%%EOF\n",
    "data file #1.csv": b"a,b\n1,2\n",
}
"""Attachment file name → bytes, all under ``attachments/<HOSTILE_RECORD>/``."""
SAFE_NAMES = {
    "letter.md": "letter.md.txt",
    "drawing.svg": "drawing.svg.txt",
    "page.html": "page.html.txt",
    "notes.xhtml": "notes.xhtml.txt",
    "tool.js": "tool.js.txt",
    "photo.png": "photo.png",
    "report.pdf": "report.pdf",
    "data file #1.csv": "data file #1.csv",
}
"""The name each of ``HOSTILE_ATTACHMENTS`` is published under."""


def hostile_attachments_repo(dst: Path) -> Path:
    """``site_repo`` whose record ``HOSTILE_RECORD`` names ``HOSTILE_ATTACHMENTS``.

    The SVG and the PNG are also the record's photos (shown as images on the 8D page); the
    record's own text carries a snippet line too.
    """
    import yaml

    root = site_repo(dst)
    folder = root / "attachments" / HOSTILE_RECORD
    folder.mkdir(parents=True)
    for name, data in HOSTILE_ATTACHMENTS.items():
        (folder / name).write_bytes(data)
    path = root / "records" / f"{HOSTILE_RECORD}.yaml"
    record = load_record(path)
    refs = [f"attachments/{HOSTILE_RECORD}/{name}" for name in HOSTILE_ATTACHMENTS]
    record["attachments"] = [{"path": ref, "kind": "document"} for ref in refs]
    record["d2_problem"]["photos"] = [
        f"attachments/{HOSTILE_RECORD}/{name}" for name in ("drawing.svg", "photo.png")
    ]
    record["notes"] = 'See the letter.\n--8<-- "overrides/main.html"\n'
    path.write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return root
