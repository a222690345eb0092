"""The annual run: one report per municipality plus an overview, reproducibly, from one call.

:func:`run_annual` reads every parameter file of the year, validates each data folder once, then
executes ``notebooks/municipality_report.ipynb`` with papermill for each municipality in parallel
(a process pool bounded by the cores, or a Dask cluster for national-scale runs), turns each executed
notebook into one self-contained HTML page (:mod:`evaluation.reporting.export`), writes the tables
behind every figure as CSV beside it, and finally renders ``notebooks/overview.ipynb``.

Guarantees
- *Atomic*: each report is built in a private work folder and moved into place only when complete
  (HTML via temporary file + rename; the CSV folder by rename), so a failed or interrupted run never
  leaves half a report. A previous report of the same municipality stays until the new one is complete.
- *Failures isolated*: one broken municipality (bad parameter file, failing notebook) gets its error
  in the summary; the others complete; the return value and the CLI's exit code say it.
- *Reproducible*: ``manifest.json`` records the parameters, the SHA-256 of every input file (data,
  parameter files, notebooks), package versions, the git commit, timings and the status of each
  report. Tables are written deterministically, so a second run on the same inputs gives
  byte-identical CSVs.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from .errors import InputError

PACKAGE_ROOT = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_ROOT.parents[1]
NOTEBOOKS = PROJECT_ROOT / "notebooks"
REPORT_NOTEBOOK = "municipality_report.ipynb"
OVERVIEW_NOTEBOOK = "overview.ipynb"
KEY_PACKAGES = ["evaluation", "pandas", "numpy", "scipy", "statsmodels", "scikit-learn", "pandera", "papermill",
                "nbformat", "matplotlib", "seaborn", "networkx", "jinja2"]


@dataclass(frozen=True)
class ReportJob:
    """One notebook to run: everything a worker process needs (picklable)."""

    kind: str  # "municipality" | "overview"
    key: str  # municipality id or "overview"
    notebook: str
    parameters: dict[str, Any]
    html_path: str
    tables_dir: str
    work_dir: str
    title: str
    subtitle: str
    demo: bool
    pdf: bool
    cwd: str


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def input_hashes(paths: list[Path], root: Path) -> dict[str, str]:
    """SHA-256 of every file below the given files/folders, keyed by path relative to ``root``."""
    out: dict[str, str] = {}
    for p in paths:
        files = sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
        for f in files:
            try:
                key = str(f.resolve().relative_to(root.resolve()))
            except ValueError:
                key = str(f)
            out[key] = sha256_file(f)
    return dict(sorted(out.items()))


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in KEY_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_commit(root: Path) -> dict[str, Any]:
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=10)
        if commit.returncode != 0:
            return {"commit": None, "dirty": None}
        return {"commit": commit.stdout.strip(), "dirty": bool(dirty.stdout.strip())}
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}


def run_job(job: ReportJob) -> dict[str, Any]:
    """Execute one notebook and publish its HTML and tables atomically. Never raises: returns a status."""
    import papermill as pm

    from .reporting.export import export_notebook, print_pdf, write_atomic

    t0 = time.perf_counter()
    work = Path(job.work_dir)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    executed = work / "executed.ipynb"
    tables_tmp = work / "tabellen"
    params = dict(job.parameters, tables_dir=str(tables_tmp))
    result: dict[str, Any] = {"key": job.key, "kind": job.kind, "status": "failed", "error": None,
                              "html": job.html_path, "tables_dir": job.tables_dir}
    try:
        pm.execute_notebook(job.notebook, str(executed), parameters=params, cwd=job.cwd, progress_bar=False,
                            log_output=False, kernel_name="python3", report_mode=False)
        t_exec = time.perf_counter()
        exported = export_notebook(executed, title=job.title, subtitle=job.subtitle, demo=job.demo)
        write_atomic(job.html_path, exported.html)
        final_tables = Path(job.tables_dir)
        if tables_tmp.exists():
            old = final_tables.with_name(final_tables.name + ".old")
            shutil.rmtree(old, ignore_errors=True)
            if final_tables.exists():
                final_tables.rename(old)
            final_tables.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(tables_tmp), str(final_tables))
            shutil.rmtree(old, ignore_errors=True)
        if job.pdf:
            print_pdf(job.html_path, Path(job.html_path).with_suffix(".pdf"))
            result["pdf"] = str(Path(job.html_path).with_suffix(".pdf"))
        result.update(status="ok", seconds_execute=round(t_exec - t0, 3))
    except pm.PapermillExecutionError as err:
        result["error"] = f"{err.ename}: {err.evalue} (cell {err.exec_count})"
    except InputError as err:
        result["error"] = str(err)
    except Exception as err:  # noqa: BLE001 - isolate: one failure must not stop the others
        result["error"] = f"{type(err).__name__}: {err}"
        result["traceback"] = traceback.format_exc(limit=5)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result["seconds"] = round(time.perf_counter() - t0, 3)
    return result


def _executor(executor: Any, jobs: int) -> tuple[Any, bool]:
    """(executor, owned): a local process pool, a Dask client for an address, or the object given."""
    if executor is None or executor == "local":
        import multiprocessing as mp

        return cf.ProcessPoolExecutor(max_workers=jobs, mp_context=mp.get_context("spawn")), True
    if isinstance(executor, str):
        if executor == "serial":
            return None, False
        try:
            from distributed import Client
        except ImportError as exc:  # pragma: no cover - distributed is a dependency
            raise InputError("a Dask address needs the 'distributed' package") from exc
        try:
            return Client(executor, timeout="10s"), True
        except OSError as exc:
            raise InputError(f"cannot reach the Dask scheduler at {executor}: {exc}") from None
    return executor, False


def _submit_all(executor: Any, jobs: list[ReportJob], progress: bool, label: str) -> list[dict[str, Any]]:
    from tqdm.auto import tqdm

    results: list[dict[str, Any]] = []
    bar = tqdm(total=len(jobs), desc=label, unit="Bericht", disable=not progress, file=sys.stderr)
    try:
        if executor is None:
            for job in jobs:
                results.append(run_job(job))
                bar.update(1)
            return results
        if type(executor).__name__ == "Client":  # dask.distributed
            from distributed import as_completed as dask_completed

            futures = [executor.submit(run_job, job, pure=False) for job in jobs]
            for fut in dask_completed(futures):
                results.append(fut.result())
                bar.update(1)
            return results
        futures = {executor.submit(run_job, job): job for job in jobs}
        for fut in cf.as_completed(futures):
            job = futures[fut]
            try:
                results.append(fut.result())
            except Exception as err:  # noqa: BLE001 - a worker that died (e.g. killed) still gets a status
                results.append({"key": job.key, "kind": job.kind, "status": "failed",
                                "error": f"worker failed: {type(err).__name__}: {err}", "html": job.html_path})
            bar.update(1)
        return results
    finally:
        bar.close()


def run_annual(
    params_dir: str | Path = "params",
    year: int = 2025,
    out_dir: str | Path = "reports",
    *,
    jobs: int | None = None,
    executor: Any = "local",
    only: list[str] | None = None,
    pdf: bool = False,
    progress: bool = True,
    overview: bool = True,
    notebooks_dir: str | Path | None = None,
    data_folder: str | Path | None = None,
) -> dict[str, Any]:
    """Run the annual evaluation; return the manifest (also written to ``out_dir/<year>/manifest.json``).

    ``executor``: ``"local"`` (process pool with ``jobs`` workers, default the number of cores),
    ``"serial"``, a Dask scheduler address (``"tcp://host:8786"``), or any object with ``submit``
    (a ``concurrent.futures.Executor`` or a ``distributed.Client``). ``data_folder`` overrides the
    parameter files' data folder (e.g. small data for tests).
    """
    from .dataset import load_dataset
    from .params import load_params

    t_start = time.perf_counter()
    params_dir = Path(params_dir).resolve()
    root = params_dir.parent
    out_year = Path(out_dir).resolve() / str(year)
    notebooks = Path(notebooks_dir).resolve() if notebooks_dir else NOTEBOOKS
    files = sorted(params_dir.glob("*.yaml"))
    if not files:
        raise InputError("no parameter files (*.yaml) found", file=params_dir)
    out_year.mkdir(parents=True, exist_ok=True)
    work_root = Path(tempfile.mkdtemp(prefix=".work-", dir=out_year))

    reports: dict[str, dict[str, Any]] = {}
    manifest_params: dict[str, Any] = {}
    jobs_list: list[ReportJob] = []
    folders_checked: dict[Path, str | None] = {}
    demo_any = False
    for f in files:
        key = f.stem
        try:
            p = load_params(f)
            key = p.municipality.id
        except InputError as err:
            reports[key] = {"status": "failed", "error": str(err), "params_file": str(f)}
            continue
        if p.report.year != year or (only and key not in only):
            continue
        folder = Path(data_folder).resolve() if data_folder else p.data_folder(root).resolve()
        if folder not in folders_checked:
            try:
                load_dataset(folder)
                folders_checked[folder] = None
            except InputError as err:
                folders_checked[folder] = str(err)
        if folders_checked[folder]:
            reports[key] = {"status": "failed", "error": folders_checked[folder], "params_file": str(f)}
            continue
        demo_any = demo_any or p.report.demo
        manifest_params[key] = {"params_file": str(f.relative_to(root)) if f.is_relative_to(root) else str(f),
                                "data_folder": str(folder), **p.model_dump(mode="json")}
        jobs_list.append(ReportJob(
            kind="municipality", key=key, notebook=str(notebooks / REPORT_NOTEBOOK),
            parameters={"municipality_id": key, "year": year, "params_file": str(f), "data_folder": str(folder),
                        "project_root": str(root)},
            html_path=str(out_year / f"{key}.html"), tables_dir=str(out_year / key / "tabellen"),
            work_dir=str(work_root / key), title=_title(p, year), subtitle=_subtitle(p), demo=p.report.demo,
            pdf=pdf or p.report.pdf, cwd=str(root)))

    n_workers = max(1, min(jobs or os.cpu_count() or 1, max(len(jobs_list), 1)))
    pool, owned = _executor(executor, n_workers)
    try:
        for r in _submit_all(pool, jobs_list, progress, f"Berichte {year}"):
            reports[r["key"]] = {k: v for k, v in r.items() if k != "key"}
        if overview and jobs_list:
            ok = sorted(k for k, r in reports.items() if r.get("status") == "ok")
            ov = ReportJob(
                kind="overview", key="overview", notebook=str(notebooks / OVERVIEW_NOTEBOOK),
                parameters={"year": year, "params_dir": str(params_dir), "municipality_ids": ok,
                            "data_folder": str(data_folder) if data_folder else None, "project_root": str(root)},
                html_path=str(out_year / "overview.html"), tables_dir=str(out_year / "overview" / "tabellen"),
                work_dir=str(work_root / "overview"), title=_overview_title(year), subtitle="", demo=demo_any,
                pdf=pdf, cwd=str(root))
            r = _submit_all(pool, [ov], progress, "Übersicht")[0]
            reports["overview"] = {k: v for k, v in r.items() if k != "key"}
    finally:
        if owned and pool is not None:
            if hasattr(pool, "shutdown"):
                pool.shutdown(wait=True)
            else:
                pool.close()
        shutil.rmtree(work_root, ignore_errors=True)

    inputs = [params_dir, notebooks / REPORT_NOTEBOOK, notebooks / OVERVIEW_NOTEBOOK, *folders_checked]
    manifest = {
        "year": year,
        "status": "ok" if all(r.get("status") == "ok" for r in reports.values()) else "failed",
        "reports": dict(sorted(reports.items())),
        "parameters": dict(sorted(manifest_params.items())),
        "inputs": input_hashes([p for p in inputs if Path(p).exists()], root),
        "packages": package_versions(),
        "git": git_commit(PROJECT_ROOT),
        "executor": executor if isinstance(executor, str) else type(executor).__name__,
        "workers": n_workers,
        "seconds": round(time.perf_counter() - t_start, 3),
    }
    path = out_year / "manifest.json"
    from .reporting.export import write_atomic

    write_atomic(path, json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=False) + "\n")
    manifest["manifest_path"] = str(path)
    return manifest


def _title(p, year: int) -> str:
    from .texts import text

    return text("report", "document.title", year=year, name=p.municipality.name)


def _subtitle(p) -> str:
    from .texts import text

    return text("report", "document.subtitle", programme=p.programme.name)


def _overview_title(year: int) -> str:
    from .texts import text

    return text("report", "document.overview_title", year=year)
