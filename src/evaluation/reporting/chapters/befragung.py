"""Chapter "Befragung": the weighted Bürgerbefragung by wave, changes between waves, the attitude
scale's reliability, and the participant questionnaires per measure.

Weights: design weights raked to the population margins of each wave year (age group, sex,
Sozialraum, disability; Deming & Stephan 1940) by :func:`evaluation.survey.weights.rake`; estimates
with Taylor-linearised standard errors for the stratified clustered design
(:class:`evaluation.survey.design.SurveyDesign`). Waves are independent samples, so the change between
two waves has the variance of the sum (Kish 1965, sec. 12.4).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ...errors import EstimationError, InputError
from ...texts import text
from ..blocks import ColumnSpec, Paragraph, Section
from ..context import ReportContext, fmt_de
from ..figures import lines

#: (derived item, domain: None = all respondents, 1 = people with disabilities, 0 = without)
ITEMS: list[tuple[str, int | None]] = [
    ("einstellung_pos", None), ("kenntnis", None), ("kontakt", 0), ("barrieren_oft", 1),
    ("freizeit", 1), ("einsamkeit", 1), ("sicherheit", 1), ("wahl", 1),
]
MARGIN_VARIABLES = ("age_group", "sex", "area_id", "has_disability")
SCALE_ITEMS = ["att1", "att2", "att3", "att4", "att5"]
SCALE_REVERSE = ["att3"]


def _t(key: str, **kw) -> str:
    return text("report", f"befragung.{key}", **kw)


def derive_items(s: pd.DataFrame) -> pd.DataFrame:
    """0/1 items from the questionnaire's scales (agreement = 4-5 of 5; barriers 'often' = 3-4 of 4)."""
    out = s.copy()
    if "einstellung" in out:
        out["einstellung_pos"] = (pd.to_numeric(out["einstellung"], errors="coerce") >= 4).astype(float).where(out["einstellung"].notna())
    if "barrieren" in out:
        out["barrieren_oft"] = (pd.to_numeric(out["barrieren"], errors="coerce") >= 3).astype(float).where(out["barrieren"].notna())
    out["has_disability"] = pd.to_numeric(out["has_disability"], errors="coerce")
    return out


def weighted_waves(ctx: ReportContext) -> dict[int, tuple[pd.DataFrame, object]]:
    """Per wave: the responses with raked weights in column ``w``, and the raking result."""
    store = ctx.__dict__.setdefault("_befragung_cache", {})
    if "waves" in store:
        return store["waves"]
    from ...survey.weights import margins_from_table, rake

    responses = ctx.table("survey_responses")
    margins = ctx.table("population_margins")
    out = {}
    for wave, s in responses.groupby("wave"):
        s = derive_items(s.reset_index(drop=True))
        s["has_disability"] = s["has_disability"].astype("Int64").astype(str)
        marg = margins_from_table(margins, municipality_id=ctx.municipality_id, year=int(wave))
        marg = {k: v for k, v in marg.items() if k in MARGIN_VARIABLES and k in s.columns}
        result = rake(s, marg, weight="design_weight", empty_categories="drop")
        s["w"] = np.asarray(result.weights, dtype=float)
        s["has_disability"] = pd.to_numeric(s["has_disability"], errors="coerce")
        out[int(wave)] = (s, result)
    store["waves"] = out
    return out


def estimates(ctx: ReportContext) -> pd.DataFrame:
    from ...survey.design import SurveyDesign

    rows = []
    for wave, (s, _) in weighted_waves(ctx).items():
        design = SurveyDesign(s, weight="w", strata="stratum", psu="psu", lonely_psu="adjust")
        for item, dom in ITEMS:
            if item not in s.columns:
                continue
            try:
                e = design.proportion(item, domain=None if dom is None else ("has_disability", dom))
            except (EstimationError, InputError):
                continue
            group = _t("group_all") if dom is None else _t("group_disability") if dom == 1 else _t("group_no_disability")
            rows.append({"item": item, "label": _t(f"items.{item}"), "group": group, "wave": wave,
                         "estimate": 100 * e.estimate, "se": 100 * e.se, "ci_low": 100 * e.ci_low,
                         "ci_high": 100 * e.ci_high, "n": int(e.n)})
    return pd.DataFrame(rows)


def befragung(ctx: ReportContext) -> Section:
    sec = Section(text("report", "chapters.befragung"))
    responses = ctx.table("survey_responses")
    if responses.empty:
        sec.add(Paragraph(_t("no_survey", name=ctx.name)))
        return sec.add(participants_section(ctx))
    waves = sorted(int(w) for w in responses["wave"].unique())
    sec.add(Paragraph(_t("intro", name=ctx.name, waves=", ".join(map(str, waves)))))
    est = estimates(ctx)
    tbl = ctx.table_block(est, _t("items_caption"), [
        ColumnSpec("label", _t("col_item")), ColumnSpec("group", _t("col_group")), ColumnSpec("wave", _t("col_wave"), "number", 0),
        ColumnSpec("estimate", _t("col_estimate"), "number"), ColumnSpec("ci_low", text("report", "treppe.col_ci_low"), "number"),
        ColumnSpec("ci_high", text("report", "treppe.col_ci_high"), "number"), ColumnSpec("n", _t("col_n"), "count")],
        name="befragung_ergebnisse", row_header="label")
    last = est[est["wave"] == max(waves)]
    summary = "; ".join(f"{r.label}: {fmt_de(r.estimate, 0)} von 100" for r in last.itertuples())
    sec.add(ctx.figure_block(
        lambda ax: lines(ax, est, x="wave", y="estimate", group="item", lower="ci_low", upper="ci_high",
                         xlabel=_t("col_wave"), ylabel=_t("col_estimate")),
        alt=_t("items_alt", n=est["item"].nunique(), waves=", ".join(map(str, waves)), summary=summary),
        caption=_t("items_fig_caption"), table=tbl, height=5.0))
    if len(waves) >= 2:
        sec.add(differences_table(ctx, est, waves[0], waves[-1]))
    sec.add(weights_table(ctx))
    sec.add(scale_table(ctx))
    sec.add(participants_section(ctx))
    return sec


