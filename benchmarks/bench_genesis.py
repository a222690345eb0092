"""Benchmark: read_genesis on a ~100 MB classic GENESIS table beside pandas.read_csv on the same bytes.

Generates ``benchmarks/output/genesis_classic_100mb.csv`` (ISO-8859-1, the Regionaldatenbank's
13211 layout at Gemeinde level: title block, three header lines, time/code/name row dimensions for
about 11 000 Gemeinden, 13 value columns
with decimal commas and the symbols ``-``, ``.``, ``x``, ``(..)``, ``p``; footer), then times, each
in a fresh process so that peak memory (max RSS) is the run's own:

* ``pandas.read_csv`` of the data block (``skiprows``/``nrows`` given, ``decimal=","``, symbols as
  ``na_values``): the wide table pandas produces when told the layout, symbols lost;
* ``read_genesis``: detects the layout, keeps every symbol as a flag, returns the tidy long table.

Run: ``.venv/bin/python benchmarks/bench_genesis.py [--mb 100]``. Goal: at most 2x pandas' time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent / "output"
HEADER = (
    "GENESIS-Tabelle: 13211-02-05-4\n"
    "Arbeitslose nach ausgewählten Personengruppen sowie;;;;;;;;;;;;;;;\n"
    "Arbeitslosenquoten - Jahresdurchschnitt - regionale Tiefe: Gemeinden (synthetisch);;;;;;;;;;;;;;;\n"
    "Arbeitsmarktstatistik der Bundesagentur für Arbeit;;;;;;;;;;;;;;;\n"
    ";;;" + ";".join(["Arbeitslose"] * 7 + ["Arbeitslosenquote"] * 6) + "\n"
    ";;;;Ausländer;schwerbehindert;15 bis unter 20 Jahre;15 bis unter 25 Jahre;55 bis unter 65 Jahre;"
    "langzeitarbeitslos;;;Männer;Frauen;Ausländer;15 bis unter 25 Jahre\n"
    ";;;" + ";".join(["Anzahl"] * 7 + ["Prozent"] * 6) + "\n"
)
FOOTER = ('__________\n"© Statistische Ämter des Bundes und der Länder, Deutschland, 2021.\n'
          'Dieses Werk ist lizenziert unter der Datenlizenz Deutschland\n- Namensnennung - Version 2.0."\n'
          "Stand: 17.08.2021 / 19:38:04\n")


def generate(path: Path, megabytes: float) -> tuple[int, int]:
    """Write the file; return (header lines, data lines)."""
    rng = np.random.default_rng(2021)
    # about as many regions as Germany has Gemeinden (10 800): a Gemeinde table over many years
    pool = np.unique(rng.integers(1_001_000, 16_077_999, 11_000))
    path.parent.mkdir(parents=True, exist_ok=True)
    target = int(megabytes * 1_000_000)
    n_lines = 0
    with open(path, "w", encoding="latin-1", newline="\n") as fh:
        fh.write(HEADER)
        written = len(HEADER.encode("latin-1"))
        block = 20_000
        while written < target:
            years = rng.integers(2000, 2024, block)
            codes = pool[rng.integers(0, len(pool), block)]
            counts = rng.integers(0, 300_000, (block, 7)).astype(object)
            rates = np.round(rng.uniform(0, 30, (block, 6)), 1)
            rate_txt = np.char.replace(rates.astype(str), ".", ",").astype(object)
            sym = rng.random((block, 13))
            cells = np.concatenate([counts.astype(str).astype(object), rate_txt], axis=1)
            cells[sym < 0.03] = "-"
            cells[(sym >= 0.03) & (sym < 0.05)] = "."
            cells[(sym >= 0.05) & (sym < 0.051)] = "x"
            paren = (sym >= 0.051) & (sym < 0.052)
            cells[paren] = np.char.add(np.char.add("(", cells[paren].astype(str)), ")")
            prelim = (sym >= 0.052) & (sym < 0.053)
            cells[prelim] = np.char.add(cells[prelim].astype(str), "p")
            lines = [f"{y};{c:08d};      Gemeinde {c}, Landkreis Süd;" + ";".join(row)
                     for y, c, row in zip(years.tolist(), codes.tolist(), cells.tolist())]
            text = "\n".join(lines) + "\n"
            fh.write(text)
            written += len(text.encode("latin-1"))
            n_lines += block
        fh.write(FOOTER)
    return HEADER.count("\n"), n_lines


CHILD = r"""
import json, resource, sys, time
import pandas as pd
path, mode, skip, nrows = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
if mode == "genesis":
    from evaluation.io.genesis import read_genesis
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    c = time.process_time(); t = time.perf_counter(); df = read_genesis(path); dt = time.perf_counter() - t
else:
    c = time.process_time(); t = time.perf_counter()
    df = pd.read_csv(path, sep=";", header=None, skiprows=skip, nrows=nrows, encoding="latin-1", decimal=",",
                     na_values=["-", ".", "x", "/", "..."], dtype={1: str})
    dt = time.perf_counter() - t
cpu = time.process_time() - c
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": dt, "cpu": cpu, "peak_mb": rss / 1024, "import_mb": rss0 / 1024, "shape": list(df.shape)}))
"""


def run(path: Path, mode: str, skip: int, nrows: int) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, str(path), mode, str(skip), str(nrows)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=100.0, help="size of the generated file in MB")
    ap.add_argument("--repeat", type=int, default=2, help="runs per reader; the fastest is shown")
    ap.add_argument("--keep", action="store_true", help="reuse an existing generated file")
    args = ap.parse_args()
    path = OUT / f"genesis_classic_{int(args.mb)}mb.csv"
    t = time.perf_counter()
    if args.keep and path.exists():
        raw = path.read_bytes()
        skip, nrows = HEADER.count("\n"), raw.count(b"\n") - HEADER.count("\n") - FOOTER.count("\n")
        del raw
    else:
        skip, nrows = generate(path, args.mb)
    print(f"{'using' if args.keep else 'generated'} {path.name}: {path.stat().st_size / 1e6:.1f} MB, {nrows} data lines x 13 values "
          f"({time.perf_counter() - t:.1f} s)")
    results = {}
    for mode in ("pandas", "genesis"):
        best = min((run(path, mode, skip, nrows) for _ in range(args.repeat)), key=lambda r: r["seconds"])
        results[mode] = best
        label = "pandas.read_csv (wide, symbols lost)" if mode == "pandas" else "read_genesis (tidy, flags kept)"
        print(f"{label:40s} {best['seconds']:6.2f} s (CPU {best['cpu']:5.2f} s)   peak RSS {best['peak_mb']:7.0f} MB "
              f"(after imports {best['import_mb']:.0f} MB)   shape {tuple(best['shape'])}")
    ratio = results["genesis"]["seconds"] / results["pandas"]["seconds"]
    cpu_ratio = results["genesis"]["cpu"] / results["pandas"]["cpu"]
    print(f"read_genesis / pandas.read_csv: wall time {ratio:.2f}x, CPU time {cpu_ratio:.2f}x (goal <= 2x wall); "
          f"machine load now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
