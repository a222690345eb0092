"""Chapter "Wirkungsschätzung": what the programme changed, against comparison municipalities.

The comparison pool comes from the parameter file (``comparison``: all applicants, a fixed list, the
same municipality type, or nearest-neighbour / propensity matching on pre-programme structure, see
:mod:`evaluation.comparison`). Effects per indicator use :func:`evaluation.impact.programme.estimate_programme_effects`
with the reports' default inference (randomisation inference, whose coverage the simulation study
in ``benchmarks/simulation_impact.py`` shows to hold with five treated units), an event study with a
joint pre-trend test, a synthetic control, and the same estimate for alternative pools side by side.
Estimates are computed on the unsuppressed data; only the estimates are published.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...errors import EstimationError, InputError
from ...texts import text
from ..blocks import BulletList, ColumnSpec, Notice, Paragraph, Section
from ..context import ReportContext, fmt_de
from ..figures import hbars, lines

#: indicators tried when the parameter file sets no target with comparison data
DEFAULT_HEADLINE = ["arbeitslose_sb_anteil", "inklusionsanteil", "foerderschulbesuchsquote", "barrierefreie_haltestellen"]
MAX_INDICATORS = 6
MIN_POOL = 5  # fewer matches than this: use the whole Gemeindetyp (randomisation inference needs placebos)


def _t(key: str, **kw) -> str:
    return text("report", f"wirkung.{key}", **kw)


def _cache(ctx: ReportContext, key: str, compute):
    store = ctx.__dict__.setdefault("_wirkung_cache", {})
    if key not in store:
        store[key] = compute()
    return store[key]


def town_values(ctx: ReportContext) -> pd.DataFrame:
    iv = ctx.dataset.indicator_values
    return iv[(iv["area_id"] == iv["municipality_id"]) & (iv["year"] <= ctx.year)]


def pre_features(ctx: ReportContext) -> pd.DataFrame | None:
    path = ctx.dataset.folder / "structure.csv"
    if not path.exists():
        return None
    from ...comparison.characteristics import pre_period_characteristics

    structure = ctx.dataset.extra("structure.csv")
    start = ctx.programme_start
    variables = ctx.params.comparison.variables or None
    return pre_period_characteristics(structure, range(start - 5, start), variables=variables)


def comparison_pool(ctx: ReportContext) -> tuple[list[str], str, object]:
    """(comparison ids, German description, MatchResult or None) as the parameter file asks."""

    def compute():
        c = ctx.params.comparison
        m = ctx.municipalities
        all_ids = sorted(m.loc[m["group"] == "comparison", "municipality_id"].astype(str))
        if c.pool == "list":
            return list(c.municipalities), _t("pool_list"), None
        if c.pool == "all":
            return all_ids, _t("pool_all"), None
        features = pre_features(ctx)
        if features is None:
            return all_ids, _t("pool_all"), None
        if c.pool == "same_type":
            from ...comparison.typology import Typology

            typ = Typology(seed=c.seed).fit(features)
            labels = typ.labels_
            own = labels.get(ctx.municipality_id)
            ids = [i for i in all_ids if labels.get(i) == own]
            return ids, _t("pool_same_type"), None
        from ...comparison.matching import match_comparisons

        options = {"distance": c.distance} if c.method == "nearest_neighbour" else {}
        k = c.k
        if c.exact == "gemeindetyp":
            from ...comparison.classes import gemeindetyp_series

            types = gemeindetyp_series(m)
            options["exact"] = types
            same = int((types.reindex(all_ids) == types.get(ctx.municipality_id)).sum())
            k = max(1, min(k, same))  # never ask for more neighbours than the type has
        result = match_comparisons(features, [ctx.municipality_id], candidates=all_ids, method=c.method, k=k,
                                   caliper=c.caliper if c.caliper is not None else "default", seed=c.seed, **options)
        method = _t(f"method_{c.method}") + (_t("exact_gemeindetyp") if c.exact else "")
        chosen = result.chosen(ctx.municipality_id)
        if len(chosen) < MIN_POOL and c.exact == "gemeindetyp":
            ids = [i for i in all_ids if types.get(i) == types.get(ctx.municipality_id)]
            return ids, _t("pool_type_fallback", n_matched=len(chosen), min_pool=MIN_POOL), result
        return chosen, _t("pool_matched", method=method, k=k), result

    return _cache(ctx, "pool", compute)


def candidate_indicators(ctx: ReportContext) -> list[str]:
    """Indicators with values for this municipality and for comparison municipalities."""
    tv = town_values(ctx)
    pool, _, _ = comparison_pool(ctx)
    have_own = set(tv.loc[tv["municipality_id"] == ctx.municipality_id, "indicator_id"])
    have_pool = set(tv.loc[tv["municipality_id"].isin(pool), "indicator_id"])
    usable = have_own & have_pool
    wanted = list(ctx.targets["indicator_id"]) if not ctx.targets.empty else []
    ordered = [i for i in wanted + DEFAULT_HEADLINE if i in usable]
    return list(dict.fromkeys(ordered))[:MAX_INDICATORS]


def effect_table(ctx: ReportContext) -> pd.DataFrame:
    """One row per indicator: estimate, se, ci_low, ci_high, p, n_control, method, inference (this municipality)."""

    def compute():
        from ...impact.programme import estimate_programme_effects

        pool, _, _ = comparison_pool(ctx)
        m = ctx.municipalities
        munis = m[m["municipality_id"].isin([ctx.municipality_id, *pool])]
        tv = town_values(ctx)
        rows = []
        for indicator_id in candidate_indicators(ctx):
            ind = ctx.register[indicator_id]
            row = {"indicator_id": indicator_id, "name": ind.name, "polarity": ind.polarity,
                   "unit_label": text("report", f"units.{ind.unit}")}
            try:
                eff = estimate_programme_effects(tv[tv["indicator_id"] == indicator_id], munis, indicator_id,
                                                 pool=pool, seed=ctx.params.comparison.seed, errors="raise")
                r = eff.results[ctx.municipality_id]
                row.update(estimate=r.estimate, se=r.se, ci_low=r.ci_low, ci_high=r.ci_high, p=r.p,
                           n_control=r.n_control, method=r.method, inference=r.inference, error=None)
            except (EstimationError, InputError) as err:
                row.update(estimate=np.nan, se=np.nan, ci_low=np.nan, ci_high=np.nan, p=np.nan, n_control=len(pool),
                           method="", inference="", error=str(err).splitlines()[0])
            rows.append(row)
        return pd.DataFrame(rows)

    return _cache(ctx, "effects", compute)


def method_label(method: str) -> str:
    """The German name of an estimator from the library's English method string."""
    m = (method or "").lower()
    key = ("synthetic_control" if "synthetic" in m else "did_pre_mean" if "pre-period mean" in m
           else "att_gt" if ("att_gt" in m or "callaway" in m) else "twfe" if ("twfe" in m or "two-way" in m)
           else "event_study" if "event" in m else "did_2x2")
    return text("impact", f"methods.{key}") if key != "did_pre_mean" else _t("method_did_pre_mean")


