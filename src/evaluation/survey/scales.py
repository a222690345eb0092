"""Likert scales: reverse coding, scale scores, Cronbach's alpha with interval, item analysis.

* :func:`reverse_items` -- ``x' = min + max - x`` for negatively worded items (e.g. the optimism
  scale's op2, op4, op6 in Pallant's survey file, which the file itself stores as Rop2 ...);
* :func:`scale_score` -- sum or mean of the items per respondent, with a minimum number of
  answered items (a mean over the answered items, or a sum pro-rated to all items, is the usual
  "person-mean" handling of a few missing answers; below ``min_valid`` the score is NaN, never 0);
* :func:`cronbach_alpha` -- ``alpha = k/(k-1) * (1 - sum var_i / var_total)`` (Cronbach 1951) on
  complete cases (SPSS RELIABILITY's listwise default), with the interval of Feldt (1965):
  ``(1 - alpha) / (1 - alpha_pop)`` is F-distributed with ``n - 1`` and ``(n - 1)(k - 1)`` degrees of
  freedom, so the interval is ``1 - (1 - alpha) * F_{1-a/2}`` .. ``1 - (1 - alpha) * F_{a/2}``;
  plus the standardised alpha (from the mean inter-item correlation), the corrected item-total
  correlations and alpha if the item is deleted, as SPSS reports them.

Written by hand because these are closed formulas (a dependency such as pingouin would bring a
large tree for three lines); they are checked against Pallant's data file and hand computations.

Example
-------
>>> import pandas as pd
>>> items = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 3, 5, 5], "c": [1, 3, 3, 4, 4]})
>>> round(cronbach_alpha(items, ["a", "b", "c"]).estimate, 4)
0.9538
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import EstimationError, InputError
from ..results import ResultMixin, check_alpha


@dataclass(frozen=True)
class AlphaResult(ResultMixin):
    """Cronbach's alpha of a scale with the Feldt (1965) interval and SPSS-style item statistics.

    ``estimate`` is the coefficient alpha (the *reliability*, not a significance level);
    ``ci_low``/``ci_high`` its ``1 - alpha`` Feldt interval, where ``alpha`` is the significance
    level as for every result of the workbench (:mod:`evaluation.results`); ``se`` and ``p_value``
    are NaN (Feldt's interval is exact under its model, and there is no null to test); ``n`` the
    complete cases, ``k`` the items. ``items`` table: item, mean, sd, corrected_item_total
    (correlation of the item with the sum of the other items), alpha_if_deleted.
    """

    estimate: float
    ci_low: float
    ci_high: float
    standardized_alpha: float
    mean_inter_item_r: float
    n: int
    k: int
    items: pd.DataFrame
    alpha: float = 0.05
    method: str = "Cronbach's alpha (Cronbach 1951), complete cases, Feldt (1965) interval"
    se: float = float("nan")
    p_value: float = float("nan")
    notes: tuple[str, ...] = ()

    @property
    def ci(self) -> tuple[float, float]:
        return (self.ci_low, self.ci_high)

    def summary(self) -> str:
        lines = [self.method,
                 f"  Cronbach's alpha = {self.estimate:.3f}, {1 - self.alpha:.0%} CI {self.ci_low:.3f} .. "
                 f"{self.ci_high:.3f}; standardised {self.standardized_alpha:.3f}; mean inter-item "
                 f"r = {self.mean_inter_item_r:.3f}; n = {self.n}, k = {self.k}"]
        for r in self.items.itertuples():
            lines.append(f"  {r.item}: r(item, rest) = {r.corrected_item_total:.3f}, "
                         f"alpha if deleted = {r.alpha_if_deleted:.3f}")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def _columns(df: pd.DataFrame, items: Iterable[str]) -> list[str]:
    cols = list(items)
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise InputError("scale items not in the data", column=", ".join(missing),
                         expected=f"columns among {list(df.columns)[:20]}")
    for c in cols:
        if not pd.api.types.is_numeric_dtype(df[c]):
            raise InputError("scale item is not numeric", column=c,
                             expected="numeric answer codes (recode labels first)", found=str(df[c].dtype))
    return cols


def reverse_items(df: pd.DataFrame, items: Iterable[str], *, low: float, high: float,
                  suffix: str | None = None) -> pd.DataFrame:
    """Reverse-code items on a ``low``..``high`` scale: ``x' = low + high - x`` (NaN stays NaN).

    Returns a copy; with ``suffix`` the reversed items are added as new columns (``op2`` -> ``op2_r``)
    instead of replacing the originals. Values outside ``low``..``high`` raise :class:`InputError`
    (a code such as 9 = "keine Angabe" must be set missing first).

    >>> reverse_items(pd.DataFrame({"q": [1, 2, 5]}), ["q"], low=1, high=5)["q"].tolist()
    [5, 4, 1]
    """
    cols = _columns(df, items)
    out = df.copy()
    for c in cols:
        s = df[c]
        bad = s.notna() & ((s < low) | (s > high))
        if bad.any():
            i = s.index[bad][0]
            raise InputError("answer outside the scale range (set missing codes to NaN first)", row=i, column=c,
                             expected=f"a value in {low}..{high}", found=s.loc[i])
        out[f"{c}{suffix}" if suffix else c] = low + high - s
    return out


def scale_score(df: pd.DataFrame, items: Sequence[str], *, reverse: Iterable[str] = (),
                low: float | None = None, high: float | None = None, method: str = "sum",
                min_valid: int | float | None = None) -> pd.Series:
    """Scale score per respondent.

    ``method="sum"`` (the sum of all items; with missing answers allowed by ``min_valid`` the mean of
    the answered items times ``k``, i.e. pro-rated) or ``"mean"``. ``reverse`` items are reversed on
    ``low``..``high`` first. ``min_valid`` is the minimum number of answered items (an int) or share
    (a float < 1); default all items. Respondents below it get NaN.

    >>> d = pd.DataFrame({"a": [1, 4], "b": [5, None]})
    >>> scale_score(d, ["a", "b"], reverse=["b"], low=1, high=5).tolist()
    [2.0, nan]
    """
    cols = _columns(df, items)
    rev = list(reverse)
    unknown = [c for c in rev if c not in cols]
    if unknown:
        raise InputError("reverse items must be among the scale items", column=", ".join(unknown),
                         expected=f"some of {cols}")
    if rev and (low is None or high is None):
        raise InputError("reverse coding needs the scale range", column="low, high",
                         expected="low= and high= (e.g. 1 and 5)")
    if method not in {"sum", "mean"}:
        raise InputError("unknown scoring method", column="method", expected="'sum' or 'mean'", found=method)
    data = reverse_items(df[cols], rev, low=low, high=high) if rev else df[cols]
    k = len(cols)
    need = k if min_valid is None else (int(np.ceil(min_valid * k)) if isinstance(min_valid, float) and min_valid < 1
                                        else int(min_valid))
    if not 1 <= need <= k:
        raise InputError("min_valid out of range", column="min_valid", expected=f"1..{k} items", found=min_valid)
    answered = data.notna().sum(axis=1)
    mean = data.mean(axis=1, skipna=True)
    score = mean * k if method == "sum" else mean
    return score.where(answered >= need).astype(float).rename("score")


def cronbach_alpha_coefficient(items) -> float:
    """Cronbach's (1951) alpha of the columns of ``items``, complete rows only: the one formula.

    ``alpha = k / (k - 1) * (1 - sum(var_i) / var(sum))``. Used by :func:`cronbach_alpha` (with
    interval and item statistics) and by the index audit of
    :class:`evaluation.indicators.composite.CompositeIndex`.

    Parameters
    ----------
    items : array-like or pandas.DataFrame
        Rows are respondents (or units), columns items (or indicators).

    Returns
    -------
    float
        The coefficient; NaN for fewer than two items or rows, or when the sum does not vary.

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    *Psychometrika* 16, 297-334.

    Examples
    --------
    >>> round(cronbach_alpha_coefficient([[1, 2, 2], [2, 3, 3], [3, 3, 4], [4, 5, 4.0]]), 3)
    0.949
    """
    x = np.asarray(items, dtype=float)
    if x.ndim != 2:
        return float("nan")
    x = x[np.isfinite(x).all(axis=1)]
    k = x.shape[1]
    if k < 2 or len(x) < 2:
        return float("nan")
    total_var = x.sum(axis=1).var(ddof=1)
    if total_var == 0:
        return float("nan")
    return float(k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / total_var))


def cronbach_alpha(df: pd.DataFrame, items: Sequence[str], *, reverse: Iterable[str] = (),
                   low: float | None = None, high: float | None = None, alpha: float = 0.05) -> AlphaResult:
    """Cronbach's alpha with Feldt's interval, on respondents who answered every item.

    Reverse-worded items must be reversed (``reverse=`` with ``low``/``high``) or alpha is
    understated -- often negative, which is the usual sign of a forgotten reversal.

    Parameters
    ----------
    df : pandas.DataFrame
        Respondents in rows, numeric answer codes in the item columns.
    items : sequence of str
        The scale's items (at least two).
    reverse : iterable of str
        Negatively worded items, reversed on ``low``..``high`` first.
    low, high : float, optional
        The answer scale's range (needed with ``reverse``).
    alpha : float
        Significance level of the Feldt interval (``0.05``: 95 %), checked by
        :func:`evaluation.results.check_alpha`; not to be confused with the coefficient, which is
        the result's ``estimate``.

    Returns
    -------
    AlphaResult
        ``estimate`` (the coefficient), ``ci_low``, ``ci_high``, ``n`` complete cases, ``k`` items,
        standardised alpha and the item table.

    References
    ----------
    Cronbach (1951), *Psychometrika* 16, 297-334; Feldt, L. S. (1965). The approximate sampling
    distribution of Kuder-Richardson reliability coefficient twenty. *Psychometrika* 30, 357-370.

    Examples
    --------
    >>> items = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 3, 5, 5], "c": [1, 3, 3, 4, 4]})
    >>> r = cronbach_alpha(items, ["a", "b", "c"])
    >>> round(r.estimate, 4), r.n, r.k
    (0.9538, 5, 3)
    """
    alpha = check_alpha(alpha)
    cols = _columns(df, items)
    k = len(cols)
    if k < 2:
        raise InputError("alpha needs at least two items", column=", ".join(cols), expected=">= 2 items", found=k)
    data = reverse_items(df[cols], list(reverse), low=low, high=high) if list(reverse) else df[cols]
    X = data.dropna().to_numpy(dtype=float)
    n = X.shape[0]
    if n < 3:
        raise EstimationError(f"only {n} respondents answered all {k} items; alpha needs at least 3")
    cov = np.cov(X, rowvar=False, ddof=1)
    if np.any(np.diag(cov) == 0):
        const = [c for c, v in zip(cols, np.diag(cov)) if v == 0]
        raise EstimationError(f"items without variance among the complete cases: {const}")
    a = cronbach_alpha_coefficient(X)
    f_hi = stats.f.ppf(1 - alpha / 2, n - 1, (n - 1) * (k - 1))
    f_lo = stats.f.ppf(alpha / 2, n - 1, (n - 1) * (k - 1))
    corr = np.corrcoef(X, rowvar=False)
    r_bar = (corr.sum() - k) / (k * (k - 1))
    std_alpha = k * r_bar / (1 + (k - 1) * r_bar)
    total = X.sum(axis=1)
    rows = []
    for j, c in enumerate(cols):
        rest = total - X[:, j]
        keep = [i for i in range(k) if i != j]
        rows.append({"item": c, "mean": X[:, j].mean(), "sd": X[:, j].std(ddof=1),
                     "corrected_item_total": np.corrcoef(X[:, j], rest)[0, 1],
                     "alpha_if_deleted": cronbach_alpha_coefficient(X[:, keep]) if k > 2 else np.nan})
    return AlphaResult(estimate=float(a), ci_low=float(1 - (1 - a) * f_hi), ci_high=float(1 - (1 - a) * f_lo),
                       alpha=alpha, standardized_alpha=float(std_alpha), mean_inter_item_r=float(r_bar),
                       n=int(n), k=k, items=pd.DataFrame(rows))
