"""Figure style and drawing functions for reports: colour-blind safe, readable, redundant encoding.

Colours follow Okabe & Ito (2008), a palette that stays distinguishable for the common forms of
colour blindness; sequential data use ``cividis`` (Nuñez, Anderton & Renslow 2018). Lines also differ
by marker and style, so no information rests on colour alone (WCAG 2.1 success criterion 1.4.1).
Each function draws on a given matplotlib Axes from a tidy table, which the report also publishes as
the figure's data table.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
LINESTYLES = ["-", "--", "-.", ":", "-", "--", "-.", ":"]
TEXT_COLOUR = "#1a1a1a"


def apply_style() -> None:
    """Matplotlib defaults for report figures (large enough text, dark text, no chart junk)."""
    import matplotlib as mpl

    mpl.rcParams.update({
        "font.size": 11,
        "axes.titlesize": 12,
        "axes.labelsize": 11,
        "axes.edgecolor": TEXT_COLOUR,
        "axes.labelcolor": TEXT_COLOUR,
        "xtick.color": TEXT_COLOUR,
        "ytick.color": TEXT_COLOUR,
        "text.color": TEXT_COLOUR,
        "axes.prop_cycle": mpl.cycler(color=OKABE_ITO),
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.color": "#d0d0d0",
        "grid.linewidth": 0.6,
        "legend.frameon": False,
        "svg.hashsalt": "evaluation",
        "figure.facecolor": "white",
    })


def lines(ax: Any, data: pd.DataFrame, *, x: str, y: str, group: str | None = None, lower: str | None = None,
          upper: str | None = None, xlabel: str = "", ylabel: str = "", vline: float | None = None,
          vline_label: str | None = None) -> None:
    """One line per group with markers, optional interval band, optional vertical line (e.g. programme start)."""
    groups = [(None, data)] if group is None else list(data.groupby(group, sort=False))
    for i, (name, g) in enumerate(groups):
        g = g.sort_values(x)
        colour = OKABE_ITO[i % len(OKABE_ITO)]
        ax.plot(g[x], g[y], marker=MARKERS[i % len(MARKERS)], linestyle=LINESTYLES[i % len(LINESTYLES)],
                color=colour, label=None if name is None else str(name), linewidth=1.8, markersize=5)
        if lower and upper and g[lower].notna().any():
            ax.fill_between(g[x].to_numpy(dtype=float), g[lower].to_numpy(dtype=float), g[upper].to_numpy(dtype=float),
                            color=colour, alpha=0.15, linewidth=0)
    if vline is not None:
        ax.axvline(vline, color=TEXT_COLOUR, linestyle=":", linewidth=1.2)
        if vline_label:
            ax.annotate(vline_label, xy=(vline, 1.0), xycoords=("data", "axes fraction"), xytext=(3, -12),
                        textcoords="offset points", fontsize=9)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if group is not None:
        ax.legend(loc="best", fontsize=9)
    if pd.api.types.is_numeric_dtype(data[x]):
        ax.xaxis.set_major_locator(__import__("matplotlib.ticker", fromlist=["MaxNLocator"]).MaxNLocator(integer=True))


def hbars(ax: Any, data: pd.DataFrame, *, label: str, value: str, lower: str | None = None, upper: str | None = None,
          xlabel: str = "", reference: float | None = None, colour_by: str | None = None,
          order: Sequence[str] | None = None) -> None:
    """Horizontal bars (or points with intervals when ``lower``/``upper`` are given), one per row."""
    d = data.reset_index(drop=True)
    ypos = np.arange(len(d))[::-1]
    if colour_by is not None:
        cats = list(order) if order is not None else list(dict.fromkeys(d[colour_by]))
        colours = [OKABE_ITO[cats.index(c) % len(OKABE_ITO)] if c in cats else "#777777" for c in d[colour_by]]
    else:
        colours = [OKABE_ITO[0]] * len(d)
    vals = d[value].to_numpy(dtype=float)
    if lower and upper:
        lo = d[lower].to_numpy(dtype=float)
        hi = d[upper].to_numpy(dtype=float)
        for yy, v, a, b, c in zip(ypos, vals, lo, hi, colours):
            if np.isfinite(a) and np.isfinite(b):
                ax.plot([a, b], [yy, yy], color=c, linewidth=2)
            ax.plot([v], [yy], marker="o", color=c, markersize=6)
    else:
        ax.barh(ypos, np.nan_to_num(vals), color=colours, edgecolor=TEXT_COLOUR, linewidth=0.5)
    if reference is not None:
        ax.axvline(reference, color=TEXT_COLOUR, linewidth=1, linestyle="--")
    ax.set_yticks(ypos)
    ax.set_yticklabels([str(s) for s in d[label]], fontsize=9)
    ax.set_xlabel(xlabel)
    if colour_by is not None:
        from matplotlib.patches import Patch

        present = [c for c in (order or cats) if c in set(d[colour_by])]
        ax.legend(handles=[Patch(color=OKABE_ITO[(list(order or cats)).index(c) % len(OKABE_ITO)], label=str(c)) for c in present],
                  loc="lower right", fontsize=8)


def heatmap(ax: Any, matrix: pd.DataFrame, *, value_format: str = ".2f", cbar_label: str = "") -> None:
    """A labelled heat map (seaborn) in cividis with the value in each cell; text colour follows the cell."""
    import seaborn as sns

    small = matrix.shape[0] * matrix.shape[1] <= 400
    sns.heatmap(matrix.astype(float), cmap="cividis", annot=small, fmt=value_format, annot_kws={"fontsize": 7},
                linewidths=0.5, linecolor="white", cbar_kws={"label": cbar_label}, ax=ax)
    ax.grid(False)
    if small and ax.collections:
        # label colour by WCAG contrast with the cell (seaborn's luminance cut leaves white on mid-grey)
        faces = ax.collections[0].get_facecolors()
        for txt, rgba in zip(ax.texts, faces):
            lum = _relative_luminance(rgba[:3])
            txt.set_color("black" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "white")
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.tick_params(axis="x", labelrotation=45, labelsize=8)
    ax.tick_params(axis="y", labelrotation=0, labelsize=8)
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")


def _relative_luminance(rgb) -> float:
    """WCAG 2.1 relative luminance of an sRGB colour with components in [0, 1]."""
    c = np.asarray(rgb, dtype=float)
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2])
