"""Shared helpers for the site tests: a small fixed repository and a fixed "as of".

Tests never depend on today: everything is built as of ``AS_OF`` (a Friday evening), and the
build time is pinned with ``SOURCE_DATE_EPOCH``.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

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
    shutil.copytree(REPO / "site", dst / "site", ignore=shutil.ignore_patterns("generated"),
                    dirs_exist_ok=True)
    shutil.copytree(records, dst / "records", dirs_exist_ok=True)
    for extra in ("kesu.yaml",):
        if (records.parent / extra).is_file():
            shutil.copy2(records.parent / extra, dst / extra)
    return dst


def built_site(root: Path, out: Path, lang: str = "zh", as_of: datetime = AS_OF) -> Path:
    """Build the site of ``root`` into ``out`` (strict) and return ``out``."""
    import io

    from generator.build import run_build
    from generator.config import load_config

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
