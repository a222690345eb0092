"""The annual run: one report per municipality plus an overview, reproducibly, from one call.

:func:`run_annual` reads every parameter file of the year, validates each data folder once and
writes it as a snapshot (:mod:`evaluation.reporting.snapshot`: the validated tables, the folder's
input hash and the composite index, which is the same for every report of a year, computed here
once), then executes ``notebooks/municipality_report.ipynb`` with papermill for each municipality
in parallel (a process pool bounded by the cores, or a Dask cluster for national-scale runs), turns
each executed notebook into one self-contained HTML page in the worker
(:mod:`evaluation.reporting.export`), writes the tables behind every figure as CSV beside it, and
renders ``notebooks/overview.ipynb`` (started beside the reports, used only if all succeeded).

Modules
- :mod:`.annual`: the orchestration (:func:`run_annual` and its steps);
- :mod:`.jobs`: one report (execute, export, stage; a failed one keeps notebook and traceback);
- :mod:`.engine`: the in-process papermill engine, or a Jupyter kernel;
- :mod:`.executors`: the local fork-server pool, serial, Dask;
- :mod:`.lifeline`: workers die with the run;
- :mod:`.outdir`: the output folder's lock, leftover cleaning and the commit of reports + manifest;
- :mod:`.manifest`: input hashes, versions, git commit;
- :mod:`.diagnose`: "column X missing in table Y" for a pandas ``KeyError``.

Speed: in the local pool each notebook runs with papermill's API *inside* a worker process
(an in-process papermill engine, no Jupyter kernel), and each worker is forked for that one notebook
from multiprocessing's fork server, which imported the library once: no report pays for the imports
or the validation, and none shares module state with another (``benchmarks/bench_batch.py``).

Guarantees
- *Atomic, and the manifest tells the truth*: each report is built in the run's private work
  folder; at the end the reports and the manifest that describes them are published together (a
  journalled set of renames, rolled forward by the next start if the run died in between). A
  failed or interrupted run never leaves half a report; a previous report of the same
  municipality stays until a new one is complete.
- *Nothing outlives the run*: workers die with it (also on ``kill -9``); the next start removes
  what a killed run left (snapshots hold survey microdata); one run at a time per output folder.
- *Failures isolated*: one broken municipality (bad parameter file, failing notebook) gets its error
  in the summary, with its executed notebook and traceback in ``failed/``; the others complete; the
  return value and the CLI's exit code say it. A run that would do nothing is an error.
- *Reproducible*: ``manifest.json`` records the parameters, the SHA-256 of every input file (data,
  parameter files, notebooks), package versions, the git commit, timings and the status of each
  report. Tables are written deterministically, so a second run on the same inputs gives
  byte-identical CSVs.
"""

from __future__ import annotations

from .annual import plan_run, run_annual
from .diagnose import describe_error_text, describe_exception
from .engine import ENGINES
from .executors import WARM_MODULES
from .jobs import (NOTEBOOKS, OVERVIEW_NOTEBOOK, PACKAGE_ROOT, PROJECT_ROOT, REPORT_NOTEBOOK, ReportJob,
                   run_job)
from .manifest import KEY_PACKAGES, git_commit, input_hashes, package_versions, sha256_file
from .outdir import OutputFolder

__all__ = [
    "ENGINES", "KEY_PACKAGES", "NOTEBOOKS", "OVERVIEW_NOTEBOOK", "PACKAGE_ROOT", "PROJECT_ROOT", "REPORT_NOTEBOOK",
    "WARM_MODULES", "OutputFolder", "ReportJob", "describe_error_text", "describe_exception", "git_commit",
    "input_hashes", "package_versions", "plan_run", "run_annual", "run_job", "sha256_file",
]
