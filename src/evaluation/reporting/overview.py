"""The overview report: the model municipalities side by side (targets, impact estimates, index).

Built from the same :class:`~evaluation.reporting.context.ReportContext` objects as the single reports,
so every number in the overview is the number of the municipality's own report.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..dataset import load_dataset
from ..params import load_all_params
from ..register import load_register
from ..texts import text
from .blocks import ColumnSpec, Paragraph, Section, TableSink
from .chapters.index import index_table
from .chapters.wirkung import headline_estimates
from .context import ReportContext, fmt_de
from .figures import OKABE_ITO

STATUS_KEYS = ["achieved", "on_track", "off_track", "not_assessable"]


def _t(key: str, **kw) -> str:
    return text("report", f"overview.{key}", **kw)


@dataclass
class OverviewContext:
    contexts: list[ReportContext]
    year: int
    sink: TableSink

    @classmethod
    def open(cls, params_dir: str | Path, *, year: int, municipality_ids: list[str] | None = None,
             data_folder: str | Path | None = None, tables_dir: str | Path | None = None,
             project_root: str | Path | None = None,
             snapshots: dict[str, str] | None = None) -> "OverviewContext":
        """The contexts of the model municipalities of ``year``, one validated dataset per data folder.

        ``snapshots`` maps a data folder (resolved path) to its snapshot written by the annual run
        (:mod:`evaluation.reporting.snapshot`); such folders are read from the snapshot instead of
        being validated again.
        """
        if municipality_ids:
            params = _params_of(params_dir, year, municipality_ids)
        else:
            params = load_all_params(params_dir, year=year)
        root = Path(project_root) if project_root else Path(params_dir).resolve().parent
        sink = TableSink(tables_dir)
        register = load_register()
        snapshots = {str(Path(k).resolve()): v for k, v in (snapshots or {}).items()}
        datasets: dict[Path, object] = {}
        contexts = []
        for key in sorted(params):
            p = params[key]
            folder = Path(data_folder) if data_folder else p.data_folder(root)
            if folder not in datasets:
                snap = snapshots.get(str(folder.resolve()))
                if snap:
                    from .snapshot import snapshot_dataset

                    # the index chapter caches per dataset and year: the first context of the
                    # folder is the one whose seed it uses, with or without a snapshot
                    datasets[folder] = snapshot_dataset(snap, folder=folder, seed=p.comparison.seed)
                else:
                    datasets[folder] = load_dataset(folder)
            contexts.append(ReportContext(params=p, dataset=datasets[folder], register=register, year=year,
                                          sink=sink, project_root=root))
        return cls(contexts, year, sink)

    @property
    def demo(self) -> bool:
        return any(c.demo for c in self.contexts)

    def table_block(self, *args, **kwargs):
        return self.contexts[0].table_block(*args, **kwargs)


def _params_of(params_dir: str | Path, year: int, municipality_ids: list[str]) -> dict:
    """The parameter files of the given municipalities; another municipality's broken file is no obstacle
    (the annual run has already reported it as that municipality's failure)."""
    from ..errors import InputError
    from ..params import load_params

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


def status_counts(octx: OverviewContext) -> pd.DataFrame:
    rows = []
    for c in octx.contexts:
        a = c.attainment
        row = {"municipality": c.name}
        for k in STATUS_KEYS:
            row[k] = int((a["status"] == k).sum()) if not a.empty else 0
        rows.append(row)
    return pd.DataFrame(rows)


def zielerreichung(octx: OverviewContext) -> Section:
    sec = Section(_t("heading_targets"))
    sec.add(Paragraph(_t("intro", n=len(octx.contexts), year=octx.year)))
    counts = status_counts(octx)
    labels = {k: text("indicators", f"status.{k}") for k in STATUS_KEYS}
    cols = [ColumnSpec("municipality", _t("col_municipality"))] + [ColumnSpec(k, labels[k], "number", 0) for k in STATUS_KEYS]
    tbl = octx.table_block(counts, _t("status_caption"), cols, name="uebersicht_zielerreichung", row_header="municipality")

    def draw(ax, counts=counts):
        left = pd.Series(0.0, index=counts.index)
        y = range(len(counts))[::-1]
        for i, k in enumerate(STATUS_KEYS):
            ax.barh(list(y), counts[k], left=left, color=OKABE_ITO[i], edgecolor="#1a1a1a", linewidth=0.5,
                    label=labels[k], hatch=["", "//", "..", "xx"][i])
            left = left + counts[k]
        ax.set_yticks(list(y))
        ax.set_yticklabels(counts["municipality"])
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=len(STATUS_KEYS), frameon=False)

    summary = "; ".join(f"{r.municipality}: {r.achieved} {labels['achieved']}" for r in counts.itertuples())
    sec.add(octx.contexts[0].figure_block(draw, alt=_t("status_alt", n=len(counts), summary=summary),
                                          caption=_t("status_fig_caption"), table=tbl))
    frames = []
    for c in octx.contexts:
        a = c.attainment
        if not a.empty:
            frames.append(a[["name", "status_label"]].assign(municipality=c.name))
    if frames:
        matrix = pd.concat(frames).pivot_table(index="name", columns="municipality", values="status_label",
                                               aggfunc="first").reset_index()
        cols = [ColumnSpec("name", text("report", "treppe.col_indicator"))] + [
            ColumnSpec(m, m) for m in matrix.columns if m != "name"]
        sec.add(octx.table_block(matrix, _t("matrix_caption"), cols, name="uebersicht_status_matrix", row_header="name"))
    return sec


def wirkung(octx: OverviewContext) -> Section:
    sec = Section(_t("heading_impact"))
    frames = [headline_estimates(c).assign(municipality=c.name) for c in octx.contexts]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return sec
    est = pd.concat(frames, ignore_index=True)
    est["ci"] = [f"{fmt_de(a)} – {fmt_de(b)}" for a, b in zip(est["ci_low"], est["ci_high"])]
    sec.add(octx.table_block(est, text("report", "overview.heading_impact"), [
        ColumnSpec("municipality", _t("col_municipality")), ColumnSpec("name", text("report", "treppe.col_indicator")),
        ColumnSpec("estimate", text("report", "treppe.col_value"), "number", 2), ColumnSpec("ci", text("report", "treppe.col_ci")),
        ColumnSpec("method_label", _t("col_method"))], name="uebersicht_wirkung"))
    return sec


def index(octx: OverviewContext) -> Section:
    sec = Section(_t("heading_index"))
    return sec.add(*index_table(octx.contexts[0], highlight=[c.municipality_id for c in octx.contexts], name="uebersicht_index"))


def methoden(octx: OverviewContext) -> Section:
    return Section(_t("heading_methods"), [Paragraph(_t("methods"))])