def headline_estimates(ctx: ReportContext) -> pd.DataFrame:
    """The estimated effects the Kurzfassung and the overview quote (rows without an estimate dropped)."""
    t = effect_table(ctx)
    if t.empty:
        return t
    t = t.dropna(subset=["estimate"]).reset_index(drop=True)
    return t.assign(method_label=t["method"].map(method_label))


def _direction(row) -> str:
    if pd.isna(row.ci_low):
        return _t("error_row", reason=row.error or "")
    if row.polarity == 0:
        return _t("direction_context")
    if row.ci_low > 0 or row.ci_high < 0:
        good = (row.estimate > 0) == (row.polarity > 0)
        return _t("direction_good") if good else _t("direction_bad")
    return _t("direction_unclear")


def wirkung(ctx: ReportContext) -> Section:
    sec = Section(text("report", "chapters.wirkung"))
    pool, pool_text, match = comparison_pool(ctx)
    sec.add(Paragraph(_t("intro", name=ctx.name, start=ctx.programme_start, n=len(pool), pool=pool_text)))
    effects = effect_table(ctx)
    if effects.empty:
        return sec.add(Paragraph(_t("no_comparison", name=ctx.name)))
    sec.add(estimates_section(ctx, effects))
    if match is not None:
        sec.add(balance_section(ctx, match))
    first = effects.dropna(subset=["estimate"])
    if not first.empty:
        indicator_id = first["indicator_id"].iloc[0]
        sec.add(event_section(ctx, indicator_id, pool))
        m = ctx.municipalities
        donors = sorted(m.loc[m["group"] == "comparison", "municipality_id"].astype(str))
        sec.add(synth_section(ctx, indicator_id, donors))  # the method weights its donors itself
        sec.add(sensitivity_section(ctx, indicator_id, match))
    sec.add(assumptions_section(ctx, effects))
    return sec


