"""Trends of indicator series and interrupted time series for a municipality without a comparison.

**Trend** (:func:`fit_trend`): for counts and rates a log-linear Poisson GLM, ``log E[O_t] = log n_t +
β0 + β1 t`` (the offset ``log n_t`` makes it a rate model), with the Pearson-χ² scale (quasi-Poisson,
McCullagh & Nelder 1989, §4.5) so that overdispersion widens the interval; or a negative-binomial
model (statsmodels ``NegativeBinomial``, NB2). ``annual_change`` is then ``exp(β1) - 1``, the
average relative change per year. Quasi-Poisson also takes non-integer counts (annual averages,
e.g. the BA's Jahresdurchschnitt), as a quasi-likelihood model. For proportions and means a straight line fitted by OLS,
``annual_change = β1`` in the published unit per year.

**Interrupted time series** (:func:`interrupted_time_series`): segmented regression (Wagner et al.
2002; Bernal, Cummins & Gasparrini 2017)

``y_t = β0 + β1 (t - t0) + β2 post_t + β3 (t - start) post_t + ε_t``,  ``post_t = 1[t >= start]``

``level_change`` = β2 (the jump in the programme's first year), ``slope_change`` = β3 (change in
the annual slope), with Newey-West (HAC) standard errors (Newey & West 1987; Bartlett kernel,
``maxlags`` default ``floor(4 (n/100)^(2/9))``, at least 1). Because annual series are short, the
interval's critical value is simulated for the actual design and bandwidth (see
:func:`hac_critical_values`; written by hand because statsmodels offers only normal or t critical
values, which give 95% intervals that cover about 80% of the time with 16 years). ``effects`` gives the implied effect per post year,
``β2 + β3 (t - start)``, with its interval: comparable with a ground truth's ``att_by_year``.
With few pre-programme years the design cannot tell a programme effect from any other change
that happened at the same time; the result says so only through its (wide) interval.

Example
-------
>>> import numpy as np
>>> years = np.arange(2010, 2024)
>>> y = 50 + 0.5 * (years - 2010) + 3 * (years >= 2017) + 1.0 * (years - 2017) * (years >= 2017)
>>> res = interrupted_time_series(years, y + np.tile([0.2, -0.2], 7), start=2017)
>>> bool(res.level_ci[0] < 3 < res.level_ci[1]), round(res.slope_change, 1)
(True, 1.0)
"""

from __future__ import annotations

import warnings
from functools import lru_cache
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from ..errors import EstimationError, InputError
from ..results import ResultMixin, result_frame
from ._common import as_float_array, check_alpha, check_choice, fmt, require_columns, summary_block

FAMILIES = ("quasipoisson", "poisson", "negbin", "linear")


def _years(years) -> np.ndarray:
    y = as_float_array(years, "year")
    if y.ndim != 1 or not np.isfinite(y).all() or (np.abs(y - np.round(y)) > 1e-9).any():
        raise InputError("years must be whole numbers without gaps in the data", column="year", found=years)
    if len(np.unique(y)) != len(y):
        raise InputError("a year appears twice in the series", column="year", expected="one value per year")
    return y


