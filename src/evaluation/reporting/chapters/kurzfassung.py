"""Chapter "Kurzfassung": the key results in plain German, and the summary in Leichte Sprache.

Every number comes from the analysis bundle (the same fields the other chapters show): target
status counts from ``targets.counts``, measures from ``process``, effects and their verdicts from
``effects.table``; diagnostics that failed are named here too.
"""

from __future__ import annotations

from ...texts import text
from ..blocks import Notice, Paragraph, Raw, Section
from ..context import ReportContext, fmt_de
from ..easy_language import easy_summary
from .wirkung import reasons_text, verdict_label


def _t(key: str, **kw) -> str:
    return text("report", f"kurzfassung.{key}", **kw)


def kurzfassung(bundle, sink=None) -> Section:
    ctx = ReportContext.of(bundle, sink)
    a = ctx.a
    sec = Section(text("report", "chapters.kurzfassung"))
    sec.add(Paragraph(_t("intro", name=ctx.name, year=ctx.year, programme=a.meta.programme, start=ctx.programme_start)))
    counts = a.targets.counts if not a.targets.error else {}
    if counts and sum(counts.values()):
        sec.add(Paragraph(_t("targets", n=sum(counts.values()), **counts)))
    p = a.process
    if not p.error and p.n_measures:
        sec.add(Paragraph(_t("measures_all", n=p.n_measures, running=p.n_running, finished=p.n_finished,
                             cancelled=p.n_cancelled, planned=p.n_planned)))
    for block in impact_sentences(ctx):
        sec.add(block)
    achieved = []
    if not a.targets.error and not a.targets.table.empty:
        achieved = a.targets.table.loc[a.targets.table["status"] == "achieved", "name"].tolist()
    attitude = a.indicators.latest("einstellung_inklusion") if not a.indicators.error else None
    easy = easy_summary(name=ctx.name, programme=a.meta.programme, start=ctx.programme_start,
                        status_counts=counts, achieved_example=achieved[0] if achieved else None,
                        n_measures=p.n_measures or None, attitude_share=attitude, demo=ctx.demo)
    sec.add(Section(text("report", "chapters.leichte_sprache"), [Raw(easy.html())], level=3, anchor="leichte-sprache"))
    return sec


def impact_sentences(ctx: ReportContext) -> list:
    """One sentence per headline effect with its verdict; failed diagnostics named."""
    a = ctx.a
    if a.effects.error:
        return [Paragraph(_t("no_effects", reason=a.effects.error))]
    out: list = []
    c = a.comparison
    if c.balance_passed is False:
        out.append(Notice(_t("balance_failed", n=c.n_unbalanced, total=len(c.balance)), kind="caveat"))
    for row in a.effects.headline().itertuples():
        out.append(Paragraph(_t("impact_verdict", indicator=row.name, estimate=fmt_de(row.estimate, 2),
                                unit=row.unit_label, low=fmt_de(row.ci_low, 2), high=fmt_de(row.ci_high, 2),
                                direction=text("report", f"wirkung.direction.{row.direction}"),
                                verdict=verdict_label(row.verdict))))
        if row.reasons:
            key = "impact_reasons" if row.verdict == "not_interpretable" else "impact_caveats"
            out.append(Paragraph(_t(key, reasons=reasons_text(row.reasons))))
    return out
