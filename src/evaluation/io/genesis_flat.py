"""The GENESIS flat file (ffcsv), both generations, into the tidy table of ``read_genesis``.

**Long format** (GENESIS-Online since 2024, Destatis "Das neue Flatfile CSV-Format"): one value
per line, English column names in every language::

    statistics_code;statistics_label;time_code;time_label;time;
    1_variable_code;1_variable_label;1_variable_attribute_code;1_variable_attribute_label;...;
    value;value_unit;value_variable_code;value_variable_label[;value_q]

**Wide format** (the earlier ffcsv): German names and one value column per measure, named
``CODE__Label__Unit`` (label with underscores, e.g. ``BEV001__Bevoelkerungsstand__Anzahl``),
each with an optional quality column ``CODE__Label__q``::

    Statistik_Code;Statistik_Label;Zeit_Code;Zeit_Label;Zeit;
    1_Merkmal_Code;1_Merkmal_Label;1_Auspraegung_Code;1_Auspraegung_Label;...;
    BEV001__Bevoelkerungsstand__Anzahl;BEV001__Bevoelkerungsstand__q

Mapping: ``time`` from ``time``/``Zeit``; the classifying variable whose code is a region
variable (``DINSG``, ``DLAND``, ``KREISE``, ``GEMEIN`` ...) or whose attribute codes are all
region codes gives ``region_code``/``region_name``; each other classifying variable becomes a
column named by its label (the common stem where a hierarchy has several labels, e.g.
"Verwendungszwecke des Individualkonsums, 2-Steller" ... "5-Steller"), plus ``<name> (Code)``
with the attribute codes. ``variable`` is the value variable's label, ``unit`` its unit; the cell
symbol and the quality column together give ``flag`` (e.g. ``e`` final, ``()``).
"""

from __future__ import annotations

import os
import re

import numpy as np
import pandas as pd

from ..errors import InputError, Problem
from .genesis_regions import REGION_VARIABLES, region_level, strip_names
from .genesis_source import Source
from .genesis_symbols import UndefinedSymbols, combine_flags, parse_cells

LONG_REQUIRED = ("time", "value")
WIDE_REQUIRED = ("Zeit",)


def flat_kind(header: list[str]) -> str | None:
    """``"flat"`` (long), ``"flat_wide"`` or None for a header line."""
    cols = [c.strip().lstrip("\ufeff") for c in header]
    low = {c.lower() for c in cols}
    if {"time", "value"} <= low and any(re.match(r"^\d+_variable_code$", c.lower()) for c in cols) or (
            {"statistics_code", "time", "value"} <= low):
        return "flat"
    if ("zeit" in low or "time" in low) and any("__" in c for c in cols) and (
            "statistik_code" in low or "statistics_code" in low or any(re.match(r"^\d+_merkmal_code$", c.lower()) for c in cols)):
        return "flat_wide"
    return None


def _read(src: Source) -> pd.DataFrame:
    enc = "utf-8-sig" if src.encoding in ("utf-8", "utf-8-sig") else src.encoding
    try:
        df = pd.read_csv(src.reader(0, len(src.buffer)), sep=";", dtype=str, keep_default_na=False,
                         encoding=enc, quotechar='"', engine="c")
    except pd.errors.ParserError as exc:
        m = re.search(r"line (\d+), saw (\d+)", str(exc))
        raise InputError("a line has more fields than the header (a damaged flat file)", file=src.label,
                         row=int(m.group(1)) if m else None, found=str(exc)) from exc
    df.columns = [c.strip().lstrip("\ufeff") for c in df.columns]
    return df


def _check_complete(src: Source, df: pd.DataFrame, last_col: str) -> None:
    """A truncated download ends inside a line: its last cells are missing (padded with '')."""
    if len(df) == 0:
        raise InputError("the flat file has a header but no data lines", file=src.label, row=2,
                         expected="one line per value")
    # GENESIS ends every line, the last one too, with a line break: a file that stops without one
    # was cut off (its last cell may be a shortened number that would otherwise read as valid)
    tail = bytes(src.buffer[max(0, len(src.buffer) - 1):])
    n_fields = len(df.columns)
    last_line = src.text(max(0, len(src.buffer) - 2000), len(src.buffer)).rstrip("\r\n").split("\n")[-1]
    if tail != b"\n" or last_line.count(";") != n_fields - 1:
        raise InputError("truncated flat file: the last line is cut off (no line break at the end of the file)",
                         file=src.label, row=len(df) + 1, expected=f"{n_fields} fields and a line break",
                         found=last_line[-80:])