@dataclass(frozen=True)
class TrendResult(ResultMixin):
    """A fitted trend. ``slope`` is β1 (log scale for log-linear models), ``annual_change`` the change per
    year in the published unit (linear) or as a relative change (log-linear, 0.05 = +5% a year).

    Result interface (:mod:`evaluation.results`): ``estimate`` is the slope, with its ``se``,
    ``ci_low``/``ci_high`` and ``p_value`` (null: no trend); ``n`` the years.
    """

    slope: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    annual_change: float
    annual_change_ci: tuple[float, float]
    n: int
    first_year: int
    last_year: int
    family: str
    scale: float
    alpha: float
    method: str
    model_result: Any = field(repr=False, compare=False, default=None)
    notes: tuple[str, ...] = ()

    @property
    def estimate(self) -> float:
        return self.slope

    @property
    def ci(self) -> tuple[float, float]:
        return (self.ci_low, self.ci_high)

    def predict(self, years) -> pd.DataFrame:
        """Fitted (or projected) value per year in the published unit, with its confidence interval."""
        t = _years(years) - self.first_year
        X = sm.add_constant(t, has_constant="add")
        if self.family == "negbin":
            b = self.model_result.params[:2]
            cov = self.model_result.cov_params()[:2, :2]
            eta = X @ b
            se = np.sqrt(np.einsum("ij,jk,ik->i", X, cov, X))
            z = stats.norm.ppf(1 - self.alpha / 2)
            mean, lo, hi = np.exp(eta), np.exp(eta - z * se), np.exp(eta + z * se)
        else:
            pred = self.model_result.get_prediction(X)
            frame = pred.summary_frame(alpha=self.alpha)
            mean = frame["mean"].to_numpy()
            lo = frame["mean_ci_lower"].to_numpy()
            hi = frame["mean_ci_upper"].to_numpy()
        return pd.DataFrame({"year": (t + self.first_year).astype(int), "fitted": mean * self.scale,
                             "ci_low": lo * self.scale, "ci_high": hi * self.scale})

    def summary(self) -> str:
        level = f"{100 * (1 - self.alpha):g}%"
        unit = "relative change per year" if self.family != "linear" else "change per year"
        return summary_block(f"Trend {self.first_year}-{self.last_year}", [
            ("slope", fmt(self.slope, 4)), ("std. error", fmt(self.se, 4)),
            (f"{level} interval", f"[{fmt(self.ci_low, 4)}, {fmt(self.ci_high, 4)}]"), ("p-value", fmt(self.p_value, 4)),
            (unit, f"{fmt(self.annual_change, 4)} [{fmt(self.annual_change_ci[0], 4)}, {fmt(self.annual_change_ci[1], 4)}]"),
            ("years", self.n), ("method", self.method)])


def fit_trend(years, values, exposure=None, family: str = "linear", alpha: float = 0.05,
              scale: float = 1.0) -> TrendResult:
    """Fit a trend to one series.

    ``values``: for ``family="linear"`` the published values; for the count families the counts,
    with ``exposure`` the population of each year for a rate (``scale`` turns a rate per person
    into the published unit, e.g. 1000). Years with a missing value are dropped; at least 3 remain.

    >>> r = fit_trend([2018, 2019, 2020, 2021], [100, 110, 121, 133], family="quasipoisson")
    >>> round(r.annual_change, 2)
    0.1
    """
    check_choice("family", family, FAMILIES)
    alpha = check_alpha(alpha)
    t_all = _years(years)
    y_all = as_float_array(values, "value")
    e_all = np.ones_like(y_all) if exposure is None else as_float_array(exposure, "denominator")
    if not (len(t_all) == len(y_all) == len(e_all)):
        raise InputError("years, values and exposure must have the same length", column="value")
    ok = np.isfinite(y_all) & np.isfinite(e_all)
    t, y, e = t_all[ok], y_all[ok], e_all[ok]
    if len(t) < 3:
        raise InputError("a trend needs at least 3 years with a value", column="value", expected=">= 3 years",
                         found=int(len(t)))
    first = int(t.min())
    X = sm.add_constant(t - first, has_constant="add")
    if family == "linear":
        res = sm.OLS(y, X).fit()
        b, se, p = float(res.params[1]), float(res.bse[1]), float(res.pvalues[1])
        lo, hi = res.conf_int(alpha)[1]
        change, change_ci = b * scale, (lo * scale, hi * scale)
        method = "OLS linear trend"
    else:
        if (y < 0).any():
            raise InputError(f"the {family} trend needs counts >= 0", column="numerator",
                             expected="counts (use family='linear' for published rates)")
        if family != "quasipoisson" and (np.abs(y - np.round(y)) > 1e-9).any():
            raise InputError(f"the {family} trend needs whole counts", column="numerator",
                             expected="whole counts; for annual averages use family='quasipoisson'")
        if (e <= 0).any():
            raise InputError("exposure must be > 0", column="denominator")
        if y.sum() == 0:
            raise EstimationError("all counts are zero: no log-linear trend can be estimated")
        if family == "negbin":
            from statsmodels.discrete.discrete_model import NegativeBinomial

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = NegativeBinomial(y, X, exposure=e).fit(disp=0, maxiter=300)
            b, se = float(res.params[1]), float(res.bse[1])
            z = stats.norm.ppf(1 - alpha / 2)
            lo, hi = b - z * se, b + z * se
            p = float(2 * stats.norm.sf(abs(b / se)))
            method = "negative-binomial (NB2) log-linear trend"
        else:
            glm = sm.GLM(y, X, family=sm.families.Poisson(), exposure=e)
            try:
                with warnings.catch_warnings():
                    # a series that the line fits exactly (e.g. a constant count) is fine, not "separation"
                    warnings.filterwarnings("ignore", message="Perfect separation")
                    res = glm.fit()
                # quasi-Poisson: widen by the Pearson dispersion, but never narrow below Poisson (underdispersion)
                if family == "quasipoisson" and res.df_resid > 0 and res.pearson_chi2 / res.df_resid > 1:
                    res = glm.fit(scale="X2")
            except ValueError as exc:  # pragma: no cover - statsmodels' IRLS on degenerate data
                raise EstimationError(f"the Poisson trend could not be fitted: {exc}") from exc
            b, se, p = float(res.params[1]), float(res.bse[1]), float(res.pvalues[1])
            lo, hi = res.conf_int(alpha)[1]
            method = "log-linear Poisson GLM" + (" with Pearson scale (quasi-Poisson)" if family == "quasipoisson" else "")
        change, change_ci = float(np.expm1(b)), (float(np.expm1(lo)), float(np.expm1(hi)))
    return TrendResult(b, se, float(lo), float(hi), p, float(change), (float(change_ci[0]), float(change_ci[1])),
                       int(len(t)), first, int(t.max()), family, float(scale), alpha, method, res)


