"""Where the notebooks run: the local fork-server pool, serially in this process, or on a Dask cluster.

- *local* (default): a :class:`concurrent.futures.ProcessPoolExecutor` whose workers are forked from
  multiprocessing's fork server after it imported the library once (:data:`WARM_MODULES`); each
  worker runs one notebook and exits (``max_tasks_per_child=1``), with the in-process papermill
  engine (:mod:`.engine`); every worker dies with the run (:mod:`.lifeline`).
- *serial*: one notebook after another in this process, each in its own Jupyter kernel.
- *Dask*: a scheduler address or a ``distributed.Client``; the workers run many tasks, so each
  notebook gets a Jupyter kernel.

:func:`submit_all` runs a list of jobs on any of them and returns one status per job; a worker that
died (the pool is then broken) does not take the others with it: the lost jobs run again, each in its
own kernel.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import sys
import threading
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from typing import Any

from ..errors import InputError
from .jobs import ReportJob, run_job

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
    "evaluation.demo.texts", "evaluation.batch.jobs",
]
#: the fork server's only preload: it dies with the run, then imports WARM_MODULES (see :mod:`.warm`)
FORK_SERVER_PRELOAD = "evaluation.batch.warm"


def _warm_worker(parent_pid: int | None = None) -> None:
    """Process-pool initializer: die with the run, the imports (if the fork server had not made them), the shell."""
    import importlib

    from .engine import _NotebookShell
    from .lifeline import die_with

    if parent_pid is not None:
        die_with(parent_pid)
    for name in WARM_MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a module renamed or broken: the report that needs it says so
            pass
    _NotebookShell.get()


def cores() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def local_pool(workers: int) -> cf.ProcessPoolExecutor:
    """The local pool: ``workers`` processes forked from a warm fork server, one notebook each.

    forkserver: the workers are forked from a clean single-threaded server process (no threads or
    locks of the parent) that has imported the library once, instead of each worker importing it
    again; spawn where there is no fork server (not Linux/macOS).
    """
    import multiprocessing as mp

    from .lifeline import ENV_PARENT

    context: Any
    if "forkserver" in mp.get_all_start_methods():
        os.environ[ENV_PARENT] = str(os.getpid())  # read by the fork server when it starts
        context = mp.get_context("forkserver")
        context.set_forkserver_preload([FORK_SERVER_PRELOAD])
        # started here, by the calling thread, not lazily by the thread that submits first: the fork
        # server's parent-death signal fires when the *thread* that started it ends
        from multiprocessing import forkserver

        forkserver.ensure_running()
    else:  # pragma: no cover - Windows
        context = mp.get_context("spawn")
    return cf.ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_warm_worker,
                                  initargs=(os.getpid(),), max_tasks_per_child=1)


def make_executor(executor: Any, workers: int) -> tuple[Any, bool]:
    """(executor, owned): the local pool, ``None`` for serial, a Dask client for an address, or the object given."""
    if executor is None or executor == "local":
        return local_pool(workers), True
    if isinstance(executor, str):
        if executor == "serial":
            return None, False
        if not executor.startswith(("tcp://", "tls://", "inproc://", "ucx://", "ws://", "wss://")):
            raise InputError(f"unknown executor '{executor}'",
                             expected="'local', 'serial' or a Dask scheduler address such as tcp://host:8786")
        try:
            from distributed import Client
        except ImportError as exc:  # pragma: no cover - distributed is a dependency
            raise InputError("a Dask address needs the 'distributed' package") from exc
        try:
            return Client(executor, timeout="10s"), True
        except OSError as exc:
            raise InputError(f"cannot reach the Dask scheduler at {executor}: {exc}") from None
    return executor, False


def is_dask(executor: Any) -> bool:
    """True for a ``distributed.Client``."""
    return type(executor).__name__ == "Client"


def fresh_process_per_job(pool: Any) -> bool:
    """True for the local pool, whose workers run one notebook each (see :func:`local_pool`)."""
    return isinstance(pool, cf.ProcessPoolExecutor) and getattr(pool, "_max_tasks_per_child", None) == 1


def warm_up(pool: Any) -> threading.Thread | None:
    """Start the local pool's fork server now (it imports the library while the data are validated)."""
    if not isinstance(pool, cf.ProcessPoolExecutor):
        return None
    starter = threading.Thread(target=pool.submit, args=(os.getpid,), daemon=True)
    starter.start()
    return starter


def close(pool: Any, *, interrupted: bool) -> None:
    """Shut down an executor this run made. Interrupted: the reports not yet finished are dropped."""
    if pool is None:
        return
    if is_dask(pool):
        pool.close()  # the client only: the cluster is not ours (Client.shutdown would end it)
        return
    if interrupted and isinstance(pool, cf.ProcessPoolExecutor):
        # nothing a worker writes is published (the run commits at the end), so the running
        # notebooks are stopped rather than waited for; _processes is the pool's own table
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            try:
                process.kill()
            except (OSError, AttributeError):
                pass
    pool.shutdown(wait=True, cancel_futures=interrupted)


def _lost(job: ReportJob, err: BaseException) -> dict[str, Any]:
    return {"key": job.key, "kind": job.kind, "status": "failed",
            "error": f"worker failed: {type(err).__name__}: {err}", "html": job.html_path}


def submit_all(executor: Any, jobs: list[ReportJob], progress: bool, label: str) -> list[dict[str, Any]]:
    """Run the jobs (in the order given when serial); return their results in completion order."""
    from tqdm.auto import tqdm

    bar = tqdm(total=len(jobs), desc=label, unit="Bericht", disable=not progress, file=sys.stderr)
    try:
        if executor is None:
            return _serial(jobs, bar)
        if is_dask(executor):
            return _dask(executor, jobs, bar)
        return _pool(executor, jobs, bar)
    finally:
        bar.close()


def _serial(jobs: list[ReportJob], bar: Any) -> list[dict[str, Any]]:
    results = []
    for job in jobs:
        results.append(run_job(job))
        bar.update(1)
    return results


def _dask(client: Any, jobs: list[ReportJob], bar: Any) -> list[dict[str, Any]]:
    from distributed import as_completed as dask_completed

    results = []
    futures = {client.submit(run_job, job, pure=False, key=f"report-{job.key}-{os.urandom(4).hex()}"): job
               for job in jobs}
    for fut in dask_completed(list(futures)):
        try:
            results.append(fut.result())
        except Exception as err:  # noqa: BLE001 - a lost worker still gets a status
            results.append(_lost(futures[fut], err))
        bar.update(1)
    return results


def _pool(pool: Any, jobs: list[ReportJob], bar: Any) -> list[dict[str, Any]]:
    results = []
    futures = {pool.submit(run_job, job): job for job in jobs}
    orphans: list[ReportJob] = []
    for fut in cf.as_completed(futures):
        job = futures[fut]
        try:
            results.append(fut.result())
        except BrokenProcessPool:
            orphans.append(job)
            continue
        except Exception as err:  # noqa: BLE001 - a worker that failed otherwise still gets a status
            results.append(_lost(job, err))
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
