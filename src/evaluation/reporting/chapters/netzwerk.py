"""Chapter "Netzwerk und Beteiligung": the network per wave (size, density, sector mix, the
coordination office's centrality, openness and stability), events, participation and trainings,
the measures inventory (every status, cancelled measures included), and the Index-für-Inklusion
self-assessment rounds. Renders ``bundle.process``."""

from __future__ import annotations

import pandas as pd

from ...texts import text
from ...vocabulary import NETWORK_SECTORS
from ..blocks import ColumnSpec, Paragraph, Section
from ..context import ReportContext, fmt_de, unavailable
from ..figures import lines


def _t(key: str, **kw) -> str:
    return text("report", f"netzwerk.{key}", **kw)


def netzwerk(bundle, sink=None) -> Section:
    ctx = ReportContext.of(bundle, sink)
    sec = Section(text("report", "chapters.netzwerk"))
    sec.add(Paragraph(_t("intro")))
    if ctx.a.process.error:
        return sec.add(unavailable(ctx.a.process, text("report", "chapters.netzwerk")))
    sec.add(network_section(ctx))
    sec.add(participation_section(ctx))
    sec.add(measures_section(ctx))
    sec.add(index_section(ctx))
    return sec


def network_section(ctx: ReportContext) -> Section:
    p = ctx.a.process
    sub = Section(_t("network_heading"), level=3)
    summ = p.network
    if summ.empty:
        return sub
    cols = [ColumnSpec("wave", _t("col_wave"), "number", 0), ColumnSpec("actors", _t("col_actors"), "number", 0),
            ColumnSpec("ties", _t("col_ties"), "number", 0), ColumnSpec("density", _t("col_density"), "number", 3),
            ColumnSpec("coordination_degree_centrality", _t("col_coordination"), "number", 2),
            ColumnSpec("cross_pct", _t("col_cross"), "number", 0)]
    cols += [ColumnSpec(f"actors_{s}", label, "number", 0) for s, label in NETWORK_SECTORS.items() if f"actors_{s}" in summ.columns]
    tbl = ctx.table_block(summ, _t("network_caption"), [c for c in cols if c.name in summ.columns], name="netzwerk_wellen",
                          row_header="wave")
    frames = [summ[["wave"]].assign(sector=label, actors=summ[f"actors_{s}"])
              for s, label in NETWORK_SECTORS.items() if f"actors_{s}" in summ.columns]
    long = pd.concat(frames) if frames else summ[["wave", "actors"]].assign(sector=_t("col_actors"))
    waves = ", ".join(str(int(w)) for w in summ["wave"])
    sub.add(ctx.figure_block(
        lambda ax: lines(ax, long, x="wave", y="actors", group="sector", xlabel=_t("col_wave"), ylabel=_t("col_actors")),
        alt=_t("network_alt", waves=waves, first=int(summ["actors"].iloc[0]), last=int(summ["actors"].iloc[-1])),
        caption=_t("network_caption"), table=tbl, values=["actors"]))
    if not p.turnover.empty:
        sub.add(ctx.table_block(p.turnover, _t("turnover_caption"), [
            ColumnSpec("period", _t("col_period")), ColumnSpec("stayers", _t("col_stayers"), "number", 0),
            ColumnSpec("newcomers", _t("col_newcomers"), "number", 0), ColumnSpec("leavers", _t("col_leavers"), "number", 0),
            ColumnSpec("actor_jaccard", _t("col_jaccard"), "number", 2)], name="netzwerk_fluktuation", row_header="period"))
    return sub


def participation_section(ctx: ReportContext) -> Section:
    p = ctx.a.process
    sub = Section(_t("participation_heading"), level=3)
    published = p.participation
    if published.empty:
        return sub
    cols = [ColumnSpec("year", _t("col_year"), "number", 0), ColumnSpec("events", _t("col_events"), "number", 0),
            ColumnSpec("participants", _t("col_participants"), "count"),
            ColumnSpec("participants_with_disabilities", _t("col_with_disabilities"), "count"),
            ColumnSpec("share_pct", _t("col_share_disabilities"), "number", 0)]
    if "participants_schulung" in published.columns:
        cols.append(ColumnSpec("participants_schulung", _t("col_trained"), "count"))
    tbl = ctx.table_block(published, _t("participation_caption"), cols, name="beteiligung_jahre", row_header="year",
                          flags=p.participation_flags)
    first, last = int(published["year"].min()), int(published["year"].max())
    return sub.add(ctx.figure_block(
        lambda ax: lines(ax, published, x="year", y="participants", xlabel=_t("col_year"), ylabel=_t("col_participants")),
        alt=_t("participation_alt", first=first, last=last, last_value=fmt_de(published["participants"].iloc[-1], 0)),
        caption=_t("participation_fig_caption"), table=tbl, values=["participants"]))


def measures_section(ctx: ReportContext) -> Section:
    p = ctx.a.process
    sub = Section(_t("measures_heading"), level=3)
    if p.measures.empty:
        return sub
    for dim in ("status", "wirkungsstufe", "lebensbereich", "target_group"):
        d = p.measures[p.measures["dimension"] == dim]
        if d.empty:
            continue
        sub.add(ctx.table_block(d, _t("measures_caption", dimension=_t(f"dim_{dim}")), [
            ColumnSpec("label", _t("col_category")), ColumnSpec("n", _t("col_count"), "number", 0),
            ColumnSpec("share_pct", _t("col_share"), "number", 0)], name=f"massnahmen_{dim}", row_header="label"))
    return sub


def index_section(ctx: ReportContext) -> Section:
    ch = ctx.a.process.index_inklusion
    sub = Section(_t("index_heading"), level=3)
    if ch.empty:
        return sub
    sub.add(Paragraph(_t("index_intro")))
    if "area_name" in ch.columns:  # "A – Inklusive Kulturen schaffen" instead of a bare letter
        ch = ch.assign(area=[f"{a} – {n}" if isinstance(n, str) and n else str(a)
                             for a, n in zip(ch["area"], ch["area_name"])])
    return sub.add(ctx.table_block(ch, _t("index_caption"), [
        ColumnSpec("area", _t("col_area")), ColumnSpec("theme", _t("col_theme")),
        ColumnSpec("agree_from", _t("col_agree_from"), "number", 0), ColumnSpec("agree_to", _t("col_agree_to"), "number", 0),
        ColumnSpec("change", _t("col_change"), "number", 0)], name="index_fuer_inklusion", row_header="theme",
        note=_t("index_theme_note")))