def differences_table(ctx: ReportContext, est: pd.DataFrame, first: int, last: int):
    a = est[est["wave"] == first].set_index("item")
    b = est[est["wave"] == last].set_index("item")
    common = [i for i in a.index if i in b.index]
    z = stats.norm.ppf(0.975)
    rows = []
    for item in common:
        d = b.at[item, "estimate"] - a.at[item, "estimate"]
        se = float(np.hypot(a.at[item, "se"], b.at[item, "se"]))
        lo, hi = d - z * se, d + z * se
        rows.append({"label": a.at[item, "label"], "group": a.at[item, "group"], "diff": d, "ci_low": lo, "ci_high": hi,
                     "significant": _t("answer_yes") if (lo > 0 or hi < 0) else _t("answer_no")})
    return ctx.table_block(pd.DataFrame(rows), _t("diff_caption", first=first, last=last), [
        ColumnSpec("label", _t("col_item")), ColumnSpec("group", _t("col_group")), ColumnSpec("diff", _t("col_diff"), "number"),
        ColumnSpec("ci_low", text("report", "treppe.col_ci_low"), "number"),
        ColumnSpec("ci_high", text("report", "treppe.col_ci_high"), "number"), ColumnSpec("significant", _t("col_significant"))],
        name="befragung_veraenderung", row_header="label")


def weights_table(ctx: ReportContext):
    rows = []
    for wave, (s, r) in weighted_waves(ctx).items():
        rows.append({"wave": wave, "n": len(s), "converged": _t("answer_yes") if r.converged else _t("answer_no"),
                     "iterations": r.iterations, "kish": float(r.kish.n_eff)})
    return ctx.table_block(pd.DataFrame(rows), _t("weights_caption"), [
        ColumnSpec("wave", _t("col_wave"), "number", 0), ColumnSpec("n", _t("col_n"), "count"),
        ColumnSpec("converged", _t("col_converged")), ColumnSpec("iterations", _t("col_iterations"), "number", 0),
        ColumnSpec("kish", _t("col_kish"), "number", 0)], name="befragung_gewichtung", row_header="wave")


def scale_table(ctx: ReportContext):
    from ...survey.scales import cronbach_alpha

    rows = []
    for wave, (s, _) in weighted_waves(ctx).items():
        if not set(SCALE_ITEMS) <= set(s.columns):
            continue
        a = cronbach_alpha(s, SCALE_ITEMS, reverse=SCALE_REVERSE, low=1, high=5)
        rows.append({"wave": wave, "alpha": a.alpha, "ci_low": a.ci_low, "ci_high": a.ci_high, "n": a.n})
    return ctx.table_block(pd.DataFrame(rows, columns=["wave", "alpha", "ci_low", "ci_high", "n"]), _t("scale_caption"), [
        ColumnSpec("wave", _t("col_wave"), "number", 0), ColumnSpec("alpha", _t("col_alpha"), "number", 2),
        ColumnSpec("ci_low", text("report", "treppe.col_ci_low"), "number", 2),
        ColumnSpec("ci_high", text("report", "treppe.col_ci_high"), "number", 2), ColumnSpec("n", _t("col_n"), "count")],
        name="befragung_skala", row_header="wave")


def participants_section(ctx: ReportContext, min_n: int = 5) -> Section:
    from ...survey.participants import participant_overview

    sub = Section(_t("participants_heading"), level=3)
    resp = ctx.table("participant_responses")
    if resp.empty:
        return sub
    po = participant_overview(resp, ctx.table("measures"), min_n=min_n)
    po = po.assign(reach=100 * po["reach_target_group"], acceptance=100 * po["acceptance"], benefit=100 * po["benefit"])
    small = po["n_respondents"] < min_n
    for c in ("reach", "acceptance", "benefit"):
        po.loc[small, c] = np.nan
    published, flags = ctx.publish_counts(po, ["n_respondents"], derived={"reach": "n_respondents",
                                                                           "acceptance": "n_respondents",
                                                                           "benefit": "n_respondents"})
    sub.add(Paragraph(_t("participants_intro", min_n=min_n)))
    return sub.add(ctx.table_block(published, _t("participants_caption"), [
        ColumnSpec("title", _t("col_measure")), ColumnSpec("n_respondents", _t("col_respondents"), "count"),
        ColumnSpec("reach", _t("col_reach"), "number", 0), ColumnSpec("acceptance", _t("col_acceptance"), "number", 0),
        ColumnSpec("benefit", _t("col_benefit"), "number", 0)], name="teilnehmende_massnahmen", row_header="title",
        flags=flags))
