"""Benchmark: cell suppression of a 500 x 50 table with margins, and the LP attack that audits it.

Run: .venv/bin/python benchmarks/bench_disclosure.py [rows] [cols]
Prints wall time of each step and the process' peak resident memory (ru_maxrss).
"""

from __future__ import annotations

import sys
import time
import resource

import numpy as np
import pandas as pd

from evaluation.disclosure import suppress, suppress_indicator_values


def make_table(rows: int, cols: int, seed: int = 1) -> pd.DataFrame:
    """Counts like Sozialraum x characteristic tables: many small cells, some large ones."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(shape=0.8, scale=12.0, size=(rows, 1)) * rng.gamma(1.5, 1.0, size=(1, cols))
    x = rng.poisson(lam)
    x = np.column_stack([x, x.sum(axis=1)])
    x = np.vstack([x, x.sum(axis=0)])
    return pd.DataFrame(x, index=[f"sr{i:03d}" for i in range(rows)] + ["Insgesamt"],
                        columns=[f"m{j:02d}" for j in range(cols)] + ["Insgesamt"])


def make_indicator_values(seed: int = 0) -> pd.DataFrame:
    """5 municipalities x 7 years x 20 indicators x (12 Sozialräume + town total): 9,100 rows."""
    rng = np.random.default_rng(seed)
    rows = []
    for m in ["er", "hro", "sv", "gd", "no"]:
        for year in range(2017, 2024):
            for ind in range(20):
                vals = rng.poisson(rng.gamma(0.8, 10), size=12)
                rows += [(m, f"{m}-{i:02d}", year, f"ind{ind:02d}", float(v), 500.0) for i, v in enumerate(vals)]
                rows.append((m, m, year, f"ind{ind:02d}", float(vals.sum()), 6000.0))
    df = pd.DataFrame(rows, columns=["municipality_id", "area_id", "year", "indicator_id", "numerator",
                                     "denominator"])
    df["value"] = 1000 * df["numerator"] / df["denominator"]
    return df


def timed(label: str, fn):
    """Run ``fn``; print wall time and the process' peak resident memory so far."""
    t0 = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"{label:<52} {dt:8.2f} s   peak RSS {peak:7.1f} MiB", flush=True)
    return out


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    cols = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    table = make_table(rows, cols)
    n_small = int(((table > 0) & (table < 3)).to_numpy().sum())
    print(f"table {rows} x {cols} + margins = {table.size} cells, {n_small} counts of 1 or 2")
    res = timed("suppress (frequency rule, hypercube + margins)", lambda: suppress(table, totals="Insgesamt"))
    print(f"  method {res.method}: {res.n_primary} primary, {res.n_secondary} secondary "
          f"({(res.n_primary + res.n_secondary) / table.size:.1%} of cells)")
    audit = timed("audit: attack on every suppressed cell (max flow)", res.audit)
    prim = audit[audit.status == "primary"]
    ok = bool(prim["protected"].all())
    print(f"  {len(audit)} cells attacked; all primary cells protected: {ok}; "
          f"min width of a primary interval {prim['width'].min():.0f}")
    small = make_table(60, 12, seed=2)
    res2 = timed("suppress 60 x 12 (hypercube + clean-up)", lambda: suppress(small, totals="Insgesamt"))
    print(f"  {res2.n_primary} primary, {res2.n_secondary} secondary")
    small_lp = make_table(25, 8, seed=3)
    res3 = timed("suppress 25 x 8 (lp heuristic + clean-up)", lambda: suppress(small_lp, totals="Insgesamt",
                                                                              method="lp"))
    print(f"  {res3.n_primary} primary, {res3.n_secondary} secondary")
    ind = make_indicator_values()
    out = timed(f"suppress_indicator_values ({len(ind)} rows, lp + clean-up)", lambda: suppress_indicator_values(ind))
    print(f"  {(out.suppression == 'primary').sum()} primary, {(out.suppression == 'secondary').sum()} secondary")
    if not ok:
        raise SystemExit("protection failed")


if __name__ == "__main__":
    main()
