"""Benchmark: minimum detectable effects for all indicators of the five model municipalities.

Measures, on the Musterdaten (generated into a temporary folder unless ``--data`` is given):

1. loading and validating the data folder (once);
2. the comparison pool of each municipality (the report's pool, :func:`evaluation.planning.pool.report_pool`);
3. **the MDEs**: every panel indicator of every municipality and every Sozialraum series, by placebo
   simulation with the report's test in its vectorised form (:func:`evaluation.planning.power.default_test`)
   plus the closed form - the issue's target is < 60 s on 2 cores;
4. the whole plan (MDEs, feasibility, survey wave plan) per municipality;
5. for comparison, the cost of the same simulation with the exact report estimator called once per
   placebo panel (:func:`evaluation.planning.power.programme_test`), measured on one indicator and
   extrapolated.

Prints wall-clock seconds and the 1-minute load average before and after (the machine may be shared).

Run:  nice .venv/bin/python benchmarks/bench_planning.py [--data data/demo]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=None, help="data folder (default: fresh Musterdaten, seed 20251)")
    ap.add_argument("--params", default=str(ROOT / "params"))
    args = ap.parse_args()

    from evaluation.dataset import load_dataset
    from evaluation.params import load_all_params
    from evaluation.planning.plan import PANEL_SOURCES, _wide, design_mde, plan_municipality
    from evaluation.planning.pool import report_pool
    from evaluation.planning.power import placebo_panels, power_at, programme_test
    from evaluation.register import load_register

    print(f"cores: {os.cpu_count()}, load average (1/5/15 min) at start: {os.getloadavg()}")
    folder = args.data
    if folder is None:
        from evaluation.demo import generate

        folder = Path(tempfile.mkdtemp()) / "demo"
        t0 = time.perf_counter()
        generate(folder, seed=20251)
        print(f"Musterdaten generated in {time.perf_counter() - t0:.1f} s (not part of the target)")
    params = load_all_params(args.params)
    reg = load_register()
    t0 = time.perf_counter()
    ds = load_dataset(folder)
    t_load = time.perf_counter() - t0
    print(f"1. load + validate data folder: {t_load:.2f} s")

    t0 = time.perf_counter()
    pools = {mid: report_pool(p, ds) for mid, p in params.items()}
    t_pool = time.perf_counter() - t0
    print(f"2. comparison pools (5 municipalities): {t_pool:.2f} s; sizes "
          + ", ".join(f"{m} {len(p.ids)}" for m, p in pools.items()))

    values = ds.indicator_values
    t_mde, n_town, n_area, ratios = 0.0, 0, 0, []
    per_muni = {}
    for mid, p in params.items():
        start, year = int(p.programme.start), int(p.report.year)
        own = values[values["municipality_id"] == mid]
        pool_vals = values[values["municipality_id"].isin(pools[mid].ids)]
        t0 = time.perf_counter()
        for ind_id in sorted(set(own["indicator_id"])):
            ind = reg[ind_id]
            if ind.source_type not in PANEL_SOURCES:
                continue
            series = _wide(own, ind_id).reindex([mid]).iloc[0].dropna()
            pool_wide = _wide(pool_vals, ind_id)
            end = p.targets[ind_id].target_year if ind_id in p.targets else year
            try:
                res, _ = design_mde(series, pool_wide, start, end, polarity=ind.polarity)
                n_town += 1
                ratios.append(res.agreement)
            except Exception:  # noqa: BLE001 - e.g. no value before the start (beratungen_eutb)
                continue
            if ind.spatial_level == "sozialraum":
                for _, a in _wide(own[own["area_id"] != mid], ind_id, area=True).iterrows():
                    design_mde(a, pool_wide, start, end, polarity=ind.polarity)
                    n_area += 1
        per_muni[mid] = time.perf_counter() - t0
        t_mde += per_muni[mid]
    print(f"3. MDEs: {n_town} indicator MDEs + {n_area} Sozialraum MDEs in {t_mde:.2f} s "
          f"({', '.join(f'{m} {s:.2f} s' for m, s in per_muni.items())}); target < 60 s")
    r = np.array([x for x in ratios if np.isfinite(x)])
    print(f"   simulated / closed-form MDE: median {np.median(r):.2f}, 10-90 % {np.percentile(r, 10):.2f}-"
          f"{np.percentile(r, 90):.2f} over {len(r)} indicators")

    t0 = time.perf_counter()
    for mid, p in params.items():
        plan_municipality(p, ds, pool=pools[mid], register=reg)
    t_plan = time.perf_counter() - t0
    print(f"4. whole plans (MDEs, feasibility, survey wave plan), 5 municipalities: {t_plan:.2f} s")

    # 5. the exact report estimator once per placebo panel, on one indicator
    mid = "erlangen"
    p = params[mid]
    own = values[values["municipality_id"] == mid]
    pool_wide = _wide(values[values["municipality_id"].isin(pools[mid].ids)], "inklusionsanteil").dropna()
    start = int(p.programme.start)
    n_pre = int((pool_wide.columns < start).sum())
    panels, _ = placebo_panels(pool_wide.to_numpy(), n_pre, pool_wide.shape[1] - n_pre)
    grid = np.linspace(0, 6, 5)
    t0 = time.perf_counter()
    power_at(panels, n_pre, grid, test=programme_test())
    t_exact = time.perf_counter() - t0
    per_panel = t_exact / (len(grid) * len(panels))
    print(f"5. exact report estimator per placebo panel: {1000 * per_panel:.1f} ms; the 41-point grid of "
          f"step 3 would take about {per_panel * 41 * len(panels) * (n_town + n_area):.0f} s with it")
    print(f"load average (1/5/15 min) at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
