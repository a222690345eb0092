"""Intercoder agreement: percent agreement, Cohen's, Fleiss' and Brennan–Prediger kappa,
Krippendorff's alpha, and segment-based agreement as QDA tools compute it.

Data layout: as in Krippendorff's reliability data matrix, ``data`` is **coders x units**
(a 2-D array or a DataFrame with one row per coder, one column per unit); missing values
(NaN / None) are allowed wherever the method allows them. Categories may be numbers or strings.

Methods and references
----------------------
- :func:`percent_agreement`: mean over units of the share of agreeing coder pairs (Fleiss' P-bar,
  with missing values: pairs among the coders that coded the unit). Standard error: the
  standard deviation of the per-unit agreement over sqrt(n units).
- :func:`cohens_kappa`: Cohen (1960), optional linear/quadratic weights (Cohen 1968); standard error
  and interval from statsmodels (Fleiss, Cohen & Everitt 1969 large-sample variance).
- :func:`fleiss_kappa`: Fleiss (1971) for a fixed number of coders per unit; standard error under
  the null hypothesis of Fleiss, Nee & Landis (1979); interval from a unit bootstrap.
- :func:`brennan_prediger`: Brennan & Prediger (1981) free-marginal kappa (Randolph 2005 for several
  coders): chance agreement 1/q for q categories; standard error as in Gwet (2014, ch. 5), the
  standard deviation of the per-unit kappa over sqrt(n).
- :func:`krippendorff_alpha`: Krippendorff (2011, "Computing Krippendorff's alpha-reliability")
  for nominal, ordinal, interval and ratio data with missing values, computed from the coincidence
  matrix with sparse matrix products (written by hand, vectorised, so that 100,000 units x 5
  coders take well under a second; the ``krippendorff`` package serves as the reference in the
  tests). Interval: percentile bootstrap over units (not Hayes & Krippendorff's 2007 algorithm,
  which resamples pairable values).
- :func:`segment_agreement`: the segment comparison of MAXQDA (Rädiker & Kuckartz 2019, ch. 6): a
  coder's segment counts as agreed when the other coder set the same code on a segment in the same
  document that overlaps it by at least ``min_overlap`` (default 90 %) of the two segments' joint
  extent; per code and overall, with percent agreement and Brennan–Prediger kappa with chance
  agreement 1/(number of codes).

>>> import numpy as np
>>> data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, np.nan, np.nan, np.nan],
...         [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, np.nan, 3],
...         [np.nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, np.nan],
...         [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, np.nan]]
>>> round(krippendorff_alpha(data, level="nominal", n_boot=0).estimate, 3)
0.743
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import sparse, stats

from ..errors import EstimationError, InputError
from ..results import ResultMixin, check_alpha, result_frame

Level = Literal["nominal", "ordinal", "interval", "ratio"]


@dataclass(frozen=True)
class AgreementResult(ResultMixin):
    """An agreement coefficient with its uncertainty (the result interface of :mod:`evaluation.results`).

    ``estimate`` is the coefficient; ``se`` its standard error (NaN where none is defined);
    ``ci`` the (lower, upper) interval at ``1 - alpha`` (``ci_low``, ``ci_high``); ``p_value`` is
    NaN (agreement is estimated, not tested against chance); ``n`` = ``n_units`` the units that
    entered, ``n_coders`` the coders, ``n_values`` the pairable values; ``observed`` and
    ``expected`` the observed and chance agreement (for Krippendorff's alpha: observed and expected
    *disagreement*); ``level`` the level of measurement (not a confidence level).
    """

    estimate: float
    se: float
    ci: tuple[float, float]
    n_units: int
    n_coders: int
    n_values: int
    method: str
    level: str = "nominal"
    observed: float = float("nan")
    expected: float = float("nan")
    alpha: float = 0.05
    details: dict[str, Any] = field(default_factory=dict, compare=False)
    p_value: float = float("nan")
    notes: tuple[str, ...] = ()

    @property
    def ci_low(self) -> float:
        return float(self.ci[0])

    @property
    def ci_high(self) -> float:
        return float(self.ci[1])

    @property
    def n(self) -> int:
        return int(self.n_units)

    def summary(self) -> str:
        lo, hi = self.ci
        text = (f"{self.method} ({self.level}): {self.estimate:.3f}, SE {self.se:.3f}, "
                f"{1 - self.alpha:.0%} interval [{lo:.3f}, {hi:.3f}]; {self.n_units} units, "
                f"{self.n_coders} coders, {self.n_values} pairable values")
        return "\n".join([text, *(f"  note: {n}" for n in self.notes)])


# ----------------------------------------------------------------------------------------------
# input handling
# ----------------------------------------------------------------------------------------------

def _matrix(data, what: str = "data") -> np.ndarray:
    if isinstance(data, pd.DataFrame):
        numeric = all(pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t) for t in data.dtypes)
        arr = data.to_numpy(dtype=float, na_value=np.nan) if numeric else data.to_numpy(dtype=object)
    else:
        arr = np.asarray(data)
        if arr.dtype.kind in "iuf":
            arr = arr.astype(float)
        else:
            arr = np.asarray(data, dtype=object)
            try:  # lists of numbers with None / NaN
                arr = arr.astype(float)
            except (TypeError, ValueError):
                pass
    if arr.ndim != 2:
        raise InputError(f"{what} must be a 2-D table of coders x units", column=what,
                         expected="rows = coders, columns = units", found=f"{arr.ndim}-D")
    return arr


def _missing(arr: np.ndarray) -> np.ndarray:
    if arr.dtype.kind == "f":
        return np.isnan(arr)
    return np.asarray(pd.isna(pd.DataFrame(arr)).to_numpy(), dtype=bool)


def _codes(arr: np.ndarray, value_domain: Sequence | None, numeric: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Integer category codes (-1 = missing) and the sorted value domain."""
    miss = _missing(arr)
    flat = arr[~miss]
    if value_domain is not None:
        domain = np.asarray(list(value_domain), dtype=object)
        lookup = {v: i for i, v in enumerate(domain.tolist())}
        try:
            idx = np.fromiter((lookup[v] for v in flat.tolist()), dtype=np.int64, count=flat.size)
        except KeyError as exc:
            raise InputError("value not in value_domain", column="data", expected=f"one of {list(domain)[:10]}",
                             found=exc.args[0]) from None
    else:
        if numeric and flat.dtype.kind != "f":
            try:
                flat = flat.astype(float)
            except (TypeError, ValueError):
                raise InputError("this level needs numbers", column="data",
                                 expected="numeric values (or value_domain for ordered categories)",
                                 found=next((v for v in flat.tolist() if not isinstance(v, (int, float))), None)) from None
        try:
            domain, idx = np.unique(flat, return_inverse=True)
        except TypeError:  # mixed types: order by text
            domain, idx = np.unique(flat.astype(str), return_inverse=True)
    codes = np.full(arr.shape, -1, dtype=np.int64)
    codes[~miss] = idx
    return codes, domain, miss


