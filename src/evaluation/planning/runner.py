"""``evaluation plan --year Y``: one planning report per municipality, reports/<Y>/planung/<municipality>.html.

Each municipality's ``notebooks/planning_report.ipynb`` is executed with papermill (in this process
kernel per notebook, serially: the plans take seconds each) and its HTML outputs are wrapped into
one accessible page by :func:`evaluation.reporting.export.export_notebook`, with the Musterdaten
notice on every page when the data are synthetic. A failing municipality does not stop the others;
its error is in the returned summary. The CSV behind every table goes to
``reports/<Y>/planung/tabellen/<municipality>/``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from ..errors import InputError

PACKAGE_ROOT = Path(__file__).resolve().parents[1]  # src/evaluation
PROJECT_ROOT = PACKAGE_ROOT.parents[1]
NOTEBOOK = PROJECT_ROOT / "notebooks" / "planning_report.ipynb"


def run_plans(params_dir: str | Path, year: int, out_dir: str | Path = "reports", *, only: list[str] | None = None,
              data_folder: str | Path | None = None, notebook: str | Path | None = None,
              kernel_name: str = "python3") -> dict[str, Any]:
    """Execute the planning notebook for every parameter file of ``year`` and export the HTML reports.

    Returns ``{"reports": {municipality_id: {"status": "ok" | "failed", "html": path, "error": ...,
    "seconds": ...}}, "folder": path}``; also written as ``planung/manifest.json``.
    """
    import papermill as pm

    from ..batch.engine import execute
    from ..reporting.blocks import _USED_ANCHORS
    from ..params import load_all_params
    from ..reporting.export import export_notebook, write_atomic
    from ..texts import text

    params_dir = Path(params_dir).resolve()
    all_params = load_all_params(params_dir, year=int(year))
    if only:
        unknown = sorted(set(only) - set(all_params))
        if unknown:
            raise InputError(f"no parameter file for {unknown} in year {year}", file=str(params_dir),
                             expected=f"one of {sorted(all_params)}")
        all_params = {k: v for k, v in all_params.items() if k in only}
    if not all_params:
        raise InputError(f"no parameter file with report.year {year}", file=str(params_dir))
    nb_path = Path(notebook).resolve() if notebook else NOTEBOOK
    if not nb_path.exists():
        raise InputError("the planning notebook is missing", file=str(nb_path))
    folder = Path(out_dir).resolve() / str(int(year)) / "planung"
    folder.mkdir(parents=True, exist_ok=True)
    root = params_dir.parent
    reports: dict[str, Any] = {}
    for mid, params in sorted(all_params.items()):
        t0 = time.perf_counter()
        entry: dict[str, Any] = {"status": "ok", "error": None}
        try:
            source = params.source_file or str(params_dir / f"{mid}.yaml")
            parameters = {"municipality_id": mid, "year": int(year), "params_file": str(Path(source).resolve()),
                          "data_folder": str(Path(data_folder).resolve()) if data_folder else None,
                          "tables_dir": str(folder / "tabellen" / mid), "project_root": str(root)}
            if kernel_name == "python3":  # in this process, as the annual run: quiet console (a kernel
                # process printed ipykernel's "running over TCP without encryption" warning per report)
                _USED_ANCHORS.clear()  # heading ids are unique per page, not per process
                nb = execute(str(nb_path), parameters, cwd=str(nb_path.parent), engine="inprocess")
            else:
                nb = pm.execute_notebook(str(nb_path), None, parameters=parameters, cwd=str(nb_path.parent),
                                         kernel_name=kernel_name, progress_bar=False, log_output=False,
                                         start_timeout=60)
            demo = bool(params.report.demo)
            report = export_notebook(nb, title=text("planning", "document.title", year=int(year),
                                                    name=params.municipality.name),
                                     subtitle=text("planning", "document.subtitle"), demo=demo or _demo_folder(params, root, data_folder))
            html = write_atomic(folder / f"{mid}.html", report.html)
            entry["html"] = str(html)
        except Exception as exc:  # noqa: BLE001 - one municipality's failure must not stop the others
            entry.update(status="failed", error=f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
        entry["seconds"] = round(time.perf_counter() - t0, 2)
        reports[mid] = entry
    summary = {"year": int(year), "folder": str(folder), "reports": reports}
    write_atomic(folder / "manifest.json", json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    return summary


def _demo_folder(params, root: Path, data_folder) -> bool:
    folder = Path(data_folder) if data_folder else params.data_folder(root)
    return (folder / "ground_truth.json").exists()
