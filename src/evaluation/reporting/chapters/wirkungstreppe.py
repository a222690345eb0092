"""Chapter "Wirkungstreppe": measures and indicators by step of the impact staircase, target attainment
(the status rule of :mod:`evaluation.indicators.targets`) and the series behind it. Renders
``bundle.targets`` and ``bundle.indicators.series``."""

from __future__ import annotations

import pandas as pd

from ...texts import text
from ..blocks import ColumnSpec, Paragraph, Section
from ..context import ReportContext, fmt_de, unavailable
from ..figures import hbars, lines

STATUS_ORDER = ["erreicht", "auf Kurs", "nicht auf Kurs", "nicht bewertbar"]


def _t(key: str, **kw) -> str:
    return text("report", f"treppe.{key}", **kw)


def attainment_view(ctx: ReportContext) -> pd.DataFrame:
    a = ctx.a.targets.table.copy()
    if a.empty:
        return a
    a["ci"] = [f"{fmt_de(lo)} – {fmt_de(hi)}" if pd.notna(lo) and pd.notna(hi) else "–"
               for lo, hi in zip(a["ci_low"], a["ci_high"])]
    flags = []
    for r in a.itertuples():
        f = []
        if r.small_n:
            f.append(_t("flag_small_n", min=ctx.a.meta.choices.get("analysis", {}).get("min_respondents", 30)))
        if r.capped:
            f.append(_t("flag_capped"))
        if getattr(r, "reason", None) == "baseline_suppressed":  # else a bare "–" without a reason
            f.append(_t("flag_baseline_suppressed"))
        flags.append("; ".join(f) or "–")
    a["note"] = flags
    order = {s: i for i, s in enumerate(STATUS_ORDER)}
    a["_o"] = a["status_label"].map(order)
    return a.sort_values(["_o", "wirkungsstufe", "name"]).drop(columns="_o").reset_index(drop=True)


def wirkungstreppe(bundle, sink=None) -> Section:
    ctx = ReportContext.of(bundle, sink)
    sec = Section(text("report", "chapters.wirkungstreppe"))
    sec.add(Paragraph(_t("intro")))
    t = ctx.a.targets
    if t.error:
        return sec.add(unavailable(t, _t("attainment_heading")))
    if not t.steps.empty:
        sec.add(ctx.table_block(t.steps, _t("steps_caption"), [
            ColumnSpec("step", _t("col_step"), "number", 0), ColumnSpec("name", _t("col_step_name")),
            ColumnSpec("level", _t("col_level")), ColumnSpec("measures", _t("col_measures"), "number", 0),
            ColumnSpec("indicators", _t("col_indicators"), "number", 0),
            ColumnSpec("targets", _t("col_targets"), "number", 0)], name="wirkungstreppe_stufen"))
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
            ColumnSpec("projection", _t("col_projection"), "number"), ColumnSpec("status_label", _t("col_status")),
            ColumnSpec("note", _t("col_small_n"))]
    tbl = ctx.table_block(a, _t("attainment_caption"), cols, name="zielerreichung", row_header="name")
    counts = ctx.a.targets.counts
    summary = _t("attainment_summary", **{k: int(counts.get(k, 0)) for k in ["achieved", "on_track", "off_track", "not_assessable"]})
    capped = a[a["capped"].astype(bool)]

    def draw(ax, a=a, capped=capped):
        hbars(ax, a, label="name", value="share_plot", xlabel=_t("col_share"), reference=100,
              colour_by="status_label", order=STATUS_ORDER)
        ypos = list(range(len(a)))[::-1]
        for i, r in enumerate(a.itertuples()):
            if r.capped:  # a bar cut at the axis limit gets an arrow and its true value
                ax.annotate(f"{fmt_de(r.share_pct, 0)} % ▶" if r.share_pct > 0 else f"◀ {fmt_de(r.share_pct, 0)} %",
                            (r.share_plot, ypos[i]), fontsize=8, va="center",
                            ha="right" if r.share_pct > 0 else "left", color="#ffffff" if r.share_pct > 0 else "#1a1a1a")

    fig = ctx.figure_block(draw, alt=_t("attainment_alt", n=len(a), summary=summary), caption=_t("attainment_fig_caption"),
                           table=tbl, height=max(3.0, 0.38 * len(a) + 1.2), values=["share_plot"])
    sub.add(Paragraph(summary), fig)
    if len(capped):
        sub.add(Paragraph(_t("capped_note", names=", ".join(capped["name"]))))
    small = a[a["small_n"].astype(bool)]
    if len(small):
        sub.add(Paragraph(_t("small_n_note", min=ctx.a.meta.choices.get("analysis", {}).get("min_respondents", 30),
                             names=", ".join(small["name"]))))
    return sub


def series_section(ctx: ReportContext, max_indicators: int = 4) -> Section:
    """Series with 95 % intervals for the targeted indicators (published values only)."""
    sub = Section(_t("series_heading"), level=3)
    series = ctx.a.indicators.series
    if series.empty:
        return sub
    shown = 0
    for indicator_id, v in series.groupby("indicator_id", sort=False):
        if shown >= max_indicators:
            break
        if v["value"].notna().sum() < 2:
            continue
        shown += 1
        name, unit = v["name"].iloc[0], v["unit"].iloc[0]
        table = v[["year", "numerator", "denominator", "value", "ci_low", "ci_high"]].reset_index(drop=True)
        first, last = int(table["year"].min()), int(table["year"].max())
        tbl = ctx.table_block(table, _t("series_caption", indicator=name, name=ctx.name, first=first, last=last), [
            ColumnSpec("year", text("report", "kontext.col_year")),
            ColumnSpec("numerator", _t("col_numerator"), "count"), ColumnSpec("denominator", _t("col_denominator"), "number", 0),
            ColumnSpec("value", _t("col_value"), "number"), ColumnSpec("ci_low", _t("col_ci_low"), "number"),
            ColumnSpec("ci_high", _t("col_ci_high"), "number")],
            name=f"reihe_{indicator_id}", row_header="year")
        vals = table.dropna(subset=["value"])
        alt = _t("series_alt", indicator=name, name=ctx.name, first=int(vals["year"].iloc[0]), last=int(vals["year"].iloc[-1]),
                 v_first=fmt_de(vals["value"].iloc[0]), v_last=fmt_de(vals["value"].iloc[-1]),
                 unit=text("report", f"units.{unit}"), start=ctx.programme_start)
        sub.add(ctx.figure_block(
            lambda ax, table=table, unit=unit: lines(ax, table, x="year", y="value", lower="ci_low", upper="ci_high",
                                                     xlabel=text("report", "kontext.col_year"),
                                                     ylabel=text("report", f"units.{unit}"),
                                                     vline=ctx.programme_start - 0.5, vline_label=_t("programme_start")),
            alt=alt, caption=_t("series_caption", indicator=name, name=ctx.name, first=first, last=last), table=tbl))
    return sub
