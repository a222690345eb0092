"""What a report knows: parameters, validated data, register, and the published (disclosure-controlled) values.

A :class:`ReportContext` is opened once per report from the papermill parameters. It loads the
parameter file, the data folder (validated through the contracts), the indicator register, and
derives once what several chapters share. Chapters take the context and return
:class:`~evaluation.reporting.blocks.Section` objects; they never read files themselves.

Disclosure control happens here, once: :attr:`published_values` is the municipality's indicator
table after primary and secondary suppression (:func:`evaluation.disclosure.suppress_indicator_values`);
chapters show only published values, and every table a chapter builds from microdata (survey,
participants, events) passes through :meth:`publish_counts`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..dataset import Dataset, load_dataset
from ..params import Params, load_params
from ..register import IndicatorRegister, load_register
from .blocks import ColumnSpec, Figure, Table, TableSink

DISCLOSURE_THRESHOLD = 3  # counts 1 and 2 are never published (BA and statistical offices)


@dataclass
class ReportContext:
    """Everything one municipality's report needs; build with :meth:`open`."""

    params: Params
    dataset: Dataset
    register: IndicatorRegister
    year: int
    sink: TableSink
    threshold: int = DISCLOSURE_THRESHOLD
    project_root: Path = field(default_factory=Path.cwd)

    @classmethod
    def open(cls, params_file: str | Path, *, year: int | None = None, data_folder: str | Path | None = None,
             tables_dir: str | Path | None = None, project_root: str | Path | None = None,
             snapshot: str | Path | None = None) -> "ReportContext":
        """Load the parameter file and the data folder (validated through the contracts).

        ``snapshot``: a snapshot of the data folder written by the annual run
        (:mod:`evaluation.reporting.snapshot`), already validated there; it is read instead of
        validating the folder again, after checking that the folder's files are unchanged.
        """
        params = load_params(params_file)
        root = Path(project_root) if project_root else Path(params_file).resolve().parent.parent
        folder = Path(data_folder) if data_folder else params.data_folder(root)
        if snapshot:
            from .snapshot import snapshot_dataset

            dataset = snapshot_dataset(snapshot, folder=folder, seed=params.comparison.seed,
                                       municipality_ids=[params.municipality.id])
        else:
            dataset = load_dataset(folder, municipality_ids=[params.municipality.id])
        return cls(params=params, dataset=dataset, register=load_register(), year=int(year or params.report.year),
                   sink=TableSink(tables_dir), project_root=root)

    # -- identity -------------------------------------------------------------------------------
    @property
    def municipality_id(self) -> str:
        return self.params.municipality.id

    @property
    def name(self) -> str:
        return self.params.municipality.name

    @property
    def demo(self) -> bool:
        return bool(self.params.report.demo or self.dataset.is_synthetic)

    @property
    def programme_start(self) -> int:
        return int(self.params.programme.start)

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
    def areas(self) -> pd.DataFrame:
        return self.table("areas")

    @cached_property
    def register_table(self) -> pd.DataFrame:
        return self.register.table

    # -- published values --------------------------------------------------------------------------
    @cached_property
    def published_values(self) -> pd.DataFrame:
        """This municipality's indicator values up to the report year, after disclosure control."""
        from ..disclosure import suppress_indicator_values

        values = self.table("indicator_values")
        values = values[values["year"] <= self.year]
        if values.empty:
            return values.assign(flag=pd.Series(dtype=object))
        return suppress_indicator_values(values, threshold=self.threshold).reset_index(drop=True)

    @cached_property
    def targets(self) -> pd.DataFrame:
        """Baselines and targets of the parameter file, joined with the register."""
        return self.register.targets(self.params)

    @cached_property
    def attainment(self) -> pd.DataFrame:
        """Target attainment per indicator with a target (see :func:`evaluation.indicators.targets.attainment_table`)."""
        from ..indicators.targets import attainment_table

        if self.targets.empty:
            return pd.DataFrame()
        values = self.published_values
        targets = self.targets[["indicator_id", "baseline_year", "baseline", "target", "target_year"]]
        return attainment_table(values, targets, self.register_table, self.year,
                                municipality_id=self.municipality_id)

    # -- publishing helpers -----------------------------------------------------------------------
    def publish_counts(self, frame: pd.DataFrame, count_columns: list[str],
                       derived: dict[str, str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Primary suppression of person counts in a table without published margins.

        Counts ``0 < n < threshold`` are masked; ``derived`` maps a column (a share, a mean) to the
        count column it is computed from, and is masked with it. Returns (published frame, flags).
        Tables *with* totals must use :func:`evaluation.disclosure.suppress` instead, which adds the
        secondary suppression.
        """
        from ..texts import text

        out = frame.copy().reset_index(drop=True)
        flags = pd.DataFrame(index=out.index, columns=out.columns, dtype=object)
        label = text("disclosure", "flag.primary")
        for col in count_columns:
            vals = pd.to_numeric(out[col], errors="coerce")
            mask = (vals > 0) & (vals < self.threshold)
            out[col] = out[col].astype(float).where(~mask)
            flags.loc[mask, col] = label
            for dcol, source in (derived or {}).items():
                if source == col:
                    out[dcol] = out[dcol].where(~mask)
                    flags.loc[mask, dcol] = label
        return out, flags

    def table_block(self, data: pd.DataFrame, caption: str, columns: list[ColumnSpec], *, name: str | None = None,
                    row_header: str | None = None, flags: pd.DataFrame | None = None, note: str | None = None) -> Table:
        return Table(data=data.reset_index(drop=True), caption=caption, columns=columns, name=name, sink=self.sink,
                     row_header=row_header, flags=None if flags is None else flags.reset_index(drop=True), note=note)

    def figure_block(self, draw, *, alt: str, caption: str, table: Table, width: float = 7.5,
                     height: float = 4.0) -> Figure:
        return Figure(draw=draw, alt=alt, caption=caption, table=table, width=width, height=height)


def fmt_de(value: Any, decimals: int = 1) -> str:
    """Short German number for running text."""
    from .blocks import format_number

    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "–"
    return format_number(value, decimals)
