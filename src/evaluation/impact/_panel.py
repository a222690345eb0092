"""Panel checks and the wide (units x periods) form the estimators work on.

Unbalanced panels: the group-time estimators (``att_gt``, event study, randomisation inference,
wild cluster bootstrap) need a balanced panel. By default an unbalanced panel is **refused** with
an :class:`InputError` naming the units with gaps; ``unbalanced="drop"`` drops the units with a
missing period or a missing outcome instead and records how many in ``Panel.dropped_units``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evaluation.checks import require_columns as _require_columns
from evaluation.errors import EstimationError, InputError


def require_columns(df: pd.DataFrame, columns: list[str], what: str) -> None:
    """The one column check of the workbench (:func:`evaluation.checks.require_columns`), rows required."""
    _require_columns(df, columns, what, non_empty=True)


def numeric_column(df: pd.DataFrame, column: str, what: str) -> np.ndarray:
    """The column as floats; refuses text and infinite values (missing stays NaN)."""
    try:
        values = pd.to_numeric(df[column], errors="raise").to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{what}: column '{column}' must be numeric", column=column, expected="numbers") from exc
    inf = np.isinf(values)
    if inf.any():
        i = int(np.nonzero(inf)[0][0])
        raise InputError(
            f"{what}: column '{column}' has {int(inf.sum())} infinite value(s) (e.g. a rate divided by a "
            "population of 0); fix them or set them missing",
            row=str(df.index[i]), column=column, expected="finite numbers or missing", found=float(values[i]),
        )
    return values


def check_ids(df: pd.DataFrame, unit: str, what: str) -> None:
    """Refuse unit identifiers that mix numbers and text (they cannot be sorted or matched reliably)."""
    col = df[unit]
    if col.dtype == object:
        kinds = {type(v).__name__ for v in col.dropna().unique()[:100000]}
        kinds = {"number" if k in ("int", "float", "int64", "float64") else k for k in kinds}
        if len(kinds) > 1:
            raise InputError(
                f"{what}: the unit identifiers in column '{unit}' mix types {sorted(kinds)}; "
                "use one type (e.g. convert all to text with .astype(str))",
                column=unit, expected="identifiers of one type", found=sorted(kinds),
            )
    if col.isna().any():
        i = int(np.nonzero(col.isna().to_numpy())[0][0])
        raise InputError(f"{what}: missing unit identifier", row=str(df.index[i]), column=unit,
                         expected="an identifier in every row")


def treated_dropped_note(dropped: list, g_dropped: np.ndarray, g_all: np.ndarray) -> str:
    """Note on dropped incomplete units that says how many of them were treated."""
    n_tr_all = int((np.nan_to_num(g_all) > 0).sum())
    n_tr_drop = int((np.nan_to_num(g_dropped) > 0).sum())
    note = f"dropped {len(dropped)} unit(s) with missing periods or outcomes"
    if n_tr_drop:
        first = [u for u, gv in zip(dropped, g_dropped) if np.nan_to_num(gv) > 0][:5]
        note += (f", {n_tr_drop} of the {n_tr_all} treated unit(s) among them ({', '.join(map(str, first))}): "
                 "the estimate no longer covers these treated units")
    return note


@dataclass(frozen=True)
class Panel:
    """A balanced panel in wide form.

    ``y`` is (units x periods); ``g`` the first treated period per unit (0 = never treated);
    ``units`` and ``times`` the labels of rows and columns.
    """

    y: np.ndarray
    g: np.ndarray
    units: np.ndarray
    times: np.ndarray
    dropped_units: tuple = field(default_factory=tuple)
    notes: tuple[str, ...] = field(default_factory=tuple)


def wide_panel(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    group: str | None = None,
    *,
    treated: str | None = None,
    unbalanced: str = "error",
    what: str = "panel",
) -> Panel:
    """Check a long panel and return it wide.

    The treatment timing comes either from ``group`` (first treated period, 0 or missing = never
    treated; must be constant within a unit) or from a 0/1 ``treated`` indicator per row (must not
    switch off again: treatment is absorbing).
    """
    if unbalanced not in ("error", "drop"):
        raise InputError("unbalanced must be 'error' or 'drop'", expected="'error' | 'drop'", found=unbalanced)
    cols = [outcome, unit, time] + [c for c in (group, treated) if c]
    require_columns(df, cols, what)
    check_ids(df, unit, what)
    data = df[cols].copy()
    tvals = numeric_column(data, time, what)
    if np.isnan(tvals).any():
        raise InputError(f"{what}: missing values in the time column", column=time, expected="a period in every row")
    if not np.all(tvals == np.round(tvals)):
        raise InputError(f"{what}: periods must be whole numbers (years)", column=time, expected="integers")
    data[time] = tvals.astype(np.int64)
    data[outcome] = numeric_column(data, outcome, what)
    dup = data.duplicated([unit, time], keep=False)
    if dup.any():
        first = data.loc[dup, [unit, time]].iloc[0].tolist()
        raise InputError(
            f"{what}: a unit is observed more than once in a period",
            row=str(first),
            column=unit,
            expected="one row per unit and period",
        )

    # treatment timing per unit
    if group is not None:
        gv = pd.to_numeric(data[group], errors="coerce")
        text_vals = gv.isna() & data[group].notna()
        if text_vals.any():
            i = int(np.nonzero(text_vals.to_numpy())[0][0])
            raise InputError(f"{what}: the first treatment period must be a year, 0 or missing (never treated)",
                             row=str(data.index[i]), column=group, expected="a number", found=data[group].iloc[i])
        gv = gv.fillna(0.0)
        bad_g = (gv < 0) | np.isinf(gv) | ((gv > 0) & (gv != np.round(gv)))
        if bad_g.any():
            i = int(np.nonzero(bad_g.to_numpy())[0][0])
            raise InputError(
                f"{what}: the first treatment period must be 0 / missing (never treated) or a whole period; "
                "a negative or fractional value is not a treatment time",
                row=str(data.index[i]), column=group, expected="0 or a whole period", found=float(gv.iloc[i]),
            )
        data[group] = gv
        per_unit = data.groupby(unit, sort=True)[group].agg(["min", "max"])
        bad = per_unit.index[per_unit["min"] != per_unit["max"]]
        if len(bad):
            raise InputError(
                f"{what}: the first treatment period must be the same in every row of a unit "
                "(treatment is absorbing: it cannot switch off or start twice)",
                row=str(bad[0]),
                column=group,
                expected="one value per unit",
            )
        g_unit = per_unit["min"]
    elif treated is not None:
        d = numeric_column(data, treated, what)
        if np.isnan(d).any() or not np.isin(d, (0.0, 1.0)).all():
            raise InputError(f"{what}: the treatment indicator must be 0 or 1", column=treated, expected="0/1")
        data[treated] = d
        data = data.sort_values([unit, time])
        switched_off = data.groupby(unit, sort=False)[treated].diff().lt(0)
        if switched_off.any():
            u = data.loc[switched_off, unit].iloc[0]
            raise InputError(
                f"{what}: treatment switches off in unit {u!r}; these estimators assume a programme "
                "that stays on once started",
                row=str(u),
                column=treated,
                expected="0 ... 0 1 ... 1 within each unit",
            )
        first = data[data[treated] == 1].groupby(unit)[time].min()
        g_unit = pd.Series(0.0, index=pd.Index(sorted(data[unit].unique()), name=unit))
        g_unit.loc[first.index] = first.astype(float)
    else:  # pragma: no cover - internal misuse
        raise InputError("wide_panel needs group or treated")

    wide = data.pivot(index=unit, columns=time, values=outcome).sort_index().sort_index(axis=1)
    g_unit = g_unit.reindex(wide.index)
    notes: list[str] = []
    incomplete = wide.isna().any(axis=1)
    dropped: tuple = ()
    if incomplete.any():
        bad_units = wide.index[incomplete].tolist()
        if unbalanced == "error":
            raise InputError(
                f"{what}: unbalanced panel: {len(bad_units)} unit(s) lack the outcome in some period "
                f"(first: {bad_units[0]!r}); the estimator needs every unit in every period. "
                "Pass unbalanced='drop' to drop these units, or fill the gaps deliberately",
                row=str(bad_units[0]),
                column=outcome,
                expected="a balanced panel",
            )
        dropped = tuple(bad_units)
        notes.append(treated_dropped_note(bad_units, g_unit.loc[incomplete].to_numpy(float),
                                          g_unit.to_numpy(float)))
        wide = wide.loc[~incomplete]
        g_unit = g_unit.loc[~incomplete]
    if len(wide) == 0:
        raise EstimationError(f"{what}: no complete unit left after dropping incomplete ones")
    times = wide.columns.to_numpy(dtype=np.int64)
    if len(times) < 2:
        raise EstimationError(f"{what}: need at least two periods, found {len(times)}")
    return Panel(
        y=wide.to_numpy(dtype=float),
        g=g_unit.to_numpy(dtype=float),
        units=wide.index.to_numpy(),
        times=times,
        dropped_units=dropped,
        notes=tuple(notes),
    )
