"""Code co-occurrence: code x code counts and their Jaccard-normalised strength, as a tidy table.

Three ways two codes can co-occur (the options of MAXQDA's Code Relations Browser and ATLAS.ti's
Code Co-occurrence Table):

- ``"overlap"``: a segment with code A and a segment with code B in the same document overlap
  (share at least one character position); the count is the number of such segment pairs;
- ``"proximity"``: the two segments lie within ``distance`` characters of each other (overlap
  included);
- ``"document"``: both codes occur somewhere in the same document; the count is the number of
  documents.

The normalised strength is the Jaccard index n_AB / (n_A + n_B - n_AB), with n_A the number of
segments (documents) with code A: for documents the classical Jaccard (1912) coefficient, for
segments ATLAS.ti's c-coefficient (Friese 2019). With segments it can exceed 1 when one segment
overlaps several segments of the other code (ATLAS.ti flags the same); it is reported as computed. Pairs are found with a sort-and-sweep per document
in numpy (each segment is compared only with the segments that start before it ends), so 100,000
codings need no quadratic join; written by hand because no maintained library does interval
co-occurrence on coded text.

>>> import pandas as pd
>>> cod = pd.DataFrame({"source_id": ["d", "d", "d"], "code_id": ["A", "B", "C"],
...                     "start": [0, 5, 50], "end": [10, 20, 60]})
>>> cooccurrence(cod).query("code_a == 'A' and code_b == 'B'")["count"].item()
1
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from ..errors import InputError

Mode = Literal["overlap", "proximity", "document"]


def _pairs_within(starts: np.ndarray, ends: np.ndarray, gap: int, touching: bool) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i < j in start order) whose intervals overlap, or lie within ``gap`` characters."""
    order = np.argsort(starts, kind="stable")
    s, e = starts[order], ends[order]
    # for each i, all j > i with s[j] < e[i] + gap (overlap: s[j] < e[i]); sorted by start so s[j] >= s[i]
    limit = e + gap
    hi = np.searchsorted(s, limit, side="right" if (touching or gap > 0) else "left")
    lo = np.arange(len(s)) + 1
    counts = np.maximum(hi - lo, 0)
    if counts.sum() == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    i = np.repeat(np.arange(len(s)), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    j = lo[i] + offsets
    # a later-starting segment may still end before... intervals sorted by start: j starts within i's
    # reach, which is the overlap / proximity condition (j cannot end before i starts)
    return order[i], order[j]


def cooccurrence(codings: pd.DataFrame, *, mode: Mode = "overlap", distance: int = 0,
                 codes: list[str] | None = None, include_self: bool = False) -> pd.DataFrame:
    """Tidy co-occurrence table: code_a, code_b, count, n_a, n_b, jaccard, mode.

    Each unordered pair of different codes appears once (code_a < code_b) and both orders are
    added so the report can pivot straight into a symmetric heat map; ``include_self`` adds the
    diagonal (count = n_a, jaccard = 1). Pairs that never co-occur are present with count 0 when
    ``codes`` is given, otherwise only observed pairs are listed.
    """
    need = ["source_id", "code_id"] + (["start", "end"] if mode != "document" else [])
    missing = [c for c in need if c not in codings.columns]
    if missing:
        raise InputError(f"codings lack column(s) {missing}", column=missing[0], expected=f"columns {need}")
    if mode not in ("overlap", "proximity", "document"):
        raise InputError("unknown co-occurrence mode", column="mode", expected="'overlap', 'proximity' or 'document'",
                         found=mode)
    if distance < 0:
        raise InputError("distance must not be negative", column="distance", found=distance)
    df = codings
    if codes is not None:
        df = df[df["code_id"].isin(codes)]
    if mode == "document":
        pres = df[["source_id", "code_id"]].drop_duplicates()
        n = pres.groupby("code_id").size()
        m = pres.merge(pres, on="source_id", suffixes=("_a", "_b"))
        m = m[m["code_id_a"] != m["code_id_b"]]
        counts = m.groupby(["code_id_a", "code_id_b"]).size()
    else:
        seg = df.dropna(subset=["start", "end"])[["source_id", "code_id", "start", "end"]].drop_duplicates()
        # the same code on the same stretch by several coders counts once (drop_duplicates above)
        n = seg.groupby("code_id").size()
        code_cat = pd.Categorical(seg["code_id"])
        cats = code_cat.categories
        cc = code_cat.codes.astype(np.int64)
        src = pd.factorize(seg["source_id"])[0]
        starts = seg["start"].to_numpy(np.int64)
        ends = seg["end"].to_numpy(np.int64)
        gap = distance if mode == "proximity" else 0
        order = np.argsort(src, kind="stable")
        bounds = np.flatnonzero(np.diff(src[order])) + 1
        a_list, b_list = [], []
        for block in np.split(order, bounds):
            if len(block) < 2:
                continue
            i, j = _pairs_within(starts[block], ends[block], gap, touching=mode == "proximity")
            a_list.append(cc[block][i])
            b_list.append(cc[block][j])
        if a_list:
            a = np.concatenate(a_list)
            b = np.concatenate(b_list)
        else:
            a = b = np.empty(0, dtype=np.int64)
        diff = a != b
        a, b = a[diff], b[diff]
        k = len(cats)
        mat = np.bincount(a * k + b, minlength=k * k).reshape(k, k) if k else np.zeros((0, 0), dtype=np.int64)
        mat = mat + mat.T
        nz = np.nonzero(mat)
        counts = pd.Series(mat[nz], index=pd.MultiIndex.from_arrays([cats[nz[0]], cats[nz[1]]]))
    out = counts.rename("count").rename_axis(["code_a", "code_b"]).reset_index()
    if codes is not None:
        grid = pd.MultiIndex.from_product([codes, codes], names=["code_a", "code_b"]).to_frame(index=False)
        grid = grid[grid["code_a"] != grid["code_b"]]
        out = grid.merge(out, on=["code_a", "code_b"], how="left")
        out["count"] = out["count"].fillna(0)
    out["count"] = out["count"].astype(int)
    out["n_a"] = out["code_a"].map(n).fillna(0).astype(int)
    out["n_b"] = out["code_b"].map(n).fillna(0).astype(int)
    if include_self:
        codes_all = codes if codes is not None else n.index.tolist()
        diag = pd.DataFrame({"code_a": codes_all, "code_b": codes_all})
        diag["n_a"] = diag["code_a"].map(n).fillna(0).astype(int)
        diag["n_b"] = diag["n_a"]
        diag["count"] = diag["n_a"]
        out = pd.concat([out, diag], ignore_index=True)
    denom = out["n_a"] + out["n_b"] - out["count"]
    out["jaccard"] = np.where(denom > 0, out["count"] / denom.where(denom > 0, 1), np.nan)
    out["mode"] = mode if mode != "proximity" else f"proximity<={distance}"
    return out[["code_a", "code_b", "count", "n_a", "n_b", "jaccard", "mode"]].sort_values(
        ["code_a", "code_b"]).reset_index(drop=True)


__all__ = ["cooccurrence"]
