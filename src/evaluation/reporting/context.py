"""What a chapter renders from: the analysis bundle and the place its tables go.

A :class:`ReportContext` wraps one :class:`~evaluation.analysis.MunicipalityAnalysis` (computed once
by :func:`evaluation.analysis.analyse`) and the :class:`~evaluation.reporting.blocks.TableSink` that
writes each published table as CSV. Chapters read numbers only from the bundle; nothing here
computes, chooses or draws (a test checks that reporting imports no estimator module).

Disclosure control happened in the analysis: ``bundle.indicators.published`` is the indicator table
after primary and secondary suppression, and every table built from microdata arrives with its flags.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..analysis.bundle import MunicipalityAnalysis, Part
from ..texts import text
from .blocks import Block, ColumnSpec, Figure, Paragraph, Table, TableSink


@dataclass
class ReportContext:
    """One report being rendered: the bundle ``a`` and the table sink."""

    a: MunicipalityAnalysis
    sink: TableSink = field(default_factory=lambda: TableSink(None))

    @classmethod
    def of(cls, bundle: MunicipalityAnalysis | ReportContext, sink: TableSink | None = None) -> ReportContext:
        """A context for ``bundle`` (a context passed in is returned as it is)."""
        if isinstance(bundle, ReportContext):
            return bundle
        return cls(bundle, sink if sink is not None else TableSink(None))

    # -- identity -------------------------------------------------------------------------------
    @property
    def municipality_id(self) -> str:
        return self.a.meta.municipality_id

    @property
    def name(self) -> str:
        return self.a.meta.name

    @property
    def year(self) -> int:
        return self.a.meta.year

    @property
    def demo(self) -> bool:
        return bool(self.a.meta.demo)

    @property
    def programme_start(self) -> int:
        return int(self.a.meta.programme_start)

    @property
    def threshold(self) -> int:
        return int(self.a.meta.choices.get("analysis", {}).get("disclosure_threshold", 3))

    # -- blocks -----------------------------------------------------------------------------------
    def table_block(self, data: pd.DataFrame, caption: str, columns: list[ColumnSpec], *, name: str | None = None,
                    row_header: str | None = None, flags: pd.DataFrame | None = None, note: str | None = None) -> Table:
        return Table(data=data.reset_index(drop=True), caption=caption, columns=columns, name=name, sink=self.sink,
                     row_header=row_header, flags=None if flags is None else flags.reset_index(drop=True), note=note)

    def figure_block(self, draw, *, alt: str, caption: str, table: Table, width: float = 7.5,
                     height: float = 4.0, values: list[str] | None = None) -> Block:
        """A figure, or - when the ``values`` columns of its table are empty or all zero - its table
        with a sentence saying why there is no figure (no chart from an empty table)."""
        if values is not None and not has_values(table.data, values):
            return Section_of([Paragraph(text("report", "no_figure", caption=caption)), table])
        return Figure(draw=draw, alt=alt, caption=caption, table=table, width=width, height=height)


def has_values(data: pd.DataFrame, columns: list[str]) -> bool:
    """True when at least one of ``columns`` holds a finite value other than 0."""
    if data is None or data.empty:
        return False
    for c in columns:
        if c in data.columns:
            v = pd.to_numeric(data[c], errors="coerce").to_numpy(dtype=float)
            if np.isfinite(v).any() and (np.nan_to_num(v) != 0).any():
                return True
    return False


class Section_of(Block):
    """Blocks shown one after another without a heading."""

    def __init__(self, blocks: list[Block]) -> None:
        self.blocks = blocks

    def html(self) -> str:
        return "".join(b.html() for b in self.blocks)


def unavailable(part: Part, what: str) -> Paragraph | None:
    """The sentence for a part that could not be computed (None if it is available)."""
    if part.error is None:
        return None
    return Paragraph(text("report", "not_available", what=what, reason=part.error))


def fmt_de(value: Any, decimals: int = 1) -> str:
    """Short German number for running text."""
    from .blocks import format_number

    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "–"
    return format_number(value, decimals)
