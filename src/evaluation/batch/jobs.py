"""One report: execute its notebook, export the page, stage page, tables and PDF for the commit.

:func:`run_job` runs in a worker (or in this process when serial) and never writes outside the
job's work folder: the run publishes what it staged together with the manifest at the end
(:mod:`.outdir`), so a worker can never replace a report that the manifest does not describe.
A failed report leaves its executed notebook (with the failing cell's output) and the traceback
in the work folder, published next to the manifest under ``failed/``.
"""

from __future__ import annotations

import shutil
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError

PACKAGE_ROOT = Path(__file__).resolve().parents[1]  # src/evaluation
PROJECT_ROOT = PACKAGE_ROOT.parents[1]
NOTEBOOKS = PROJECT_ROOT / "notebooks"
REPORT_NOTEBOOK = "municipality_report.ipynb"
OVERVIEW_NOTEBOOK = "overview.ipynb"

#: names inside a job's work folder
STAGED_PAGE = "page.html"
STAGED_PDF = "page.pdf"
STAGED_TABLES = "tabellen"
STAGED_NOTEBOOK = "executed.ipynb"
STAGED_TRACEBACK = "traceback.txt"


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


def run_job(job: ReportJob) -> dict[str, Any]:
    """Execute one notebook and stage its page, tables (and PDF) in ``job.work_dir``. Never raises.

    Returns a status: ``status`` "ok" or "failed", ``error`` (a message naming table and column for
    a pandas ``KeyError``), ``staged`` (the work folder, for :mod:`.outdir`), timings; for a failed
    notebook ``staged_notebook`` and ``staged_traceback``, the files to keep beside the manifest.
    """
    import papermill as pm

    from ..reporting.export import export_notebook, print_pdf, write_atomic
    from . import engine as engines
    from .diagnose import describe_error_text, strip_ansi

    t0 = time.perf_counter()
    work = Path(job.work_dir)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    tables_tmp = work / STAGED_TABLES
    keep = work / STAGED_NOTEBOOK
    params = dict(job.parameters, tables_dir=str(tables_tmp))
    result: dict[str, Any] = {"key": job.key, "kind": job.kind, "status": "failed", "error": None,
                              "html": job.html_path, "tables_dir": job.tables_dir, "staged": str(work)}
    engines.InProcessRun.notebook = engines.InProcessRun.diagnosis = None
    trace: str | None = None
    try:
        nb = engines.execute(job.notebook, params, cwd=job.cwd, engine=job.engine, keep=keep)
        t_exec = time.perf_counter()
        exported = export_notebook(nb, title=job.title, subtitle=job.subtitle, demo=job.demo)
        write_atomic(work / STAGED_PAGE, exported.html)
        if job.pdf:
            print_pdf(work / STAGED_PAGE, work / STAGED_PDF)
            result["pdf"] = str(Path(job.html_path).with_suffix(".pdf"))
        keep.unlink(missing_ok=True)
        result.update(status="ok", seconds_execute=round(t_exec - t0, 3),
                      seconds_export=round(time.perf_counter() - t_exec, 3))
    except pm.PapermillExecutionError as err:
        diagnosis = engines.InProcessRun.diagnosis if job.engine == "inprocess" else \
            describe_error_text(err.ename, err.evalue, err.traceback)
        where = f"cell {err.exec_count}"
        result["error"] = (f"{diagnosis} ({err.ename}: {err.evalue}, {where})" if diagnosis
                           else f"{err.ename}: {err.evalue} ({where})")
        trace = strip_ansi("\n".join(err.traceback or []))
        trace = f"{job.key}: notebook {job.notebook}, {where}\n\n{err.source}\n\n{trace}\n"
        if job.engine == "inprocess" and engines.InProcessRun.notebook is not None:
            import nbformat

            nbformat.write(engines.InProcessRun.notebook, str(keep))
    except InputError as err:
        result["error"] = str(err)
        trace = traceback.format_exc()
    except Exception as err:  # noqa: BLE001 - isolate: one failure must not stop the others
        result["error"] = f"{type(err).__name__}: {err}"
        trace = traceback.format_exc()
    finally:
        engines.InProcessRun.notebook = engines.InProcessRun.diagnosis = None
    if result["status"] != "ok":
        shutil.rmtree(tables_tmp, ignore_errors=True)
        (work / STAGED_PAGE).unlink(missing_ok=True)
        if trace:
            (work / STAGED_TRACEBACK).write_text(f"{result['error']}\n\n{trace}", encoding="utf-8")
            result["staged_traceback"] = str(work / STAGED_TRACEBACK)
        if keep.exists():
            result["staged_notebook"] = str(keep)
    result["seconds"] = round(time.perf_counter() - t0, 3)
    return result
