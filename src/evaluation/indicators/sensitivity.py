"""Variance-based sensitivity analysis: first-order and total Sobol indices for groups of factors.

Estimators (Saltelli et al. 2010, "Variance based sensitivity analysis of model output", Computer
Physics Communications 181, table 2):

* first-order ``S_i = mean(f(B) * (f(A_B^i) - f(A))) / V``  (Saltelli 2010, eq. (b))
* total       ``ST_i = mean((f(A) - f(A_B^i))**2) / (2 V)`` (Jansen 1999)

with ``A``, ``B`` two independent N × d matrices of uniform draws and ``A_B^i`` equal to ``A`` except
for the columns of factor ``i``, which come from ``B``. ``V`` is the variance of ``f`` over ``A`` and
``B`` together. The model is evaluated ``N (k + 2)`` times for ``k`` factors.

Written by hand (rather than with :func:`scipy.stats.sobol_indices`) because the composite index
needs *groups* of inputs treated as one factor (all weights together; a discrete choice coded by
a uniform) and a model that evaluates a whole batch of draws as one array operation.

Example: the Ishigami function has the analytic indices S = (0.314, 0.442, 0), ST = (0.558, 0.442, 0.244).

>>> import numpy as np
>>> def ishigami(u):
...     x = -np.pi + 2 * np.pi * u
...     return np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])
>>> res = sobol_indices(ishigami, {"x1": 1, "x2": 1, "x3": 1}, n=20000, seed=1)
>>> res.table["total"].round(1).tolist()
[0.6, 0.4, 0.2]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InputError
from ..results import ResultMixin, result_frame
from ._common import summary_block


@dataclass(frozen=True)
class SobolResult(ResultMixin):
    """First-order and total variance shares per factor.

    ``table``: factor, first_order, total (for a scalar output; for a vector output, the mean over
    outputs weighted by each output's variance). ``by_output``: for a vector output, the
    indices per output (columns output, factor, first_order, total; NaN for an output that does
    not vary, e.g. a unit that is always ranked first), else None. ``n`` base samples,
    ``n_evaluations`` model runs. With small ``n`` the first-order estimates are noisy and may be
    negative; the total indices are more stable (Saltelli et al. 2010).
    """

    table: pd.DataFrame
    by_output: pd.DataFrame | None
    variance: float
    n: int
    n_evaluations: int
    method: str = "Saltelli (2010) first-order, Jansen (1999) total"
    alpha: float = 0.05
    notes: tuple[str, ...] = ()

    # result interface (evaluation.results): no headline estimate; summary_frame() has one row per
    # factor with the total-effect index as ``estimate`` (no standard error: Sobol indices are
    # point estimates here, their noise is judged by ``n``).
    estimate = se = ci_low = ci_high = p_value = property(lambda self: float("nan"))

    def summary_frame(self) -> pd.DataFrame:
        """One row per factor: ``estimate`` the total index, ``first_order`` beside it."""
        base = {"se": float("nan"), "ci_low": float("nan"), "ci_high": float("nan"), "p_value": float("nan"),
                "n": self.n, "method": self.method, "alpha": self.alpha, "notes": self.notes}
        return result_frame([dict(base, estimate=r.total, factor=r.factor, first_order=r.first_order)
                             for r in self.table.itertuples()])

    def summary(self) -> str:
        rows = [(r.factor, f"S = {r.first_order:6.3f}   ST = {r.total:6.3f}") for r in self.table.itertuples()]
        rows += [("base samples", self.n), ("model runs", self.n_evaluations), ("method", self.method)]
        return summary_block("Variance-based sensitivity analysis", rows)


def sobol_indices(model: Callable[[np.ndarray], np.ndarray], factors: Mapping[str, int], n: int = 1000,
                  seed: int | None = 0, batch: int | None = None) -> SobolResult:
    """Sobol indices of ``model`` for groups of uniform inputs.

    ``factors`` maps a factor name to the number of uniform columns it owns (a group of inputs
    that vary together counts as one factor). ``model`` takes an (m × d) array of U(0, 1) draws
    (d = sum of the group sizes, columns in the order of ``factors``) and returns an array of length
    m (one output) or (m × q) (q outputs, e.g. one rank per municipality). ``batch`` limits how many
    rows go to ``model`` at once (memory).
    """
    if not factors:
        raise InputError("sensitivity analysis needs at least one factor", expected="a mapping name -> size")
    if n < 2:
        raise InputError("sensitivity analysis needs n >= 2 base samples", column="n", found=n)
    sizes = list(factors.values())
    if any(int(s) < 1 for s in sizes):
        raise InputError("every factor needs at least one input column", expected="sizes >= 1", found=dict(factors))
    d = int(sum(sizes))
    rng = np.random.default_rng(seed)
    a = rng.random((n, d))
    b = rng.random((n, d))
    starts = np.cumsum([0] + sizes[:-1])

    def run(x: np.ndarray) -> np.ndarray:
        if batch is None or len(x) <= batch:
            y = np.asarray(model(x), dtype=float)
        else:
            y = np.concatenate([np.asarray(model(x[i:i + batch]), dtype=float) for i in range(0, len(x), batch)])
        return y.reshape(len(x), -1)

    fa, fb = run(a), run(b)
    if not (np.isfinite(fa).all() and np.isfinite(fb).all()):
        raise InputError("the model returned missing or infinite values in the sensitivity analysis",
                         expected="finite outputs for every draw")
    var = np.var(np.concatenate([fa, fb]), axis=0)
    first = np.zeros((len(sizes), fa.shape[1]))
    total = np.zeros_like(first)
    for i, (s0, size) in enumerate(zip(starts, sizes)):
        ab = a.copy()
        ab[:, s0:s0 + size] = b[:, s0:s0 + size]
        fab = run(ab)
        with np.errstate(invalid="ignore", divide="ignore"):
            first[i] = np.mean(fb * (fab - fa), axis=0) / var
            total[i] = np.mean((fa - fab) ** 2, axis=0) / (2 * var)
    names = list(factors)
    ok = var > 0
    if ok.any():
        w = var[ok] / var[ok].sum()
        s_avg, st_avg = first[:, ok] @ w, total[:, ok] @ w
    else:
        s_avg = st_avg = np.zeros(len(names))
    table = pd.DataFrame({"factor": names, "first_order": s_avg, "total": st_avg})
    by_output = None
    if fa.shape[1] > 1:
        q = fa.shape[1]
        by_output = pd.DataFrame({
            "output": np.tile(np.arange(q), len(names)),
            "factor": np.repeat(names, q),
            "first_order": np.where(ok, first, np.nan).ravel(),
            "total": np.where(ok, total, np.nan).ravel(),
        })
    return SobolResult(table, by_output, float(np.var(np.concatenate([fa, fb]))), n, n * (len(sizes) + 2))
