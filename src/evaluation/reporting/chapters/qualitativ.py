"""Chapter "Qualitative Befunde": coded interviews, workshop protocols and Sozialraum walks.

Prevalence per Lebensbereich (share of documents, Wilson interval) and codings per Wirkungsstufe
through the code book's mapping, intercoder agreement on the double-coded documents (segment
agreement as QDA tools compute it, and Cohen's kappa), code co-occurrence (Jaccard), pseudonymised
quotes, and the joint display beside the indicators' target status (see :mod:`evaluation.qualitative`).
Counts here are counts of documents and text segments, not of persons.
"""

from __future__ import annotations

import pandas as pd

from ...texts import text
from ...vocabulary import LEBENSBEREICHE, WIRKUNGSSTUFEN
from ..blocks import ColumnSpec, Paragraph, Section
from ..context import ReportContext, fmt_de
from ..figures import heatmap, hbars

PRIMARY_CODER = "A"
MAX_CODES_HEATMAP = 12


def _t(key: str, **kw) -> str:
    return text("report", f"qualitativ.{key}", **kw)


def material(ctx: ReportContext) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(sources, codings of all coders, codebook) of this municipality up to the report year."""
    path = ctx.dataset.folder / "qualitative" / "sources.csv"
    if not path.exists() or ctx.dataset.codings.empty:
        return pd.DataFrame(), pd.DataFrame(), pd.DataFrame()
    sources = ctx.dataset.extra("qualitative/sources.csv")
    sources = sources[(sources["municipality_id"] == ctx.municipality_id) & (sources["year"].astype(int) <= ctx.year)]
    codings = ctx.dataset.codings
    codings = codings[codings["source_id"].isin(set(sources["source_id"]))]
    return sources.reset_index(drop=True), codings.reset_index(drop=True), ctx.dataset.codebook


def qualitativ(ctx: ReportContext) -> Section:
    sec = Section(text("report", "chapters.qualitativ"))
    sources, codings, codebook = material(ctx)
    if codings.empty:
        return sec.add(Paragraph(_t("no_material", name=ctx.name)))
    primary = codings[codings["coder"] == PRIMARY_CODER] if (codings["coder"] == PRIMARY_CODER).any() else codings
    kinds = ", ".join(f"{n} {k}" for k, n in sources["kind"].value_counts().sort_index().items())
    sec.add(Paragraph(_t("intro")), Paragraph(_t("material", docs=len(sources), kinds=kinds, codings=len(primary))))
    sec.add(prevalence_block(ctx, primary, sources, codebook))
    sec.add(stufen_block(ctx, primary, codebook))
    sec.add(agreement_section(ctx, codings))
    sec.add(cooccurrence_block(ctx, primary, codebook))
    sec.add(quotes_section(ctx, primary, codebook))
    sec.add(joint_section(ctx, primary, sources, codebook))
    return sec


def prevalence_block(ctx, primary, sources, codebook):
    from ...qualitative.aggregate import prevalence

    p = prevalence(primary, sources, codebook, level="lebensbereich", by=("municipality_id",))
    p = p.assign(label=p["lebensbereich"].map(lambda x: LEBENSBEREICHE.get(str(x), str(x))),
                 share_pct=100 * p["share"], ci_low_pct=100 * p["ci_low"], ci_high_pct=100 * p["ci_high"])
    p = p.sort_values("share", ascending=False).reset_index(drop=True)
    tbl = ctx.table_block(p, _t("prevalence_caption"), [
        ColumnSpec("label", _t("col_lebensbereich")), ColumnSpec("k_units", _t("col_documents"), "number", 0),
        ColumnSpec("share_pct", _t("col_share"), "number", 0),
        ColumnSpec("ci_low_pct", text("report", "treppe.col_ci_low"), "number", 0),
        ColumnSpec("ci_high_pct", text("report", "treppe.col_ci_high"), "number", 0)], name="qualitativ_praevalenz",
        row_header="label")
    return ctx.figure_block(
        lambda ax: hbars(ax, p, label="label", value="share_pct", lower="ci_low_pct", upper="ci_high_pct",
                         xlabel=_t("col_share")),
        alt=_t("prevalence_alt", top=", ".join(p["label"].head(3))), caption=_t("prevalence_caption"), table=tbl,
        height=max(3.0, 0.45 * len(p) + 1))


def stufen_block(ctx, primary, codebook):
    from ...qualitative.aggregate import code_frequencies

    f = code_frequencies(primary, ctx.dataset.extra("qualitative/sources.csv"), codebook, by=("municipality_id",),
                         level="wirkungsstufe")
    count_col = "segments"
    f = f.assign(label=f["wirkungsstufe"].map(lambda s: f"{int(float(s))} – {WIRKUNGSSTUFEN[int(float(s))]}"
                                               if pd.notna(s) else "–"))
    f = f.sort_values("wirkungsstufe").reset_index(drop=True)
    return ctx.table_block(f, _t("stufen_caption"), [ColumnSpec("label", _t("col_stufe")),
                                                      ColumnSpec(count_col, _t("col_codings"), "number", 0),
                                                      ColumnSpec("documents", _t("col_documents"), "number", 0)],
                           name="qualitativ_stufen", row_header="label")


def agreement_section(ctx, codings) -> Section:
    from ...qualitative.agreement import segment_agreement

    sub = Section(_t("agreement_heading"), level=3)
    coders = sorted(codings["coder"].dropna().unique())
    if len(coders) < 2:
        return sub
    by_doc = codings.groupby("source_id")["coder"].nunique()
    double = by_doc[by_doc >= 2].index
    if len(double) == 0:
        return sub
    sa = segment_agreement(codings[codings["source_id"].isin(double)], coders[0], coders[1], min_overlap=0.9)
    overall = sa.overall if isinstance(sa.overall, float) else getattr(sa.overall, "estimate", float("nan"))
    kappa = sa.kappa if isinstance(sa.kappa, float) else getattr(sa.kappa, "estimate", float("nan"))
    sub.add(Paragraph(_t("agreement_text", n_docs=len(double), overlap=90, agreement=fmt_de(100 * overall, 0),
                         kappa=fmt_de(kappa, 2))))
    return sub


def cooccurrence_block(ctx, primary, codebook):
    from ...qualitative.cooccurrence import cooccurrence

    top = primary["code_id"].value_counts().head(MAX_CODES_HEATMAP).index.tolist()
    co = cooccurrence(primary, mode="overlap", codes=top)
    names = codebook.set_index("code_id")["name"]
    co = co.assign(name_a=co["code_a"].map(names), name_b=co["code_b"].map(names))
    matrix = co.pivot_table(index="name_a", columns="name_b", values="jaccard", aggfunc="first")
    order = [names.get(c, c) for c in top]
    matrix = matrix.reindex(index=order, columns=order)
    pairs = co[co["code_a"] < co["code_b"]].sort_values("jaccard", ascending=False)
    pair = f"{pairs['name_a'].iloc[0]} und {pairs['name_b'].iloc[0]}" if len(pairs) else "–"
    tbl = ctx.table_block(pairs[pairs["count"] > 0], _t("cooc_caption"), [
        ColumnSpec("name_a", _t("col_code_a")), ColumnSpec("name_b", _t("col_code_b")),
        ColumnSpec("count", _t("col_codings"), "number", 0), ColumnSpec("jaccard", _t("col_jaccard"), "number", 2)],
        name="qualitativ_kookkurrenz")
    return ctx.figure_block(lambda ax: heatmap(ax, matrix.fillna(0.0), cbar_label=_t("col_jaccard")),
                            alt=_t("cooc_alt", n=len(order), pair=pair), caption=_t("cooc_caption"), table=tbl,
                            width=8.0, height=6.5)


def quotes_section(ctx, primary, codebook) -> Section:
    from ...qualitative.quotes import select_quotes

    sub = Section(_t("quotes_heading"), level=3)
    top = primary["code_id"].value_counts().head(5).index.tolist()
    q = select_quotes(primary, per_code=1, codes=top, names=demo_names(ctx))
    if q.empty:
        return sub
    names = codebook.set_index("code_id")["name"]
    q = q.assign(code=q["code_id"].map(names))
    return sub.add(ctx.table_block(q, _t("quotes_heading"), [ColumnSpec("code", _t("col_code")),
                                                             ColumnSpec("text", _t("col_quote"))],
                                   name="qualitativ_zitate", row_header="code"))


def demo_names(ctx: ReportContext) -> list[str]:
    """Person names to replace in quotes (besides e-mail addresses and phone numbers).

    A team lists them in ``qualitative/person_names.txt`` of its data folder (one per line, ``#``
    comments); for the Musterdaten the generator's fictional first and last names are used.
    """
    path = ctx.dataset.folder / "qualitative" / "person_names.txt"
    names: list[str] = []
    if path.exists():
        names += [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
                  if line.strip() and not line.startswith("#")]
    elif ctx.dataset.is_synthetic:
        from ...demo.texts import FIRST_NAMES, LAST_NAMES

        names += list(FIRST_NAMES) + list(LAST_NAMES)
    return names


def joint_section(ctx, primary, sources, codebook) -> Section:
    from ...qualitative.joint_display import joint_display

    sub = Section(_t("joint_heading"), level=3)
    a = ctx.attainment
    if a.empty:
        return sub
    indicators = a[["indicator_id", "name", "lebensbereich", "wirkungsstufe", "status_label", "latest"]].rename(
        columns={"status_label": "status", "latest": "value"})
    jd = joint_display(indicators, primary, sources, codebook, names=demo_names(ctx))
    jd = jd[(jd["n_indicators"] > 0) | (jd["n_documents"] > 0)].copy()
    jd["document_pct"] = 100 * jd["document_share"]
    return sub.add(ctx.table_block(jd, _t("joint_caption"), [
        ColumnSpec("lebensbereich_label", _t("col_lebensbereich")), ColumnSpec("wirkungsstufe_label", _t("col_stufe")),
        ColumnSpec("indicators", _t("col_indicators")), ColumnSpec("codes", _t("col_codes")),
        ColumnSpec("document_pct", _t("col_share"), "number", 0), ColumnSpec("quote", _t("col_quote"))],
        name="qualitativ_joint_display"))
