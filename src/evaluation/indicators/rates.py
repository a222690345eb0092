"""Rates and proportions with confidence intervals, and differences between years and areas.

Small counts are the rule in a Sozialraum: 3 of 41 pupils, 7 cases per 2,300 residents. The
normal-approximation ("Wald") interval is badly wrong there, so the defaults are:

* **proportions** (numerator of denominator, published e.g. in percent): the **Wilson score**
  interval (Wilson 1927; recommended by Brown, Cai & DasGupta 2001). ``"clopper-pearson"``
  gives the exact, conservative interval (Clopper & Pearson 1934), ``"jeffreys"`` the
  equal-tailed Beta(1/2, 1/2) interval, ``"wald"`` the textbook one (for comparison only).
* **counts and rates** (events per population, e.g. per 1,000): the **exact Poisson**
  (Garwood 1936) interval from chi-square quantiles; ``"jeffreys"`` and ``"wald"`` as above.
* **differences of proportions**: Newcombe's hybrid score interval (Newcombe 1998, method 10),
  built from the two Wilson intervals (MOVER).
* **differences of rates**: the MOVER interval of Li, Tang & Wong (2014) built from the two
  exact (``"exact"``) or Jeffreys Poisson intervals.

The arithmetic is delegated to statsmodels (``proportion_confint``, ``confint_poisson``,
``confint_proportions_2indep``, ``confint_poisson_2indep``); this module adds the vectorised work on the
tidy ``indicator_values`` table, the published scale (percent, per 1,000) and the checks of input.

Non-integer counts (annual averages such as the BA's Jahresdurchschnitt, or weighted counts) are
accepted: the exact limits are then the continuous extension of the chi-square / beta quantile
formulas, which is what statsmodels computes.

``scale`` multiplies the estimate and the interval into the published unit: 100 for percent, 1,000
for a rate per 1,000, 1 for a plain share or a count.

Example
-------
>>> r = proportion_interval(3, 41, method="wilson", scale=100)
>>> round(r.estimate, 2), round(r.ci_low, 2), round(r.ci_high, 2)
(7.32, 2.52, 19.43)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint
from statsmodels.stats.rates import confint_poisson, confint_poisson_2indep

from ..errors import InputError
from ..results import ResultMixin
from ._common import KINDS, as_float_array, check_alpha, check_choice, fmt, require_columns, summary_block

PROPORTION_METHODS = {"wilson": "wilson", "clopper-pearson": "beta", "jeffreys": "jeffreys", "wald": "normal"}
POISSON_METHODS = {"exact": "exact-c", "jeffreys": "jeff", "wald": "wald"}
PROPORTION_DIFF_METHODS = {"newcombe": "newcomb", "wald": "wald", "agresti-caffo": "agresti-caffo"}
RATE_DIFF_METHODS = {"mover": "exact-c", "mover-jeffreys": "jeff", "wald": "wald"}
DEFAULT_METHOD = {"proportion": "wilson", "rate": "exact", "count": "exact", "mean": "normal"}
DEFAULT_SCALE = {"proportion": 100.0, "rate": 1000.0, "count": 1.0, "mean": 1.0}

_METHOD_TEXT = {
    "wilson": "Wilson score interval (Wilson 1927)",
    "clopper-pearson": "Clopper-Pearson exact interval (1934)",
    "jeffreys": "Jeffreys interval",
    "wald": "Wald (normal approximation) interval",
    "exact": "exact Poisson interval (Garwood 1936)",
    "normal": "normal interval from the standard error",
    "newcombe": "Newcombe hybrid score interval (Newcombe 1998, method 10)",
    "agresti-caffo": "Agresti-Caffo interval (2000)",
    "mover": "MOVER interval from exact Poisson limits (Li, Tang & Wong 2014)",
    "mover-jeffreys": "MOVER interval from Jeffreys Poisson limits (Li, Tang & Wong 2014)",
}


@dataclass(frozen=True)
class IntervalResult(ResultMixin):
    """A proportion, rate or count with its confidence interval, in the published unit.

    ``estimate`` = numerator / denominator × ``scale``; ``se`` is the large-sample standard error on
    the same scale (for orientation only: the interval is *not* estimate ± 1.96 se unless
    ``method == "wald"``); ``n`` the denominator (persons, population or, for a count, 1);
    ``p_value`` NaN (an interval, no test); ``method`` the interval's key (``"wilson"``, ...), its
    full name in :attr:`method_text`.
    """

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    numerator: float
    n: float
    scale: float
    alpha: float
    kind: str
    method: str
    p_value: float = float("nan")
    notes: tuple[str, ...] = ()

    @property
    def ci(self) -> tuple[float, float]:
        return (self.ci_low, self.ci_high)

    @property
    def method_text(self) -> str:
        """The interval method in words, with its reference."""
        return _METHOD_TEXT.get(self.method, self.method)

    def summary(self) -> str:
        level = f"{100 * (1 - self.alpha):g}%"
        return summary_block(
            f"{self.kind.capitalize()} with {level} interval",
            [("estimate", fmt(self.estimate)), ("std. error", fmt(self.se)),
             (f"{level} interval", f"[{fmt(self.ci_low)}, {fmt(self.ci_high)}]"),
             ("numerator", fmt(self.numerator, 0)), ("denominator", fmt(self.n, 0)),
             ("scale", f"{self.scale:g}"), ("method", _METHOD_TEXT.get(self.method, self.method))],
        )


@dataclass(frozen=True)
class DifferenceResult(ResultMixin):
    """A difference (first minus second) of two proportions or rates, with its interval.

    ``estimate`` = ``estimate_1 - estimate_2`` in the published unit (percentage points for shares
    in percent); ``n`` the two denominators together; ``p_value`` NaN (the interval is the
    inference: a difference is significant at ``alpha`` when it excludes 0, see :attr:`significant`).
    """

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    estimate_1: float
    estimate_2: float
    n_1: float
    n_2: float
    scale: float
    alpha: float
    kind: str
    method: str
    p_value: float = float("nan")
    notes: tuple[str, ...] = ()

    @property
    def ci(self) -> tuple[float, float]:
        return (self.ci_low, self.ci_high)

    @property
    def n(self) -> float:
        return self.n_1 + self.n_2

    @property
    def significant(self) -> bool:
        """True if the interval excludes zero."""
        return bool(self.ci_low > 0 or self.ci_high < 0)

    def summary(self) -> str:
        level = f"{100 * (1 - self.alpha):g}%"
        return summary_block(
            f"Difference of two {self.kind}s with {level} interval",
            [("first", fmt(self.estimate_1)), ("second", fmt(self.estimate_2)),
             ("difference", fmt(self.estimate)), ("std. error", fmt(self.se)),
             (f"{level} interval", f"[{fmt(self.ci_low)}, {fmt(self.ci_high)}]"),
             ("method", _METHOD_TEXT.get(self.method, self.method))],
        )


# --------------------------------------------------------------------------- array level

def _check_counts(x: np.ndarray, name: str) -> None:
    ok = np.isnan(x) | (x >= 0)
    if not ok.all():
        raise InputError(f"{name} must not be negative", column=name, expected="a count >= 0",
                         found=float(x[~ok][0]))


def proportion_ci(successes, trials, method: str = "wilson", alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised interval for proportions ``successes / trials`` (shares, not percent).

    Rows with a missing count give NaN limits. Raises :class:`InputError` for negative counts,
    ``successes > trials`` or ``trials == 0``.
    """
    check_choice("method", method, PROPORTION_METHODS)
    alpha = check_alpha(alpha)
    x = as_float_array(successes, "numerator")
    n = as_float_array(trials, "denominator")
    x, n = np.broadcast_arrays(x, n)
    _check_counts(x, "numerator")
    _check_counts(n, "denominator")
    if (n == 0).any():
        raise InputError("a proportion needs a denominator > 0", column="denominator",
                         expected="denominator > 0", found=0.0)
    both = np.isfinite(x) & np.isfinite(n)
    if (x[both] > n[both] + 1e-9).any():
        bad = np.where(both & (x > n))[0][0]
        raise InputError("numerator exceeds denominator", row=int(bad), column="numerator",
                         expected="numerator <= denominator", found=float(x[bad]))
    lo = np.full(x.shape, np.nan)
    hi = np.full(x.shape, np.nan)
    if both.any():
        low, high = proportion_confint(x[both], n[both], alpha=alpha, method=PROPORTION_METHODS[method])
        lo[both] = np.clip(low, 0.0, 1.0)
        hi[both] = np.clip(high, 0.0, 1.0)
        if method == "jeffreys":  # Brown, Cai & DasGupta (2001): the limit at 0 or n events is 0 or 1
            lo[both & (x == 0)] = 0.0
            hi[both & (x == n)] = 1.0
    return lo, hi


