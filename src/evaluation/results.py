"""One result interface for every estimate of the workbench.

Every estimator of the library (indicators, impact, comparison, survey, qualitative, process,
disclosure) returns an object with the same nine attributes, in the habit of statsmodels' results:

``estimate``
    the point estimate, in the unit of the quantity estimated (a share as a fraction or in
    per cent as the estimator documents, a rate per 1,000, an effect in outcome units, ...);
``se``
    its standard error (NaN where the method has none, e.g. an exact interval);
``ci_low``, ``ci_high``
    the ``1 - alpha`` confidence interval (need not be symmetric around the estimate);
``p_value``
    the two-sided p-value for the null the estimator documents (NaN where there is none);
``n``
    the number of observations (or units, clusters, respondents) the estimate rests on;
``method``
    the method actually used, in words (e.g. "exact randomisation inference, 8 assignments"),
    never the method that was asked for when the estimator fell back to another;
``alpha``
    the significance level the interval belongs to (0 < alpha < 0.5);
``notes``
    a tuple of plain-language notes on anything a reader must know (dropped units, fallbacks,
    failed diagnostics, exact fits), empty when there is nothing to say.

``summary()`` gives this as readable text, ``summary_frame()`` as a one-row (or, for results
that hold several estimates, one-row-per-estimate) :class:`pandas.DataFrame` with exactly the
columns of :data:`RESULT_COLUMNS` first.

This module is written by hand because no library offers a cross-domain result protocol; the
numbers themselves always come from the estimators (statsmodels, scipy, the workbench's modules).

Examples
--------
>>> from dataclasses import dataclass
>>> @dataclass(frozen=True)
... class Mean(ResultMixin):
...     estimate: float
...     se: float
...     ci_low: float
...     ci_high: float
...     p_value: float
...     n: int
...     method: str = "sample mean, t interval"
...     alpha: float = 0.05
...     notes: tuple[str, ...] = ()
>>> r = Mean(2.0, 0.5, 1.0, 3.0, 0.001, 30)
>>> list(r.summary_frame().columns[:9]) == list(RESULT_COLUMNS)
True
>>> print(r.summary())
Mean: sample mean, t interval
  estimate 2  (se 0.5)
  95 % CI [1, 3]   p = 0.001   n = 30
>>> check_alpha(0.95)
Traceback (most recent call last):
...
evaluation.errors.InputError: column 'alpha': alpha must be a significance level with 0 < alpha < 0.5, e.g. 0.05 for a 95 % interval (a confidence level such as 0.95 is not an alpha) (found 0.95)
"""

from __future__ import annotations

import math
from typing import Any, Protocol, runtime_checkable

import pandas as pd

from .errors import InputError

#: the columns every ``summary_frame()`` starts with, in this order
RESULT_COLUMNS: tuple[str, ...] = (
    "estimate", "se", "ci_low", "ci_high", "p_value", "n", "method", "alpha", "notes",
)


def check_alpha(alpha: Any) -> float:
    """Validate a significance level once, for every estimator.

    Parameters
    ----------
    alpha : float
        The significance level: ``0.05`` asks for a 95 % interval.

    Returns
    -------
    float
        ``alpha`` as a float.

    Raises
    ------
    evaluation.errors.InputError
        (a :class:`ValueError`) when ``alpha`` is not a number with ``0 < alpha < 0.5``; a confidence
        *level* such as 0.95 is refused with that hint, so that a level is never taken for an alpha.

    Examples
    --------
    >>> check_alpha(0.1)
    0.1
    """
    if isinstance(alpha, bool):
        raise InputError("alpha must be a number with 0 < alpha < 0.5", column="alpha", found=alpha)
    try:
        value = float(alpha)
    except (TypeError, ValueError):
        raise InputError("alpha must be a number with 0 < alpha < 0.5", column="alpha", found=alpha) from None
    if math.isnan(value) or not (0.0 < value < 0.5):
        raise InputError(
            "alpha must be a significance level with 0 < alpha < 0.5, e.g. 0.05 for a 95 % interval"
            + (" (a confidence level such as 0.95 is not an alpha)" if 0.5 <= value < 1 else ""),
            column="alpha", found=alpha,
        )
    return value


