"""Chapter "Netzwerk und Beteiligung": the network per wave (size, density, sector mix, the
coordination office's centrality, openness and stability), events, participation and trainings,
the measures inventory, and the Index-für-Inklusion self-assessment rounds (see :mod:`evaluation.process`)."""

from __future__ import annotations

import pandas as pd

from ...texts import text
from ...vocabulary import LEBENSBEREICHE, NETWORK_SECTORS, WIRKUNGSSTUFEN
from ..blocks import ColumnSpec, Paragraph, Section
from ..context import ReportContext, fmt_de
from ..figures import lines


def _t(key: str, **kw) -> str:
    return text("report", f"netzwerk.{key}", **kw)


def netzwerk(ctx: ReportContext) -> Section:
    sec = Section(text("report", "chapters.netzwerk"))
    sec.add(Paragraph(_t("intro")))
    sec.add(network_section(ctx))
    sec.add(participation_section(ctx))
    sec.add(measures_section(ctx))
    sec.add(index_section(ctx))
    return sec


def network_section(ctx: ReportContext) -> Section:
    from ...process.network import network_summary, network_turnover

    sub = Section(_t("network_heading"), level=3)
    edges = ctx.table("network_edges")
    if edges.empty:
        return sub
    summ = network_summary(edges).sort_values("wave").reset_index(drop=True)
    cross = next((c for c in summ.columns if "admin" in c and "civil" in c and "share" in c), None)
    if cross:
        summ["cross_pct"] = 100 * summ[cross]
    cols = [ColumnSpec("wave", _t("col_wave"), "number", 0), ColumnSpec("actors", _t("col_actors"), "number", 0),
            ColumnSpec("ties", _t("col_ties"), "number", 0), ColumnSpec("density", _t("col_density"), "number", 3),
            ColumnSpec("coordination_degree_centrality", _t("col_coordination"), "number", 2)]
    if cross:
        cols.append(ColumnSpec("cross_pct", _t("col_cross"), "number", 0))
    cols += [ColumnSpec(f"actors_{s}", label, "number", 0) for s, label in NETWORK_SECTORS.items() if f"actors_{s}" in summ.columns]
    tbl = ctx.table_block(summ, _t("network_caption"), [c for c in cols if c.name in summ.columns], name="netzwerk_wellen",
                          row_header="wave")
    long = pd.concat([summ[["wave"]].assign(sector=label, actors=summ[f"actors_{s}"])
                      for s, label in NETWORK_SECTORS.items() if f"actors_{s}" in summ.columns])
    waves = ", ".join(str(int(w)) for w in summ["wave"])
    sub.add(ctx.figure_block(
        lambda ax: lines(ax, long, x="wave", y="actors", group="sector", xlabel=_t("col_wave"), ylabel=_t("col_actors")),
        alt=_t("network_alt", waves=waves, first=int(summ["actors"].iloc[0]), last=int(summ["actors"].iloc[-1])),
        caption=_t("network_caption"), table=tbl))
    turn = network_turnover(edges)
    if not turn.empty:
        turn = turn.assign(period=turn["wave_from"].astype(int).astype(str) + "–" + turn["wave_to"].astype(int).astype(str))
        sub.add(ctx.table_block(turn, _t("turnover_caption"), [
            ColumnSpec("period", _t("col_period")), ColumnSpec("stayers", _t("col_stayers"), "number", 0),
            ColumnSpec("newcomers", _t("col_newcomers"), "number", 0), ColumnSpec("leavers", _t("col_leavers"), "number", 0),
            ColumnSpec("actor_jaccard", _t("col_jaccard"), "number", 2)], name="netzwerk_fluktuation", row_header="period"))
    return sub


def participation_section(ctx: ReportContext) -> Section:
    from ...process.participation import participation_summary

    sub = Section(_t("participation_heading"), level=3)
    events = ctx.table("events")
    if events.empty:
        return sub
    ps = participation_summary(events).sort_values("year").reset_index(drop=True)
    ps["share_pct"] = 100 * ps["share_with_disabilities"]
    trained = "participants_schulung" if "participants_schulung" in ps.columns else None
    counts = ["participants", "participants_with_disabilities"] + ([trained] if trained else [])
    published, flags = ctx.publish_counts(ps, counts, derived={"share_pct": "participants_with_disabilities"})
    cols = [ColumnSpec("year", _t("col_year"), "number", 0), ColumnSpec("events", _t("col_events"), "number", 0),
            ColumnSpec("participants", _t("col_participants"), "count"),
            ColumnSpec("participants_with_disabilities", _t("col_with_disabilities"), "count"),
            ColumnSpec("share_pct", _t("col_share_disabilities"), "number", 0)]
    if trained:
        cols.append(ColumnSpec(trained, _t("col_trained"), "count"))
    tbl = ctx.table_block(published, _t("participation_caption"), cols, name="beteiligung_jahre", row_header="year",
                          flags=flags)
    first, last = int(ps["year"].min()), int(ps["year"].max())
    return sub.add(ctx.figure_block(
        lambda ax: lines(ax, published, x="year", y="participants", xlabel=_t("col_year"), ylabel=_t("col_participants")),
        alt=_t("participation_alt", first=first, last=last, last_value=fmt_de(published["participants"].iloc[-1], 0)),
        caption=_t("participation_caption"), table=tbl))


def measures_section(ctx: ReportContext) -> Section:
    from ...process.measures import inventory_overview

    sub = Section(_t("measures_heading"), level=3)
    measures = ctx.table("measures")
    if measures.empty:
        return sub
    overview = inventory_overview(measures, dimensions=("status", "wirkungsstufe", "lebensbereich", "target_group"))
    labels = {"wirkungsstufe": lambda c: f"{int(float(c))} – {WIRKUNGSSTUFEN[int(float(c))]}" if str(c) not in ("nan", "<NA>") else "–",
              "lebensbereich": lambda c: LEBENSBEREICHE.get(str(c), str(c))}
    for dim in ("status", "wirkungsstufe", "lebensbereich", "target_group"):
        d = overview[overview["dimension"] == dim].copy()
        if d.empty:
            continue
        d["label"] = d["category"].map(labels.get(dim, str))
        d["share_pct"] = 100 * d["share"]
        sub.add(ctx.table_block(d, _t("measures_caption", dimension=_t(f"dim_{dim}")), [
            ColumnSpec("label", _t("col_category")), ColumnSpec("n", _t("col_count"), "number", 0),
            ColumnSpec("share_pct", _t("col_share"), "number", 0)], name=f"massnahmen_{dim}", row_header="label"))
    return sub


def index_section(ctx: ReportContext) -> Section:
    from ...process.index_inklusion import index_change

    sub = Section(_t("index_heading"), level=3)
    resp = ctx.table("index_responses")
    if resp.empty or resp["round"].nunique() < 2:
        return sub
    ch = index_change(resp)
    ch = ch.assign(agree_from=100 * ch["share_agree_from"], agree_to=100 * ch["share_agree_to"],
                   change=100 * ch["change_share_agree"])
    sub.add(Paragraph(_t("index_intro")))
    return sub.add(ctx.table_block(ch, _t("index_caption"), [
        ColumnSpec("area", _t("col_area")), ColumnSpec("theme", _t("col_theme")),
        ColumnSpec("agree_from", _t("col_agree_from"), "number", 0), ColumnSpec("agree_to", _t("col_agree_to"), "number", 0),
        ColumnSpec("change", _t("col_change"), "number", 0)], name="index_fuer_inklusion", row_header="theme"))