def _units_counts(codes: np.ndarray, k: int) -> sparse.csr_matrix:
    """Sparse units x categories matrix of how many coders chose each value in each unit."""
    coder, unit = np.nonzero(codes >= 0)
    vals = codes[coder, unit]
    n_units = codes.shape[1]
    return sparse.csr_matrix((np.ones(len(vals)), (unit, vals)), shape=(n_units, k))


def _boot_weights(rng: np.random.Generator, n_units: int, n_rep: int) -> np.ndarray:
    """Nonparametric bootstrap over units as weights: how often each unit is drawn (n_rep x n_units)."""
    draws = rng.integers(0, n_units, size=(n_rep, n_units))
    offsets = (np.arange(n_rep) * n_units)[:, None]
    return np.bincount((draws + offsets).ravel(), minlength=n_rep * n_units).reshape(n_rep, n_units).astype(float)


def _interval(boot: np.ndarray, alpha: float) -> tuple[float, float]:
    """Percentile bootstrap interval at level ``1 - alpha``."""
    boot = boot[np.isfinite(boot)]
    if boot.size == 0:
        return (float("nan"), float("nan"))
    return (float(np.quantile(boot, alpha / 2)), float(np.quantile(boot, 1 - alpha / 2)))


def _normal_ci(est: float, se: float, alpha: float) -> tuple[float, float]:
    z = stats.norm.ppf(1 - alpha / 2)
    return (est - z * se, est + z * se)


# ----------------------------------------------------------------------------------------------
# Krippendorff's alpha
# ----------------------------------------------------------------------------------------------

