"""Proof by attack: the interval an intruder can compute for each suppressed cell.

The intruder knows every published cell, every relation ``total = sum of parts`` and that cells are
non-negative. For a suppressed cell ``i`` he solves two linear programmes (Hundepohl et al. 2012,
sec. 4.4.1, "audit"; Fischetti & Salazar-González 2000)::

    lower_i = min x_i   and   upper_i = max x_i
    s.t.  R_S x_S = -R_P a_P,   x_S >= 0

where ``S`` are the suppressed cells (the unknowns) and ``P`` the published ones. The programmes are
solved with HiGHS (``scipy.optimize.linprog``), per connected component of the suppressed cells (two
suppressed cells are connected if they share a relation), which keeps each programme small.

A suppression pattern is *safe* if every sensitive cell's interval reaches at least
``value - lower_protection`` and ``value + upper_protection``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linprog
from scipy.sparse.csgraph import maximum_flow

from ._lp import colwise, quiet_highs
from .structure import TableStructure

__all__ = ["attack", "components", "cell_interval"]

_TOL = 1e-7


def components(structure: TableStructure, suppressed: np.ndarray) -> list[np.ndarray]:
    """Connected components of the suppressed cells (arrays of cell indices).

    Two suppressed cells are connected if a relation contains both (union-find).
    """
    suppressed = np.asarray(suppressed, bool)
    idx = np.flatnonzero(suppressed)
    if len(idx) == 0:
        return []
    parent = {int(i): int(i) for i in idx}

    def find(x: int) -> int:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for cells in structure.relation_cells:
        sup = cells[suppressed[cells]]
        if len(sup) > 1:
            r0 = find(int(sup[0]))
            for c in sup[1:]:
                rc = find(int(c))
                if rc != r0:
                    parent[rc] = r0
    groups: dict[int, list[int]] = {}
    for i in idx:
        groups.setdefault(find(int(i)), []).append(int(i))
    return [np.array(g) for g in groups.values()]


try:  # HiGHS' own Python interface: re-solves with a changed objective from the last basis (fast)
    import highspy as _highspy
except ImportError:  # pragma: no cover - scipy's linprog (the same HiGHS solver, rebuilt per call)
    _highspy = None


class _Component:
    """The linear system for one component: unknowns ``x`` (cells ``idx``) with ``A x = b``, x >= lb."""

    def __init__(self, structure: TableStructure, suppressed: np.ndarray, idx: np.ndarray, lower_bound: float):
        dense = structure.dense_relations
        published = ~suppressed
        if dense is not None:
            cols = dense[:, idx]
            touched = np.flatnonzero(np.any(cols != 0, axis=1))
            self.A = cols[touched]
            self.b = -(dense[touched] @ np.where(published, structure.values, 0.0))
        else:
            r = structure.relations
            touched = np.flatnonzero(abs(r[:, idx]).sum(axis=1).A1 > 0)
            sub = r[touched]
            self.A = sparse.csc_matrix(sub[:, idx])
            self.b = -(sub[:, np.flatnonzero(published)] @ structure.values[published])
        self.idx = idx
        self.lower_bound = lower_bound
        self._h = None
        self._last: int | None = None
        if _highspy is not None and self.A.shape[0]:
            h = quiet_highs()
            h.setOptionValue("presolve", "off")
            lp = _highspy.HighsLp()
            n, m = len(idx), self.A.shape[0]
            lp.num_col_, lp.num_row_ = n, m
            lp.col_cost_ = np.zeros(n)
            lp.col_lower_ = np.full(n, float(lower_bound))
            lp.col_upper_ = np.full(n, _highspy.kHighsInf)
            lp.row_lower_ = np.asarray(self.b, float)
            lp.row_upper_ = np.asarray(self.b, float)
            start, index, value = colwise(self.A)
            lp.a_matrix_.format_ = _highspy.MatrixFormat.kColwise
            lp.a_matrix_.start_ = start
            lp.a_matrix_.index_ = index
            lp.a_matrix_.value_ = value
            h.passModel(lp)
            self._h = h

    def optimise(self, j: int, sense: int) -> float:
        """min (sense=+1) or max (sense=-1) of unknown ``j``; inf if unbounded."""
        if self.A.shape[0] == 0:
            return self.lower_bound if sense > 0 else np.inf
        if self._h is not None:
            value = self._optimise_highspy(j, sense)
            if value is not None:
                return value
        c = np.zeros(len(self.idx))
        c[j] = sense
        res = linprog(c, A_eq=self.A, b_eq=self.b, bounds=[(self.lower_bound, None)] * len(self.idx),
                      method="highs")
        if res.status == 3:  # unbounded
            return -np.inf if sense > 0 else np.inf
        if res.status != 0:
            raise RuntimeError(f"attack LP failed: {res.message}")
        return float(res.x[j])

    def _optimise_highspy(self, j: int, sense: int) -> float | None:
        h = self._h
        if self._last is not None and self._last != j:
            h.changeColCost(self._last, 0.0)
        h.changeColCost(j, float(sense))
        self._last = j
        h.run()
        status = h.getModelStatus()
        if status == _highspy.HighsModelStatus.kOptimal:
            return float(h.getSolution().col_value[j])
        if status in (_highspy.HighsModelStatus.kUnbounded, _highspy.HighsModelStatus.kUnboundedOrInfeasible):
            return -np.inf if sense > 0 else np.inf
        if h.getModelStatus() == _highspy.HighsModelStatus.kInfeasible:
            raise RuntimeError("attack LP infeasible: the published cells contradict the relations")
        # rare: the warm-started simplex stops undecided; fall back to a fresh solve via linprog
        h.clearSolver()
        return None


def cell_interval(structure: TableStructure, suppressed: np.ndarray, cell: int, *, lower_bound: float = 0.0
                  ) -> tuple[float, float]:
    """(min, max) an intruder can derive for one suppressed cell."""
    for comp in components(structure, suppressed):
        pos = np.flatnonzero(comp == cell)
        if len(pos):
            c = _Component(structure, suppressed, comp, lower_bound)
            return c.optimise(int(pos[0]), +1), c.optimise(int(pos[0]), -1)
    raise ValueError("cell is not suppressed")


def _attack_grid(structure: TableStructure, suppressed: np.ndarray, targets: np.ndarray
                 ) -> dict[int, tuple[float, float]] | None:
    """Exact intervals for a 2-D table with margins by maximum flow (None if not applicable).

    In a two-dimensional table with both margins, a deviation vector is a circulation on the
    bipartite graph of rows and columns (margins included, each cell an edge, signs flipped on the
    total row and column); a cell can fall by at most its value. The largest increase of cell
    ``(i, j)`` is then the maximum flow between its row and column nodes in the graph without that
    edge, and likewise the largest decrease (Cox 1980; Hundepohl et al. 2012, sec. 4.4.2: the
    attacker LP of a 2-D table is a network-flow problem). Needs integer counts.
    """
    g = structure.grid
    v = structure.values
    if g is None or not np.all(np.equal(np.round(v), v)) or v.sum() > 2**29:
        return None
    nr, nc = g.shape
    big = int(v.sum()) * 2 + 2
    idx = np.flatnonzero(suppressed)
    r, c = g.row[idx], g.col[idx] + nr
    sign = g.row_sign[g.row[idx]] * g.col_sign[g.col[idx]]
    a = v[idx].astype(np.int64)
    cap_rc = np.where(sign > 0, big, a)
    cap_cr = np.where(sign > 0, a, big)
    src = np.concatenate([r, c])
    dst = np.concatenate([c, r])
    cap = np.concatenate([cap_rc, cap_cr]).astype(np.int32)
    n = nr + nc
    graph = sparse.csr_array((cap, (src, dst)), shape=(n, n))
    graph.sort_indices()
    # position of each cell's two edges in graph.data, to switch the edge off while attacking it
    pos_rc = _csr_positions(graph, r, c)
    pos_cr = _csr_positions(graph, c, r)
    where = {int(i): k for k, i in enumerate(idx)}
    out: dict[int, tuple[float, float]] = {}
    for cell in targets:
        k = where[int(cell)]
        i_node, j_node = int(r[k]), int(c[k])
        saved = graph.data[pos_rc[k]], graph.data[pos_cr[k]]
        graph.data[pos_rc[k]] = 0
        graph.data[pos_cr[k]] = 0
        f_ji = maximum_flow(graph, j_node, i_node).flow_value
        f_ij = maximum_flow(graph, i_node, j_node).flow_value
        graph.data[pos_rc[k]], graph.data[pos_cr[k]] = saved
        up, down = (f_ji, f_ij) if sign[k] > 0 else (f_ij, f_ji)
        val = float(a[k])
        hi = np.inf if up >= big else val + up
        lo = val - min(val, float(down))
        out[int(cell)] = (lo, hi)
    return out


def _csr_positions(graph, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    pos = np.empty(len(rows), dtype=np.int64)
    for k, (i, j) in enumerate(zip(rows, cols)):
        lo, hi = graph.indptr[i], graph.indptr[i + 1]
        pos[k] = lo + np.searchsorted(graph.indices[lo:hi], j)
    return pos


def attack(
    structure: TableStructure,
    suppressed: np.ndarray,
    *,
    cells: np.ndarray | None = None,
    lower_bound: float = 0.0,
    method: str = "auto",
) -> pd.DataFrame:
    """Intervals ``[lower, upper]`` an intruder can compute for suppressed cells.

    Parameters
    ----------
    structure:
        The table(s) and their relations.
    suppressed:
        Boolean mask of suppressed cells.
    cells:
        Optional mask restricting which suppressed cells to attack (default: all suppressed).
    lower_bound:
        What the intruder knows as a lower bound of every cell (0 for counts).
    method:
        ``"lp"`` (two linear programmes per cell, any structure), ``"flow"`` (maximum flow, exact
        for 2-D count tables with both margins and much faster on large tables) or ``"auto"``
        (flow where it applies and the table has more than 2,000 cells).

    Returns
    -------
    DataFrame with columns ``key, value, lower, upper, width`` (one row per attacked cell).

    Example
    -------
    >>> import pandas as pd
    >>> s = TableStructure.from_series(pd.Series({"a": 1, "b": 4, "c": 5, "T": 10}), total="T")
    >>> attack(s, np.array([True, True, False, False]))[["key", "lower", "upper"]].values.tolist()
    [['a', 0.0, 5.0], ['b', 0.0, 5.0]]
    """
    suppressed = np.asarray(suppressed, bool)
    want = suppressed if cells is None else (suppressed & np.asarray(cells, bool))
    rows = []
    use_flow = method == "flow" or (method == "auto" and structure.n_cells > 2000)
    if use_flow and lower_bound == 0.0:
        res = _attack_grid(structure, suppressed, np.flatnonzero(want))
        if res is not None:
            for i, (lo, hi) in res.items():
                rows.append((i, structure.keys[i], structure.values[i], lo, hi))
            return _frame(rows)
        if method == "flow":
            raise ValueError("the flow attack needs a 2-D count table with both margins")
    for comp in components(structure, suppressed):
        targets = np.flatnonzero(want[comp])
        if len(targets) == 0:
            continue
        c = _Component(structure, suppressed, comp, lower_bound)
        for j in targets:
            lo, hi = c.optimise(int(j), +1), c.optimise(int(j), -1)
            i = int(comp[j])
            rows.append((i, structure.keys[i], structure.values[i], lo, hi))
    return _frame(rows)


def _frame(rows: list) -> pd.DataFrame:
    rows.sort(key=lambda r: r[0])
    out = pd.DataFrame(rows, columns=["cell", "key", "value", "lower", "upper"])
    out["width"] = out["upper"] - out["lower"]
    return out.drop(columns="cell").reset_index(drop=True)


def is_protected(
    structure: TableStructure, suppressed: np.ndarray, sensitive: np.ndarray, lower_level: np.ndarray,
    upper_level: np.ndarray, *, lower_bound: float = 0.0, cells: np.ndarray | None = None,
) -> bool:
    """True if every sensitive cell (optionally only those in ``cells``) meets its protection levels."""
    check = sensitive if cells is None else sensitive & cells
    if np.any(check & ~suppressed):
        return False
    need = check & ((upper_level > 0) | (lower_level > 0))
    if structure.grid is not None and lower_bound == 0.0:
        res = _attack_grid(structure, suppressed, np.flatnonzero(need))
        if res is not None:
            for i, (lo, hi) in res.items():
                a = structure.values[i]
                if hi < a + upper_level[i] - _TOL or lo > a - lower_level[i] + _TOL:
                    return False
            return True
    for comp in components(structure, suppressed):
        targets = np.flatnonzero(check[comp])
        if len(targets) == 0:
            continue
        c = _Component(structure, suppressed, comp, lower_bound)
        for j in targets:
            i = int(comp[j])
            a = structure.values[i]
            if upper_level[i] > 0 and c.optimise(int(j), -1) < a + upper_level[i] - _TOL:
                return False
            if lower_level[i] > 0 and c.optimise(int(j), +1) > a - lower_level[i] + _TOL:
                return False
    return True
