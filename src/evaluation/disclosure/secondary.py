"""Secondary suppression: hide enough further cells that no sensitive cell can be recalculated.

Model (Fischetti & Salazar-González 2000; Hundepohl et al. 2012, sec. 4.4): a suppression pattern
protects sensitive cell ``p`` upwards if there is a *deviation vector* ``y`` with ``R y = 0``
(all relations still hold), ``y_i = 0`` on published cells, ``a + y >= 0`` and ``y_p = upper_p``;
``a + y`` is then a table the intruder cannot tell from the true one, so his maximum for ``p`` is at
least ``a_p + upper_p``. Likewise downwards with ``y_p = -lower_p``. Every pattern below is built
from such vectors, so protection holds by construction; :func:`evaluation.disclosure.attack.attack`
verifies it independently.

Three methods:

``"lp"`` (any linear structure: 1-D, 2-D, hierarchical, linked)
    For each sensitive cell (largest protection need first) and each direction, solve the linear
    programme ``min sum_i c_i |y_i|`` over deviation vectors, with ``c_i`` the cell weight for a
    published cell and a tiny cost for one already suppressed; cells the optimal ``y`` moves are
    suppressed. This is the sequential LP heuristic of Kelly, Golden & Assad (1992) and Fischetti &
    Salazar-González (2000, sec. 5), a network-flow problem for 2-D tables.
``"hypercube"`` (plain 2-D tables with both margins; fast, for large tables)
    For each sensitive cell, the cheapest rectangle (in 2-D the hypercube of Repsilber's method
    used in tau-argus / GHMITER, Hundepohl et al. 2012, sec. 4.4.3) of the table *including its
    margins* whose corners can absorb the deviations in both directions; falls back to ``"lp"`` for
    a cell no rectangle can protect.
``"optimal"`` (small tables)
    The exact mixed-integer programme of Fischetti & Salazar-González (2000) with one deviation
    vector per sensitive cell and direction, solved with ``scipy.optimize.milp`` (HiGHS).

The heuristics are followed by a *clean-up* pass (Hundepohl et al. 2012, sec. 4.4.4 "singleton
and over-suppression"): each secondary cell, costliest first, is published again if the LP attack
shows every sensitive cell still protected.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from ._lp import solve_lp
from .attack import components, is_protected
from .primary import Sensitivity
from .structure import TableStructure

__all__ = ["protect", "optimal_pattern", "default_weights"]

_TOL = 1e-7
_FREE = 1e-4  # relative cost of moving a cell that is already suppressed


def default_weights(structure: TableStructure, cost: str = "count") -> np.ndarray:
    """Cost of suppressing each cell.

    ``"count"``: about one per cell (minimise the number of suppressed cells), with a tie-break that
    prefers small cells and interior cells over margins. ``"value"``: the cell value (minimise the
    suppressed total, tau-argus' default for magnitude tables), plus one so that zeros cost something.
    """
    v = structure.values
    if cost == "count":
        vmax = max(float(np.max(v)) if len(v) else 1.0, 1.0)
        is_total = np.asarray((structure.relations < 0).sum(axis=0)).ravel() > 0
        return 1.0 + 1e-3 * np.log1p(np.maximum(v, 0)) / np.log1p(vmax) + 1e-3 * is_total
    if cost == "value":
        return np.maximum(v, 0) + 1.0
    raise ValueError(f"unknown cost {cost!r}: expected 'count' or 'value'")


def _lp_pattern(
    structure: TableStructure, suppressed: np.ndarray, weights: np.ndarray, p: int, amount: float, up: bool,
    lower_bound: float,
) -> np.ndarray:
    """Cells moved by the cheapest deviation vector with ``y_p = +amount`` (up) or ``-amount``."""
    # restrict to the cells reachable from p through relations (keeps the LP small)
    reach, r = _component_system(structure, p)
    n = len(reach)
    w = np.where(suppressed[reach], _FREE * weights[reach], weights[reach])
    c = np.concatenate([w, w])
    cap = np.maximum(structure.values[reach] - lower_bound, 0.0)
    lower = np.zeros(2 * n)
    upper = np.concatenate([np.full(n, np.inf), cap])
    j = int(np.flatnonzero(reach == p)[0])
    if up:
        lower[j] = upper[j] = amount
        upper[n + j] = 0.0
    else:
        lower[n + j] = upper[n + j] = amount
        upper[j] = 0.0
    if not r.shape[0]:
        a_eq = None
    elif sparse.issparse(r):
        a_eq = sparse.hstack([r, -r]).tocsc()
    else:
        a_eq = np.hstack([r, -r])
    status, x = solve_lp(c, a_eq, np.zeros(r.shape[0]), lower, upper)
    if status != "optimal":
        raise RuntimeError(f"no protection pattern for cell {structure.keys[p]!r}: LP {status}")
    moved = (x[:n] + x[n:]) > _TOL * max(1.0, amount)
    out = np.zeros(structure.n_cells, bool)
    out[reach[moved]] = True
    return out


def _labels(structure: TableStructure) -> np.ndarray:
    """Component label of every cell (cells linked through relations), cached on the structure."""
    cache = structure.__dict__.get("_reach_cache")
    if cache is None:
        comps = components(structure, np.ones(structure.n_cells, bool))
        cache = np.empty(structure.n_cells, dtype=int)
        for c, comp in enumerate(comps):
            cache[comp] = c
        structure.__dict__["_reach_cache"] = cache
    return cache


def _component_system(structure: TableStructure, p: int):
    """Cells linked to ``p`` and the relations among them (dense if small), cached per component."""
    labels = _labels(structure)
    store = structure.__dict__.setdefault("_system_cache", {})
    lab = int(labels[p])
    if lab not in store:
        reach = np.flatnonzero(labels == lab)
        if len(reach) <= 3000:
            local = {int(c): k for k, c in enumerate(reach)}
            # a relation belongs to the component of any of its cells
            rel_label = structure.__dict__.get("_rel_label")
            if rel_label is None:
                rel_label = np.array([labels[cells[0]] if len(cells) else -1 for cells in structure.relation_cells],
                                     dtype=int)
                structure.__dict__["_rel_label"] = rel_label
            rel_idx = np.flatnonzero(rel_label == lab)
            r = np.zeros((len(rel_idx), len(reach)))
            mat = structure.relations
            for k, q in enumerate(rel_idx):
                lo, hi = mat.indptr[q], mat.indptr[q + 1]
                r[k, [local[int(c)] for c in mat.indices[lo:hi]]] = mat.data[lo:hi]
        else:
            r = sparse.csr_matrix(structure.relations[:, reach])
            r = r[np.flatnonzero(np.diff(r.indptr) > 0)]
        store[lab] = (reach, r)
    return store[lab]


def _hypercube_pattern(
    structure: TableStructure, suppressed: np.ndarray, weights: np.ndarray, p: int, up_amt: float, low_amt: float,
    lower_bound: float,
) -> np.ndarray | None:
    """Cheapest rectangle of the extended 2-D table that protects cell ``p`` both ways (None if none)."""
    g = structure.grid
    nr, nc = g.shape
    a = (structure.values - lower_bound).reshape(nr, nc)
    cost = np.where(suppressed, 0.0, weights).reshape(nr, nc)
    i, j = int(g.row[p]), int(g.col[p])
    rs, cs = g.row_sign, g.col_sign
    si, sj = rs[i], cs[j]
    s_il = -cs * sj  # sign of the upward deviation at corner (i, l)
    s_kj = -rs * si  # at corner (k, j)
    s_kl = np.outer(rs, cs) * (si * sj)  # at corner (k, l)

    def ok(val, sign, need_up, need_low):
        # going up at p moves a corner with sign -1 down by need_up; going down moves +1 corners down
        return ((sign > 0) | (val >= need_up - _TOL)) & ((sign < 0) | (val >= need_low - _TOL))

    def best(need_up, need_low):
        feas = ok(a[i, :], s_il, need_up, need_low)[None, :] & ok(a[:, j], s_kj, need_up, need_low)[:, None]
        feas &= ok(a, s_kl, need_up, need_low)
        feas[i, :] = False
        feas[:, j] = False
        if not feas.any():
            return None, np.inf
        total = cost[i, :][None, :] + cost[:, j][:, None] + cost
        total = np.where(feas, total, np.inf)
        k, l = np.unravel_index(int(np.argmin(total)), total.shape)
        return (k, l), float(total[k, l])

    def cells(kl):
        k, l = kl
        out = np.zeros(structure.n_cells, bool)
        for r_, c_ in ((i, l), (k, j), (k, l)):
            out[r_ * nc + c_] = True
        return out

    both, cost_both = best(up_amt, low_amt)
    if both is not None:
        return cells(both)
    up, _ = best(up_amt, 0.0)
    low, _ = best(0.0, low_amt)
    if up is None or low is None:
        return None
    return cells(up) | cells(low)


def protect(
    structure: TableStructure,
    sensitivity: Sensitivity,
    *,
    method: str = "auto",
    weights: np.ndarray | None = None,
    cleanup: bool | None = None,
    forced: np.ndarray | None = None,
    lower_bound: float = 0.0,
) -> np.ndarray:
    """Suppression pattern (boolean mask) protecting every sensitive cell.

    Parameters
    ----------
    structure, sensitivity:
        The table and its sensitive cells with protection levels (:mod:`.primary`).
    method:
        ``"lp"``, ``"hypercube"`` (2-D tables with both margins), ``"optimal"`` (MILP, small tables)
        or ``"auto"`` (hypercube for 2-D tables with more than 400 cells, else lp).
    weights:
        Cost per cell (default :func:`default_weights` ``"count"``).
    cleanup:
        Re-publish redundant secondary cells (LP attack check). Default: on if the table has at
        most 3,000 cells.
    forced:
        Cells that must be suppressed whatever their value (e.g. suppressed in last year's report);
        they need protection as given in ``sensitivity``.
    """
    n = structure.n_cells
    w = default_weights(structure) if weights is None else np.asarray(weights, float)
    sens = sensitivity.mask.copy()
    if forced is not None:
        sens |= np.asarray(forced, bool)
    if method == "auto":
        method = "hypercube" if (structure.grid is not None and n > 400) else "lp"
    if method == "hypercube" and structure.grid is None:
        raise ValueError("the hypercube method needs a 2-D table with both margins; use method='lp'")
    if method == "optimal":
        return optimal_pattern(structure, sensitivity, weights=w, forced=forced, lower_bound=lower_bound)
    if method not in ("lp", "hypercube"):
        raise ValueError(f"unknown method {method!r}")
    suppressed = sens.copy()
    up_lvl, low_lvl = sensitivity.upper.copy(), sensitivity.lower.copy()
    order = np.flatnonzero(sens)
    order = order[np.lexsort((structure.values[order], -(up_lvl[order] + low_lvl[order])))]
    for p in order:
        u, lo = float(up_lvl[p]), float(min(low_lvl[p], structure.values[p] - lower_bound))
        done = False
        if method == "hypercube":
            pat = _hypercube_pattern(structure, suppressed, w, p, u, lo, lower_bound)
            if pat is not None:
                suppressed |= pat
                done = True
        if not done:
            if u > 0:
                suppressed |= _lp_pattern(structure, suppressed, w, p, u, True, lower_bound)
            if lo > 0:
                suppressed |= _lp_pattern(structure, suppressed, w, p, lo, False, lower_bound)
    if cleanup is None:
        labels = _labels(structure)
        cleanup = int(np.bincount(labels).max()) <= 3000
    if cleanup:
        suppressed = _cleanup(structure, suppressed, sens, low_lvl, up_lvl, w, lower_bound)
    return suppressed


def _cleanup(structure, suppressed, sens, low_lvl, up_lvl, w, lower_bound) -> np.ndarray:
    suppressed = suppressed.copy()
    labels = _labels(structure)
    secondary = np.flatnonzero(suppressed & ~sens)
    for i in secondary[np.argsort(-w[secondary], kind="stable")]:
        suppressed[i] = False
        # only sensitive cells linked to i through relations can be affected
        reach = labels == labels[i]
        if not is_protected(structure, suppressed, sens, low_lvl, up_lvl, lower_bound=lower_bound, cells=reach):
            suppressed[i] = True
    return suppressed


def optimal_pattern(
    structure: TableStructure,
    sensitivity: Sensitivity,
    *,
    weights: np.ndarray | None = None,
    forced: np.ndarray | None = None,
    lower_bound: float = 0.0,
    time_limit: float = 30.0,
) -> np.ndarray:
    """Minimum-cost suppression pattern by mixed-integer programming (small tables only).

    Variables: ``x_i`` binary (cell suppressed) and, for every sensitive cell ``p`` and direction,
    a deviation vector ``y = y+ - y-`` with ``R y = 0``, ``y-_i <= (a_i - lb) x_i``,
    ``y+_i <= M x_i`` and ``y_p = +upper_p`` or ``-lower_p`` (Fischetti & Salazar-González 2000,
    model (8)-(12), compact form without Benders decomposition). If HiGHS stops at ``time_limit``
    the best pattern found so far is returned: it is protected (feasible), but maybe not minimal.
    """
    n = structure.n_cells
    w = default_weights(structure) if weights is None else np.asarray(weights, float)
    sens = sensitivity.mask.copy()
    if forced is not None:
        sens |= np.asarray(forced, bool)
    a = structure.values
    cap = np.maximum(a - lower_bound, 0.0)
    big_m = float(np.sum(np.abs(a))) + float(np.max(sensitivity.upper, initial=0.0)) + 1.0
    r = structure.relations
    patterns = []
    for p in np.flatnonzero(sens):
        if sensitivity.upper[p] > 0:
            patterns.append((p, True, float(sensitivity.upper[p])))
        lo = float(min(sensitivity.lower[p], cap[p]))
        if lo > 0:
            patterns.append((p, False, lo))
    n_pat = len(patterns)
    n_var = n + 2 * n * n_pat
    if n_var > 300_000:
        raise ValueError(f"the exact model would have {n_var} variables; use method='lp' or 'hypercube' "
                         "for a table this large")
    lb = np.zeros(n_var)
    ub = np.full(n_var, np.inf)
    ub[:n] = 1.0
    lb[:n][sens] = 1.0
    rows = []
    eye = sparse.identity(n, format="csr")
    for t, (p, up, amt) in enumerate(patterns):
        base = n + 2 * n * t
        if up:
            lb[base + p] = ub[base + p] = amt
            ub[base + n + p] = 0.0
        else:
            lb[base + n + p] = ub[base + n + p] = amt
            ub[base + p] = 0.0
        blocks = [None] * (1 + 2 * n_pat)
        if r.shape[0]:
            blocks[1 + 2 * t], blocks[2 + 2 * t] = r, -r
            rows.append(("eq", sparse.hstack([sparse.csr_matrix((r.shape[0], n))] + [
                b if b is not None else sparse.csr_matrix((r.shape[0], n)) for b in blocks[1:]]).tocsr()))
        # y+ <= M x ; y- <= cap x
        plus = [sparse.csr_matrix((n, n))] * (2 * n_pat)
        plus[2 * t] = eye
        rows.append(("le", sparse.hstack([-big_m * eye] + plus).tocsr()))
        minus = [sparse.csr_matrix((n, n))] * (2 * n_pat)
        minus[2 * t + 1] = eye
        rows.append(("le", sparse.hstack([-sparse.diags(cap)] + minus).tocsr()))
    cons = []
    for kind, mat in rows:
        if kind == "eq":
            cons.append(LinearConstraint(mat, 0.0, 0.0))
        else:
            cons.append(LinearConstraint(mat, -np.inf, 0.0))
    c = np.concatenate([w, np.zeros(n_var - n)])
    integrality = np.concatenate([np.ones(n), np.zeros(n_var - n)])
    res = milp(c, constraints=cons, integrality=integrality, bounds=Bounds(lb, ub),
               options={"time_limit": time_limit})
    if res.x is None:
        raise RuntimeError(f"optimal suppression failed: {res.message}")
    return res.x[:n] > 0.5
