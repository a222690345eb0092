"""What an analysis starts from: the validated parameter file, the validated data folder, the register.

:func:`load_inputs` reads a parameter file and its data folder (through the contracts, or from a
snapshot the annual run wrote); :class:`Inputs` gives the analysis functions the tables of one
municipality up to the report year. Nothing here estimates anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from ..dataset import Dataset, load_dataset
from ..params import Params, load_params
from ..register import IndicatorRegister, load_register


def load_inputs(params_file: str | Path, *, data_folder: str | Path | None = None,
                project_root: str | Path | None = None, snapshot: str | Path | None = None) -> tuple[Params, Dataset]:
    """(parameters, validated dataset) of one municipality's parameter file.

    ``data_folder`` overrides the parameter file's folder (resolved against ``project_root``,
    default the folder above ``params/``); ``snapshot``: a snapshot written by the annual run
    (:mod:`evaluation.reporting.snapshot`), read instead of validating the folder again after
    checking that the folder's files are unchanged.
    """
    params = load_params(params_file)
    root = Path(project_root) if project_root else Path(params_file).resolve().parent.parent
    folder = Path(data_folder) if data_folder else params.data_folder(root)
    if snapshot:
        from ..reporting.snapshot import snapshot_dataset

        dataset = snapshot_dataset(snapshot, folder=folder, seed=seed_of(params),
                                   municipality_ids=[params.municipality.id])
    else:
        dataset = load_dataset(folder, municipality_ids=[params.municipality.id])
    return params, dataset


def seed_of(params: Params) -> int:
    """The seed of every random draw: ``analysis.seed``, or ``comparison.seed`` when that is empty."""
    s = params.analysis.seed
    return int(params.comparison.seed if s is None else s)


@dataclass
class Inputs:
    """One municipality's view of the validated inputs (restricted to the report year where it matters)."""

    params: Params
    dataset: Dataset
    year: int
    project_root: Path
    register: IndicatorRegister = field(default_factory=load_register)

    @property
    def municipality_id(self) -> str:
        return self.params.municipality.id

    @property
    def name(self) -> str:
        return self.params.municipality.name

    @property
    def start(self) -> int:
        return int(self.params.programme.start)

    @property
    def seed(self) -> int:
        return seed_of(self.params)

    @property
    def choices(self):
        return self.params.analysis

    @property
    def demo(self) -> bool:
        return bool(self.params.report.demo or self.dataset.is_synthetic)

    def table(self, name: str) -> pd.DataFrame:
        """A contract table restricted to this municipality (empty frame if the folder lacks it)."""
        df = self.dataset.tables[name]
        if "municipality_id" in df.columns:
            df = df[df["municipality_id"] == self.municipality_id]
        return df.reset_index(drop=True)

    @cached_property
    def municipalities(self) -> pd.DataFrame:
        return self.dataset.municipalities

    @cached_property
    def applicants(self) -> list[str]:
        m = self.municipalities
        return sorted(m.loc[m["group"] == "comparison", "municipality_id"].astype(str))

    @cached_property
    def town_values(self) -> pd.DataFrame:
        """Whole-town indicator values of all municipalities up to the report year (unsuppressed:
        estimates are computed on them, only estimates are published)."""
        iv = self.dataset.indicator_values
        return iv[(iv["area_id"] == iv["municipality_id"]) & (iv["year"] <= self.year)]

    @cached_property
    def targets(self) -> pd.DataFrame:
        return self.register.targets(self.params)

    def structure(self) -> pd.DataFrame | None:
        if not (self.dataset.folder / "structure.csv").exists():
            return None
        return self.dataset.extra("structure.csv")
