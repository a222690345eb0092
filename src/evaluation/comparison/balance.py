"""Balance: are the comparison municipalities comparable? SMDs, the Love plot, pre-period trends.

**Standardised mean difference** (SMD; Austin 2009, "Balance diagnostics for comparing the
distribution of baseline covariates between treatment groups in propensity-score matched samples",
Statistics in Medicine 28, eq. 1 and 2):

* continuous: ``(mean_t - mean_c) / sqrt((s_t² + s_c²) / 2)``, sample variances (ddof 1);
* binary (values 0/1 only): ``(p_t - p_c) / sqrt((p_t(1 - p_t) + p_c(1 - p_c)) / 2)``.

The SMD is in standard deviations and does not depend on the sample size, unlike a t-test (Stuart
2010, section 6.1); ``|SMD| < 0.1`` is the usual threshold for a negligible difference (Austin 2009,
Normand et al. 2001). Following Stuart 2010, the *same* denominator is used before and after
matching, computed on the sample *before* matching, so that a change in the SMD reflects a change
in the means and not in the spread. With a single model municipality the treated variance is
undefined; the denominator is then the standard deviation of the candidate pool (s_c), i.e. the
difference is expressed in standard deviations of the municipalities it was chosen from.

After matching, the comparison mean is weighted by the matching weights (each model
municipality's comparison group sums to one; see :meth:`MatchResult.weights`).

>>> round(standardised_mean_difference([3.0, 5.0], [1.0, 2.0, 3.0]), 4)  # (4 - 2) / sqrt((2 + 1) / 2)
1.633
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from evaluation.errors import InputError
from evaluation.texts import text

from ._common import OKABE_ITO, Plot, as_id_list, feature_table, variable_label
from .characteristics import ols_slopes, town_panel
from .matching import MatchResult


def _is_binary(*arrays: np.ndarray) -> bool:
    vals = np.concatenate([a[~np.isnan(a)] for a in arrays])
    return len(vals) > 0 and bool(np.isin(vals, (0.0, 1.0)).all())


def _wmean(x: np.ndarray, w: np.ndarray | None) -> float:
    if w is None:
        return float(np.mean(x))
    return float(np.sum(w * x) / np.sum(w))


def smd_denominator(treated: Sequence[float], comparison: Sequence[float], *, binary: bool | None = None) -> float:
    """The SMD's denominator from the unmatched sample (Austin 2009; see the module docstring).

    Pooled ``sqrt((s_t² + s_c²)/2)``; with fewer than two treated values, ``s_c`` alone;
    for binary characteristics the Bernoulli variances ``p(1 - p)``.
    """
    t = np.asarray(treated, dtype=float)
    c = np.asarray(comparison, dtype=float)
    if len(c) == 0 or len(t) == 0:
        raise InputError("an SMD needs at least one treated and one comparison value",
                         expected="non-empty groups", found=(len(t), len(c)))
    if binary is None:
        binary = _is_binary(t, c)
    if binary:
        pt, pc = t.mean(), c.mean()
        if len(t) < 2:
            return float(np.sqrt(pc * (1 - pc)))
        return float(np.sqrt((pt * (1 - pt) + pc * (1 - pc)) / 2))
    vc = float(np.var(c, ddof=1)) if len(c) > 1 else 0.0
    if len(t) < 2:
        return float(np.sqrt(vc))
    return float(np.sqrt((np.var(t, ddof=1) + vc) / 2))


def standardised_mean_difference(
    treated: Sequence[float],
    comparison: Sequence[float],
    *,
    weights: Sequence[float] | None = None,
    denominator: float | None = None,
    binary: bool | None = None,
) -> float:
    """Standardised mean difference of treated vs comparison values (Austin 2009).

    ``weights`` weight the comparison mean (matching weights). ``denominator`` defaults to
    :func:`smd_denominator` of the values given; pass the unmatched sample's denominator to compare
    before and after matching on one scale. A zero denominator gives 0 when the means agree and
    ±inf when they do not (a characteristic constant in the pool but different in the treated).
    """
    t = np.asarray(treated, dtype=float)
    c = np.asarray(comparison, dtype=float)
    w = None if weights is None else np.asarray(weights, dtype=float)
    if w is not None and (len(w) != len(c) or (w < 0).any() or w.sum() <= 0):
        raise InputError("weights must be non-negative, one per comparison value, not all zero",
                         expected=f"{len(c)} weights", found=len(w))
    if np.isnan(t).any() or np.isnan(c).any():
        raise InputError("an SMD of values with gaps", expected="no missing values (drop or impute them first)")
    if denominator is None:
        denominator = smd_denominator(t, c, binary=binary)
    diff = float(np.mean(t)) - _wmean(c, w)
    if denominator == 0 or not np.isfinite(denominator):
        return 0.0 if np.isclose(diff, 0.0) else float(np.sign(diff) * np.inf)
    return diff / denominator


def balance_table(
    features: pd.DataFrame,
    result: MatchResult,
    *,
    variables: Sequence[str] | None = None,
    by: Literal["municipality", "pooled", "both"] = "both",
    threshold: float = 0.1,
) -> pd.DataFrame:
    """SMDs before and after matching for every characteristic, tidy.

    ``features``: the characteristics on their natural scale (the SMD of population is computed on
    inhabitants, not on the log scale the matching used). ``variables``: default those matched on,
    plus the propensity score's logit for propensity matching; add others to check balance on
    characteristics that were *not* matched on.

    Rows: one per (``model_id``, ``variable``); ``model_id == "all"`` for the pooled comparison of all
    model municipalities with their matched comparison groups (weights of :meth:`MatchResult.weights`).
    Columns: ``model_id, variable, label`` (German), ``mean_model, mean_before`` (the eligible
    candidates), ``mean_after`` (matched, weighted), ``sd_denominator, smd_before, smd_after,
    balanced_before, balanced_after`` (``|SMD| < threshold``), ``n_model, n_before, n_after``.
    """
    if by not in ("municipality", "pooled", "both"):
        raise InputError(f"by={by!r}", expected="'municipality', 'pooled' or 'both'")
    variables = list(result.variables) if variables is None else list(variables)
    X = feature_table(features, variables, what="balance characteristics")
    if result.propensity is not None and "propensity_logit" not in X.columns:
        X = X.join(result.propensity.rename("propensity_logit"), how="left")
        variables = variables + ["propensity_logit"]
    rows: list[dict[str, Any]] = []

    values = X[variables].to_numpy(dtype=float)
    labels = {v: variable_label(v) for v in variables}

    def rows_of(ids) -> np.ndarray:
        pos = X.index.get_indexer(pd.Index(ids, dtype=object))
        return pos

    def add(model: str, t_ids: list[str], before_ids: list[str], after_w: pd.Series) -> None:
        t_pos, b_pos, a_pos = rows_of(t_ids), rows_of(before_ids), rows_of(after_w.index)
        w_all = after_w.to_numpy(dtype=float)
        for j, v in enumerate(variables):
            t = np.where(t_pos >= 0, values[np.maximum(t_pos, 0), j], np.nan)
            b = values[b_pos[b_pos >= 0], j]
            b = b[~np.isnan(b)]
            a = np.where(a_pos >= 0, values[np.maximum(a_pos, 0), j], np.nan)
            keep = ~np.isnan(a)
            a_vals, a_w = a[keep], w_all[keep]
            if np.isnan(t).any():
                missing = [i for i, x in zip(t_ids, t) if np.isnan(x)]
                raise InputError(f"model municipality '{missing[0]}' has no value for '{v}'", row=missing[0],
                                 column=v, expected="a number for every balance characteristic")
            binary = _is_binary(t, b)
            den = smd_denominator(t, b, binary=binary)
            rows.append({
                "model_id": model, "variable": v, "label": labels[v],
                "mean_model": float(t.mean()), "mean_before": float(b.mean()),
                "mean_after": _wmean(a_vals, a_w) if len(a_vals) else np.nan, "sd_denominator": den,
                "smd_before": standardised_mean_difference(t, b, denominator=den),
                "smd_after": standardised_mean_difference(t, a_vals, weights=a_w, denominator=den)
                if len(a_vals) else np.nan,
                "n_model": len(t), "n_before": len(b), "n_after": int(len(a_vals)),
            })

    if by in ("municipality", "both"):
        for mid in result.model_ids:
            before = result.candidates.loc[result.candidates["model_id"] == mid, "comparison_id"].tolist()
            add(mid, [mid], before, result.weights(mid))
    if by in ("pooled", "both"):
        before = sorted(set(result.candidates["comparison_id"]))
        add("all", list(result.model_ids), before, result.weights())
    out = pd.DataFrame(rows)
    out["balanced_before"] = out["smd_before"].abs() < threshold
    out["balanced_after"] = out["smd_after"].abs() < threshold
    out.attrs["threshold"] = threshold
    return out


def love_plot(
    balance: pd.DataFrame,
    *,
    model_id: str | None = None,
    model_name: str | None = None,
    threshold: float | None = None,
    absolute: bool = True,
    ax: Any = None,
) -> Plot:
    """Love plot (Ahmed et al. 2006; Austin 2009): SMD per characteristic before and after matching.

    ``balance`` is a :func:`balance_table`; ``model_id`` picks one model municipality (default: the
    pooled rows ``"all"`` if present, else the only model municipality). Okabe-Ito colours, with
    marker shape as a second cue (open orange circle = before, filled blue square = after), a dashed
    line at the threshold. Returns :class:`Plot` (``figure``, ``table``, ``alt_text``).
    """
    import matplotlib.pyplot as plt

    if balance.empty:
        raise InputError("the balance table is empty", expected="rows from balance_table()")
    ids = balance["model_id"].unique().tolist()
    if model_id is None:
        if "all" in ids:
            model_id = "all"
        elif len(ids) == 1:
            model_id = ids[0]
        else:
            raise InputError("the balance table holds several model municipalities; say which",
                             column="model_id", expected=f"model_id one of {ids}")
    if model_id not in ids:
        raise InputError(f"model municipality '{model_id}' not in the balance table", column="model_id",
                         expected=f"one of {ids}", found=model_id)
    threshold = float(balance.attrs.get("threshold", 0.1) if threshold is None else threshold)
    tab = balance[balance["model_id"] == model_id].copy()
    f = (lambda s: s.abs()) if absolute else (lambda s: s)
    tab["plot_before"], tab["plot_after"] = f(tab["smd_before"]), f(tab["smd_after"])
    tab = tab.sort_values("plot_before", key=lambda s: s.abs().fillna(np.inf), kind="stable").reset_index(drop=True)
    if ax is None:
        fig, ax = plt.subplots(figsize=(7.0, 0.45 * len(tab) + 1.6))
    else:
        fig = ax.figure
    y = np.arange(len(tab))
    finite = lambda s: s.replace([np.inf, -np.inf], np.nan)  # noqa: E731
    ax.scatter(finite(tab["plot_before"]), y, marker="o", s=55, facecolors="white",
               edgecolors=OKABE_ITO["orange"], linewidths=2, label=text("comparison", "balance.before"), zorder=3)
    ax.scatter(finite(tab["plot_after"]), y, marker="s", s=45, color=OKABE_ITO["blue"],
               label=text("comparison", "balance.after"), zorder=4)
    for xline in ([threshold] if absolute else [-threshold, threshold]):
        ax.axvline(xline, color=OKABE_ITO["black"], linestyle="--", linewidth=1,
                   label=text("comparison", "balance.threshold", threshold=f"{threshold:g}") if xline > 0 else None)
    if not absolute:
        ax.axvline(0, color="#666666", linewidth=0.8)
    ax.set_yticks(y, tab["label"])
    ax.set_xlabel(text("comparison", "balance.xlabel" if absolute else "balance.xlabel_signed"))
    name = model_name or (text("comparison", "balance.all_models") if model_id == "all" else model_id)
    ax.set_title(f"{text('comparison', 'balance.title')}: {name}")
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.legend(loc="lower right", frameon=True, fontsize=8)
    fig.tight_layout()
    worst = tab.loc[tab["smd_after"].abs().fillna(-1).idxmax()]
    alt = text("comparison", "balance.alt_text", n_vars=len(tab), model=name,
               n_before=int(tab["balanced_before"].sum()), n_after=int(tab["balanced_after"].sum()),
               threshold=f"{threshold:g}".replace(".", ","), worst=worst["label"],
               worst_smd=f"{worst['smd_after']:.2f}".replace(".", ","))
    table = tab[["model_id", "variable", "label", "mean_model", "mean_before", "mean_after", "smd_before",
                 "smd_after", "balanced_before", "balanced_after"]]
    return Plot(fig, table, alt)


def pre_trends(
    values: pd.DataFrame,
    indicator_id: str,
    model_id: str,
    comparison_ids: Iterable[str],
    *,
    weights: pd.Series | None = None,
    years: Iterable[int] | None = None,
) -> pd.DataFrame:
    """The outcome of a model municipality beside the mean of its comparison group, per year (tidy).

    Rows: one per (``year``, ``series``) with ``series`` in ``"model"``, ``"comparison"``; columns
    ``year, series, value`` (the model's value, or the comparison group's weighted mean), ``low,
    high`` (comparison group's minimum and maximum, the band in the plot), ``n`` (comparison
    municipalities with a value that year), ``model_id, indicator_id``. Whole-town values only
    (``area_id == municipality_id``).
    """
    comp = as_id_list(comparison_ids, what="comparison municipality")
    wide = town_panel(values, indicator_id)
    if model_id not in wide.index:
        raise InputError(f"model municipality '{model_id}' has no values of '{indicator_id}'", row=model_id,
                         column="municipality_id", expected="whole-town values of the indicator")
    absent = [c for c in comp if c not in wide.index]
    if len(absent) == len(comp):
        raise InputError(f"none of the comparison municipalities has values of '{indicator_id}'",
                         row=comp[0], expected="whole-town values for the comparison group")
    comp = [c for c in comp if c in wide.index]
    if years is not None:
        wide = wide.reindex(columns=sorted({int(y) for y in years}))
    w = pd.Series(1.0, index=comp) if weights is None else weights.reindex(comp).fillna(0.0).astype(float)
    rows = []
    for year in wide.columns:
        cv = wide.loc[comp, year]
        ok = cv.notna() & (w > 0)
        mean = float((cv[ok] * w[ok]).sum() / w[ok].sum()) if ok.any() else np.nan
        rows.append({"year": int(year), "series": "model", "value": float(wide.at[model_id, year]),
                     "low": np.nan, "high": np.nan, "n": 1})
        rows.append({"year": int(year), "series": "comparison", "value": mean,
                     "low": float(cv[ok].min()) if ok.any() else np.nan,
                     "high": float(cv[ok].max()) if ok.any() else np.nan, "n": int(ok.sum())})
    out = pd.DataFrame(rows)
    out.insert(0, "indicator_id", str(indicator_id))
    out.insert(0, "model_id", str(model_id))
    return out


def pre_trend_slopes(trends: pd.DataFrame, *, before: int | None = None) -> dict[str, float]:
    """Least-squares change per year of the model and the comparison mean (years ``< before``).

    Returns ``{"slope_model", "slope_comparison", "difference"}``; a difference far from 0 warns that
    the parallel-trends assumption of difference-in-differences is doubtful for this pool.
    """
    t = trends if before is None else trends[trends["year"] < before]
    wide = t.pivot(index="series", columns="year", values="value")
    s = ols_slopes(wide)
    m, c = float(s.get("model", np.nan)), float(s.get("comparison", np.nan))
    return {"slope_model": m, "slope_comparison": c, "difference": m - c}


def pre_trend_plot(
    trends: pd.DataFrame,
    *,
    programme_start: int | None = None,
    indicator_label: str | None = None,
    model_name: str | None = None,
    ax: Any = None,
) -> Plot:
    """Line plot of :func:`pre_trends`: the model municipality (blue, solid, squares) and the
    comparison mean (orange, dashed, circles) with the comparison range as a light band; a dotted
    vertical line at ``programme_start``. Returns :class:`Plot` with a German text alternative
    stating the yearly change of both before the start."""
    import matplotlib.pyplot as plt

    if trends.empty:
        raise InputError("the trend table is empty", expected="rows from pre_trends()")
    model = trends[trends["series"] == "model"].sort_values("year")
    comp = trends[trends["series"] == "comparison"].sort_values("year")
    label = indicator_label or str(trends["indicator_id"].iloc[0])
    name = model_name or str(trends["model_id"].iloc[0])
    if ax is None:
        fig, ax = plt.subplots(figsize=(7.0, 4.0))
    else:
        fig = ax.figure
    ax.fill_between(comp["year"], comp["low"], comp["high"], color=OKABE_ITO["orange"], alpha=0.18, linewidth=0,
                    label=text("comparison", "trends.comparison_range"))
    ax.plot(comp["year"], comp["value"], color=OKABE_ITO["orange"], linestyle="--", marker="o",
            label=text("comparison", "trends.comparison"))
    ax.plot(model["year"], model["value"], color=OKABE_ITO["blue"], linestyle="-", marker="s", label=name)
    if programme_start is not None:
        ax.axvline(programme_start - 0.5, color=OKABE_ITO["black"], linestyle=":", linewidth=1.2,
                   label=text("comparison", "trends.programme_start"))
    ax.set_xlabel(text("comparison", "trends.xlabel"))
    ax.set_ylabel(label)
    ax.set_title(text("comparison", "trends.title", indicator=label))
    ax.legend(fontsize=8, frameon=True)
    ax.grid(color="#dddddd", linewidth=0.6)
    fig.tight_layout()
    slopes = pre_trend_slopes(trends, before=programme_start)
    fmt = lambda x: "–" if not np.isfinite(x) else f"{x:+.2f}".replace(".", ",")  # noqa: E731
    alt = text("comparison", "trends.alt_text", indicator=label, model=name, n=int(comp["n"].max()),
               first=int(trends["year"].min()), last=int(trends["year"].max()),
               slope_model=fmt(slopes["slope_model"]), slope_comparison=fmt(slopes["slope_comparison"]))
    return Plot(fig, trends.copy(), alt)
