"""Shared helpers of the Musterdaten generator: the synthetic notice, random streams, writers.

Random streams: every component draws from its own generator
``np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(k,)))`` with a fixed key ``k`` per
component (see :data:`STREAMS`), so one component's draws never shift another's and the same seed
gives identical bytes.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.dtypes import StringDType

YEARS = np.arange(2012, 2026)  # the indicator panel's years, 2012-2025
SURVEY_WAVES = (2018, 2021, 2024)
NETWORK_WAVES = (2018, 2021, 2024)

STREAMS = {
    "municipalities": 1,
    "structure": 2,
    "areas": 3,
    "panel_params": 4,
    "panel_comparison": 5,
    "panel_model": 6,
    "effects": 7,
    "survey_population": 8,
    "survey_sample": 9,
    "survey_items": 10,
    "measures": 11,
    "events": 12,
    "network": 13,
    "index": 14,
    "participants": 15,
    "qualitative": 16,
    "coders": 17,
}


@lru_cache(maxsize=1)
def register():
    """The built-in indicator register, parsed once per process."""
    from ..register import load_register

    return load_register()


def rng_for(seed: int, component: str) -> np.random.Generator:
    """The independent random generator of one component (fixed spawn key per component)."""
    return np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(STREAMS[component],)))


def notice(seed: int) -> str:
    """The one-line synthetic notice every file carries (without the leading '# ')."""
    return (f"Musterdaten: synthetisch erzeugt (evaluation demo-data, seed={int(seed)}); "
            "keine echten Personen oder Kommunen.")


def write_csv(df: pd.DataFrame, path: Path, seed: int, decimals: int = 6, chunk: int = 200_000) -> Path:
    """Write ``df`` with the comment line first, LF line ends, UTF-8, deterministic number format.

    Numbers: a numeric column whose values are all whole numbers is written as integers (``46``),
    any other numeric column in fixed-point notation with ``decimals`` places (``58.021978``,
    ``6.000000``); missing values are empty; text is quoted only where CSV needs it. The lines are
    assembled with numpy string ufuncs, ``chunk`` rows at a time (about twice as fast as
    ``DataFrame.to_csv`` at national scale, with bounded memory).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    header = ",".join(_quote(str(c)) for c in df.columns)
    formatters = [_column_formatter(df[c], decimals) for c in df.columns]
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("# " + notice(seed) + "\n")
        fh.write(header + "\n")
        for start in range(0, len(df), chunk):
            stop = min(len(df), start + chunk)
            line = None
            for fmt in formatters:
                text = fmt(start, stop)
                line = text if line is None else np.strings.add(np.strings.add(line, ","), text)
            fh.write("\n".join(line.tolist()))
            fh.write("\n")
    return path


_S = StringDType()


def _quote(v: str) -> str:
    """CSV minimal quoting (as Python's csv.QUOTE_MINIMAL)."""
    if any(c in v for c in ',"\n\r'):
        return '"' + v.replace('"', '""') + '"'
    return v


def _column_formatter(s: pd.Series, decimals: int):
    """A function (start, stop) -> the column's CSV text for those rows (format fixed per column)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = np.array([_quote(str(v)) for v in s.cat.categories] + [""], dtype=_S)
        codes = s.cat.codes.to_numpy().astype(np.int64)
        codes[codes < 0] = len(cats) - 1
        return lambda a, b: cats[codes[a:b]]
    if s.dtype == bool or str(s.dtype) == "boolean":
        vals = s.to_numpy(dtype=object, na_value=None)
        text = np.array(["" if v is None else ("True" if v else "False") for v in vals], dtype=_S)
        return lambda a, b: text[a:b]
    if pd.api.types.is_numeric_dtype(s.dtype):
        x = s.to_numpy(dtype=float, na_value=np.nan)
        finite = x[~np.isnan(x)]
        whole = finite.size == 0 or bool(np.all(finite == np.round(finite)))
        return lambda a, b: _format_numbers(x[a:b], decimals, whole)
    codes, uniques = pd.factorize(s, use_na_sentinel=True)  # quote each distinct value once
    cats = np.array([_quote(str(v)) for v in uniques] + [""], dtype=_S)
    codes = np.asarray(codes, dtype=np.int64)
    codes[codes < 0] = len(cats) - 1
    return lambda a, b: cats[codes[a:b]]


def _format_numbers(x: np.ndarray, decimals: int, whole: bool | None = None) -> np.ndarray:
    """Vectorised fixed-point text for a float array (whole numbers as integers, NaN empty)."""
    missing = np.isnan(x)
    filled = np.where(missing, 0.0, x)
    if whole is None:
        finite = x[~missing]
        whole = finite.size == 0 or bool(np.all(finite == np.round(finite)))
    if whole:
        text = filled.astype(np.int64).astype(_S)
    else:
        scale = 10 ** decimals
        a = np.round(filled * scale).astype(np.int64)
        neg = a < 0
        a = np.abs(a)
        text = (a // scale).astype(_S)
        if decimals > 0:
            frac = np.strings.slice((a % scale + scale).astype(_S), 1, None)
            text = np.strings.add(np.strings.add(text, "."), frac)
        text = np.where(neg, np.strings.add("-", text), text)
    return np.where(missing, np.array("", dtype=_S), text)


def write_json(obj: dict, path: Path, seed: int) -> Path:
    """Write ``obj`` as sorted, indented JSON with the ``_hinweis`` key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"_hinweis": notice(seed), **obj}
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(json.dumps(_jsonable(data), sort_keys=True, indent=2, ensure_ascii=False))
        fh.write("\n")
    return path


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        v = float(obj)
        if not np.isfinite(v):
            return None
        return round(v, 6)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


def largest_remainder(total: int, shares: np.ndarray, minimum: int = 0) -> np.ndarray:
    """Split the integer ``total`` by ``shares`` into integers that sum to ``total`` exactly."""
    shares = np.asarray(shares, dtype=float)
    shares = shares / shares.sum()
    base = np.full(len(shares), minimum, dtype=np.int64)
    rest = int(total) - int(base.sum())
    if rest < 0:
        raise ValueError("total smaller than the minimum per part")
    raw = shares * rest
    out = np.floor(raw).astype(np.int64)
    short = rest - int(out.sum())
    order = np.argsort(-(raw - out), kind="stable")
    out[order[:short]] += 1
    return base + out
