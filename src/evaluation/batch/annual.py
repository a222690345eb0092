"""The orchestration of the annual run: :func:`run_annual` as a sequence of named steps.

plan (parameter files of the year; nothing to do is an error) -> lock the output folder and clean
what a killed run left -> start the workers -> validate each data folder once -> snapshot it with
the shared composite index -> one job per municipality -> run the reports and the overview ->
manifest -> publish reports and manifest together.
"""

from __future__ import annotations

import difflib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from . import executors
from .engine import ENGINES
from .jobs import NOTEBOOKS, OVERVIEW_NOTEBOOK, PROJECT_ROOT, REPORT_NOTEBOOK, ReportJob
from .manifest import git_commit, input_hashes, package_versions, report_entry, to_json
from .outdir import OutputFolder


@dataclass
class Selected:
    """One municipality of the run: its parameter file, parameters and data folder."""

    file: Path
    params: Any
    folder: Path

    @property
    def key(self) -> str:
        return str(self.params.municipality.id)


@dataclass
class RunPlan:
    """What a run is asked to do, before anything is written."""

    year: int
    params_dir: Path
    root: Path
    out_year: Path
    notebooks: Path
    data_folder: Path | None
    selected: list[Selected]
    #: municipality (or file stem) -> manifest entry of a parameter file that could not be read
    broken: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class Timer:
    """Wall-clock seconds per step, for the manifest."""

    start: float = field(default_factory=time.perf_counter)
    steps: dict[str, float] = field(default_factory=dict)

    def lap(self, name: str, since: float) -> float:
        now = time.perf_counter()
        self.steps[name] = round(now - since, 3)
        return now


