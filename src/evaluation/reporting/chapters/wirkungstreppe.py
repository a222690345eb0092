"""Chapter "Wirkungstreppe": measures and indicators by step of the impact staircase, target attainment
(with the interval-aware status rule of :mod:`evaluation.indicators.targets`) and the series behind it."""

from __future__ import annotations

import pandas as pd

from ...indicators.rates import add_intervals
from ...texts import text
from ...vocabulary import WIRKUNGSEBENE, WIRKUNGSSTUFEN
from ..blocks import ColumnSpec, Paragraph, Section
from ..context import ReportContext, fmt_de
from ..figures import hbars, lines

STATUS_ORDER = ["erreicht", "auf Kurs", "nicht auf Kurs", "nicht bewertbar"]


def _t(key: str, **kw) -> str:
    return text("report", f"treppe.{key}", **kw)


def steps_table(ctx: ReportContext) -> pd.DataFrame:
    measures = ctx.table("measures")
    reg = ctx.register_table
    with_target = set(ctx.targets["indicator_id"]) if not ctx.targets.empty else set()
    rows = []
    for step, name in WIRKUNGSSTUFEN.items():
        ids = reg.loc[reg["wirkungsstufe"] == step, "indicator_id"]
        rows.append({"step": step, "name": name, "level": WIRKUNGSEBENE[step],
                     "measures": int((pd.to_numeric(measures.get("wirkungsstufe"), errors="coerce") == step).sum())
                     if not measures.empty else 0,
                     "indicators": int(len(ids)), "targets": int(sum(i in with_target for i in ids))})
    return pd.DataFrame(rows)


def attainment_view(ctx: ReportContext) -> pd.DataFrame:
    a = ctx.attainment.copy()
    if a.empty:
        return a
    a["share_pct"] = a["share"] * 100
    a["ci"] = [f"{fmt_de(lo)} – {fmt_de(hi)}" if pd.notna(lo) and pd.notna(hi) else "–"
               for lo, hi in zip(a["ci_low"], a["ci_high"])]
    order = {s: i for i, s in enumerate(STATUS_ORDER)}
    a["_o"] = a["status_label"].map(order)
    return a.sort_values(["_o", "wirkungsstufe", "name"]).drop(columns="_o").reset_index(drop=True)


def wirkungstreppe(ctx: ReportContext) -> Section:
    sec = Section(text("report", "chapters.wirkungstreppe"))
    sec.add(Paragraph(_t("intro")))
    steps = steps_table(ctx)
    sec.add(ctx.table_block(steps, _t("steps_caption"), [
        ColumnSpec("step", _t("col_step"), "number", 0), ColumnSpec("name", _t("col_step_name")),
        ColumnSpec("level", _t("col_level")), ColumnSpec("measures", _t("col_measures"), "number", 0),
        ColumnSpec("indicators", _t("col_indicators"), "number", 0), ColumnSpec("targets", _t("col_targets"), "number", 0)],
        name="wirkungstreppe_stufen"))
    sec.add(attainment_section(ctx))
    sec.add(series_section(ctx))
    return sec


def attainment_section(ctx: ReportContext) -> Section:
    sub = Section(_t("attainment_heading"), level=3)
    a = attainment_view(ctx)
    if a.empty:
        return sub.add(Paragraph(_t("no_targets", name=ctx.name)))
    cols = [ColumnSpec("name", _t("col_indicator")), ColumnSpec("wirkungsstufe", _t("col_step"), "number", 0),
            ColumnSpec("baseline_year", _t("col_baseline_year"), "number", 0), ColumnSpec("baseline", _t("col_baseline"), "number"),
            ColumnSpec("target", _t("col_target"), "number"), ColumnSpec("target_year", _t("col_target_year"), "number", 0),
            ColumnSpec("latest", _t("col_latest"), "number"), ColumnSpec("latest_year", _t("col_latest_year"), "number", 0),
            ColumnSpec("ci", _t("col_ci")), ColumnSpec("share_pct", _t("col_share"), "number", 0),
            ColumnSpec("projection", _t("col_projection"), "number"), ColumnSpec("status_label", _t("col_status"))]
    cols = [c for c in cols if c.name in a.columns]
    tbl = ctx.table_block(a, _t("attainment_caption"), cols, name="zielerreichung", row_header="name")
    counts = a["status"].value_counts()
    summary = _t("attainment_summary", **{k: int(counts.get(k, 0)) for k in ["achieved", "on_track", "off_track", "not_assessable"]})
    plot = a.assign(share_plot=a["share_pct"].clip(-100, 200))
    fig = ctx.figure_block(
        lambda ax: hbars(ax, plot, label="name", value="share_plot", xlabel=_t("col_share"), reference=100,
                         colour_by="status_label", order=STATUS_ORDER),
        alt=_t("attainment_alt", n=len(a), summary=summary), caption=_t("attainment_fig_caption"), table=tbl,
        height=max(3.0, 0.38 * len(a) + 1.2))
    return sub.add(Paragraph(summary), fig)


def series_section(ctx: ReportContext, max_indicators: int = 4) -> Section:
    """Series with 95 % intervals for the targeted indicators (published values only)."""
    sub = Section(_t("series_heading"), level=3)
    values = ctx.published_values
    ids = [i for i in ctx.targets["indicator_id"] if i in set(values["indicator_id"])] if not ctx.targets.empty else []
    for indicator_id in ids[:max_indicators]:
        ind = ctx.register[indicator_id]
        v = values[(values["indicator_id"] == indicator_id) & (values["area_id"] == ctx.municipality_id)]
        if v["value"].notna().sum() < 2:
            continue
        v = add_intervals(v, ind.kind, scale=ind.scale if ind.kind in ("proportion", "rate") else None) \
            if ind.kind != "mean" else v.assign(estimate=v["value"], ci_low=float("nan"), ci_high=float("nan"))
        v = v.sort_values("year")
        v["estimate"] = v["value"]  # the published value (weighted where flagged), interval from the counts
        table = v[["year", "numerator", "denominator", "value", "ci_low", "ci_high"]]
        first, last = int(table["year"].min()), int(table["year"].max())
        tbl = ctx.table_block(table, _t("series_caption", indicator=ind.name, name=ctx.name, first=first, last=last), [
            ColumnSpec("year", text("report", "kontext.col_year")),
            ColumnSpec("numerator", _t("col_numerator"), "count"), ColumnSpec("denominator", _t("col_denominator"), "number", 0),
            ColumnSpec("value", _t("col_value"), "number"), ColumnSpec("ci_low", _t("col_ci_low"), "number"),
            ColumnSpec("ci_high", _t("col_ci_high"), "number")],
            name=f"reihe_{indicator_id}", row_header="year")
        vals = table["value"].dropna()
        alt = _t("series_alt", indicator=ind.name, name=ctx.name, first=first, last=last, v_first=fmt_de(vals.iloc[0]),
                 v_last=fmt_de(vals.iloc[-1]), unit=text("report", f"units.{ind.unit}"), start=ctx.programme_start)
        sub.add(ctx.figure_block(
            lambda ax, table=table, ind=ind: lines(ax, table, x="year", y="value", lower="ci_low", upper="ci_high",
                                                   xlabel=text("report", "kontext.col_year"),
                                                   ylabel=text("report", f"units.{ind.unit}"),
                                                   vline=ctx.programme_start - 0.5, vline_label=_t("programme_start")),
            alt=alt, caption=_t("series_caption", indicator=ind.name, name=ctx.name, first=first, last=last), table=tbl))
    return sub
