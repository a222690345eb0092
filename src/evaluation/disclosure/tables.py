"""Suppress a wide table (1-D or 2-D, with margins, hierarchical) or several linked tables.

:func:`suppress` is the public entry point: table (+ totals) -> the same table with suppressed
cells masked (NaN) and a parallel table of marks saying why (primary, secondary).

>>> import pandas as pd
>>> t = pd.DataFrame({"A": [1, 6, 7], "B": [5, 8, 13], "C": [9, 9, 18], "T": [15, 23, 38]},
...                  index=["x", "y", "T"])
>>> r = suppress(t, totals="T")
>>> r.status.loc["x", "A"], int((r.status == "secondary").sum().sum())
('primary', 3)
>>> bool(r.audit()["protected"].all())
True
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import InputError
from ..results import ResultMixin
from ..texts import text
from .attack import attack
from .primary import Sensitivity, combine, contributor_rule, dominance_rule, frequency_rule, p_percent_rule
from .secondary import default_weights, protect
from .structure import TableStructure

__all__ = ["suppress", "SuppressionResult", "LinkedTable", "suppress_linked", "sensitivity_for", "protect_structure"]


@dataclass
class SuppressionResult(ResultMixin):
    """Outcome of :func:`suppress`.

    Attributes
    ----------
    table:
        The input table with every suppressed cell set to NaN.
    status:
        Same shape: ``"primary"``, ``"secondary"`` or ``""`` (published).
    flags:
        Same shape: the German mark (``"gesperrt (primär)"`` ...) or ``""``.
    rule:
        Same shape: which primary rule made the cell sensitive (``frequency``, ``dominance``,
        ``p_percent``, ``forced``) or ``""``.
    structure, suppressed, sensitivity:
        The linear structure, the suppression mask and protection levels (for :meth:`audit`).
    method:
        The secondary-suppression method used.

    Result interface (:mod:`evaluation.results`): ``estimate`` is the share of the table's cells
    withheld (primary and secondary), ``n`` the cells; ``se``, ``ci_low``, ``ci_high`` and
    ``p_value`` are NaN (a suppression is a decision, not an estimate); ``notes`` give the counts.
    :meth:`audit` has the interval an attacker can derive for every suppressed cell.
    """

    table: pd.DataFrame | pd.Series
    status: pd.DataFrame | pd.Series
    flags: pd.DataFrame | pd.Series
    rule: pd.DataFrame | pd.Series
    structure: TableStructure
    suppressed: np.ndarray
    sensitivity: Sensitivity
    method: str
    threshold: float

    se = ci_low = ci_high = p_value = property(lambda self: float("nan"))
    alpha = property(lambda self: 0.05)

    @property
    def n(self) -> int:
        return int(self.structure.n_cells)

    @property
    def estimate(self) -> float:
        return float(self.suppressed.sum() / self.n) if self.n else float("nan")

    @property
    def notes(self) -> tuple[str, ...]:
        return (f"{self.n_primary} primary and {self.n_secondary} secondary cells suppressed "
                f"(threshold {self.threshold:g})",)

    @property
    def n_primary(self) -> int:
        return int(self.sensitivity.mask.sum())

    @property
    def n_secondary(self) -> int:
        return int((self.suppressed & ~self.sensitivity.mask).sum())

    def audit(self) -> pd.DataFrame:
        """The LP attack on every suppressed cell, with the protection each sensitive cell needed.

        Columns: ``key, value, lower, upper, width, status, need_lower, need_upper, protected``
        (``protected`` is True for secondary cells, which need no protection of their own).
        """
        out = attack(self.structure, self.suppressed)
        idx = np.array([self.structure.index_of(k) for k in out["key"]], dtype=int)
        sens = self.sensitivity
        out["status"] = np.where(sens.mask[idx], "primary", "secondary")
        out["need_lower"] = np.where(sens.mask[idx], out["value"] - sens.lower[idx], np.nan)
        out["need_upper"] = np.where(sens.mask[idx], out["value"] + sens.upper[idx], np.nan)
        tol = 1e-6
        ok_low = ~sens.mask[idx] | (out["lower"].to_numpy() <= out["need_lower"].to_numpy() + tol)
        ok_up = ~sens.mask[idx] | (out["upper"].to_numpy() >= out["need_upper"].to_numpy() - tol)
        out["protected"] = ok_low & ok_up
        return out

    def mask_like(self, derived: pd.DataFrame | pd.Series) -> pd.DataFrame | pd.Series:
        """Mask a derived table of the same shape (rates, shares) wherever the count is suppressed."""
        if derived.shape != self.table.shape:
            raise InputError("derived table must have the shape of the count table", expected=str(self.table.shape),
                             found=str(derived.shape))
        return derived.mask(self.status.ne("").to_numpy())

    def summary(self) -> str:
        """One German sentence for the methods chapter."""
        return text("disclosure", "summary", n_primary=self.n_primary, n_secondary=self.n_secondary,
                    n_cells=self.structure.n_cells)


def sensitivity_for(
    structure: TableStructure,
    *,
    threshold: float = 3,
    suppress_zero: bool = False,
    contributions: Mapping[Hashable, Sequence[float]] | None = None,
    dominance: tuple[int, float] | None = None,
    p_percent: float | None = None,
    min_contributors: int | None = None,
    count_table: bool | None = None,
) -> Sensitivity:
    """Primary sensitivity of every cell under the chosen rules.

    Count tables (no ``contributions``): the frequency rule. Magnitude tables: the rules named
    (``dominance=(n, k)``, ``p_percent=p``, ``min_contributors``); with none named, the p % rule
    with p = 10 and at least 3 contributors, a common default of the statistical offices.
    """
    if count_table is None:
        count_table = contributions is None
    if count_table:
        return frequency_rule(structure.values, threshold, suppress_zero=suppress_zero)
    if contributions is None:
        raise InputError("magnitude rules need contributions", column="contributions", expected="a mapping",
                         found=None)
    unknown = [k for k in contributions if not structure.has(k)]
    if unknown:
        raise InputError("contributions for a cell that is not in the table", row=str(unknown[0]),
                         column="contributions", expected="a cell key", found=str(unknown[0]))
    if dominance is None and p_percent is None and min_contributors is None:
        p_percent, min_contributors = 10.0, 3
    parts = []
    if dominance is not None:
        parts.append(dominance_rule(structure.keys, structure.values, contributions, *dominance))
    if p_percent is not None:
        parts.append(p_percent_rule(structure.keys, structure.values, contributions, p_percent))
    if min_contributors is not None:
        parts.append(contributor_rule(structure.keys, structure.values, contributions, min_contributors))
    return combine(*parts)


def protect_structure(
    structure: TableStructure,
    sensitivity: Sensitivity,
    *,
    method: str = "auto",
    cost: str = "count",
    forced: np.ndarray | None = None,
) -> np.ndarray:
    """Validate nothing, protect: the suppression mask for a structure (see :func:`.secondary.protect`)."""
    w = default_weights(structure, cost)
    if forced is not None:
        forced = np.asarray(forced, bool) & ~sensitivity.mask
    # forced cells (suppressed in an earlier publication) stay hidden; they need no protection of their own
    return protect(structure, sensitivity, method=method, weights=w, forced=forced)


def _build(table, totals, row_total, col_total, row_hierarchy, col_hierarchy) -> TableStructure:
    if isinstance(table, pd.Series):
        if table.index.has_duplicates:
            raise InputError("labels must be unique", row=str(table.index[table.index.duplicated()][0]),
                             expected="unique labels", found="duplicate")
        num = pd.to_numeric(table, errors="coerce")
        bad = num.isna() & table.notna()
        if bad.any():
            k = table.index[bad.to_numpy()][0]
            raise InputError("cell is not a number", row=str(k), expected="a number", found=table[k])
        total = totals if totals is not None else row_total
        if total is not None and total not in table.index:
            raise InputError("total label not in the table", row=str(total), expected="an index label",
                             found=list(table.index)[:10])
        hierarchy = dict(row_hierarchy or {})
        vals = {k: float(num[k]) for k in table.index}
        rels: list = []
        for parent, kids in hierarchy.items():
            for k in [parent, *kids]:
                if k not in vals:
                    raise InputError("hierarchy names a label that is not in the table", row=str(k),
                                     expected="an index label", found=str(k))
            rels.append((parent, list(kids)))
        if total is not None and total not in hierarchy:
            rels.append((total, _top_level(table.index, hierarchy, total)))
        return TableStructure.from_relations(vals, rels)
    if not isinstance(table, pd.DataFrame):
        raise InputError("table must be a pandas DataFrame or Series", expected="DataFrame/Series",
                         found=type(table).__name__)
    if totals is not None:
        row_total = totals if (row_total is None and totals in table.index) else row_total
        col_total = totals if (col_total is None and totals in table.columns) else col_total
        if row_total is None and col_total is None:
            raise InputError("totals label found neither as a row nor as a column", column=str(totals),
                             expected="a row or column label", found=list(table.columns)[:10])
    if not row_hierarchy and not col_hierarchy:
        return TableStructure.from_frame(table, row_total=row_total, col_total=col_total)
    # hierarchical: build relations explicitly
    plain = TableStructure.from_frame(table)  # validates labels and numbers
    vals = dict(zip(plain.keys, plain.values))
    rels: list = []
    row_hierarchy, col_hierarchy = dict(row_hierarchy or {}), dict(col_hierarchy or {})
    for c in table.columns:
        col_keys = [(r, c) for r in table.index]
        rels += _hier_relations(col_keys, 0, row_hierarchy, row_total)
        if row_total is not None and row_total not in row_hierarchy:
            rels.append(((row_total, c), [(r, c) for r in _top_level(table.index, row_hierarchy or {}, row_total)]))
    for r in table.index:
        row_keys = [(r, c) for c in table.columns]
        rels += _hier_relations(row_keys, 1, col_hierarchy, col_total)
        if col_total is not None and col_total not in col_hierarchy:
            rels.append(((r, col_total), [(r, c) for c in _top_level(table.columns, col_hierarchy or {}, col_total)]))
    return TableStructure.from_relations(vals, rels)


def _top_level(labels: Iterable, hierarchy: Mapping, total) -> list:
    children = {c for kids in hierarchy.values() for c in kids}
    return [x for x in labels if x != total and x not in children]


def _hier_relations(keys: list[tuple], pos: int, hierarchy: Mapping, total) -> list:
    by_label = {k[pos]: k for k in keys}
    rels = []
    for parent, kids in hierarchy.items():
        if parent not in by_label:
            raise InputError("hierarchy names a parent that is not in the table", row=str(parent),
                             expected="a row/column label", found=str(parent))
        missing = [k for k in kids if k not in by_label]
        if missing:
            raise InputError("hierarchy names a child that is not in the table", row=str(missing[0]),
                             expected="a row/column label", found=str(missing[0]))
        rels.append((by_label[parent], [by_label[k] for k in kids]))
    return rels


def _reshape(table, structure, arr: np.ndarray, fill) -> pd.DataFrame | pd.Series:
    dtype = object if fill == "" else float
    if isinstance(table, pd.Series):
        pos = [structure.index_of(k) for k in table.index]
        return pd.Series(np.asarray(arr)[pos], index=table.index, name=table.name, dtype=dtype)
    pos = [structure.index_of((r, c)) for r in table.index for c in table.columns]
    vals = np.asarray(arr)[pos].reshape(table.shape)
    return pd.DataFrame(vals, index=table.index, columns=table.columns, dtype=dtype)


def suppress(
    table: pd.DataFrame | pd.Series,
    *,
    totals: Hashable | None = None,
    row_total: Hashable | None = None,
    col_total: Hashable | None = None,
    row_hierarchy: Mapping[Hashable, Sequence[Hashable]] | None = None,
    col_hierarchy: Mapping[Hashable, Sequence[Hashable]] | None = None,
    threshold: float = 3,
    suppress_zero: bool = False,
    contributions: Mapping[Hashable, Sequence[float]] | None = None,
    dominance: tuple[int, float] | None = None,
    p_percent: float | None = None,
    min_contributors: int | None = None,
    forced: Iterable[Hashable] | None = None,
    method: str = "auto",
    cost: str = "count",
) -> SuppressionResult:
    """Primary and secondary cell suppression of one table.

    Parameters
    ----------
    table:
        Counts (or magnitudes) as a DataFrame (2-D) or Series (1-D), margins included as rows /
        columns. No NaN: a missing cell cannot be protected by additivity.
    totals:
        Label of the total row and/or column (e.g. ``"Insgesamt"``); or give ``row_total`` (the
        row holding column sums) and ``col_total`` (the column holding row sums) separately.
    row_hierarchy, col_hierarchy:
        Sub-totals, ``{parent: [children]}``: e.g. the municipality row as the sum of its
        Sozialraum rows. ``totals`` then sums the top-level lines only.
    threshold, suppress_zero:
        Frequency rule: counts ``0 < n < threshold`` are sensitive (default 3: counts 1 and 2).
    contributions:
        For magnitude tables, ``{cell key: [contributions]}`` (cell key ``(row, column)`` or the
        Series label); enables ``dominance=(n, k)``, ``p_percent=p`` and ``min_contributors``.
    forced:
        Cell keys that must stay suppressed (suppressed in an earlier report of the same figures).
    method:
        Secondary suppression: ``"auto"``, ``"lp"``, ``"hypercube"`` or ``"optimal"``.
    cost:
        ``"count"`` (fewest cells) or ``"value"`` (smallest suppressed total).

    Returns
    -------
    SuppressionResult
        ``table`` with the suppressed cells set to NaN, ``status``/``flags``/``rule`` per cell,
        ``n_primary``, ``n_secondary``; :meth:`SuppressionResult.audit` gives the interval an
        attacker can derive for each suppressed cell by linear programming.

    Raises
    ------
    InputError
        Negative counts, non-numbers, or margins that do not add up (naming row, column, expected
        and found).

    References
    ----------
    Hundepohl, A. et al. (2012). *Statistical Disclosure Control*. Wiley, ch. 4 (frequency and
    dominance rules, secondary suppression by linear programming, the attacker's intervals).

    Examples
    --------
    The counts 2 and 1 fall under the frequency rule; two further cells per row and column must go
    so that the totals do not give them away:

    >>> t = pd.DataFrame({"A": [2, 10, 12], "B": [8, 1, 9], "total": [10, 11, 21]},
    ...                  index=["x", "y", "total"])
    >>> r = suppress(t, totals="total")
    >>> r.n_primary, r.n_secondary, bool(r.audit()["protected"].all())
    (2, 4, True)
    """
    structure = _build(table, totals, row_total, col_total, row_hierarchy, col_hierarchy)
    structure.validate(allow_negative=False)
    sens = sensitivity_for(structure, threshold=threshold, suppress_zero=suppress_zero, contributions=contributions,
                           dominance=dominance, p_percent=p_percent, min_contributors=min_contributors)
    forced_mask = None
    if forced is not None:
        forced_mask = np.zeros(structure.n_cells, bool)
        for k in forced:
            if structure.has(k):
                forced_mask[structure.index_of(k)] = True
    if method == "auto":
        method_used = "hypercube" if (structure.grid is not None and structure.n_cells > 400) else "lp"
    else:
        method_used = method
    supp = protect_structure(structure, sens, method=method_used, cost=cost, forced=forced_mask)
    return _result(table, structure, supp, sens, method_used, threshold, forced_mask)


def _result(table, structure, supp, sens, method, threshold, forced_mask) -> SuppressionResult:
    status = np.where(sens.mask, "primary", np.where(supp, "secondary", "")).astype(object)
    flag_p, flag_s = text("disclosure", "flag.primary"), text("disclosure", "flag.secondary")
    flags = np.where(sens.mask, flag_p, np.where(supp, flag_s, "")).astype(object)
    rule = sens.rule.copy()
    if forced_mask is not None:
        rule = np.where(forced_mask & ~sens.mask, "forced", rule).astype(object)
    masked_vals = np.where(supp, np.nan, structure.values)
    return SuppressionResult(
        table=_reshape(table, structure, masked_vals, np.nan),
        status=_reshape(table, structure, status, ""),
        flags=_reshape(table, structure, flags, ""),
        rule=_reshape(table, structure, rule, ""),
        structure=structure,
        suppressed=supp,
        sensitivity=sens,
        method=method,
        threshold=threshold,
    )


@dataclass
class LinkedTable:
    """One table of a report, with the dimensions its rows and columns stand for.

    Cells of different tables are the same cell when they have the same dimension values: a
    Sozialraum × group table for 2022 (``row_dim="area", col_dim="group", fixed={"year": 2022}``)
    and a year × group table for the whole town (``row_dim="year", col_dim="group",
    fixed={"area": "Gesamt"}``) share the cells of the row ``Gesamt`` / column ``2022``.
    """

    frame: pd.DataFrame
    row_dim: str
    col_dim: str
    row_total: Hashable | None = None
    col_total: Hashable | None = None
    fixed: Mapping[str, Hashable] = field(default_factory=dict)

    def key(self, r: Hashable, c: Hashable) -> tuple:
        d = dict(self.fixed)
        d[self.row_dim] = r
        d[self.col_dim] = c
        return tuple(sorted(d.items(), key=lambda kv: kv[0]))


def suppress_linked(
    tables: Sequence[LinkedTable],
    *,
    threshold: float = 3,
    suppress_zero: bool = False,
    forced: Iterable[tuple] | None = None,
    method: str = "lp",
    cost: str = "count",
) -> list[SuppressionResult]:
    """Suppress several tables of one report together: a cell shared by several tables is one
    cell, suppressed in all of them, and the pattern is safe against an attacker who combines
    every relation of every table (Hundepohl et al. 2012, sec. 4.4.5, linked tables)."""
    parts = []
    for _t, lt in enumerate(tables):
        s = TableStructure.from_frame(lt.frame, row_total=lt.row_total, col_total=lt.col_total)
        s.validate()
        s.keys = [lt.key(r, c) for r, c in s.keys]
        s._index = {k: i for i, k in enumerate(s.keys)}
        s.grid = None
        parts.append(s)
    linked = TableStructure.link(parts)
    sens = frequency_rule(linked.values, threshold, suppress_zero=suppress_zero)
    forced_mask = None
    if forced is not None:
        forced_mask = np.array([k in set(forced) for k in linked.keys])
    supp = protect_structure(linked, sens, method=method, cost=cost, forced=forced_mask)
    results = []
    for lt, s in zip(tables, parts):
        idx = np.array([linked.index_of(k) for k in s.keys])
        sub_sens = Sensitivity(sens.mask[idx], sens.lower[idx], sens.upper[idx], sens.rule[idx])
        sub = _result(lt.frame, _TablesView(lt, s), supp[idx], sub_sens, method, threshold,
                      None if forced_mask is None else forced_mask[idx])
        # the audit of any one table must use the linked structure (an attacker uses all tables)
        sub.structure = linked
        sub.suppressed = supp
        sub.sensitivity = sens
        results.append(sub)
    return results


class _TablesView:
    """Adapter so that :func:`_reshape` can address a linked table's cells by (row, column)."""

    def __init__(self, lt: LinkedTable, s: TableStructure):
        self.lt, self.s = lt, s
        self.values = s.values
        self.n_cells = s.n_cells

    def index_of(self, rc):
        return self.s.index_of(self.lt.key(*rc))
