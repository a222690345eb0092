"""The overview report: the model municipalities side by side (targets, impact estimates, index).

Renders an :class:`~evaluation.analysis.OverviewAnalysis` (:func:`evaluation.analysis.analyse_overview`),
which holds each municipality's own analysis bundle: every number in the overview is the number of
the municipality's own report (same field, same rounding).
"""

from __future__ import annotations

import pandas as pd

from ..analysis.bundle import OverviewAnalysis
from ..texts import text
from .blocks import ColumnSpec, Paragraph, Section, TableSink, count_noun, numerus
from .chapters.wirkung import direction_word, verdict_label
from .context import ReportContext, fmt_de
from .easy_language import place_forms
from .figures import STATUS_COLOURS, STATUS_HATCHES, forest

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


def municipality_order(octx: OverviewContext) -> list[str]:
    """One order of the model municipalities for every table and figure of the overview (by name)."""
    return sorted((c.name for c in octx.contexts), key=str.casefold)


def status_counts(octx: OverviewContext) -> pd.DataFrame:
    rows = []
    for c in octx.contexts:
        counts = c.a.targets.counts if not c.a.targets.error else {}
        rows.append({"municipality": c.name, **{k: int(counts.get(k, 0)) for k in STATUS_KEYS}})
    order = {n: i for i, n in enumerate(municipality_order(octx))}
    out = pd.DataFrame(rows, columns=["municipality", *STATUS_KEYS])
    return out.assign(_o=out["municipality"].map(order)).sort_values("_o").drop(columns="_o").reset_index(drop=True)


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " und " + names[-1]


def _subject(name: str) -> str:
    """A municipality inside a sentence, with its article: "Erlangen", "die Verbandsgemeinde Nieder-Olm"."""
    s = place_forms(name)[0]
    return s if s == name else s[0].lower() + s[1:]


def interpretation(octx: OverviewContext) -> list[str]:
    """Sentences that read the comparison: who reached most targets, which targets are off track
    everywhere, and how many effects hold (from the bundles' status counts and verdicts)."""
    out: list[str] = []
    counts = status_counts(octx)
    counts = counts[counts[STATUS_KEYS].sum(axis=1) > 0]
    if len(counts):
        best = counts["achieved"].max()
        leaders = counts.loc[counts["achieved"] == best, "municipality"].tolist()
        total = counts.set_index("municipality")[STATUS_KEYS].sum(axis=1)
        out.append(_t("interp_leader", names=_names([_subject(m) for m in leaders]), k=int(best),
                      n=int(total[leaders[0]]), verb=numerus(len(leaders), "hat", "haben")))
        if int(counts["off_track"].sum()):
            worst = int(counts["off_track"].max())  # every municipality with that many, not only the first
            most = [_subject(str(m)) for m in counts.loc[counts["off_track"] == worst, "municipality"]]
            out.append(_t("interp_off_track", names=_names(most), k=worst, verb=numerus(len(most), "hat", "haben")))
    frames = [c.a.targets.table[["name", "status"]].assign(m=c.name) for c in octx.contexts
              if not c.a.targets.error and not c.a.targets.table.empty]
    if len(frames) > 1:
        t = pd.concat(frames)
        everywhere = [str(n) for n, g in t.groupby("name") if g["m"].nunique() == len(frames) and (g["status"] == "off_track").all()]
        if everywhere:
            out.append(_t("interp_common_off", names=_names(sorted(everywhere))))
    eff = [c.a.effects.headline().assign(m=c.name) for c in octx.contexts if not c.a.effects.error]
    eff = [e for e in eff if len(e)]
    if eff:
        e = pd.concat(eff)
        k = {v: int((e["verdict"] == v).sum()) for v in ("robust", "indication", "unclear", "not_interpretable")}
        out.append(_t("interp_effects", n_text=count_noun(len(e), "schaetzung"), robust=k["robust"],
                      indication=k["indication"], unclear=k["unclear"], not_interpretable=k["not_interpretable"]))
        good = e[(e["verdict"] == "robust") & (e["direction"] == "improvement")]
        if len(good):
            out.append(_t("interp_robust", items=_names([f"{r.name} ({r.m})" for r in good.itertuples()])))
        else:
            out.append(_t("interp_no_robust"))
    return out


