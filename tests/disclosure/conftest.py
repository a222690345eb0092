"""Random small tables with margins for the disclosure tests (seeded, reproducible)."""

from __future__ import annotations

import numpy as np
import pandas as pd

# small counts are frequent in Sozialraum tables: about half of the cells below 5
VALUES = np.array([0, 1, 2, 3, 4, 5, 7, 9, 12, 20, 35])
PROBS = np.array([0.08, 0.14, 0.12, 0.08, 0.06, 0.08, 0.1, 0.1, 0.1, 0.08, 0.06])


def random_counts(rng: np.random.Generator, shape) -> np.ndarray:
    return rng.choice(VALUES, size=shape, p=PROBS / PROBS.sum())


def table_2d(rng: np.random.Generator, nr: int, nc: int, total: str = "T") -> pd.DataFrame:
    """An nr x nc table of counts with its total row and total column labelled ``total``."""
    x = random_counts(rng, (nr, nc))
    x = np.column_stack([x, x.sum(axis=1)])
    x = np.vstack([x, x.sum(axis=0)])
    return pd.DataFrame(x, index=[f"r{i}" for i in range(nr)] + [total],
                        columns=[f"c{j}" for j in range(nc)] + [total])


def series_1d(rng: np.random.Generator, k: int, total: str = "T") -> pd.Series:
    x = random_counts(rng, k)
    return pd.Series(np.append(x, x.sum()), index=[f"a{i}" for i in range(k)] + [total])


def hierarchical(rng: np.random.Generator, n_areas: int, n_groups: int) -> tuple[pd.DataFrame, dict]:
    """Town row = sum of two districts, each district = sum of its Sozialräume; columns: groups + total."""
    half = max(1, n_areas // 2)
    areas = [f"sr{i}" for i in range(n_areas)]
    x = random_counts(rng, (n_areas, n_groups))
    x = np.column_stack([x, x.sum(axis=1)])
    d1, d2 = areas[:half], areas[half:]
    rows, labels, hierarchy = [x], list(areas), {"d1": d1}
    rows.append(x[:half].sum(axis=0, keepdims=True))
    labels.append("d1")
    if d2:
        rows.append(x[half:].sum(axis=0, keepdims=True))
        labels.append("d2")
        hierarchy["d2"] = d2
    rows.append(x.sum(axis=0, keepdims=True))
    labels.append("town")
    df = pd.DataFrame(np.vstack(rows), index=labels, columns=[f"g{j}" for j in range(n_groups)] + ["T"])
    return df, hierarchy
