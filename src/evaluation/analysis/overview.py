"""``analyse_overview``: the overview's results, from the municipalities' own analyses.

Each model municipality is analysed with :func:`evaluation.analysis.analyse` (parts meta, targets,
effects, index) with its own parameter file, so every overview cell is the number of that
municipality's report (same data, same choices, same seeds). ``bundles`` may hand in analyses
already computed (e.g. loaded with :meth:`MunicipalityAnalysis.load`), which are used as they are.
"""

from __future__ import annotations

from pathlib import Path

from ..dataset import Dataset, load_dataset
from ..errors import InputError
from ..params import load_all_params, load_params
from .bundle import MunicipalityAnalysis, OverviewAnalysis
from .inputs import Inputs
from .municipality import _guard, analyse, index_part
from . import bundle as b

OVERVIEW_PARTS = ("meta", "targets", "comparison", "effects")


def _params_of(params_dir: str | Path, year: int, municipality_ids: list[str]) -> dict:
    """The parameter files of the given municipalities; another municipality's broken file is no obstacle
    (the annual run has already reported it as that municipality's failure)."""
    wanted = set(municipality_ids)
    folder = Path(params_dir)
    out = {}
    for f in sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml")):
        try:
            p = load_params(f)
        except InputError:
            continue
        if p.municipality.id in wanted and p.report.year == year:
            out[p.municipality.id] = p
    missing = sorted(wanted - out.keys())
    if missing:
        raise InputError(f"no valid parameter file of {year} for {', '.join(missing)}", file=str(folder))
    return out


def analyse_overview(params_dir: str | Path, *, year: int, municipality_ids: list[str] | None = None,
                     data_folder: str | Path | None = None, project_root: str | Path | None = None,
                     snapshots: dict[str, str] | None = None,
                     bundles: dict[str, MunicipalityAnalysis | str | Path] | None = None) -> OverviewAnalysis:
    """Analyse the model municipalities of ``year`` for the overview.

    ``params_dir``: the folder of parameter files; ``municipality_ids``: only these (default every
    file of the year); ``data_folder`` overrides the files' data folders; ``snapshots`` maps a data
    folder to the snapshot the annual run wrote; ``bundles``: analyses already computed
    (``{municipality_id: bundle or folder written by save()}``).
    """
    params = _params_of(params_dir, year, municipality_ids) if municipality_ids else load_all_params(params_dir, year=year)
    root = Path(project_root) if project_root else Path(params_dir).resolve().parent
    snapshots = {str(Path(k).resolve()): v for k, v in (snapshots or {}).items()}
    datasets: dict[Path, Dataset] = {}
    out: list[MunicipalityAnalysis] = []
    first = None
    for key in sorted(params):
        p = params[key]
        folder = Path(data_folder) if data_folder else p.data_folder(root)
        if folder not in datasets:
            snap = snapshots.get(str(folder.resolve()))
            if snap:
                from ..reporting.snapshot import snapshot_dataset
                from .inputs import seed_of

                datasets[folder] = snapshot_dataset(snap, folder=folder, seed=seed_of(p))
            else:
                datasets[folder] = load_dataset(folder)
        given = (bundles or {}).get(key)
        if isinstance(given, MunicipalityAnalysis):
            a = given
        elif given is not None:
            a = MunicipalityAnalysis.load(given)
        else:
            a = analyse(p, datasets[folder], year=year, project_root=root, parts=OVERVIEW_PARTS)
        out.append(a)
        if first is None:
            first = Inputs(params=p, dataset=datasets[folder], year=year, project_root=root)
    index = _guard(b.Index, lambda: index_part(first)) if first is not None else b.Index(error="no municipality")
    return OverviewAnalysis(year=int(year), municipalities=out, index=index)