@dataclass(frozen=True)
class ITSResult(ResultMixin):
    """Segmented-regression estimate of a programme's level and slope change (with HAC errors).

    Result interface (:mod:`evaluation.results`): ``estimate`` is the level change at the
    programme start (``se``, ``ci_low``/``ci_high``, ``p_value`` of it); the slope change keeps its
    own fields; :meth:`summary_frame` gives one row for each. ``n`` the years before and after.
    """

    level_change: float
    level_se: float
    level_ci: tuple[float, float]
    slope_change: float
    slope_se: float
    slope_ci: tuple[float, float]
    pre_slope: float
    pre_slope_se: float
    start: int
    n_pre: int
    n_post: int
    maxlags: int
    residual_autocorrelation: float
    effects: pd.DataFrame
    family: str
    alpha: float
    method: str
    level_p: float = float("nan")
    slope_p: float = float("nan")
    model_result: Any = field(repr=False, compare=False, default=None)
    notes: tuple[str, ...] = ()

    @property
    def estimate(self) -> float:
        return self.level_change

    @property
    def se(self) -> float:
        return self.level_se

    @property
    def ci_low(self) -> float:
        return float(self.level_ci[0])

    @property
    def ci_high(self) -> float:
        return float(self.level_ci[1])

    @property
    def p_value(self) -> float:
        return self.level_p

    @property
    def n(self) -> int:
        return self.n_pre + self.n_post

    def summary_frame(self) -> pd.DataFrame:
        """Two rows, ``term`` ``level_change`` and ``slope_change``, the result columns first."""
        rows = [dict(self._result_row(), term="level_change"),
                dict(self._result_row(), estimate=self.slope_change, se=self.slope_se, ci_low=float(self.slope_ci[0]),
                     ci_high=float(self.slope_ci[1]), p_value=self.slope_p, term="slope_change")]
        return result_frame(rows)


    def summary(self) -> str:
        level = f"{100 * (1 - self.alpha):g}%"
        unit = " (log scale)" if self.family != "linear" else ""
        return summary_block(f"Interrupted time series, programme start {self.start}", [
            (f"level change{unit}", f"{fmt(self.level_change)} (se {fmt(self.level_se)}), {level} "
                                    f"[{fmt(self.level_ci[0])}, {fmt(self.level_ci[1])}], p = {fmt(self.level_p)}"),
            (f"slope change{unit}", f"{fmt(self.slope_change)} (se {fmt(self.slope_se)}), {level} "
                                    f"[{fmt(self.slope_ci[0])}, {fmt(self.slope_ci[1])}], p = {fmt(self.slope_p)}"),
            ("pre-programme slope", f"{fmt(self.pre_slope)} (se {fmt(self.pre_slope_se)})"),
            ("years before / after", f"{self.n_pre} / {self.n_post}"),
            ("HAC lags (Newey-West)", self.maxlags),
            ("lag-1 autocorrelation of residuals", fmt(self.residual_autocorrelation)),
            ("method", self.method)])


