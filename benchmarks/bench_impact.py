"""Benchmark: att_gt on 10,800 units x 15 years and 1,000 randomisation draws; synthetic control.

Prints wall time and peak traced memory (tracemalloc, numpy allocations included) per step, and
the same att_gt on the same data with the reference package ``csdid`` (PyPI; est_method="reg",
analytic SEs) where it is installed, in a subprocess with a time limit.

Run:  nice .venv/bin/python benchmarks/bench_impact.py [--units 10800] [--reference-timeout 900]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd


def make_data(n_units: int, seed: int = 1) -> pd.DataFrame:
    """Staggered panel, years 2011-2025, half the units treated with starts 2012-2025."""
    rng = np.random.default_rng(seed)
    years = np.arange(2011, 2026)
    g = np.where(rng.random(n_units) < 0.5, rng.integers(2012, 2026, n_units), 0)
    alpha = rng.normal(0, 1, n_units)
    lam = rng.normal(0, 0.5, len(years)).cumsum()
    e = rng.normal(0, 1, (n_units, len(years)))
    D = (g[:, None] > 0) & (years[None, :] >= g[:, None])
    y = alpha[:, None] + lam[None, :] + 0.5 * D + e
    return pd.DataFrame({"unit": np.repeat(np.arange(1, n_units + 1), len(years)), "year": np.tile(years, n_units),
                         "y": y.ravel(), "g": np.repeat(g, len(years))})


def measure(label: str, fn):
    t0 = time.perf_counter()
    out = fn()
    wall = time.perf_counter() - t0
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{label:58s} {wall:8.2f} s   peak {peak / 2**20:8.1f} MiB")
    return out, wall


REFERENCE = r"""
import json, sys, time, resource, contextlib, io
import pandas as pd
from csdid.att_gt import ATTgt
df = pd.read_parquet(sys.argv[1]) if sys.argv[1].endswith(".parquet") else pd.read_pickle(sys.argv[1])
t0 = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()):
    res = ATTgt(yname="y", gname="g", idname="unit", tname="year", data=df, control_group="nevertreated").fit(
        est_method="reg", bstrap=False)
    res.aggte(typec="simple", bstrap=False)
wall = time.perf_counter() - t0
print(json.dumps({"wall": wall, "att": float(res.atte["overall_att"]),
                  "maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=10_800)
    ap.add_argument("--draws", type=int, default=1_000)
    ap.add_argument("--reference-timeout", type=int, default=900)
    args = ap.parse_args()
    from evaluation.impact.did import att_gt
    from evaluation.impact.inference import randomization_inference
    from evaluation.impact.simulate import simulate_panel
    from evaluation.impact.synth import synthetic_control

    df = make_data(args.units)
    n_groups = df["g"].nunique() - 1
    print(f"data: {args.units} units x 15 years, {n_groups} start years, {len(df):,} rows")
    res, _ = measure("att_gt (analytic SE)", lambda: att_gt(df, "y", "unit", "year", "g"))
    print(f"   {len(res.table)} group-time cells")
    agg, _ = measure("att_gt + aggregate simple/dynamic/group",
                     lambda: [att_gt(df, "y", "unit", "year", "g").aggregate(k) for k in ("simple", "dynamic", "group")])
    print(f"   simple ATT {agg[0].estimate:.4f} (truth 0.5), se {agg[0].se:.4f}")
    measure("att_gt multiplier bootstrap (999 draws)",
            lambda: att_gt(df, "y", "unit", "year", "g", se="bootstrap", draws=999).aggregate("simple"))
    ri, _ = measure(f"randomization inference ({args.draws} draws, incl. CI inversion)",
                    lambda: randomization_inference(df, "y", "unit", "year", "g", draws=args.draws))
    print(f"   RI: estimate {ri.estimate:.4f}, ci ({ri.ci[0]:.4f}, {ri.ci[1]:.4f}), p {ri.p:.4f}")
    sim = simulate_panel(seed=1)
    pool = [u for u in sim.data.unit.unique() if u.startswith("c")]
    measure("synthetic control, 125 donors, 125 placebos",
            lambda: synthetic_control(sim.data, "y", "unit", "year", "t1", 2017, pool=pool))
    st, _ = measure("studentized placebo inference, 5 treated of 130 (999 draws)",
                    lambda: randomization_inference(sim.data, "y", "unit", "year", "first_treat", studentize=True,
                                                    draws=999, estimator="pre_mean"))
    print(f"   {st.inference}: ci ({st.ci[0]:.3f}, {st.ci[1]:.3f})")
    one = sim.data[(sim.data.unit == "t1") | (sim.data.first_treat == 0)]
    few = one[one.unit.isin(["t1"] + pool[:7])]
    ex, _ = measure("exact randomisation inference, 1 treated + 7 comparison units",
                    lambda: randomization_inference(few, "y", "unit", "year", "first_treat", draws=999))
    print(f"   {ex.inference}: p {ex.p:.4f}")
    small_pool = pool[:20]
    sc_opt, _ = measure("synthetic control v='optimize', 20 donors, 20 placebos",
                        lambda: synthetic_control(sim.data, "y", "unit", "year", "t1", 2017, pool=small_pool,
                                                  v="optimize"))
    print(f"   pre-RMSPE {sc_opt.pre_rmspe:.4f} (equal V: "
          f"{synthetic_control(sim.data, 'y', 'unit', 'year', 't1', 2017, pool=small_pool).pre_rmspe:.4f})")

    try:
        import csdid  # noqa: F401
    except ImportError:
        print("reference csdid not installed: skipped")
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data.pkl"
        df.to_pickle(path)
        try:
            out = subprocess.run([sys.executable, "-c", REFERENCE, str(path)], capture_output=True, text=True,
                                 timeout=args.reference_timeout)
            line = [l for l in out.stdout.splitlines() if l.startswith("{")]
            if not line:
                print("reference csdid failed:", out.stderr[-500:])
                return
            ref = json.loads(line[-1])
            print(f"{'reference csdid 0.4 att_gt + aggte simple (analytic)':58s} {ref['wall']:8.2f} s   "
                  f"max RSS {ref['maxrss_mib']:8.1f} MiB   simple ATT {ref['att']:.4f}")
        except subprocess.TimeoutExpired:
            print(f"reference csdid did not finish within {args.reference_timeout} s")


if __name__ == "__main__":
    main()
