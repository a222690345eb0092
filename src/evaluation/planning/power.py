"""Minimum detectable effect (MDE) by simulation on the real panel: placebo starts in the pool.

Before a measure starts, the question is not "what did it change?" but "could the monitoring
ever show a change of the size we hope for?". Following Burlig, Preonas & Woerman (2020, "Panel
data and experimental design", J. Development Economics 144, 102458) the power is simulated on the
actual panel rather than from an assumed noise model, so that the observed noise and its serial
correlation (which annual municipal series have plenty of) enter as they are:

1. **Placebo starts in the pool.** Each comparison municipality of the pool in turn (and, where the
   pool has more years than the design needs, each placement of the design's window of ``n_pre``
   years before and ``n_post`` years from the start) becomes a pseudo-treated municipality; the rest
   of the pool is its comparison group. No real programme acts there, so every difference is noise.
2. **The municipality's own noise level.** The pseudo-treated series is rescaled around the mean of
   its comparisons so that its pre-period noise (the standard deviation of its gap to the comparison
   mean before the start, the scale the report's studentised inference also uses) equals that of the
   municipality (or Sozialraum) being planned for; its serial correlation stays that of the real
   series (``noise="own"``; ``noise="pool"`` keeps the pool's own noise).
3. **Injected effects.** An effect ``tau`` is added to the pseudo-treated series in every year from
   the start (a level shift: the estimate is the mean effect over the programme years), in the
   direction of improvement (the indicator's polarity).
4. **The report's test.** Each panel is tested with the estimator and inference of the report; the
   power at ``tau`` is the share of placebos where the effect is detected (the ``1 - alpha``
   interval excludes 0). The MDE is the smallest ``tau`` with power >= ``power`` (80 % by default),
   interpolated on a grid, with a Monte Carlo interval from the Clopper-Pearson bounds of the power.

The test is a callable (:data:`BatchTest`), so the simulation uses whatever the report's default is:

* :func:`programme_test` calls the public :func:`evaluation.impact.programme.estimate_programme_effects`
  on every placebo panel, exactly as the report does (its default estimator and inference, whatever
  they are) - exact but a few milliseconds per panel;
* :func:`default_test` is the same estimator and inference as of this writing (difference-in-differences
  against the pre-period mean, studentised randomisation inference over all placebo units, the
  t-based placebo prediction interval when the pool is too small for a 5 % rank test; see
  :mod:`evaluation.impact.inference`) written as matrix operations over all placebo panels and
  effect sizes at once; ``tests/planning`` checks that it takes the same decisions as
  :func:`programme_test`, so a change of the report's default shows up there;
* :func:`estimator_test` wraps any ``f(Panel) -> result`` (e.g. another inference method).

Written by hand because no maintained Python package simulates panel power from placebo starts
with a given estimator and inference (BPW's own tools are for Stata and target randomised designs
with many treated units, not one municipality against a small pool).

>>> import numpy as np
>>> rng = np.random.default_rng(1)
>>> pool = rng.normal(size=(25, 12)).cumsum(axis=1) * 0.3 + rng.normal(size=(25, 12))
>>> res = simulate_mde(pool, n_pre=6, n_post=6, own_scale=None)
>>> 0 < res.estimate < 5
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import EstimationError, InputError
from ..results import ResultMixin, check_alpha

#: ``test(Y, first_post, alpha) -> detected``: ``Y`` is (panels x units x years) with the
#: (pseudo-)treated unit in row 0 and its comparison units below, ``first_post`` the column index
#: of the first programme year; returns a boolean array (panels,), True where the effect is detected.
BatchTest = Callable[[np.ndarray, int, float], np.ndarray]

NOISE = ("own", "pool")


# --------------------------------------------------------------------------------------------
# tests (the report's estimator + inference)
# --------------------------------------------------------------------------------------------


def default_test(Y: np.ndarray, first_post: int, alpha: float = 0.05) -> np.ndarray:
    """Vectorised form of the report's per-municipality test, for many panels at once.

    Estimate: difference-in-differences of unit 0 against the pre-period mean (programme years'
    mean minus pre-programme years' mean, minus the same for the comparison mean). Inference as
    :func:`evaluation.impact.inference.randomization_inference_panel` with ``estimator="pre_mean"``
    and, with at least three pre-programme years, ``studentize=True``: the treated unit's estimate
    over its pre-period noise is ranked among every comparison unit's placebo estimate (against the
    other comparison units) over that unit's pre-period noise, all ``J`` assignments enumerated;
    detected when the rank p-value is <= ``alpha`` (the interval inverts the same test); with fewer
    placebo units than a rank test needs (``1 / (J + 1) > alpha``) the t-based placebo prediction
    interval decides. With fewer than three pre-years the unstudentised randomisation test over all
    units is used (exact enumeration of the ``N`` assignments).
    """
    alpha = check_alpha(alpha)
    Y = np.asarray(Y, dtype=float)
    if Y.ndim != 3:
        raise InputError("default_test needs a 3-d array (panels x units x years)", found=Y.shape)
    B, N, T = Y.shape
    if not 1 <= first_post < T:
        raise InputError("first_post must leave at least one year before and one from the start",
                         found=first_post, expected=f"1..{T - 1}")
    if N < 3:
        raise EstimationError(f"a test needs at least 2 comparison units, found {N - 1}")
    pre, post = Y[:, :, :first_post], Y[:, :, first_post:]
    d = post.mean(axis=2) - pre.mean(axis=2)  # B x N: post mean minus pre mean per unit
    if first_post >= 3:
        # studentised placebo inference (Ferman & Pinto 2019 in the report's form): the treated unit's
        # DiD against the comparison mean over its pre-period noise, against every comparison unit's
        # placebo DiD against the *other comparison units* over its own pre-period noise
        J = N - 1
        comp_pre = pre[:, 1:, :]
        mean_pre = comp_pre.mean(axis=1)  # B x f
        est0 = d[:, 0] - d[:, 1:].mean(axis=1)
        s0 = (pre[:, 0, :] - mean_pre).std(axis=1, ddof=1)
        dc = d[:, 1:]
        P = dc - (dc.sum(axis=1, keepdims=True) - dc) / (J - 1)
        others = (comp_pre.sum(axis=1, keepdims=True) - comp_pre) / (J - 1)
        S = (comp_pre - others).std(axis=2, ddof=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = P / S
            obs = np.abs(est0) / s0
        ok = np.isfinite(z) & (S > 0)
        Jok = ok.sum(axis=1)
        tol = 1e-12 * (1 + obs[:, None])
        count = ((np.abs(np.where(ok, z, 0.0)) >= obs[:, None] - tol) & ok).sum(axis=1)
        p = (1 + count) / (1 + Jok)
        detected = p <= alpha
        small = 1.0 / (1 + Jok) > alpha
        if small.any():
            # too few placebos for the rank test: the t-based placebo prediction interval decides
            zs = np.where(ok, z, np.nan)[small]
            rho = np.sqrt(np.nanvar(zs, axis=1, ddof=1))
            crit = stats.t.ppf(1 - alpha / 2, Jok[small] - 1) * np.sqrt(1 + 1 / Jok[small])
            detected[small] = obs[small] / rho > crit
        return np.asarray(detected & np.isfinite(obs))
    est = d - (d.sum(axis=1, keepdims=True) - d) / (N - 1)  # each unit as the treated one
    a = np.abs(est)
    tol = 1e-12 * (1 + a[:, :1])
    p = (a >= a[:, :1] - tol).sum(axis=1) / N
    return np.asarray(p <= alpha)


def estimator_test(fn: Callable[[Any], Any]) -> BatchTest:
    """A :data:`BatchTest` from a one-panel estimator ``fn(panel) -> result``.

    ``panel`` is an :class:`evaluation.impact._panel.Panel` (unit 0 treated from ``first_post``);
    the effect counts as detected when the result's interval (``ci_low``/``ci_high``, or ``ci``)
    excludes 0. Loops over the panels: use it for methods without a vectorised form.
    """
    from ..impact._panel import Panel

    def test(Y: np.ndarray, first_post: int, alpha: float = 0.05) -> np.ndarray:
        Y = np.asarray(Y, dtype=float)
        B, N, T = Y.shape
        times = np.arange(2000, 2000 + T, dtype=np.int64)
        g = np.zeros(N)
        g[0] = float(times[first_post])
        units = np.array(["treated"] + [f"c{i:03d}" for i in range(1, N)])
        out = np.zeros(B, dtype=bool)
        for b in range(B):
            res = fn(Panel(y=Y[b], g=g, units=units, times=times))
            out[b] = _detected(res)
        return out

    return test


def _detected(res: Any) -> bool:
    lo = getattr(res, "ci_low", None)
    hi = getattr(res, "ci_high", None)
    if lo is None or hi is None:
        lo, hi = res.ci
    lo, hi = float(lo), float(hi)
    if not (np.isfinite(lo) or np.isfinite(hi)):
        return False
    return not (lo <= 0.0 <= hi)


def programme_test(*, draws: int = 999, seed: int = 0) -> BatchTest:
    """A :data:`BatchTest` that runs the report's own estimate on every placebo panel.

    Each panel is written as the contract tables (``indicator_values``, ``municipalities``) and
    passed to :func:`evaluation.impact.programme.estimate_programme_effects` with its defaults
    (the reports' estimator and inference), the treated unit as the model municipality and the
    others as its pool; detected when its interval excludes 0. Slower than :func:`default_test`
    (pandas per panel) but always the report's current method.
    """
    from ..impact.programme import estimate_programme_effects

    def test(Y: np.ndarray, first_post: int, alpha: float = 0.05) -> np.ndarray:
        Y = np.asarray(Y, dtype=float)
        B, N, T = Y.shape
        years = np.arange(2000, 2000 + T)
        ids = ["treated"] + [f"c{i:03d}" for i in range(1, N)]
        munis = pd.DataFrame({"municipality_id": ids, "name": ids,
                              "group": ["model"] + ["comparison"] * (N - 1),
                              "programme_start": [int(years[first_post])] + [None] * (N - 1)})
        mid = np.repeat(ids, T)
        out = np.zeros(B, dtype=bool)
        for b in range(B):
            values = pd.DataFrame({"municipality_id": mid, "area_id": mid, "year": np.tile(years, N),
                                   "indicator_id": "x", "value": Y[b].ravel()})
            eff = estimate_programme_effects(values, munis, "x", pool=ids[1:], alpha=alpha, draws=draws, seed=seed)
            out[b] = _detected(eff.results["treated"])
        return out

    return test


# --------------------------------------------------------------------------------------------
# placebo panels
# --------------------------------------------------------------------------------------------


def _gap_scale(series: np.ndarray, comparison: np.ndarray, n_pre: int) -> float:
    """Pre-period noise: sd of the gap between a series and its comparison mean before the start."""
    if n_pre < 2:
        return float("nan")
    gap = series[:n_pre] - comparison[:, :n_pre].mean(axis=0)
    return float(np.std(gap, ddof=1))


def own_scale(treated: np.ndarray, pool: np.ndarray, n_pre: int) -> float:
    """The pre-period noise of the treated series against the pool (the studentised inference's scale)."""
    treated = np.asarray(treated, dtype=float)
    pool = np.asarray(pool, dtype=float)
    return _gap_scale(treated, pool, n_pre)


def placebo_panels(pool: np.ndarray, n_pre: int, n_post: int, *, own_scale: float | None = None,
                   max_offsets: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """All placebo panels of the design from the pool's complete series.

    ``pool`` is (units x years) without gaps; the design's window of ``n_pre + n_post`` years is
    placed at every offset that fits (the latest ``max_offsets`` if given), and every pool unit in
    turn is the pseudo-treated row 0 with the other units below. With ``own_scale`` the pseudo-treated
    series is rescaled around its comparison mean to that pre-period noise (see the module docstring).
    Returns (panels, donor index) with panels (B x units x window).
    """
    pool = np.asarray(pool, dtype=float)
    if pool.ndim != 2 or not np.isfinite(pool).all():
        raise InputError("the pool must be a complete units x years matrix", expected="no missing values")
    J, T_all = pool.shape
    L = n_pre + n_post
    if n_pre < 1 or n_post < 1:
        raise InputError("the design needs at least one year before and one from the start",
                         found=(n_pre, n_post))
    if L > T_all:
        raise EstimationError(f"the pool has {T_all} years, the design needs {L} ({n_pre} before, {n_post} from the start)")
    if J < 3:
        raise EstimationError(f"a placebo simulation needs at least 3 pool units, found {J}")
    offsets = np.arange(T_all - L + 1)
    if max_offsets is not None:
        offsets = offsets[-max_offsets:]
    panels, donors = [], []
    order = np.arange(J)
    for o in offsets:
        W = pool[:, o:o + L]
        for k in range(J):
            rows = np.concatenate([[k], order[order != k]])
            P = W[rows].copy()
            if own_scale is not None and np.isfinite(own_scale):
                comp_mean = P[1:].mean(axis=0)
                s_k = _gap_scale(P[0], P[1:], n_pre)
                if np.isfinite(s_k) and s_k > 0:
                    P[0] = comp_mean + (P[0] - comp_mean) * (own_scale / s_k)
            panels.append(P)
            donors.append(k)
    return np.stack(panels), np.asarray(donors)


# --------------------------------------------------------------------------------------------
# power and MDE
# --------------------------------------------------------------------------------------------


def power_at(panels: np.ndarray, n_pre: int, effects: Sequence[float] | np.ndarray, *, direction: int = 1,
             test: BatchTest = default_test, alpha: float = 0.05) -> np.ndarray:
    """Share of placebo panels in which an effect of each size in ``effects`` is detected."""
    alpha = check_alpha(alpha)
    effects = np.atleast_1d(np.asarray(effects, dtype=float))
    B, N, L = panels.shape
    D = np.zeros((N, L))
    D[0, n_pre:] = 1.0
    sign = 1.0 if direction >= 0 else -1.0
    # all effect sizes in one batch: (effects x panels) x units x years
    Y = panels[None, :, :, :] + sign * effects[:, None, None, None] * D[None, None, :, :]
    detected = np.asarray(test(Y.reshape(-1, N, L), n_pre, alpha), dtype=bool).reshape(len(effects), B)
    return detected.mean(axis=1)


@dataclass(frozen=True, eq=False)
class MDEResult(ResultMixin):
    """The minimum detectable effect of one design.

    ``estimate`` is the MDE in the indicator's unit (percentage points for shares, per 1,000 for
    rates, counts): the smallest constant effect from the start that the report's test detects with
    probability ``power`` at level ``alpha``; ``ci_low``/``ci_high`` its Monte Carlo interval (the
    effects at which the Clopper-Pearson bounds of the simulated power reach ``power``; ``inf`` when
    the grid does not reach it); ``se`` is NaN and ``p_value`` NaN (no test of a null); ``n`` the
    number of placebo panels. ``closed_form`` is the Burlig, Preonas & Woerman (2020) approximation
    (:func:`evaluation.planning.formula.bpw_mde`) for the same design, ``power_curve`` the simulated
    power on the grid (columns ``effect, power, power_low, power_high``).
    """

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    n: int
    method: str
    alpha: float
    notes: tuple[str, ...]
    power: float = 0.8
    closed_form: float = float("nan")
    n_comparison: int = 0
    n_pre: int = 0
    n_post: int = 0
    own_scale: float = float("nan")
    power_at_zero: float = float("nan")
    power_curve: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    @property
    def agreement(self) -> float:
        """Ratio of the simulated MDE to the closed-form one (1 = perfect agreement)."""
        if not (np.isfinite(self.estimate) and np.isfinite(self.closed_form) and self.closed_form > 0):
            return float("nan")
        return float(self.estimate / self.closed_form)


def _crossing(grid: np.ndarray, curve: np.ndarray, level: float) -> float:
    """Smallest grid effect where ``curve`` reaches ``level`` (linear interpolation between grid points)."""
    above = np.nonzero(curve >= level)[0]
    if len(above) == 0:
        return float("inf")
    i = int(above[0])
    if i == 0:
        return float(grid[0])
    x0, x1, y0, y1 = grid[i - 1], grid[i], curve[i - 1], curve[i]
    return float(x0 + (level - y0) * (x1 - x0) / (y1 - y0)) if y1 > y0 else float(x1)


def _clopper_pearson(k: np.ndarray, n: int, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    lo = np.where(k > 0, stats.beta.ppf(alpha / 2, k, n - k + 1), 0.0)
    hi = np.where(k < n, stats.beta.ppf(1 - alpha / 2, k + 1, n - k), 1.0)
    return lo, hi


def simulate_mde(
    pool: np.ndarray,
    n_pre: int,
    n_post: int,
    *,
    own_scale: float | None = None,
    test: BatchTest = default_test,
    alpha: float = 0.05,
    power: float = 0.8,
    direction: int = 1,
    grid: Sequence[float] | np.ndarray | None = None,
    grid_points: int = 41,
    max_offsets: int | None = None,
    mc_alpha: float = 0.05,
) -> MDEResult:
    """Minimum detectable effect by placebo simulation on the pool's real series.

    Parameters
    ----------
    pool : (units x years) complete series of the comparison pool (published unit).
    n_pre, n_post : years of the design before and from the programme start.
    own_scale : pre-period noise of the municipality (or Sozialraum) planned for
        (:func:`own_scale`); None keeps the pool's noise.
    test : the report's estimator and inference (:data:`BatchTest`), :func:`default_test` by default.
    alpha, power : level of the test and power required (0.05 and 0.8: the usual 80 % at 5 %).
    direction : +1 effects increase the indicator, -1 decrease it (the improvement direction).
    grid : effects at which the power is simulated; default ``grid_points`` values from 0 to three
        times the closed-form MDE (extended when the power has not reached ``power``).
    mc_alpha : level of the Monte Carlo interval of the MDE.

    Returns
    -------
    MDEResult
    """
    from .formula import bpw_mde

    alpha = check_alpha(alpha)
    if not 0 < power < 1:
        raise InputError("power must lie between 0 and 1", found=power, expected="e.g. 0.8")
    pool = np.asarray(pool, dtype=float)
    panels, _ = placebo_panels(pool, n_pre, n_post, own_scale=own_scale, max_offsets=max_offsets)
    B, N, _L = panels.shape
    cf = bpw_mde(pool, n_pre, n_post, own_scale=own_scale, alpha=alpha, power=power, n_comparison=N - 1)
    notes: list[str] = []
    if grid is None:
        top = 3.0 * cf if np.isfinite(cf) and cf > 0 else 3.0 * float(np.nanstd(pool)) + 1e-9
        g = np.linspace(0.0, top, grid_points)
        curve = power_at(panels, n_pre, g, direction=direction, test=test, alpha=alpha)
        for _ in range(3):
            if curve[-1] >= power:
                break
            g = np.linspace(0.0, 2 * g[-1], grid_points)
            curve = power_at(panels, n_pre, g, direction=direction, test=test, alpha=alpha)
    else:
        g = np.sort(np.asarray(grid, dtype=float))
        curve = power_at(panels, n_pre, g, direction=direction, test=test, alpha=alpha)
    k = np.round(curve * B).astype(int)
    lo, hi = _clopper_pearson(k, B, mc_alpha)
    mde = _crossing(g, curve, power)
    # the MDE is larger where the power is known to be lower: the upper power bound gives the lower MDE bound
    mde_lo, mde_hi = _crossing(g, hi, power), _crossing(g, lo, power)
    if not np.isfinite(mde):
        notes.append(f"power {power:.0%} not reached up to an effect of {g[-1]:.4g}")
    if B < 10:
        notes.append(f"only {B} placebo panels: the MDE is coarse (see its Monte Carlo interval)")
    size = float(curve[0]) if g[0] == 0 else float(power_at(panels, n_pre, [0.0], test=test, alpha=alpha)[0])
    if size > alpha + 2 * np.sqrt(alpha * (1 - alpha) / B) + 1.0 / B:
        notes.append(f"the test rejects in {size:.0%} of placebos without an effect (nominal {alpha:.0%}): "
                     "pool trends are not parallel")
    method = (f"placebo simulation on the real panel (Burlig, Preonas & Woerman 2020): {B} placebo panels "
              f"({N - 1} comparison units, {n_pre} years before, {n_post} from the start), "
              + ("noise rescaled to the municipality's pre-period noise" if own_scale is not None
                 else "the pool's own noise"))
    table = pd.DataFrame({"effect": g, "power": curve, "power_low": lo, "power_high": hi})
    return MDEResult(estimate=float(mde), se=float("nan"), ci_low=float(mde_lo), ci_high=float(mde_hi),
                     p_value=float("nan"), n=int(B), method=method, alpha=alpha, notes=tuple(notes), power=power,
                     closed_form=float(cf), n_comparison=int(N - 1), n_pre=int(n_pre), n_post=int(n_post),
                     own_scale=float("nan") if own_scale is None else float(own_scale), power_at_zero=size,
                     power_curve=table)
