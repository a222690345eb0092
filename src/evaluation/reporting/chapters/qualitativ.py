"""Chapter "Qualitative Befunde": coded interviews, workshop protocols and Sozialraum walks.

Renders ``bundle.qualitative``: prevalence per Lebensbereich (share of documents, Wilson interval),
codings per Wirkungsstufe, intercoder agreement, code co-occurrence (Jaccard; no heat map when no
two codes co-occur), pseudonymised quotes and the joint display beside the indicators' target
status. Counts here are counts of documents and text segments, not of persons.
"""

from __future__ import annotations

from ...texts import section, text
from ..blocks import ColumnSpec, Paragraph, Section, count_noun
from ..context import ReportContext, fmt_de, unavailable
from ..figures import hbars, heatmap


def _t(key: str, **kw) -> str:
    return text("report", f"qualitativ.{key}", **kw)


def qualitativ(bundle, sink=None) -> Section:
    ctx = ReportContext.of(bundle, sink)
    q = ctx.a.qualitative
    sec = Section(text("report", "chapters.qualitativ"))
    if q.error:
        return sec.add(unavailable(q, text("report", "chapters.qualitativ")))
    if not q.n_codings:
        return sec.add(Paragraph(_t("no_material", name=ctx.name)))
    kinds = ", ".join(count_noun(n, k) if k in section("report", "nouns") else f"{n} {k}" for k, n in q.kinds.items())
    sec.add(Paragraph(_t("intro")), Paragraph(_t("material", docs=q.n_documents, kinds=kinds, codings=q.n_codings)))
    sec.add(prevalence_block(ctx))
    sec.add(ctx.table_block(q.stufen, _t("stufen_caption"), [ColumnSpec("label", _t("col_stufe")),
                                                             ColumnSpec("segments", _t("col_codings"), "number", 0),
                                                             ColumnSpec("documents", _t("col_documents"), "number", 0)],
                            name="qualitativ_stufen", row_header="label"))
    sec.add(agreement_section(ctx))
    sec.add(cooccurrence_block(ctx))
    sec.add(quotes_section(ctx))
    sec.add(joint_section(ctx))
    return sec


def prevalence_block(ctx: ReportContext):
    p = ctx.a.qualitative.prevalence
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
        height=max(3.0, 0.45 * len(p) + 1), values=["share_pct"])


def agreement_section(ctx: ReportContext) -> Section:
    g = ctx.a.qualitative.agreement
    sub = Section(_t("agreement_heading"), level=3)
    if not g:
        return sub
    return sub.add(Paragraph(_t("agreement_text", n_docs=g["n_docs"], overlap=fmt_de(g["overlap"], 0),
                                agreement=fmt_de(g["agreement"], 0), kappa=fmt_de(g["kappa"], 2))))


def cooccurrence_block(ctx: ReportContext):
    q = ctx.a.qualitative
    pairs = q.cooccurrence
    shown = pairs[pairs["count"] > 0].reset_index(drop=True) if not pairs.empty else pairs
    if not q.cooccurrence_any or shown.empty:
        return Paragraph(_t("cooc_none", n=len(q.cooccurrence_codes),
                            mode=_t(f"cooc_mode.{q.cooccurrence_mode}")))
    tbl = ctx.table_block(shown, _t("cooc_caption"), [
        ColumnSpec("name_a", _t("col_code_a")), ColumnSpec("name_b", _t("col_code_b")),
        ColumnSpec("count", _t("col_codings"), "number", 0), ColumnSpec("jaccard", _t("col_jaccard"), "number", 2)],
        name="qualitativ_kookkurrenz")
    top = shown.iloc[0]
    order = q.cooccurrence_codes
    full = pairs.pivot_table(index="name_a", columns="name_b", values="jaccard", aggfunc="first")
    matrix = full.combine_first(full.T).reindex(index=order, columns=order).fillna(0.0)
    return ctx.figure_block(lambda ax: heatmap(ax, matrix, cbar_label=_t("col_jaccard")),
                            alt=_t("cooc_alt_t", n=len(order), pair=f"{top['name_a']} und {top['name_b']}",
                                   jaccard=fmt_de(top["jaccard"], 2)),
                            caption=_t("cooc_caption"), table=tbl, width=8.0, height=6.5)


def quotes_section(ctx: ReportContext) -> Section:
    q = ctx.a.qualitative.quotes
    sub = Section(_t("quotes_heading"), level=3)
    if q.empty:
        return sub
    cols = [ColumnSpec("code", _t("col_code")), ColumnSpec("text", _t("col_quote"))]
    if "source_label" in q.columns:
        cols.append(ColumnSpec("source_label", _t("col_quote_source")))
    return sub.add(ctx.table_block(q, _t("quotes_heading"), cols, name="qualitativ_zitate", row_header="code",
                                   note=_t("quotes_note")))


def joint_section(ctx: ReportContext) -> Section:
    jd = ctx.a.qualitative.joint
    sub = Section(_t("joint_heading"), level=3)
    if jd.empty:
        return sub
    return sub.add(ctx.table_block(jd, _t("joint_caption"), [
        ColumnSpec("lebensbereich_label", _t("col_lebensbereich")), ColumnSpec("wirkungsstufe_label", _t("col_stufe")),
        ColumnSpec("indicators", _t("col_indicators")), ColumnSpec("codes", _t("col_codes")),
        ColumnSpec("document_pct", _t("col_share"), "number", 0), ColumnSpec("quote", _t("col_quote"))]
        + ([ColumnSpec("agreement", _t("col_agreement"))] if "agreement" in jd.columns else []),
        name="qualitativ_joint_display", note=_t("agreement_note") if "agreement" in jd.columns else None))