def _stem(labels: list[str]) -> str:
    labels = [lab for lab in labels if lab]
    if not labels:
        return "dimension"
    if len(set(labels)) == 1:
        return labels[0]
    prefix = os.path.commonprefix(labels)
    return prefix.rstrip(" ,;-:") or labels[0]


def _classifying(df: pd.DataFrame, code_tpl: str, label_tpl: str, attr_code_tpl: str, attr_label_tpl: str) -> list[tuple]:
    out = []
    k = 1
    while code_tpl.format(k) in df.columns:
        out.append((df[code_tpl.format(k)], df[label_tpl.format(k)], df[attr_code_tpl.format(k)],
                    df[attr_label_tpl.format(k)]))
        k += 1
    return out


def _tidy(src: Source, df: pd.DataFrame, time: pd.Series, dims: list[tuple], variable: pd.Series,
          unit: pd.Series, cells: pd.Series, quality: pd.Series | None, decimal: str, lines: np.ndarray,
          fmt: str, meta: dict) -> pd.DataFrame:
    out: dict[str, object] = {}
    t = time.astype("string").str.strip()
    out["time"] = t.astype("int64") if len(t) and t.str.fullmatch(r"\d{4}").all() else t.astype("str")
    region = None
    for i, (vcode, vlabel, acode, _alabel) in enumerate(dims):
        codes = set(vcode.unique())
        a_uniq = pd.Series(acode.unique(), dtype="string").str.strip()
        if codes <= REGION_VARIABLES or (len(a_uniq) and region_level(a_uniq).notna().all()
                                         and any(w in " ".join(vlabel.unique()) for w in ("Deutschland", "Länder", "Kreise", "Gemeinde", "Regierungsbezirk"))):
            region = i
            break
    if region is not None:
        _, _, acode, alabel = dims[region]
        codes = acode.astype("string").str.strip()
        out["region_code"] = codes.astype("str")
        out["region_name"] = strip_names(alabel).astype("str")
        uniq = codes.unique()
        out["region_level"] = codes.map(dict(zip(uniq, region_level(pd.Series(uniq, dtype="string"))))).astype("str")
    else:
        out["region_code"] = pd.Series([np.nan] * len(df), dtype=object)
        out["region_name"] = pd.Series([np.nan] * len(df), dtype=object)
        out["region_level"] = pd.Series([np.nan] * len(df), dtype=object)
    names = []
    for i, (_vcode, vlabel, acode, alabel) in enumerate(dims):
        if i == region:
            continue
        name = _stem(list(vlabel.unique()))
        while name in out or name in names:
            name = f"{name} ({i + 1})"
        names.append(name)
        out[name] = strip_names(alabel).astype("str")
        out[f"{name} (Code)"] = acode.astype("string").str.strip().astype("str")
    out["variable"] = variable.astype("str")
    out["unit"] = unit.astype("string").str.strip().replace("", pd.NA).astype("str")
    try:
        v, f = parse_cells(cells, decimal=decimal)
    except UndefinedSymbols as exc:
        problems = [Problem("a cell holds a symbol that the Zeichenerklärung does not define", src.label,
                            int(lines[b.position]), "value", "a number or one of - . x / ... * ( ) p r s e", b.text)
                    for b in exc.cells[:50]]
        raise InputError(f"{src.label}: {len(exc.cells)} cell(s) with an undefined symbol", file=src.label,
                         problems=problems) from exc
    out["value"] = v.to_numpy()
    out["flag"] = (combine_flags(f, quality) if quality is not None else f).to_numpy(dtype=object)
    tidy = pd.DataFrame(out)
    for col in tidy.columns:  # text columns as Categoricals, as the classic reader returns them
        if col not in ("time", "value") and not pd.api.types.is_float_dtype(tidy[col]):
            tidy[col] = tidy[col].astype("category")
    if not pd.api.types.is_integer_dtype(tidy["time"]):
        tidy["time"] = tidy["time"].astype("category")
    tidy.attrs["genesis"] = {"format": fmt, "file": src.label, "encoding": src.encoding, **meta,
                             "row_dimensions": names, "row_dimension_names_guessed": False}
    return tidy


