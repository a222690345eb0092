"""Code frequencies, prevalence and the longitudinal case view, as tidy tables.

Inputs: a ``codings`` table (contract ``codings``), a ``sources`` table with the documents'
metadata (source_id, source_name, municipality_id, year, case_id, kind; every document that was
analysed, also those without any coding, because they belong to the denominator of prevalence)
and, for roll-ups, the ``codebook`` (contract ``codebook``).

Counting rules (as QDA tools count, e.g. MAXQDA's "Code Matrix Browser" with "count hits per
segment"):

- a *segment* is one coded stretch of one document by one coder (source_id, coder, start, end;
  without positions, each row is its own segment);
- ``level="code"``: segments per code; with ``rollup=True`` a segment also counts for every
  ancestor of its code, **once** even when several sub-codes of the same parent cover it;
- ``level="lebensbereich"`` / ``"wirkungsstufe"``: segments per life area / impact step through the
  code book's mapping (a code without a value inherits its nearest ancestor's, see
  :func:`evaluation.qualitative.codebook.inherited_mapping`); a segment counts once per area;
  codes with no mapping at all are kept under a missing key (NaN), never dropped;
- ``words``: words (runs of letters, digits, marks, underscore) in the coded text, summed over distinct segments;
- prevalence: share of documents (or cases) in the group in which the code occurs at least once,
  with a Wilson (1927) score interval; documents without codings count in the denominator.

>>> import pandas as pd
>>> cod = pd.DataFrame({"source_id": ["d1", "d1", "d2"], "code_id": ["A1", "A2", "A1"],
...                     "coder": "x", "start": [0, 0, 5], "end": [4, 4, 9], "text": ["ab c", "ab c", "de f"]})
>>> src = pd.DataFrame({"source_id": ["d1", "d2", "d3"], "municipality_id": "erl", "year": 2020})
>>> cb = pd.DataFrame({"code_id": ["A", "A1", "A2"], "parent_id": [None, "A", "A"], "name": ["A", "A1", "A2"]})
>>> code_frequencies(cod, src, cb, rollup=True).query("code_id == 'A'")["segments"].item()
2
>>> round(prevalence(cod, src, cb).query("code_id == 'A1'")["share"].item(), 3)
0.667
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from ..checks import require_columns
from ..errors import InputError
from ..results import check_alpha
from .codebook import inherited_mapping, rollup_map

Level = Literal["code", "lebensbereich", "wirkungsstufe"]


def _attach_sources(codings: pd.DataFrame, sources: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    require_columns(codings, ["source_id", "code_id"], "codings table")
    require_columns(sources, ["source_id", *[b for b in by if b != "case_id"]], "sources table")
    if sources["source_id"].duplicated().any():
        dup = sources.loc[sources["source_id"].duplicated(), "source_id"].iloc[0]
        raise InputError("source_id appears twice in the sources table", row=str(dup), column="source_id",
                         expected="one row per document")
    unknown = ~codings["source_id"].isin(set(sources["source_id"]))
    if unknown.any():
        raise InputError(f"{int(unknown.sum())} coding(s) refer to a document missing from the sources table",
                         row=int(np.flatnonzero(unknown.to_numpy())[0]), column="source_id",
                         expected="every coded document listed in sources (with municipality_id, year)",
                         found=codings.loc[unknown, "source_id"].iloc[0])
    meta_cols = [c for c in dict.fromkeys(["source_id", *by, "case_id"]) if c in sources.columns]
    cod = codings.drop(columns=[c for c in meta_cols if c != "source_id" and c in codings.columns])
    out = cod.merge(sources[meta_cols], on="source_id", how="left")
    if "case_id" in codings.columns and "case_id" in out.columns:
        out["case_id"] = out["case_id"].where(out["case_id"].notna(), codings["case_id"].to_numpy())
    elif "case_id" in codings.columns:
        out["case_id"] = codings["case_id"].to_numpy()
    return out


def _segments(df: pd.DataFrame) -> pd.Series:
    """An identifier per coded segment (source, coder, start, end) or per row without positions."""
    has_pos = {"start", "end"} <= set(df.columns)
    row_key = pd.Series(np.arange(len(df)).astype(str), index=df.index)
    if not has_pos:
        return "r" + row_key
    coder = df["coder"].astype(str) if "coder" in df.columns else ""
    key = df["source_id"].astype(str) + "\x1f" + coder + "\x1f" + df["start"].astype(str) + "\x1f" + df["end"].astype(str)
    no_pos = df["start"].isna() | df["end"].isna()
    return key.where(~no_pos, "r" + row_key)


def _keyed(df: pd.DataFrame, codebook: pd.DataFrame | None, level: Level, rollup: bool) -> tuple[pd.DataFrame, str]:
    """Codings expanded to the target key (one row per coding and key)."""
    if level == "code":
        key = "code_id"
        if rollup:
            if codebook is None:
                raise InputError("rollup along the code hierarchy needs the code book", column="codebook",
                                 expected="a codebook table (code_id, parent_id, name)")
            rm = rollup_map(codebook)[["code_id", "ancestor_id"]]
            unknown = ~df["code_id"].isin(set(rm["code_id"]))
            if unknown.any():
                raise InputError("coding with a code that is not in the code book", column="code_id",
                                 row=int(np.flatnonzero(unknown.to_numpy())[0]), expected="a code_id of the code book",
                                 found=df.loc[unknown, "code_id"].iloc[0])
            df = df.merge(rm, on="code_id", how="left").drop(columns="code_id").rename(columns={"ancestor_id": "code_id"})
        return df, key
    if level not in ("lebensbereich", "wirkungsstufe"):
        raise InputError("unknown aggregation level", column="level",
                         expected="'code', 'lebensbereich' or 'wirkungsstufe'", found=level)
    if codebook is None:
        raise InputError(f"aggregating to {level} needs the code book's mapping", column="codebook",
                         expected="a codebook table with lebensbereich and wirkungsstufe")
    mapping = inherited_mapping(codebook).set_index("code_id")[level]
    df = df.copy()
    df[level] = df["code_id"].map(mapping)
    return df, level


@lru_cache(maxsize=1)
def _bmp_word_table() -> np.ndarray:
    chars = [chr(i) for i in range(0x10000)]
    return np.array([c.isalnum() or c == "_" or unicodedata.category(c).startswith("M") for c in chars])


def word_counts(text: pd.Series) -> pd.Series:
    """Words per text: runs of Unicode letters, digits, combining marks and underscore (as
    Python's ``\\w+``; emoji and punctuation are no words); NaN where there is no text.

    Vectorised: all texts joined, classified per code point with a lookup table, word starts
    located with numpy and counted per text by binary search (a regular expression per text is ten times slower)."""
    values = text.tolist()
    has = np.array([isinstance(t, str) for t in values], dtype=bool)
    strs = [t if ok else "" for t, ok in zip(values, has)]
    if not strs:
        return pd.Series([], index=text.index, dtype=float)
    cps = np.frombuffer("\x00".join(strs).encode("utf-32-le"), dtype=np.uint32)
    is_word = _bmp_word_table().take(np.minimum(cps, 0xFFFF))
    astral = np.flatnonzero(cps > 0xFFFF)
    if len(astral):  # rare (emoji, historic scripts): classify one by one
        is_word[astral] = [chr(int(c)).isalnum() for c in cps[astral]]
    starts = np.flatnonzero(is_word[1:] & ~is_word[:-1]) + 1
    if len(is_word) and is_word[0]:
        starts = np.concatenate([[0], starts])
    lengths = np.array([len(t) for t in strs], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]])
    counts = (np.searchsorted(starts, offsets + lengths) - np.searchsorted(starts, offsets)).astype(float)
    counts[~has] = np.nan
    return pd.Series(counts, index=text.index, dtype=float)


def _prepare(codings, sources, codebook, by, level, rollup):
    by = list(by)
    df = _attach_sources(codings, sources, by)
    df["_segment"] = _segments(df)
    df["_words"] = word_counts(df["text"]) if "text" in df.columns else np.nan
    df, key = _keyed(df, codebook, level, rollup)
    df = df.drop_duplicates([*by, key, "_segment"])
    return df, key, by


def code_frequencies(
    codings: pd.DataFrame,
    sources: pd.DataFrame,
    codebook: pd.DataFrame | None = None,
    *,
    by: Sequence[str] = ("municipality_id", "year"),
    level: Level = "code",
    rollup: bool = False,
) -> pd.DataFrame:
    """Segments, coded words, documents and cases per group x code (or life area / impact step).

    Returns columns ``*by, <key>, segments, words, documents, cases`` (key = code_id,
    lebensbereich or wirkungsstufe); one row per combination that occurs. ``words`` is NaN where
    no segment carries text.
    """
    df, key, by = _prepare(codings, sources, codebook, by, level, rollup)
    g = df.groupby([*by, key], dropna=False, sort=True)
    out = g.agg(segments=("_segment", "size"), words=("_words", lambda s: s.sum(min_count=1)),
                documents=("source_id", "nunique"),
                cases=("case_id", "nunique") if "case_id" in df.columns else ("source_id", lambda s: np.nan)).reset_index()
    if level == "wirkungsstufe":
        out[key] = out[key].astype("Int64")
    return out


def prevalence(
    codings: pd.DataFrame,
    sources: pd.DataFrame,
    codebook: pd.DataFrame | None = None,
    *,
    unit: Literal["document", "case"] = "document",
    by: Sequence[str] = ("municipality_id", "year"),
    level: Level = "code",
    rollup: bool = True,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Share of documents (or cases) in each group in which a code occurs.

    Returns ``*by, <key>, n_units, k_units, share, ci_low, ci_high, unit``: ``n_units`` all
    documents (cases) of the group in the sources table, ``k_units`` those with the code, the
    share with its ``1 - alpha`` Wilson interval (:func:`evaluation.indicators.rates.wilson_interval`;
    NaN for a group without documents). With a code book, codes (or areas) that never occur in a group
    get rows with k = 0 (a true zero: the documents were analysed). ``rollup`` (default) counts a
    document for a parent code when any sub-code occurs in it.
    """
    from ..indicators.rates import wilson_interval

    alpha = check_alpha(alpha)
    unit_col = {"document": "source_id", "case": "case_id"}.get(unit)
    if unit_col is None:
        raise InputError("unknown unit", column="unit", expected="'document' or 'case'", found=unit)
    if unit == "case" and "case_id" not in sources.columns:
        raise InputError("prevalence per case needs case_id in the sources table", column="case_id",
                         expected="sources with a case_id column")
    rollup = rollup and codebook is not None and level == "code"
    df, key, by = _prepare(codings, sources, codebook, by, level, rollup)
    k = df.dropna(subset=[unit_col]).groupby([*by, key], dropna=False)[unit_col].nunique().rename("k_units")
    denom_src = sources.dropna(subset=[unit_col]) if unit_col in sources.columns else sources
    n = denom_src.groupby(by, dropna=False)[unit_col].nunique().rename("n_units") if by else \
        pd.Series([denom_src[unit_col].nunique()], name="n_units")
    if codebook is not None:
        if level == "code":
            keys = codebook["code_id"].astype(str).tolist()
        else:
            keys = sorted(inherited_mapping(codebook)[level].dropna().unique().tolist())
        observed_keys = df[key].drop_duplicates().tolist()
        keys = list(dict.fromkeys(keys + [x for x in observed_keys if not (isinstance(x, float) and np.isnan(x))]))
        groups = n.reset_index()[by] if by else pd.DataFrame(index=[0])
        grid = groups.merge(pd.DataFrame({key: keys}), how="cross")
        out = grid.merge(k.reset_index(), on=[*by, key], how="left")
    else:
        out = k.reset_index()
    out["k_units"] = out["k_units"].fillna(0).astype(int)
    out = out.merge(n.reset_index(), on=by, how="left") if by else out.assign(n_units=int(n.iloc[0]))
    out["n_units"] = out["n_units"].astype(int)
    out["share"] = np.where(out["n_units"] > 0, out["k_units"] / out["n_units"].where(out["n_units"] > 0, 1), np.nan)
    out["ci_low"], out["ci_high"] = wilson_interval(out["k_units"].to_numpy(), out["n_units"].to_numpy(), alpha=alpha)
    out["unit"] = unit
    if level == "wirkungsstufe":
        out[key] = out[key].astype("Int64")
    return out[[*by, key, "n_units", "k_units", "share", "ci_low", "ci_high", "unit"]].sort_values([*by, key]).reset_index(drop=True)


def case_view(
    codings: pd.DataFrame,
    sources: pd.DataFrame,
    codebook: pd.DataFrame | None = None,
    *,
    wave: str = "year",
    rollup: bool = False,
    codes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Longitudinal view for single-case studies: case x wave x code.

    Returns ``case_id, <wave>, code_id, documents, segments, words, present`` for every case and
    wave that has a document in ``sources`` and every code (``codes``, else the code book's, else
    those observed): segments and words are 0 (a true zero) where the case's documents of that
    wave were analysed but the code does not occur; waves without a document do not appear.
    """
    require_columns(sources, ["source_id", "case_id", wave], "sources table")
    freq = code_frequencies(codings, sources, codebook, by=("case_id", wave), rollup=rollup)
    docs = sources.dropna(subset=["case_id"]).groupby(["case_id", wave])["source_id"].nunique().rename("documents").reset_index()
    if codes is None:
        codes = codebook["code_id"].astype(str).tolist() if codebook is not None else sorted(freq["code_id"].unique().tolist())
    grid = docs.merge(pd.DataFrame({"code_id": list(codes)}), how="cross")
    out = grid.merge(freq[["case_id", wave, "code_id", "segments", "words"]], on=["case_id", wave, "code_id"], how="left")
    out["segments"] = out["segments"].fillna(0).astype(int)
    out["words"] = out["words"].fillna(0)
    out["present"] = out["segments"] > 0
    return out[["case_id", wave, "code_id", "documents", "segments", "words", "present"]].sort_values(
        ["case_id", wave, "code_id"]).reset_index(drop=True)


__all__ = ["code_frequencies", "prevalence", "case_view", "word_counts"]
