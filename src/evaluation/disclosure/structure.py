"""Tables as linear structures: cells plus the additive relations an attacker knows.

Every published table with margins (one- and two-dimensional, hierarchical, or several tables that
share cells) is, for disclosure control, the same object: a vector of non-negative cell values
``a`` (interior cells *and* totals) and a set of relations ``total = sum of parts``, written as a
sparse matrix ``R`` with ``R @ a = 0`` (coefficient +1 for each part, -1 for the total).  This is
the "linear table" of Hundepohl et al. (2012, sec. 4.4) and of Fischetti & Salazar-González (2000).

Linked tables are handled by the keys: a cell is identified by a hashable key (e.g.
``("rostock", "sr-03", 2022, "alq_sb")``); when two tables contain the same key they share one
variable, so a suppression in one table is a suppression in all of them.

>>> import pandas as pd
>>> s = TableStructure.from_frame(pd.DataFrame({"a": [1, 4, 5], "b": [6, 2, 8], "T": [7, 6, 13]},
...                               index=["x", "y", "T"]), row_total="T", col_total="T")
>>> s.n_cells, s.n_relations
(9, 6)
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse

from ..errors import InputError, Problem

__all__ = ["TableStructure", "Grid"]

#: Relative and absolute tolerance when checking that margins add up.
ADD_RTOL = 1e-9
ADD_ATOL = 1e-6


@dataclass(frozen=True)
class Grid:
    """Position of each cell in a two-dimensional table with margins (for the hypercube method).

    ``row[i]``/``col[i]`` index the extended table (margins included); ``row_sign``/``col_sign`` are
    +1 for an interior line and -1 for the total line.
    """

    row: np.ndarray
    col: np.ndarray
    row_sign: np.ndarray  # per grid row
    col_sign: np.ndarray  # per grid column
    shape: tuple[int, int]


@dataclass
class TableStructure:
    """Cell values, cell keys and the additive relations between them.

    Parameters
    ----------
    keys:
        One hashable key per cell (unique).
    values:
        Cell values (counts or magnitudes), non-negative, NaN not allowed (a missing cell cannot be
        part of an additive table; drop it before).
    relations:
        Sparse matrix (relations x cells); each row reads ``sum(parts) - total = 0``.
    relation_names:
        A readable name per relation, used in error messages.
    grid:
        Set for a plain two-dimensional table, enabling the fast hypercube heuristic.
    """

    keys: list[Hashable]
    values: np.ndarray
    relations: sparse.csr_matrix
    relation_names: list[str] = field(default_factory=list)
    grid: Grid | None = None

    def __post_init__(self) -> None:
        self.values = np.asarray(self.values, dtype=float)
        if len(self.keys) != len(self.values):
            raise InputError("one key per cell value", expected=f"{len(self.values)} keys", found=len(self.keys))
        self.relations = sparse.csr_matrix(self.relations, dtype=float)
        if self.relations.shape[1] != len(self.values):
            raise InputError(
                "relation matrix must have one column per cell",
                expected=f"{len(self.values)} columns",
                found=self.relations.shape[1],
            )
        if not self.relation_names:
            self.relation_names = [f"relation {i}" for i in range(self.relations.shape[0])]
        self._index = {k: i for i, k in enumerate(self.keys)}
        if len(self._index) != len(self.keys):
            dup = pd.Index(self.keys)[pd.Index(self.keys).duplicated()][0]
            raise InputError("cell keys must be unique", row=str(dup), expected="unique keys", found="duplicate")

    # ------------------------------------------------------------------ basic properties
    @property
    def n_cells(self) -> int:
        return len(self.values)

    @property
    def n_relations(self) -> int:
        return self.relations.shape[0]

    @property
    def relation_cells(self) -> list[np.ndarray]:
        """Cell indices of each relation (cached)."""
        cache = self.__dict__.get("_relation_cells")
        if cache is None:
            r = self.relations
            cache = [r.indices[r.indptr[q]:r.indptr[q + 1]] for q in range(r.shape[0])]
            self.__dict__["_relation_cells"] = cache
        return cache

    @property
    def dense_relations(self) -> np.ndarray | None:
        """The relation matrix as a dense array for small structures (fast slicing), else None."""
        if "_dense" not in self.__dict__:
            small = self.n_cells * max(self.n_relations, 1) <= 400_000
            self.__dict__["_dense"] = self.relations.toarray() if small else None
        return self.__dict__["_dense"]

    def index_of(self, key: Hashable) -> int:
        return self._index[key]

    def has(self, key: Hashable) -> bool:
        return key in self._index

    # ------------------------------------------------------------------ validation
    def validate(self, *, allow_negative: bool = False, file: str | None = None) -> None:
        """Raise :class:`InputError` for negative or missing cells and for margins that do not add up.

        Each problem names the cell (row) or the relation, and what was expected vs found.
        """
        problems: list[Problem] = []
        for i in np.flatnonzero(~np.isfinite(self.values)):
            problems.append(Problem("cell value is missing or infinite", file, _row(self.keys[i]), _col(self.keys[i]),
                                    "a finite number", self.values[i]))
        if not allow_negative:
            for i in np.flatnonzero(self.values < 0):
                problems.append(Problem("negative count", file, _row(self.keys[i]), _col(self.keys[i]),
                                        "a value >= 0", self.values[i]))
        if not problems:
            r = self.relations
            resid = r @ self.values
            scale = abs(r) @ np.abs(self.values)
            bad = np.flatnonzero(np.abs(resid) > ADD_ATOL + ADD_RTOL * scale)
            for q in bad[:50]:
                row = r.getrow(q)
                total_idx = row.indices[row.data < 0]
                parts = row.indices[row.data > 0]
                part_sum = float(self.values[parts].sum())
                if len(total_idx) == 1:
                    t = int(total_idx[0])
                    problems.append(Problem(
                        f"margin does not add up ({self.relation_names[q]})", file, _row(self.keys[t]),
                        _col(self.keys[t]), f"{_fmt(part_sum)} (sum of {len(parts)} parts)", _fmt(self.values[t])))
                else:
                    problems.append(Problem(f"relation does not hold ({self.relation_names[q]})", file,
                                            expected="0", found=_fmt(resid[q])))
        if problems:
            raise InputError("the table cannot be protected", problems=problems)

    # ------------------------------------------------------------------ builders
    @classmethod
    def from_relations(
        cls,
        values: Mapping[Hashable, float],
        relations: Iterable[tuple[Hashable, Sequence[Hashable]]],
        *,
        names: Sequence[str] | None = None,
    ) -> TableStructure:
        """Build from a mapping key -> value and relations ``(total_key, [part_keys])``.

        This covers hierarchical tables (Sozialraum within municipality: one relation per
        municipality) and linked tables (the same key in several relations is one cell).

        >>> s = TableStructure.from_relations({"town": 9, "n": 2, "s": 7}, [("town", ["n", "s"])])
        >>> s.n_relations
        1
        """
        keys = list(values.keys())
        vals = np.array([float(values[k]) for k in keys])
        index = {k: i for i, k in enumerate(keys)}
        rows, cols, data, rel_names = [], [], [], []
        for q, (total, parts) in enumerate(relations):
            if total not in index:
                raise InputError("relation names a total that is not a cell", row=str(total),
                                 expected="a key of the table", found=str(total))
            seen = set()
            for p in parts:
                if p not in index:
                    raise InputError("relation names a part that is not a cell", row=str(p),
                                     expected="a key of the table", found=str(p))
                if p in seen or p == total:
                    raise InputError("a cell appears twice in one relation", row=str(p),
                                     expected="distinct parts", found=str(p))
                seen.add(p)
                rows.append(q)
                cols.append(index[p])
                data.append(1.0)
            rows.append(q)
            cols.append(index[total])
            data.append(-1.0)
            rel_names.append(names[q] if names is not None else f"{total} = sum of {len(seen)} parts")
        n_rel = len(rel_names)
        mat = sparse.csr_matrix((data, (rows, cols)), shape=(n_rel, len(keys)))
        return cls(keys, vals, mat, rel_names)

    @classmethod
    def from_series(cls, series: pd.Series, total: Hashable | None = None) -> TableStructure:
        """A one-dimensional table; ``total`` is the label of the total entry (if published)."""
        values = {k: series[k] for k in series.index}
        if total is None:
            return cls.from_relations(values, [])
        if total not in series.index:
            raise InputError("total label not in the table", column=str(total), expected="an index label",
                             found=list(series.index)[:10])
        parts = [k for k in series.index if k != total]
        return cls.from_relations(values, [(total, parts)], names=[f"total '{total}'"])

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        row_total: Hashable | None = None,
        col_total: Hashable | None = None,
    ) -> TableStructure:
        """A two-dimensional table. ``row_total`` is the label of the total *row* (the column sums),
        ``col_total`` the label of the total *column* (the row sums); either may be None.

        Keys are ``(row_label, column_label)``.
        """
        if frame.index.has_duplicates or frame.columns.has_duplicates:
            raise InputError("row and column labels must be unique", expected="unique labels", found="duplicates")
        if row_total is not None and row_total not in frame.index:
            raise InputError("total row not found", row=str(row_total), expected="a row label",
                             found=list(frame.index)[:10])
        if col_total is not None and col_total not in frame.columns:
            raise InputError("total column not found", column=str(col_total), expected="a column label",
                             found=list(frame.columns)[:10])
        if all(pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t) for t in frame.dtypes):
            vals = frame.to_numpy(dtype=float)
        else:
            num = frame.apply(pd.to_numeric, errors="coerce")
            bad = num.isna() & frame.notna()
            if bad.to_numpy().any():
                r, c = np.argwhere(bad.to_numpy())[0]
                raise InputError("cell is not a number", row=str(frame.index[r]), column=str(frame.columns[c]),
                                 expected="a number", found=frame.iat[r, c])
            vals = num.to_numpy(dtype=float)
        rows = list(frame.index)
        cols = list(frame.columns)
        nr, nc = len(rows), len(cols)
        keys = [(r, c) for r in rows for c in cols]
        flat = vals.reshape(-1)
        rr, cc, dd, names = [], [], [], []
        q = 0
        ir = {r: i for i, r in enumerate(rows)}
        ic = {c: j for j, c in enumerate(cols)}
        if col_total is not None:  # every row: sum over interior columns = row total
            jt = ic[col_total]
            inner = [ic[c] for c in cols if c != col_total]
            for i in range(nr):
                for j in inner:
                    rr.append(q), cc.append(i * nc + j), dd.append(1.0)
                rr.append(q), cc.append(i * nc + jt), dd.append(-1.0)
                names.append(f"row '{rows[i]}': columns add up to '{col_total}'")
                q += 1
        if row_total is not None:
            it = ir[row_total]
            inner = [ir[r] for r in rows if r != row_total]
            for j in range(nc):
                for i in inner:
                    rr.append(q), cc.append(i * nc + j), dd.append(1.0)
                rr.append(q), cc.append(it * nc + j), dd.append(-1.0)
                names.append(f"column '{cols[j]}': rows add up to '{row_total}'")
                q += 1
        mat = sparse.csr_matrix((dd, (rr, cc)), shape=(q, nr * nc))
        row_sign = np.array([-1 if r == row_total else 1 for r in rows])
        col_sign = np.array([-1 if c == col_total else 1 for c in cols])
        grid = None
        if row_total is not None and col_total is not None:
            grid = Grid(np.repeat(np.arange(nr), nc), np.tile(np.arange(nc), nr), row_sign, col_sign, (nr, nc))
        return cls(keys, flat, mat, names, grid)

    @classmethod
    def link(cls, structures: Sequence[TableStructure]) -> TableStructure:
        """Merge several tables; cells with the same key become one cell (linked tables).

        Raises :class:`InputError` if a shared cell has different values in two tables.
        """
        keys: list[Hashable] = []
        vals: list[float] = []
        index: dict[Hashable, int] = {}
        blocks, names = [], []
        for t, s in enumerate(structures):
            cols = np.empty(s.n_cells, dtype=int)
            for i, k in enumerate(s.keys):
                if k in index:
                    j = index[k]
                    if not np.isclose(vals[j], s.values[i], rtol=ADD_RTOL, atol=ADD_ATOL):
                        raise InputError(f"a cell shared by linked tables differs in table {t + 1}", row=str(k),
                                         expected=_fmt(vals[j]), found=_fmt(s.values[i]))
                else:
                    j = len(keys)
                    index[k] = j
                    keys.append(k)
                    vals.append(float(s.values[i]))
                cols[i] = j
            coo = s.relations.tocoo()
            blocks.append((coo.row, cols[coo.col], coo.data))
            names.extend(f"table {t + 1}: {n}" for n in s.relation_names)
        offset = 0
        rr, cc, dd = [], [], []
        for (r, c, d), s in zip(blocks, structures):
            rr.append(r + offset), cc.append(c), dd.append(d)
            offset += s.n_relations
        mat = sparse.csr_matrix(
            (np.concatenate(dd) if dd else [], (np.concatenate(rr) if rr else [], np.concatenate(cc) if cc else [])),
            shape=(offset, len(keys)),
        )
        # remove duplicated relations (the same margin published in two tables)
        if offset:
            mat, keep = _unique_rows(mat)
            names = [names[i] for i in keep]
        return cls(keys, np.array(vals), mat, names)


def _unique_rows(mat: sparse.csr_matrix) -> tuple[sparse.csr_matrix, list[int]]:
    seen: dict[tuple, int] = {}
    keep = []
    for q in range(mat.shape[0]):
        row = mat.getrow(q)
        sig = tuple(sorted(zip(row.indices.tolist(), row.data.tolist())))
        if sig not in seen:
            seen[sig] = q
            keep.append(q)
    return mat[keep], keep


def _row(key: Hashable) -> str:
    if isinstance(key, tuple) and len(key) == 2:
        return str(key[0])
    return str(key)


def _col(key: Hashable) -> str | None:
    if isinstance(key, tuple) and len(key) == 2:
        return str(key[1])
    return None


def _fmt(x: float) -> str:
    x = float(x)
    return str(int(x)) if x.is_integer() else f"{x:.6g}"