def wilson_interval(successes, trials, alpha: float = 0.05):
    """The Wilson (1927) score interval, the one the whole workbench uses for a share.

    The survey (participants), process (Index für Inklusion) and qualitative (prevalence) modules
    call this function; it is :func:`proportion_ci` with ``method="wilson"`` except that a group
    with no trials gives NaN limits instead of an error (a share of nobody is undefined, not 0).

    Parameters
    ----------
    successes, trials : float or array-like
        Counts (broadcast against each other); ``0 <= successes <= trials``.
    alpha : float
        Significance level, checked by :func:`evaluation.results.check_alpha`.

    Returns
    -------
    tuple
        ``(low, high)`` as shares (not percent): floats for scalar input, arrays otherwise.

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference.
    *JASA* 22, 209-212. Brown, Cai & DasGupta (2001), *Statistical Science* 16, 101-133.

    Examples
    --------
    >>> [round(x, 4) for x in wilson_interval(2, 3)]
    [0.2077, 0.9385]
    >>> wilson_interval(0, 0)
    (nan, nan)
    """
    scalar = np.ndim(successes) == 0 and np.ndim(trials) == 0
    x = as_float_array(successes, "numerator")
    n = as_float_array(trials, "denominator")
    x, n = np.broadcast_arrays(np.atleast_1d(x), np.atleast_1d(n))
    n = np.where(n == 0, np.nan, n)
    lo, hi = proportion_ci(x, n, method="wilson", alpha=alpha)
    if scalar:
        return float(lo[0]), float(hi[0])
    return lo, hi


