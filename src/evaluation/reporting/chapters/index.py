"""Chapter "Index": the composite inclusion index over all municipalities with rank intervals.

Renders ``bundle.index`` (:class:`evaluation.indicators.composite.CompositeIndex`, OECD/JRC Handbook
2008, fitted once in :func:`evaluation.analysis.fitted_index`; the Monte Carlo uncertainty analysis
gives each municipality's 90 % rank interval, so that no reader mistakes a rank difference inside
the noise for a difference).
"""

from __future__ import annotations

from ...texts import text
from ..blocks import Block, ColumnSpec, Paragraph, Section
from ..context import ReportContext
from ..figures import hbars


def _t(key: str, **kw) -> str:
    return text("report", f"index.{key}", **kw)


def index_table(ctx: ReportContext, index_part, names: dict[str, str], *, highlight: list[str],
                name: str = "index_raenge") -> list[Block]:
    """The rank table for the highlighted municipalities and the top five."""
    if index_part.error:
        return [Paragraph(_t("not_possible", reason=index_part.error))]
    r = index_part.ranks
    shown = r[r["municipality_id"].isin(highlight) | (r["rank"] <= 5)].sort_values("rank")
    caption = _t("caption", name=", ".join(names.get(h, h) for h in highlight))
    return [ctx.table_block(shown, caption, [
        ColumnSpec("municipality", _t("col_municipality")), ColumnSpec("score", _t("col_score"), "number"),
        ColumnSpec("rank", _t("col_rank"), "number", 0), ColumnSpec("rank_low", _t("col_rank_low"), "number", 0),
        ColumnSpec("rank_high", _t("col_rank_high"), "number", 0)], name=name, row_header="municipality")]


def index(bundle, sink=None) -> Section:
    ctx = ReportContext.of(bundle, sink)
    ix = ctx.a.index
    sec = Section(text("report", "chapters.index"))
    if ix.error or ix.year is None:
        return sec.add(Paragraph(_t("not_possible", reason=ix.error or "–")))
    sec.add(Paragraph(_t("intro_t", n=ix.n_units, year=ix.year, domains=ix.n_domains,
                         normalisation=_t(f"method.{ix.method['normalisation']}"),
                         weights=_t(f"method.{ix.method['weights']}"),
                         aggregation=_t(f"method.{ix.method['aggregation']}"), draws=f"{ix.draws:,}".replace(",", "."))))
    own = ix.ranks[ix.ranks["municipality_id"] == ctx.municipality_id]
    if len(own):
        row = own.iloc[0]
        sec.add(Paragraph(_t("rank_text", name=ctx.name, rank=int(row["rank"]), n=len(ix.ranks),
                             low=int(row["rank_low"]), high=int(row["rank_high"]))))
    sec.add(*index_table(ctx, ix, {ctx.municipality_id: ctx.name}, highlight=[ctx.municipality_id]))
    d = ix.domains
    if not d.empty:
        tbl = ctx.table_block(d, _t("domains_caption", name=ctx.name), [
            ColumnSpec("domain", _t("col_domain")), ColumnSpec("own", _t("col_own", name=ctx.name), "number"),
            ColumnSpec("median", _t("col_median"), "number")], name="index_lebensbereiche", row_header="domain")
        top = d.sort_values("own", ascending=False)["domain"].iloc[0]
        sec.add(ctx.figure_block(
            lambda ax: hbars(ax, d, label="domain", value="own", xlabel=_t("col_score"), marks="median",
                             marks_label=_t("col_median"), value_label=ctx.name),
            alt=_t("domains_alt", name=ctx.name, n=len(d), top=top), caption=_t("domains_caption", name=ctx.name),
            table=tbl, height=max(3.0, 0.45 * len(d) + 1), values=["own"]))
    return sec
