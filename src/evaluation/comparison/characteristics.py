"""Pre-period characteristics: the structural profile and outcome trend of each municipality.

Comparison municipalities must be chosen on what the municipalities looked like *before* the
programme, never on anything the programme could have changed (Stuart 2010, section 2: "covariates
... should be measured before treatment"). This module turns

* the structure panel (``municipality_id, year, population, density, share_65plus, ...``, one row
  per municipality and year, e.g. the Musterdaten ``structure.csv``) into one row per municipality
  with the average (or the last) value over the pre-period years: :func:`pre_period_characteristics`;
* the indicator values (contract ``indicator_values``) of an outcome into its pre-period level and
  linear trend (slope per year, ordinary least squares): :func:`outcome_trends`. Matching on the
  pre-period trend makes the parallel-trends assumption of difference-in-differences more plausible
  (Abadie 2005; Ryan, Burgess & Dimick 2015 on matching on pre-period outcomes).

Both return a *feature table*: indexed by ``municipality_id`` (str), one float column per
characteristic, NaN where a municipality has no value in the pre-period.

>>> import pandas as pd
>>> structure = pd.DataFrame({"municipality_id": ["a", "a", "b", "b"], "year": [2015, 2016, 2015, 2016],
...                           "population": [100.0, 110.0, 50.0, 50.0]})
>>> pre_period_characteristics(structure, years=[2015, 2016])["population"].tolist()
[105.0, 50.0]
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from evaluation.errors import InputError

#: the structural characteristics of the Musterdaten structure panel, used when none are named
STRUCTURE_VARIABLES: tuple[str, ...] = (
    "population", "density", "share_65plus", "unemployment_rate", "share_severely_disabled",
    "tax_revenue_per_capita",
)


def _years(years: Iterable[int] | int) -> list[int]:
    if isinstance(years, (int, np.integer)):
        return [int(years)]
    out = sorted({int(y) for y in years})
    if not out:
        raise InputError("no pre-period years given", column="year", expected="at least one year before the programme")
    return out


def pre_period_characteristics(
    structure: pd.DataFrame,
    years: Iterable[int] | int,
    variables: Sequence[str] | None = None,
    *,
    how: Literal["mean", "last"] = "mean",
) -> pd.DataFrame:
    """One row per municipality: each characteristic averaged over (or last observed in) ``years``.

    Parameters
    ----------
    structure: panel with ``municipality_id``, ``year`` and the characteristic columns.
    years: the pre-period years (e.g. ``range(2012, 2017)`` for a programme starting in 2017).
    variables: characteristics to keep; default the Musterdaten ones present in ``structure``.
    how: ``"mean"`` averages the years observed (smooths noise of small municipalities);
        ``"last"`` takes the latest observed year within ``years`` (the state just before the start).

    Returns a feature table (index ``municipality_id``); NaN where a municipality has no observed value
    in ``years`` for a characteristic. A municipality with no row in ``years`` at all is absent.
    """
    for col in ("municipality_id", "year"):
        if col not in structure.columns:
            raise InputError(f"structure panel lacks column '{col}'", column=col,
                             expected="columns municipality_id, year and the characteristics")
    if how not in ("mean", "last"):
        raise InputError(f"unknown aggregation how={how!r}", expected="'mean' or 'last'", found=how)
    yrs = _years(years)
    if variables is None:
        variables = [v for v in STRUCTURE_VARIABLES if v in structure.columns]
        if not variables:
            raise InputError("structure panel has none of the usual characteristics",
                             expected=f"some of {list(STRUCTURE_VARIABLES)} or an explicit `variables`")
    variables = list(variables)
    missing = [v for v in variables if v not in structure.columns]
    if missing:
        raise InputError(f"structure panel lacks characteristic(s) {missing}", column=missing[0],
                         expected=f"columns {variables}")
    df = structure[["municipality_id", "year", *variables]].copy()
    df["municipality_id"] = df["municipality_id"].astype(str)
    df["year"] = pd.to_numeric(df["year"], errors="raise").astype(int)
    df = df[df["year"].isin(yrs)]
    if df.empty:
        raise InputError(f"structure panel has no rows in the pre-period {yrs[0]}–{yrs[-1]}", column="year",
                         expected=f"years {yrs}")
    dup = df.duplicated(["municipality_id", "year"])
    if dup.any():
        r = df[dup].iloc[0]
        raise InputError(f"municipality '{r['municipality_id']}' has two rows for {r['year']}",
                         row=r["municipality_id"], column="year", expected="one row per municipality and year")
    for v in variables:
        df[v] = pd.to_numeric(df[v], errors="coerce").astype(float)
    if how == "mean":
        out = df.groupby("municipality_id", sort=True)[variables].mean()
    else:
        out = df.sort_values("year").groupby("municipality_id", sort=True)[variables].last()
    out.index.name = "municipality_id"
    return out.astype(float)


def town_panel(values: pd.DataFrame, indicator_id: str) -> pd.DataFrame:
    """Whole-municipality values of one indicator as a wide frame: municipalities x years.

    Uses the rows whose ``area_id`` equals the ``municipality_id`` (the contract's convention for a
    whole-town value); a municipality without such rows but with exactly one area is taken as is.
    Raises :class:`InputError` if the indicator is absent or a municipality has several areas only.
    """
    need = ("municipality_id", "year", "indicator_id", "value")
    for col in need:
        if col not in values.columns:
            raise InputError(f"indicator values lack column '{col}'", column=col,
                             expected="the indicator_values contract")
    v = values[values["indicator_id"].astype(str) == str(indicator_id)].copy()
    if v.empty:
        known = sorted(values["indicator_id"].astype(str).unique())[:12]
        raise InputError(f"indicator '{indicator_id}' has no values", column="indicator_id",
                         expected=f"one of {known}")
    v["municipality_id"] = v["municipality_id"].astype(str)
    if "area_id" in v.columns:
        v["area_id"] = v["area_id"].astype(str)
        whole = v["area_id"] == v["municipality_id"]
        has_whole = v[whole].groupby("municipality_id").size()
        rest = v[~v["municipality_id"].isin(has_whole.index)]
        n_areas = rest.groupby("municipality_id")["area_id"].nunique()
        several = n_areas[n_areas > 1]
        if len(several):
            mid = several.index[0]
            raise InputError(f"municipality '{mid}' has {int(several.iloc[0])} areas but no whole-town value "
                             f"of '{indicator_id}'", row=mid, column="area_id",
                             expected="a row with area_id equal to municipality_id (aggregate the areas first)")
        v = pd.concat([v[whole], rest])
    v["year"] = v["year"].astype(int)
    dup = v.duplicated(["municipality_id", "year"])
    if dup.any():
        r = v[dup].iloc[0]
        raise InputError(f"municipality '{r['municipality_id']}' has two values of '{indicator_id}' in {r['year']}",
                         row=r["municipality_id"], column="year", expected="one whole-town value per year")
    wide = v.pivot(index="municipality_id", columns="year", values="value").astype(float)
    wide.columns = wide.columns.astype(int)
    return wide.sort_index(axis=0).sort_index(axis=1)


def ols_slopes(wide: pd.DataFrame) -> pd.Series:
    """Least-squares slope per row of a municipalities x years frame (NaN ignored; < 2 points -> NaN)."""
    y = wide.to_numpy(dtype=float)
    t = np.asarray(wide.columns, dtype=float)[None, :].repeat(len(wide), axis=0)
    obs = ~np.isnan(y)
    n = obs.sum(axis=1)
    t = np.where(obs, t, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # rows without any value: NaN, said in the docstring
        tbar = np.nanmean(t, axis=1, keepdims=True) if y.size else t
        ybar = np.nanmean(y, axis=1, keepdims=True) if y.size else y
        sxy = np.nansum((t - tbar) * (y - ybar), axis=1)
        sxx = np.nansum((t - tbar) ** 2, axis=1)
        slope = np.where((n >= 2) & (sxx > 0), sxy / np.where(sxx > 0, sxx, 1.0), np.nan)
    return pd.Series(slope, index=wide.index)


def outcome_trends(
    values: pd.DataFrame,
    indicator_id: str,
    years: Iterable[int] | int,
    *,
    prefix: str = "outcome",
) -> pd.DataFrame:
    """Pre-period level and linear trend of an outcome indicator, per municipality.

    Returns a feature table with ``{prefix}_level`` (mean of the whole-town values in ``years``) and
    ``{prefix}_slope`` (ordinary least-squares change per year over ``years``; NaN with fewer than two
    observed years). Use them as matching variables beside the structural characteristics.

    >>> import pandas as pd
    >>> v = pd.DataFrame({"municipality_id": ["a"] * 3, "area_id": ["a"] * 3, "year": [2014, 2015, 2016],
    ...                   "indicator_id": ["x"] * 3, "value": [1.0, 2.0, 3.0]})
    >>> outcome_trends(v, "x", range(2014, 2017)).round(2).to_dict("records")
    [{'outcome_level': 2.0, 'outcome_slope': 1.0}]
    """
    yrs = _years(years)
    wide = town_panel(values, indicator_id)
    cols = [y for y in wide.columns if y in yrs]
    if not cols:
        raise InputError(f"indicator '{indicator_id}' has no values in the pre-period {yrs[0]}–{yrs[-1]}",
                         column="year", expected=f"values in {yrs}", found=sorted(wide.columns.tolist()))
    pre = wide[cols]
    out = pd.DataFrame({f"{prefix}_level": pre.mean(axis=1), f"{prefix}_slope": ols_slopes(pre)})
    out.index.name = "municipality_id"
    return out
