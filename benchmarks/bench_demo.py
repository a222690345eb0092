"""Benchmark of the Musterdaten generator: time, output size and peak memory per scale.

Run: ``.venv/bin/python benchmarks/bench_demo.py [--scale default|national|both] [--repeat N]``.
Each scale is generated into a temporary folder (removed afterwards) in a fresh subprocess, so the
peak resident memory (ru_maxrss) belongs to that run alone.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from evaluation.demo import generate
out, scale = Path(sys.argv[1]), sys.argv[2]
t0 = time.perf_counter(); c0 = time.process_time()
paths = generate(out, seed=20251, scale=scale)
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
size = sum(p.stat().st_size for p in paths.values())
rows = sum(1 for _ in open(paths["indicator_values.csv"], encoding="utf-8")) - 2
print(json.dumps({"scale": scale, "wall_s": wall, "cpu_s": cpu, "files": len(paths), "bytes": size,
                  "indicator_rows": rows,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run(scale: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        res = subprocess.run([sys.executable, "-c", _CHILD, str(Path(tmp) / "demo"), scale],
                             capture_output=True, text=True, check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", choices=["default", "national", "both"], default="both")
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args(argv)
    scales = ["default", "national"] if args.scale == "both" else [args.scale]
    print(f"{'scale':<10}{'wall s':>9}{'cpu s':>9}{'files':>7}{'MB':>9}{'iv rows':>11}{'peak MB':>9}")
    for scale in scales:
        for _ in range(args.repeat):
            r = run(scale)
            print(f"{r['scale']:<10}{r['wall_s']:>9.1f}{r['cpu_s']:>9.1f}{r['files']:>7}{r['bytes'] / 1e6:>9.1f}"
                  f"{r['indicator_rows']:>11,}{r['peak_rss_mb']:>9.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
