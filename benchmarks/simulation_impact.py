"""Simulation study: bias, RMSE and 95 % coverage of the impact estimators with 5 treated units.

Panels shaped like the Musterdaten (``evaluation.impact.simulate.simulate_panel``): 5 model
municipalities with starts 2017-2019 among 130 units, 2012-2025, unit and year effects, AR(1)
errors (rho 0.5), noise shrinking with population. Two scenarios: a constant effect of 1.0 and a
growing effect (0.5 + 0.2 per year since start). The method whose coverage holds is recorded as
``evaluation.impact.inference.DEFAULT_INFERENCE``.

Run:  nice .venv/bin/python benchmarks/simulation_impact.py [--reps 500]
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from evaluation.impact.simulate import coverage_study


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=500)
    ap.add_argument("--seed", type=int, default=20170101)
    args = ap.parse_args()
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 20)
    for name, kw in (("constant effect 1.0", {"effect": 1.0}),
                     ("growing effect 0.5 + 0.2/year", {"effect": 0.5, "slope": 0.2})):
        t0 = time.perf_counter()
        table = coverage_study(reps=args.reps, seed=args.seed, **kw)
        print(f"\n== {name}: {args.reps} replications, {time.perf_counter() - t0:.0f} s ==")
        print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