def estimates_section(ctx: ReportContext, effects: pd.DataFrame) -> Section:
    sub = Section(_t("estimates_heading"), level=3)
    t = effects.copy()
    t["ci"] = [f"{fmt_de(a, 2)} – {fmt_de(b, 2)}" if pd.notna(a) else "–" for a, b in zip(t["ci_low"], t["ci_high"])]
    t["direction"] = [_direction(r) for r in t.itertuples()]
    tbl = ctx.table_block(t, _t("estimates_caption"), [
        ColumnSpec("name", _t("col_indicator")), ColumnSpec("estimate", _t("col_estimate"), "number", 2),
        ColumnSpec("unit_label", _t("col_unit")), ColumnSpec("ci", _t("col_ci")), ColumnSpec("p", _t("col_p"), "number", 3),
        ColumnSpec("n_control", _t("col_n_control"), "number", 0), ColumnSpec("direction", _t("col_direction"))],
        name="wirkung_schaetzungen", row_header="name")
    plot = t.dropna(subset=["estimate"])
    summary = "; ".join(f"{r.name}: {fmt_de(r.estimate, 2)} ({r.direction})" for r in plot.itertuples())
    if not plot.empty:
        sub.add(ctx.figure_block(
            lambda ax: hbars(ax, plot, label="name", value="estimate", lower="ci_low", upper="ci_high",
                             xlabel=_t("col_estimate"), reference=0),
            alt=_t("estimates_alt", n=len(plot), summary=summary), caption=_t("estimates_fig_caption"), table=tbl,
            height=max(2.5, 0.5 * len(plot) + 1.2)))
    else:
        sub.add(tbl)
    method_rows = plot.drop_duplicates("method")
    for r in method_rows.itertuples():
        inf = r.inference.lower()
        key = ("randomization" if ("random" in inf or "placebo" in inf or "permut" in inf)
               else "wild_bootstrap" if "wild" in inf else "analytic")
        sub.add(Paragraph(_t("inference_default", method=method_label(r.method),
                             inference=text("impact", f"inference.{key}"))))
    return sub


def balance_section(ctx: ReportContext, match) -> Section:
    from ...comparison.balance import balance_table

    sub = Section(_t("balance_heading"), level=3)
    features = pre_features(ctx)
    bt = balance_table(features, match, by="municipality")
    bt = bt[bt["model_id"] == ctx.municipality_id] if "model_id" in bt.columns else bt
    before = next((c for c in bt.columns if "before" in c and "smd" in c), None)
    after = next((c for c in bt.columns if "after" in c and "smd" in c), None)
    if before is None or after is None:
        return sub
    t = bt.assign(label=bt["variable"].map(lambda v: _label(v)), smd_before=bt[before], smd_after=bt[after])
    t["balanced"] = t["smd_after"].abs() < 0.1
    long = pd.concat([t.assign(reihe=_t("col_smd_before"), smd=t["smd_before"]),
                      t.assign(reihe=_t("col_smd_after"), smd=t["smd_after"])])
    tbl = ctx.table_block(t, _t("balance_caption"), [
        ColumnSpec("label", _t("col_variable")), ColumnSpec("smd_before", _t("col_smd_before"), "number", 2),
        ColumnSpec("smd_after", _t("col_smd_after"), "number", 2), ColumnSpec("balanced", _t("col_balanced"), "number")],
        name="wirkung_balance", row_header="label")

    def draw(ax):
        for i, (name, g) in enumerate(long.groupby("reihe", sort=False)):
            from ..figures import MARKERS, OKABE_ITO

            y = np.arange(len(g))[::-1]
            ax.plot(g["smd"].abs(), y, linestyle="none", marker=MARKERS[i], color=OKABE_ITO[i], label=name, markersize=7)
        ax.set_yticks(np.arange(len(t))[::-1])
        ax.set_yticklabels(t["label"], fontsize=9)
        ax.axvline(0.1, color="#1a1a1a", linestyle="--", linewidth=1)
        ax.set_xlabel("|SMD|")
        ax.legend(fontsize=8, loc="lower right")

    return sub.add(ctx.figure_block(draw, alt=_t("balance_alt", n=len(t), ok=int(t["balanced"].sum())),
                                    caption=_t("balance_caption"), table=tbl, height=max(2.5, 0.4 * len(t) + 1)))