def hac_se_matrix(X: np.ndarray, resid: np.ndarray, maxlags: int) -> np.ndarray:
    """Newey-West (Bartlett) standard errors of OLS coefficients for many residual vectors at once.

    ``X`` (n × k), ``resid`` (n × R): returns (k × R) standard errors with the small-sample factor
    n / (n - k), the same numbers as statsmodels' ``cov_type="HAC"`` with ``use_correction=True``.
    """
    n, k = X.shape
    xtx_inv = np.linalg.inv(X.T @ X)
    s = X[:, :, None] * resid[:, None, :]
    meat = np.einsum("tir,tjr->ijr", s, s)
    for j in range(1, maxlags + 1):
        g = np.einsum("tir,tjr->ijr", s[j:], s[:-j])
        meat += (1 - j / (maxlags + 1)) * (g + g.transpose(1, 0, 2))
    v = np.einsum("ij,jkr,kl->ilr", xtx_inv, meat, xtx_inv)
    return np.sqrt(np.einsum("iir->ir", v) * n / (n - k))


def hac_null_t(X: np.ndarray, maxlags: int, n_sim: int = 4000, seed: int = 20240101) -> np.ndarray:
    """Simulated null distribution of the |HAC t-statistics| of every coefficient: (k × n_sim), sorted.

    Newey-West t-statistics are far from t- or normal-distributed in short series (Kiefer &
    Vogelsang 2005, "fixed-b" asymptotics): with 16 annual values and 2 lags the nominal 95% interval
    covers about 80% of the time. The null distribution of each |t| for *this* design matrix and
    bandwidth is simulated under independent normal errors (``n_sim`` draws, fixed seed, so the
    result is reproducible); :func:`hac_critical_values` takes its quantiles and the ITS its
    p-values from it. Under AR(1) errors with ρ = 0.4 this brings coverage of a 95% interval from
    about 76% to about 92% (see tests).
    """
    X = np.ascontiguousarray(X, dtype=float)
    return _hac_null_cached(X.tobytes(), X.shape, int(maxlags), int(n_sim), int(seed)).copy()


def hac_critical_values(X: np.ndarray, maxlags: int, alpha: float = 0.05, n_sim: int = 4000,
                        seed: int = 20240101) -> np.ndarray:
    """Two-sided critical values (1 - alpha quantiles of :func:`hac_null_t`) per coefficient."""
    return np.quantile(hac_null_t(X, maxlags, n_sim, seed), 1 - alpha, axis=1)


@lru_cache(maxsize=256)
def _hac_null_cached(xbytes: bytes, shape: tuple[int, int], maxlags: int, n_sim: int, seed: int) -> np.ndarray:
    X = np.frombuffer(xbytes, dtype=float).reshape(shape)
    rng = np.random.default_rng(seed)
    n = X.shape[0]
    e = rng.standard_normal((n, n_sim))
    b = np.linalg.solve(X.T @ X, X.T @ e)
    resid = e - X @ b
    return np.sort(np.abs(b / hac_se_matrix(X, resid, maxlags)), axis=1)


