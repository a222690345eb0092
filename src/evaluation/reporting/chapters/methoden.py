"""Chapter "Daten und Methoden": sources and licences, disclosure control, methods, inputs with hashes."""

from __future__ import annotations

import hashlib

import pandas as pd

from ...texts import text
from ..blocks import ColumnSpec, Paragraph, Section
from ..context import ReportContext


def _t(key: str, **kw) -> str:
    return text("report", f"methoden.{key}", **kw)


def _polarity(p: int) -> str:
    return _t("polarity_up") if p > 0 else _t("polarity_down") if p < 0 else _t("polarity_none")


def methoden(ctx: ReportContext) -> Section:
    sec = Section(text("report", "chapters.methoden"))
    src = Section(_t("sources_heading"), level=3)
    ids = sorted(set(ctx.published_values["indicator_id"]))
    reg = ctx.register_table.set_index("indicator_id").loc[ids].reset_index()
    reg["polarity_label"] = reg["polarity"].map(_polarity)
    reg["unit_label"] = reg["unit"].map(lambda u: text("report", f"units.{u}"))
    src.add(ctx.table_block(reg, _t("sources_caption"), [
        ColumnSpec("name", _t("col_indicator")), ColumnSpec("source", _t("col_source")),
        ColumnSpec("spatial_level", _t("col_level")), ColumnSpec("unit_label", _t("col_unit")),
        ColumnSpec("polarity_label", _t("col_polarity"))], name="quellen", row_header="name"))
    if ctx.demo:
        src.add(Paragraph(_t("demo_source")))
    src.add(Paragraph(_t("official_licence")))
    sec.add(src)
    sec.add(Section(_t("suppression_heading"), [Paragraph(text("disclosure", "footnote.method", threshold=ctx.threshold))], level=3))
    meth = Section(_t("methods_heading"), level=3)
    for key, title in [("method.attainment", _t("attainment")), ("method.intervals", _t("intervals")),
                       ("method.trend", _t("trend"))]:
        meth.add(Section(title, [Paragraph(text("indicators", key))], level=4))
    sec.add(meth)
    sec.add(inputs_section(ctx))
    return sec


def inputs_section(ctx: ReportContext) -> Section:
    sub = Section(_t("inputs_heading"), level=3)
    rows = []
    for name, path in sorted(ctx.dataset.files.items()):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        rows.append({"file": str(path.relative_to(ctx.dataset.folder)), "rows": len(ctx.dataset.tables[name]), "hash": digest})
    pf = ctx.params.source_file
    if pf:
        from pathlib import Path

        rows.append({"file": Path(pf).name, "rows": None, "hash": hashlib.sha256(Path(pf).read_bytes()).hexdigest()[:16]})
    table = pd.DataFrame(rows)
    sub.add(Paragraph(_t("inputs_text")))
    sub.add(ctx.table_block(table, _t("inputs_caption"), [ColumnSpec("file", _t("col_file")),
                                                          ColumnSpec("rows", _t("col_rows"), "number", 0),
                                                          ColumnSpec("hash", _t("col_hash"))], name="eingangsdaten",
                            row_header="file"))
    return sub
