"""Chapter "Kurzfassung": the report at a glance, in plain German, and in Leichte Sprache.

Built for the first printed page and the first screen (issue 14, item 1): the targets table
(indicator, Basiswert, latest value with interval, Sollwert, status as symbol and word, better or
worse since the baseline), the headline effects with their strength of evidence, the main caveats,
"Was bedeutet das?" with questions for the team, who stands behind the report (institution,
authors, version, data cut-off per source, suggested citation) and a glossary.

Every number comes from the analysis bundle, the same fields the other chapters show: target status
from ``targets``, measures from ``process``, effects, verdicts and reasons from ``effects.table``
(the words of a verdict are those of ``texts/report.yaml wirkung.verdict``: the rule is
:func:`evaluation.analysis.wording.classify_effect`). Nothing is computed here beyond choosing words.
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import pandas as pd

from ...texts import section, text
from ..blocks import BulletList, ColumnSpec, Paragraph, Raw, Section, count_noun, esc, numerus
from ..context import ReportContext, fmt_de
from ..easy_language import easy_summary, place_forms
from .wirkung import direction_word, reasons_text, verdict_label

#: status key -> symbol shown before the word (the word carries the meaning; the symbol is redundant)
STATUS_SYMBOLS = {"achieved": "✓", "on_track": "↗", "off_track": "↘", "not_assessable": "?"}
STATUS_ORDER = ["achieved", "on_track", "off_track", "not_assessable"]


def _t(key: str, **kw) -> str:
    return text("report", f"kurzfassung.{key}", **kw)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]


def _num(v: Any) -> bool:
    return v is not None and not (isinstance(v, float) and math.isnan(v)) and v is not pd.NA


def kurzfassung(bundle, sink=None) -> Section:
    ctx = ReportContext.of(bundle, sink)
    a = ctx.a
    sec = Section(text("report", "chapters.kurzfassung"))
    sec.add(Paragraph(_t("intro", name=for_name(ctx.name), year=ctx.year, programme=a.meta.programme,
                         start=ctx.programme_start)))
    sec.add(*targets_glance(ctx))
    sec.add(measures_sentence(ctx))
    sec.add(effects_section(ctx))
    sec.add(caveats_section(ctx))
    sec.add(meaning_section(ctx))
    sec.add(easy_language_section(ctx))
    sec.add(metadata_section(ctx))
    sec.add(glossary_section())
    return sec


def for_name(name: str) -> str:
    """The municipality after "für": "Erlangen", "die Verbandsgemeinde Nieder-Olm" (the article the
    Leichte-Sprache text uses, in the accusative).

    >>> for_name("Verbandsgemeinde Nieder-Olm"), for_name("Erlangen"), for_name("Landkreis Harburg")
    ('die Verbandsgemeinde Nieder-Olm', 'Erlangen', 'den Landkreis Harburg')
    """
    subject = place_forms(name)[0]
    if subject == name:
        return name
    article = subject.split()[0].lower()
    return f"{ {'der': 'den'}.get(article, article)} {name}"


# -- targets at a glance ---------------------------------------------------------------------------
def better_worse(row) -> str:
    """'besser' / 'schlechter' / 'unverändert' since the baseline, given the indicator's polarity."""
    pol = row.get("polarity")
    if not (_num(row.get("latest")) and _num(row.get("baseline"))) or not _num(pol) or int(pol) == 0:
        return _t("trend_unknown")
    # at the precision shown in the table (one decimal): "3,5 -> 3,5" is "unverändert", not "besser"
    diff = (round(float(row["latest"]), 1) - round(float(row["baseline"]), 1)) * int(pol)
    return _t("trend_better") if diff > 0 else _t("trend_worse") if diff < 0 else _t("trend_same")


def targets_view(ctx: ReportContext) -> pd.DataFrame:
    """The bundle's target table in the words of the at-a-glance table."""
    t = ctx.a.targets.table.copy()
    order = {k: i for i, k in enumerate(STATUS_ORDER)}
    t = t.assign(_o=t["status"].map(order)).sort_values(["_o", "name"], kind="stable").drop(columns="_o")

    def value_with_ci(r) -> str:
        if not _num(r["latest"]):
            return "–"
        s = f"{fmt_de(r['latest'])} ({int(r['latest_year'])})" if _num(r.get("latest_year")) else fmt_de(r["latest"])
        if _num(r.get("ci_low")) and _num(r.get("ci_high")):
            s += f", {fmt_de(r['ci_low'])} bis {fmt_de(r['ci_high'])}"
        return s

    def with_year(v, y) -> str:
        return "–" if not _num(v) else (f"{fmt_de(v)} ({int(y)})" if _num(y) else fmt_de(v))

    return pd.DataFrame({
        "name": t["name"].astype(str),
        "baseline_text": [_t("baseline_suppressed", year=int(y)) if reason == "baseline_suppressed" else with_year(v, y)
                          for v, y, reason in zip(t["baseline"], t["baseline_year"], t.get("reason", [None] * len(t)))],
        "latest_text": [value_with_ci(r) for _, r in t.iterrows()],
        "target_text": [with_year(v, y) for v, y in zip(t["target"], t["target_year"])],
        "status_text": [f"{STATUS_SYMBOLS.get(k, '')} {lbl}".strip() for k, lbl in zip(t["status"], t["status_label"])],
        "trend_text": [better_worse(r) for _, r in t.iterrows()],
        "status": t["status"].astype(str),
    }).reset_index(drop=True)


