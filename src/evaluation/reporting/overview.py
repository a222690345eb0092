"""The overview report: the model municipalities side by side (targets, impact estimates, index).

Renders an :class:`~evaluation.analysis.OverviewAnalysis` (:func:`evaluation.analysis.analyse_overview`),
which holds each municipality's own analysis bundle: every number in the overview is the number of
the municipality's own report (same field, same rounding).
"""

from __future__ import annotations

import pandas as pd

from ..analysis.bundle import OverviewAnalysis
from ..texts import text
from .blocks import ColumnSpec, Paragraph, Section, TableSink
from .chapters.index import index_table
from .chapters.wirkung import verdict_label
from .context import ReportContext, fmt_de
from .figures import OKABE_ITO

STATUS_KEYS = ["achieved", "on_track", "off_track", "not_assessable"]


def _t(key: str, **kw) -> str:
    return text("report", f"overview.{key}", **kw)


class OverviewContext:
    """An overview being rendered: the :class:`OverviewAnalysis` and the table sink."""

    def __init__(self, analysis: OverviewAnalysis, sink: TableSink | None = None) -> None:
        self.analysis = analysis
        self.sink = sink if sink is not None else TableSink(None)
        self.contexts = [ReportContext(m, self.sink) for m in analysis.municipalities]
        self.year = analysis.year

    @classmethod
    def of(cls, analysis, sink: TableSink | None = None) -> OverviewContext:
        return analysis if isinstance(analysis, OverviewContext) else cls(analysis, sink)

    @property
    def demo(self) -> bool:
        return self.analysis.demo

    def table_block(self, *args, **kwargs):
        return self.contexts[0].table_block(*args, **kwargs)


def status_counts(octx: OverviewContext) -> pd.DataFrame:
    rows = []
    for c in octx.contexts:
        counts = c.a.targets.counts if not c.a.targets.error else {}
        rows.append({"municipality": c.name, **{k: int(counts.get(k, 0)) for k in STATUS_KEYS}})
    return pd.DataFrame(rows, columns=["municipality", *STATUS_KEYS])


def zielerreichung(analysis, sink=None) -> Section:
    octx = OverviewContext.of(analysis, sink)
    sec = Section(_t("heading_targets"))
    sec.add(Paragraph(_t("intro", n=len(octx.contexts), year=octx.year)))
    for c in octx.contexts:
        if c.a.targets.error:
            sec.add(Paragraph(_t("not_available", name=c.name, what=text("report", "treppe.attainment_heading"),
                                 reason=c.a.targets.error)))
    counts = status_counts(octx)
    labels = {k: text("indicators", f"status.{k}") for k in STATUS_KEYS}
    cols = [ColumnSpec("municipality", _t("col_municipality"))] + [ColumnSpec(k, labels[k], "number", 0) for k in STATUS_KEYS]
    tbl = octx.table_block(counts, _t("status_caption"), cols, name="uebersicht_zielerreichung", row_header="municipality")

    def draw(ax, counts=counts):
        left = pd.Series(0.0, index=counts.index)
        y = range(len(counts))[::-1]
        for i, k in enumerate(STATUS_KEYS):
            ax.barh(list(y), counts[k], left=left, color=OKABE_ITO[i], edgecolor="#1a1a1a", linewidth=0.5,
                    label=labels[k], hatch=["", "//", "..", "xx"][i])
            left = left + counts[k]
        ax.set_yticks(list(y))
        ax.set_yticklabels(counts["municipality"])
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=len(STATUS_KEYS), frameon=False)

    summary = "; ".join(f"{r.municipality}: {r.achieved} {labels['achieved']}" for r in counts.itertuples())
    sec.add(octx.contexts[0].figure_block(draw, alt=_t("status_alt", n=len(counts), summary=summary),
                                          caption=_t("status_fig_caption"), table=tbl, values=STATUS_KEYS))
    frames = [c.a.targets.table[["name", "status_label"]].assign(municipality=c.name)
              for c in octx.contexts if not c.a.targets.error and not c.a.targets.table.empty]
    if frames:
        matrix = pd.concat(frames).pivot_table(index="name", columns="municipality", values="status_label",
                                               aggfunc="first").reset_index()
        cols = [ColumnSpec("name", text("report", "treppe.col_indicator"))] + [
            ColumnSpec(m, m) for m in matrix.columns if m != "name"]
        sec.add(octx.table_block(matrix, _t("matrix_caption"), cols, name="uebersicht_status_matrix", row_header="name"))
    return sec


def wirkung(analysis, sink=None) -> Section:
    octx = OverviewContext.of(analysis, sink)
    sec = Section(_t("heading_impact"))
    frames = []
    for c in octx.contexts:
        if c.a.effects.error:
            sec.add(Paragraph(_t("not_available", name=c.name, what=text("report", "chapters.wirkung"),
                                 reason=c.a.effects.error)))
            continue
        h = c.a.effects.headline()
        if not h.empty:
            frames.append(h.assign(municipality=c.name, n_pool=c.a.comparison.n_pool))
    if not frames:
        return sec
    est = pd.concat(frames, ignore_index=True)
    est["ci"] = [f"{fmt_de(a, 2)} – {fmt_de(b, 2)}" for a, b in zip(est["ci_low"], est["ci_high"])]
    est["verdict_label"] = est["verdict"].map(verdict_label)
    est["direction_word"] = est["direction"].map(lambda d: text("report", f"wirkung.direction.{d}"))
    sec.add(octx.table_block(est, text("report", "overview.heading_impact"), [
        ColumnSpec("municipality", _t("col_municipality")), ColumnSpec("name", text("report", "treppe.col_indicator")),
        ColumnSpec("estimate", text("report", "wirkung.col_estimate"), "number", 2),
        ColumnSpec("unit_label", _t("col_unit")), ColumnSpec("ci", text("report", "treppe.col_ci")),
        ColumnSpec("direction_word", _t("col_direction")), ColumnSpec("verdict_label", _t("col_verdict")),
        ColumnSpec("n_pool", _t("col_n_pool"), "number", 0),
        ColumnSpec("method_label", _t("col_method"))], name="uebersicht_wirkung"))
    return sec


def index(analysis, sink=None) -> Section:
    octx = OverviewContext.of(analysis, sink)
    sec = Section(_t("heading_index"))
    names = {c.municipality_id: c.name for c in octx.contexts}
    return sec.add(*index_table(octx.contexts[0], octx.analysis.index, names, highlight=list(names),
                                name="uebersicht_index"))


def methoden(analysis, sink=None) -> Section:
    return Section(_t("heading_methods"), [Paragraph(_t("methods"))])
