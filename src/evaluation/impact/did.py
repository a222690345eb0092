"""Difference-in-differences: the 2x2 design, two-way fixed effects and staggered group-time effects.

* :func:`did_2x2` - the canonical two-group, two-period comparison as the interaction coefficient
  of an OLS regression (statsmodels), with cluster-robust or HC1 standard errors.
* :func:`twfe` - the two-way fixed-effects regression ``y_it = a_i + l_t + tau * D_it + e_it``,
  unit effects absorbed by the within transformation (Frisch-Waugh-Lovell), period effects as
  dummies, cluster-robust standard errors by unit (statsmodels). With staggered adoption and
  effects that change over time TWFE is a weighted average with possibly negative weights
  (Goodman-Bacon 2021); prefer :func:`att_gt` there.
* :func:`att_gt` - the group-time average treatment effects ATT(g, t) of Callaway & Sant'Anna
  (2021, J. Econometrics 225(2)) without covariates, with never-treated or not-yet-treated
  comparison units, and their simple, dynamic (event-time) and group aggregations, as in the R
  package ``did`` (``att_gt`` + ``aggte``). Standard errors come from the influence function
  (analytic) or the multiplier bootstrap (seeded) with Rademacher weights, as R ``did``'s
  ``mboot`` and ``csdid`` (Mammen's two-point weights as an option).

With fewer than :data:`~evaluation.impact.results.MIN_TREATED_ANALYTIC` treated units the analytic,
cluster-robust and multiplier-bootstrap intervals are too narrow (Cameron, Gelbach & Miller 2008;
MacKinnon & Webb 2017): every result then carries a note and ``headline_ok=False``; the reports use
randomisation inference (:mod:`evaluation.impact.inference`).

Why ``att_gt`` is written by hand: without covariates every ATT(g, t) is a difference of group
means of long differences, so the whole estimator (and its influence function) is a handful of
numpy operations over the units x periods matrix - no Python loop over units, and the same linear
structure is reused by the randomisation inference in :mod:`evaluation.impact.inference`. The
available Python ports (``csdid``, ``differences``) loop over cells with pandas and are much
slower; they serve as reference in ``benchmarks/bench_impact.py``.

Example
-------
>>> import pandas as pd
>>> from evaluation.impact.simulate import simulate_panel
>>> from evaluation.impact.did import att_gt
>>> sim = simulate_panel(n_units=60, seed=1, effect=2.0)
>>> res = att_gt(sim.data, "y", "unit", "year", "first_treat")
>>> agg = res.aggregate("simple")  # true effect 2.0: the 95 % interval covers it
>>> round(agg.estimate, 1), bool(agg.ci_low < 2.0 < agg.ci_high)
(2.2, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from evaluation.errors import EstimationError, InputError
from evaluation.impact._panel import Panel, check_ids, numeric_column, require_columns, wide_panel
from evaluation.impact.results import ImpactResult, few_treated_note, normal_ci, t_ci
from evaluation.results import ResultMixin, check_alpha, merge_notes

Control = Literal["never", "notyet"]
Aggregation = Literal["simple", "dynamic", "group"]

#: normal-quantile spread of the interquartile range, used for the bootstrap SE as in R ``did``
_IQR_NORMAL = stats.norm.ppf(0.75) - stats.norm.ppf(0.25)


# --------------------------------------------------------------------------------------------
# 2x2 and TWFE
# --------------------------------------------------------------------------------------------


def _fit_ols(y: np.ndarray, X: np.ndarray, groups: np.ndarray | None):
    model = sm.OLS(y, X)
    if groups is not None:
        codes = pd.factorize(pd.Series(groups))[0]
        return model.fit(cov_type="cluster", cov_kwds={"groups": codes, "use_correction": True, "df_correction": True})
    return model.fit(cov_type="HC1")


def did_2x2(
    df: pd.DataFrame,
    outcome: str,
    treated: str,
    post: str,
    cluster: str | None = None,
    *,
    alpha: float = 0.05,
) -> ImpactResult:
    """Two-group, two-period difference-in-differences.

    The estimate is the coefficient of ``treated x post`` in ``y = b0 + b1 treated + b2 post +
    tau treated*post``: (treated after - treated before) - (comparison after - comparison before),
    in outcome units. Standard errors are cluster-robust by ``cluster`` (Liang-Zeger with the
    small-sample correction, t reference with G-1 degrees of freedom) or HC1 without clusters.
    With very few treated clusters these intervals are too narrow; see
    :mod:`evaluation.impact.inference`.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per unit and period (or per observation), validated by its contract upstream.
    outcome, treated, post : str
        Columns of the outcome, the 0/1 treatment-group and the 0/1 after-period indicator.
    cluster : str, optional
        Column to cluster the standard errors by (e.g. the municipality).
    alpha : float
        Significance level of the interval, checked by :func:`evaluation.results.check_alpha`.

    Returns
    -------
    ImpactResult
        ``estimate`` (outcome units), ``se``, ``ci_low``/``ci_high``, ``p_value``, ``n``,
        ``method`` (with the inference used), ``notes``.

    References
    ----------
    Card, D. & Krueger, A. B. (1994). Minimum wages and employment. *AER* 84, 772-793 (the
    published case of the tests); Angrist & Pischke (2009), *Mostly Harmless Econometrics*, ch. 5.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"y": [1., 2., 1., 5.], "tr": [0, 0, 1, 1], "po": [0, 1, 0, 1]})
    >>> round(did_2x2(pd.concat([d] * 3), "y", "tr", "po").estimate, 10)
    3.0
    """
    alpha = check_alpha(alpha)
    cols = [outcome, treated, post] + ([cluster] if cluster else [])
    require_columns(df, cols, "did_2x2")
    y = numeric_column(df, outcome, "did_2x2")
    tr = numeric_column(df, treated, "did_2x2")
    po = numeric_column(df, post, "did_2x2")
    for name, v in ((treated, tr), (post, po)):
        if np.isnan(v).any() or not np.isin(v, (0.0, 1.0)).all():
            raise InputError(f"did_2x2: column '{name}' must be 0/1", column=name, expected="0 or 1")
    keep = ~np.isnan(y)
    notes: list[str] = []
    if not keep.all():
        notes.append(f"{int((~keep).sum())} row(s) with a missing outcome left out")
    y, tr, po = y[keep], tr[keep], po[keep]
    cells = {(a, b): int(((tr == a) & (po == b)).sum()) for a in (0, 1) for b in (0, 1)}
    empty = [k for k, n in cells.items() if n == 0]
    if empty:
        raise EstimationError(
            f"did_2x2: no observations for (treated, post) = {empty}; the 2x2 design needs all four cells"
        )
    X = np.column_stack([np.ones_like(y), tr, po, tr * po])
    groups = df[cluster].to_numpy()[keep] if cluster else None
    fit = _fit_ols(y, X, groups)
    est, se = float(fit.params[3]), float(fit.bse[3])
    if cluster:
        g_all = pd.Series(groups)
        n_t = int(g_all[tr == 1].nunique())
        n_c = int(g_all[tr == 0].nunique())
        dof = int(g_all.nunique()) - 1
    else:
        n_t, n_c = int((tr == 1).sum()), int((tr == 0).sum())
        dof = len(y) - 4
    ci, p = t_ci(est, se, dof, alpha)
    few = few_treated_note(n_t, "cluster-robust interval") if cluster else None
    if cluster is None:
        notes.append("HC1 standard errors treat every row as independent; with repeated observations of "
                     "the same units pass cluster= (and with few treated units use randomisation inference)")
    return ImpactResult(
        estimate=est,
        se=se,
        ci=ci,
        p=p,
        n_treated=n_t,
        n_control=n_c,
        estimator="did_2x2 (OLS interaction)",
        inference=f"cluster-robust by {cluster}, t({dof})" if cluster else "heteroskedasticity-robust (HC1)",
        alpha=alpha,
        details={"dof": dof, "n_obs": int(len(y)), "cells": cells},
        notes=merge_notes(notes, few),
        headline_ok=few is None and cluster is not None,
    )


def _within(values: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Subtract group means (columns of ``values``) for integer group ``codes``."""
    sums = np.zeros((n_groups,) + values.shape[1:])
    np.add.at(sums, codes, values)
    counts = np.bincount(codes, minlength=n_groups).astype(float)
    means = sums / counts.reshape((-1,) + (1,) * (values.ndim - 1))
    return values - means[codes]


