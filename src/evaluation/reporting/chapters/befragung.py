"""Chapter "Befragung": the weighted Bürgerbefragung by wave, changes between waves, the attitude
scale's reliability, and the participant questionnaires per measure. Renders ``bundle.survey`` and
``bundle.participants`` (raking, design-based intervals and the wave differences are computed in
:mod:`evaluation.analysis`); shares from fewer than ``analysis.min_respondents`` are flagged."""

from __future__ import annotations

from ...texts import section, text
from ..blocks import ColumnSpec, Paragraph, Section
from ..context import ReportContext, fmt_de
from ..figures import lines


def _t(key: str, **kw) -> str:
    return text("report", f"befragung.{key}", **kw)


def _flag(small) -> str:
    return _t("flag_small_n") if bool(small) else "–"


def befragung(bundle, sink=None) -> Section:
    ctx = ReportContext.of(bundle, sink)
    s = ctx.a.survey
    sec = Section(text("report", "chapters.befragung"))
    if s.error:
        sec.add(Paragraph(_t("not_available", reason=s.error)))
        return sec.add(participants_section(ctx))
    if not s.waves:
        sec.add(Paragraph(_t("no_survey", name=ctx.name)))
        return sec.add(participants_section(ctx))
    waves = ", ".join(map(str, s.waves))
    sec.add(Paragraph(_t("intro", name=ctx.name, waves=waves)))
    est = s.estimates.assign(note=s.estimates["small_n"].map(_flag))
    tbl = ctx.table_block(est, _t("items_caption"), [
        ColumnSpec("label", _t("col_item")), ColumnSpec("group", _t("col_group")), ColumnSpec("wave", _t("col_wave"), "number", 0),
        ColumnSpec("estimate", _t("col_estimate"), "number"), ColumnSpec("ci_low", text("report", "treppe.col_ci_low"), "number"),
        ColumnSpec("ci_high", text("report", "treppe.col_ci_high"), "number"), ColumnSpec("n", _t("col_n"), "count"),
        ColumnSpec("note", _t("col_small_n"))],
        name="befragung_ergebnisse", row_header="label")
    last = est[est["wave"] == max(s.waves)]
    summary = "; ".join(f"{r.label}: {fmt_de(r.estimate)} %" for r in last.itertuples())
    sec.add(ctx.figure_block(
        lambda ax: lines(ax, est, x="wave", y="estimate", group="item", lower="ci_low", upper="ci_high",
                         xlabel=_t("col_wave"), ylabel=_t("col_estimate"),
                         labels=section("report", "befragung.items_short")),
        alt=_t("items_alt", n=est["item"].nunique(), waves=waves, summary=summary),
        caption=_t("items_fig_caption"), table=tbl, height=5.0, values=["estimate"]))
    if est["small_n"].any():
        sec.add(Paragraph(_t("small_n_note", min=s.min_respondents)))
    if not s.differences.empty:
        d = s.differences.assign(significant_word=s.differences["significant"].map(
            lambda v: _t("answer_yes") if v else _t("answer_no")), note=s.differences["small_n"].map(_flag))
        sec.add(ctx.table_block(d, _t("diff_caption", first=int(d["first"].iloc[0]), last=int(d["last"].iloc[0])), [
            ColumnSpec("label", _t("col_item")), ColumnSpec("group", _t("col_group")),
            ColumnSpec("diff", _t("col_diff"), "number"),
            ColumnSpec("ci_low", text("report", "treppe.col_ci_low"), "number"),
            ColumnSpec("ci_high", text("report", "treppe.col_ci_high"), "number"),
            ColumnSpec("significant_word", _t("col_significant")), ColumnSpec("note", _t("col_small_n"))],
            name="befragung_veraenderung", row_header="label"))
    w = s.weights.assign(converged_word=s.weights["converged"].map(lambda v: _t("answer_yes") if v else _t("answer_no")))
    sec.add(ctx.table_block(w, _t("weights_caption"), [
        ColumnSpec("wave", _t("col_wave"), "number", 0), ColumnSpec("n", _t("col_n"), "count"),
        ColumnSpec("converged_word", _t("col_converged")), ColumnSpec("iterations", _t("col_iterations"), "number", 0),
        ColumnSpec("kish", _t("col_kish"), "number", 0)], name="befragung_gewichtung", row_header="wave"))
    sec.add(ctx.table_block(s.scale, _t("scale_caption"), [
        ColumnSpec("wave", _t("col_wave"), "number", 0), ColumnSpec("alpha", _t("col_alpha"), "number", 2),
        ColumnSpec("ci_low", text("report", "treppe.col_ci_low"), "number", 2),
        ColumnSpec("ci_high", text("report", "treppe.col_ci_high"), "number", 2), ColumnSpec("n", _t("col_n"), "count")],
        name="befragung_skala", row_header="wave"))
    sec.add(participants_section(ctx))
    return sec


def participants_section(ctx: ReportContext) -> Section:
    p = ctx.a.participants
    sub = Section(_t("participants_heading"), level=3)
    if p.error:
        return sub.add(Paragraph(text("report", "not_available", what=_t("participants_heading"), reason=p.error)))
    if p.table.empty:
        return sub
    sub.add(Paragraph(_t("participants_intro", min_n=p.min_n)))
    t = p.table.assign(note=p.table["small_n"].map(_flag)) if "small_n" in p.table else p.table.assign(note="–")
    flags = p.flags.reindex(columns=t.columns) if p.flags is not None and not p.flags.empty else None
    sub.add(ctx.table_block(t, _t("participants_caption"), [
        ColumnSpec("title", _t("col_measure")), ColumnSpec("n_respondents", _t("col_respondents"), "count"),
        ColumnSpec("reach", _t("col_reach"), "number", 0), ColumnSpec("acceptance", _t("col_acceptance"), "number", 0),
        ColumnSpec("benefit", _t("col_benefit"), "number", 0), ColumnSpec("note", _t("col_small_n"))],
        name="teilnehmende_massnahmen", row_header="title", flags=flags))
    if t["note"].ne("–").any():
        sub.add(Paragraph(_t("small_n_note", min=p.min_respondents)))
    return sub