def zielerreichung(analysis, sink=None) -> Section:
    octx = OverviewContext.of(analysis, sink)
    sec = Section(_t("heading_targets"))
    sec.add(Paragraph(_t("intro", n=len(octx.contexts), year=octx.year)))
    for c in octx.contexts:
        if c.a.targets.error:
            sec.add(Paragraph(_t("not_available", name=c.name, what=text("report", "treppe.attainment_heading"),
                                 reason=c.a.targets.error)))
    reading = interpretation(octx)
    if reading:
        sec.add(Section(_t("heading_reading"), [Paragraph(" ".join(reading))], level=3))
    counts = status_counts(octx)
    labels = {k: text("indicators", f"status.{k}") for k in STATUS_KEYS}
    cols = [ColumnSpec("municipality", _t("col_municipality"))] + [ColumnSpec(k, labels[k], "number", 0) for k in STATUS_KEYS]
    tbl = octx.table_block(counts, _t("status_caption"), cols, name="uebersicht_zielerreichung", row_header="municipality")

    def draw(ax, counts=counts):
        left = pd.Series(0.0, index=counts.index)
        y = list(range(len(counts)))[::-1]
        for k in STATUS_KEYS:
            ax.barh(y, counts[k], left=left, color=STATUS_COLOURS[k], edgecolor="#1a1a1a", linewidth=0.5,
                    label=labels[k], hatch=STATUS_HATCHES[k])
            left = left + counts[k]
        ax.set_yticks(y)
        ax.set_yticklabels(counts["municipality"])
        ax.set_xlabel(_t("col_n_indicators"))
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=len(STATUS_KEYS), frameon=False)

    summary = "; ".join(f"{r.municipality}: {r.achieved} {labels['achieved']}" for r in counts.itertuples())
    sec.add(octx.contexts[0].figure_block(draw, alt=_t("status_alt", n=len(counts), summary=summary),
                                          caption=_t("status_fig_caption"), table=tbl, values=STATUS_KEYS))
    frames = [c.a.targets.table[["name", "status_label"]].assign(municipality=c.name)
              for c in octx.contexts if not c.a.targets.error and not c.a.targets.table.empty]
    if frames:
        matrix = pd.concat(frames).pivot_table(index="name", columns="municipality", values="status_label",
                                               aggfunc="first").reset_index()
        present = [m for m in municipality_order(octx) if m in matrix.columns]
        cols = [ColumnSpec("name", text("report", "treppe.col_indicator"))] + [ColumnSpec(m, m) for m in present]
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
    order = municipality_order(octx)
    est["_o"] = est["municipality"].map({m: i for i, m in enumerate(order)})
    est = est.sort_values(["name", "_o"], kind="stable").drop(columns="_o").reset_index(drop=True)
    est["ci"] = [f"{fmt_de(a, 2)} – {fmt_de(b, 2)}" for a, b in zip(est["ci_low"], est["ci_high"])]
    est["verdict_label"] = est["verdict"].map(verdict_label)
    # as in the Wirkung chapter: an interval that includes 0 gives the point estimate's direction only
    est["direction_word"] = [direction_word(r) if pd.notna(r.estimate) else "–" for r in est.itertuples()]
    est["better_word"] = est["polarity"].map(lambda p: text("report", "methoden.polarity_up") if p == 1 else
                                             text("report", "methoden.polarity_down") if p == -1 else
                                             text("report", "methoden.polarity_none"))
    methods = sorted(set(est["method_label"].dropna().astype(str)))
    sec.add(Paragraph(_t("method_once", methods=_names(methods) if methods else "–")))
    for name, g in est.groupby("name", sort=True):
        g = g.reset_index(drop=True)
        unit = str(g["unit_label"].iloc[0])
        ok = g.dropna(subset=["estimate"])
        tbl = octx.table_block(g, _t("forest_caption", indicator=name, unit=unit), [
            ColumnSpec("municipality", _t("col_municipality")),
            ColumnSpec("estimate", _t("col_estimate_unit", unit=unit), "number", 2),
            ColumnSpec("ci", text("report", "treppe.col_ci")), ColumnSpec("verdict_label", _t("col_verdict"))],
            row_header="municipality")
        alt = _t("forest_alt", indicator=name, n=len(ok), unit=unit,
                 values="; ".join(f"{r.municipality}: {fmt_de(r.estimate, 2)} ({fmt_de(r.ci_low, 2)} bis {fmt_de(r.ci_high, 2)})"
                                  for r in ok.itertuples()))
        sec.add(octx.contexts[0].figure_block(
            lambda ax, g=g, unit=unit: forest(ax, g, label="municipality", estimate="estimate", lower="ci_low",
                                               upper="ci_high", order=order, xlabel=_t("forest_xlabel", unit=unit)),
            alt=alt, caption=_t("forest_caption", indicator=name, unit=unit), table=tbl,
            width=7.0, height=max(1.8, 0.42 * len(order) + 1.0), values=["estimate"]))
    sec.add(octx.table_block(est, _t("effects_caption"), [
        ColumnSpec("name", text("report", "treppe.col_indicator")), ColumnSpec("municipality", _t("col_municipality")),
        ColumnSpec("estimate", text("report", "wirkung.col_estimate"), "number", 2),
        ColumnSpec("unit_label", _t("col_unit")), ColumnSpec("ci", text("report", "treppe.col_ci")),
        ColumnSpec("better_word", _t("col_polarity")), ColumnSpec("direction_word", _t("col_direction")),
        ColumnSpec("verdict_label", _t("col_verdict")), ColumnSpec("n_pool", _t("col_n_pool"), "number", 0)],
        name="uebersicht_wirkung"))
    return sec


def index(analysis, sink=None) -> Section:
    octx = OverviewContext.of(analysis, sink)
    sec = Section(_t("heading_index"))
    ix = octx.analysis.index
    if ix.error:
        return sec.add(Paragraph(text("report", "index.not_possible", reason=ix.error)))
    ids = {c.municipality_id for c in octx.contexts}
    league = ix.ranks[ix.ranks["municipality_id"].isin(ids)].sort_values("rank").reset_index(drop=True)
    sec.add(Paragraph(_t("index_league_intro", n_models=len(league), n_units=ix.n_units, year=ix.year)))
    sec.add(octx.table_block(league, _t("index_league_caption", year=ix.year), [
        ColumnSpec("municipality", text("report", "index.col_municipality")),
        ColumnSpec("score", text("report", "index.col_score"), "number"),
        ColumnSpec("rank", _t("col_rank_all", n=ix.n_units), "number", 0),
        ColumnSpec("rank_low", text("report", "index.col_rank_low"), "number", 0),
        ColumnSpec("rank_high", text("report", "index.col_rank_high"), "number", 0)],
        name="uebersicht_index", row_header="municipality"))
    pool = ix.ranks[~ix.ranks["municipality_id"].isin(ids)]
    if len(pool):
        sec.add(Paragraph(_t("index_pool", n=len(pool))))
    return sec


def methoden(analysis, sink=None) -> Section:
    return Section(_t("heading_methods"), [Paragraph(_t("methods"))])
