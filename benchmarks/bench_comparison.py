"""Benchmark of evaluation.comparison at national scale: typology and matching for 10,800 municipalities.

Data: a structure panel of 10,800 municipalities x 5 pre-period years (2012-2016) with the six
Musterdaten characteristics, drawn from four latent types (as in tests/comparison/conftest.py), and an
outcome panel for the pre-period trends. With ``--demo`` the national-scale Musterdaten
(``evaluation.demo.generate(scale="national")``) are generated first and used instead.

Steps timed (wall and CPU time; on a shared machine the CPU time is the fairer figure) with the
process's peak resident set size (getrusage) at the end of each step; with ``--memory`` also the
step's own peak allocation (tracemalloc, which numpy reports to; it slows Python-heavy steps, so
times from a ``--memory`` run are not the timing figures):
pre-period characteristics, outcome trends, typology by k-means and by Ward (k = 2..8, Calinski-Harabasz),
nearest-neighbour matching (5 and 500 model municipalities, k = 10), propensity-score matching,
balance table.

Run: .venv/bin/python benchmarks/bench_comparison.py [--demo] [--memory]
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
import tracemalloc
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from evaluation.comparison import (
    ComparisonWarning, Typology, balance_table, match_comparisons, outcome_trends, pre_period_characteristics,
)

N = 10_800
PRE = range(2012, 2017)
TYPES = {  # population, density, share 65+, unemployment, severely disabled, tax per head; share of units
    "grossstadt": ((250_000, 2_000, 20.0, 8.0, 10.5, 1400.0), 0.01),
    "mittelstadt": ((50_000, 600, 22.0, 6.0, 9.0, 1100.0), 0.06),
    "kleinstadt": ((12_000, 180, 24.0, 4.5, 8.0, 850.0), 0.23),
    "laendlich": ((3_000, 70, 26.0, 3.0, 7.0, 700.0), 0.70),
}
VARS = ["population", "density", "share_65plus", "unemployment_rate", "share_severely_disabled",
        "tax_revenue_per_capita"]


def rss_mb() -> float:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / 1024 / 1024


TRACE = "--memory" in sys.argv


@contextmanager
def step(name: str):
    if TRACE:
        tracemalloc.start()
    t, c = time.perf_counter(), time.process_time()
    yield
    dt, dc = time.perf_counter() - t, time.process_time() - c
    mem = ""
    if TRACE:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        mem = f"   step peak {peak / 2**20:7.1f} MB"
    print(f"{name:<62s} wall {dt:7.2f} s  cpu {dc:7.2f} s{mem}   process peak RSS {rss_mb():6.0f} MB", flush=True)


def simulate(seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    rng = np.random.default_rng(seed)
    names = list(TYPES)
    t = rng.choice(len(names), size=N, p=[TYPES[n][1] for n in names])
    prof = np.array([TYPES[n][0] for n in names])[t]
    ids = [f"{i:08d}" for i in range(N)]
    base = np.column_stack([
        prof[:, 0] * np.exp(rng.normal(0, 0.3, N)), prof[:, 1] * np.exp(rng.normal(0, 0.3, N)),
        prof[:, 2] + rng.normal(0, 1, N), prof[:, 3] + rng.normal(0, 0.6, N), prof[:, 4] + rng.normal(0, 0.5, N),
        prof[:, 5] + rng.normal(0, 80, N),
    ])
    years = np.array(list(PRE))
    structure = pd.DataFrame(np.repeat(base, len(years), axis=0) * (1 + rng.normal(0, 0.01, (N * len(years), 6))),
                             columns=VARS)
    structure.insert(0, "year", np.tile(years, N))
    structure.insert(0, "municipality_id", np.repeat(ids, len(years)))
    trend = np.array([0.8, 0.4, 0.0, -0.4])[t]
    y = 20 + rng.normal(0, 1, N)[:, None] + trend[:, None] * (years - 2012) + rng.normal(0, 0.2, (N, len(years)))
    values = pd.DataFrame({"municipality_id": np.repeat(ids, len(years)), "area_id": np.repeat(ids, len(years)),
                           "year": np.tile(years, N), "indicator_id": "outcome", "value": y.ravel()})
    # model municipalities: one big city, one Mittelstadt, one Kleinstadt, two rural
    models = [ids[np.flatnonzero(t == j)[0]] for j in (0, 1, 2, 3)] + [ids[np.flatnonzero(t == 3)[1]]]
    return structure, values, models


def load_demo() -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    from evaluation.demo import generate

    t = time.perf_counter()
    paths = generate(Path(tempfile.mkdtemp()) / "demo", seed=20251, scale="national", validate_tables=False)
    print(f"generate national Musterdaten: {time.perf_counter() - t:.1f} s (not part of the benchmark)")
    read = lambda p: pd.read_csv(p, comment="#", dtype={"municipality_id": str, "area_id": str, "ags": str})  # noqa
    munis = read(paths["municipalities.csv"])
    values = read(paths["indicator_values.csv"])
    values = values[values["indicator_id"] == "barrierefreie_haltestellen"].assign(indicator_id="outcome")
    return read(paths["structure.csv"]), values, munis.loc[munis["group"] == "model", "municipality_id"].tolist()


def main() -> None:
    warnings.simplefilter("ignore", ComparisonWarning)
    structure, values, models = load_demo() if "--demo" in sys.argv else simulate()
    n = structure["municipality_id"].nunique()
    print(f"data: {n} municipalities, {len(structure)} structure rows, {len(values)} outcome rows; "
          f"peak RSS {rss_mb():.0f} MB")

    with step("pre-period characteristics (mean 2012-2016)"):
        X = pre_period_characteristics(structure, PRE, VARS)
    with step("pre-period outcome level and trend"):
        X = X.join(outcome_trends(values, "outcome", PRE))
    with step("typology k-means, k = 2..8 (Calinski-Harabasz)"):
        km = Typology(method="kmeans", variables=VARS, seed=1).fit(X).result_
    print(f"    chosen k = {km.k}; types: {km.types['n'].tolist()}")
    with step("typology Ward, k = 2..8 (Calinski-Harabasz)"):
        wd = Typology(method="ward", variables=VARS, seed=1).fit(X).result_
    print(f"    chosen k = {wd.k}; types: {wd.types['n'].tolist()}")
    with step("typology k-means, k = 2..8 (silhouette on 3,000 sample)"):
        sil = Typology(method="kmeans", criterion="silhouette", variables=VARS, seed=1).fit(X).result_
    print(f"    chosen k = {sil.k}")
    with step("nearest-neighbour matching, 5 model municipalities, k = 10"):
        r = match_comparisons(X, models, k=10)
    with step("nearest-neighbour matching, 500 model municipalities, k = 10"):
        many = X.index[:: max(1, n // 500)][:500]
        match_comparisons(X, list(many), k=10, caliper=None)
    with step("Mahalanobis matching, 5 model municipalities, k = 10"):
        match_comparisons(X, models, k=10, distance="mahalanobis", caliper=None)
    with step("propensity-score matching, 5 model municipalities, k = 10"):
        match_comparisons(X, models, k=10, method="propensity_score", caliper=None)
    with step("balance table (per municipality and pooled)"):
        b = balance_table(X, r)
    pooled = b[b["model_id"] == "all"]
    print(f"    pooled max |SMD| before {pooled['smd_before'].abs().max():.2f}, "
          f"after {pooled['smd_after'].abs().max():.2f}")
    print(f"total process peak RSS {rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