def targets_glance(ctx: ReportContext) -> list:
    a = ctx.a
    if a.targets.error:
        return [Paragraph(_t("no_targets", reason=a.targets.error))]
    if a.targets.table.empty:
        return [Paragraph(text("report", "treppe.no_targets", name=ctx.name))]
    counts = {k: int(a.targets.counts.get(k, 0)) for k in STATUS_ORDER}
    n = sum(counts.values())
    parts = [f"{counts[k]} {text('report', f'kurzfassung.status_word.{k}')}" for k in STATUS_ORDER]
    intro = _t("targets_glance", n_text=count_noun(n, "indikator"), parts=", ".join(parts[:-1]) + " und " + parts[-1])
    view = targets_view(ctx)
    tbl = ctx.table_block(view, _t("targets_caption", name=for_name(ctx.name), year=ctx.year), [
        ColumnSpec("name", _t("col_indicator")), ColumnSpec("baseline_text", _t("col_baseline")),
        ColumnSpec("latest_text", _t("col_latest")), ColumnSpec("target_text", _t("col_target")),
        ColumnSpec("status_text", _t("col_status")), ColumnSpec("trend_text", _t("col_trend"))],
        name="kurzfassung_ziele", row_header="name", note=_t("targets_note"))
    return [Paragraph(intro), tbl]


def measures_sentence(ctx: ReportContext):
    p = ctx.a.process
    if p.error or not p.n_measures:
        return None
    return Paragraph(_t("measures_glance", n_text=count_noun(p.n_measures, "massnahme"), running=p.n_running,
                        finished=p.n_finished, cancelled=p.n_cancelled, planned=p.n_planned,
                        verb=numerus(p.n_cancelled, "wurde", "wurden")))


# -- effects, caveats, meaning --------------------------------------------------------------------
def effects_section(ctx: ReportContext) -> Section:
    a = ctx.a
    sub = Section(_t("effects_heading"), level=3)
    if a.effects.error:
        return sub.add(Paragraph(_t("no_effects", reason=a.effects.error)))
    head = a.effects.headline()
    if head.empty:
        return sub.add(Paragraph(_t("no_effects", reason=_t("no_headline"))))
    sub.add(Paragraph(_t("effects_intro", n_pool=a.comparison.n_pool)))
    items = []
    for row in _records(head):
        est = row["estimate"]
        if not _num(est):
            items.append(_t("effect_missing", indicator=row["name"], verdict=verdict_label(str(row["verdict"]))))
            continue
        est = float(est)
        items.append(_t("effect_plain", indicator=row["name"], abs=fmt_de(abs(est), 2), unit=row["unit_label"],
                        side=_t("side_up") if est > 0 else _t("side_down") if est < 0 else _t("side_none"),
                        low=fmt_de(row["ci_low"], 2), high=fmt_de(row["ci_high"], 2),
                        direction=direction_word(SimpleNamespace(**row)),
                        evidence=_t(f"evidence.{row['verdict']}")))
    return sub.add(BulletList(items))


def caveats(ctx: ReportContext) -> list[str]:
    """The main reservations, from the bundle: failed diagnostics, few comparison units, small samples, demo data."""
    a = ctx.a
    out: list[str] = []
    c = a.comparison
    if not c.error and c.balance_passed is False:
        out.append(_t("caveat_balance", n=c.n_unbalanced, total=len(c.balance)))
    if not a.effects.error:
        head = a.effects.headline()
        said = {"balance_failed"} if (not c.error and c.balance_passed is False) else set()
        for row in _records(head):
            keys = [k for k in str(row.get("reasons") or "").split(";") if k and k not in said]
            if keys and row["verdict"] in ("not_interpretable", "indication", "unclear"):
                out.append(_t("caveat_effect", indicator=row["name"], verdict=verdict_label(str(row["verdict"])),
                              reasons=reasons_text(";".join(keys))))
    if not c.error and c.n_pool and c.n_pool < 20:
        out.append(_t("caveat_small_pool", n=c.n_pool))
    if not a.targets.error and not a.targets.table.empty and "small_n" in a.targets.table.columns:
        small = a.targets.table[a.targets.table["small_n"].astype(bool)]
        if len(small):
            out.append(_t("caveat_small_n", names=", ".join(small["name"].astype(str)),
                          min=a.meta.choices.get("analysis", {}).get("min_respondents", 30)))
    unavailable = a.unavailable()
    if unavailable:
        labels = section("report", "kurzfassung.parts")
        out.append(_t("caveat_unavailable", parts=", ".join(str(labels.get(k, k)) for k in unavailable)))
    if ctx.demo:
        out.append(_t("caveat_demo"))
    return out