def _label(variable: str) -> str:
    try:
        return text("report", f"characteristics.{variable}")
    except KeyError:
        return variable


def _panel(ctx: ReportContext, indicator_id: str, pool: list[str]) -> pd.DataFrame:
    tv = town_values(ctx)
    p = tv[(tv["indicator_id"] == indicator_id) & tv["municipality_id"].isin([ctx.municipality_id, *pool])]
    p = p[["municipality_id", "year", "value"]].dropna()
    years = sorted(p.loc[p["municipality_id"] == ctx.municipality_id, "year"])
    counts = p.groupby("municipality_id")["year"].nunique()
    complete = counts[counts == len(years)].index
    p = p[p["municipality_id"].isin(complete) & p["year"].isin(years)].copy()
    p["group"] = np.where(p["municipality_id"] == ctx.municipality_id, ctx.programme_start, 0)
    return p


def event_section(ctx: ReportContext, indicator_id: str, pool: list[str]) -> Section:
    from ...impact.event_study import event_study

    sub = Section(_t("event_heading"), level=3)
    ind = ctx.register[indicator_id]
    try:
        es = event_study(_panel(ctx, indicator_id, pool), "value", "municipality_id", "year", "group",
                         inference="randomization", draws=499, seed=ctx.params.comparison.seed)
    except (EstimationError, InputError) as err:
        return sub.add(Paragraph(_t("error_row", reason=str(err).splitlines()[0])))
    t = es.table
    p = fmt_de(es.pretrend_p, 3)
    tbl = ctx.table_block(t, _t("event_caption", indicator=ind.name), [
        ColumnSpec("event_time", _t("col_event_time"), "number", 0), ColumnSpec("estimate", _t("col_estimate"), "number", 2),
        ColumnSpec("ci_low", text("report", "treppe.col_ci_low"), "number", 2),
        ColumnSpec("ci_high", text("report", "treppe.col_ci_high"), "number", 2)], name="wirkung_ereignisstudie",
        row_header="event_time")
    verdict = _t("pretest_ok") if es.pretrend_p >= 0.1 else _t("pretest_warn")
    fig = ctx.figure_block(
        lambda ax: (lines(ax, t, x="event_time", y="estimate", lower="ci_low", upper="ci_high", xlabel=_t("col_event_time"),
                          ylabel=_t("col_estimate"), vline=-0.5), ax.axhline(0, color="#1a1a1a", linewidth=0.8)),
        alt=_t("event_alt", first=int(t["event_time"].min()), last=int(t["event_time"].max()), indicator=ind.name, p=p),
        caption=_t("event_caption", indicator=ind.name), table=tbl)
    return sub.add(fig, Paragraph(_t("event_pretest", p=p, verdict=verdict)))


