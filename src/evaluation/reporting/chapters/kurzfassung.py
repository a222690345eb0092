"""Chapter "Kurzfassung": the key results in plain German, and the summary in Leichte Sprache."""

from __future__ import annotations

from ...texts import text
from ..blocks import Paragraph, Raw, Section
from ..context import ReportContext, fmt_de
from ..easy_language import easy_summary
from .wirkung import headline_estimates


def _t(key: str, **kw) -> str:
    return text("report", f"kurzfassung.{key}", **kw)


def latest_value(ctx: ReportContext, indicator_id: str) -> float | None:
    v = ctx.published_values
    v = v[(v["indicator_id"] == indicator_id) & (v["area_id"] == ctx.municipality_id)].dropna(subset=["value"])
    return None if v.empty else float(v.sort_values("year")["value"].iloc[-1])


def kurzfassung(ctx: ReportContext) -> Section:
    sec = Section(text("report", "chapters.kurzfassung"))
    sec.add(Paragraph(_t("intro", name=ctx.name, year=ctx.year, programme=ctx.params.programme.name,
                         start=ctx.programme_start)))
    a = ctx.attainment
    counts = {k: int((a["status"] == k).sum()) for k in ["achieved", "on_track", "off_track", "not_assessable"]} if not a.empty else {}
    if counts:
        sec.add(Paragraph(_t("targets", n=len(a), **counts)))
    measures = ctx.table("measures")
    if not measures.empty:
        sec.add(Paragraph(_t("measures", n=len(measures), running=int((measures["status"] == "laufend").sum()),
                             finished=int(measures["status"].isin(["abgeschlossen", "verstetigt"]).sum()))))
    for block in impact_sentences(ctx):
        sec.add(block)
    achieved = a.loc[a["status"] == "achieved", "name"].tolist() if not a.empty else []
    easy = easy_summary(name=ctx.name, programme=ctx.params.programme.name, start=ctx.programme_start,
                        status_counts=counts, achieved_example=achieved[0] if achieved else None,
                        n_measures=len(measures) or None, attitude_share=latest_value(ctx, "einstellung_inklusion"),
                        demo=ctx.demo)
    sec.add(Section(text("report", "chapters.leichte_sprache"), [Raw(easy.html())], level=3, anchor="leichte-sprache"))
    return sec


def impact_sentences(ctx: ReportContext) -> list[Paragraph]:
    """One sentence per headline impact estimate (from the Wirkungsschätzung chapter's results)."""
    out = []
    for row in headline_estimates(ctx).itertuples():
        verdict = _t("impact_clear") if (row.ci_low > 0 or row.ci_high < 0) else _t("impact_unclear")
        out.append(Paragraph(_t("impact", indicator=row.name, estimate=fmt_de(row.estimate), unit=row.unit_label,
                                low=fmt_de(row.ci_low), high=fmt_de(row.ci_high), verdict=verdict)))
    return out
