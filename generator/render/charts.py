"""Charts drawn at build time as SVG with matplotlib (decision 10: offline, printable).

Text stays text in the SVG (``svg.fonttype: none``), so the browser draws Chinese with the
reader's own CJK font and nothing is fetched. Output is deterministic (fixed hash salt, no
date) so unchanged data leaves the files untouched.

matplotlib still measures the text with a font of its own. It is given the CJK font file
explicitly (``site.chart_font`` in ``kesu.yaml``, else the first of ``FONT_FILES`` that exists)
through ``font_manager.addfont``: nothing depends on matplotlib's font cache, which, built
before the CJK fonts were installed, otherwise makes every build print hundreds of "Glyph …
missing from font(s) DejaVu Sans" warnings. Without any CJK font the charts are still drawn
(the browser has the reader's font); the warnings are held back and ``font_problem`` says once
what to install.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

_FONTS = [
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Microsoft YaHei",
    "PingFang SC",
    "WenQuanYi Micro Hei",
    "SimHei",
    "DejaVu Sans",
    "sans-serif",
]
INDIGO, RED, GREY = "#3949ab", "#c62828", "#9e9e9e"
FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",  # Debian/Ubuntu fonts-noto-cjk
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",  # Arch
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",  # Fedora
    "/usr/share/fonts/opentype/source-han-sans/SourceHanSansSC-Regular.otf",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/System/Library/Fonts/PingFang.ttc",  # macOS
    "/System/Library/Fonts/STHeiti Light.ttc",
    "C:/Windows/Fonts/msyh.ttc",  # Windows
    "C:/Windows/Fonts/simhei.ttf",
)
_PREFERRED = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "PingFang SC")
_font_file: str | None = None
_missing_glyphs = False


def use_font(path: str | None) -> None:
    """The CJK font file for the next charts (``site.chart_font``; None: ``FONT_FILES``)."""
    global _font_file
    _font_file = path


def font_file() -> str | None:
    """The font file the charts use: the configured one, else the first that exists."""
    if _font_file is not None:
        return _font_file
    return next((f for f in FONT_FILES if Path(f).is_file()), None)


def font_problem() -> bool:
    """True when some chart text had no glyph in any font given to matplotlib."""
    return _missing_glyphs


@cache
def _family(path: str) -> str | None:
    """Register ``path`` with matplotlib and return its Simplified Chinese family."""
    from matplotlib import font_manager

    before = {f.name for f in font_manager.fontManager.ttflist}
    try:
        font_manager.fontManager.addfont(path)
    except (OSError, RuntimeError, ValueError):
        return None
    names = [f.name for f in font_manager.fontManager.ttflist if f.fname == path]
    names += sorted({f.name for f in font_manager.fontManager.ttflist} - before)
    for want in _PREFERRED:
        if want in names:
            return want
    plain = [n for n in names if "Mono" not in n]
    return plain[0] if plain else (names[0] if names else None)


@cache
def _pyplot(font: str | None) -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    family = _family(font) if font else None
    plt.rcParams.update(
        {
            "svg.fonttype": "none",
            "svg.hashsalt": "kesu",
            "font.family": "sans-serif",
            "font.sans-serif": ([family] if family else []) + _FONTS,
            "axes.unicode_minus": False,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "font.size": 10,
        }
    )
    return plt


def _plt() -> Any:
    return _pyplot(font_file())


def _svg(fig: Any) -> bytes:
    global _missing_glyphs
    plt = _plt()
    buf = io.BytesIO()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    for w in caught:
        if "missing from font" in str(w.message):
            _missing_glyphs = True
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    plt.close(fig)
    return buf.getvalue()


def pareto(labels: Sequence[str], counts: Sequence[int], ylabel: str, cum_label: str) -> bytes:
    """Bars in descending order with the cumulative share as a line (right axis, %)."""
    plt = _plt()
    pairs = sorted(zip(labels, counts, strict=True), key=lambda p: (-p[1], p[0]))[:15]
    fig, ax = plt.subplots(figsize=(7.2, 3.4))
    if not pairs:
        ax.set_axis_off()
        return _svg(fig)
    names = [p[0][:24] for p in pairs]
    values = [p[1] for p in pairs]
    total = sum(values)
    cum, run = [], 0
    for v in values:
        run += v
        cum.append(100 * run / total)
    x = list(range(len(names)))
    ax.bar(x, values, color=INDIGO, width=0.65)
    tilt = len(names) > 5
    ax.set_xticks(x, names, rotation=30 if tilt else 0, ha="right" if tilt else "center")
    ax.set_ylabel(ylabel)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax2 = ax.twinx()
    ax2.plot(x, cum, color=RED, marker="o", linewidth=1.6)
    ax2.axhline(80, color=GREY, linestyle="--", linewidth=0.8)
    ax2.set_ylim(0, 105)
    ax2.set_ylabel(cum_label)
    ax2.spines["top"].set_visible(False)
    return _svg(fig)


def trend(
    months: Sequence[str],
    counts: Sequence[int],
    rates: Sequence[float | None],
    count_label: str,
    rate_label: str,
) -> bytes:
    """Complaints per month (bars) and the on-time rate (line, %, gaps where undefined)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.2, 3.2))
    x = list(range(len(months)))
    ax.bar(x, counts, color=INDIGO, width=0.6, label=count_label)
    ax.set_xticks(
        x,
        months,
        rotation=45 if len(months) > 8 else 0,
        ha="right" if len(months) > 8 else "center",
    )
    ax.set_ylabel(count_label)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax2 = ax.twinx()
    ax2.plot(
        x,
        [float("nan") if r is None else r for r in rates],
        color=RED,
        marker="o",
        linewidth=1.6,
        label=rate_label,
    )
    ax2.set_ylim(0, 105)
    ax2.set_ylabel(rate_label)
    ax2.spines["top"].set_visible(False)
    return _svg(fig)