def twfe(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    treated: str,
    cluster: str | None = None,
    *,
    alpha: float = 0.05,
) -> ImpactResult:
    """Two-way fixed-effects regression ``y_it = a_i + l_t + tau D_it + e_it``.

    ``treated`` is the 0/1 indicator that the programme runs in unit i and period t; it must not
    switch off (absorbing treatment). Unit effects are absorbed by demeaning within units, period
    effects enter as dummies; the estimate ``tau`` is exact for balanced and unbalanced panels
    (Frisch-Waugh-Lovell). Standard errors are cluster-robust by ``cluster`` (default: by unit),
    t reference with G-1 degrees of freedom. Rows with a missing outcome are dropped.

    Under staggered adoption with effects that vary over time TWFE mixes already-treated units
    into the comparison (Goodman-Bacon 2021); :func:`att_gt` avoids that.

    Parameters
    ----------
    df : pandas.DataFrame
        Long panel, one row per unit and period, validated by its contract upstream.
    outcome, unit, time, treated : str
        Columns of the outcome, the unit and period ids and the 0/1 treatment indicator.
    cluster : str, optional
        Column to cluster by (default: ``unit``).
    alpha : float
        Significance level of the interval, checked by :func:`evaluation.results.check_alpha`.

    Returns
    -------
    ImpactResult
        ``estimate`` tau (outcome units) with ``se``, ``ci_low``/``ci_high``, ``p_value``, ``n``.

    References
    ----------
    Goodman-Bacon, A. (2021). Difference-in-differences with variation in treatment timing.
    *Journal of Econometrics* 225, 254-277.

    Examples
    --------
    Six units over four periods, two treated from period 2 with an effect of 2:

    >>> import pandas as pd
    >>> rows = [{"unit": f"u{u}", "t": t, "d": int(u < 2 and t >= 2),
    ...          "y": u + 0.5 * t + 2.0 * (u < 2 and t >= 2) + 0.01 * ((7 * u + 3 * t) % 5)}
    ...         for u in range(6) for t in range(4)]
    >>> round(twfe(pd.DataFrame(rows), "y", "unit", "t", "d").estimate, 2)
    2.01
    """
    alpha = check_alpha(alpha)
    cols = [outcome, unit, time, treated] + ([cluster] if cluster and cluster not in (unit,) else [])
    require_columns(df, cols, "twfe")
    check_ids(df, unit, "twfe")
    data = df[cols].copy()
    data[outcome] = numeric_column(data, outcome, "twfe")
    d = numeric_column(data, treated, "twfe")
    if np.isnan(d).any() or not np.isin(d, (0.0, 1.0)).all():
        raise InputError("twfe: the treatment indicator must be 0 or 1", column=treated, expected="0/1")
    data[treated] = d
    notes: list[str] = []
    n_missing = int(data[outcome].isna().sum())
    if n_missing:
        notes.append(f"{n_missing} row(s) with a missing outcome left out")
    data = data.dropna(subset=[outcome]).sort_values([unit, time])
    if data.duplicated([unit, time]).any():
        raise InputError("twfe: a unit is observed more than once in a period", column=unit,
                         expected="one row per unit and period")
    off = data.groupby(unit, sort=False)[treated].diff().lt(0)
    if off.any():
        u = data.loc[off, unit].iloc[0]
        raise InputError(
            f"twfe: treatment switches off in unit {u!r}", row=str(u), column=treated,
            expected="0 ... 0 1 ... 1 within each unit (absorbing treatment)",
        )
    ever = data.groupby(unit)[treated].transform("max")
    always = data.groupby(unit)[treated].transform("min")
    n_always = int(data.loc[always == 1, unit].nunique())
    if n_always:
        notes.append(f"{n_always} unit(s) treated in every observed period carry no before-after contrast "
                     "(their effect is absorbed by the unit effect); not counted as treated")
    n_t = int(data.loc[(ever == 1) & (always == 0), unit].nunique())
    n_c = int(data.loc[ever == 0, unit].nunique())
    if n_t == 0:
        raise EstimationError("twfe: no treated unit (the treatment indicator is 0 everywhere)")
    if n_c == 0 and data[treated].eq(0).groupby(data[time]).any().sum() < 2:
        raise EstimationError("twfe: no comparison units and no not-yet-treated periods to compare with")
    ucodes, _ = pd.factorize(data[unit])
    tcodes, tuniq = pd.factorize(data[time], sort=True)
    n_u = int(ucodes.max()) + 1
    T = len(tuniq)
    dummies = np.zeros((len(data), max(T - 1, 0)))
    if T > 1:
        rows = np.nonzero(tcodes > 0)[0]
        dummies[rows, tcodes[rows] - 1] = 1.0
    X = np.column_stack([data[treated].to_numpy(), dummies])
    Xw = _within(X, ucodes, n_u)
    yw = _within(data[outcome].to_numpy()[:, None], ucodes, n_u)[:, 0]
    if np.allclose(Xw[:, 0], 0):
        raise EstimationError("twfe: the treatment does not vary within units (no pre-periods for the treated)")
    groups = data[cluster].to_numpy() if cluster else data[unit].to_numpy()
    fit = _fit_ols(yw, Xw, groups)
    est, se = float(fit.params[0]), float(fit.bse[0])
    G = int(pd.Series(groups).nunique())
    ci, p = t_ci(est, se, G - 1, alpha)
    few = few_treated_note(n_t, "cluster-robust TWFE interval")
    return ImpactResult(
        estimate=est,
        se=se,
        ci=ci,
        p=p,
        n_treated=n_t,
        n_control=n_c,
        estimator="twfe (two-way fixed effects)",
        inference=f"cluster-robust (CR1) by {cluster or unit}, t({G - 1})",
        alpha=alpha,
        details={"clusters": G, "n_obs": int(len(data)), "notes": tuple(notes)},
        notes=merge_notes(notes, few),
        headline_ok=few is None,
    )