def _suggest(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def plan_run(params_dir: str | Path, year: int, out_dir: str | Path, *, only: list[str] | None = None,
             data_folder: str | Path | None = None, notebooks_dir: str | Path | None = None) -> RunPlan:
    """Read the parameter files; the municipalities of ``year`` (and of ``only``) to report on.

    Raises
    ------
    InputError
        No parameter files; no parameter file for ``year`` (naming the years there are); an id of
        ``only`` without a parameter file (naming the ids there are and the closest one).
    """
    from ..params import load_params

    params_dir = Path(params_dir).resolve()
    root = params_dir.parent
    files = sorted(params_dir.glob("*.yaml"))
    if not files:
        raise InputError("no parameter files (*.yaml) found", file=params_dir)
    loaded: list[tuple[Path, Any]] = []
    broken: dict[str, dict[str, Any]] = {}
    for f in files:
        try:
            loaded.append((f, load_params(f)))
        except InputError as err:
            broken[f.stem] = {"status": "failed", "error": str(err), "params_file": str(f)}
    known = sorted({str(p.municipality.id) for _, p in loaded} | set(broken))
    of_year = [(f, p) for f, p in loaded if p.report.year == year]
    if only:
        unknown = [m for m in only if m not in known]
        if unknown:
            raise InputError(
                "; ".join(f"no parameter file for municipality '{m}'{_suggest(m, known)}" for m in unknown),
                file=params_dir, expected="one of " + ", ".join(known))
        ids_of_year = {str(p.municipality.id) for _, p in of_year}
        other_year = [m for m in only if m not in ids_of_year and m not in broken]
        if other_year:
            year_of = {str(p.municipality.id): p.report.year for _, p in loaded}
            raise InputError("; ".join(f"the parameter file of '{m}' is for the year {year_of[m]}, not {year}"
                                       for m in other_year), file=params_dir,
                             expected=f"municipalities with a parameter file for {year}: "
                                      + (", ".join(sorted(ids_of_year)) or "none"))
        of_year = [(f, p) for f, p in of_year if str(p.municipality.id) in only]
        broken = {k: v for k, v in broken.items() if k in only}
    if not of_year and not broken:
        years = sorted({int(p.report.year) for _, p in loaded})
        raise InputError(f"no parameter file for the year {year}", file=params_dir,
                         expected="a year with parameter files: " + ", ".join(map(str, years)))
    folder = Path(data_folder).resolve() if data_folder else None
    selected = [Selected(f, p, folder or p.data_folder(root).resolve()) for f, p in of_year]
    notebooks = Path(notebooks_dir).resolve() if notebooks_dir else NOTEBOOKS
    return RunPlan(year=year, params_dir=params_dir, root=root, out_year=Path(out_dir).resolve() / str(year),
                   notebooks=notebooks, data_folder=folder, selected=selected, broken=broken)


def start_workers(executor: Any, plan: RunPlan, jobs: int | None, overview: bool) -> tuple[Any, bool, int]:
    """(executor, owned, workers); the local pool's fork server starts importing right away."""
    if not plan.selected:
        return None, False, 1
    workers = max(1, min(jobs or executors.cores(), len(plan.selected) + int(overview)))
    if executor is None or executor == "local":
        workers = min(workers, executors.cores())
    pool, owned = executors.make_executor(executor, workers)
    return pool, owned, workers


def choose_engine(pool: Any, engine: str | None) -> str:
    """The in-process engine for the local pool (a fresh process per notebook), else a kernel per notebook."""
    fresh = executors.fresh_process_per_job(pool)
    if engine is None:
        return "inprocess" if fresh else "kernel"
    if engine == "inprocess" and not fresh:
        raise InputError("the in-process engine needs the local process pool (one fresh process per notebook)",
                         expected="executor='local', or engine='kernel'")
    return engine


def validate_folders(plan: RunPlan) -> tuple[dict[Path, Any], dict[Path, str | None]]:
    """Each data folder validated once: (datasets, folder -> error message or None)."""
    from ..dataset import load_dataset

    datasets: dict[Path, Any] = {}
    errors: dict[Path, str | None] = {}
    for s in plan.selected:
        if s.folder not in errors:
            try:
                datasets[s.folder] = load_dataset(s.folder)
                errors[s.folder] = None
            except InputError as err:
                errors[s.folder] = str(err)
    return datasets, errors


def shared_index(dataset: Any, params: Any, year: int, root: Path) -> Any:
    """The composite index of :func:`evaluation.analysis.fitted_index` for (dataset, year, seed), computed here once, or None."""
    from ..analysis import fitted_index
    from ..reporting.snapshot import INDEX_CACHE

    dataset.__dict__.pop(INDEX_CACHE, None)
    try:
        return fitted_index(dataset, params, year)
    except Exception:  # noqa: BLE001 - the chapter computes (and explains) it itself in each report
        return None
    finally:
        dataset.__dict__.pop(INDEX_CACHE, None)


def write_snapshots(plan: RunPlan, datasets: dict[Path, Any], work: Path) -> dict[Path, str]:
    """One snapshot per data folder (validated tables + shared index per seed) in the private work folder."""
    from ..reporting.snapshot import Snapshot, folder_hash, write_snapshot

    snapshots: dict[Path, str] = {}
    for i, (folder, ds) in enumerate(sorted(datasets.items())):
        users = [s for s in plan.selected if s.folder == folder]
        first = {int(s.params.comparison.seed): s.params for s in reversed(users)}
        index = {}
        for seed in sorted(first):
            value = shared_index(ds, first[seed], plan.year, plan.root)
            if value is not None:
                index[(plan.year, seed)] = value
        snap = Snapshot(dataset=ds, folder=str(folder), input_hash=folder_hash(folder), index=index)
        snapshots[folder] = str(write_snapshot(snap, work / "snapshots" / f"data-{i}.pkl"))
    return snapshots


def _title(p: Any, year: int) -> str:
    from ..texts import text

    return text("report", "document.title", year=year, name=p.municipality.name)


def _subtitle(p: Any) -> str:
    from ..texts import text

    return text("report", "document.subtitle", programme=p.programme.name)


def _overview_title(year: int) -> str:
    from ..texts import text

    return text("report", "document.overview_title", year=year)


def report_jobs(plan: RunPlan, datasets: dict[Path, Any], folder_errors: dict[Path, str | None],
                snapshots: dict[Path, str], *, engine: str, pdf: bool, work: Path,
                ) -> tuple[list[ReportJob], dict[str, dict[str, Any]]]:
    """One job per municipality whose data folder is valid and lists it; failures for the others."""
    jobs: list[ReportJob] = []
    failed: dict[str, dict[str, Any]] = {}
    for s in plan.selected:
        key, p = s.key, s.params
        if folder_errors[s.folder]:
            failed[key] = {"status": "failed", "error": folder_errors[s.folder], "params_file": str(s.file)}
            continue
        if key not in set(datasets[s.folder].municipalities["municipality_id"].astype(str)):
            failed[key] = {"status": "failed", "params_file": str(s.file),
                           "error": f"municipality '{key}' of the parameter files is not in "
                                    f"{s.folder / 'municipalities.csv'}"}
            continue
        jobs.append(ReportJob(
            kind="municipality", key=key, notebook=str(plan.notebooks / REPORT_NOTEBOOK),
            parameters={"municipality_id": key, "year": plan.year, "params_file": str(s.file),
                        "data_folder": str(s.folder), "project_root": str(plan.root),
                        "snapshot": snapshots.get(s.folder)},
            html_path=str(plan.out_year / f"{key}.html"), tables_dir=str(plan.out_year / key / "tabellen"),
            work_dir=str(work / key), title=_title(p, plan.year), subtitle=_subtitle(p), demo=p.report.demo,
            pdf=pdf or p.report.pdf, cwd=str(plan.root), engine=engine))
    return jobs, failed


def overview_job(plan: RunPlan, ids: list[str], *, snapshots: dict[Path, str], demo: bool, pdf: bool, engine: str,
                 work: Path, suffix: str = "") -> ReportJob:
    """The overview of the municipalities ``ids``."""
    return ReportJob(
        kind="overview", key="overview", notebook=str(plan.notebooks / OVERVIEW_NOTEBOOK),
        parameters={"year": plan.year, "params_dir": str(plan.params_dir), "municipality_ids": ids,
                    "data_folder": str(plan.data_folder) if plan.data_folder else None,
                    "project_root": str(plan.root),
                    "snapshots": {str(k): v for k, v in snapshots.items()} or None},
        html_path=str(plan.out_year / "overview.html"), tables_dir=str(plan.out_year / "overview" / "tabellen"),
        work_dir=str(work / f"overview{suffix}"), title=_overview_title(plan.year), subtitle="",
        demo=demo, pdf=pdf, cwd=str(plan.root), engine=engine)


def run_reports(pool: Any, jobs: list[ReportJob], make_overview: Any, *, progress: bool, year: int,
                timer: Timer) -> list[dict[str, Any]]:
    """Run the reports and, if ``make_overview`` (ids, suffix -> job) is given, the overview.

    The overview shows the municipalities whose reports succeeded. It is started together with the
    reports (the longest job first), on the assumption that all succeed (it needs the data, not the
    reports), and used only if they did; otherwise it runs again with the successful ones.
    """
    all_ids = sorted(j.key for j in jobs)
    speculative = None
    submitted = list(jobs)
    if make_overview is not None and len(jobs) > 1 and pool is not None:
        speculative = make_overview(all_ids, "-all")
        submitted = [speculative, *jobs]
    t0 = time.perf_counter()
    results = executors.submit_all(pool, submitted, progress, f"Berichte {year}")
    timer.lap("reports", t0)
    reports = [r for r in results if r["kind"] != "overview"]
    if make_overview is None or not jobs:
        return reports
    first_overview = next((r for r in results if r["kind"] == "overview"), None)
    ok = sorted(r["key"] for r in reports if r.get("status") == "ok")
    if speculative is not None and first_overview is not None and first_overview["status"] == "ok" and ok == all_ids:
        return [*reports, first_overview]
    if not ok:
        return [*reports, {"key": "overview", "kind": "overview", "status": "failed",
                           "error": "no municipality report succeeded"}]
    t0 = time.perf_counter()
    rerun = executors.submit_all(pool, [make_overview(ok, "")], progress, "Übersicht")[0]
    timer.lap("overview_rerun", t0)
    return [*reports, rerun]


def build_manifest(plan: RunPlan, reports: dict[str, dict[str, Any]], *, datasets_checked: list[Path],
                   executor: Any, engine: str | None, snapshot: bool, workers: int, timer: Timer) -> dict[str, Any]:
    """The manifest of the run (see :mod:`.manifest`)."""
    t0 = time.perf_counter()
    inputs = [plan.params_dir, plan.notebooks / REPORT_NOTEBOOK, plan.notebooks / OVERVIEW_NOTEBOOK,
              *datasets_checked]
    parameters = {}
    for s in plan.selected:
        f = s.file
        parameters[s.key] = {"params_file": str(f.relative_to(plan.root)) if f.is_relative_to(plan.root) else str(f),
                             "data_folder": str(s.folder), **s.params.model_dump(mode="json")}
    manifest: dict[str, Any] = {
        "year": plan.year,
        "status": "ok" if reports and all(r.get("status") == "ok" for r in reports.values()) else "failed",
        "reports": dict(sorted(reports.items())),
        "parameters": dict(sorted(parameters.items())),
        "inputs": input_hashes([p for p in inputs if Path(p).exists()], plan.root),
        "packages": package_versions(),
        "git": git_commit(PROJECT_ROOT),
        "executor": executor if isinstance(executor, str) else type(executor).__name__,
        "engine": engine,
        "snapshot": bool(snapshot),
        "workers": workers,
    }
    timer.lap("manifest", t0)
    manifest["timings"] = dict(timer.steps)
    manifest["seconds"] = round(time.perf_counter() - timer.start, 3)
    return manifest


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

    The output folder ``out_dir/<year>`` is locked for the run (a second run on it is refused);
    the reports and the manifest are published together at the end (:mod:`evaluation.batch.outdir`),
    so an interrupted run publishes nothing and leaves the previous reports with their manifest.
    A failed report keeps its executed notebook and traceback in ``failed/`` beside the manifest.

    On a real Dask cluster every worker must see the same paths as this process: the project
    (notebooks, parameter files), the data folders and ``out_dir`` on a shared file system (NFS,
    a cluster file system); the snapshots are written into ``out_dir/<year>/.work-*``; the
    workers need the workbench installed in the same version.

    Raises
    ------
    InputError
        Nothing to do (no parameter file for ``year``, an unknown id in ``only``), an unknown
        engine or executor, or another run holding the output folder.
    """
    timer = Timer()
    if engine is not None and engine not in ENGINES:
        raise InputError(f"unknown engine '{engine}'", expected=" or ".join(ENGINES))
    plan = plan_run(params_dir, year, out_dir, only=only, data_folder=data_folder, notebooks_dir=notebooks_dir)
    with OutputFolder(plan.out_year) as out:
        assert out.work is not None
        work = out.work
        pool, owned, workers = start_workers(executor, plan, jobs, overview)
        interrupted = True
        try:
            starter = executors.warm_up(pool)
            engine = choose_engine(pool, engine)
            t = timer.lap("start", timer.start)
            datasets, folder_errors = validate_folders(plan)
            t = timer.lap("validate", t)
            snapshots = write_snapshots(plan, datasets, work) if snapshot and datasets else {}
            if snapshots:
                timer.lap("snapshot", t)
            job_list, reports = report_jobs(plan, datasets, folder_errors, snapshots, engine=engine, pdf=pdf,
                                            work=work)
            demo = any(j.demo for j in job_list)

            def make_overview(ids: list[str], suffix: str) -> ReportJob:
                return overview_job(plan, ids, snapshots=snapshots, demo=demo, pdf=pdf, engine=engine,
                                    work=work, suffix=suffix)

            if starter is not None:
                starter.join()
            results = run_reports(pool, job_list, make_overview if overview else None, progress=progress,
                                  year=year, timer=timer)
            interrupted = False
        finally:
            t = time.perf_counter()
            if owned:
                executors.close(pool, interrupted=interrupted)
        timer.lap("finish", t)
        reports.update(plan.broken)
        reports.update({r["key"]: report_entry(r, plan.out_year) for r in results})
        manifest = build_manifest(plan, reports, datasets_checked=list(folder_errors), executor=executor,
                                  engine=engine, snapshot=snapshot, workers=workers, timer=timer)
        path = out.commit(results, to_json(manifest))
    manifest["manifest_path"] = str(path)
    return manifest
