"""Small areas: empirical-Bayes shrinkage of Sozialraum rates toward their municipality.

A Sozialraum with 900 residents and 2 cases has a raw rate that says little; ranking it beside one
with 12,000 residents rewards noise. Empirical Bayes (EB) replaces each raw rate by a weighted
average of the raw rate and the municipality's rate, the weight on the raw rate growing with the
area's size:

* **counts and rates** — Poisson-gamma model (Clayton & Kaldor 1987): ``O_i ~ Poisson(n_i θ_i)``,
  ``θ_i ~ Gamma(a, b)`` (shape a, rate b, mean a/b). The prior is estimated from all areas of
  the municipality, by maximum likelihood of the negative-binomial marginal (``method="ml"``,
  Clayton & Kaldor; fitted with statsmodels' ``NegativeBinomial`` with exposure, whose NB2
  dispersion α is 1/a) or by Marshall's (1991) moment estimator (``method="moments"``). The
  posterior is ``Gamma(a + O_i, b + n_i)``: the shrunk rate is its mean ``(a + O_i)/(b + n_i)`` and
  the interval its equal-tailed quantiles.
* **proportions** — beta-binomial model: ``x_i ~ Binomial(n_i, p_i)``, ``p_i ~ Beta(α, β)``, fitted by
  maximum likelihood of the beta-binomial marginal (``method="ml"``, scipy) or by moments
  (Kleinman 1973); posterior ``Beta(α + x_i, β + n_i - x_i)``.

When the areas vary no more than Poisson / binomial noise explains (the estimated between-area
variance is 0), every area is shrunk entirely to the municipality's rate; the interval is then the
exact interval of the municipality's pooled rate and ``note`` says so.

The beta-binomial marginal likelihood is maximised by hand with ``scipy.optimize`` over
(logit mean, log precision) because neither statsmodels nor scipy fits it; the Poisson-gamma ML is
statsmodels' negative-binomial regression.

Areas whose *expected* number of cases (denominator × municipality rate) is below
``min_expected`` (default 5) are flagged ``small`` and not ranked: their raw rate is shown, but the
report should not place them in a league table. Ranks (1 = highest shrunk value; with ``polarity
= -1`` 1 = lowest, i.e. best) are given among the other areas.

Example
-------
>>> import numpy as np
>>> res = poisson_gamma(np.array([2, 15, 40, 8]), np.array([900.0, 4000, 12000, 2500]), scale=1000)
>>> bool(abs(res.table["shrunk"].iloc[0] - res.prior_mean) < abs(res.table["raw"].iloc[0] - res.prior_mean))
True
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from ..errors import InputError
from ..results import ResultMixin, result_frame
from ._common import check_alpha, check_choice, fmt, require_columns, summary_block
from .rates import poisson_ci, proportion_ci


@dataclass(frozen=True)
class ShrinkageResult(ResultMixin):
    """Empirical-Bayes estimates for the areas of one municipality, indicator and year.

    ``table``: per area ``numerator, denominator, raw, raw_ci_low, raw_ci_high, shrunk,
    shrunk_ci_low, shrunk_ci_high, weight_raw`` (the weight on the area's own raw rate, 1 - shrinkage),
    ``expected``, ``small``; all values × ``scale``. ``prior_mean`` (× scale) and
    ``prior_sd`` (× scale) describe the estimated between-area distribution.

    Result interface (:mod:`evaluation.results`): the headline ``estimate`` is the prior mean
    (the municipality-wide level the areas are shrunk to), ``n`` the areas; ``se``, ``ci_low``,
    ``ci_high`` and ``p_value`` are NaN at that level. :meth:`summary_frame` gives one row per
    area: ``estimate`` the shrunk value with its ``1 - alpha`` interval.
    """

    table: pd.DataFrame
    prior_mean: float
    prior_sd: float
    prior_params: tuple[float, float]
    n: int
    scale: float
    alpha: float
    model: str
    method: str
    note: str = ""

    @property
    def estimate(self) -> float:
        return self.prior_mean

    se = ci_low = ci_high = p_value = property(lambda self: float("nan"))

    @property
    def notes(self) -> tuple[str, ...]:
        return (self.note,) if self.note else ()

    def summary_frame(self) -> pd.DataFrame:
        """One row per area: the shrunk estimate with its interval, the raw value beside it."""
        t = self.table
        base = {"se": float("nan"), "p_value": float("nan"), "method": self.method, "alpha": self.alpha,
                "notes": self.notes}
        rows = [dict(base, estimate=r.shrunk, ci_low=r.shrunk_ci_low, ci_high=r.shrunk_ci_high, n=r.denominator,
                     **({"area_id": r.area_id} if "area_id" in t.columns else {}), raw=r.raw, small=bool(r.small))
                for r in t.itertuples()]
        return result_frame(rows)

    def summary(self) -> str:
        return summary_block(f"Empirical-Bayes shrinkage ({self.model})", [
            ("areas", self.n), ("prior mean", fmt(self.prior_mean)), ("prior sd (between areas)", fmt(self.prior_sd)),
            ("mean weight on raw rate", fmt(float(self.table["weight_raw"].mean()))),
            ("small areas (not ranked)", int(self.table["small"].sum())), ("method", self.method),
            ("note", self.note or "-")])


def _check_inputs(x: np.ndarray, n: np.ndarray, proportion: bool) -> None:
    if x.shape != n.shape or x.ndim != 1:
        raise InputError("numerators and denominators must be two vectors of the same length", column="numerator")
    if len(x) < 2:
        raise InputError("shrinkage needs at least two areas", expected=">= 2 areas with counts", found=len(x))
    if not (np.isfinite(x).all() and np.isfinite(n).all()):
        raise InputError("shrinkage needs a numerator and a denominator for every area (drop or impute suppressed cells)",
                         column="numerator", expected="no missing counts")
    if (x < 0).any() or (np.abs(x - np.round(x)) > 1e-9).any():
        raise InputError("numerators must be whole counts >= 0", column="numerator", found=float(x[(x < 0) | (np.abs(x - np.round(x)) > 1e-9)][0]))
    if (n <= 0).any():
        raise InputError("denominators must be > 0", column="denominator", found=float(n[n <= 0][0]))
    if proportion and (x > n).any():
        raise InputError("numerator exceeds denominator", column="numerator", expected="numerator <= denominator")


def _gamma_ml(x: np.ndarray, n: np.ndarray) -> tuple[float, float]:
    """ML of the NB2 marginal with exposure (Clayton & Kaldor 1987) via statsmodels: (mean, 1/shape)."""
    from statsmodels.discrete.discrete_model import NegativeBinomial

    m0 = x.sum() / n.sum()
    if x.sum() == 0:
        return 0.0, 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = NegativeBinomial(x, np.ones_like(x), exposure=n, loglike_method="nb2").fit(
                start_params=np.array([np.log(m0), 0.1]), disp=0, maxiter=200, method="bfgs")
            mean, alpha_nb = float(np.exp(res.params[0])), float(res.params[1])
        except (np.linalg.LinAlgError, ValueError):  # pragma: no cover - degenerate data
            mean, alpha_nb = m0, 0.0
    if not np.isfinite(alpha_nb) or alpha_nb < 1e-8:
        alpha_nb = 0.0
    return mean, alpha_nb


def poisson_gamma(counts, exposure, method: str = "ml", alpha: float = 0.05, scale: float = 1000.0,
                  min_expected: float = 5.0) -> ShrinkageResult:
    """Poisson-gamma empirical Bayes (Clayton & Kaldor 1987) for the rates ``counts / exposure``."""
    check_choice("method", method, ("ml", "moments"))
    alpha = check_alpha(alpha)
    x = np.asarray(counts, dtype=float)
    n = np.asarray(exposure, dtype=float)
    _check_inputs(x, n, proportion=False)
    k = len(x)
    pooled = x.sum() / n.sum()
    if method == "ml":
        mean, disp = _gamma_ml(x, n)
        var_between = disp * mean ** 2
    else:  # Marshall (1991)
        mean = pooled
        s2 = np.sum(n * (x / n - mean) ** 2) / n.sum()
        var_between = max(s2 - mean / (n.sum() / k), 0.0)
    raw_lo, raw_hi = poisson_ci(x, n, method="exact", alpha=alpha)
    note = ""
    if var_between > 0 and mean > 0:
        a, b = mean ** 2 / var_between, mean / var_between
        shrunk = (a + x) / (b + n)
        lo = stats.gamma.ppf(alpha / 2, a + x, scale=1 / (b + n))
        hi = stats.gamma.ppf(1 - alpha / 2, a + x, scale=1 / (b + n))
        weight = n / (b + n)
    else:
        a = b = np.inf
        plo, phi = poisson_ci([x.sum()], [n.sum()], method="exact", alpha=alpha)
        shrunk = np.full(k, pooled)
        lo, hi = np.full(k, plo[0]), np.full(k, phi[0])
        weight = np.zeros(k)
        mean = pooled
        note = "no variation beyond chance: all areas shrunk to the municipality rate (its exact interval shown)"
    expected = n * pooled
    table = pd.DataFrame({"numerator": x, "denominator": n, "raw": x / n * scale, "raw_ci_low": raw_lo * scale,
                          "raw_ci_high": raw_hi * scale, "shrunk": shrunk * scale, "shrunk_ci_low": lo * scale,
                          "shrunk_ci_high": hi * scale, "weight_raw": weight, "expected": expected,
                          "small": expected < min_expected})
    label = "ML of the negative-binomial marginal (Clayton & Kaldor 1987)" if method == "ml" else \
        "moment estimator (Marshall 1991)"
    return ShrinkageResult(table, mean * scale, np.sqrt(var_between) * scale, (float(a), float(b)), k, scale, alpha,
                           "Poisson-gamma", label, note)


def _betabinom_ml(x: np.ndarray, n: np.ndarray) -> tuple[float, float]:
    """ML of the beta-binomial marginal: returns (mean p, precision alpha + beta); precision inf = no overdispersion."""
    p0 = np.clip(x.sum() / n.sum(), 1e-6, 1 - 1e-6)

    def nll(theta):
        mu = special.expit(theta[0])
        prec = np.exp(theta[1])
        return -stats.betabinom.logpmf(x, n, mu * prec, (1 - mu) * prec).sum()

    best = None
    for start in (np.log(10.0), np.log(100.0), np.log(1000.0)):
        res = optimize.minimize(nll, np.array([special.logit(p0), start]), method="Nelder-Mead",
                                options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 2000})
        if best is None or res.fun < best.fun:
            best = res
    mu, prec = float(special.expit(best.x[0])), float(np.exp(best.x[1]))
    # compare with the binomial limit (no between-area variation)
    nll_binom = -stats.binom.logpmf(x, n, p0).sum()
    if prec > 1e7 or nll_binom <= best.fun + 1e-9:
        return float(p0), np.inf
    return mu, prec


def beta_binomial(successes, trials, method: str = "ml", alpha: float = 0.05, scale: float = 100.0,
                  min_expected: float = 5.0) -> ShrinkageResult:
    """Beta-binomial empirical Bayes for the proportions ``successes / trials`` (default in percent)."""
    check_choice("method", method, ("ml", "moments"))
    alpha = check_alpha(alpha)
    x = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    _check_inputs(x, n, proportion=True)
    k = len(x)
    pooled = x.sum() / n.sum()
    if method == "ml":
        mean, prec = _betabinom_ml(x, n)
    else:  # moments (Kleinman 1973, weights n_i)
        mean = pooled
        s2 = np.sum(n * (x / n - mean) ** 2) / n.sum()
        tau2 = s2 - mean * (1 - mean) / (n.sum() / k)
        prec = mean * (1 - mean) / tau2 - 1 if 0 < tau2 < mean * (1 - mean) else np.inf
    raw_lo, raw_hi = proportion_ci(x, n, method="wilson", alpha=alpha)
    note = ""
    if np.isfinite(prec) and prec > 0 and 0 < mean < 1:
        a, b = mean * prec, (1 - mean) * prec
        shrunk = (a + x) / (prec + n)
        lo = stats.beta.ppf(alpha / 2, a + x, b + n - x)
        hi = stats.beta.ppf(1 - alpha / 2, a + x, b + n - x)
        weight = n / (prec + n)
        sd = np.sqrt(mean * (1 - mean) / (prec + 1))
    else:
        a = b = np.inf
        plo, phi = proportion_ci([x.sum()], [n.sum()], method="wilson", alpha=alpha)
        mean = pooled
        shrunk = np.full(k, pooled)
        lo, hi = np.full(k, plo[0]), np.full(k, phi[0])
        weight = np.zeros(k)
        sd = 0.0
        note = "no variation beyond chance: all areas shrunk to the municipality share (its Wilson interval shown)"
    expected = n * np.minimum(pooled, 1 - pooled)
    table = pd.DataFrame({"numerator": x, "denominator": n, "raw": x / n * scale, "raw_ci_low": raw_lo * scale,
                          "raw_ci_high": raw_hi * scale, "shrunk": shrunk * scale, "shrunk_ci_low": lo * scale,
                          "shrunk_ci_high": hi * scale, "weight_raw": weight, "expected": expected,
                          "small": expected < min_expected})
    label = "ML of the beta-binomial marginal" if method == "ml" else "moment estimator (Kleinman 1973)"
    return ShrinkageResult(table, mean * scale, sd * scale, (float(a), float(b)), k, scale, alpha,
                           "beta-binomial", label, note)


def shrink_areas(values: pd.DataFrame, kind: str = "rate", scale: float | None = None, method: str = "ml",
                 alpha: float = 0.05, min_expected: float = 5.0, polarity: int = 1) -> pd.DataFrame:
    """Raw and shrunk Sozialraum values side by side for every municipality, indicator and year.

    ``values`` is an ``indicator_values`` table; rows with ``area_id == municipality_id`` (the whole
    town) are left out of the model. ``kind`` "rate" (Poisson-gamma, default per 1,000) or
    "proportion" (beta-binomial, default percent). Returns one row per area with the columns of
    :class:`ShrinkageResult` ``.table`` plus ``prior_mean``, ``rank`` (among areas not flagged
    ``small``; NaN for small areas) and ``note``. Areas whose numerator or denominator is missing
    (e.g. suppressed cells) are listed with NaN estimates, ``small`` True and a ``note``; the model is
    fitted on the others.
    """
    check_choice("kind", kind, ("rate", "proportion"))
    check_choice("polarity", polarity, (1, -1))
    require_columns(values, ["municipality_id", "area_id", "year", "indicator_id", "numerator", "denominator"],
                    "indicator_values")
    scale = float((1000.0 if kind == "rate" else 100.0) if scale is None else scale)
    areas = values[values["area_id"].astype(str) != values["municipality_id"].astype(str)]
    if areas.empty:
        raise InputError("no Sozialraum rows to shrink (all rows are whole-town rows)", column="area_id")
    fit = poisson_gamma if kind == "rate" else beta_binomial
    pieces = []
    for (mun, ind, year), g_all in areas.groupby(["municipality_id", "indicator_id", "year"], sort=True):
        has = g_all["numerator"].notna() & g_all["denominator"].notna()
        g = g_all[has]
        if len(g) < 2:
            t = pd.DataFrame({"area_id": g_all["area_id"].to_numpy(), "numerator": g_all["numerator"].to_numpy(float),
                              "denominator": g_all["denominator"].to_numpy(float), "small": True,
                              "note": "fewer than two areas with counts: no shrinkage"})
            t.insert(0, "year", int(year))
            t.insert(0, "indicator_id", ind)
            t.insert(0, "municipality_id", mun)
            pieces.append(t)
            continue
        res = fit(g["numerator"].to_numpy(float), g["denominator"].to_numpy(float), method=method, alpha=alpha,
                  scale=scale, min_expected=min_expected)
        t = res.table
        t.insert(0, "area_id", g["area_id"].to_numpy())
        t.insert(0, "year", int(year))
        t.insert(0, "indicator_id", ind)
        t.insert(0, "municipality_id", mun)
        t["prior_mean"] = res.prior_mean
        ranked = t["shrunk"].where(~t["small"])
        t["rank"] = ranked.rank(ascending=polarity < 0, method="min").astype("Int64")
        t["note"] = res.note
        if (~has).any():  # suppressed or missing counts: listed, not estimated, not ranked
            t = pd.concat([t, pd.DataFrame({
                "municipality_id": mun, "indicator_id": ind, "year": int(year),
                "area_id": g_all.loc[~has, "area_id"].to_numpy(), "numerator": g_all.loc[~has, "numerator"].to_numpy(float),
                "denominator": g_all.loc[~has, "denominator"].to_numpy(float), "small": True, "prior_mean": res.prior_mean,
                "note": "numerator or denominator missing (suppressed?): not estimated"})], ignore_index=True)
            t["rank"] = t["rank"].astype("Int64")
        pieces.append(t)
    out = pd.concat(pieces, ignore_index=True)
    out["small"] = out["small"].astype(bool)
    return out
