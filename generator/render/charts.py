"""Charts drawn at build time as SVG with matplotlib (decision 10: offline, printable).

Text stays text in the SVG (``svg.fonttype: none``), so the browser draws Chinese with the
reader's own CJK font and nothing is fetched. Output is deterministic (fixed hash salt, no
date) so unchanged data leaves the files untouched.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cache
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


@cache
def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "svg.fonttype": "none",
            "svg.hashsalt": "kesu",
            "font.family": "sans-serif",
            "font.sans-serif": _FONTS,
            "axes.unicode_minus": False,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "font.size": 10,
        }
    )
    return plt


def _svg(fig: Any) -> bytes:
    plt = _pyplot()
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    return buf.getvalue()


def pareto(labels: Sequence[str], counts: Sequence[int], ylabel: str, cum_label: str) -> bytes:
    """Bars in descending order with the cumulative share as a line (right axis, %)."""
    plt = _pyplot()
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
    plt = _pyplot()
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
