"""Closed-form minimum detectable effects, beside the simulation.

**Panel difference-in-differences** (:func:`bpw_mde`): the serial-correlation-robust formula of
Burlig, Preonas & Woerman (2020, J. Development Economics 144, eq. 8). For the DiD of one treated
unit against the mean of ``J`` comparison units, with ``m`` years before and ``r`` from the start,
the estimate is ``c'(e_treated - mean of e_comparison)`` with contrast weights ``c_t = 1/r`` after
and ``-1/m`` before the start, so

    Var = c' Sigma_treated c + c' Sigma c / J,
    MDE = (t_{1 - alpha/2} + t_{power}) * sqrt(Var),

where ``c' Sigma c = sigma^2 (1/m + 1/r) + psi_B (m - 1)/m + psi_A (r - 1)/r - 2 psi_X`` in BPW's
notation (average covariances within the pre-period, within the post-period and across). The
block averages are taken from the sample covariance of the pool's series over the design's window
(averaged over every placement of the window in the pool's years); because the contrast weights
are constant within each block, ``c' S c`` with them is exactly the cross-sectional variance of the
units' contrasts, so no stationarity is assumed and no residuals of a unit-demeaned regression
(whose downward bias BPW discuss) are needed: the unit level cancels because the weights sum to
zero. The treated unit's variance is the pool's scaled to its own pre-period noise (as in the
simulation). ``t`` quantiles have ``J - 1`` degrees of freedom, the reference of the report's
placebo interval. :func:`lag_covariances` and :func:`contrast_variance` give the stationary
(Toeplitz) version for a covariance by lag.

With equal correlation ``rho`` between all years this is McKenzie's (2012, "Beyond baseline and
follow-up", J. Development Economics 99(2), eq. for the DiD estimator)
``sigma^2 [(1 + (m - 1) rho)/m + (1 + (r - 1) rho)/r - 2 rho]`` per unit (:func:`mckenzie_did_variance`);
the tests check that identity.

**Survey shares** (:func:`share_change_mde`): the change of a share between two independent waves,
``MDE = (z_{1 - alpha/2} + z_{power}) sqrt(deff p (1 - p) (1/n_1 + 1/n_2))`` (Kish 1965, sec. 14.1
for the design effect; Lohr 2019, sec. 7.5).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from ..errors import EstimationError, InputError
from ..results import check_alpha


def lag_covariances(pool: np.ndarray, max_lag: int) -> np.ndarray:
    """Covariance of the year-demeaned pool series by lag 0..max_lag (cross-sectional, averaged over years)."""
    pool = np.asarray(pool, dtype=float)
    J, T = pool.shape
    if J < 3:
        raise EstimationError(f"the covariance by lag needs at least 3 pool units, found {J}")
    if max_lag >= T:
        raise EstimationError(f"the pool has {T} years, lags up to {max_lag} need {max_lag + 1}")
    u = pool - pool.mean(axis=0, keepdims=True)
    S = u.T @ u / (J - 1)
    return np.array([float(np.mean(np.diagonal(S, h))) for h in range(max_lag + 1)])


def contrast_variance(gamma: np.ndarray, n_pre: int, n_post: int) -> float:
    """``c' Sigma c`` for the pre-mean contrast with Toeplitz Sigma from the lag covariances ``gamma``."""
    L = n_pre + n_post
    if len(gamma) < L:
        raise InputError("too few lag covariances for the design", found=len(gamma), expected=f">= {L}")
    c = np.concatenate([np.full(n_pre, -1.0 / n_pre), np.full(n_post, 1.0 / n_post)])
    idx = np.abs(np.subtract.outer(np.arange(L), np.arange(L)))
    return float(c @ gamma[idx] @ c)


