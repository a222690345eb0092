"""Benchmark of the annual run: ``run_annual`` against the naive way, and the time per report at 50 reports.

Run: ``.venv/bin/python benchmarks/bench_batch.py [--parts a,b,c] [--jobs 2] [--n 50]``.

(a) ``evaluation.batch.run_annual`` for the five model municipalities plus the overview (process
    pool, 2 workers: data validated once, a snapshot with the shared composite index handed to the
    notebooks, papermill in-process per worker, HTML export in-process);
(b) the naive way on the same notebooks, parameters and data, in the same script run: for each
    municipality the ``papermill`` command line (a fresh Jupyter kernel, the notebook validating the
    data and computing everything itself) and then ``jupyter nbconvert --to html --no-input``, one
    report after another, then the overview the same way;
(c) 50 reports: a temporary copy of the Musterdaten in which 45 comparison municipalities become
    model municipalities (with a programme_start), with parameter files for them. This is a timing
    set-up only: the reports of those 45 are not meaningful evaluations.

Both (a) and (b) start from freshly generated Musterdaten in a temporary folder. The figures are
wall-clock seconds on this machine, with the load average beside them (the machine may be shared);
"cpu" is the CPU time of this process and of the children it waited for (the pool's workers are
forked from multiprocessing's fork server, so their time is not in (a)'s figure; the naive way's
commands are). No figure is asserted anywhere.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
YEAR = 2025
MODEL = ["erlangen", "nieder_olm", "rostock", "schneverdingen", "schwaebisch_gmuend"]


def cpu_seconds() -> float:
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def write_params(folder: Path, data: Path, keys: list[str]) -> Path:
    """The project's parameter files of ``keys``, pointing at ``data`` (absolute paths)."""
    folder.mkdir(parents=True, exist_ok=True)
    for key in keys:
        raw = yaml.safe_load((ROOT / "params" / f"{key}.yaml").read_text(encoding="utf-8"))
        raw["data"]["folder"] = str(data)
        official = raw["data"].get("official_context")
        if official:
            path = (ROOT / official).resolve()
            raw["data"]["official_context"] = str(path) if path.exists() else None
        (folder / f"{key}.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


def timed(label: str, fn):
    l0, c0, t0 = load(), cpu_seconds(), time.perf_counter()
    result = fn()
    wall, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    print(f"{label:<58}{wall:>9.1f} s wall {cpu:>8.1f} s cpu   load {l0} -> {load()}", flush=True)
    return wall, result


def part_a(params: Path, out: Path, jobs: int):
    from evaluation.batch import run_annual

    manifest = run_annual(params, YEAR, out, jobs=jobs, progress=False)
    bad = {k: r.get("error") for k, r in manifest["reports"].items() if r["status"] != "ok"}
    if bad:
        print(f"  failed: {bad}")
    return manifest


def part_b(params: Path, out: Path):
    """papermill CLI + nbconvert CLI per report, one after another, then the overview."""
    out.mkdir(parents=True, exist_ok=True)
    failed = []

    def run(cmd):
        proc = subprocess.run([str(c) for c in cmd], cwd=ROOT, capture_output=True, text=True)
        if proc.returncode != 0:
            failed.append((cmd[1], proc.stderr.strip().splitlines()[-1:] if proc.stderr else ""))

    for key in MODEL:
        executed = out / f"{key}.ipynb"
        run([BIN / "papermill", ROOT / "notebooks" / "municipality_report.ipynb", executed, "--no-progress-bar",
             "-p", "municipality_id", key, "-p", "year", YEAR, "-p", "params_file", params / f"{key}.yaml",
             "-p", "project_root", ROOT, "-p", "tables_dir", out / key / "tabellen"])
        run([BIN / "jupyter", "nbconvert", "--to", "html", "--no-input", executed])
    executed = out / "overview.ipynb"
    run([BIN / "papermill", ROOT / "notebooks" / "overview.ipynb", executed, "--no-progress-bar",
         "-p", "year", YEAR, "-p", "params_dir", params, "-p", "project_root", ROOT,
         "-p", "tables_dir", out / "overview" / "tabellen"])
    run([BIN / "jupyter", "nbconvert", "--to", "html", "--no-input", executed])
    if failed:
        print(f"  failed: {failed}")
    return sorted(p.name for p in out.glob("*.html"))


def timing_setup_50(demo: Path, tmp: Path, n_extra: int) -> Path:
    """A copy of the Musterdaten where ``n_extra`` comparison municipalities become model municipalities."""
    import shutil

    import pandas as pd

    data = tmp / "demo50"
    shutil.copytree(demo, data)
    path = data / "municipalities.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    comments = [line for line in lines if line.startswith("#")]
    m = pd.read_csv(path, comment="#", dtype=str, keep_default_na=False)
    # the same share of every municipality type, so that each type keeps comparison candidates
    comparison = m[m["group"] == "comparison"].sort_values("municipality_id")
    share = n_extra / max(len(comparison), 1)
    picked = [ids for _, ids in comparison.groupby("type")["municipality_id"]]
    extra = [i for ids in picked for i in list(ids)[::2][:round(len(ids) * share)]]
    rest = [i for i in comparison["municipality_id"] if i not in extra]
    extra = (extra + rest)[:n_extra]
    m.loc[m["municipality_id"].isin(extra), "group"] = "model"
    m.loc[m["municipality_id"].isin(extra), "programme_start"] = "2019"
    path.write_text("".join(comments) + m.to_csv(index=False, lineterminator="\n"), encoding="utf-8")
    params = write_params(tmp / "params50", data, MODEL)
    template = yaml.safe_load((params / "erlangen.yaml").read_text(encoding="utf-8"))
    for row in m[m["municipality_id"].isin(extra)].itertuples():
        raw = dict(template)
        raw["municipality"] = {"id": row.municipality_id, "name": row.name, "kind": row.kind, "state": row.state,
                               "ags": [row.ags], "kreis": row.kreis}
        raw["programme"] = dict(template["programme"], start=2019)
        raw["data"] = {"folder": str(data), "official_context": None}
        (params / f"{row.municipality_id}.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False),
                                                            encoding="utf-8")
    return params


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parts", default="a,b,c", help="which parts to run (default: a,b,c)")
    ap.add_argument("--jobs", type=int, default=2, help="workers of the process pool (default: 2)")
    ap.add_argument("--n", type=int, default=50, help="reports in part (c) (default: 50)")
    args = ap.parse_args(argv)
    parts = set(args.parts.split(","))
    from evaluation.demo import generate

    print(f"cores: {os.cpu_count()}, load average at start: {load()}")
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        tmp = Path(tmp)
        demo = tmp / "demo"
        generate(demo, seed=20251)
        params = write_params(tmp / "params", demo, MODEL)
        wall_a = wall_b = None
        if "a" in parts:
            wall_a, manifest = timed(f"(a) run_annual, 5 reports + overview, {args.jobs} workers",
                                     lambda: part_a(params, tmp / "out_a", args.jobs))
            t = manifest["timings"]
            print(f"    in the parent: validation {t.get('validate', 0):.1f} s, snapshot and shared index "
                  f"{t.get('snapshot', 0):.1f} s, notebooks {t.get('reports', 0):.1f} s, pool shutdown "
                  f"{t.get('finish', 0):.1f} s, manifest {t.get('manifest', 0):.2f} s; engine {manifest['engine']}; "
                  "per notebook: " + ", ".join(f"{k} {r['seconds']:.1f} s" for k, r in manifest["reports"].items()))
        if "b" in parts:
            wall_b, names = timed("(b) naive: papermill CLI + nbconvert CLI, one by one",
                                  lambda: part_b(params, tmp / "out_b"))
            print(f"    HTML written: {', '.join(names)}")
        if wall_a and wall_b:
            print(f"ratio (a)/(b): {wall_a / wall_b:.2f}   (goal: at most 0.40)")
        if "c" in parts:
            n_extra = max(0, args.n - len(MODEL))
            params50 = timing_setup_50(demo, tmp, n_extra)
            n = len(list(params50.glob("*.yaml")))
            print(f"(c) TIMING SET-UP: {n_extra} comparison municipalities of a copy of the Musterdaten turned into "
                  f"model municipalities (programme_start 2019) with parameter files: {n} reports, no overview")
            from evaluation.batch import run_annual

            wall_c, manifest = timed(f"(c) run_annual, {n} reports, {args.jobs} workers",
                                     lambda: run_annual(params50, YEAR, tmp / "out_c", jobs=args.jobs,
                                                        progress=False, overview=False))
            ok = sum(r["status"] == "ok" for r in manifest["reports"].values())
            per = [r["seconds"] for r in manifest["reports"].values() if r["status"] == "ok"]
            print(f"    {ok}/{n} reports ok; {wall_c / n:.2f} s wall per report (whole run / reports); "
                  f"a worker's time per report: median {sorted(per)[len(per) // 2]:.1f} s" if per else "")
            bad = {k: r.get("error") for k, r in manifest["reports"].items() if r["status"] != "ok"}
            if bad:
                print(f"    failed: {dict(list(bad.items())[:5])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