def interrupted_time_series(years, values, start: int, exposure=None, family: str = "linear",
                            maxlags: int | None = None, alpha: float = 0.05,
                            critical: str = "simulated") -> ITSResult:
    """Segmented regression with a level and a slope change at ``start`` (first programme year).

    ``family="linear"`` models the published values (level change in their unit);
    ``"poisson"`` models counts (with ``exposure`` for rates) on the log scale, so the changes are
    log rate ratios. At least 3 years before and 2 from ``start`` on are needed.

    ``critical="simulated"`` (default) takes the interval's critical value from
    :func:`hac_critical_values` (for the Poisson model on the IRLS-weighted design); ``"t"`` uses the
    t distribution with n - 4 degrees of freedom, which is too narrow for short annual series.
    """
    check_choice("critical", critical, ("simulated", "t"))
    check_choice("family", family, ("linear", "poisson"))
    alpha = check_alpha(alpha)
    t_all = _years(years)
    y_all = as_float_array(values, "value")
    e_all = np.ones_like(y_all) if exposure is None else as_float_array(exposure, "denominator")
    if not (len(t_all) == len(y_all) == len(e_all)):
        raise InputError("years, values and exposure must have the same length", column="value")
    ok = np.isfinite(y_all) & np.isfinite(e_all)
    order = np.argsort(t_all[ok])
    t, y, e = t_all[ok][order], y_all[ok][order], e_all[ok][order]
    post = (t >= start).astype(float)
    n_pre, n_post = int((post == 0).sum()), int(post.sum())
    if n_pre < 3 or n_post < 2:
        raise InputError("an interrupted time series needs >= 3 years before and >= 2 years from the programme start",
                         column="year", expected=">= 3 pre and >= 2 post years", found=f"{n_pre} pre, {n_post} post")
    n = len(t)
    if n - 4 < 1:
        raise InputError("too few years for four coefficients", column="year", found=n)
    if maxlags is None:
        maxlags = max(1, int(np.floor(4 * (n / 100) ** (2 / 9))))
    X = np.column_stack([np.ones(n), t - t.min(), post, (t - start) * post])
    kw = {"cov_type": "HAC", "cov_kwds": {"maxlags": int(maxlags), "use_correction": True}, "use_t": True}
    if family == "linear":
        res = sm.OLS(y, X).fit(**kw)
        resid = res.resid
        method = "segmented OLS regression with Newey-West (HAC) standard errors"
    else:
        if (y < 0).any():  # non-integer annual averages are fine: quasi-likelihood with sandwich errors
            raise InputError("family='poisson' needs counts >= 0", column="numerator")
        res = sm.GLM(y, X, family=sm.families.Poisson(), exposure=e).fit(**kw)
        resid = res.resid_pearson
        method = "segmented Poisson regression (log link) with Newey-West (HAC) standard errors"
    cov = res.cov_params()
    params, bse = np.asarray(res.params), np.asarray(res.bse)
    if critical == "simulated":
        Xw = X if family == "linear" else X * np.sqrt(np.asarray(res.mu))[:, None]
        null = hac_null_t(Xw, int(maxlags))
        q_coef = np.quantile(null, 1 - alpha, axis=1)
        t_obs = np.abs(params / bse)
        n_sim = null.shape[1]
        exceed = np.array([n_sim - np.searchsorted(null[j], t_obs[j], side="left") for j in range(len(params))])
        pvals = (exceed + 1) / (n_sim + 1)  # share of simulated |t| at least as large (Davison & Hinkley 1997)
        # the per-year effects are combinations of level and slope change: use the larger of their two values
        q = float(max(q_coef[2], q_coef[3]))
        method += ", simulated small-sample critical values"
    else:
        q_coef = np.full(4, stats.t.ppf(1 - alpha / 2, res.df_resid))
        q = float(q_coef[0])
        pvals = np.asarray(res.pvalues, dtype=float)
    ci = np.column_stack([params - q_coef * bse, params + q_coef * bse])
    post_years = t[post == 1]
    C = np.column_stack([np.zeros(len(post_years)), np.zeros(len(post_years)), np.ones(len(post_years)),
                         post_years - start])
    eff = C @ params
    eff_se = np.sqrt(np.einsum("ij,jk,ik->i", C, cov, C))
    effects = pd.DataFrame({"year": post_years.astype(int), "effect": eff, "se": eff_se,
                            "ci_low": eff - q * eff_se, "ci_high": eff + q * eff_se})
    r = np.asarray(resid)
    rho = float(np.corrcoef(r[:-1], r[1:])[0, 1]) if n > 3 and np.std(r) > 0 else float("nan")
    return ITSResult(float(res.params[2]), float(res.bse[2]), (float(ci[2][0]), float(ci[2][1])),
                     float(res.params[3]), float(res.bse[3]), (float(ci[3][0]), float(ci[3][1])),
                     float(res.params[1]), float(res.bse[1]), int(start), n_pre, n_post, int(maxlags), rho,
                     effects, family, alpha, method, float(pvals[2]), float(pvals[3]), res)