@runtime_checkable
class Estimate(Protocol):
    """What every result of the workbench offers (see the module docstring)."""

    @property
    def estimate(self) -> float: ...
    @property
    def se(self) -> float: ...
    @property
    def ci_low(self) -> float: ...
    @property
    def ci_high(self) -> float: ...
    @property
    def p_value(self) -> float: ...
    @property
    def n(self) -> int: ...
    @property
    def method(self) -> str: ...
    @property
    def alpha(self) -> float: ...
    @property
    def notes(self) -> tuple[str, ...]: ...

    def summary(self) -> str: ...
    def summary_frame(self) -> pd.DataFrame: ...


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.6g}"
    return str(value)


class ResultMixin:
    """``summary()`` and ``summary_frame()`` for any object with the nine result attributes.

    A result holding several estimates (a table of group-time effects, one interval per row)
    overrides :meth:`summary_frame` to return one row per estimate, keeping
    :data:`RESULT_COLUMNS` first; :meth:`summary` then prints that frame.
    """

    def _result_row(self) -> dict[str, Any]:
        row = {c: getattr(self, c) for c in RESULT_COLUMNS}
        row["notes"] = "; ".join(row["notes"] or ())
        return row

    def summary_frame(self) -> pd.DataFrame:
        """One row with the columns of :data:`RESULT_COLUMNS`."""
        return pd.DataFrame([self._result_row()], columns=list(RESULT_COLUMNS))

    def summary(self) -> str:
        """The result as readable text: method, estimate with interval, p-value, n and notes."""
        frame = self.summary_frame()
        name = type(self).__name__
        if len(frame) == 1:
            r = frame.iloc[0]
            level = 100 * (1 - float(r["alpha"]))
            lines = [
                f"{name}: {r['method']}",
                f"  estimate {_fmt(r['estimate'])}  (se {_fmt(r['se'])})",
                f"  {level:g} % CI [{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]   p = {_fmt(r['p_value'])}   n = {r['n']}",
            ]
            if r["notes"]:
                lines.append(f"  notes: {r['notes']}")
            return "\n".join(lines)
        with pd.option_context("display.width", 120, "display.max_columns", 20):
            return f"{name}: {len(frame)} estimates\n{frame.to_string(index=False)}"

    def __str__(self) -> str:
        return self.summary()


def result_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A frame of several estimates with :data:`RESULT_COLUMNS` first, then any extra columns.

    For results that hold one estimate per row (areas, factors, model municipalities, terms):
    each row is a dict with at least the nine result keys; ``notes`` given as a tuple is joined
    with "; " as in :meth:`ResultMixin.summary_frame`.

    Examples
    --------
    >>> f = result_frame([{"estimate": 1.0, "se": 0.1, "ci_low": 0.8, "ci_high": 1.2, "p_value": 0.01,
    ...                    "n": 10, "method": "m", "alpha": 0.05, "notes": ("a", "b"), "area": "x"}])
    >>> list(f.columns[-2:]), f.loc[0, "notes"]
    (['notes', 'area'], 'a; b')
    """
    out = []
    for row in rows:
        row = dict(row)
        notes = row.get("notes", ())
        row["notes"] = notes if isinstance(notes, str) else "; ".join(str(n) for n in (notes or ()))
        out.append(row)
    extra = list(dict.fromkeys(k for row in out for k in row if k not in RESULT_COLUMNS))
    return pd.DataFrame(out, columns=[*RESULT_COLUMNS, *extra])


def merge_notes(*groups: Any) -> tuple[str, ...]:
    """Concatenate notes (strings or iterables of strings), dropping empties and repeats, order kept."""
    out: list[str] = []
    for g in groups:
        if not g:
            continue
        items = [g] if isinstance(g, str) else list(g)
        for item in items:
            if item and item not in out:
                out.append(str(item))
    return tuple(out)
