"""The hierarchical code book: paths, ancestors, and the Lebensbereich / Wirkungsstufe mapping.

A code book (``codebook`` contract: code_id, parent_id, name, path, lebensbereich,
wirkungsstufe) is a forest: every code has at most one parent. Aggregation rolls counts up this
tree (a segment coded with a sub-code also counts for its parent codes) and maps codes to the
impact logic; a code without its own Lebensbereich or Wirkungsstufe inherits the one of its
nearest ancestor that has one (the usual way code books are built: the top-level code names the
life area, sub-codes refine it).

>>> import pandas as pd
>>> cb = pd.DataFrame({"code_id": ["A", "A1"], "parent_id": [None, "A"], "name": ["Wohnen", "Barrieren"]})
>>> code_paths(cb).tolist()
['Wohnen', 'Wohnen/Barrieren']
>>> ancestors(cb)["A1"]
['A1', 'A']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputError

SEPARATOR = "/"


def _parents(codebook: pd.DataFrame) -> dict[str, str | None]:
    for col in ("code_id", "parent_id"):
        if col not in codebook.columns:
            raise InputError(f"code book lacks column '{col}'", column=col,
                             expected="columns code_id, parent_id, name")
    ids = codebook["code_id"].astype(str)
    if ids.duplicated().any():
        raise InputError("code_id appears twice in the code book", column="code_id",
                         row=ids[ids.duplicated()].iloc[0], expected="unique code ids")
    known = set(ids)
    parents: dict[str, str | None] = {}
    for cid, parent in zip(ids, codebook["parent_id"]):
        if parent is None or (isinstance(parent, float) and np.isnan(parent)) or parent is pd.NA:
            parents[cid] = None
            continue
        parent = str(parent)
        if parent not in known:
            raise InputError("parent_id names a code that is not in the code book", row=cid, column="parent_id",
                             expected="a code_id of the code book or empty", found=parent)
        parents[cid] = parent
    return parents


def ancestors(codebook: pd.DataFrame) -> dict[str, list[str]]:
    """For each code the list [code, parent, grandparent, ...] up to its root."""
    parents = _parents(codebook)
    out: dict[str, list[str]] = {}
    for cid in parents:
        chain = [cid]
        seen = {cid}
        p = parents[cid]
        while p is not None:
            if p in seen:
                raise InputError("the code book's parent links form a cycle", row=cid, column="parent_id",
                                 expected="a tree of codes", found=" -> ".join(chain + [p]))
            chain.append(p)
            seen.add(p)
            p = parents[p]
        out[cid] = chain
    return out


def code_paths(codebook: pd.DataFrame, separator: str = SEPARATOR) -> pd.Series:
    """The path of each code from its root, names joined with ``separator`` (index as the input)."""
    chains = ancestors(codebook)
    names = dict(zip(codebook["code_id"].astype(str), codebook["name"].astype(str)))
    return pd.Series([separator.join(names[c] for c in reversed(chains[str(cid)]))
                      for cid in codebook["code_id"].astype(str)], index=codebook.index, name="path")


def rollup_map(codebook: pd.DataFrame) -> pd.DataFrame:
    """Long table code_id -> ancestor_id (including the code itself), with the ancestor's depth
    below the code (0 = itself): the join that rolls counts up the hierarchy."""
    rows = [(cid, a, i) for cid, chain in ancestors(codebook).items() for i, a in enumerate(chain)]
    return pd.DataFrame(rows, columns=["code_id", "ancestor_id", "distance"])


def inherited_mapping(codebook: pd.DataFrame) -> pd.DataFrame:
    """code_id, lebensbereich, wirkungsstufe with missing values inherited from the nearest ancestor."""
    chains = ancestors(codebook)
    ids = codebook["code_id"].astype(str)
    out = {"code_id": list(ids)}
    for col in ("lebensbereich", "wirkungsstufe"):
        own = dict(zip(ids, codebook[col])) if col in codebook.columns else {}
        values = []
        for cid in ids:
            value = np.nan
            for a in chains[cid]:
                v = own.get(a, np.nan)
                if v is not None and v is not pd.NA and not (isinstance(v, float) and np.isnan(v)):
                    value = v
                    break
            values.append(value)
        out[col] = values
    df = pd.DataFrame(out)
    df["wirkungsstufe"] = pd.to_numeric(df["wirkungsstufe"], errors="coerce").astype("Int64")
    df["lebensbereich"] = df["lebensbereich"].astype(object)
    return df


def codebook_from_paths(paths, separator: str = "\\") -> pd.DataFrame:
    """A code book from code paths as tabular exports write them (MAXQDA: ``Parent\\Child``);
    the path itself (joined with ``/``) is the code_id."""
    rows: dict[str, dict] = {}
    for p in pd.unique(pd.Series(list(paths)).dropna().astype(str)):
        parts = [x.strip() for x in p.split(separator) if x.strip()]
        for i in range(len(parts)):
            cid = SEPARATOR.join(parts[: i + 1])
            if cid not in rows:
                rows[cid] = {"code_id": cid, "parent_id": SEPARATOR.join(parts[:i]) if i else np.nan,
                             "name": parts[i], "path": cid, "lebensbereich": np.nan, "wirkungsstufe": np.nan}
    df = pd.DataFrame(list(rows.values()), columns=["code_id", "parent_id", "name", "path", "lebensbereich", "wirkungsstufe"])
    df["wirkungsstufe"] = df["wirkungsstufe"].astype("Int64")
    return df


__all__ = ["ancestors", "code_paths", "rollup_map", "inherited_mapping", "codebook_from_paths"]