def trend_table(values: pd.DataFrame, kind: str, family: str | None = None, scale: float | None = None,
                years: tuple[int, int] | None = None, alpha: float = 0.05) -> pd.DataFrame:
    """A trend per (municipality_id, area_id, indicator_id) series of an ``indicator_values`` table.

    ``kind`` "count"/"rate" use the numerator (and the denominator as exposure for "rate") with a
    quasi-Poisson log-linear trend by default; "proportion"/"mean" a linear trend of ``value``.
    Series with fewer than 3 years get a row with ``note`` and no estimate.
    """
    check_choice("kind", kind, ("proportion", "rate", "count", "mean"))
    require_columns(values, ["municipality_id", "area_id", "indicator_id", "year", "value"], "indicator_values")
    family = family or ("quasipoisson" if kind in ("count", "rate") else "linear")
    if scale is None:
        scale = 1000.0 if kind == "rate" and family != "linear" else 1.0
    data = values
    if years is not None:
        data = data[(data["year"] >= years[0]) & (data["year"] <= years[1])]
    rows = []
    for key, g in data.groupby(["municipality_id", "area_id", "indicator_id"], sort=True):
        g = g.sort_values("year")
        row = dict(zip(["municipality_id", "area_id", "indicator_id"], key))
        try:
            if family == "linear":
                r = fit_trend(g["year"], g["value"], family="linear", alpha=alpha, scale=1.0)
            else:
                counts = g["numerator"] if "numerator" in g and g["numerator"].notna().any() else g["value"]
                expo = g["denominator"] if kind == "rate" else None
                r = fit_trend(g["year"], counts, exposure=expo, family=family, alpha=alpha, scale=scale)
            row |= {"n": r.n, "first_year": r.first_year, "last_year": r.last_year, "slope": r.slope, "se": r.se,
                    "ci_low": r.ci_low, "ci_high": r.ci_high, "p_value": r.p_value,
                    "annual_change": r.annual_change, "annual_change_low": r.annual_change_ci[0],
                    "annual_change_high": r.annual_change_ci[1], "method": r.method, "note": ""}
        except (InputError, EstimationError) as exc:
            row |= {"n": int(g["value"].notna().sum()), "note": str(exc)}
        rows.append(row)
    return pd.DataFrame(rows)


def its_table(values: pd.DataFrame, municipalities: pd.DataFrame, register_table: pd.DataFrame | None = None,
              family: str = "auto", alpha: float = 0.05) -> pd.DataFrame:
    """Interrupted time series for every (municipality, indicator) whole-town series with a programme start.

    ``municipalities`` needs ``municipality_id`` and ``programme_start`` (rows without a start, e.g.
    comparison municipalities, are skipped). ``family="auto"`` uses the register's ``kind``:
    counts get the segmented Poisson model on the numerator (changes on the log scale), everything
    else the linear model on the published ``value`` (changes in its unit). Series that cannot be
    estimated (too few years before or after the start) get a row with ``note``.
    """
    require_columns(values, ["municipality_id", "area_id", "year", "indicator_id", "value"], "indicator_values")
    require_columns(municipalities, ["municipality_id", "programme_start"], "the municipalities table")
    check_choice("family", family, ("auto", "linear", "poisson"))
    kinds: dict[str, str] = {}
    if register_table is not None:
        require_columns(register_table, ["indicator_id", "kind"], "the register table")
        kinds = dict(zip(register_table["indicator_id"].astype(str), register_table["kind"]))
    elif family == "auto":
        raise InputError("family='auto' needs the register table (for each indicator's kind)", column="kind")
    starts = municipalities.dropna(subset=["programme_start"])
    starts = dict(zip(starts["municipality_id"].astype(str), starts["programme_start"].astype(int)))
    town = values[values["area_id"].astype(str) == values["municipality_id"].astype(str)]
    town = town[town["municipality_id"].astype(str).isin(starts)]
    rows = []
    for (mun, ind), g in town.groupby(["municipality_id", "indicator_id"], sort=True):
        g = g.sort_values("year")
        fam = family if family != "auto" else ("poisson" if kinds.get(str(ind)) == "count" else "linear")
        row = {"municipality_id": mun, "indicator_id": ind, "start": starts[str(mun)], "family": fam}
        try:
            y = g["numerator"] if fam == "poisson" and "numerator" in g and g["numerator"].notna().any() else g["value"]
            r = interrupted_time_series(g["year"], y, start=starts[str(mun)], family=fam, alpha=alpha)
            row |= {"level_change": r.level_change, "level_low": r.level_ci[0], "level_high": r.level_ci[1],
                    "level_p": r.level_p, "slope_change": r.slope_change, "slope_low": r.slope_ci[0],
                    "slope_high": r.slope_ci[1], "slope_p": r.slope_p, "pre_slope": r.pre_slope,
                    "n_pre": r.n_pre, "n_post": r.n_post, "method": r.method, "note": ""}
        except (InputError, EstimationError) as exc:
            row |= {"note": str(exc)}
        rows.append(row)
    return pd.DataFrame(rows)
