"""Chapter "Kontext": who the municipality is, its Sozialräume, its structure beside the comparison
pool of the impact estimates, and real official statistics at Kreis level (Regionaldatenbank 13211,
with licence attribution; always labelled "Kreisebene"). Renders ``bundle.meta``,
``bundle.comparison`` and ``bundle.official``."""

from __future__ import annotations

import pandas as pd

from ...texts import text
from ..blocks import ColumnSpec, Notice, Paragraph, Section
from ..context import ReportContext, fmt_de
from ..figures import lines


#: characteristics shown without decimals
WHOLE_NUMBERS = {"population": 0, "density": 0, "tax_revenue_per_capita": 0}


def _t(key: str, **kw) -> str:
    return text("report", f"kontext.{key}", **kw)


def kontext(bundle, sink=None) -> Section:
    ctx = ReportContext.of(bundle, sink)
    a = ctx.a
    m = a.meta
    sec = Section(text("report", "chapters.kontext"))
    sec.add(Paragraph(_t("intro_pool", name=ctx.name, kind=m.kind, state=m.state,
                         population=fmt_de(m.population, 0), programme=m.programme, start=ctx.programme_start,
                         n_pool=a.comparison.n_pool, n_applicants=m.n_applicants)))
    if m.areas.empty:
        sec.add(Paragraph(_t("areas_none", name=ctx.name)))
    else:
        sec.add(ctx.table_block(m.areas, _t("areas_caption", name=ctx.name),
                                [ColumnSpec("name", _t("col_area")), ColumnSpec("population", _t("col_population"), "number", 0)],
                                name="sozialraeume", row_header="name"))
    comp = a.comparison.structure
    if not a.comparison.error and not comp.empty:
        dec = [WHOLE_NUMBERS.get(v, 1) for v in comp["variable"]]  # inhabitants are whole numbers
        comp = comp.assign(
            own_text=[fmt_de(x, d) for x, d in zip(comp["own"], dec)],
            median_text=[fmt_de(x, d) for x, d in zip(comp["median"], dec)],
            range=[f"{fmt_de(lo, d)} – {fmt_de(hi, d)}" for lo, hi, d in zip(comp["q25"], comp["q75"], dec)])
        sec.add(ctx.table_block(
            comp, _t("structure_caption_pool", year=a.comparison.structure_year, name=ctx.name, n_pool=a.comparison.n_pool),
            [ColumnSpec("characteristic", _t("col_characteristic")),
             ColumnSpec("own_text", _t("col_municipality", name=ctx.name)),
             ColumnSpec("median_text", _t("col_pool_median")), ColumnSpec("range", _t("col_pool_range"))],
            name="strukturmerkmale", row_header="characteristic"))
    sec.add(official_context(ctx))
    return sec


def kreis_forms(name: str) -> tuple[str, str]:
    """(name, "in ..." phrase) of a Kreis as the Regionaldatenbank spells it.

    The table writes the kind after a comma ("Mainz-Bingen, Landkreis") or before the name
    ("Kreisfreie Stadt Rostock, Hansestadt"); a sentence needs the name and its preposition.

    >>> kreis_forms("Mainz-Bingen, Landkreis")
    ('Landkreis Mainz-Bingen', 'im Landkreis Mainz-Bingen')
    >>> kreis_forms("Ostalbkreis, Landkreis")
    ('Ostalbkreis', 'im Ostalbkreis')
    >>> kreis_forms("Kreisfreie Stadt Rostock, Hansestadt")
    ('Rostock', 'in Rostock')
    >>> kreis_forms("Erlangen")
    ('Erlangen', 'in Erlangen')
    """
    s = " ".join(str(name).split())
    base, _, kind = (part.strip() for part in s.partition(","))
    for prefix in ("Kreisfreie Stadt ", "Stadtkreis "):
        if base.startswith(prefix):
            base, kind = base[len(prefix):], "Stadt"
    if base.startswith(("Landkreis ", "Kreis ", "Regionalverband ", "Städteregion ")):
        return base, f"im {base}" if not base.startswith(("Regionalverband", "Städteregion")) else f"in der {base}"
    if kind in ("Landkreis", "Kreis"):
        if base.lower().endswith("kreis"):
            return base, f"im {base}"
        return f"{kind} {base}", f"im {kind} {base}"
    return base, f"in {base}"


def official_context(ctx: ReportContext) -> Section:
    """Real Kreis figures from the Regionaldatenbank (Kreisebene)."""
    o = ctx.a.official
    sub = Section(_t("official_heading"), level=3)
    if o.error:
        return sub.add(Paragraph(_t("official_not_available", reason=o.error)))
    if o.table.empty:
        return sub.add(Paragraph(_t("official_missing", file=o.file or "–")))
    table = o.table
    kreis, kreis_in = kreis_forms(o.kreis_name)
    tbl = ctx.table_block(table, _t("official_caption_kreis", kreis_in=kreis_in), [
        ColumnSpec("year", _t("col_year")), ColumnSpec("count", _t("col_count"), "count"),
        ColumnSpec("value", _t("col_kreis_value", kreis=kreis), "number"),
        ColumnSpec("pool_median", _t("col_pool_median_pct"), "number"),
        ColumnSpec("pool_q25", _t("col_pool_q25"), "number"), ColumnSpec("pool_q75", _t("col_pool_q75"), "number")],
        name="amtlich_arbeitslose_sb", row_header="year", note=o.attribution)
    long = pd.concat([table.assign(reihe=kreis)[["year", "value", "reihe"]],
                      table.assign(reihe=_t("col_pool_median_pct"), value=table["pool_median"])[["year", "value", "reihe"]]])
    first, last = int(table["year"].min()), int(table["year"].max())
    fig = ctx.figure_block(
        lambda ax: lines(ax, long, x="year", y="value", group="reihe", xlabel=_t("col_year"), ylabel="%"),
        alt=_t("official_alt_kreis", first=first, last=last, kreis_in=kreis_in,
               value_last=fmt_de(table["value"].iloc[-1]), pool_last=fmt_de(table["pool_median"].iloc[-1])),
        caption=_t("official_caption_kreis", kreis_in=kreis_in), table=tbl, values=["value"])
    note = _t("official_level_note", kreis=kreis)
    if ctx.demo:  # the one real table beside synthetic indicators of the same name: say why they differ
        note += " " + _t("official_real_note")
    return sub.add(Paragraph(note), fig, Notice(o.caveat, kind="caveat"),
                   Paragraph(o.attribution, css_class="table-note"))
