"""Benchmark of the analysis bundle: seconds per part of ``evaluation.analysis.analyse`` for one municipality,
the save/load round trip, and rendering every chapter from the bundle.

Run: ``.venv/bin/python benchmarks/bench_analysis.py [--municipality erlangen] [--year 2025]``.

Starts from freshly generated Musterdaten in a temporary folder (seed 20251). The figures are wall-clock
seconds on this machine with the load average beside them (the machine may be shared). The first part
measured pays for the imports; ``effects`` holds the estimates *and* the diagnostics of every headline
effect (event study with randomisation inference, synthetic control). No figure is asserted anywhere.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--municipality", default="erlangen")
    ap.add_argument("--year", type=int, default=2025)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    from evaluation.analysis import MunicipalityAnalysis, analyse, load_inputs
    from evaluation.analysis.municipality import PARTS
    from evaluation.demo import generate
    from evaluation.reporting import chapters

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "demo"
        generate(folder, seed=20251)
        t0 = time.perf_counter()
        params, dataset = load_inputs(ROOT / "params" / f"{args.municipality}.yaml", data_folder=folder, project_root=ROOT)
        print(f"load_inputs (validate the folder)   {time.perf_counter() - t0:7.2f} s")
        for part in PARTS:
            if part == "meta":
                continue
            t0 = time.perf_counter()
            analyse(params, dataset, year=args.year, project_root=ROOT, parts=[part])
            print(f"analyse part {part:<22} {time.perf_counter() - t0:7.2f} s")
        dataset.__dict__.pop("_index_cache", None)
        t0 = time.perf_counter()
        bundle = analyse(params, dataset, year=args.year, project_root=ROOT)
        print(f"analyse (all parts)                 {time.perf_counter() - t0:7.2f} s")
        t0 = time.perf_counter()
        again = MunicipalityAnalysis.load(bundle.save(Path(tmp) / "bundle"))
        n_files = len(list((Path(tmp) / "bundle").iterdir()))
        print(f"save + load ({n_files} files)             {time.perf_counter() - t0:7.2f} s")
        t0 = time.perf_counter()
        html = "".join(getattr(chapters, name)(again).html() for name in chapters.__all__)
        print(f"render all chapters ({len(html) // 1024} KiB HTML)  {time.perf_counter() - t0:7.2f} s")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
