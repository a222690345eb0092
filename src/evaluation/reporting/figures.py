"""Figure style and drawing functions for reports: colour-blind safe, readable, redundant encoding.

Colours follow Okabe & Ito (2008), a palette that stays distinguishable for the common forms of
colour blindness; sequential data use ``cividis`` (Nuñez, Anderton & Renslow 2018). Lines also differ
by marker and style, so no information rests on colour alone (WCAG 2.1 success criterion 1.4.1).
Each function draws on a given matplotlib Axes from a tidy table, which the report also publishes as
the figure's data table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
LINESTYLES = ["-", "--", "-.", ":", "-", "--", "-.", ":"]
TEXT_COLOUR = "#1a1a1a"
#: target status -> colour that matches the word (Okabe & Ito): reached = bluish green, on track = sky
#: blue, off track = vermillion, not assessable = grey; "nicht auf Kurs" is never green
STATUS_COLOURS = {
    "erreicht": "#009E73", "achieved": "#009E73",
    "auf Kurs": "#56B4E9", "on_track": "#56B4E9",
    "nicht auf Kurs": "#D55E00", "off_track": "#D55E00",
    "nicht bewertbar": "#8C8C8C", "not_assessable": "#8C8C8C",
}
#: hatch per status, so the status does not rest on colour alone (WCAG 1.4.1)
STATUS_HATCHES = {"erreicht": "", "achieved": "", "auf Kurs": "//", "on_track": "//",
                  "nicht auf Kurs": "xx", "off_track": "xx", "nicht bewertbar": "..", "not_assessable": ".."}


def readable_label(value: Any, labels: Mapping[Any, str] | None = None) -> str:
    """The label a reader sees for a data value in a legend or on an axis.

    ``labels`` first; then whole-number floats as integers (a wave ``2018.0`` is "2018"); then the
    indicator register's names for indicator ids. Anything else is shown as it is, so a raw
    identifier that still reaches a figure is caught by the reader-text scan
    (:func:`evaluation.reporting.accessibility.scan_report_html`), not hidden.

    >>> readable_label(2018.0), readable_label("x", {"x": "Ein Wert"})
    ('2018', 'Ein Wert')
    """
    if labels is not None and value in labels:
        return str(labels[value])
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, str) and "_" in value:
        name = _register_names().get(value)
        if name:
            return name
    return str(value)


def _register_names() -> dict[str, str]:
    try:
        from ..register import load_register

        table = load_register().table
        return dict(zip(table["indicator_id"].astype(str), table["name"].astype(str)))
    except Exception:  # noqa: BLE001 - a label lookup must never break a figure
        return {}


def year_axis(ax: Any, years: Sequence[Any], *, axis: str = "x", max_ticks: int = 12) -> None:
    """Ticks at the given years only (e.g. the survey waves 2018, 2021, 2024), written as whole years.

    With more than ``max_ticks`` distinct years every n-th year is labelled (whole years only).
    """
    from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator

    vals = sorted({int(round(float(y))) for y in years if pd.notna(y)})
    target = ax.xaxis if axis == "x" else ax.yaxis
    if vals and len(vals) <= max_ticks:
        target.set_major_locator(FixedLocator(vals))
    else:
        target.set_major_locator(MaxNLocator(integer=True))
    target.set_major_formatter(FuncFormatter(lambda v, _pos: str(int(round(v)))))


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
          vline_label: str | None = None, labels: Mapping[Any, str] | None = None, legend_title: str | None = None) -> None:
    """One line per group with markers, optional interval band, optional vertical line (e.g. programme start).

    A numeric ``x`` is a time axis: ticks stand at the observed years only (three survey waves give
    three ticks, not 2019..2023), written as whole years. Legend entries pass through
    :func:`readable_label` (``labels`` maps data values to the words a reader sees).
    """
    groups = [(None, data)] if group is None else list(data.groupby(group, sort=False))
    for i, (name, g) in enumerate(groups):
        g = g.sort_values(x)
        colour = OKABE_ITO[i % len(OKABE_ITO)]
        ax.plot(g[x], g[y], marker=MARKERS[i % len(MARKERS)], linestyle=LINESTYLES[i % len(LINESTYLES)],
                color=colour, label=None if name is None else readable_label(name, labels), linewidth=1.8, markersize=5)
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
        ax.legend(loc="best", fontsize=9, title=legend_title)
    if pd.api.types.is_numeric_dtype(data[x]) and len(data):
        x_vals = data[x].dropna()
        if ((x_vals.round() == x_vals).all() and x_vals.between(1900, 2100).all()):
            year_axis(ax, x_vals.tolist())
        else:
            from matplotlib.ticker import MaxNLocator

            ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def hbars(ax: Any, data: pd.DataFrame, *, label: str, value: str, lower: str | None = None, upper: str | None = None,
          xlabel: str = "", reference: float | None = None, colour_by: str | None = None,
          order: Sequence[str] | None = None, colours: Mapping[str, str] | None = None,
          labels: Mapping[Any, str] | None = None, marks: str | None = None, marks_label: str | None = None,
          value_label: str | None = None) -> None:
    """Horizontal bars (or points with intervals when ``lower``/``upper`` are given), one per row.

    ``colour_by`` groups rows by colour; target statuses get colours that match their words
    (:data:`STATUS_COLOURS`) and a hatch each, other groups the Okabe-Ito palette in ``order``.
    ``marks``: a second column drawn as a black diamond per row (e.g. the median of all
    municipalities), with ``marks_label`` and ``value_label`` in the legend, so that a title that
    names both shows both.
    """
    d = data.reset_index(drop=True)
    ypos = np.arange(len(d))[::-1]
    cats: list[Any] = []
    if colour_by is not None:
        cats = list(order) if order is not None else list(dict.fromkeys(d[colour_by]))
        palette = dict(colours or {})
        if not palette and all(str(c) in STATUS_COLOURS for c in cats):
            palette = {c: STATUS_COLOURS[str(c)] for c in cats}
        cmap = {c: palette.get(c, OKABE_ITO[i % len(OKABE_ITO)]) for i, c in enumerate(cats)}
        bar_colours = [cmap.get(c, "#777777") for c in d[colour_by]]
        hatches = [STATUS_HATCHES.get(str(c), "") if str(c) in STATUS_HATCHES else "" for c in d[colour_by]]
    else:
        cmap = {}
        bar_colours = [OKABE_ITO[0]] * len(d)
        hatches = [""] * len(d)
    vals = d[value].to_numpy(dtype=float)
    if lower and upper:
        lo = d[lower].to_numpy(dtype=float)
        hi = d[upper].to_numpy(dtype=float)
        for yy, v, a, b, c in zip(ypos, vals, lo, hi, bar_colours):
            if np.isfinite(a) and np.isfinite(b):
                ax.plot([a, b], [yy, yy], color=c, linewidth=2)
            ax.plot([v], [yy], marker="o", color=c, markersize=6)
    else:
        bars = ax.barh(ypos, np.nan_to_num(vals), color=bar_colours, edgecolor=TEXT_COLOUR, linewidth=0.5)
        for bar, hatch in zip(bars, hatches):
            if hatch:
                bar.set_hatch(hatch)
    if marks is not None:
        from matplotlib.patches import Patch

        ax.plot(d[marks].to_numpy(dtype=float), ypos, linestyle="none", marker="D", markersize=6, color=TEXT_COLOUR,
                label=marks_label)
        handles = [Patch(facecolor=OKABE_ITO[0], edgecolor=TEXT_COLOUR, label=value_label or "")] if value_label else []
        ax.legend(handles=handles + [ax.lines[-1]], loc="lower right", fontsize=8)
    if reference is not None:
        ax.axvline(reference, color=TEXT_COLOUR, linewidth=1, linestyle="--")
    ax.set_yticks(ypos)
    ax.set_yticklabels([readable_label(v, labels) for v in d[label]], fontsize=9)
    ax.set_xlabel(xlabel)
    if colour_by is not None:
        from matplotlib.patches import Patch

        present = [c for c in cats if c in set(d[colour_by])]
        ax.legend(handles=[Patch(facecolor=cmap[c], edgecolor=TEXT_COLOUR, hatch=STATUS_HATCHES.get(str(c), ""),
                                 label=readable_label(c, labels)) for c in present],
                  loc="lower right", fontsize=8)


def forest(ax: Any, data: pd.DataFrame, *, label: str, estimate: str, lower: str, upper: str,
           order: Sequence[str] | None = None, xlabel: str = "", reference: float = 0.0,
           highlight: Sequence[str] = ()) -> None:
    """A forest plot: one row per unit (e.g. model municipality) with its estimate and interval.

    Rows follow ``order`` (the same order in every figure and table of a report), top to bottom;
    units in ``order`` without a value keep their row, empty, so rows line up across indicators.
    The dashed line marks ``reference`` (no effect). Intervals that exclude the reference are drawn
    with filled markers, the others hollow (not colour alone).
    """
    d = data.set_index(label)
    rows = list(order) if order is not None else list(d.index)
    ypos = np.arange(len(rows))[::-1]
    for yy, name in zip(ypos, rows):
        if name not in d.index:
            continue
        r = {str(k): v for k, v in d.loc[name].to_dict().items()}
        est, lo, hi = float(r[estimate]), float(r[lower]), float(r[upper])
        clear = np.isfinite(lo) and np.isfinite(hi) and (lo > reference or hi < reference)
        colour = OKABE_ITO[0] if name not in highlight else OKABE_ITO[5]
        if np.isfinite(lo) and np.isfinite(hi):
            ax.plot([lo, hi], [yy, yy], color=colour, linewidth=2)
        ax.plot([est], [yy], marker="s", markersize=7, color=colour, markerfacecolor=colour if clear else "white")
    ax.axvline(reference, color=TEXT_COLOUR, linewidth=1, linestyle="--")
    ax.set_yticks(ypos)
    ax.set_yticklabels([str(r) for r in rows], fontsize=9)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.set_xlabel(xlabel)
    ax.grid(axis="y", visible=False)


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
