"""The planning report (Wirkungsorientierte Planung): renders a :class:`~evaluation.planning.plan.MunicipalityPlan`.

Every number comes from the plan (:func:`evaluation.planning.plan.plan_municipality`); this module
only words and lays it out (German text in ``texts/planning.yaml``), with the accessible blocks of
:mod:`evaluation.reporting.blocks`: tables with captions and headers, the figure with its text
alternative and data table, the Musterdaten notice at the top (the page template adds it to every
printed page). No estimator is called here.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ..texts import text
from .blocks import BulletList, ColumnSpec, Figure, Notice, Paragraph, Section, Table, TableSink, format_number
from .figures import OKABE_ITO, TEXT_COLOUR

VERDICT_ORDER = ("detectable", "not_detectable", "reachable_without_effect", "not_assessable")
MARKERS = {"detectable": "o", "not_detectable": "s", "reachable_without_effect": "^", "not_assessable": "D"}


def _t(key: str, **kw: Any) -> str:
    return text("planning", key, **kw)


def _num(x: Any, decimals: int = 1) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    return format_number(float(x), decimals)


def unit_label(unit: str) -> str:
    """Unit of an effect: shares move in Prozentpunkte."""
    return text("report", "units.percentage_points") if unit == "percent" else text("report", f"units.{unit}")


def _finite(frame: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    out = frame.copy()
    for c in cols:
        out[c] = pd.to_numeric(out[c], errors="coerce").where(np.isfinite(pd.to_numeric(out[c], errors="coerce")))
    return out


def demo_notice(plan) -> Notice | None:
    return Notice(_t("intro.demo"), kind="demo") if plan.demo else None


def title(plan) -> str:
    return _t("document.title", year=plan.year, name=plan.name)


def intro(plan) -> Section:
    sec = Section(_t("chapters.intro"))
    sec.add(demo_notice(plan))
    first = plan.indicators["n_pre"].dropna()
    first_year = plan.programme_start - int(first.max()) if len(first) else plan.programme_start
    try:
        rule = _t(f"intro.pool_rules.{plan.pool.rule}")
    except KeyError:
        rule = plan.pool.rule
    sec.add(Paragraph(_t("intro.text", name=plan.name, power=_num(100 * plan.power, 0), first_year=first_year,
                         n_pool=len(plan.pool.ids), pool_rule=rule)))
    return sec


def _target_rows(plan) -> pd.DataFrame:
    t = plan.indicators[plan.indicators["target"].notna()].copy()
    if t.empty:
        return t
    t["unit_label"] = t["unit"].map(unit_label)
    t["verdict_label"] = t["verdict"].map(lambda v: _t(f"verdicts.{v}"))
    t["probability_pct"] = 100 * pd.to_numeric(t["probability"], errors="coerce")
    t = _finite(t, ["baseline", "target", "projection", "projection_low", "projection_high", "probability_pct",
                    "needed_effect", "mde"])
    t["target_year"] = [str(int(y)) if pd.notna(y) else "–" for y in t["target_year"]]
    t["projection_interval"] = [_t("targets.interval", low=_num(a), high=_num(b)) if pd.notna(a) and pd.notna(b)
                                else "–" for a, b in zip(t["projection_low"], t["projection_high"])]
    return t.reset_index(drop=True)


def targets(plan, sink: TableSink | None = None) -> Section:
    sec = Section(_t("chapters.targets"))
    sec.add(demo_notice(plan))
    t = _target_rows(plan)
    if t.empty:
        return sec.add(Paragraph(_t("targets.none", name=plan.name)))
    counts = t["verdict"].value_counts()
    sec.add(Paragraph(_t("targets.intro")))
    sec.add(Paragraph(_t("targets.summary", n=len(t), detectable=int(counts.get("detectable", 0)),
                         not_detectable=int(counts.get("not_detectable", 0)),
                         reachable=int(counts.get("reachable_without_effect", 0)),
                         not_assessable=int(counts.get("not_assessable", 0)))))
    table = Table(t, _t("targets.caption", name=plan.name), [
        ColumnSpec("name", _t("targets.col_indicator")),
        ColumnSpec("baseline", _t("targets.col_baseline"), "number"),
        ColumnSpec("target", _t("targets.col_target"), "number"),
        ColumnSpec("target_year", _t("targets.col_target_year")),
        ColumnSpec("projection", _t("targets.col_projection"), "number"),
        ColumnSpec("projection_interval", _t("targets.col_projection_interval")),
        ColumnSpec("probability_pct", _t("targets.col_probability"), "number", 0),
        ColumnSpec("needed_effect", _t("targets.col_needed"), "number", 2),
        ColumnSpec("mde", _t("targets.col_mde"), "number", 2),
        ColumnSpec("unit_label", _t("targets.col_unit")),
        ColumnSpec("verdict_label", _t("targets.col_verdict"))],
        name="planung_ziele", sink=sink, row_header="name", note=_t("targets.note"))
    sec.add(table)
    sec.add(BulletList([f"{r.name}: {r.verdict_label}. {_t(f'verdict_explain.{r.verdict}')}" for r in t.itertuples()]))
    sec.add(ratio_figure(plan, t, sink))
    return sec


def ratio_figure(plan, t: pd.DataFrame, sink: TableSink | None = None):
    """Needed effect / MDE per target (1 = the threshold of detectability), or a sentence when none."""
    d = t[(t["needed_effect"] > 0) & (t["mde"] > 0)].copy()
    if d.empty:
        return Paragraph(_t("targets.figure_none"))
    d["ratio"] = d["needed_effect"] / d["mde"]
    d = d.sort_values("ratio").reset_index(drop=True)
    table = Table(d, _t("targets.figure_caption"), [
        ColumnSpec("name", _t("targets.col_indicator")), ColumnSpec("needed_effect", _t("targets.col_needed"), "number", 2),
        ColumnSpec("mde", _t("targets.col_mde"), "number", 2), ColumnSpec("unit_label", _t("targets.col_unit")),
        ColumnSpec("ratio", _t("targets.col_ratio"), "number", 2), ColumnSpec("verdict_label", _t("targets.col_verdict"))],
        name="planung_ziele_abbildung", sink=sink, row_header="name")
    items = " ".join(_t("targets.figure_item", name=r.name, ratio=_num(r.ratio, 2), verdict=r.verdict_label) + "."
                     for r in d.itertuples())
    alt = _t("targets.figure_alt", n=len(d), name=plan.name, items=items)
    present = [v for v in VERDICT_ORDER if v in set(d["verdict"])]

    def draw(ax):
        ypos = np.arange(len(d))[::-1]
        for v in present:
            m = (d["verdict"] == v).to_numpy()
            colour = OKABE_ITO[VERDICT_ORDER.index(v)]
            ax.scatter(d.loc[m, "ratio"], ypos[m], marker=MARKERS[v], color=colour, s=60, label=_t(f"verdicts.{v}"),
                       edgecolors=TEXT_COLOUR, linewidths=0.5, zorder=3)
        ax.axvline(1.0, color=TEXT_COLOUR, linestyle="--", linewidth=1)
        ax.set_yticks(ypos)
        ax.set_yticklabels(list(d["name"]), fontsize=9)
        ax.set_xlabel(_t("targets.figure_xlabel"))
        ax.set_xlim(0, max(1.5, float(d["ratio"].max()) * 1.1))
        from matplotlib.ticker import FuncFormatter

        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: format_number(float(x), 1)))
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=len(present), fontsize=8, frameon=False)

    return Figure(draw=draw, alt=alt, caption=_t("targets.figure_caption"), table=table,
                  height=max(3.0, 0.45 * len(d) + 2.0))


def mde_table(plan, sink: TableSink | None = None) -> Section:
    sec = Section(_t("chapters.mde"))
    sec.add(demo_notice(plan))
    m = plan.indicators[plan.indicators["mde"].notna() & np.isfinite(plan.indicators["mde"].astype(float))].copy()
    if m.empty:
        return sec.add(Paragraph(_t("mde.none")))
    sec.add(Paragraph(_t("mde.intro", power=_num(100 * plan.power, 0))))
    m["unit_label"] = m["unit"].map(unit_label)
    m["kind_label"] = m["mde_kind"].map(lambda k: _t(f"mde.kind_{k}") if k in ("panel", "survey") else "")
    m["years"] = [f"{int(a)} / {int(b)}" if pd.notna(a) and pd.notna(b) else "–"
                  for a, b in zip(m["n_pre"], m["n_post"])]
    m = _finite(m, ["mde", "mde_low", "mde_high", "closed_form"])
    m = m.sort_values(["mde_kind", "name"]).reset_index(drop=True)
    sec.add(Table(m, _t("mde.caption", name=plan.name), [
        ColumnSpec("name", _t("mde.col_indicator")), ColumnSpec("mde", _t("mde.col_mde"), "number", 2),
        ColumnSpec("mde_low", _t("mde.col_mde_low"), "number", 2), ColumnSpec("mde_high", _t("mde.col_mde_high"), "number", 2),
        ColumnSpec("closed_form", _t("mde.col_formula"), "number", 2), ColumnSpec("unit_label", _t("mde.col_unit")),
        ColumnSpec("kind_label", _t("mde.col_kind")), ColumnSpec("years", _t("mde.col_years")),
        ColumnSpec("n_comparison", _t("mde.col_n_comparison"), "number", 0)],
        name="planung_mde", sink=sink, row_header="name", note=_t("mde.note", power=_num(100 * plan.power, 0))))
    return sec


def areas(plan, sink: TableSink | None = None) -> Section:
    sec = Section(_t("chapters.areas"))
    sec.add(demo_notice(plan))
    a = plan.areas
    if a.empty or "mde" not in a:
        return sec.add(Paragraph(_t("areas.none", name=plan.name)))
    a = _finite(a.copy(), ["mde", "town_mde", "closed_form"])
    a["label"] = a["name"] + " (" + a["unit"].map(unit_label) + ")"
    name_col = "area_name" if "area_name" in a else "area_id"
    sec.add(Paragraph(_t("areas.intro")))
    sec.add(Table(a.reset_index(drop=True), _t("areas.caption", name=plan.name), [
        ColumnSpec("label", _t("areas.col_indicator")), ColumnSpec(name_col, _t("areas.col_area")),
        ColumnSpec("mde", _t("areas.col_mde"), "number", 1), ColumnSpec("closed_form", _t("areas.col_formula"), "number", 1),
        ColumnSpec("town_mde", _t("areas.col_town"), "number", 1)], name="planung_sozialraeume", sink=sink))
    return sec


def survey(plan, sink: TableSink | None = None) -> Section:
    sec = Section(_t("chapters.survey"))
    sec.add(demo_notice(plan))
    s = plan.survey
    if s.empty:
        return sec.add(Paragraph(_t("survey.none", name=plan.name)))
    sec.add(Paragraph(_t("survey.intro", wave=int(s["wave"].iloc[0]), half_width=_num(s["half_width"].iloc[0], 0))))
    ind = plan.survey_focus or str(s["indicator_id"].iloc[0])
    sub = s[s["indicator_id"] == ind].copy()
    sub["share_pct"] = 100 * sub["share"]
    sub = _finite(sub, ["share_pct", "deff_used", "kish_deff", "precision_now", "mde", "mde_needed"])
    label = sub["name"].iloc[0] if "name" in sub else ind
    subgroup = str(sub["subgroup"].iloc[0]) if "subgroup" in sub else "all"
    sec.add(Paragraph(_t("survey.which", indicator=label) + " " + _t(f"survey.subgroup.{subgroup}")))
    area_col = "area_name" if "area_name" in sub else "area_id"
    sec.add(Table(sub.reset_index(drop=True), _t("survey.caption", indicator=label), [
        ColumnSpec(area_col, _t("survey.col_area")), ColumnSpec("n", _t("survey.col_n"), "count"),
        ColumnSpec("share_pct", _t("survey.col_share"), "number", 0),
        ColumnSpec("deff_used", _t("survey.col_deff"), "number", 2),
        ColumnSpec("kish_deff", _t("survey.col_kish"), "number", 2),
        ColumnSpec("precision_now", _t("survey.col_precision"), "number", 1),
        ColumnSpec("n_needed", _t("survey.col_n_needed"), "count"), ColumnSpec("mde", _t("survey.col_mde"), "number", 1),
        ColumnSpec("mde_needed", _t("survey.col_mde_needed"), "number", 1)], row_header=area_col))
    if sink is not None:
        cols = ["name", area_col, "wave", "n", "share", "deff", "kish_deff", "deff_used", "precision_now",
                "n_needed", "mde", "mde_needed"]
        sink.write("planung_befragung", s[[c for c in cols if c in s.columns]])
    return sec


def recommendations(plan) -> Section:
    sec = Section(_t("chapters.recommendations"))
    sec.add(demo_notice(plan))
    items = []
    for key, f in plan.recommendations:
        if key == "survey_areas":
            areas_txt = ", ".join(_t("recommendations.survey_area_item", sozialraum=a.get("area_name", a["area_id"]),
                                     n_needed=format_number(int(a["n_needed"])), n=format_number(int(a["n"])))
                                  for a in f["areas"])
            items.append(_t("recommendations.survey_areas", half_width=_num(f["half_width"], 0), areas=areas_txt,
                            name=f.get("name", ""), group=_t(f"survey.group.{f.get('subgroup', 'all')}")))
        elif key == "trend_reaches":
            items.append(_t("recommendations.trend_reaches", name=f["name"], probability=_num(100 * f["probability"], 0)))
        elif key == "area_mde":
            items.append(_t("recommendations.area_mde", name=f["name"], factor=_num(f["factor"], 1), n_areas=f["n_areas"]))
        else:
            items.append(_t(f"recommendations.{key}", name=f["name"], needed=_num(f["needed"], 2), mde=_num(f["mde"], 2),
                            unit=unit_label(f["unit"])))
    sec.add(BulletList(items) if items else Paragraph(_t("recommendations.none")))
    return sec


def assumptions(plan) -> Section:
    sec = Section(_t("chapters.assumptions"))
    sec.add(demo_notice(plan))
    fields = {"name": plan.name, "alpha": _num(100 * plan.alpha, 0), "power": _num(100 * plan.power, 0),
              "n_pool": len(plan.pool.ids)}
    keys = list(plan.assumptions) + ["formula"]
    sec.add(BulletList([_t(f"assumptions.{k}", **fields) for k in keys]))
    return sec


def report_sections(plan, sink: TableSink | None = None) -> list[Section]:
    """All sections of the planning report in order."""
    return [intro(plan), targets(plan, sink), mde_table(plan, sink), areas(plan, sink), survey(plan, sink),
            recommendations(plan), assumptions(plan)]