def mckenzie_did_variance(sigma2: float, rho: float, n_pre: int, n_post: int) -> float:
    """McKenzie (2012): variance of one unit's post-mean minus pre-mean with equicorrelated errors."""
    if n_pre < 1 or n_post < 1:
        raise InputError("need at least one year before and one after", found=(n_pre, n_post))
    return float(sigma2 * ((1 + (n_pre - 1) * rho) / n_pre + (1 + (n_post - 1) * rho) / n_post - 2 * rho))


def _critical_distribution(J: int, nu: float, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Values and probabilities of the rank test's critical value ``C`` (see :func:`_rank_power`)."""
    k = int(np.floor(alpha * (J + 1) + 1e-9)) - 1
    dist = stats.norm if not np.isfinite(nu) else stats.t(nu)
    if k < 0:
        sd_t = 1.0 if not np.isfinite(nu) or nu <= 2 else float(np.sqrt(nu / (nu - 2)))
        return np.array([stats.t.ppf(1 - alpha / 2, J - 1) * np.sqrt(1 + 1 / J) * sd_t]), np.array([1.0])
    c_grid = np.linspace(0.0, float(dist.ppf(1 - 1e-6)), 1200)
    F = 2 * dist.cdf(c_grid) - 1
    w = np.diff(stats.binom.cdf(k, J, 1 - F), prepend=0.0)
    return c_grid, w / w.sum()


def _rank_power(tau: np.ndarray, sd_est: float, thr_scale: float, J: int, nu: float, alpha: float,
                critical: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Power of the placebo rank test: P(|N(tau, sd_est^2)| > thr_scale * C), C the critical order statistic.

    The test rejects when at most ``k = floor(alpha (J + 1)) - 1`` of ``J`` placebo statistics are at
    least as large as the observed one, so ``C`` is the (k + 1)-th largest of ``J`` iid ``|t_nu|``
    values (``nu = inf``: normal); ``P(C <= c) = Binom(k; J, 1 - F(c))``. With ``k < 0`` (too few
    placebos for a rank test) the report's t-based placebo prediction interval gives the fixed
    ``C = t_{J-1} sqrt(1 + 1/J) sd(t_nu)``.
    """
    tau = np.atleast_1d(np.asarray(tau, dtype=float))
    c, w = critical if critical is not None else _critical_distribution(J, nu, alpha)
    thr = thr_scale * c[None, :]
    p = stats.norm.sf((thr - tau[:, None]) / sd_est) + stats.norm.cdf((-thr - tau[:, None]) / sd_est)
    return p @ w


def bpw_mde(pool: np.ndarray, n_pre: int, n_post: int, *, own_scale: float | None = None, alpha: float = 0.05,
            power: float = 0.8, n_comparison: int | None = None, critical: str = "rank") -> float:
    """Closed-form MDE of the one-treated-unit DiD (Burlig, Preonas & Woerman 2020), see module docstring.

    ``pool``: (units x years) complete series; ``own_scale``: the treated unit's pre-period noise
    (sd of its gap to the comparison mean before the start), None = like the pool's units;
    ``n_comparison``: comparison units of the design (default: all pool units).

    ``critical="t"`` is BPW's formula as published, ``(t_{1-alpha/2} + t_{power}) sqrt(Var)`` with
    ``J - 1`` degrees of freedom. ``critical="rank"`` (default) keeps the BPW variance but takes the
    critical value the report's test actually has: with >= 3 pre-years the placebo statistics are
    studentised by a noise scale estimated from ``n_pre`` years (so they are t-distributed with
    ``n_pre - 1`` degrees of freedom), and the rank test compares the observed statistic with the
    order statistics of only ``J`` placebos; the power is integrated over that random critical value
    (:func:`_rank_power`) and solved for 80 %. Both are normal approximations; the simulation is the
    reference.
    """
    from scipy.optimize import brentq

    alpha = check_alpha(alpha)
    if critical not in ("rank", "t"):
        raise InputError("critical must be 'rank' or 't'", found=critical)
    pool = np.asarray(pool, dtype=float)
    J_all, T = pool.shape
    L = n_pre + n_post
    J = int(n_comparison if n_comparison is not None else J_all)
    if J < 2:
        raise EstimationError("the closed form needs at least 2 comparison units")
    if L > T:
        raise EstimationError(f"the pool has {T} years, the design needs {L}")
    c = np.concatenate([np.full(n_pre, -1.0 / n_pre), np.full(n_post, 1.0 / n_post)])
    # c' Sigma c with BPW's block averages of the sample covariances = the cross-sectional variance of
    # the units' contrasts, averaged over every placement of the design's window in the pool's years
    windows = [pool[:, o:o + L] for o in range(T - L + 1)]
    v_unit = float(np.mean([np.var(W @ c, ddof=1) for W in windows]))
    v_treated = v_unit
    if own_scale is not None and np.isfinite(own_scale) and n_pre >= 2:
        # the pool units' pre-period noise in the same sense as own_scale (gap to the others' mean)
        s2 = []
        for W in windows:
            Wp = W[:, :n_pre]
            others = (Wp.sum(axis=0, keepdims=True) - Wp) / (J_all - 1)
            s2.append(np.var(Wp - others, axis=1, ddof=1))
        if np.mean(s2) > 0:
            v_treated = v_unit * own_scale**2 / float(np.mean(s2))
    var = max(v_treated + v_unit / J, 0.0)
    if critical == "t":
        q = stats.t.ppf(1 - alpha / 2, J - 1) + stats.t.ppf(power, J - 1)
        return float(q * np.sqrt(var))
    studentised = n_pre >= 3
    nu = float(n_pre - 1) if studentised else float("inf")
    # threshold scale in estimate units: the treated unit's own sd (studentised) or a placebo's (raw)
    thr_scale = np.sqrt(v_treated) if studentised else np.sqrt(v_unit * (1 + 1 / J))
    sd = np.sqrt(var)
    if sd <= 0:
        return 0.0

    crit = _critical_distribution(J, nu, alpha)

    def f(tau: float) -> float:
        return float(_rank_power(np.array([tau]), sd, thr_scale, J, nu, alpha, crit)[0]) - power

    hi = sd
    for _ in range(60):
        if f(hi) > 0:
            break
        hi *= 1.6
    else:
        return float("inf")
    return float(brentq(f, 0.0, hi, xtol=1e-6 * sd))


def share_change_mde(p: float, n_1: float, n_2: float, *, deff: float = 1.0, alpha: float = 0.05,
                     power: float = 0.8) -> float:
    """MDE of the change in a share (as a fraction) between two independent survey samples."""
    alpha = check_alpha(alpha)
    if not 0 <= p <= 1:
        raise InputError("p must be a share between 0 and 1", found=p)
    if n_1 <= 0 or n_2 <= 0:
        return float("nan")
    q = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    return float(q * np.sqrt(max(deff, 0.0) * p * (1 - p) * (1 / n_1 + 1 / n_2)))


def sample_size_for_precision(p: float, half_width: float, *, deff: float = 1.0, alpha: float = 0.05,
                              population: float | None = None) -> int:
    """Respondents needed for a ``1 - alpha`` interval of half-width ``half_width`` (fraction) for a share ``p``.

    ``n = deff z^2 p (1 - p) / h^2`` (Cochran 1977, eq. 4.2 with the design effect of Kish 1965), with the
    finite population correction ``n / (1 + (n - 1) / N)`` when ``population`` is given.
    """
    alpha = check_alpha(alpha)
    if half_width <= 0:
        raise InputError("the half-width of the interval must be positive", found=half_width,
                         expected="e.g. 0.05 for +-5 percentage points")
    z = stats.norm.ppf(1 - alpha / 2)
    n0 = max(deff, 0.0) * z**2 * p * (1 - p) / half_width**2
    if population is not None and population > 0:
        n0 = n0 / (1 + (n0 - 1) / population)
    return int(np.ceil(n0))
