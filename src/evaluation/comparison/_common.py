"""Shared helpers of :mod:`evaluation.comparison`: the feature table, checks, palette, plot result.

The *feature table* every function here speaks is a DataFrame with one row per municipality,
indexed by ``municipality_id`` (string), and one numeric column per characteristic. A frame with a
``municipality_id`` column is accepted too and turned into that index.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from evaluation.errors import InputError
from evaluation.texts import section, text

#: The Okabe-Ito palette (Okabe & Ito 2008), distinguishable under all common colour-vision deficiencies.
OKABE_ITO: dict[str, str] = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
}


class ComparisonWarning(UserWarning):
    """Something was handled on the user's behalf (a constant characteristic dropped, a caliper not met)."""


@dataclass(frozen=True, eq=False)
class Plot:
    """A figure for the report together with the table behind it and a German text alternative.

    Unpacks as ``fig, table = love_plot(...)``; ``alt_text`` is the sentence a screen reader gets.
    """

    figure: Any
    table: pd.DataFrame
    alt_text: str

    def __iter__(self) -> Iterator[Any]:
        yield self.figure
        yield self.table


def feature_table(
    features: pd.DataFrame,
    variables: Sequence[str] | None = None,
    *,
    what: str = "features",
) -> pd.DataFrame:
    """The characteristics as a float frame indexed by ``municipality_id`` (str), columns ``variables``.

    Raises :class:`InputError` for a missing column, a non-numeric column or a duplicated municipality.
    """
    if not isinstance(features, pd.DataFrame):
        raise InputError(f"{what} must be a pandas DataFrame", expected="a DataFrame with one row per municipality",
                         found=type(features).__name__)
    df = features
    if "municipality_id" in df.columns:
        df = df.set_index("municipality_id")
    df = df.copy()
    df.index = df.index.astype(str)
    df.index.name = "municipality_id"
    if variables is None:
        variables = [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])]
        if not variables:
            raise InputError(f"{what} has no numeric characteristic", expected="numeric columns such as population, density")
    variables = list(variables)
    missing = [v for v in variables if v not in df.columns]
    if missing:
        raise InputError(f"{what} lacks the characteristic(s) {missing}", column=missing[0],
                         expected=f"columns {variables}", found=list(map(str, df.columns)))
    out = pd.DataFrame(index=df.index)
    for v in variables:
        col = df[v]
        if pd.api.types.is_bool_dtype(col):
            col = col.astype(float)
        if not pd.api.types.is_numeric_dtype(col):
            converted = pd.to_numeric(col, errors="coerce")
            bad = col[converted.isna() & col.notna()]
            if len(bad):
                raise InputError(f"characteristic '{v}' is not numeric", row=str(bad.index[0]), column=v,
                                 expected="a number", found=bad.iloc[0])
            col = converted
        out[v] = col.astype(float)
    if out.index.duplicated().any():
        dup = out.index[out.index.duplicated()][0]
        raise InputError(f"municipality '{dup}' appears more than once in {what}", row=dup,
                         column="municipality_id", expected="one row per municipality")
    inf = ~np.isfinite(out.to_numpy()) & out.notna().to_numpy()
    if inf.any():
        r, c = np.argwhere(inf)[0]
        raise InputError("infinite value", row=str(out.index[r]), column=out.columns[c], expected="a finite number",
                         found=float(out.iat[r, c]))
    return out


def require_complete(features: pd.DataFrame, ids: Iterable[str], *, role: str = "model municipality") -> None:
    """Raise :class:`InputError` naming each ``role`` municipality that is absent or lacks a characteristic."""
    problems = []
    for mid in ids:
        if mid not in features.index:
            raise InputError(f"{role} '{mid}' is not in the characteristics table", row=mid, column="municipality_id",
                             expected="one row per municipality, including every model municipality")
        row = features.loc[mid]
        for v in row.index[row.isna()]:
            problems.append((mid, v))
    if problems:
        mid, v = problems[0]
        more = f" (and {len(problems) - 1} more: {problems[1:6]})" if len(problems) > 1 else ""
        raise InputError(f"{role} '{mid}' has no value for characteristic '{v}'{more}; a {role} cannot be "
                         "matched or typed without all its characteristics", row=mid, column=v,
                         expected="a number for every characteristic (impute it, or leave the characteristic out)")


def drop_constant(features: pd.DataFrame, *, context: str) -> tuple[pd.DataFrame, list[str]]:
    """Drop characteristics with no variation (standard deviation 0), warning and returning their names.

    A constant carries no information for a distance or a cluster and cannot be standardised (division
    by zero); dropping it is the documented handling. All characteristics constant is an error.
    """
    sd = features.std(ddof=0, skipna=True)
    constant = [v for v in features.columns if not (sd[v] > 0)]
    if constant:
        if len(constant) == features.shape[1]:
            raise InputError(f"{context}: every characteristic is constant ({constant}); there is nothing to "
                             "distinguish municipalities by", column=constant[0],
                             expected="at least one characteristic that varies between municipalities")
        warnings.warn(f"{context}: constant characteristic(s) {constant} dropped (no variation to use)",
                      ComparisonWarning, stacklevel=3)
    return features.drop(columns=constant), constant


def log_transform(features: pd.DataFrame, log: Iterable[str]) -> pd.DataFrame:
    """Natural log of the ``log`` columns present (for skewed sizes such as population and density)."""
    out = features.copy()
    for v in log:
        if v not in out.columns:
            continue
        col = out[v]
        bad = col[(col <= 0) & col.notna()]
        if len(bad):
            raise InputError(f"characteristic '{v}' is log-transformed but not positive", row=str(bad.index[0]),
                             column=v, expected="a number > 0 (or leave it out of `log`)", found=float(bad.iloc[0]))
        out[v] = np.log(col)
    return out


#: characteristics that are skewed sizes and are compared on the log scale by default
DEFAULT_LOG: tuple[str, ...] = ("population", "density", "area_km2", "unemployed_total",
                                "unemployed_severely_disabled")


def variable_label(variable: str) -> str:
    """The German label of a characteristic (``texts/comparison.yaml``), or the name itself."""
    spec = section("comparison", "variables").get(variable)
    if isinstance(spec, dict) and "label" in spec:
        return str(spec["label"])
    return variable


def variable_phrase(variable: str, direction: int) -> tuple[str, str]:
    """``(kind, words)`` for a characteristic above (``direction > 0``) or below the average."""
    key = "higher" if direction > 0 else "lower"
    spec = section("comparison", "variables").get(variable)
    if isinstance(spec, dict) and key in spec:
        return str(spec.get("kind", "noun")), str(spec[key])
    return "noun", text("comparison", f"variables.generic.{key}", label=variable_label(variable))


def as_id_list(ids: Iterable[Any] | str, *, what: str) -> list[str]:
    if isinstance(ids, str):
        ids = [ids]
    out = [str(i) for i in ids]
    if not out:
        raise InputError(f"no {what} given", expected=f"at least one {what} id")
    if len(set(out)) != len(out):
        dup = next(i for i in out if out.count(i) > 1)
        raise InputError(f"{what} '{dup}' listed twice", row=dup, expected=f"each {what} once")
    return out
