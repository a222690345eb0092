"""Chapter "Index": a composite inclusion index over all municipalities with rank intervals.

The index (:class:`evaluation.indicators.composite.CompositeIndex`, OECD/JRC Handbook 2008) combines
the whole-town indicators that all municipalities have (official and local sources, with a
direction) in their Lebensbereiche for the latest complete year; the uncertainty analysis (Monte
Carlo over normalisation, aggregation and weights, 1,000 draws) gives each municipality's 90 % rank
interval, so that no reader mistakes a rank difference inside the noise for a difference.
"""

from __future__ import annotations

import pandas as pd

from ...errors import EstimationError, InputError
from ...texts import text
from ...vocabulary import LEBENSBEREICHE
from ..blocks import Block, ColumnSpec, Paragraph, Section
from ..context import ReportContext
from ..figures import hbars

MIN_COVERAGE = 0.8  # an indicator enters when at least 80 % of the municipalities have a value
N_DRAWS = 1000


def _t(key: str, **kw) -> str:
    return text("report", f"index.{key}", **kw)


def fitted_index(ctx: ReportContext):
    """(index, uncertainty, year) over all municipalities, computed once per dataset and year."""
    store = ctx.dataset.__dict__.setdefault("_index_cache", {})
    key = ctx.year
    if key in store:
        return store[key]
    from ...indicators.composite import CompositeIndex

    iv = ctx.dataset.indicator_values
    tv = iv[(iv["area_id"] == iv["municipality_id"]) & (iv["year"] <= ctx.year)]
    n_munis = ctx.municipalities["municipality_id"].nunique()
    reg = ctx.register_table
    usable = reg.loc[reg["polarity"] != 0, "indicator_id"]
    coverage = tv[tv["indicator_id"].isin(usable)].groupby(["year", "indicator_id"])["municipality_id"].nunique()
    good = coverage[coverage >= MIN_COVERAGE * n_munis].reset_index()
    if good.empty:
        raise EstimationError("no indicator is available for most municipalities")
    per_year = good.groupby("year")["indicator_id"].nunique()
    year = int(max(y for y, c in per_year.items() if c == per_year.max()))  # latest year with the best coverage
    ids = good.loc[good["year"] == year, "indicator_id"]
    meta = reg[reg["indicator_id"].isin(ids)]
    data = tv[(tv["year"] == year) & tv["indicator_id"].isin(ids)][["municipality_id", "indicator_id", "value"]]
    index = CompositeIndex(meta, imputation="median").fit(data)
    unc = index.uncertainty(n_draws=N_DRAWS, seed=ctx.params.comparison.seed)
    store[key] = (index, unc, year)
    return store[key]


def index_table(ctx: ReportContext, *, highlight: list[str] | None = None, name: str = "index_raenge") -> list[Block]:
    """The index's rank table for the highlighted municipalities and the top five."""
    try:
        index, unc, year = fitted_index(ctx)
    except (EstimationError, InputError) as err:
        return [Paragraph(_t("not_possible", reason=str(err).splitlines()[0]))]
    names = ctx.municipalities.set_index("municipality_id")["name"]
    r = unc.ranks.reset_index().rename(columns={"unit": "municipality_id"})
    r["score"] = r["municipality_id"].map(index.scores_)
    r["municipality"] = r["municipality_id"].map(names)
    highlight = highlight or [ctx.municipality_id]
    shown = r[r["municipality_id"].isin(highlight) | (r["rank"] <= 5)].sort_values("rank")
    caption = _t("caption", name=", ".join(names.get(h, h) for h in highlight))
    return [ctx.table_block(shown, caption, [
        ColumnSpec("municipality", _t("col_municipality")), ColumnSpec("score", _t("col_score"), "number"),
        ColumnSpec("rank", _t("col_rank"), "number", 0), ColumnSpec("rank_low", _t("col_rank_low"), "number", 0),
        ColumnSpec("rank_high", _t("col_rank_high"), "number", 0)], name=name, row_header="municipality")]


def index(ctx: ReportContext) -> Section:
    sec = Section(text("report", "chapters.index"))
    try:
        idx, unc, year = fitted_index(ctx)
    except (EstimationError, InputError) as err:
        return sec.add(Paragraph(_t("not_possible", reason=str(err).splitlines()[0])))
    p = idx.get_params()
    sec.add(Paragraph(_t("intro", n=len(idx.scores_), year=year, domains=idx.domain_scores_.shape[1],
                         normalisation=_t(f"method.{p['normalisation']}"), weights=_t(f"method.{p['weights']}"),
                         aggregation=_t(f"method.{p['aggregation']}"))))
    ranks = unc.ranks
    if ctx.municipality_id in ranks.index:
        row = ranks.loc[ctx.municipality_id]
        sec.add(Paragraph(_t("rank_text", name=ctx.name, rank=int(row["rank"]), n=len(ranks),
                             low=int(row["rank_low"]), high=int(row["rank_high"]))))
    sec.add(*index_table(ctx))
    dom = idx.domain_scores_
    if ctx.municipality_id in dom.index:
        d = pd.DataFrame({"domain": [LEBENSBEREICHE.get(c, c) for c in dom.columns],
                          "own": dom.loc[ctx.municipality_id].to_numpy(dtype=float),
                          "median": dom.median().to_numpy(dtype=float)})
        tbl = ctx.table_block(d, _t("domains_caption", name=ctx.name), [
            ColumnSpec("domain", _t("col_domain")), ColumnSpec("own", _t("col_own", name=ctx.name), "number"),
            ColumnSpec("median", _t("col_median"), "number")], name="index_lebensbereiche", row_header="domain")
        top = d.sort_values("own", ascending=False)["domain"].iloc[0]
        sec.add(ctx.figure_block(
            lambda ax: hbars(ax, d, label="domain", value="own", xlabel=_t("col_score")),
            alt=_t("domains_alt", name=ctx.name, n=len(d), top=top), caption=_t("domains_caption", name=ctx.name),
            table=tbl, height=max(3.0, 0.45 * len(d) + 1)))
    return sec
