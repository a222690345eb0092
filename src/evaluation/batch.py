"""The annual run: one report per municipality plus an overview, reproducibly, from one call.

:func:`run_annual` reads every parameter file of the year, validates each data folder once and
writes it as a snapshot (:mod:`evaluation.reporting.snapshot`: the validated tables, the folder's
input hash and the composite index, which is the same for every report of a year, computed here
once), then executes ``notebooks/municipality_report.ipynb`` with papermill for each municipality
in parallel (a process pool bounded by the cores, or a Dask cluster for national-scale runs), turns
each executed notebook into one self-contained HTML page in the worker
(:mod:`evaluation.reporting.export`), writes the tables behind every figure as CSV beside it, and
renders ``notebooks/overview.ipynb`` (started beside the reports, published only if all succeeded).

Speed: in the local pool each notebook runs with papermill's API *inside* a worker process
(an in-process papermill engine, no Jupyter kernel), and each worker is forked for that one notebook
from multiprocessing's fork server, which imported the library once: no report pays for the imports
or the validation, and none shares module state with another (``benchmarks/bench_batch.py``).

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
from concurrent.futures.process import BrokenProcessPool
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, replace
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
    engine: str = "inprocess"  # "inprocess" (papermill engine in the worker) | "kernel" (a Jupyter kernel)
    publish: bool = True  # False: leave the finished report in work_dir for the caller (publish_staged)


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


# -- executing one notebook -----------------------------------------------------------------------

class _NotebookShell:
    """An IPython shell inside the worker process that runs notebook cells like a kernel would.

    Used only in the local pool's workers, each of which runs ONE notebook (``max_tasks_per_child=1``)
    and is forked from multiprocessing's fork server after it imported the library: the imports
    (pandas, statsmodels, matplotlib, the chapters: seconds of CPU) are paid once per run instead of
    once per report, and every notebook still starts in a process of its own, with pristine module
    state (e.g. the heading anchors of :mod:`evaluation.reporting.blocks` are unique per process).
    Outputs are captured as nbformat outputs (``display_data``/``execute_result`` with the same mime
    bundle a kernel sends, ``stream``, ``error`` with the traceback), so papermill and the exporter
    see what a kernel would produce.
    """

    _instance: "_NotebookShell | None" = None

    def __init__(self) -> None:
        from IPython.core.displayhook import DisplayHook
        from IPython.core.displaypub import DisplayPublisher
        from IPython.core.interactiveshell import InteractiveShell
        from traitlets.config import Config

        runner = self
        self.outputs: list[dict[str, Any]] = []
        self._stdout: Any = None
        self._stderr: Any = None

        class Publisher(DisplayPublisher):
            def publish(self, data, metadata=None, source=None, *, transient=None, update=False):
                runner._flush_streams()
                runner.outputs.append({"output_type": "display_data", "data": data, "metadata": metadata or {}})

            def clear_output(self, wait=False):
                runner.outputs.clear()

        class Hook(DisplayHook):
            def write_output_prompt(self):
                pass

            def write_format_data(self, format_dict, md_dict=None):
                runner._flush_streams()
                runner.outputs.append({"output_type": "execute_result", "data": format_dict,
                                       "metadata": md_dict or {}, "execution_count": self.shell.execution_count})

            def finish_displayhook(self):
                pass

        class Shell(InteractiveShell):
            displayhook_class = Hook
            display_pub_class = Publisher

            def _showtraceback(self, etype, evalue, stb):
                runner._flush_streams()
                runner.outputs.append({"output_type": "error", "ename": getattr(etype, "__name__", str(etype)),
                                       "evalue": str(evalue), "traceback": list(stb)})

        config = Config()
        config.HistoryManager.enabled = False  # no sqlite file shared by the workers
        config.InteractiveShell.colors = "nocolor"
        main = sys.modules.get("__main__")
        self.shell = Shell(config=config)
        # IPython makes its namespace module sys.modules["__main__"]; outside a notebook the process's
        # own __main__ must stay (multiprocessing's spawn, pickling by reference depend on it)
        self._main = main
        self._restore_main()

    def _restore_main(self) -> None:
        if self._main is not None:
            sys.modules["__main__"] = self._main

    @classmethod
    def get(cls) -> "_NotebookShell":
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance

    def _flush_streams(self) -> None:
        for name, buf in (("stdout", self._stdout), ("stderr", self._stderr)):
            if buf is not None and buf.tell():
                self.outputs.append({"output_type": "stream", "name": name, "text": buf.getvalue()})
                buf.seek(0)
                buf.truncate()

    def reset(self) -> None:
        """A fresh namespace for the next notebook (imported modules stay imported)."""
        import matplotlib.pyplot as plt

        plt.close("all")
        self.shell.reset(new_session=False)
        self.shell.execution_count = 1

    def run_cell(self, source: str) -> tuple[list[dict[str, Any]], int, bool]:
        """(outputs, execution count, ok) of one code cell."""
        import contextlib
        import io

        import nbformat

        self.outputs = []
        self._stdout, self._stderr = io.StringIO(), io.StringIO()
        count = self.shell.execution_count
        try:
            with contextlib.redirect_stdout(self._stdout), contextlib.redirect_stderr(self._stderr):
                result = self.shell.run_cell(source, store_history=True)
            self._flush_streams()
        finally:
            self._stdout = self._stderr = None
        outputs = [nbformat.from_dict(o) for o in self.outputs]
        return outputs, count, bool(result.success)


def _inprocess_engine():
    """A papermill engine that runs the cells in this process (see :class:`_NotebookShell`)."""
    from papermill.engines import Engine

    class InProcessEngine(Engine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
            runner = _NotebookShell.get()
            runner.reset()
            sys.modules["__main__"] = runner.shell.user_module  # as in a kernel, while the notebook runs
            try:
                for index, cell in enumerate(nb_man.nb.cells):
                    try:
                        nb_man.cell_start(cell, index)
                        if cell.cell_type != "code":
                            continue
                        outputs, count, ok = runner.run_cell(cell.source)
                        cell.outputs = outputs
                        cell.execution_count = count
                        if not ok:
                            nb_man.cell_exception(cell, cell_index=index)
                            break
                    finally:
                        nb_man.cell_complete(cell, cell_index=index)
            finally:
                runner.reset()  # free the report's objects before the next one
                runner._restore_main()
            return nb_man.nb

    return InProcessEngine


ENGINES = ("inprocess", "kernel")


def _execute(job: ReportJob, params: dict[str, Any]):
    """Run the notebook with papermill; return the executed notebook node (kept in memory)."""
    import papermill as pm

    kwargs: dict[str, Any] = {}
    if job.engine == "inprocess":
        from papermill.engines import papermill_engines

        papermill_engines.register("evaluation-inprocess", _inprocess_engine())
        kwargs["engine_name"] = "evaluation-inprocess"
    else:
        kwargs.update(kernel_name="python3", start_timeout=60)
    return pm.execute_notebook(job.notebook, None, parameters=params, cwd=job.cwd, progress_bar=False,
                               log_output=False, report_mode=False, request_save_on_cell_execute=False, **kwargs)


def _publish(html: str | Path, tables_src: Path | None, html_path: str | Path, tables_dir: str | Path) -> None:
    """Move a report into place: the tables folder by rename, then the HTML by atomic replace."""
    from .reporting.export import write_atomic

    final_tables = Path(tables_dir)
    if tables_src is not None and tables_src.exists():
        old = final_tables.with_name(final_tables.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if final_tables.exists():
            final_tables.rename(old)
        final_tables.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(tables_src), str(final_tables))
        shutil.rmtree(old, ignore_errors=True)
    if isinstance(html, Path):
        Path(html_path).parent.mkdir(parents=True, exist_ok=True)
        os.replace(html, html_path)
    else:
        write_atomic(html_path, html)


def run_job(job: ReportJob) -> dict[str, Any]:
    """Execute one notebook and publish its HTML and tables atomically. Never raises: returns a status.

    With ``job.publish`` false the finished page and tables stay in the job's work folder
    (``result["staged"]``) for the caller to publish with :func:`publish_staged`.
    """
    import papermill as pm

    from .reporting.export import export_notebook, print_pdf, write_atomic

    t0 = time.perf_counter()
    work = Path(job.work_dir)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    tables_tmp = work / "tabellen"
    params = dict(job.parameters, tables_dir=str(tables_tmp))
    result: dict[str, Any] = {"key": job.key, "kind": job.kind, "status": "failed", "error": None,
                              "html": job.html_path, "tables_dir": job.tables_dir}
    staged = False
    try:
        nb = _execute(job, params)
        t_exec = time.perf_counter()
        exported = export_notebook(nb, title=job.title, subtitle=job.subtitle, demo=job.demo)
        if job.publish:
            _publish(exported.html, tables_tmp, job.html_path, job.tables_dir)
            if job.pdf:
                print_pdf(job.html_path, Path(job.html_path).with_suffix(".pdf"))
                result["pdf"] = str(Path(job.html_path).with_suffix(".pdf"))
        else:
            write_atomic(work / "page.html", exported.html)
            result["staged"] = str(work)
            staged = True
        result.update(status="ok", seconds_execute=round(t_exec - t0, 3),
                      seconds_export=round(time.perf_counter() - t_exec, 3))
    except pm.PapermillExecutionError as err:
        result["error"] = f"{err.ename}: {err.evalue} (cell {err.exec_count})"
    except InputError as err:
        result["error"] = str(err)
    except Exception as err:  # noqa: BLE001 - isolate: one failure must not stop the others
        result["error"] = f"{type(err).__name__}: {err}"
        result["traceback"] = traceback.format_exc(limit=5)
    finally:
        if not staged:
            shutil.rmtree(work, ignore_errors=True)
    result["seconds"] = round(time.perf_counter() - t0, 3)
    return result


def publish_staged(result: dict[str, Any], job: ReportJob) -> None:
    """Publish a report that :func:`run_job` left in its work folder (``job.publish`` false)."""
    from .reporting.export import print_pdf

    work = Path(result.pop("staged"))
    _publish(work / "page.html", work / "tabellen", job.html_path, job.tables_dir)
    if job.pdf:
        print_pdf(job.html_path, Path(job.html_path).with_suffix(".pdf"))
        result["pdf"] = str(Path(job.html_path).with_suffix(".pdf"))
    shutil.rmtree(work, ignore_errors=True)


#: what a report imports (the chapters import most of these lazily): imported once in the fork
#: server, whose forked workers then start with them loaded
WARM_MODULES = [
    "numpy", "pandas", "scipy.stats", "scipy.optimize", "statsmodels.api", "matplotlib.pyplot", "networkx",
    "papermill", "nbformat", "IPython.core.interactiveshell", "jinja2",
    "evaluation.reporting.chapters", "evaluation.reporting.overview", "evaluation.reporting.export",
    "evaluation.reporting.snapshot", "evaluation.indicators.targets", "evaluation.indicators.composite",
    "evaluation.disclosure", "evaluation.impact.programme", "evaluation.impact.event_study", "evaluation.impact.synth",
    "evaluation.comparison.typology", "evaluation.comparison.sensitivity", "evaluation.comparison.matching",
    "evaluation.comparison.characteristics", "evaluation.survey.weights", "evaluation.survey.scales",
    "evaluation.survey.participants", "evaluation.survey.design", "evaluation.qualitative.aggregate",
    "evaluation.qualitative.quotes", "evaluation.qualitative.joint_display", "evaluation.qualitative.cooccurrence",
    "evaluation.qualitative.agreement", "evaluation.process.participation", "evaluation.process.network",
    "evaluation.process.measures", "evaluation.process.index_inklusion", "evaluation.io.official",
    "evaluation.demo.texts",
]


def _warm_worker() -> None:
    """Process-pool initializer: the imports (if the fork server had not made them) and the notebook shell."""
    import importlib

    for name in WARM_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:  # a module renamed elsewhere: it is imported when a chapter needs it
            pass
    _NotebookShell.get()


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _executor(executor: Any, jobs: int) -> tuple[Any, bool]:
    """(executor, owned): a local process pool, a Dask client for an address, or the object given."""
    if executor is None or executor == "local":
        import multiprocessing as mp

        # forkserver: the workers are forked from a clean single-threaded server process (no threads
        # or locks of the parent) that has imported the library once (WARM_MODULES), instead of
        # each worker importing it again; spawn where there is no fork server (not Linux/macOS)
        # each worker runs one notebook and exits (max_tasks_per_child=1): a fresh process per report
        if "forkserver" in mp.get_all_start_methods():
            context = mp.get_context("forkserver")
            context.set_forkserver_preload(WARM_MODULES)
        else:  # pragma: no cover - Windows
            context = mp.get_context("spawn")
        return cf.ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_warm_worker,
                                      max_tasks_per_child=1), True
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


def _is_dask(executor: Any) -> bool:
    return type(executor).__name__ == "Client"


def _submit_all(executor: Any, jobs: list[ReportJob], progress: bool, label: str) -> list[dict[str, Any]]:
    """Run the jobs (in the order given when serial), return their results in completion order."""
    from tqdm.auto import tqdm

    results: list[dict[str, Any]] = []
    bar = tqdm(total=len(jobs), desc=label, unit="Bericht", disable=not progress, file=sys.stderr)
    try:
        if executor is None:
            for job in jobs:
                results.append(run_job(job))
                bar.update(1)
            return results
        if _is_dask(executor):  # dask.distributed
            from distributed import as_completed as dask_completed

            futures = {executor.submit(run_job, job, pure=False, key=f"report-{job.key}-{os.urandom(4).hex()}"): job
                       for job in jobs}
            for fut in dask_completed(list(futures)):
                try:
                    results.append(fut.result())
                except Exception as err:  # noqa: BLE001 - a lost worker still gets a status
                    job = futures[fut]
                    results.append({"key": job.key, "kind": job.kind, "status": "failed",
                                    "error": f"worker failed: {type(err).__name__}: {err}", "html": job.html_path})
                bar.update(1)
            return results
        futures = {executor.submit(run_job, job): job for job in jobs}
        orphans: list[ReportJob] = []
        for fut in cf.as_completed(futures):
            job = futures[fut]
            try:
                results.append(fut.result())
            except BrokenProcessPool:
                orphans.append(job)
                continue
            except Exception as err:  # noqa: BLE001 - a worker that failed otherwise still gets a status
                results.append({"key": job.key, "kind": job.kind, "status": "failed",
                                "error": f"worker failed: {type(err).__name__}: {err}", "html": job.html_path})
            bar.update(1)
        # A worker process died (a notebook crashed the interpreter, or it was killed): the pool is
        # broken and every unfinished job lost. Run those again, one by one, each in its own Jupyter
        # kernel, so that the crash stays with the notebook that caused it.
        for job in orphans:
            r = run_job(replace(job, engine="kernel"))
            r["note"] = "worker process died; run again with a Jupyter kernel"
            results.append(r)
            bar.update(1)
        return results
    finally:
        bar.close()


def _fresh_process_per_job(pool: Any) -> bool:
    """True for the local pool, whose workers run one notebook each (see :func:`_executor`)."""
    return isinstance(pool, cf.ProcessPoolExecutor) and getattr(pool, "_max_tasks_per_child", None) == 1


def _shared_index(dataset, params, year: int, root: Path):
    """The composite index of chapters/index.py for (dataset, year, seed), computed here once, or None."""
    from .reporting.blocks import TableSink
    from .reporting.chapters.index import fitted_index
    from .reporting.context import ReportContext
    from .reporting.snapshot import INDEX_CACHE
    from .register import load_register

    dataset.__dict__.pop(INDEX_CACHE, None)
    ctx = ReportContext(params=params, dataset=dataset, register=load_register(), year=year, sink=TableSink(None),
                        project_root=root)
    try:
        return fitted_index(ctx)
    except Exception:  # noqa: BLE001 - the chapter computes (and explains) it itself in each report
        return None
    finally:
        dataset.__dict__.pop(INDEX_CACHE, None)


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
    snapshot: bool = True,
    engine: str | None = None,
) -> dict[str, Any]:
    """Run the annual evaluation; return the manifest (also written to ``out_dir/<year>/manifest.json``).

    ``executor``: ``"local"`` (process pool with ``jobs`` workers, default and at most the number of
    cores), ``"serial"``, a Dask scheduler address (``"tcp://host:8786"``), or any object with
    ``submit`` (a ``concurrent.futures.Executor`` or a ``distributed.Client``). ``data_folder``
    overrides the parameter files' data folder (e.g. small data for tests).

    ``snapshot`` (default): each data folder is validated once here and handed to the notebooks as a
    snapshot (:mod:`evaluation.reporting.snapshot`) together with what is the same in every report
    (the composite index); without it every notebook validates and computes for itself. The CSVs
    are the same either way.

    ``engine``: ``"inprocess"`` runs each notebook with papermill inside a worker process of the local
    pool, forked for that one notebook from a fork server that imported the library once, so no
    report pays for the imports and none sees another's module state; ``"kernel"`` starts a Jupyter
    kernel per notebook. Default: ``"inprocess"`` with the local pool, ``"kernel"`` for serial runs
    and on Dask (whose worker processes run many tasks, in threads).

    On a real Dask cluster every worker must see the same paths as this process: the project
    (notebooks, parameter files), the data folders and ``out_dir`` on a shared file system (NFS,
    a cluster file system); the snapshots are written into ``out_dir/<year>/.work-*``; the
    workers need the workbench installed in the same version.
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
    if engine is not None and engine not in ENGINES:
        raise InputError(f"unknown engine '{engine}'", expected=" or ".join(ENGINES))
    out_year.mkdir(parents=True, exist_ok=True)
    work_root = Path(tempfile.mkdtemp(prefix=".work-", dir=out_year))
    timings: dict[str, float] = {}

    reports: dict[str, dict[str, Any]] = {}
    selected: list[tuple[Path, Any, Path]] = []  # (parameter file, params, data folder)
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
        selected.append((f, p, folder))

    pool, owned = None, False
    starter = None
    n_workers = 1
    completed = False
    try:
        if selected:  # start the workers now: they import the library while the data are validated
            n_workers = max(1, min(jobs or _cores(), len(selected) + int(overview)))
            if executor is None or executor == "local":
                n_workers = min(n_workers, _cores())
            pool, owned = _executor(executor, n_workers)
            if isinstance(pool, cf.ProcessPoolExecutor):
                # start the fork server now, beside the validation below: the first worker's start
                # waits for the server's imports
                starter = threading.Thread(target=pool.submit, args=(os.getpid,), daemon=True)
                starter.start()
        fresh = _fresh_process_per_job(pool)
        if engine is None:
            engine = "inprocess" if fresh else "kernel"
        elif engine == "inprocess" and not fresh:
            raise InputError("the in-process engine needs the local process pool (one fresh process per notebook)",
                             expected="executor='local', or engine='kernel'")

        timings["start"] = round(time.perf_counter() - t_start, 3)
        t0 = time.perf_counter()
        datasets: dict[Path, Any] = {}
        folders_checked: dict[Path, str | None] = {}
        for _, p, folder in selected:
            if folder not in folders_checked:
                try:
                    datasets[folder] = load_dataset(folder)
                    folders_checked[folder] = None
                except InputError as err:
                    folders_checked[folder] = str(err)
        timings["validate"] = round(time.perf_counter() - t0, 3)

        snapshots: dict[Path, str] = {}
        if snapshot and datasets:
            from .reporting.snapshot import Snapshot, folder_hash, write_snapshot

            t0 = time.perf_counter()
            for i, (folder, ds) in enumerate(sorted(datasets.items())):
                seeds = sorted({int(p.comparison.seed) for _, p, f in selected if f == folder})
                first = {int(p.comparison.seed): p for _, p, f in reversed(selected) if f == folder}
                index = {}
                for seed in seeds:
                    value = _shared_index(ds, first[seed], year, root)
                    if value is not None:
                        index[(year, seed)] = value
                snap = Snapshot(dataset=ds, folder=str(folder), input_hash=folder_hash(folder), index=index)
                snapshots[folder] = str(write_snapshot(snap, work_root / "snapshots" / f"data-{i}.pkl"))
            timings["snapshot"] = round(time.perf_counter() - t0, 3)

        demo_any = False
        manifest_params: dict[str, Any] = {}
        jobs_list: list[ReportJob] = []
        for f, p, folder in selected:
            key = p.municipality.id
            if folders_checked[folder]:
                reports[key] = {"status": "failed", "error": folders_checked[folder], "params_file": str(f)}
                continue
            known = set(datasets[folder].municipalities["municipality_id"].astype(str))
            if key not in known:
                reports[key] = {"status": "failed", "params_file": str(f),
                                "error": f"municipality '{key}' of the parameter files is not in "
                                         f"{folder / 'municipalities.csv'}"}
                continue
            demo_any = demo_any or p.report.demo
            manifest_params[key] = {"params_file": str(f.relative_to(root)) if f.is_relative_to(root) else str(f),
                                    "data_folder": str(folder), **p.model_dump(mode="json")}
            jobs_list.append(ReportJob(
                kind="municipality", key=key, notebook=str(notebooks / REPORT_NOTEBOOK),
                parameters={"municipality_id": key, "year": year, "params_file": str(f), "data_folder": str(folder),
                            "project_root": str(root), "snapshot": snapshots.get(folder)},
                html_path=str(out_year / f"{key}.html"), tables_dir=str(out_year / key / "tabellen"),
                work_dir=str(work_root / key), title=_title(p, year), subtitle=_subtitle(p), demo=p.report.demo,
                pdf=pdf or p.report.pdf, cwd=str(root), engine=engine))

        def overview_job(ids: list[str], publish: bool, suffix: str = "") -> ReportJob:
            return ReportJob(
                kind="overview", key="overview", notebook=str(notebooks / OVERVIEW_NOTEBOOK),
                parameters={"year": year, "params_dir": str(params_dir), "municipality_ids": ids,
                            "data_folder": str(Path(data_folder).resolve()) if data_folder else None,
                            "project_root": str(root),
                            "snapshots": {str(k): v for k, v in snapshots.items()} or None},
                html_path=str(out_year / "overview.html"), tables_dir=str(out_year / "overview" / "tabellen"),
                work_dir=str(work_root / f"overview{suffix}"), title=_overview_title(year), subtitle="",
                demo=demo_any, pdf=pdf, cwd=str(root), engine=engine, publish=publish)

        # The overview shows the municipalities whose reports succeeded. It is started together with
        # the reports, on the assumption that all succeed (it needs the data, not the reports), and
        # published only if they did; otherwise it runs again with the successful ones.
        if starter is not None:
            starter.join()
        submitted = list(jobs_list)
        speculative = None
        if overview and jobs_list and len(jobs_list) > 1 and pool is not None:
            speculative = overview_job(sorted(j.key for j in jobs_list), publish=False, suffix="-all")
            submitted = [speculative, *jobs_list]  # the longest job first
        t0 = time.perf_counter()
        results = _submit_all(pool, submitted, progress, f"Berichte {year}")
        timings["reports"] = round(time.perf_counter() - t0, 3)
        ov_result = None
        for r in results:
            if r["kind"] == "overview":
                ov_result = r
            else:
                reports[r["key"]] = {k: v for k, v in r.items() if k != "key"}
        if overview and jobs_list:
            ok = sorted(j.key for j in jobs_list if reports[j.key].get("status") == "ok")
            if speculative is not None and ov_result is not None and ov_result["status"] == "ok" \
                    and ok == speculative.parameters["municipality_ids"]:
                try:
                    publish_staged(ov_result, speculative)
                except Exception as err:  # noqa: BLE001
                    ov_result.update(status="failed", error=f"{type(err).__name__}: {err}")
            elif not ok:
                ov_result = {"key": "overview", "kind": "overview", "status": "failed",
                             "error": "no municipality report succeeded"}
            else:
                t0 = time.perf_counter()
                ov_result = _submit_all(pool, [overview_job(ok, publish=True)], progress, "Übersicht")[0]
                timings["overview_rerun"] = round(time.perf_counter() - t0, 3)
            if ov_result is not None:
                ov_result.pop("staged", None)
                reports["overview"] = {k: v for k, v in ov_result.items() if k != "key"}
        completed = True
        t0 = time.perf_counter()
    finally:
        if owned and pool is not None:
            if _is_dask(pool):
                pool.close()  # the client only: the cluster is not ours (Client.shutdown would end it)
            else:  # interrupted (Ctrl-C): drop the reports not yet started; nothing half-written is published
                pool.shutdown(wait=True, cancel_futures=not completed)
        shutil.rmtree(work_root, ignore_errors=True)
    timings["finish"] = round(time.perf_counter() - t0, 3)

    t0 = time.perf_counter()
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
        "engine": engine,
        "snapshot": bool(snapshot),
        "workers": n_workers,
        "timings": {**timings, "manifest": round(time.perf_counter() - t0, 3)},
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