def caveats_section(ctx: ReportContext) -> Section:
    sub = Section(_t("caveats_heading"), level=3)
    items = caveats(ctx)
    return sub.add(BulletList(items) if items else Paragraph(_t("caveats_none")))


def _names(names: list[str], show: int = 4) -> str:
    """'A, B und C' or 'A, B, C, D und 3 weitere'."""
    if len(names) <= show:
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " und " + names[-1]
    return ", ".join(names[:show]) + " " + _t("and_more", k=len(names) - show)


def questions(ctx: ReportContext) -> list[str]:
    """Questions for the team, from the results: targets off track, effects that do not hold, cancelled measures."""
    a = ctx.a
    out: list[str] = []
    if not a.targets.error and not a.targets.table.empty:
        t = a.targets.table
        off = t[t["status"] == "off_track"]["name"].astype(str).tolist()
        if off:
            out.append(_t("q_off_track", names=_names(off)))
        unknown = t[t["status"] == "not_assessable"]["name"].astype(str).tolist()
        if unknown:
            out.append(_t("q_not_assessable", names=_names(unknown)))
        done = t[t["status"] == "achieved"]["name"].astype(str).tolist()
        if done:
            out.append(_t("q_achieved", names=_names(done)))
    if not a.effects.error:
        head = a.effects.headline()
        weak = head[head["verdict"].isin(["not_interpretable", "not_estimated"])]["name"].astype(str).tolist()
        if weak:
            out.append(_t("q_not_interpretable", names=_names(weak)))
        worse = head[(head["direction"] == "worsening") & head["verdict"].isin(["robust", "indication"])]["name"].astype(str).tolist()
        if worse:
            out.append(_t("q_worsening", names=_names(worse)))
    p = a.process
    if not p.error and p.n_cancelled:
        out.append(_t("q_cancelled", n_text=count_noun(p.n_cancelled, "massnahme")))
    out.append(_t("q_next"))
    return out


def meaning_section(ctx: ReportContext) -> Section:
    sub = Section(_t("meaning_heading"), level=3)
    return sub.add(Paragraph(_t("meaning_intro")), BulletList(questions(ctx)))


# -- Leichte Sprache, metadata, glossary ---------------------------------------------------------------
def easy_language_section(ctx: ReportContext) -> Section:
    a = ctx.a
    counts = a.targets.counts if not a.targets.error else {}
    p = a.process
    head = a.effects.headline() if not a.effects.error else pd.DataFrame()
    attitude = a.indicators.latest("einstellung_inklusion") if not a.indicators.error else None
    easy = easy_summary(name=ctx.name, programme=a.meta.programme, start=ctx.programme_start, status_counts=counts,
                        n_measures=(p.n_measures or None) if not p.error else None,
                        n_running=p.n_running if not p.error else None,
                        n_finished=p.n_finished if not p.error else None,
                        n_cancelled=p.n_cancelled if not p.error else None,
                        effects=head, attitude_share=attitude, demo=ctx.demo, kind=a.meta.kind)
    return Section(text("report", "chapters.leichte_sprache"), [Raw(easy.html())], level=3, anchor="leichte-sprache")


def citation(ctx: ReportContext) -> str:
    r = ctx.a.meta.report or {}
    if r.get("citation"):
        return str(r["citation"])
    who = "; ".join(r.get("authors") or []) or (r.get("institution") or _t("meta_unknown"))
    title = r.get("title") or text("report", "document.title", year=ctx.year, name=ctx.name)
    version = f", {_t('meta_version')} {r['version']}" if r.get("version") else ""
    inst = f" {r['institution']}." if r.get("institution") and r.get("authors") else ""
    return _t("citation", who=who, year=ctx.year, title=title, version=version, institution=inst)


def metadata_section(ctx: ReportContext) -> Section:
    a = ctx.a
    r = a.meta.report or {}
    sub = Section(_t("meta_heading"), level=3)
    cutoffs = r.get("data_cutoff") or {}
    if cutoffs:
        cut = "; ".join(f"{k}: {v}" for k, v in cutoffs.items())
    else:
        labels = section("report", "kurzfassung.tables")
        cut = "; ".join(f"{labels.get(k, k)}: {v}" for k, v in sorted(a.meta.data_cutoffs.items()) if k in labels)
    rows = [
        (_t("meta_institution"), r.get("institution") or _t("meta_unknown")),
        (numerus(len(r.get("authors") or []), _t("meta_author"), _t("meta_authors")),
         ", ".join(r.get("authors") or []) or _t("meta_unknown")),
        (_t("meta_version"), f"{r.get('version') or _t('meta_unknown')} ({_t('meta_software', version=a.meta.version)})"),
        (_t("meta_cutoff"), cut or _t("meta_unknown")),
        (_t("meta_citation"), citation(ctx)),
    ]
    dl = "<dl class=\"meta\">" + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in rows) + "</dl>"
    return sub.add(Raw(dl))


def glossary_section() -> Section:
    sub = Section(_t("glossary_heading"), level=3, anchor="glossar", print_appendix=True)
    terms = section("report", "glossary")
    dl = "<dl class=\"glossary\">" + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in terms.items()) + "</dl>"
    return sub.add(Raw(dl))

