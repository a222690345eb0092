"""One linear programme, solved by HiGHS: through ``highspy`` when installed (much less overhead
per call), else through ``scipy.optimize.linprog(method="highs")`` — the same solver."""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

try:
    import highspy as _highspy
except ImportError:  # pragma: no cover
    _highspy = None

__all__ = ["solve_lp", "colwise", "quiet_highs"]


def quiet_highs():
    """A HiGHS solver object that writes nothing to the console.

    highspy's Python class ``highspy.Highs`` enables its callbacks in ``__init__``, and that writes
    the solver banner ("Running HiGHS ... Copyright ...") to the process's stdout before
    ``output_flag`` can be switched off: once per solver object, so once per table in a report
    run. The compiled base class (``highspy._core._Highs``) has the same solver methods used here
    (``setOptionValue``, ``passModel``, ``run``, ``changeColCost``, ``getSolution``, ...) without
    that side effect; the wrapper is the fallback should a later highspy drop the base class.
    """
    core = getattr(getattr(_highspy, "_core", None), "_Highs", None)
    h = core() if core is not None else _highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h


def colwise(a) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Column-wise (CSC) arrays ``start, index, value`` of a dense array or sparse matrix."""
    if sparse.issparse(a):
        c = sparse.csc_matrix(a)
        return c.indptr, c.indices, c.data
    a = np.asarray(a, float)
    cols, rows = np.nonzero(a.T)
    start = np.concatenate([[0], np.cumsum(np.bincount(cols, minlength=a.shape[1]))]).astype(np.int32)
    return start, rows.astype(np.int32), a[rows, cols]


def solve_lp(c: np.ndarray, a_eq: sparse.spmatrix | None, b_eq: np.ndarray | None, lower: np.ndarray,
             upper: np.ndarray) -> tuple[str, np.ndarray | None]:
    """Minimise ``c @ x`` s.t. ``a_eq @ x = b_eq``, ``lower <= x <= upper`` (``inf`` allowed).

    Returns ``(status, x)`` with status ``"optimal"``, ``"unbounded"`` or ``"infeasible"``.
    """
    c = np.asarray(c, float)
    n = len(c)
    m = 0 if a_eq is None else a_eq.shape[0]
    if _highspy is not None:
        h = quiet_highs()
        h.setOptionValue("presolve", "off")
        lp = _highspy.HighsLp()
        lp.num_col_, lp.num_row_ = n, m
        lp.col_cost_ = c
        lp.col_lower_ = np.asarray(lower, float)
        lp.col_upper_ = np.where(np.isinf(upper), _highspy.kHighsInf, np.asarray(upper, float))
        if m:
            start, index, value = colwise(a_eq)
            lp.row_lower_ = np.asarray(b_eq, float)
            lp.row_upper_ = np.asarray(b_eq, float)
            lp.a_matrix_.format_ = _highspy.MatrixFormat.kColwise
            lp.a_matrix_.start_ = start
            lp.a_matrix_.index_ = index
            lp.a_matrix_.value_ = value
        h.passModel(lp)
        h.run()
        st = h.getModelStatus()
        if st == _highspy.HighsModelStatus.kOptimal:
            return "optimal", np.asarray(h.getSolution().col_value)
        if st in (_highspy.HighsModelStatus.kUnbounded, _highspy.HighsModelStatus.kUnboundedOrInfeasible):
            return "unbounded", None
        return "infeasible", None
    bounds = [(lo, None if np.isinf(up) else up) for lo, up in zip(lower, upper)]
    res = linprog(c, A_eq=a_eq if m else None, b_eq=b_eq if m else None, bounds=bounds, method="highs")
    if res.status == 0:
        return "optimal", res.x
    return ("unbounded" if res.status == 3 else "infeasible"), None
