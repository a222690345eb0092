"""Chapter "Daten und Methoden": sources and licences, disclosure control, methods, the wording rule
for effects, the analysis choices used, the simulation study, and the inputs with hashes. Renders
``bundle.meta``, ``bundle.indicators.register`` and ``bundle.effects.simulation``."""

from __future__ import annotations

import pandas as pd

from ...texts import text
from ..blocks import ColumnSpec, Paragraph, Section
from ..context import ReportContext, fmt_de

#: analysis choices shown in the methods chapter (keys of the parameter file; labels in texts/report.yaml)
CHOICES = ("alpha", "draws", "event_study_draws", "pretrend_alpha", "min_pool", "smd_threshold",
           "balance_max_failures", "perfect_fit_ratio", "min_respondents", "disclosure_threshold", "index_draws")


def _t(key: str, **kw) -> str:
    return text("report", f"methoden.{key}", **kw)


def _polarity(p: int) -> str:
    return _t("polarity_up") if p > 0 else _t("polarity_down") if p < 0 else _t("polarity_none")


def methoden(bundle, sink=None) -> Section:
    ctx = ReportContext.of(bundle, sink)
    a = ctx.a
    sec = Section(text("report", "chapters.methoden"))
    src = Section(_t("sources_heading"), level=3)
    reg = a.indicators.register.copy()
    if not reg.empty:
        reg["polarity_label"] = reg["polarity"].map(_polarity)
        reg["unit_label"] = reg["unit"].map(lambda u: text("report", f"units.{u}"))
        # German words for the register's levels; Kreis figures say "Kreisebene" (issue 13)
        reg["level_label"] = reg["spatial_level"].map(lambda lv: text("report", f"levels.{lv}"))
        src.add(ctx.table_block(reg, _t("sources_caption"), [
            ColumnSpec("name", _t("col_indicator")), ColumnSpec("source", _t("col_source")),
            ColumnSpec("level_label", _t("col_level")), ColumnSpec("unit_label", _t("col_unit")),
            ColumnSpec("polarity_label", _t("col_polarity"))], name="quellen", row_header="name"))
    if ctx.demo:
        src.add(Paragraph(_t("demo_source")))
    src.add(Paragraph(_t("official_licence")))
    if a.meta.data_cutoff is not None:
        src.add(Paragraph(_t("cutoff", name=ctx.name, cutoff=a.meta.data_cutoff, year=ctx.year)))
    sec.add(src)
    sec.add(Section(_t("suppression_heading"), [Paragraph(text("disclosure", "footnote.method", threshold=ctx.threshold))],
                    level=3))
    meth = Section(_t("methods_heading"), level=3)
    for key, title in [("method.attainment", _t("attainment")), ("method.intervals", _t("intervals")),
                       ("method.trend", _t("trend"))]:
        meth.add(Section(title, [Paragraph(text("indicators", key))], level=4))
    ch = a.meta.choices.get("analysis", {})
    meth.add(Section(_t("wording_heading"), [Paragraph(_t(
        "wording_rule", balance_rule=_t("balance_rule_none" if not ch.get("balance_max_failures", 0)
                                        else "balance_rule_some", max_failures=ch.get("balance_max_failures", 0),
                                        smd=fmt_de(ch.get("smd_threshold", 0.1), 2)),
        pretrend_alpha=fmt_de(ch.get("pretrend_alpha", 0.1), 2),
        perfect=fmt_de(ch.get("perfect_fit_ratio", 0.1), 2)))], level=4))
    meth.add(simulation_section(ctx))
    sec.add(meth)
    sec.add(choices_section(ctx))
    sec.add(inputs_section(ctx))
    return sec


def simulation_section(ctx: ReportContext) -> Section:
    sim = ctx.a.effects.simulation
    sub = Section(_t("simulation_heading"), level=4)
    if sim is None or sim.empty:
        return sub.add(Paragraph(_t("simulation_missing")))
    sub.add(Paragraph(_t("simulation_text")))
    sim = sim.copy()
    if "coverage" in sim.columns:
        sim["coverage_pct"] = 100 * pd.to_numeric(sim["coverage"], errors="coerce")
    if "coverage_mc_se" in sim.columns:
        sim["coverage_mc_pp"] = 100 * pd.to_numeric(sim["coverage_mc_se"], errors="coerce")
    if "default" in sim.columns:
        sim["default_word"] = sim["default"].map(lambda v: _t("sim_default") if str(v).lower() == "true" else "")
    wanted = [("scenario_de", "text", 0), ("method_de", "text", 0), ("default_word", "text", 0), ("reps", "number", 0),
              ("bias", "number", 3), ("rmse", "number", 3), ("coverage_pct", "number", 1), ("coverage_mc_pp", "number", 1),
              ("mean_width", "number", 2)]
    cols = [ColumnSpec(c, _t(f"sim_col.{c}"), kind, d) for c, kind, d in wanted if c in sim.columns]
    return sub.add(ctx.table_block(sim, _t("simulation_caption"), cols, name="simulationsstudie"))


def choices_section(ctx: ReportContext) -> Section:
    ch = ctx.a.meta.choices.get("analysis", {})
    rows = [{"choice": _t(f"choice_labels.{k}"), "value": str(ch[k]).replace(".", ",") if isinstance(ch[k], float)
             else str(ch[k])} for k in CHOICES if k in ch]
    rows.append({"choice": _t("choice_labels.seed"), "value": str(ctx.a.meta.choices.get("seed", "–"))})
    sub = Section(_t("choices_heading"), level=3)
    return sub.add(ctx.table_block(pd.DataFrame(rows), _t("choices_caption"), [
        ColumnSpec("choice", _t("col_choice")), ColumnSpec("value", _t("col_value"))], name="analyseentscheidungen",
        row_header="choice"))


def inputs_section(ctx: ReportContext) -> Section:
    sub = Section(_t("inputs_heading"), level=3)
    sub.add(Paragraph(_t("inputs_text")))
    if ctx.a.meta.inputs.empty:
        return sub
    return sub.add(ctx.table_block(ctx.a.meta.inputs, _t("inputs_caption"), [
        ColumnSpec("file", _t("col_file")), ColumnSpec("rows", _t("col_rows"), "number", 0),
        ColumnSpec("hash", _t("col_hash"))], name="eingangsdaten", row_header="file"))
