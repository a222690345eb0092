"""Benchmark: raking 1,000,000 respondents on three margins; design-based estimates, 50 items x 20 domains.

Run: .venv/bin/python benchmarks/bench_survey.py [--n-rake 1000000] [--n-est 100000]
Prints wall time and peak memory (tracemalloc peak of the step, and the process's maximum RSS).
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc

import numpy as np
import pandas as pd

from evaluation.survey.design import SurveyDesign
from evaluation.survey.weights import rake


def _measure(label, fn):
    tracemalloc.start()
    t0 = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{label}: {dt:.2f} s, peak traced memory {peak / 2**20:.0f} MiB, process max RSS {rss:.0f} MiB")
    return out


def bench_rake(n: int, rng: np.random.Generator) -> None:
    ages = np.array(["18-29", "30-44", "45-64", "65+"])
    sexes = np.array(["w", "m", "d"])
    areas = np.array([f"sr{i:02d}" for i in range(20)])
    sample = pd.DataFrame({
        "age_group": ages[rng.choice(4, n, p=[0.12, 0.2, 0.33, 0.35])],
        "sex": sexes[rng.choice(3, n, p=[0.55, 0.4499, 0.0001])],
        "area_id": areas[rng.integers(0, 20, n)],
        "design_weight": rng.uniform(5, 50, n),
    })
    total = 20_000_000.0
    age_t = dict(zip(ages, total * np.array([0.18, 0.24, 0.33, 0.25])))
    sex_t = dict(zip(sexes, total * np.array([0.505, 0.4935, 0.0015])))
    area_share = rng.dirichlet(np.full(20, 5.0))
    area_t = dict(zip(areas, total * area_share))
    margins = {"age_group": age_t, "sex": sex_t, "area_id": area_t}
    res = _measure(f"rake {n:,} respondents on 3 margins (4 + 3 + 20 cells)",
                   lambda: rake(sample, margins, tol=1e-8, max_iter=200))
    print(f"  converged={res.converged} after {res.iterations} cycles, max rel. error {res.max_rel_error:.1e}, "
          f"n_eff={res.kish.n_eff:,.0f}")


def bench_estimates(n: int, rng: np.random.Generator) -> None:
    strata = 20
    psu_per = 50
    psu = rng.integers(0, psu_per, n)
    stratum = rng.integers(0, strata, n)
    data = {"stratum": stratum.astype(str), "psu": psu.astype(str), "design_weight": rng.uniform(5, 50, n),
            "domain": rng.integers(0, 20, n).astype(str)}
    items = [f"q{i:02d}" for i in range(50)]
    for _i, name in enumerate(items):
        y = rng.integers(1, 6, n).astype(float)
        y[rng.random(n) < 0.03] = np.nan
        data[name] = y
    df = pd.DataFrame(data)
    design = _measure(f"build design ({n:,} respondents, {strata} strata x {psu_per} PSUs)",
                      lambda: SurveyDesign(df))
    table = _measure("means with Taylor SE: 50 items x 20 domains", lambda: design.table(items, by="domain"))
    print(f"  {len(table)} estimates, median SE {table['se'].median():.4f}")
    df["age_group"] = rng.integers(0, 4, n).astype(str)
    df["sex"] = rng.integers(0, 2, n).astype(str)
    cal = _measure("build design calibrated to age_group, sex, domain (raked-weight variance)",
                   lambda: SurveyDesign(df, calibration=["age_group", "sex", "domain"]))
    table = _measure("means with calibrated Taylor SE: 50 items x 20 domains",
                     lambda: cal.table(items, by="domain"))
    print(f"  {len(table)} estimates, median SE {table['se'].median():.4f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n-rake", type=int, default=1_000_000)
    ap.add_argument("--n-est", type=int, default=100_000)
    args = ap.parse_args()
    rng = np.random.default_rng(2024)
    bench_rake(args.n_rake, rng)
    bench_estimates(args.n_est, rng)


if __name__ == "__main__":
    main()
