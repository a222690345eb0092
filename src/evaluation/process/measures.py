"""The measures inventory of an action plan: counts and shares, the table a council asks for.

Input is the ``measures`` table (one row per municipality and measure: title, responsible
department, provider, target group, Sozialraum, Lebensbereich, start year, status, highest
Wirkungsstufe reached). :func:`inventory` counts measures by one dimension (status, start year,
responsible, provider, target group, area, Lebensbereich, Wirkungsstufe) with the share of all
measures of the municipality; :func:`inventory_overview` stacks all dimensions into one long
table; :func:`crosstab` crosses two dimensions (e.g. status x start year). Measures with the
dimension not recorded are counted in their own row ``category = NaN`` (shown as *nicht angegeben*
in a report) so that shares always add up to 1 over the rows of a dimension.

Target groups may be listed several to a measure ("menschen_mit_behinderung; senioren"); with
``multi_sep=";"`` each measure counts once for every group it names, and shares then refer to
measures (they can add up to more than 1), as the table's ``multiple`` column says.

Example
-------
>>> import pandas as pd
>>> m = pd.DataFrame({"municipality_id": "erlangen", "measure_id": ["1", "2", "3"], "title": ["a", "b", "c"],
...                   "responsible": "Sozialamt", "provider": None, "target_group": None, "area_id": None,
...                   "lebensbereich": "bildung", "status": ["laufend", "laufend", "geplant"],
...                   "start_year": [2018, 2019, None], "wirkungsstufe": [2, 3, None]})
>>> inventory(m, "status")[["category", "n", "share"]].values.tolist()
[['geplant', 1, 0.3333333333333333], ['laufend', 2, 0.6666666666666666], ['abgeschlossen', 0, 0.0], ['verstetigt', 0, 0.0], ['abgebrochen', 0, 0.0]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..contracts import validate
from ..errors import InputError
from ..vocabulary import MEASURE_STATUS, WIRKUNGSEBENE

DIMENSIONS = ("status", "start_year", "responsible", "provider", "target_group", "area_id", "lebensbereich",
              "wirkungsstufe")

#: status that counts as "implemented" (begun and not abandoned)
IMPLEMENTED = ("laufend", "abgeschlossen", "verstetigt")


def _prepare(measures: pd.DataFrame, file: str | None) -> pd.DataFrame:
    data = validate(measures, "measures", file=file)
    return data.copy()


def _explode(data: pd.DataFrame, dimension: str, multi_sep: str | None) -> pd.DataFrame:
    if multi_sep is None or dimension not in data.columns:
        return data
    d = data.copy()
    d[dimension] = d[dimension].map(
        lambda v: [p.strip() for p in str(v).split(multi_sep) if p.strip()] if pd.notna(v) else [np.nan])
    return d.explode(dimension)


def inventory(measures: pd.DataFrame, dimension: str, *, by: Sequence[str] = ("municipality_id",),
              multi_sep: str | None = None, file: str | None = None) -> pd.DataFrame:
    """Number and share of measures per category of ``dimension`` (within each ``by`` group).

    Columns: the ``by`` columns, dimension, category, n, share (of the group's measures), total,
    multiple (True when a measure may count in several categories). Categories are sorted; a missing
    category is kept as NaN. Status categories follow the vocabulary's order and include zero rows for
    statuses that occur nowhere in the group (a council wants to see "abgebrochen: 0").
    """
    if dimension not in DIMENSIONS and dimension not in measures.columns:
        raise InputError("unknown inventory dimension", file=file, column=dimension,
                         expected=f"one of {DIMENSIONS} or a column of the measures table")
    data = _prepare(measures, file)
    if dimension not in data.columns:
        raise InputError("the measures table has no such column", file=file, column=dimension,
                         expected=f"a column among {list(data.columns)}")
    by = list(by)
    rows = []
    for key, g in data.groupby(by, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        total = len(g)
        ex = _explode(g, dimension, multi_sep)
        counts = ex[dimension].value_counts(dropna=False)
        if dimension == "status":
            counts = counts.reindex(list(MEASURE_STATUS), fill_value=0)
        else:
            counts = counts.sort_index(key=lambda s: s.map(lambda v: (pd.isna(v), str(v) if not isinstance(v, (int, np.integer)) else f"{v:012d}")))
        for cat, n in counts.items():
            rows.append({**dict(zip(by, key)), "dimension": dimension,
                         "category": np.nan if pd.isna(cat) else (int(cat) if isinstance(cat, (float, np.floating, np.integer)) and float(cat).is_integer() else cat),
                         "n": int(n), "share": n / total, "total": total, "multiple": multi_sep is not None})
    out = pd.DataFrame(rows, columns=by + ["dimension", "category", "n", "share", "total", "multiple"])
    out["category"] = pd.Series([r["category"] for r in rows], index=out.index, dtype=object)  # keep 2018 an int
    if dimension == "wirkungsstufe":
        out["ebene"] = out["category"].map(lambda v: WIRKUNGSEBENE.get(v, np.nan) if pd.notna(v) else np.nan)
    return out


def inventory_overview(measures: pd.DataFrame, *, dimensions: Sequence[str] = DIMENSIONS,
                       by: Sequence[str] = ("municipality_id",), multi_sep: dict[str, str] | None = None,
                       file: str | None = None) -> pd.DataFrame:
    """All inventory dimensions stacked into one long table (category as text), plus key figures.

    ``multi_sep`` maps a dimension to its list separator, e.g. ``{"target_group": ";"}``.
    """
    data = _prepare(measures, file)
    multi_sep = multi_sep or {}
    frames = []
    for dim in dimensions:
        if dim not in data.columns:
            continue
        t = inventory(data, dim, by=by, multi_sep=multi_sep.get(dim), file=file)
        t["category"] = pd.Series([np.nan if pd.isna(v) else str(v) for v in t["category"]], index=t.index, dtype=object)
        frames.append(t.drop(columns=[c for c in ("ebene",) if c in t.columns]))
    return pd.concat(frames, ignore_index=True)


def key_figures(measures: pd.DataFrame, *, by: Sequence[str] = ("municipality_id",),
                file: str | None = None) -> pd.DataFrame:
    """Headline figures per municipality: measures, implemented (laufend/abgeschlossen/verstetigt),
    sustained (verstetigt), abandoned, share implemented, measures reaching outcome level (step >= 4),
    distinct providers and Sozialräume, first and last start year.
    """
    data = _prepare(measures, file)
    rows = []
    for key, g in data.groupby(list(by), sort=True):
        key = key if isinstance(key, tuple) else (key,)
        n = len(g)
        implemented = int(g["status"].isin(IMPLEMENTED).sum())
        step = g["wirkungsstufe"] if "wirkungsstufe" in g.columns else pd.Series(dtype="Int64")
        known_step = step.notna().sum()
        rows.append({**dict(zip(by, key)), "measures": n, "implemented": implemented,
                     "share_implemented": implemented / n,
                     "sustained": int((g["status"] == "verstetigt").sum()),
                     "abandoned": int((g["status"] == "abgebrochen").sum()),
                     "with_wirkungsstufe": int(known_step),
                     "outcome_or_impact": int((step >= 4).sum()) if known_step else np.nan,
                     "share_outcome_or_impact": float((step >= 4).sum() / known_step) if known_step else np.nan,
                     "providers": int(g["provider"].nunique()) if "provider" in g.columns else np.nan,
                     "areas": int(g["area_id"].nunique()) if "area_id" in g.columns else np.nan,
                     "first_start": g["start_year"].min() if "start_year" in g.columns else np.nan,
                     "last_start": g["start_year"].max() if "start_year" in g.columns else np.nan})
    return pd.DataFrame(rows)


def crosstab(measures: pd.DataFrame, rows: str, columns: str, *, municipality_id: str | None = None,
             normalize: str | None = None, file: str | None = None) -> pd.DataFrame:
    """Cross-table of two dimensions (e.g. ``status`` x ``start_year``) with margins ("Summe").

    ``normalize`` as in :func:`pandas.crosstab` ("index", "columns", "all" or None for counts).
    Missing categories are shown as their own row/column "NA".
    """
    data = _prepare(measures, file)
    if municipality_id is not None:
        data = data[data["municipality_id"] == municipality_id]
        if data.empty:
            raise InputError("no measures for this municipality", file=file, column="municipality_id",
                             found=municipality_id)
    for c in (rows, columns):
        if c not in data.columns:
            raise InputError("the measures table has no such column", file=file, column=c,
                             expected=f"a column among {list(data.columns)}")
    r = data[rows].astype("string").fillna("NA")
    c = data[columns].astype("string").fillna("NA")
    return pd.crosstab(r, c, margins=True, margins_name="total", normalize=normalize or False)