def read_flat(src: Source, *, decimal: str = ",") -> pd.DataFrame:
    """Read a flat file (long or wide generation); see the module docstring."""
    df = _read(src)
    kind = flat_kind(list(df.columns))
    if kind is None:
        raise InputError("not a GENESIS flat file: the header names none of the flat-file columns", file=src.label,
                         row=1, expected="statistics_code;...;time;...;value;value_unit;... or Statistik_Code;...;Zeit;...",
                         found=list(df.columns)[:8])
    last = df.columns[-1]
    _check_complete(src, df, last)
    lines = np.arange(2, len(df) + 2)
    lower = {c.lower(): c for c in df.columns}
    stat = df[lower["statistics_code"]].iloc[0] if "statistics_code" in lower else (
        df[lower["statistik_code"]].iloc[0] if "statistik_code" in lower else None)
    stat_label = df[lower["statistics_label"]].iloc[0] if "statistics_label" in lower else (
        df[lower["statistik_label"]].iloc[0] if "statistik_label" in lower else None)
    meta = {"table": None, "statistic": stat, "title": stat_label, "stand": None, "copyright": None,
            "licence": None, "notes": None, "unit": None, "measure": None, "region": None}
    if kind == "flat":
        for col in ("time", "value", "value_unit", "value_variable_label"):
            if col not in df.columns:
                raise InputError(f"the flat file lacks the column '{col}'", file=src.label, row=1, column=col,
                                 expected="the columns of the GENESIS flat file (ffcsv)")
        dims = _classifying(df, "{}_variable_code", "{}_variable_label", "{}_variable_attribute_code",
                            "{}_variable_attribute_label")
        quality = df["value_q"] if "value_q" in df.columns else None
        return _tidy(src, df, df["time"], dims, df["value_variable_label"], df["value_unit"], df["value"],
                     quality, decimal, lines, "flat", meta)
    # wide: melt the CODE__Label__Unit columns, pairing each with its __q column
    tcol = lower.get("zeit") or lower.get("time")
    value_cols = [c for c in df.columns if "__" in c and not c.endswith("__q")]
    q_cols = {c[:-3]: c for c in df.columns if c.endswith("__q")}
    if not value_cols:
        raise InputError("the wide flat file has no value column named CODE__Label__Unit", file=src.label, row=1,
                         expected="columns like BEV001__Bevoelkerungsstand__Anzahl", found=list(df.columns)[-4:])
    pieces = []
    for c in value_cols:
        parts = c.split("__")
        base = "__".join(parts[:2]) if len(parts) >= 3 else c
        q = q_cols.get(base) or q_cols.get(c)
        if len(parts) >= 3:
            label, unit = parts[1].replace("_", " "), "__".join(parts[2:])
        else:
            label, unit = f"{parts[0].replace('_', ' ')} ({parts[1]})", None
        pieces.append((c, q, label, unit))
    n = len(df)
    k = len(pieces)
    idx = np.tile(np.arange(n), k)
    rep = df.take(idx).reset_index(drop=True)
    cells = pd.concat([df[c] for c, *_ in pieces], ignore_index=True)
    quality = pd.concat([df[q] if q else pd.Series([""] * n, dtype="str") for _, q, *_ in pieces], ignore_index=True)
    variable = pd.Series(np.repeat(np.array([p[2] for p in pieces], dtype=object), n), dtype="str")
    unit = pd.Series(np.repeat(np.array([p[3] or "" for p in pieces], dtype=object), n), dtype="str")
    dims_rep = _classifying(rep, "{}_Merkmal_Code", "{}_Merkmal_Label", "{}_Auspraegung_Code", "{}_Auspraegung_Label") \
        or _classifying(rep, "{}_Variable_Code", "{}_Variable_Label", "{}_Variable_Attribute_Code",
                        "{}_Variable_Attribute_Label")
    return _tidy(src, rep, rep[tcol], dims_rep, variable, unit, cells, quality, decimal, np.tile(lines, k),
                 "flat_wide", meta)
