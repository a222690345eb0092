"""Benchmark of evaluation.indicators at national scale.

10,800 municipalities x 40 indicators in 8 Lebensbereiche: build the composite index, run the
uncertainty analysis with 1,000 Monte Carlo draws (normalisation x aggregation x weights), and add
intervals to a 432,000-row indicator_values table. Prints wall time and peak memory (peak resident
set size of the process, from getrusage). Goal: uncertainty analysis under 10 s and under 2 GB.

Run: .venv/bin/python benchmarks/bench_indicators.py
"""

from __future__ import annotations

import resource
import sys
import time

import numpy as np
import pandas as pd

from evaluation.indicators.composite import CompositeIndex
from evaluation.indicators.rates import add_intervals
from evaluation.vocabulary import LEBENSBEREICHE

N_UNITS, N_IND, N_DRAWS = 10_800, 40, 1_000


class timer:
    """Wall-clock and CPU time of a block (CPU time is the fairer figure on a shared machine)."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu

    def __str__(self) -> str:
        return f"{self.wall:.2f} s wall, {self.cpu:.2f} s CPU"


def peak_mb() -> float:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / 1024 / 1024


def main() -> None:
    rng = np.random.default_rng(42)
    lbs = list(LEBENSBEREICHE)
    meta = pd.DataFrame({"indicator_id": [f"ind{j:02d}" for j in range(N_IND)],
                         "lebensbereich": np.repeat(lbs, N_IND // len(lbs)),
                         "polarity": rng.choice([1, -1], N_IND)})
    factor = rng.normal(size=(N_UNITS, 1))
    x = 50 + 10 * factor * meta["polarity"].to_numpy() + rng.normal(0, 8, (N_UNITS, N_IND))
    x[:, ::7] = np.exp(x[:, ::7] / 15)  # some skewed indicators for the outlier rule
    x[rng.random(x.shape) < 0.01] = np.nan
    wide = pd.DataFrame(x, columns=meta["indicator_id"], index=[f"{i:08d}" for i in range(N_UNITS)])
    print(f"data: {N_UNITS} municipalities x {N_IND} indicators in {len(lbs)} Lebensbereiche; peak {peak_mb():.0f} MB")

    with timer() as t:
        ci = CompositeIndex(meta, imputation="median").fit(wide)
    print(f"fit (impute, treat, normalise, weight, aggregate): {t}; peak {peak_mb():.0f} MB")

    with timer() as t:
        audit = ci.audit()
    print(f"audit: {t} ({len(audit.flags)} flags)")

    with timer() as t:
        unc = ci.uncertainty(n_draws=N_DRAWS, seed=1)
    width = (unc.ranks["rank_high"] - unc.ranks["rank_low"]).median()
    print(f"uncertainty analysis, {N_DRAWS} draws: {t}; peak {peak_mb():.0f} MB; "
          f"median 90% rank interval width {width:.0f}")

    with timer() as t:
        sens = ci.sensitivity(n=100, seed=1)
    print(f"sensitivity analysis, n=100 ({sens.n_evaluations} runs): {t}; peak {peak_mb():.0f} MB")
    print(sens.table.round(3).to_string(index=False))

    n_rows = N_UNITS * N_IND
    den = rng.integers(50, 50_000, n_rows).astype(float)
    values = pd.DataFrame({"municipality_id": np.repeat(wide.index.to_numpy(), N_IND), "area_id": "x",
                           "year": 2023, "indicator_id": np.tile(meta["indicator_id"].to_numpy(), N_UNITS),
                           "numerator": rng.binomial(den.astype(int), 0.05).astype(float), "denominator": den})
    values["value"] = values["numerator"] / values["denominator"] * 100
    with timer() as t:
        add_intervals(values, "proportion")
    print(f"add_intervals (Wilson) on {n_rows} rows: {t}")
    with timer() as t:
        add_intervals(values, "rate")
    print(f"add_intervals (exact Poisson) on {n_rows} rows: {t}; peak {peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
