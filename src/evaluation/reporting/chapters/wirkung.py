"""Chapter "Wirkungsschätzung": what the programme changed, against comparison municipalities.

Renders ``bundle.comparison`` (the pool every estimate uses, chosen once in the analysis, and its
balance) and ``bundle.effects`` (estimates with the inference actually used, and for every
headline effect its diagnostics: pre-trend test, event study, synthetic control, balance) with the
verdict of :func:`evaluation.analysis.wording.classify_effect`. Nothing is estimated here.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd

from ...texts import text
from ..blocks import BulletList, ColumnSpec, Notice, Paragraph, Section
from ..context import ReportContext, fmt_de, unavailable
from ..figures import MARKERS, OKABE_ITO, hbars, lines


def _t(key: str, **kw) -> str:
    return text("report", f"wirkung.{key}", **kw)


def pool_text(ctx: ReportContext) -> str:
    """The German description of the pool actually used."""
    c = ctx.a.comparison
    if c.rule == "matched":
        method = _t(f"method_{c.method}") + (_t("exact_gemeindetyp") if c.exact else "")
        text_ = _t("pool_matched_n", method=method, k=c.k, n_matched=c.n_matched)
        if c.k_requested is not None and c.k is not None and c.k_requested > c.k:
            text_ += _t("pool_k_capped", k_requested=c.k_requested, k=c.k)
        return text_
    if c.rule == "type_fallback":
        min_pool = ctx.a.meta.choices.get("analysis", {}).get("min_pool", 5)
        return _t("pool_type_fallback", n_matched=c.n_matched, min_pool=min_pool)
    return _t(f"pool_{c.rule}")


def verdict_label(key: str) -> str:
    return _t(f"verdict.{key}")


def reasons_text(reasons: str) -> str:
    keys = [r for r in str(reasons or "").split(";") if r]
    return "; ".join(_t(f"reason.{k}") for k in keys)


def side_word(estimate: float) -> str:
    return _t("side_above") if estimate > 0 else _t("side_below") if estimate < 0 else _t("side_equal")


def direction_word(row) -> str:
    """Improvement or worsening given the indicator's polarity - qualified when the interval includes 0
    (then only the point estimate has a direction)."""
    word = _t(f"direction.{row.direction}")
    if row.direction in ("improvement", "worsening") and not (row.ci_low > 0 or row.ci_high < 0):
        return _t("direction_uncertain", direction=word)
    return word


def effect_sentence(row, name: str) -> str:
    """One sentence per effect: size with unit, side, interval, direction given polarity, verdict."""
    return _t("effect_text", indicator=row.name, name=name, abs=fmt_de(abs(row.estimate), 2), unit=row.unit_label,
              side=side_word(row.estimate), low=fmt_de(row.ci_low, 2), high=fmt_de(row.ci_high, 2),
              direction=direction_word(row), verdict=verdict_label(row.verdict))


def wirkung(bundle, sink=None) -> Section:
    ctx = ReportContext.of(bundle, sink)
    a = ctx.a
    sec = Section(text("report", "chapters.wirkung"))
    if a.comparison.error:
        return sec.add(unavailable(a.comparison, text("report", "wirkung.col_n_control")))
    if not a.comparison.rule:
        return sec.add(Paragraph(_t("no_comparison", name=ctx.name)))
    sec.add(Paragraph(_t("intro_pool", name=ctx.name, start=ctx.programme_start, n=a.comparison.n_pool,
                         pool=pool_text(ctx))))
    if a.effects.error:
        return sec.add(unavailable(a.effects, text("report", "chapters.wirkung")))
    effects = a.effects.table
    if effects.empty:
        return sec.add(Paragraph(_t("no_comparison", name=ctx.name)))
    if a.comparison.balance_passed is False:
        sec.add(Notice(balance_failed_text(ctx), kind="caveat"))
    sec.add(estimates_section(ctx, effects))
    sec.add(diagnostics_section(ctx, effects))
    if not a.comparison.balance.empty:
        sec.add(balance_section(ctx))
    for row in effects.dropna(subset=["estimate"]).itertuples():
        sec.add(indicator_diagnostics(ctx, row))
    if not a.effects.sensitivity.empty:
        sec.add(sensitivity_section(ctx))
    sec.add(assumptions_section(ctx))
    return sec


def balance_failed_text(ctx: ReportContext) -> str:
    c = ctx.a.comparison
    bad = c.balance[~c.balance["balanced"]]
    return _t("balance_failed", n=c.n_unbalanced, total=len(c.balance), threshold=fmt_de(c.threshold, 1),
              names=", ".join(bad["label"]))


def estimates_section(ctx: ReportContext, effects: pd.DataFrame) -> Section:
    sub = Section(_t("estimates_heading"), level=3)
    t = effects.copy()
    t["ci"] = [f"{fmt_de(lo, 2)} – {fmt_de(hi, 2)}" if pd.notna(lo) else "–" for lo, hi in zip(t["ci_low"], t["ci_high"])]
    t["direction_word"] = [direction_word(r) if pd.notna(r.estimate) else "–" for r in t.itertuples()]
    t["verdict_label"] = [verdict_label(v) if pd.notna(e) else _t("error_row", reason=err or "")
                          for v, e, err in zip(t["verdict"], t["estimate"], t["error"])]
    tbl = ctx.table_block(t, _t("estimates_caption"), [
        ColumnSpec("name", _t("col_indicator")), ColumnSpec("estimate", _t("col_estimate"), "number", 2),
        ColumnSpec("unit_label", _t("col_unit")), ColumnSpec("ci", _t("col_ci")),
        ColumnSpec("p_value", _t("col_p"), "number", 3),
        ColumnSpec("n_control", _t("col_n_control_full"), "number", 0),
        ColumnSpec("direction_word", _t("col_direction_word")), ColumnSpec("verdict_label", _t("col_verdict"))],
        name="wirkung_schaetzungen", row_header="name")
    plot = t.dropna(subset=["estimate"]).reset_index(drop=True)
    if plot.empty:
        sub.add(tbl)
    else:
        summary = "; ".join(f"{r.name}: {fmt_de(r.estimate, 2)} {r.unit_label} ({r.verdict_label})"
                            for r in plot.itertuples())
        units = sorted(set(plot["unit_label"].astype(str)))  # one unit for all: say it on the axis
        xlabel = f"{_t('col_estimate')} ({units[0]})" if len(units) == 1 else _t("col_estimate")
        sub.add(ctx.figure_block(
            lambda ax: hbars(ax, plot, label="name", value="estimate", lower="ci_low", upper="ci_high",
                             xlabel=xlabel, reference=0),
            alt=_t("estimates_alt", n=len(plot), summary=summary), caption=_t("estimates_fig_caption"), table=tbl,
            height=max(2.5, 0.5 * len(plot) + 1.2)))
    sub.add(BulletList([effect_sentence(r, ctx.name) for r in plot.itertuples()]))
    for r in plot.drop_duplicates(["method_label", "inference_label"]).itertuples():
        sub.add(Paragraph(_t("inference_used", method=r.method_label, inference=r.inference_label)))
    return sub


def _yes_no(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return _t("unknown")
    return _t("answer_yes") if bool(v) else _t("answer_no")


def diagnostics_section(ctx: ReportContext, effects: pd.DataFrame) -> Section:
    a = ctx.a
    sub = Section(_t("diagnostics_heading"), level=3)
    alpha = a.meta.choices.get("analysis", {}).get("pretrend_alpha", 0.1)
    sub.add(Paragraph(_t("diagnostics_intro", pretrend_alpha=fmt_de(alpha, 2))))
    t = effects.dropna(subset=["estimate"]).copy()
    if t.empty:
        return sub
    bal = a.comparison.balance_passed
    t["event_word"] = [_yes_no(v) for v in t["event_post_excludes_zero"]]
    t["synth_word"] = [_t(f"fit.{f}") if isinstance(f, str) else _t("fit.none") for f in t["synth_fit"]]
    t["balance_word"] = _t("balance_none") if bal is None else _t("balance_passed") if bal else _t("balance_failed_short")
    t["verdict_label"] = t["verdict"].map(verdict_label)
    t["reasons_text"] = t["reasons"].map(lambda r: reasons_text(r) or "–")
    sub.add(ctx.table_block(t, _t("diagnostics_caption"), [
        ColumnSpec("name", _t("col_indicator")), ColumnSpec("pretrend_p", _t("col_pretrend"), "number", 3),
        ColumnSpec("event_word", _t("col_event")), ColumnSpec("synth_word", _t("col_synth")),
        ColumnSpec("balance_word", _t("col_balance")), ColumnSpec("verdict_label", _t("col_verdict")),
        ColumnSpec("reasons_text", text("report", "treppe.col_small_n"))],
        name="wirkung_pruefungen", row_header="name"))
    return sub


def balance_section(ctx: ReportContext) -> Section:
    c = ctx.a.comparison
    sub = Section(_t("balance_heading"), level=3)
    t = c.balance.copy()
    t["balanced_word"] = [_yes_no(v) for v in t["balanced"]]
    thr = fmt_de(c.threshold, 1)
    long = pd.concat([t.assign(reihe=_t("col_smd_before"), smd=t["smd_before"]),
                      t.assign(reihe=_t("col_smd_after"), smd=t["smd_after"])])
    tbl = ctx.table_block(t, _t("balance_caption_t", n=c.n_pool, threshold=thr), [
        ColumnSpec("label", _t("col_variable")), ColumnSpec("smd_before", _t("col_smd_before"), "number", 2),
        ColumnSpec("smd_after", _t("col_smd_after"), "number", 2), ColumnSpec("balanced_word", _t("col_balanced"))],
        name="wirkung_balance", row_header="label")

    def draw(ax, t=t, long=long, threshold=c.threshold):
        for i, (name, g) in enumerate(long.groupby("reihe", sort=False)):
            y = np.arange(len(g))[::-1]
            ax.plot(g["smd"].abs(), y, linestyle="none", marker=MARKERS[i], color=OKABE_ITO[i], label=name, markersize=7)
        ax.set_yticks(np.arange(len(t))[::-1])
        ax.set_yticklabels(t["label"], fontsize=9)
        ax.axvline(threshold, color="#1a1a1a", linestyle="--", linewidth=1)
        ax.set_xlabel("|SMD|")
        # below the plot: inside, it covered the largest difference (Erlangen 2025, tax revenue 1,84)
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=2, frameon=False)

    ok = int(t["balanced"].sum())
    sub.add(ctx.figure_block(draw, alt=_t("balance_alt_t", n=len(t), ok=ok, threshold=thr),
                             caption=_t("balance_caption_t", n=c.n_pool, threshold=thr), table=tbl,
                             height=max(2.9, 0.4 * len(t) + 1.4), values=["smd_before", "smd_after"]))
    if c.balance_passed is False:
        sub.add(Paragraph(balance_failed_text(ctx)))
    else:
        sub.add(Paragraph(_t("balance_ok_text", total=len(t), threshold=thr)))
    worse = t[t["worse"]]
    if len(worse):
        sub.add(Paragraph(_t("balance_worse", names=", ".join(worse["label"]))))
    return sub


def _excludes_zero(t: pd.DataFrame) -> bool:
    return bool(((t["ci_low"] > 0) | (t["ci_high"] < 0)).any())


def indicator_diagnostics(ctx: ReportContext, row) -> Section:
    """Event study and synthetic control of one headline effect."""
    a = ctx.a
    sub = Section(f"{_t('diagnostics_heading')}: {row.name}", level=3, print_appendix=True)
    es = a.effects.event_study
    es = es[es["indicator_id"] == row.indicator_id].reset_index(drop=True)
    ev = Section(_t("event_heading"), level=4)
    if es.empty:
        ev.add(Paragraph(_t("error_row", reason=row.diagnostics_error or "–")))
    else:
        p = fmt_de(row.pretrend_p, 3)
        post = _t("event_post_some") if row.event_post_excludes_zero else _t("event_post_none")
        tbl = ctx.table_block(es, _t("event_caption", indicator=row.name), [
            ColumnSpec("event_time", _t("col_event_time"), "number", 0),
            ColumnSpec("estimate", _t("col_estimate"), "number", 2),
            ColumnSpec("ci_low", text("report", "treppe.col_ci_low"), "number", 2),
            ColumnSpec("ci_high", text("report", "treppe.col_ci_high"), "number", 2)],
            name=f"wirkung_ereignisstudie_{row.indicator_id}", row_header="event_time")
        ev.add(ctx.figure_block(
            lambda ax, es=es: (lines(ax, es, x="event_time", y="estimate", lower="ci_low", upper="ci_high",
                                     xlabel=_t("col_event_time"), ylabel=f"{_t('col_estimate')} ({row.unit_label})",
                                     vline=-0.5), ax.axhline(0, color="#1a1a1a", linewidth=0.8)),
            alt=_t("event_alt_t", first=int(es["event_time"].min()), last=int(es["event_time"].max()),
                   indicator=row.name, post=post, pre=_t("event_pre_some") if _excludes_zero(es[es["event_time"] < 0])
                   else _t("event_pre_none")),
            caption=_t("event_caption", indicator=row.name), table=tbl))
        verdict = _t("pretest_ok") if row.pretrend_ok else _t("pretest_warn")
        ev.add(Paragraph(_t("event_pretest", p=p, verdict=verdict) + " " + post[:1].upper() + post[1:] + "."))
    sub.add(ev)
    sub.add(synth_section(ctx, row))
    return sub


def synth_section(ctx: ReportContext, row) -> Section:
    a = ctx.a
    sub = Section(_t("synth_heading"), level=4)
    s = a.effects.synth_series
    s = s[s["indicator_id"] == row.indicator_id].reset_index(drop=True)
    if s.empty:
        return sub.add(Paragraph(_t("error_row", reason=row.diagnostics_error or "–")))
    unit = row.unit_label
    long = pd.concat([s.assign(reihe=ctx.name, value=s["observed"]),
                      s.assign(reihe=_t("col_synthetic"), value=s["synthetic"])])
    tbl = ctx.table_block(s, _t("synth_caption", indicator=row.name, name=ctx.name), [
        ColumnSpec("year", text("report", "kontext.col_year")),
        ColumnSpec("observed", _t("col_observed", name=ctx.name), "number", 2),
        ColumnSpec("synthetic", _t("col_synthetic"), "number", 2)],
        name=f"wirkung_synthetisch_{row.indicator_id}", row_header="year")
    rmspe = fmt_de(row.synth_pre_rmspe, 2)
    sub.add(Paragraph(_t("synth_text_signed", name=ctx.name, rmspe=rmspe, unit=unit, abs=fmt_de(abs(row.synth_att), 2),
                         side=side_word(row.synth_att))))
    if row.synth_fit == "perfect":
        sub.add(Notice(_t("synth_perfect_fit", name=ctx.name, rmspe=rmspe), kind="caveat"))
    elif row.synth_fit == "poor":
        sub.add(Notice(_t("synth_poor_fit", name=ctx.name), kind="caveat"))
    elif row.synth_sign_agrees is False:
        sub.add(Notice(_t("synth_sign_disagrees", name=ctx.name, att=fmt_de(row.synth_att, 2), unit=unit),
                       kind="caveat"))
    sub.add(ctx.figure_block(
        lambda ax, long=long: lines(ax, long, x="year", y="value", group="reihe", xlabel=text("report", "kontext.col_year"),
                                    ylabel=textwrap.fill(str(row.name), 32), vline=ctx.programme_start - 0.5,
                                    vline_label=text("report", "treppe.programme_start")),
        alt=_t("synth_alt_t", first=int(s["year"].min()), last=int(s["year"].max()), indicator=row.name,
               name=ctx.name, start=ctx.programme_start, obs_last=fmt_de(s["observed"].iloc[-1], 2),
               syn_last=fmt_de(s["synthetic"].iloc[-1], 2)),
        caption=_t("synth_caption", indicator=row.name, name=ctx.name), table=tbl))
    w = a.effects.synth_weights
    w = w[w["indicator_id"] == row.indicator_id].reset_index(drop=True)
    if not w.empty:
        sub.add(ctx.table_block(w, _t("weights_caption"), [ColumnSpec("donor_name", _t("col_donor")),
                                                            ColumnSpec("weight", _t("col_weight"), "number", 3)],
                                name=f"wirkung_synthetisch_gewichte_{row.indicator_id}", row_header="donor_name"))
    return sub


def sensitivity_section(ctx: ReportContext) -> Section:
    t = ctx.a.effects.sensitivity
    sub = Section(_t("sensitivity_heading"), level=3)
    ind = ctx.a.effects.table.set_index("indicator_id")
    name = ind.at[t["indicator_id"].iloc[0], "name"] if t["indicator_id"].iloc[0] in ind.index else ""
    t = t.assign(pool_label=t["pool"].map(lambda p: _t("pool_label_used", pool=pool_text(ctx)) if p == "used"
                                          else _t(f"pool_label_{p}")))
    return sub.add(ctx.table_block(t, _t("sensitivity_caption", indicator=name), [
        ColumnSpec("pool_label", _t("col_pool")), ColumnSpec("n_comparison", _t("col_n_control"), "number", 0),
        ColumnSpec("estimate", _t("col_estimate"), "number", 2),
        ColumnSpec("ci_low", text("report", "treppe.col_ci_low"), "number", 2),
        ColumnSpec("ci_high", text("report", "treppe.col_ci_high"), "number", 2)], name="wirkung_sensitivitaet",
        row_header="pool_label"))


def assumptions_section(ctx: ReportContext) -> Section:
    sub = Section(_t("assumptions_heading"), level=3)
    items = [text("impact", f"assumptions.{k}") for k in ("parallel_trends", "no_anticipation", "no_spillover")]
    sub.add(BulletList(items))
    sub.add(Notice(text("impact", "caveats.few_treated", n_treated=1), kind="caveat"))
    return sub
