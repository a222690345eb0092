"""Chapter "Kontext": who the municipality is, its Sozialräume, its structure beside the comparison pool,
and real official statistics at Kreis level (Regionaldatenbank 13211, with licence attribution)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ...texts import text
from ..blocks import ColumnSpec, Notice, Paragraph, Section
from ..context import ReportContext, fmt_de
from ..figures import lines

CHARACTERISTICS = ["population", "density", "share_65plus", "unemployment_rate", "share_severely_disabled",
                   "tax_revenue_per_capita"]


def _t(key: str, **kw) -> str:
    return text("report", f"kontext.{key}", **kw)


def structure_comparison(ctx: ReportContext, structure: pd.DataFrame) -> pd.DataFrame:
    """Per characteristic in the year before the programme: the municipality, the pool's median and quartiles."""
    year = ctx.programme_start - 1
    s = structure[structure["year"].astype(int) == year]
    groups = ctx.municipalities.set_index("municipality_id")["group"]
    own = s[s["municipality_id"] == ctx.municipality_id]
    pool = s[s["municipality_id"].map(groups) == "comparison"]
    rows = []
    for c in CHARACTERISTICS:
        if c not in s.columns or own.empty:
            continue
        vals = pd.to_numeric(pool[c], errors="coerce")
        rows.append({"characteristic": text("report", f"characteristics.{c}"), "own": float(own[c].iloc[0]),
                     "median": vals.median(), "q25": vals.quantile(0.25), "q75": vals.quantile(0.75)})
    out = pd.DataFrame(rows)
    if not out.empty:
        out["range"] = [f"{fmt_de(a)} – {fmt_de(b)}" for a, b in zip(out["q25"], out["q75"])]
    return out


def kontext(ctx: ReportContext) -> Section:
    m = ctx.municipalities.set_index("municipality_id").loc[ctx.municipality_id]
    n_comp = int((ctx.municipalities["group"] == "comparison").sum())
    sec = Section(text("report", "chapters.kontext"))
    sec.add(Paragraph(_t("intro", name=ctx.name, kind=ctx.params.municipality.kind, state=ctx.params.municipality.state,
                         population=fmt_de(int(m["population"]), 0), programme=ctx.params.programme.name,
                         start=ctx.programme_start, n_comparison=n_comp)))
    areas = ctx.areas
    if areas.empty:
        sec.add(Paragraph(_t("areas_none", name=ctx.name)))
    else:
        sec.add(ctx.table_block(areas[["name", "population"]], _t("areas_caption", name=ctx.name),
                                [ColumnSpec("name", _t("col_area")), ColumnSpec("population", _t("col_population"), "number", 0)],
                                name="sozialraeume", row_header="name"))
    structure_file = ctx.dataset.folder / "structure.csv"
    if structure_file.exists():
        comp = structure_comparison(ctx, ctx.dataset.extra("structure.csv"))
        if not comp.empty:
            sec.add(ctx.table_block(
                comp, _t("structure_caption", year=ctx.programme_start - 1, name=ctx.name),
                [ColumnSpec("characteristic", _t("col_characteristic")), ColumnSpec("own", _t("col_municipality", name=ctx.name), "number"),
                 ColumnSpec("median", _t("col_pool_median"), "number"), ColumnSpec("range", _t("col_pool_range"))],
                name="strukturmerkmale", row_header="characteristic"))
    sec.add(official_context(ctx))
    return sec


def official_context(ctx: ReportContext) -> Section:
    """Real Kreis figures from the Regionaldatenbank, if the parameter file names the table."""
    sub = Section(_t("official_heading"), level=3)
    rel = ctx.params.data.official_context
    if not rel:
        return sub.add(Paragraph(_t("official_missing", file="–")))
    path = Path(rel) if Path(rel).is_absolute() else ctx.project_root / rel
    if not path.exists():
        return sub.add(Paragraph(_t("official_missing", file=rel)))
    from ...io.official import context_panel

    panel = context_panel(path)
    kreis = ctx.params.municipality.kreis
    summary = panel.summary("arbeitslose_sb_anteil")
    own = summary[summary["code"] == kreis].sort_values("year")
    if own.empty:
        return sub.add(Paragraph(_t("official_missing", file=rel)))
    kreis_name = str(own["name"].iloc[0])
    counts = panel.values[(panel.values["area_id"] == kreis) & (panel.values["indicator_id"] == "arbeitslose_sb")]
    table = own[["year", "value", "pool_median", "pool_q25", "pool_q75"]].merge(
        counts[["year", "value"]].rename(columns={"value": "count"}), on="year", how="left")
    tbl = ctx.table_block(table, _t("official_caption", kreis=kreis_name), [
        ColumnSpec("year", _t("col_year")), ColumnSpec("count", _t("col_count"), "count"),
        ColumnSpec("value", _t("col_kreis_value", kreis=kreis_name), "number"),
        ColumnSpec("pool_median", _t("col_pool_median_pct"), "number"),
        ColumnSpec("pool_q25", _t("col_pool_q25"), "number"), ColumnSpec("pool_q75", _t("col_pool_q75"), "number")],
        name="amtlich_arbeitslose_sb", row_header="year", note=panel.attribution)
    long = pd.concat([table.assign(reihe=kreis_name)[["year", "value", "reihe"]],
                      table.assign(reihe=_t("col_pool_median_pct"), value=table["pool_median"])[["year", "value", "reihe"]]])
    first, last = int(table["year"].min()), int(table["year"].max())
    fig = ctx.figure_block(
        lambda ax: lines(ax, long, x="year", y="value", group="reihe", xlabel=_t("col_year"), ylabel="%"),
        alt=_t("official_alt", first=first, last=last, kreis=kreis_name, value_last=fmt_de(table["value"].iloc[-1]),
               pool_last=fmt_de(table["pool_median"].iloc[-1])),
        caption=_t("official_caption", kreis=kreis_name), table=tbl)
    return sub.add(fig, Notice(panel.caveat, kind="caveat"), Paragraph(panel.attribution, css_class="table-note"))