def poisson_ci(count, exposure=1.0, method: str = "exact", alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised interval for a Poisson rate ``count / exposure`` (per person, not per 1,000).

    ``exposure`` is the population at risk (or 1 for a plain count). The exact interval is
    ``[chi2(alpha/2; 2c)/2, chi2(1-alpha/2; 2c+2)/2] / exposure`` (Garwood 1936).
    """
    check_choice("method", method, POISSON_METHODS)
    alpha = check_alpha(alpha)
    c = as_float_array(count, "numerator")
    e = as_float_array(exposure, "denominator")
    c, e = np.broadcast_arrays(c, e)
    _check_counts(c, "numerator")
    if (e[np.isfinite(e)] <= 0).any():
        raise InputError("a rate needs a population (denominator) > 0", column="denominator",
                         expected="denominator > 0", found=float(e[np.isfinite(e) & (e <= 0)][0]))
    both = np.isfinite(c) & np.isfinite(e)
    lo = np.full(c.shape, np.nan)
    hi = np.full(c.shape, np.nan)
    if both.any():
        low, high = confint_poisson(c[both], e[both], method=POISSON_METHODS[method], alpha=alpha)
        lo[both] = np.maximum(np.asarray(low, dtype=float), 0.0)
        hi[both] = np.asarray(high, dtype=float)
    return lo, hi


# --------------------------------------------------------------------------- scalar API

def proportion_interval(successes: float, trials: float, method: str = "wilson", alpha: float = 0.05,
                        scale: float = 100.0) -> IntervalResult:
    """A proportion ``successes / trials × scale`` with its interval (default Wilson, in percent).

    >>> proportion_interval(0, 12).ci_high > 0   # an interval even for zero events
    True
    """
    lo, hi = proportion_ci([successes], [trials], method=method, alpha=alpha)
    p = float(successes) / float(trials)
    se = np.sqrt(p * (1 - p) / float(trials))
    return IntervalResult(p * scale, se * scale, float(lo[0]) * scale, float(hi[0]) * scale,
                          float(successes), float(trials), float(scale), alpha, "proportion", method)


def poisson_interval(count: float, exposure: float = 1.0, method: str = "exact", alpha: float = 0.05,
                     scale: float = 1000.0) -> IntervalResult:
    """A rate ``count / exposure × scale`` (default per 1,000) with its exact Poisson interval.

    For a plain count pass ``exposure=1, scale=1``.

    >>> r = poisson_interval(7, 2300)
    >>> round(r.estimate, 3), round(r.ci_low, 3), round(r.ci_high, 3)
    (3.043, 1.224, 6.271)
    """
    lo, hi = poisson_ci([count], [exposure], method=method, alpha=alpha)
    rate = float(count) / float(exposure)
    se = np.sqrt(float(count)) / float(exposure)
    kind = "count" if exposure == 1 and scale == 1 else "rate"
    return IntervalResult(rate * scale, se * scale, float(lo[0]) * scale, float(hi[0]) * scale,
                          float(count), float(exposure), float(scale), alpha, kind, method)


def proportion_difference(x1: float, n1: float, x2: float, n2: float, method: str = "newcombe",
                          alpha: float = 0.05, scale: float = 100.0) -> DifferenceResult:
    """Difference ``x1/n1 - x2/n2`` (× scale, default percentage points) with its interval.

    Newcombe (1998), example (a): 56/70 vs 48/80 gives 0.2000 with 95% interval 0.0524 to 0.3339.

    >>> d = proportion_difference(56, 70, 48, 80, scale=1)
    >>> round(d.ci_low, 4), round(d.ci_high, 4)
    (0.0524, 0.3339)
    """
    out = _prop_diff_arrays(np.array([x1], float), np.array([n1], float), np.array([x2], float),
                            np.array([n2], float), method, alpha)
    est, se, lo, hi, p1, p2 = (float(a[0]) for a in out)
    return DifferenceResult(est * scale, se * scale, lo * scale, hi * scale, p1 * scale, p2 * scale,
                            float(n1), float(n2), float(scale), alpha, "proportion", method)


def rate_difference(c1: float, e1: float, c2: float, e2: float, method: str = "mover", alpha: float = 0.05,
                    scale: float = 1000.0) -> DifferenceResult:
    """Difference of two Poisson rates ``c1/e1 - c2/e2`` (× scale, default per 1,000) with its interval.

    ``method="mover"`` combines the exact Poisson limits of both rates (Li, Tang & Wong 2014).
    """
    out = _rate_diff_arrays(np.array([c1], float), np.array([e1], float), np.array([c2], float),
                            np.array([e2], float), method, alpha)
    est, se, lo, hi, r1, r2 = (float(a[0]) for a in out)
    return DifferenceResult(est * scale, se * scale, lo * scale, hi * scale, r1 * scale, r2 * scale,
                            float(e1), float(e2), float(scale), alpha, "rate", method)


def _prop_diff_arrays(x1, n1, x2, n2, method, alpha):
    check_choice("method", method, PROPORTION_DIFF_METHODS)
    alpha = check_alpha(alpha)
    for x, n in ((x1, n1), (x2, n2)):
        proportion_ci(x, n, method="wilson", alpha=alpha)  # input checks
    ok = np.isfinite(x1) & np.isfinite(n1) & np.isfinite(x2) & np.isfinite(n2)
    p1, p2 = x1 / n1, x2 / n2
    se = np.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    lo = np.full(x1.shape, np.nan)
    hi = np.full(x1.shape, np.nan)
    if ok.any():
        low, high = confint_proportions_2indep(x1[ok], n1[ok], x2[ok], n2[ok], method=PROPORTION_DIFF_METHODS[method],
                                               compare="diff", alpha=alpha)
        lo[ok], hi[ok] = low, high
    return p1 - p2, se, lo, hi, p1, p2


def _rate_diff_arrays(c1, e1, c2, e2, method, alpha):
    check_choice("method", method, RATE_DIFF_METHODS)
    alpha = check_alpha(alpha)
    for c, e in ((c1, e1), (c2, e2)):
        poisson_ci(c, e, method="exact" if method == "mover" else "jeffreys", alpha=alpha)  # input checks
    ok = np.isfinite(c1) & np.isfinite(e1) & np.isfinite(c2) & np.isfinite(e2)
    r1, r2 = c1 / e1, c2 / e2
    se = np.sqrt(c1 / e1**2 + c2 / e2**2)
    lo = np.full(c1.shape, np.nan)
    hi = np.full(c1.shape, np.nan)
    if ok.any():
        if method == "wald":
            low, high = confint_poisson_2indep(c1[ok], e1[ok], c2[ok], e2[ok], method="wald", compare="diff", alpha=alpha)
        else:
            low, high = confint_poisson_2indep(c1[ok], e1[ok], c2[ok], e2[ok], method="mover", compare="diff",
                                               alpha=alpha, method_mover=RATE_DIFF_METHODS[method])
        lo[ok], hi[ok] = low, high
    return r1 - r2, se, lo, hi, r1, r2


# --------------------------------------------------------------------------- table level

INTERVAL_COLUMNS = ["estimate", "se", "ci_low", "ci_high", "ci_method", "interval_note"]


def _check_kind(kind: str) -> str:
    return check_choice("kind", kind, KINDS)


def add_intervals(values: pd.DataFrame, kind: str, method: str | None = None, scale: float | None = None,
                  alpha: float = 0.05) -> pd.DataFrame:
    """Add ``estimate, se, ci_low, ci_high, ci_method, interval_note`` to an ``indicator_values`` table.

    ``kind``:

    * ``"proportion"``: estimate = numerator / denominator × scale (default 100, percent);
      methods ``wilson`` (default), ``clopper-pearson``, ``jeffreys``, ``wald``.
    * ``"rate"``: events per population × scale (default 1,000); methods ``exact`` (default),
      ``jeffreys``, ``wald``.
    * ``"count"``: the numerator (or, where it is missing, ``value``) as a Poisson count; exact interval.
    * ``"mean"``: ``value`` with a normal interval from a column ``se`` (its standard error in the
      published unit), which the table must then carry.

    Rows that lack the counts the method needs (e.g. suppressed cells) keep the ``value`` as
    ``estimate`` where one is published and get NaN limits *with* a reason in ``interval_note``;
    nothing else is NaN. The input is not modified.

    >>> df = pd.DataFrame({"municipality_id": ["m"], "area_id": ["m"], "year": [2020],
    ...     "indicator_id": ["quote"], "numerator": [3.0], "denominator": [41.0], "value": [7.3]})
    >>> add_intervals(df, "proportion")[["estimate", "ci_low", "ci_high"]].round(2).values.tolist()
    [[7.32, 2.52, 19.43]]
    """
    _check_kind(kind)
    alpha = check_alpha(alpha)
    method = method or DEFAULT_METHOD[kind]
    scale = float(DEFAULT_SCALE[kind] if scale is None else scale)
    if not np.isfinite(scale) or scale <= 0:
        raise InputError("scale must be a positive number", column="scale", expected="e.g. 100 or 1000", found=scale)
    out = values.copy()
    n_rows = len(out)
    note = np.full(n_rows, "", dtype=object)
    if kind == "mean":
        require_columns(out, ["value", "se"], "a table of means (kind='mean')")
        check_choice("method", method, ("normal",))
        from scipy.stats import norm

        est = as_float_array(out["value"], "value")
        se = as_float_array(out["se"], "se")
        if (se[np.isfinite(se)] < 0).any():
            raise InputError("standard errors must not be negative", column="se", expected="se >= 0")
        z = norm.ppf(1 - alpha / 2)
        lo, hi = est - z * se, est + z * se
        note[np.isnan(se) & np.isfinite(est)] = "no standard error"
        note[np.isnan(est)] = "no value"
    elif kind == "proportion":
        require_columns(out, ["numerator", "denominator"], "indicator_values")
        x = as_float_array(out["numerator"], "numerator")
        n = as_float_array(out["denominator"], "denominator")
        lo, hi = proportion_ci(x, n, method=method, alpha=alpha)
        p = x / n
        est, se = p * scale, np.sqrt(p * (1 - p) / n) * scale
        lo, hi = lo * scale, hi * scale
        note[~(np.isfinite(x) & np.isfinite(n))] = "numerator or denominator missing"
    else:
        require_columns(out, ["numerator"] + (["denominator"] if kind == "rate" else []), "indicator_values")
        c = as_float_array(out["numerator"], "numerator")
        if kind == "rate":
            e = as_float_array(out["denominator"], "denominator")
        else:
            if "value" in out.columns:
                c = np.where(np.isnan(c), as_float_array(out["value"], "value"), c)
            e = np.ones(n_rows)
            scale = float(1.0 if scale is None else scale)
        lo, hi = poisson_ci(c, e, method=method, alpha=alpha)
        est, se = c / e * scale, np.sqrt(c) / e * scale
        lo, hi = lo * scale, hi * scale
        note[~(np.isfinite(c) & np.isfinite(e))] = "numerator or denominator missing"
    if "value" in out.columns and kind != "mean":
        published = as_float_array(out["value"], "value")
        est = np.where(np.isnan(est), published, est)
    out["estimate"] = est
    out["se"] = se
    out["ci_low"] = lo
    out["ci_high"] = hi
    out["ci_method"] = method
    out["interval_note"] = note
    return out


def _key_cols(values: pd.DataFrame, drop: str) -> list[str]:
    return [c for c in ("municipality_id", "area_id", "indicator_id", "year") if c in values.columns and c != drop]


def _difference_table(a: pd.DataFrame, b: pd.DataFrame, kind: str, method: str | None, scale: float | None,
                      alpha: float) -> pd.DataFrame:
    _check_kind(kind)
    if kind == "mean":
        from scipy.stats import norm

        require_columns(a, ["value", "se"], "a table of means (kind='mean')")
        d = a["value"].to_numpy(float) - b["value"].to_numpy(float)
        se = np.sqrt(a["se"].to_numpy(float) ** 2 + b["se"].to_numpy(float) ** 2)
        z = norm.ppf(1 - alpha / 2)
        return pd.DataFrame({"estimate_1": a["value"].to_numpy(float), "estimate_2": b["value"].to_numpy(float),
                             "difference": d, "se": se, "ci_low": d - z * se, "ci_high": d + z * se,
                             "method": "normal"})
    scale = float(DEFAULT_SCALE[kind] if scale is None else scale)
    x1, x2 = a["numerator"].to_numpy(float), b["numerator"].to_numpy(float)
    if kind == "proportion":
        method = method or "newcombe"
        d, se, lo, hi, e1, e2 = _prop_diff_arrays(x1, a["denominator"].to_numpy(float), x2,
                                                  b["denominator"].to_numpy(float), method, alpha)
    else:
        method = method or "mover"
        if kind == "rate":
            n1, n2 = a["denominator"].to_numpy(float), b["denominator"].to_numpy(float)
        else:
            n1, n2 = np.ones(len(x1)), np.ones(len(x2))
            scale = 1.0
        d, se, lo, hi, e1, e2 = _rate_diff_arrays(x1, n1, x2, n2, method, alpha)
    return pd.DataFrame({"estimate_1": e1 * scale, "estimate_2": e2 * scale, "difference": d * scale,
                         "se": se * scale, "ci_low": lo * scale, "ci_high": hi * scale, "method": method})


def compare_years(values: pd.DataFrame, kind: str, year_from: int, year_to: int, method: str | None = None,
                  scale: float | None = None, alpha: float = 0.05) -> pd.DataFrame:
    """Change from ``year_from`` to ``year_to`` for every municipality, area and indicator.

    Returns one row per (municipality_id, area_id, indicator_id) present in both years with
    ``estimate_1`` (year_to), ``estimate_2`` (year_from), ``difference`` = later minus earlier, its
    ``se`` and interval and ``significant`` (interval excludes 0). The two years are treated as
    independent samples (right for register counts of different people; conservative for a panel).
    """
    require_columns(values, ["municipality_id", "area_id", "indicator_id", "year"], "indicator_values")
    keys = ["municipality_id", "area_id", "indicator_id"]
    later = values[values["year"] == year_to]
    earlier = values[values["year"] == year_from]
    if later.empty or earlier.empty:
        raise InputError("no values for one of the years compared", column="year",
                         expected=f"rows for {year_from} and {year_to}",
                         found=sorted(pd.unique(values["year"]).tolist()))
    merged = later.merge(earlier, on=keys, suffixes=("", "_b"))
    a = merged[[c for c in merged.columns if not c.endswith("_b")]]
    b = merged[[c for c in merged.columns if c.endswith("_b")]].rename(columns=lambda c: c[:-2])
    diff = _difference_table(a.reset_index(drop=True), b.reset_index(drop=True), kind, method, scale, alpha)
    out = pd.concat([merged[keys].reset_index(drop=True), diff], axis=1)
    out.insert(3, "year_from", int(year_from))
    out.insert(4, "year_to", int(year_to))
    out["significant"] = (out["ci_low"] > 0) | (out["ci_high"] < 0)
    return out


def compare_areas(values: pd.DataFrame, kind: str, year: int, reference: str = "rest", method: str | None = None,
                  scale: float | None = None, alpha: float = 0.05) -> pd.DataFrame:
    """Each Sozialraum against a reference, per municipality and indicator, in ``year``.

    ``reference="rest"`` compares an area with the rest of its municipality (the municipality's
    whole-town row, ``area_id == municipality_id``, minus the area), so that the two groups are
    disjoint, as the interval methods assume; any other string names the reference area.
    ``difference`` = area minus reference.
    """
    require_columns(values, ["municipality_id", "area_id", "indicator_id", "year", "numerator"], "indicator_values")
    cur = values[values["year"] == year]
    if cur.empty:
        raise InputError("no values for the year compared", column="year", expected=f"rows for {year}")
    areas = cur[cur["area_id"] != cur["municipality_id"]]
    if reference == "rest":
        total = cur[cur["area_id"] == cur["municipality_id"]]
        if total.empty:
            raise InputError("reference='rest' needs whole-town rows (area_id == municipality_id)", column="area_id")
        merged = areas.merge(total, on=["municipality_id", "indicator_id"], suffixes=("", "_b"))
        merged["numerator_b"] = merged["numerator_b"] - merged["numerator"]
        if "denominator" in merged.columns:
            merged["denominator_b"] = merged["denominator_b"] - merged["denominator"]
            if (merged["denominator_b"] <= 0).any():
                raise InputError("an area's denominator is not smaller than its municipality's", column="denominator",
                                 expected="area denominators that add up to at most the whole-town denominator")
        if (merged["numerator_b"] < 0).any():
            raise InputError("an area's numerator exceeds its municipality's", column="numerator",
                             expected="area numerators that add up to at most the whole-town numerator")
    else:
        ref = cur[cur["area_id"] == reference]
        if ref.empty:
            raise InputError(f"reference area '{reference}' not found in {year}", column="area_id")
        areas = areas[areas["area_id"] != reference]
        merged = areas.merge(ref, on=["municipality_id", "indicator_id"], suffixes=("", "_b"))
    a = merged[[c for c in merged.columns if not c.endswith("_b")]].reset_index(drop=True)
    b = merged[[c for c in merged.columns if c.endswith("_b")]].rename(columns=lambda c: c[:-2]).reset_index(drop=True)
    diff = _difference_table(a, b, kind, method, scale, alpha)
    out = pd.concat([merged[["municipality_id", "area_id", "indicator_id"]].reset_index(drop=True), diff], axis=1)
    out.insert(3, "year", int(year))
    out.insert(4, "reference", reference)
    out["significant"] = (out["ci_low"] > 0) | (out["ci_high"] < 0)
    return out


def add_intervals_by_register(values: pd.DataFrame, register_table: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """:func:`add_intervals` for a table that mixes indicators, each with its register ``kind`` and ``unit``.

    ``register_table`` needs ``indicator_id``, ``kind`` and ``unit``; the scale follows the unit
    (percent 100, per_1000 1,000, count and score 1). Means (kind "mean") get a normal interval
    where the table has a column ``se``; otherwise their ``estimate`` is the value, the limits are
    NaN and ``interval_note`` says "no standard error". Row order is kept.

    >>> reg = pd.DataFrame({"indicator_id": ["q", "r"], "kind": ["proportion", "rate"],
    ...                     "unit": ["percent", "per_1000"]})
    >>> v = pd.DataFrame({"municipality_id": "m", "area_id": "m", "year": 2020, "indicator_id": ["q", "r"],
    ...                   "numerator": [3.0, 7.0], "denominator": [41.0, 2300.0], "value": [7.3, 3.0]})
    >>> add_intervals_by_register(v, reg)["ci_method"].tolist()
    ['wilson', 'exact']
    """
    from ._common import UNIT_SCALE

    require_columns(values, ["indicator_id"], "indicator_values")
    require_columns(register_table, ["indicator_id", "kind", "unit"], "the register table")
    reg = register_table.assign(indicator_id=register_table["indicator_id"].astype(str))
    reg = reg.drop_duplicates("indicator_id").set_index("indicator_id")
    original_index = values.index
    values = values.reset_index(drop=True)
    ids = values["indicator_id"].astype(str)
    unknown = sorted(set(ids) - set(reg.index))
    if unknown:
        raise InputError("indicators missing from the register table", column="indicator_id",
                         expected="every indicator of the values in the register", found=unknown[:5])
    kinds = ids.map(reg["kind"])
    units = ids.map(reg["unit"])
    pieces = []
    for (kind, unit), idx in values.groupby([kinds.to_numpy(), units.to_numpy()], sort=False).groups.items():
        part = values.loc[idx]
        _check_kind(kind)
        if unit not in UNIT_SCALE:
            raise InputError("unknown unit in the register table", column="unit",
                             expected=f"one of {list(UNIT_SCALE)}", found=unit)
        if kind == "mean" and "se" not in part.columns:
            part = part.copy()
            part["estimate"] = as_float_array(part["value"], "value")
            part["se"] = np.nan
            part["ci_low"] = part["ci_high"] = np.nan
            part["ci_method"] = "none"
            part["interval_note"] = "no standard error"
            pieces.append(part)
            continue
        scale = 1.0 if kind in ("count", "mean") else UNIT_SCALE[unit]
        pieces.append(add_intervals(part, kind, scale=scale, alpha=alpha))
    out = pd.concat(pieces).sort_index()
    out.index = original_index
    return out