def _delta(level: str, domain: np.ndarray, marginals: np.ndarray) -> np.ndarray:
    k = len(domain)
    if level == "nominal":
        return 1.0 - np.eye(k)
    if level == "ordinal":
        cum = np.concatenate([[0.0], np.cumsum(marginals)])
        i, j = np.meshgrid(np.arange(k), np.arange(k), indexing="ij")
        lo, hi = np.minimum(i, j), np.maximum(i, j)
        between = cum[hi + 1] - cum[lo]
        return (between - (marginals[i] + marginals[j]) / 2.0) ** 2
    v = domain.astype(float)
    diff = v[:, None] - v[None, :]
    if level == "interval":
        return diff ** 2
    if level == "ratio":
        total = v[:, None] + v[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(total == 0, 0.0, (diff / total) ** 2)
        return out
    raise InputError("unknown level of measurement", column="level",
                     expected="'nominal', 'ordinal', 'interval' or 'ratio'", found=level)


def krippendorff_alpha(
    data,
    level: Level = "nominal",
    *,
    value_domain: Sequence | None = None,
    n_boot: int = 1000,
    alpha: float = 0.05,
    seed: int | None = 0,
) -> AgreementResult:
    """Krippendorff's alpha for ``data`` (coders x units, NaN = missing).

    alpha = 1 - D_o / D_e: 1 is perfect agreement, 0 agreement at chance level. Units with fewer
    than two values are not pairable and drop out. ``value_domain`` orders categories for ordinal
    data given as text. ``n_boot`` bootstrap replications over units give ``se`` and ``ci``
    (0 for none).

    Parameters
    ----------
    data : array-like or pandas.DataFrame
        Coders in rows, units in columns; NaN (or None) where a coder did not code a unit.
    level : {"nominal", "ordinal", "interval", "ratio"}
        The level of measurement, which sets the difference function.
    value_domain : sequence, optional
        The categories in order (ordinal data given as text).
    n_boot : int
        Bootstrap replications over units for ``se`` and the percentile interval (0: none).
    alpha : float
        Significance level of the interval (``0.05``: 95 %), checked by
        :func:`evaluation.results.check_alpha`. Not the coefficient, which is ``estimate``.
    seed : int, optional
        Seed of the bootstrap.

    Returns
    -------
    AgreementResult
        ``estimate`` the coefficient (1 perfect, 0 chance), ``se``, ``ci_low``/``ci_high``,
        ``n`` pairable units, ``observed``/``expected`` disagreement.

    References
    ----------
    Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability. Annenberg School for
    Communication, University of Pennsylvania. Its worked example gives 0.743 (nominal),
    0.815 (ordinal), 0.849 (interval), 0.797 (ratio).

    Examples
    --------
    >>> data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, np.nan, np.nan, np.nan],
    ...         [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, np.nan, 3],
    ...         [np.nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, np.nan],
    ...         [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, np.nan]]
    >>> round(krippendorff_alpha(data, level="ordinal", n_boot=0).estimate, 3)
    0.815
    """
    alpha = check_alpha(alpha)
    if level not in ("nominal", "ordinal", "interval", "ratio"):
        _delta(level, np.zeros(0), np.zeros(0))  # raises the InputError
    arr = _matrix(data)
    codes, domain, _ = _codes(arr, value_domain, numeric=level in ("interval", "ratio"))
    m = (codes >= 0).sum(axis=0)
    pairable = m >= 2
    codes = codes[:, pairable]
    m = m[pairable].astype(float)
    k = len(domain)
    if codes.shape[1] == 0:
        raise EstimationError("no pairable units: every unit has fewer than two values")
    counts = _units_counts(codes, k)                                   # units x k
    inv = sparse.diags(1.0 / (m - 1.0))
    o = (counts.T @ inv @ counts).toarray()                            # coincidences incl. self pairs
    o -= np.diag(np.asarray((inv @ counts).sum(axis=0)).ravel())       # remove self pairs
    n_c = o.sum(axis=1)
    n = n_c.sum()
    delta = _delta(level, domain, n_c)
    d_o = float((o * delta).sum()) / n
    d_e = float(n_c @ delta @ n_c) / (n * (n - 1.0))
    if d_e == 0:
        raise EstimationError("alpha is undefined: all pairable values are the same (no expected disagreement)")
    coef = 1.0 - d_o / d_e
    se, ci = float("nan"), (float("nan"), float("nan"))
    if n_boot and n_boot > 0:
        # per-unit observed disagreement (n_u' delta n_u)/(m_u - 1), then reweight units
        nd = counts @ delta
        d_u = np.asarray(counts.multiply(nd).sum(axis=1)).ravel() / (m - 1.0)
        rng = np.random.default_rng(seed)
        n_units = len(m)
        boot = np.empty(n_boot)
        chunk = max(1, min(n_boot, int(4e6 // max(n_units, 1))))
        dense_counts = counts if k > 64 else counts.toarray()
        for b0 in range(0, n_boot, chunk):
            b1 = min(n_boot, b0 + chunk)
            w = _boot_weights(rng, n_units, b1 - b0)
            nb = w @ m
            marg = np.asarray(w @ dense_counts if k <= 64 else (sparse.csr_matrix(w) @ counts).toarray())
            do_b = (w @ d_u) / nb
            de_b = np.einsum("bi,ij,bj->b", marg, delta, marg) / (nb * (nb - 1.0))
            with np.errstate(divide="ignore", invalid="ignore"):
                boot[b0:b1] = 1.0 - do_b / de_b
        se = float(np.nanstd(boot, ddof=1))
        ci = _interval(boot, alpha)
    return AgreementResult(estimate=float(coef), se=se, ci=ci, n_units=int(pairable.sum()),
                           n_coders=int(arr.shape[0]), n_values=int(n), method="Krippendorff's alpha",
                           level=level, observed=d_o, expected=d_e, alpha=alpha,
                           details={"coincidences": pd.DataFrame(o, index=domain, columns=domain),
                                    "n_boot": n_boot})


# ----------------------------------------------------------------------------------------------
# pairwise agreement, Fleiss, Brennan–Prediger
# ----------------------------------------------------------------------------------------------

def _unit_agreement(data) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Per pairable unit: share of agreeing coder pairs; plus counts, m and domain."""
    arr = _matrix(data)
    codes, domain, _ = _codes(arr, None, numeric=False)
    m = (codes >= 0).sum(axis=0)
    keep = m >= 2
    counts = _units_counts(codes[:, keep], len(domain)).toarray()
    m = m[keep].astype(float)
    p_i = ((counts * (counts - 1)).sum(axis=1)) / (m * (m - 1))
    return p_i, counts, m, domain, arr.shape[0]


def percent_agreement(data, *, method: Literal["pairwise", "all"] = "pairwise",
                      alpha: float = 0.05) -> AgreementResult:
    """Share of agreement among coders (coders x units, NaN = missing).

    ``"pairwise"``: mean over units of the share of coder pairs that agree (two coders: the share
    of units coded alike). ``"all"``: share of units on which all coders that coded it agree (as
    R's ``irr::agree``). Standard error sd/sqrt(n) over units, normal interval clipped to [0, 1].

    Parameters
    ----------
    data : array-like
        Coders in rows, units in columns; NaN where a coder did not code a unit.
    method : {"pairwise", "all"}
        Agreement of coder pairs per unit, or of all coders of a unit.
    alpha : float
        Significance level of the interval, checked by :func:`evaluation.results.check_alpha`.

    Returns
    -------
    AgreementResult
        ``estimate`` the share of agreement (0..1), ``n`` the units coded by two or more coders.

    References
    ----------
    Gamer, M., Lemon, J., Fellows, I. & Singh, P. (2019). irr: Various coefficients of interrater
    reliability and agreement, function ``agree`` (R package).

    Examples
    --------
    >>> percent_agreement([["a", "b", "a", "a"], ["a", "b", "b", "a"]]).estimate
    0.75
    """
    alpha = check_alpha(alpha)
    p_i, counts, m, domain, n_coders = _unit_agreement(data)
    if len(p_i) == 0:
        raise EstimationError("no unit was coded by two or more coders")
    per_unit = p_i if method == "pairwise" else (counts.max(axis=1) == m).astype(float)
    est = float(per_unit.mean())
    se = float(per_unit.std(ddof=1) / np.sqrt(len(per_unit))) if len(per_unit) > 1 else float("nan")
    lo, hi = _normal_ci(est, se, alpha)
    return AgreementResult(est, se, (max(0.0, lo), min(1.0, hi)), len(per_unit), n_coders, int(m.sum()),
                           "percent agreement", "nominal", observed=est, alpha=alpha,
                           details={"method": method})


def fleiss_kappa(data=None, *, counts=None, n_boot: int = 1000, alpha: float = 0.05,
                 seed: int | None = 0) -> AgreementResult:
    """Fleiss' (1971) kappa for several coders.

    Give ``data`` (coders x units, every unit coded by the same number of coders) or ``counts``
    (units x categories: how many coders put each unit in each category, as in Fleiss 1971).
    ``se`` is the standard error under the null hypothesis of no agreement beyond chance
    (Fleiss, Nee & Landis 1979), used for ``details['z']`` and ``details['p']``; ``ci`` is a
    percentile bootstrap over units.

    Parameters
    ----------
    data : array-like, optional
        Coders in rows, units in columns, no missing values.
    counts : array-like, optional
        Units x categories: how many coders chose each category for each unit.
    n_boot : int
        Bootstrap replications over units for the interval (0: none).
    alpha : float
        Significance level of the interval, checked by :func:`evaluation.results.check_alpha`.
    seed : int, optional
        Seed of the bootstrap.

    Returns
    -------
    AgreementResult
        ``estimate`` kappa, ``se`` under the null, ``ci_low``/``ci_high``, ``n`` the units.

    References
    ----------
    Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters. *Psychological
    Bulletin* 76, 378-382 (the diagnoses example, 30 patients x 6 psychiatrists: 0.430);
    Fleiss, Nee & Landis (1979), *Psychological Bulletin* 86, 974-977.

    Examples
    --------
    >>> counts = [[3, 0], [0, 3], [2, 1], [3, 0], [0, 3]]   # 5 units, 3 coders, 2 categories
    >>> round(fleiss_kappa(counts=counts, n_boot=0).estimate, 3)
    0.732
    """
    alpha = check_alpha(alpha)
    if counts is None:
        if data is None:
            raise InputError("give data (coders x units) or counts (units x categories)", column="data")
        arr = _matrix(data)
        codes, domain, miss = _codes(arr, None, numeric=False)
        if miss.any():
            raise InputError("Fleiss' kappa needs every unit coded by every coder", column="data",
                             expected="no missing values (use krippendorff_alpha for missing data)",
                             found=f"{int(miss.sum())} missing")
        table = _units_counts(codes, len(domain)).toarray()
        n_coders = arr.shape[0]
    else:
        table = np.asarray(counts, dtype=float)
        n_coders = int(table.sum(axis=1)[0]) if len(table) else 0
    r = table.sum(axis=1)
    if len(table) == 0 or not np.allclose(r, r[0]) or r[0] < 2:
        raise InputError("Fleiss' kappa needs the same number (>= 2) of ratings for every unit", column="counts",
                         expected="equal row sums", found=sorted(set(r.tolist()))[:5])
    n_r = r[0]
    n_units = len(table)

    def kappa_of(tab, weights=None):
        w = np.ones(len(tab)) if weights is None else weights
        p_j = (w @ tab) / (w.sum() * n_r)
        p_i = ((tab * (tab - 1)).sum(axis=1)) / (n_r * (n_r - 1))
        p_bar = (w @ p_i) / w.sum()
        p_e = (p_j ** 2).sum()
        return (p_bar - p_e) / (1 - p_e), p_bar, p_e, p_j

    kappa, p_bar, p_e, p_j = kappa_of(table)
    pq = p_j * (1 - p_j)
    se0 = float(np.sqrt(2.0 / (n_units * n_r * (n_r - 1)) * (pq.sum() ** 2 - (pq * (1 - 2 * p_j)).sum())) / pq.sum())
    ci = (float("nan"), float("nan"))
    if n_boot:
        rng = np.random.default_rng(seed)
        p_i = ((table * (table - 1)).sum(axis=1)) / (n_r * (n_r - 1))
        w = _boot_weights(rng, n_units, n_boot)
        pj_b = (w @ table) / (n_units * n_r)
        pe_b = (pj_b ** 2).sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            boot = ((w @ p_i) / n_units - pe_b) / (1 - pe_b)
        ci = _interval(boot, alpha)
    z = kappa / se0
    return AgreementResult(float(kappa), se0, ci, n_units, n_coders, int(table.sum()), "Fleiss' kappa", "nominal",
                           observed=float(p_bar), expected=float(p_e), alpha=alpha,
                           details={"z": float(z), "p": float(2 * stats.norm.sf(abs(z))), "se_kind": "under H0"})


def brennan_prediger(data, *, n_categories: int | None = None, alpha: float = 0.05) -> AgreementResult:
    """Brennan & Prediger's (1981) kappa (free-marginal; Randolph's 2005 multirater kappa).

    kappa = (P_o - 1/q) / (1 - 1/q) with P_o the pairwise percent agreement and q the number of
    categories coders could choose from (``n_categories``; default: the categories observed).
    Missing values allowed. SE: sd of the per-unit kappa / sqrt(n) (Gwet 2014).
    """
    alpha = check_alpha(alpha)
    p_i, counts, m, domain, n_coders = _unit_agreement(data)
    q = n_categories or len(domain)
    if q < 2:
        raise EstimationError("Brennan–Prediger kappa needs at least two categories")
    if len(domain) > q:
        raise InputError("more categories observed than n_categories", column="n_categories",
                         expected=f">= {len(domain)}", found=q)
    pe = 1.0 / q
    k_i = (p_i - pe) / (1 - pe)
    est = float(k_i.mean())
    se = float(k_i.std(ddof=1) / np.sqrt(len(k_i))) if len(k_i) > 1 else float("nan")
    lo, hi = _normal_ci(est, se, alpha)
    return AgreementResult(est, se, (lo, min(1.0, hi)), len(k_i), n_coders, int(m.sum()),
                           "Brennan–Prediger kappa", "nominal", observed=float(p_i.mean()), expected=pe,
                           alpha=alpha, details={"n_categories": q})


def cohens_kappa(a, b=None, *, weights: Literal[None, "linear", "quadratic"] = None,
                 categories: Sequence | None = None, alpha: float = 0.05) -> AgreementResult:
    """Cohen's (1960) kappa for two coders; weighted (Cohen 1968) with ``weights``.

    ``a`` and ``b`` are the two coders' values per unit (or ``a`` is a 2 x units table). Units
    that either coder left missing are dropped. ``se`` and ``ci`` are the large-sample standard
    error and interval of Fleiss, Cohen & Everitt (1969) as statsmodels computes them;
    ``details`` holds the test of kappa = 0 (``z``, ``p``). Weighted kappa needs ordered
    categories (numbers, or ``categories`` in order).

    Parameters
    ----------
    a, b : array-like
        The two coders' values per unit (or ``a`` a 2 x units table and ``b`` None).
    weights : {None, "linear", "quadratic"}
        Unweighted kappa, or weighted kappa with linear or quadratic disagreement weights.
    categories : sequence, optional
        The categories in order (needed for weighted kappa on text categories).
    alpha : float
        Significance level of the interval, checked by :func:`evaluation.results.check_alpha`.

    Returns
    -------
    AgreementResult
        ``estimate`` kappa, ``se`` and ``ci_low``/``ci_high`` (large-sample), ``n`` the units
        both coders coded.

    References
    ----------
    Cohen, J. (1960). A coefficient of agreement for nominal scales. *Educational and
    Psychological Measurement* 20, 37-46; Cohen (1968), *Psychological Bulletin* 70, 213-220;
    Fleiss, Cohen & Everitt (1969), *Psychological Bulletin* 72, 323-327.

    Examples
    --------
    >>> round(cohens_kappa(["a", "a", "b", "b", "a"], ["a", "b", "b", "b", "a"]).estimate, 3)
    0.615
    """
    alpha = check_alpha(alpha)
    from statsmodels.stats.inter_rater import cohens_kappa as sm_kappa

    if b is None:
        arr = _matrix(a)
        if arr.shape[0] != 2:
            raise InputError("Cohen's kappa is for two coders", column="data", expected="2 rows (coders)",
                             found=arr.shape[0])
    else:
        x, y = np.asarray(a, dtype=object).ravel(), np.asarray(b, dtype=object).ravel()
        if len(x) != len(y):
            raise InputError("the two coders rated different numbers of units", column="b",
                             expected=f"{len(x)} values", found=len(y))
        arr = np.vstack([x, y])
    codes, domain, miss = _codes(arr, categories, numeric=False)
    keep = ~miss.any(axis=0)
    codes = codes[:, keep]
    k = len(domain)
    if codes.shape[1] < 2 or k < 2:
        raise EstimationError("Cohen's kappa needs at least two units and two categories")
    table = np.zeros((k, k))
    np.add.at(table, (codes[0], codes[1]), 1)
    wt = {None: None, "linear": "linear", "quadratic": "quadratic"}[weights]
    if wt is None:
        res = sm_kappa(table, return_results=True)
    else:
        if categories is not None:
            scale = np.arange(k, dtype=float)
        else:
            try:
                scale = np.asarray(domain, dtype=float)
            except (TypeError, ValueError):
                raise InputError("weighted kappa needs ordered categories", column="categories",
                                 expected="numeric values or categories=[...] in order", found=list(domain)[:5]) from None
        res = sm_kappa(table, weights=scale, wt=wt, return_results=True)
    se = float(np.sqrt(res.var_kappa))
    z = float(res.kappa / np.sqrt(res.var_kappa0))
    p_o = float(np.trace(table) / table.sum())
    p_e = float((table.sum(0) @ table.sum(1)) / table.sum() ** 2)
    return AgreementResult(float(res.kappa), se, _normal_ci(float(res.kappa), se, alpha),
                           int(codes.shape[1]), 2, int(2 * codes.shape[1]),
                           "Cohen's kappa" + (f" ({weights} weights)" if weights else ""), "nominal" if not weights else "ordinal",
                           observed=p_o, expected=p_e, alpha=alpha,
                           details={"z": z, "p": float(2 * stats.norm.sf(abs(z))),
                                    "table": pd.DataFrame(table, index=domain, columns=domain)})


# ----------------------------------------------------------------------------------------------
# segment-based agreement
# ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SegmentAgreement(ResultMixin):
    """Segment-based agreement between two coders, per code and overall.

    ``table``: code_id, segments_a, segments_b, agreed_a, agreed_b, agreements, disagreements,
    percent (agreements / all segments of both coders). ``overall`` is the share over all codes;
    ``kappa`` Brennan–Prediger with chance 1/``n_codes``.
    """

    table: pd.DataFrame
    segments: pd.DataFrame
    overall: float
    kappa: float
    n_codes: int
    min_overlap: float
    coders: tuple[str, str]
    method: str = "segment agreement (MAXQDA-style)"
    notes: tuple[str, ...] = ()

    # result interface (evaluation.results): ``estimate`` the overall share of agreed segments,
    # ``n`` the segments of both coders; a descriptive share, so no se, interval or p-value
    se = ci_low = ci_high = p_value = property(lambda self: float("nan"))
    alpha = property(lambda self: 0.05)

    @property
    def estimate(self) -> float:
        return float(self.overall)

    @property
    def n(self) -> int:
        return int(self.table["segments_a"].sum() + self.table["segments_b"].sum()) if len(self.table) else 0

    def summary_frame(self) -> pd.DataFrame:
        """One row per code: ``estimate`` its share of agreed segments, ``n`` the segments of both coders."""
        base = {"se": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan, "method": self.method,
                "alpha": self.alpha, "notes": ()}
        return result_frame([dict(base, estimate=float(r["percent"]), n=int(r["segments_a"] + r["segments_b"]),
                                  code_id=r["code_id"]) for r in self.table.to_dict("records")])

    def summary(self) -> str:
        return (f"{self.method}, coders {self.coders[0]} vs {self.coders[1]}, overlap >= {self.min_overlap:.0%}: "
                f"{self.overall:.1%} agreement over {int(self.table['segments_a'].sum() + self.table['segments_b'].sum())} "
                f"segments in {self.n_codes} codes; kappa (Brennan–Prediger) {self.kappa:.3f}")


def segment_agreement(codings: pd.DataFrame, coder_a: str | None = None, coder_b: str | None = None, *,
                      min_overlap: float = 0.9, codes: Sequence[str] | None = None) -> SegmentAgreement:
    """Compare two coders' segments as QDA tools do (see the module docstring).

    ``codings`` follows the ``codings`` contract (source_id, code_id, coder, start, end); the
    coders default to the two in the table. A segment of coder A is *agreed* when coder B coded
    the same code in the same source on a segment whose overlap with it is at least
    ``min_overlap`` of the stretch the two segments cover together (and vice versa for B).
    ``codes`` restricts (and fixes) the codes compared.
    """
    need = ["source_id", "code_id", "coder", "start", "end"]
    missing = [c for c in need if c not in codings.columns]
    if missing:
        raise InputError(f"codings lack column(s) {missing}", column=missing[0], expected=f"columns {need}")
    if not 0 < min_overlap <= 1:
        raise InputError("min_overlap must be a share in (0, 1]", column="min_overlap", found=min_overlap)
    df = codings[need].dropna(subset=["start", "end", "coder"]).copy()
    coders = [str(c) for c in pd.unique(df["coder"])]
    if coder_a is None or coder_b is None:
        if len(coders) != 2:
            raise InputError("name the two coders to compare", column="coder", expected="exactly two coders",
                             found=coders[:5])
        coder_a, coder_b = coders
    for c in (coder_a, coder_b):
        if c not in coders:
            raise InputError("coder not in the codings", column="coder", expected=f"one of {coders[:10]}", found=c)
    if codes is not None:
        df = df[df["code_id"].isin(list(codes))]
    df["start"] = df["start"].astype("int64")
    df["end"] = df["end"].astype("int64")
    a = df[df["coder"] == coder_a].drop_duplicates(["source_id", "code_id", "start", "end"]).reset_index(drop=True)
    b = df[df["coder"] == coder_b].drop_duplicates(["source_id", "code_id", "start", "end"]).reset_index(drop=True)
    if len(a) and len(b):  # two exports with their own ids would agree on nothing: say so, never a silent 0.0
        for what, column in (("source", "source_id"), ("code", "code_id")):
            ids_a, ids_b = set(a[column].astype(str)), set(b[column].astype(str))
            if not ids_a & ids_b:
                raise InputError(
                    f"coders {coder_a!r} and {coder_b!r} share no {what}: their {column}s do not overlap, so agreement "
                    f"cannot be computed (two exports with their own ids? import them with code_ids: path and "
                    f"source_ids: name)", column=column, expected=f"{what}s coded by both coders",
                    found={coder_a: sorted(ids_a)[:3], coder_b: sorted(ids_b)[:3]})
    a["seg"] = np.arange(len(a))
    b["seg"] = np.arange(len(b))
    pairs = a.merge(b, on=["source_id", "code_id"], suffixes=("_a", "_b"))
    inter = np.minimum(pairs["end_a"], pairs["end_b"]) - np.maximum(pairs["start_a"], pairs["start_b"])
    union = np.maximum(pairs["end_a"], pairs["end_b"]) - np.minimum(pairs["start_a"], pairs["start_b"])
    share = np.where(union > 0, np.clip(inter, 0, None) / np.where(union > 0, union, 1), 1.0)
    pairs = pairs[share >= min_overlap - 1e-12]
    a["agreed"] = a["seg"].isin(set(pairs["seg_a"]))
    b["agreed"] = b["seg"].isin(set(pairs["seg_b"]))
    a["coder"], b["coder"] = coder_a, coder_b
    segments = pd.concat([a, b], ignore_index=True).drop(columns="seg")
    all_codes = list(codes) if codes is not None else sorted(pd.unique(segments["code_id"]).tolist())
    ga = a.groupby("code_id")["agreed"].agg(["size", "sum"]).reindex(all_codes, fill_value=0)
    gb = b.groupby("code_id")["agreed"].agg(["size", "sum"]).reindex(all_codes, fill_value=0)
    table = pd.DataFrame({"code_id": all_codes, "segments_a": ga["size"].to_numpy(), "segments_b": gb["size"].to_numpy(),
                          "agreed_a": ga["sum"].to_numpy(), "agreed_b": gb["sum"].to_numpy()})
    table["agreements"] = table["agreed_a"] + table["agreed_b"]
    total = table["segments_a"] + table["segments_b"]
    table["disagreements"] = total - table["agreements"]
    table["percent"] = np.where(total > 0, table["agreements"] / total.where(total > 0, 1), np.nan)
    n_total = int(total.sum())
    overall = float(table["agreements"].sum() / n_total) if n_total else float("nan")
    k = len(all_codes)
    kappa = (overall - 1.0 / k) / (1 - 1.0 / k) if k > 1 and n_total else float("nan")
    return SegmentAgreement(table=table, segments=segments, overall=overall, kappa=float(kappa), n_codes=k,
                            min_overlap=min_overlap, coders=(coder_a, coder_b))


def unit_matrix(codings: pd.DataFrame, *, unit: str = "source_id", code_id: str | None = None,
                coders: Sequence[str] | None = None) -> pd.DataFrame:
    """Coders x units matrix for the coefficients above from a codings table.

    With ``code_id``: 1 where the coder set that code in the unit, 0 where not (a presence /
    absence judgement per document, the usual input for kappa or alpha per code); without it,
    the unit's single code (units coded with several codes by one coder are an error).
    """
    coders = list(coders) if coders is not None else sorted(pd.unique(codings["coder"].dropna()).tolist())
    units = sorted(pd.unique(codings[unit].dropna()).tolist())
    sub = codings[codings["coder"].isin(coders)]
    if code_id is not None:
        hit = sub[sub["code_id"] == code_id].groupby(["coder", unit]).size()
        mat = pd.DataFrame(0.0, index=coders, columns=units)
        for (c, u), _ in hit.items():
            mat.loc[c, u] = 1.0
        return mat
    many = sub.groupby(["coder", unit])["code_id"].nunique()
    if (many > 1).any():
        c, u = many[many > 1].index[0]
        raise InputError("a coder set several codes in one unit", row=str(u), column="code_id",
                         expected="one code per coder and unit (or give code_id)", found=c)
    return sub.pivot_table(index="coder", columns=unit, values="code_id", aggfunc="first").reindex(index=coders, columns=units)


__all__ = ["AgreementResult", "krippendorff_alpha", "cohens_kappa", "fleiss_kappa", "brennan_prediger",
           "percent_agreement", "segment_agreement", "SegmentAgreement", "unit_matrix"]
