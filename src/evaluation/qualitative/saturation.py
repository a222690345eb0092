"""Code saturation: how many new codes each additional document brings.

Saturation in the sense of Guest, Bunce & Johnson (2006): documents are taken in order (the
order they were analysed, e.g. by date, or random orders) and for each one the codes that had not
occurred in any earlier document are counted. The curve of cumulative codes flattening out is the
usual evidence that further interviews add little new. With ``n_permutations`` the curve is
averaged over random document orders (the order effect removed, as in Lowe et al. 2018), with
the 2.5 % and 97.5 % quantiles as a band.

>>> import pandas as pd
>>> cod = pd.DataFrame({"source_id": ["d1", "d1", "d2", "d3"], "code_id": ["A", "B", "A", "C"]})
>>> saturation(cod, order=["d1", "d2", "d3"])["new_codes"].tolist()
[2, 0, 1]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import InputError


def saturation(codings: pd.DataFrame, *, order: Sequence[str] | None = None, sources: pd.DataFrame | None = None,
               n_permutations: int = 0, seed: int | None = 0) -> pd.DataFrame:
    """Tidy saturation curve: position, source_id, new_codes, cumulative_codes, share_of_total.

    ``order`` lists the documents in analysis order (documents without codings may be included:
    they add 0); without it the order is the sources table's (``sources``) or first appearance
    in ``codings``. With ``n_permutations > 0`` the rows are averages over random orders
    (source_id is then NaN) with ``cumulative_low`` / ``cumulative_high`` bands.
    """
    for col in ("source_id", "code_id"):
        if col not in codings.columns:
            raise InputError(f"codings lack column '{col}'", column=col, expected="columns source_id, code_id")
    if order is None:
        order = list(sources["source_id"]) if sources is not None else list(pd.unique(codings["source_id"]))
    order = list(order)
    if len(set(order)) != len(order):
        raise InputError("a document appears twice in the order", column="order", expected="each document once")
    unknown = set(codings["source_id"]) - set(order)
    if unknown:
        raise InputError("coded documents missing from the order", column="source_id",
                         expected="every coded document in the order", found=sorted(map(str, unknown))[:5])
    pos = {s: i for i, s in enumerate(order)}
    pres = codings[["source_id", "code_id"]].drop_duplicates()
    doc_idx = pres["source_id"].map(pos).to_numpy(np.int64)
    code_idx = pd.factorize(pres["code_id"])[0]
    n_docs, n_codes = len(order), int(code_idx.max() + 1) if len(code_idx) else 0

    def curve(doc_rank: np.ndarray) -> np.ndarray:
        # first document (in rank order) in which each code occurs
        first = np.full(n_codes, n_docs, dtype=np.int64)
        np.minimum.at(first, code_idx, doc_rank[doc_idx])
        return np.bincount(first, minlength=n_docs + 1)[:n_docs]

    if n_permutations and n_permutations > 0:
        rng = np.random.default_rng(seed)
        cums = np.empty((n_permutations, n_docs))
        for p in range(n_permutations):
            rank = rng.permutation(n_docs)
            cums[p] = np.cumsum(curve(rank))
        cum = cums.mean(axis=0)
        new = np.diff(np.concatenate([[0.0], cum]))
        out = pd.DataFrame({"position": np.arange(1, n_docs + 1), "source_id": np.nan, "new_codes": new,
                            "cumulative_codes": cum, "cumulative_low": np.quantile(cums, 0.025, axis=0),
                            "cumulative_high": np.quantile(cums, 0.975, axis=0)})
    else:
        new = curve(np.arange(n_docs))
        out = pd.DataFrame({"position": np.arange(1, n_docs + 1), "source_id": order, "new_codes": new,
                            "cumulative_codes": np.cumsum(new)})
    out["share_of_total"] = out["cumulative_codes"] / n_codes if n_codes else np.nan
    return out


__all__ = ["saturation"]
