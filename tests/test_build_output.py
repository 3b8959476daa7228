"""Issue 18, point 8: quiet, useful build output. matplotlib is given the CJK font Kesu
configures explicitly, so a font cache built before the CJK fonts were installed (the cause of
146 "Glyph … missing from font(s) DejaVu Sans" warnings a build) changes nothing; a clean
build prints one line: pages written, time taken, the page to open."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from generator.render import charts
from tests.site_fixtures import BUILD_EPOCH, REPO, site_repo

STALE_CACHE = """
import os, matplotlib, matplotlib.font_manager as fm
fm.fontManager.ttflist = [
    f for f in fm.fontManager.ttflist if "cjk" not in (f.name + f.fname).lower()
]
fm.json_dump(fm.fontManager, os.path.join(
    matplotlib.get_cachedir(), f"fontlist-v{fm.FontManager.__version__}.json"))
"""


@pytest.fixture(scope="module")
def stale_mpl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A matplotlib config folder whose font cache knows no CJK font."""
    folder = tmp_path_factory.mktemp("mplconfig")
    env = dict(os.environ, MPLCONFIGDIR=str(folder))
    subprocess.run([sys.executable, "-c", STALE_CACHE], env=env, check=True, timeout=300)
    assert list(folder.glob("fontlist-*.json"))
    return folder


def build(root: Path, mpl: Path, lang: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, MPLCONFIGDIR=str(mpl), SOURCE_DATE_EPOCH=BUILD_EPOCH)
    env["PYTHONPATH"] = str(REPO)
    cmd = [sys.executable, "-m", "generator", "-C", str(root), "--lang", lang, "build"]
    cmd += ["--as-of", "2026-03-13 18:00"]
    return subprocess.run(cmd, cwd=root, capture_output=True, text=True, env=env, timeout=600)


@pytest.mark.skipif(charts.font_file() is None, reason="no CJK font installed (fonts-noto-cjk)")
def test_clean_build_prints_one_line_and_no_warning(tmp_path: Path, stale_mpl: Path) -> None:
    root = site_repo(tmp_path / "repo")
    proc = build(root, stale_mpl, "zh")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # no Glyph warnings, no other noise
    (line,) = proc.stdout.splitlines()
    m = re.fullmatch(r"kesu build：已生成 (\d+) 个页面，用时 [\d.]+ 秒；打开 (.+)", line)
    assert m, line
    index = Path(m.group(2))
    assert index == (root / "public" / "index.html").resolve() and index.is_file()
    assert int(m.group(1)) == sum(1 for _ in (root / "public").rglob("*.html"))
    svg = next((root / "site/generated/analysis/charts").glob("*.svg")).read_text()
    assert "Noto Sans CJK SC" in svg or "WenQuanYi" in svg or "Source Han" in svg


def test_a_configured_font_that_is_not_one_is_said_once(tmp_path: Path, stale_mpl: Path) -> None:
    root = site_repo(tmp_path / "repo")
    (root / "not-a-font.ttf").write_text("nope", encoding="utf-8")
    (root / "kesu.yaml").write_text("site:\n  chart_font: not-a-font.ttf\n", encoding="utf-8")
    proc = build(root, stale_mpl, "zh")  # Chinese axis labels: glyphs DejaVu Sans lacks
    assert proc.returncode == 0, proc.stderr
    assert "Glyph" not in proc.stderr
    (note,) = proc.stderr.splitlines()
    assert note.startswith("kesu build: 图表site.chart_font（not-a-font.ttf）不是可用的字体文件")
    assert "fonts-noto-cjk" in note
    assert proc.stdout.startswith("kesu build：已生成 ")