# --------------------------------------------------------------------------------------------
# Callaway & Sant'Anna (2021)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CellPlan:
    """Which 2x2 comparisons make up the ATT(g, t) table.

    ``group``/``time`` label the cells, ``t_idx``/``b_idx`` index the period and its base period
    in ``times``, ``controls[k]`` is the boolean mask over ``group_values`` of the groups used as
    comparison for cell k; ``group_values[0]`` is 0 (never treated).
    """

    group: np.ndarray
    time: np.ndarray
    t_idx: np.ndarray
    b_idx: np.ndarray
    controls: np.ndarray
    group_values: np.ndarray
    group_counts: np.ndarray
    notes: tuple[str, ...] = ()

    @property
    def post(self) -> np.ndarray:
        return self.time >= self.group

    @property
    def event_time(self) -> np.ndarray:
        return self.time - self.group


def normalise_groups(g: np.ndarray, times: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Map first-treatment periods onto the panel: after the last period -> never treated (0);
    in or before the first period -> always treated (NaN, dropped). Refuses periods that are not
    in the panel."""
    g = g.copy()
    notes = []
    late = g > times[-1]
    if late.any():
        notes.append(f"{int(late.sum())} unit(s) first treated after the last period count as never treated")
        g[late] = 0
    early = (g > 0) & (g <= times[0])
    if early.any():
        notes.append(f"{int(early.sum())} unit(s) treated already in the first period were dropped (no pre-period)")
        g[early] = np.nan
    odd = (g > 0) & ~np.isin(g, times)
    if odd.any():
        raise InputError(
            "first treatment period is not one of the panel's periods",
            found=float(g[odd][0]),
            expected=f"0 (never) or one of {times.tolist()}",
        )
    return g, notes


def build_plan(g: np.ndarray, times: np.ndarray, control: Control = "never", base_period: str = "varying") -> CellPlan:
    """The ATT(g, t) cells of Callaway & Sant'Anna (2021) for group vector ``g`` (0 = never)."""
    if control not in ("never", "notyet"):
        raise InputError("control must be 'never' or 'notyet'", expected="'never' | 'notyet'", found=control)
    if base_period not in ("varying", "universal"):
        raise InputError("base_period must be 'varying' or 'universal'", found=base_period)
    valid = ~np.isnan(g)
    gv, counts = np.unique(g[valid], return_counts=True)
    if 0 not in gv:
        gv = np.concatenate([[0.0], gv])
        counts = np.concatenate([[0], counts])
    treated_groups = gv[gv > 0]
    if len(treated_groups) == 0:
        raise EstimationError("no treated unit with a pre-period in the panel (all units never treated)")
    if control == "never" and counts[0] == 0:
        raise EstimationError(
            "no never-treated comparison units; use control='notyet' or add comparison municipalities"
        )
    rows = []
    T = len(times)
    for gval in treated_groups:
        gi = int(np.searchsorted(times, gval))
        if base_period == "varying":
            t_range = range(1, T)
        else:
            t_range = [t for t in range(T) if t != gi - 1]
        for ti in t_range:
            if ti >= gi:
                bi = gi - 1
            else:
                bi = ti - 1 if base_period == "varying" else gi - 1
            if control == "never":
                cmask = gv == 0
            else:
                cutoff = times[max(ti, bi)]
                cmask = (gv == 0) | ((gv > cutoff) & (gv != gval))
            if counts[cmask].sum() == 0:
                continue
            rows.append((gval, times[ti], ti, bi, cmask))
    notes: list[str] = []
    if not rows:
        raise EstimationError("no group-time cell has a comparison group")
    return CellPlan(
        group=np.array([r[0] for r in rows], dtype=float),
        time=np.array([r[1] for r in rows], dtype=float),
        t_idx=np.array([r[2] for r in rows], dtype=np.int64),
        b_idx=np.array([r[3] for r in rows], dtype=np.int64),
        controls=np.array([r[4] for r in rows], dtype=bool),
        group_values=gv,
        group_counts=counts,
        notes=tuple(notes),
    )


def cell_effects(y: np.ndarray, g: np.ndarray, plan: CellPlan, influence: bool = True):
    """ATT(g,t) for every cell and (optionally) the N x K influence-function matrix.

    For cell k with treated group g, comparison set C and long difference dY = Y_t - Y_b:
    ATT = mean_g(dY) - mean_C(dY); its influence function is
    psi_i = N/n_g 1{i in g}(dY_i - mean_g) - N/n_C 1{i in C}(dY_i - mean_C), so that
    Var(ATT) = sum(psi^2) / N^2 (Callaway & Sant'Anna 2021, Sec. 4; Sant'Anna & Zhao 2020 for
    the 2x2 building block without covariates).
    """
    N = y.shape[0]
    gidx = np.full(N, -1, dtype=np.int64)
    ok = ~np.isnan(g)
    gidx[ok] = np.searchsorted(plan.group_values, g[ok])
    dY = y[:, plan.t_idx] - y[:, plan.b_idx]  # N x K
    cell_gidx = np.searchsorted(plan.group_values, plan.group)
    treat = gidx[:, None] == cell_gidx[None, :]  # N x K
    member = np.zeros((N, len(plan.group_values) + 1), dtype=bool)
    member[np.arange(N), gidx] = True  # last column collects dropped units (gidx=-1)
    ctrl = member[:, : len(plan.group_values)] @ plan.controls.T.astype(np.int64) > 0  # N x K
    n_t = treat.sum(axis=0).astype(float)
    n_c = ctrl.sum(axis=0).astype(float)
    mu_t = (dY * treat).sum(axis=0) / n_t
    mu_c = (dY * ctrl).sum(axis=0) / n_c
    att = mu_t - mu_c
    if not influence:
        return att, None, n_t, n_c
    n_used = float(ok.sum())
    psi = treat * (dY - mu_t) * (n_used / n_t) - ctrl * (dY - mu_c) * (n_used / n_c)
    psi[~ok] = 0.0
    return att, psi, n_t, n_c


def aggregation_weights(plan: CellPlan, kind: Aggregation) -> tuple[np.ndarray, dict]:
    """Weights a (over cells) with overall estimate = a @ att, as in R ``did::aggte``.

    * simple: all post cells (t >= g), weights proportional to group size n_g
      (P(G = g) in the R package), so larger and earlier-treated groups weigh more;
    * dynamic: theta(e) = group-size weighted mean of ATT(g, g+e); overall = plain mean of
      theta(e) over e >= 0;
    * group: theta(g) = plain mean of ATT(g, t) over t >= g; overall = group-size weighted mean
      of theta(g).
    """
    counts = plan.group_counts[np.searchsorted(plan.group_values, plan.group)].astype(float)
    post = plan.post
    a = np.zeros(len(plan.group))
    if kind == "simple":
        a[post] = counts[post] / counts[post].sum()
    elif kind == "dynamic":
        e = plan.event_time
        es = np.unique(e[post])
        for ev in es:
            m = e == ev
            a[m] = counts[m] / counts[m].sum() / len(es)
    elif kind == "group":
        gs = np.unique(plan.group[post])
        gcount = plan.group_counts[np.searchsorted(plan.group_values, gs)].astype(float)
        for gval, nc in zip(gs, gcount):
            m = post & (plan.group == gval)
            a[m] = nc / gcount.sum() / m.sum()
    else:
        raise InputError("aggregation must be 'simple', 'dynamic' or 'group'", found=kind)
    return a, {}


def _wif(g: np.ndarray, keep_groups: np.ndarray, n_used: float) -> np.ndarray:
    """Influence of estimating the group-share weights P(G=g) (R ``did`` ``wif``): N x len(keep_groups)."""
    ind = (g[:, None] == keep_groups[None, :]).astype(float)
    pg = ind.sum(axis=0) / n_used
    dev = ind - pg
    s = pg.sum()
    if1 = dev / s
    if2 = dev.sum(axis=1, keepdims=True) * (pg / s**2)[None, :]
    return if1 - if2


@dataclass(frozen=True, eq=False)
class AttGtResult(ResultMixin):
    """Group-time average treatment effects ATT(g, t) (Callaway & Sant'Anna 2021).

    ``table`` has one row per cell: ``group`` (first treated period), ``time``, ``event_time``,
    ``att`` (in outcome units), ``se``, ``ci_low``, ``ci_high`` (pointwise), ``post``
    (t >= g; rows with t < g are pre-period placebo comparisons), ``n_treated``, ``n_control``.
    Use :meth:`aggregate` for one summary number. The result-interface attributes
    (``estimate``, ``se``, ``ci_low``, ``ci_high``, ``p_value``, ``n``, ``method``, ``notes``) are
    those of the simple aggregation; :meth:`summary_frame` has one row per cell.
    """

    table: pd.DataFrame
    influence: np.ndarray
    g: np.ndarray
    plan: CellPlan
    control: str
    se_method: str
    alpha: float
    draws: int
    seed: int | None
    n_treated: int
    n_control: int
    notes: tuple[str, ...] = field(default_factory=tuple)
    weights: str = "rademacher"

    def _se(self, psi: np.ndarray) -> np.ndarray:
        """SE for each column of an N x m influence matrix."""
        psi = np.atleast_2d(psi.T).T
        n = float((~np.isnan(self.g)).sum())
        if self.se_method == "analytic":
            return np.sqrt((psi**2).sum(axis=0)) / n
        return multiplier_bootstrap_se(psi, n, self.draws, self.seed, weights=self.weights)

    @property
    def inference(self) -> str:
        return ("analytic influence function, normal interval" if self.se_method == "analytic"
                else f"multiplier bootstrap, {self.weights} weights ({self.draws} draws, seed {self.seed})")

    @property
    def _simple(self) -> ImpactResult:
        cache = self.__dict__.setdefault("_cache", {})
        if "simple" not in cache:
            cache["simple"] = self.aggregate("simple")
        return cache["simple"]

    @property
    def estimate(self) -> float:
        return self._simple.estimate

    @property
    def se(self) -> float:
        return self._simple.se

    @property
    def ci_low(self) -> float:
        return self._simple.ci_low

    @property
    def ci_high(self) -> float:
        return self._simple.ci_high

    @property
    def p_value(self) -> float:
        return self._simple.p_value

    @property
    def n(self) -> int:
        return self.n_treated + self.n_control

    @property
    def method(self) -> str:
        return f"att_gt (Callaway & Sant'Anna 2021), control={self.control}; {self.inference}"

    def summary_frame(self) -> pd.DataFrame:
        """One row per group-time cell: the result columns (``estimate`` = ATT(g, t), pointwise
        interval and normal p-value, ``n`` = treated + comparison units of the cell), then group,
        time, event_time, post, n_treated, n_control."""
        t = self.table
        se = t["se"].to_numpy(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            p = np.where(se > 0, 2 * stats.norm.sf(np.abs(t["att"].to_numpy(float) / se)), np.nan)
        frame = pd.DataFrame({
            "estimate": t["att"], "se": t["se"], "ci_low": t["ci_low"], "ci_high": t["ci_high"], "p_value": p,
            "n": t["n_treated"] + t["n_control"], "method": self.method, "alpha": self.alpha,
            "notes": "; ".join(self.notes),
        })
        return pd.concat([frame, t[["group", "time", "event_time", "post", "n_treated", "n_control"]]], axis=1)

    def aggregate(self, kind: Aggregation = "simple") -> ImpactResult:
        """One summary of the ATT(g, t): ``"simple"``, ``"dynamic"`` (event time) or ``"group"``.

        The **simple** aggregation weights every post-treatment cell by its group's size, as in
        the R package ``did`` (``aggte(type = "simple")``): groups with more units and longer
        exposure weigh more. With one unit per group (the five model municipalities) it is the
        plain mean over all treated unit-years. ``table`` holds theta(e) (dynamic, including the
        pre-period placebos e < 0) or theta(g) (group). Standard errors include the estimation of
        the group-size weights (R ``did``'s ``wif``).
        """
        plan, att, psi = self.plan, self.table["att"].to_numpy(), self.influence
        a, _ = aggregation_weights(plan, kind)
        post = plan.post
        n_used = float((~np.isnan(self.g)).sum())
        g_valid = np.nan_to_num(self.g, nan=-1.0)
        detail_rows = []
        if kind == "simple":
            keep = post
            w = _wif(g_valid, plan.group[keep], n_used)
            inf = psi[:, keep] @ a[keep] + w @ att[keep]
        elif kind == "dynamic":
            e = plan.event_time
            theta, infs = [], []
            for ev in np.unique(e):
                m = e == ev
                cnt = plan.group_counts[np.searchsorted(plan.group_values, plan.group[m])].astype(float)
                wts = cnt / cnt.sum()
                w = _wif(g_valid, plan.group[m], n_used)
                inf_e = psi[:, m] @ wts + w @ att[m]
                theta.append(float(att[m] @ wts))
                infs.append(inf_e)
                detail_rows.append(ev)
            infs_arr = np.column_stack(infs)
            ses = self._se(infs_arr)
            sel = np.array(detail_rows) >= 0
            inf = infs_arr[:, sel].mean(axis=1)
            table = _effect_table("event_time", np.array(detail_rows, dtype=int), np.array(theta), ses, self.alpha)
        else:  # group
            gs = np.unique(plan.group[post])
            theta, infs = [], []
            for gval in gs:
                m = post & (plan.group == gval)
                theta.append(float(att[m].mean()))
                infs.append(psi[:, m].mean(axis=1))
            theta_a, infs_arr = np.array(theta), np.column_stack(infs)
            cnt = plan.group_counts[np.searchsorted(plan.group_values, gs)].astype(float)
            w = _wif(g_valid, gs, n_used)
            inf = infs_arr @ (cnt / cnt.sum()) + w @ theta_a
            table = _effect_table("group", gs.astype(int), theta_a, self._se(infs_arr), self.alpha)
        est = float(a @ att)
        se = float(self._se(inf[:, None])[0])
        ci, p = normal_ci(est, se, self.alpha)
        notes = list(self.notes)
        few = few_treated_note(self.n_treated, "analytic influence-function interval" if self.se_method == "analytic"
                               else "multiplier-bootstrap interval")
        if not (np.isfinite(se) and se > 0):
            notes.append("standard error 0 or undefined: the outcome has no variation beyond unit and period "
                         "effects (e.g. it is constant), so there is no interval and no p-value")
        if self.n_treated == 1:
            notes.append("with a single treated unit the influence-function variance has no treated-side term: "
                         "it reflects only the comparison units' noise, not the treated unit's")
        return ImpactResult(
            estimate=est,
            se=se,
            ci=ci,
            p=p,
            n_treated=self.n_treated,
            n_control=self.n_control,
            estimator=f"att_gt {kind} aggregation (Callaway & Sant'Anna 2021), control={self.control}",
            inference=self.inference,
            alpha=self.alpha,
            table=None if kind == "simple" else table,
            details={"influence": inf, "weights": a, "notes": self.notes},
            notes=merge_notes(notes, few),
            headline_ok=few is None,
        )

    def pretest(self) -> tuple[float, int, float]:
        """Wald pre-test of parallel trends on all pre-period cells (t < g), as R ``did``'s
        summary: W = att_pre' V^-1 att_pre with V from the influence function, chi-square with
        as many degrees of freedom as pre-period cells. Returns (W, df, p)."""
        pre = ~self.plan.post
        if not pre.any():
            return float("nan"), 0, float("nan")
        n = float((~np.isnan(self.g)).sum())
        psi = self.influence[:, pre]
        V = psi.T @ psi / n**2
        a = self.table["att"].to_numpy()[pre]
        W = float(a @ np.linalg.pinv(V) @ a)
        k = int(pre.sum())
        return W, k, float(stats.chi2.sf(W, k))



def _effect_table(key: str, keys: np.ndarray, est: np.ndarray, se: np.ndarray, alpha: float) -> pd.DataFrame:
    z = stats.norm.ppf(1 - alpha / 2)
    return pd.DataFrame({key: keys, "estimate": est, "se": se, "ci_low": est - z * se, "ci_high": est + z * se})


BOOTSTRAP_WEIGHTS = ("rademacher", "mammen")


def multiplier_bootstrap_se(psi: np.ndarray, n: float, draws: int, seed: int | None, chunk: int = 200,
                            weights: str = "rademacher") -> np.ndarray:
    """Multiplier-bootstrap SE of ``mean(psi)`` per column, robust spread (IQR / 1.349).

    ``weights="rademacher"`` (default) draws +-1 with probability 1/2 each, as R ``did``'s
    ``mboot`` and ``csdid`` do; ``"mammen"`` draws Mammen's (1993) two-point weights
    (1 -+ sqrt 5) / 2. Both have mean 0 and variance 1, but with one or two treated units per
    group Mammen's skewed weights make the spread of a cell collapse (e.g. a cell with 2 treated
    units: SE 0.21 against 1.23 with Rademacher and 1.22 analytic), so Rademacher is the default.
    Seeded; chunked to bound memory."""
    if weights not in BOOTSTRAP_WEIGHTS:
        raise InputError("bootstrap weights must be 'rademacher' or 'mammen'", expected=" | ".join(BOOTSTRAP_WEIGHTS),
                         found=weights)
    rng = np.random.default_rng(seed)
    s5 = np.sqrt(5.0)
    lo, hi = ((1 - s5) / 2, (1 + s5) / 2) if weights == "mammen" else (-1.0, 1.0)
    p_lo = (s5 + 1) / (2 * s5) if weights == "mammen" else 0.5
    out = np.empty((draws, psi.shape[1]))
    for start in range(0, draws, chunk):
        b = min(chunk, draws - start)
        v = np.where(rng.random((b, psi.shape[0])) < p_lo, lo, hi)
        out[start : start + b] = v @ psi / n
    q75, q25 = np.quantile(out, [0.75, 0.25], axis=0)
    return (q75 - q25) / _IQR_NORMAL


def att_gt_panel(
    panel: Panel,
    control: Control = "never",
    *,
    base_period: str = "varying",
    se: str = "analytic",
    draws: int = 999,
    seed: int | None = 0,
    alpha: float = 0.05,
    weights: str = "rademacher",
) -> AttGtResult:
    """:func:`att_gt` on an already checked wide panel."""
    alpha = check_alpha(alpha)
    if se not in ("analytic", "bootstrap"):
        raise InputError("se must be 'analytic' or 'bootstrap'", found=se)
    if weights not in BOOTSTRAP_WEIGHTS:
        raise InputError("bootstrap weights must be 'rademacher' or 'mammen'", found=weights)
    g, notes = normalise_groups(panel.g, panel.times)
    plan = build_plan(g, panel.times, control, base_period)
    att, psi, n_t, n_c = cell_effects(panel.y, g, plan)
    n_used = float((~np.isnan(g)).sum())
    if se == "analytic":
        ses = np.sqrt((psi**2).sum(axis=0)) / n_used
    else:
        ses = multiplier_bootstrap_se(psi, n_used, draws, seed, weights=weights)
    z = stats.norm.ppf(1 - alpha / 2)
    table = pd.DataFrame(
        {
            "group": plan.group.astype(int),
            "time": plan.time.astype(int),
            "event_time": plan.event_time.astype(int),
            "att": att,
            "se": ses,
            "ci_low": att - z * ses,
            "ci_high": att + z * ses,
            "post": plan.post,
            "n_treated": n_t.astype(int),
            "n_control": n_c.astype(int),
        }
    )
    valid = ~np.isnan(g)
    return AttGtResult(
        table=table,
        influence=psi,
        g=g,
        plan=plan,
        control=control,
        se_method=se,
        alpha=alpha,
        draws=draws,
        seed=seed,
        n_treated=int((g[valid] > 0).sum()),
        n_control=int(plan.group_counts[plan.controls.any(axis=0)].sum()),
        notes=tuple(panel.notes) + tuple(notes) + plan.notes,
        weights=weights,
    )


def att_gt(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    group: str,
    control: Control = "never",
    *,
    base_period: str = "varying",
    se: str = "analytic",
    draws: int = 999,
    seed: int | None = 0,
    alpha: float = 0.05,
    unbalanced: str = "error",
    weights: str = "rademacher",
) -> AttGtResult:
    """Staggered difference-in-differences of Callaway & Sant'Anna (2021), no covariates.

    Parameters
    ----------
    df: long panel, one row per unit and period.
    outcome, unit, time: column names.
    group: column with the first treated period of the unit (0 or missing = never treated),
        constant within a unit (``first.treat`` in ``mpdta``).
    control: ``"never"`` (never-treated units only) or ``"notyet"`` (never and not-yet-treated).
    base_period: ``"varying"`` (pre-period cells compare t with t-1, the R default) or
        ``"universal"`` (all cells against g-1).
    se: ``"analytic"`` (influence function) or ``"bootstrap"`` (multiplier bootstrap with
        ``draws`` draws and ``seed``).
    weights: multiplier-bootstrap weights, ``"rademacher"`` (+-1, the default of R ``did`` and
        ``csdid``) or ``"mammen"`` (Mammen's two-point weights; their spread collapses with one or
        two treated units per group).
    alpha: significance level of the pointwise intervals (0 < alpha < 0.5).
    unbalanced: ``"error"`` (refuse) or ``"drop"`` (drop incomplete units).

    Returns an :class:`AttGtResult` with ``table`` (group, time, att, se, ...) and
    ``aggregate("simple" | "dynamic" | "group")``. Units first treated in the first period are
    dropped, units first treated after the last period count as never treated (as in R ``did``).

    With very few treated units (five model municipalities) the analytic and bootstrap standard
    errors rest on the treated units' own variation and are too small; use
    :func:`evaluation.impact.inference.randomization_inference` for the report.
    """
    panel = wide_panel(df, outcome, unit, time, group, unbalanced=unbalanced, what="att_gt")
    alpha = check_alpha(alpha)
    res = att_gt_panel(panel, control, base_period=base_period, se=se, draws=draws, seed=seed, alpha=alpha,
                       weights=weights)
    return res