def synth_section(ctx: ReportContext, indicator_id: str, pool: list[str]) -> Section:
    from ...impact.synth import synthetic_control

    sub = Section(_t("synth_heading"), level=3)
    ind = ctx.register[indicator_id]
    panel = _panel(ctx, indicator_id, pool)
    try:
        sc = synthetic_control(panel, "value", "municipality_id", "year", ctx.municipality_id, ctx.programme_start,
                               seed=ctx.params.comparison.seed)
    except (EstimationError, InputError) as err:
        return sub.add(Paragraph(_t("error_row", reason=str(err).splitlines()[0])))
    observed = panel[panel["municipality_id"] == ctx.municipality_id].set_index("year")["value"]
    series = pd.DataFrame({"year": observed.index.astype(int), "observed": observed.values,
                           "synthetic": sc.synthetic.reindex(observed.index).values})
    long = pd.concat([series.assign(reihe=ctx.name, value=series["observed"]),
                      series.assign(reihe=_t("col_synthetic"), value=series["synthetic"])])
    tbl = ctx.table_block(series, _t("synth_caption", indicator=ind.name, name=ctx.name), [
        ColumnSpec("year", text("report", "kontext.col_year")), ColumnSpec("observed", _t("col_observed", name=ctx.name), "number", 2),
        ColumnSpec("synthetic", _t("col_synthetic"), "number", 2)], name="wirkung_synthetisch", row_header="year")
    fig = ctx.figure_block(
        lambda ax: lines(ax, long, x="year", y="value", group="reihe", xlabel=text("report", "kontext.col_year"),
                         ylabel=text("report", f"units.{ind.unit}"), vline=ctx.programme_start - 0.5,
                         vline_label=text("report", "treppe.programme_start")),
        alt=_t("synth_alt", first=int(series["year"].min()), last=int(series["year"].max()), indicator=ind.name,
               name=ctx.name, start=ctx.programme_start),
        caption=_t("synth_caption", indicator=ind.name, name=ctx.name), table=tbl)
    names = ctx.municipalities.set_index("municipality_id")["name"]
    w = sc.weights[sc.weights > 0.001].head(5).rename("weight").reset_index()
    w.columns = ["donor", "weight"]
    w["donor"] = w["donor"].map(lambda d: names.get(d, d))
    wt = ctx.table_block(w, _t("weights_caption"), [ColumnSpec("donor", _t("col_donor")),
                                                     ColumnSpec("weight", _t("col_weight"), "number", 3)],
                         name="wirkung_synthetisch_gewichte", row_header="donor")
    pre = series.loc[series["year"] < ctx.programme_start, "observed"]
    poor_fit = bool(len(pre) > 2 and sc.pre_rmspe > pre.std(ddof=1))
    sub.add(Paragraph(_t("synth_text", name=ctx.name, rmspe=fmt_de(sc.pre_rmspe, 2), att=fmt_de(sc.att, 2),
                         p=fmt_de(sc.placebo_p, 3))))
    if poor_fit:
        sub.add(Notice(_t("synth_poor_fit", name=ctx.name), kind="caveat"))
    return sub.add(fig, wt)


def sensitivity_section(ctx: ReportContext, indicator_id: str, match) -> Section:
    from ...comparison.sensitivity import pool_sensitivity

    sub = Section(_t("sensitivity_heading"), level=3)
    ind = ctx.register[indicator_id]
    m = ctx.municipalities
    all_ids = sorted(m.loc[m["group"] == "comparison", "municipality_id"].astype(str))
    pools = {"all": {ctx.municipality_id: all_ids}}
    if match is not None:
        pools["matched"] = {ctx.municipality_id: match.chosen(ctx.municipality_id)}
    features = pre_features(ctx)
    if features is not None:
        from ...comparison.typology import Typology

        labels = Typology(seed=ctx.params.comparison.seed).fit(features).labels_
        own = labels.get(ctx.municipality_id)
        same = [i for i in all_ids if labels.get(i) == own]
        if same:
            pools["same_type"] = {ctx.municipality_id: same}
    munis = m[m["municipality_id"].isin([ctx.municipality_id, *all_ids])]
    try:
        t = pool_sensitivity(town_values(ctx), munis, indicator_id, pools, seed=ctx.params.comparison.seed)
    except (EstimationError, InputError) as err:
        return sub.add(Paragraph(_t("error_row", reason=str(err).splitlines()[0])))
    t = t.assign(pool_label=t["pool"].map(lambda p: _t(f"pool_label_{p}")))
    tbl = ctx.table_block(t, _t("sensitivity_caption", indicator=ind.name), [
        ColumnSpec("pool_label", _t("col_pool")), ColumnSpec("n_comparison", _t("col_n_control"), "number", 0),
        ColumnSpec("estimate", _t("col_estimate"), "number", 2), ColumnSpec("ci_low", text("report", "treppe.col_ci_low"), "number", 2),
        ColumnSpec("ci_high", text("report", "treppe.col_ci_high"), "number", 2)], name="wirkung_sensitivitaet",
        row_header="pool_label")
    return sub.add(tbl)


def assumptions_section(ctx: ReportContext, effects: pd.DataFrame) -> Section:
    sub = Section(_t("assumptions_heading"), level=3)
    items = [text("impact", f"assumptions.{k}") for k in ("parallel_trends", "no_anticipation", "no_spillover")]
    sub.add(BulletList(items))
    sub.add(Notice(text("impact", "caveats.few_treated", n_treated=1), kind="caveat"))
    return sub
