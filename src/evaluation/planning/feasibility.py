"""Target feasibility: where the trend before the start leads, and what effect the target needs.

For an indicator with a target (Sollwert in the target year, from the parameter file) the
municipality's own series **before the programme start** is extended to the target year by a
straight-line trend (OLS on the published values; for counts on their logarithm, so the trend is a
constant relative change), via :func:`evaluation.indicators.trends.fit_trend`. Its ``1 - alpha``
*prediction* interval (the trend's uncertainty plus the year-to-year scatter around it) says
where the indicator would likely be without any effect, and

* ``probability``: the probability that the indicator reaches the target in the target year
  without an effect (``P(d (Y - target) >= 0)``, ``d`` the polarity, ``Y`` from the predictive t
  distribution with ``n - 2`` degrees of freedom);
* ``needed_effect``: the improvement the programme must add (``d (target - projection)``, in the
  indicator's unit; <= 0 means none);
* ``verdict`` (:data:`VERDICTS`):

  - ``reachable_without_effect`` ("Ziel ohne Wirkung erreichbar"): the projection already reaches
    the target - reaching it would not show that the programme worked;
  - ``not_detectable`` ("Ziel nicht nachweisbar"): the effect needed is smaller than the MDE, so
    even a programme that reaches the target exactly could not be told apart from noise;
  - ``detectable``: the effect needed is at least the MDE;
  - ``not_assessable``: fewer than three years before the start, no target, or no MDE.

Assumptions (named in the report): the pre-start trend would have continued (linear in the value,
or in the log for counts); the programme's effect is a constant shift from the start, so the
effect in the target year equals the mean effect the report estimates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from ..errors import EstimationError, InputError
from ..results import ResultMixin, check_alpha

VERDICTS = ("reachable_without_effect", "not_detectable", "detectable", "not_assessable")


@dataclass(frozen=True, eq=False)
class FeasibilityResult(ResultMixin):
    """Projection of one indicator to its target year and what it means for the target.

    ``estimate`` is the projected value in the target year (published unit), ``se`` its predictive
    standard error, ``ci_low``/``ci_high`` the ``1 - alpha`` prediction interval, ``p_value`` NaN,
    ``n`` the number of pre-start years the trend rests on. See the module docstring for
    ``probability``, ``needed_effect`` and ``verdict``.
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
    target: float = float("nan")
    target_year: int | None = None
    polarity: int = 1
    probability: float = float("nan")
    needed_effect: float = float("nan")
    mde: float = float("nan")
    verdict: str = "not_assessable"
    annual_change: float = float("nan")


def _nan_result(reason: str, *, alpha: float, target: float, target_year: int | None, polarity: int,
                mde: float, n: int = 0) -> FeasibilityResult:
    nan = float("nan")
    return FeasibilityResult(nan, nan, nan, nan, nan, int(n), "no projection", alpha, (reason,), target=target,
                             target_year=target_year, polarity=polarity, mde=mde)


def target_feasibility(years, values, *, start: int, target: float, target_year: int, polarity: int,
                       kind: str = "proportion", mde: float = float("nan"), alpha: float = 0.05) -> FeasibilityResult:
    """Projection from the pre-start trend, probability of the target without effect, effect needed.

    ``years``/``values``: the municipality's (or Sozialraum's) published series; only years before
    ``start`` are used. ``kind``: the register's kind (``"count"`` -> trend of the log). ``mde``:
    the minimum detectable effect in the same unit (:func:`evaluation.planning.power.simulate_mde`).
    """
    from ..indicators.trends import fit_trend

    alpha = check_alpha(alpha)
    if polarity not in (-1, 0, 1):
        raise InputError("polarity must be -1, 0 or 1", found=polarity)
    y = np.asarray(values, dtype=float)
    t = np.asarray(years, dtype=float)
    if len(t) != len(y):
        raise InputError("years and values must have the same length", found=(len(t), len(y)))
    keep = (t < start) & np.isfinite(y)
    log = kind == "count"
    if log:
        keep &= y > 0
    t, y = t[keep], y[keep]
    target = float(target)
    base: dict[str, Any] = dict(alpha=alpha, target=target, target_year=int(target_year), polarity=int(polarity), mde=float(mde))
    if polarity == 0:
        return _nan_result("context indicator without a direction: no target check", n=len(t), **base)
    if len(t) < 3:
        return _nan_result(f"only {len(t)} year(s) before the start {start}: a trend needs three", n=len(t), **base)
    try:
        tr = fit_trend(t, np.log(y) if log else y, family="linear", alpha=alpha)
    except (InputError, EstimationError) as exc:
        return _nan_result(f"no trend: {exc}", n=len(t), **base)
    res = tr.model_result
    x = np.array([[1.0, float(target_year) - tr.first_year]])
    pred = res.get_prediction(x)
    mean = float(np.asarray(pred.predicted_mean)[0])
    se = float(np.sqrt(np.asarray(pred.var_pred_mean)[0] + res.scale))
    df = max(int(res.df_resid), 1)
    q = stats.t.ppf(1 - alpha / 2, df)
    lo, hi = mean - q * se, mean + q * se
    tgt = np.log(target) if log and target > 0 else target
    if log and target <= 0:
        return _nan_result("a count target must be positive", n=len(t), **base)
    d = float(polarity)
    probability = float(stats.t.sf(d * (tgt - mean) / se, df)) if se > 0 else float(d * (mean - tgt) >= 0)
    if log:
        proj, lo, hi, se_out = float(np.exp(mean)), float(np.exp(lo)), float(np.exp(hi)), float(np.exp(mean) * se)
    else:
        proj, se_out = mean, se
    notes: list[str] = []
    bounds = {"proportion": (0.0, 100.0), "rate": (0.0, np.inf), "count": (0.0, np.inf)}.get(kind, (-np.inf, np.inf))
    if lo < bounds[0] or hi > bounds[1]:
        lo, hi = float(max(lo, bounds[0])), float(min(hi, bounds[1]))
        notes.append("the prediction interval was cut at the indicator's possible range")
    needed = d * (target - proj)
    if needed <= 0:
        verdict = "reachable_without_effect"
    elif not np.isfinite(mde):
        verdict = "not_assessable"
        notes.append("no minimum detectable effect for this indicator")
    elif needed < mde:
        verdict = "not_detectable"
    else:
        verdict = "detectable"
    method = (f"linear trend of the {'log ' if log else ''}values {int(t.min())}-{int(t.max())} (OLS), "
              f"{100 * (1 - alpha):g} % prediction interval for {int(target_year)}")
    change = float(np.expm1(tr.slope)) if log else float(tr.slope)
    return FeasibilityResult(proj, se_out, float(lo), float(hi), float("nan"), int(len(t)), method, alpha, tuple(notes),
                             target=target, target_year=int(target_year), polarity=int(polarity),
                             probability=probability, needed_effect=float(needed), mde=float(mde), verdict=verdict,
                             annual_change=change)
