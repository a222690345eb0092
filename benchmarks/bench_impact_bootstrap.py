"""Multiplier bootstrap of att_gt against csdid: Rademacher (default) and Mammen weights.

Prints the mean and spread over ``--runs`` seeds of the bootstrap standard errors of the simple
ATT and of two cells with 2 treated units, on a few-treated panel
(``simulate_panel(n_units=40, seed=5)``: groups of 2, 1 and 2 treated units) and on mpdta, for
this library (Rademacher and Mammen weights, and the analytic SE) and - when it is installed -
for the reference package csdid (``pip install --no-deps csdid drdid``; it is not a dependency
of the workbench). The constants in tests/impact/test_impact_did.py were produced by this script
with csdid 0.4.3 and 20 runs.

Run:  nice .venv/bin/python benchmarks/bench_impact_bootstrap.py [--runs 20]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from evaluation.impact.did import att_gt
from evaluation.impact.simulate import simulate_panel

MPDTA = Path(__file__).resolve().parents[1] / "tests" / "data" / "fixtures" / "impact" / "mpdta.csv"
CELLS = ((2017, 2017), (2019, 2021))


def _data():
    d = simulate_panel(n_units=40, seed=5, effect=1.0).data.copy()
    d["uid"] = pd.factorize(d["unit"])[0] + 1
    mp = pd.read_csv(MPDTA)
    return (("few-treated panel", d, "y", "uid", "year", "first_treat", True),
            ("mpdta", mp, "lemp", "countyreal", "year", "first.treat", False))


def ours(runs: int) -> None:
    for name, df, y, idn, t, g, cells in _data():
        for w in ("rademacher", "mammen"):
            t0 = time.perf_counter()
            simple, cell_se = [], []
            for s in range(runs):
                r = att_gt(df, y, idn, t, g, se="bootstrap", draws=999, seed=s, weights=w)
                simple.append(r.aggregate("simple").se)
                tab = r.table.set_index(["group", "time"])["se"]
                cell_se.append([tab.loc[c] for c in CELLS] if cells else [])
            el = (time.perf_counter() - t0) / runs
            cs = np.array(cell_se)
            extra = "  ".join(f"cell {c}: {cs[:, i].mean():.4f} ({cs[:, i].std(ddof=1):.4f})"
                              for i, c in enumerate(CELLS)) if cells else ""
            print(f"{name:18s} evaluation {w:10s} simple SE {np.mean(simple):.5f} ({np.std(simple, ddof=1):.5f})  "
                  f"{extra}  {el:.3f} s/run")
        r = att_gt(df, y, idn, t, g)
        tab = r.table.set_index(["group", "time"])["se"]
        extra = "  ".join(f"cell {c}: {tab.loc[c]:.4f}" for c in CELLS) if cells else ""
        print(f"{name:18s} evaluation analytic   simple SE {r.aggregate('simple').se:.5f}  {extra}")


def reference(runs: int) -> None:
    try:
        import csdid  # noqa: F401
        from csdid.att_gt import ATTgt
    except ImportError:
        print("reference csdid not installed: skipped")
        return
    for name, df, y, idn, t, g, cells in _data():
        t0 = time.perf_counter()
        simple, cell_se = [], []
        for s in range(runs):
            np.random.seed(s)
            m = ATTgt(yname=y, gname=g, idname=idn, tname=t, data=df, control_group="nevertreated",
                      biters=999).fit(est_method="reg", bstrap=True)
            m.aggte(typec="simple")
            simple.append(float(np.ravel(m.atte["overall_se"])[0]))
            res = pd.DataFrame({"group": m.results["group"], "time": m.results["year"], "se": m.results["se"]})
            tab = res.set_index(["group", "time"])["se"]
            cell_se.append([float(tab.loc[c]) for c in CELLS] if cells else [])
        el = (time.perf_counter() - t0) / runs
        cs = np.array(cell_se)
        extra = "  ".join(f"cell {c}: {cs[:, i].mean():.4f} ({cs[:, i].std(ddof=1):.4f})"
                          for i, c in enumerate(CELLS)) if cells else ""
        print(f"{name:18s} csdid      rademacher simple SE {np.mean(simple):.5f} ({np.std(simple, ddof=1):.5f})  "
              f"{extra}  {el:.3f} s/run")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    print("mean bootstrap SE over runs (sd over runs); 999 draws each")
    ours(args.runs)
    reference(args.runs)


if __name__ == "__main__":
    main()
