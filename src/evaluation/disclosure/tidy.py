"""Disclosure control for the tidy indicator table the reports publish.

:func:`suppress_indicator_values` takes the ``indicator_values`` contract (one row per
municipality × area × year × indicator, with numerator, denominator and value) and returns it with
suppressed numerators and values masked (NaN) and the ``flag`` column carrying the German mark.

The additive structure it protects:

* for every municipality, year and indicator, the municipality row (``area_id ==
  municipality_id``) is the total of its Sozialraum rows (hierarchical table);
* optionally, ``indicator_hierarchy={"alq": ["alq_m", "alq_w"]}`` adds relations across
  indicators (a group breakdown), making each year a two-dimensional hierarchical table;
* Sozialraum rows whose numerator is missing (not available) enter as one hidden "rest" cell per
  total (``total - published parts``), exactly what an intruder can compute.

All years, areas and indicators form *one* linked structure, so a cell that appears in a table by
year, one by Sozialraum and one by group of the same report is the same cell, suppressed in every
table drawn from the result.

Consecutive annual reports: an intruder can difference this year's report against last year's.
Pass the previous report's output as ``previous``: every cell suppressed there is suppressed again
(flag "gesperrt (frühere Veröffentlichung)" if it would otherwise be published), so the published
set of any year's figures can only shrink and the union of both reports reveals no more than the
older one. Figures that are *cumulative* across years (e.g. "seit Programmstart") are not related
to annual figures by this function; publish them only through :func:`~.tables.suppress_linked`
with the relation made explicit, or not at all.

Rates and shares: ``value`` is masked wherever the numerator is suppressed. Denominators are
published unless ``protect_denominator=True``, in which case they are treated as counts too
(their own frequency rule and Sozialraum margins), and a masked denominator masks the value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import InputError, Problem
from ..texts import text
from .primary import Sensitivity, frequency_rule
from .secondary import default_weights, protect
from .structure import TableStructure

__all__ = ["suppress_indicator_values"]

_KEY = ["municipality_id", "area_id", "year", "indicator_id"]
_REST = "__rest__"


def _check_columns(df: pd.DataFrame, file: str | None) -> None:
    missing = [c for c in _KEY + ["numerator"] if c not in df.columns]
    if missing:
        raise InputError("indicator table lacks columns", file=file, column=missing[0],
                         expected=", ".join(_KEY + ["numerator", "denominator", "value", "flag"]),
                         found=list(df.columns))
    dup = df.duplicated(_KEY, keep=False)
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise InputError("duplicate row for municipality × area × year × indicator", file=file, row=_line(df, i),
                         expected="one row per key", found=tuple(df.iloc[i][_KEY]))


def _line(df: pd.DataFrame, pos: int) -> int | str:
    label = df.index[pos]
    return label if not isinstance(label, (int, np.integer)) else int(label)


def _count_cells(
    df: pd.DataFrame, column: str, indicator_hierarchy: Mapping[str, Sequence[str]], file: str | None,
) -> tuple[dict, list, list[str], dict]:
    """Cells (key -> value), relations and rest-cells for one count column; key -> row position."""
    num = pd.to_numeric(df[column], errors="coerce")
    bad = num.isna() & df[column].notna()
    problems = [Problem("not a number", file, _line(df, i), column, "a count", df[column].iloc[i])
                for i in np.flatnonzero(bad.to_numpy())]
    neg = num < 0
    problems += [Problem("negative count", file, _line(df, i), column, "a value >= 0", float(num.iloc[i]))
                 for i in np.flatnonzero(neg.to_numpy())]
    if problems:
        raise InputError("the indicator table cannot be protected", problems=problems)
    keys = list(zip(df["municipality_id"].astype(str), df["area_id"].astype(str), df["year"].astype(int),
                    df["indicator_id"].astype(str)))
    pos = {k: i for i, k in enumerate(keys)}
    values: dict = {}
    for k, v in zip(keys, num.to_numpy()):
        if np.isfinite(v):
            values[k] = float(v)
    relations: list = []
    names: list[str] = []
    rest: list = []

    def add_relation(total_key, part_keys, what):
        if total_key not in values:
            return
        known = [k for k in part_keys if k in values]
        if not known:
            return
        unknown = [k for k in part_keys if k not in values]
        parts_sum = sum(values[k] for k in known)
        if unknown:
            resid = values[total_key] - parts_sum
            if resid < -1e-6:
                t = pos[total_key]
                raise InputError(f"Sozialraum values exceed the total ({what})", file=file, row=_line(df, t),
                                 column=column, expected=f"at least {parts_sum:g} (sum of published parts)",
                                 found=values[total_key])
            rk = (total_key[0], _REST + "|" + "|".join(map(str, total_key[1:])) + "|" + what, total_key[2],
                  total_key[3])
            values[rk] = max(resid, 0.0)
            rest.append(rk)
            known = known + [rk]
        elif abs(values[total_key] - parts_sum) > 1e-6 + 1e-9 * abs(parts_sum):
            t = pos[total_key]
            raise InputError(f"total does not equal the sum of its parts ({what})", file=file, row=_line(df, t),
                             column=column, expected=f"{parts_sum:g} (sum of {len(known)} parts)",
                             found=values[total_key])
        relations.append((total_key, known))
        names.append(f"{total_key}: {what}")

    # Sozialräume within the municipality, per year and indicator
    by_group = {}
    for k in keys:
        by_group.setdefault((k[0], k[2], k[3]), []).append(k)
    for (m, y, ind), ks in by_group.items():
        total = (m, m, y, ind)
        parts = [k for k in ks if k[1] != m]
        if parts and total in pos:
            add_relation(total, parts, "Sozialräume")
    # groups within an indicator, per area and year
    for parent, kids in (indicator_hierarchy or {}).items():
        for k in keys:
            if k[3] != parent:
                continue
            part_keys = [(k[0], k[1], k[2], c) for c in kids]
            if any(pk in pos for pk in part_keys):
                add_relation(k, part_keys, f"Gruppen von {parent}")
    return values, relations, names, rest


def suppress_indicator_values(
    df: pd.DataFrame,
    threshold: float = 3,
    *,
    suppress_zero: bool = False,
    indicator_hierarchy: Mapping[str, Sequence[str]] | None = None,
    protect_denominator: bool = False,
    previous: pd.DataFrame | None = None,
    method: str = "lp",
    file: str | None = None,
) -> pd.DataFrame:
    """Mask small numerators, everything they can be recalculated from, and the rates built on them.

    Parameters
    ----------
    df:
        Indicator values (contract ``indicator_values``); rows with a missing numerator are left
        as they are.
    threshold:
        Numerators ``0 < n < threshold`` are suppressed (default 3: counts 1 and 2).
    suppress_zero:
        Also suppress true zeros (default False: a 0 is published).
    indicator_hierarchy:
        ``{total_indicator: [group indicators]}`` whose numerators add up.
    protect_denominator:
        Treat denominators as counts that need protection as well.
    previous:
        Output of this function for an earlier report; cells suppressed there stay suppressed.
    method:
        Secondary suppression method (``"lp"`` or ``"optimal"`` for small inputs).

    Returns
    -------
    A copy of ``df`` with ``numerator`` and ``value`` NaN where suppressed (and ``denominator``
    with ``protect_denominator``), ``flag`` set to the German mark (an existing official flag is
    kept where the row is published), and a column ``suppression`` with ``primary``,
    ``secondary`` or ``""``.

    Example
    -------
    >>> import pandas as pd
    >>> rows = [("hro", a, 2022, "alq", n, 100.0) for a, n in [("hro", 12), ("s1", 1), ("s2", 5), ("s3", 6)]]
    >>> df = pd.DataFrame(rows, columns=["municipality_id", "area_id", "year", "indicator_id", "numerator",
    ...                                  "denominator"])
    >>> df["value"] = df.numerator / df.denominator
    >>> out = suppress_indicator_values(df)
    >>> out["suppression"].tolist()
    ['', 'primary', 'secondary', '']
    """
    _check_columns(df, file)
    out = df.copy()
    columns = ["numerator"] + (["denominator"] if protect_denominator and "denominator" in df.columns else [])
    struct_parts, rest_all = [], []
    for col in columns:
        values, rels, names, rest = _count_cells(df, col, indicator_hierarchy or {}, file)
        tagged = {(col,) + k: v for k, v in values.items()}
        s = TableStructure.from_relations(tagged, [((col,) + t, [(col,) + p for p in ps]) for t, ps in rels],
                                          names=names)
        struct_parts.append(s)
        rest_all += [(col,) + r for r in rest]
    structure = TableStructure.link(struct_parts) if len(struct_parts) > 1 else struct_parts[0]
    rest_mask = np.array([k in set(rest_all) for k in structure.keys], dtype=bool)
    sens = frequency_rule(structure.values, threshold, suppress_zero=suppress_zero)
    sens = Sensitivity(sens.mask & ~rest_mask, np.where(rest_mask, 0, sens.lower), np.where(rest_mask, 0, sens.upper),
                       np.where(rest_mask, "", sens.rule).astype(object))
    forced = rest_mask.copy()
    prev_keys: set = set()
    if previous is not None:
        if "suppression" not in previous.columns:
            raise InputError("previous report lacks the 'suppression' column", column="suppression",
                             expected="output of suppress_indicator_values", found=list(previous.columns))
        hidden = previous[previous["suppression"].fillna("").astype(str) != ""]
        for r in hidden.itertuples(index=False):
            k = (str(r.municipality_id), str(r.area_id), int(r.year), str(r.indicator_id))
            for col in columns:
                prev_keys.add((col,) + k)
        forced |= np.array([k in prev_keys for k in structure.keys], dtype=bool)
    w = default_weights(structure)
    supp = protect(structure, sens, method=method, weights=w, forced=forced & ~sens.mask)

    # map back to rows
    flag_text = {"primary": text("disclosure", "flag.primary"), "secondary": text("disclosure", "flag.secondary"),
                 "previous": text("disclosure", "flag.previous")}
    keys = list(zip(df["municipality_id"].astype(str), df["area_id"].astype(str), df["year"].astype(int),
                    df["indicator_id"].astype(str)))
    flags = (out["flag"].astype(object).to_numpy(copy=True) if "flag" in out.columns
             else np.full(len(out), np.nan, dtype=object))
    status_list = []
    for pos_, k in enumerate(keys):
        st, from_previous = "", False
        for col in columns:
            ck = (col,) + k
            if not structure.has(ck):
                continue
            i = structure.index_of(ck)
            if sens.mask[i]:
                st = "primary"
            elif supp[i] and st != "primary":
                st = "secondary"
                from_previous = from_previous or ck in prev_keys
        status_list.append(st)
        if st:
            flags[pos_] = flag_text["previous"] if (st == "secondary" and from_previous) else flag_text[st]
    status = pd.Series(status_list, index=out.index, dtype=object)
    hidden = status.ne("").to_numpy()
    out.loc[hidden, "numerator"] = np.nan
    if "value" in out.columns:
        out["value"] = out["value"].astype(float)
        out.loc[hidden, "value"] = np.nan
    if protect_denominator and "denominator" in out.columns:
        out.loc[hidden, "denominator"] = np.nan
    out["flag"] = pd.Series(flags, index=out.index, dtype=object)
    out["suppression"] = status
    return out
