"""``analyse(params, dataset, year=...)``: every number of one municipality's report, computed once.

Each part (:mod:`evaluation.analysis.bundle`) is computed by one function here; a part that fails
on its data (an :class:`~evaluation.errors.InputError` or :class:`~evaluation.errors.EstimationError`,
e.g. raking a survey wave whose margins cannot be met) holds the reason in ``error`` and the other
parts are computed as usual. The choices come from the parameter file's ``analysis`` and
``comparison`` sections (:class:`evaluation.params.Analysis`), and are recorded in ``meta.choices``.

Methods, with their sources:

* published values: primary and secondary suppression (:func:`evaluation.disclosure.suppress_indicator_values`);
* target attainment: :func:`evaluation.indicators.targets.attainment_table`;
* comparison pool: :func:`evaluation.comparison.design.choose_comparisons` (exact on the
  Gemeindetyp, then nearest neighbours on pre-programme structure; Stuart 2010), balance of the
  pool actually used as standardised mean differences (Austin 2009);
* effects: :func:`evaluation.impact.programme.estimate_programme_effects` (difference in
  differences with randomisation inference), and for *every* headline effect the diagnostics:
  event study with joint pre-trend test (:func:`evaluation.impact.event_study.event_study`),
  synthetic control (Abadie, Diamond & Hainmueller 2010) and the pool's balance; the wording
  rule :func:`evaluation.analysis.wording.classify_effect`;
* survey: raking (Deming & Stephan 1940) and Taylor-linearised design-based intervals
  (:class:`evaluation.survey.design.SurveyDesign`); the change between independent waves has the
  variance of the sum (Kish 1965, sec. 12.4);
* index: :class:`evaluation.indicators.composite.CompositeIndex` (OECD/JRC 2008) with Monte Carlo
  rank intervals.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import datetime, UTC
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..dataset import Dataset
from ..errors import EstimationError, InputError
from ..params import Params
from ..texts import text
from . import bundle as b
from .inputs import Inputs
from .wording import classify_effect, difference_unit, direction

PARTS = ("meta", "indicators", "targets", "comparison", "effects", "survey", "participants", "process",
         "qualitative", "index", "official")
#: errors that make one part unavailable (everything else is a bug and stops the report)
PART_ERRORS = (InputError, EstimationError, np.linalg.LinAlgError, ZeroDivisionError)

#: (derived item, domain: None = all respondents, 1 = people with disabilities, 0 = without, indicator id)
SURVEY_ITEMS: list[tuple[str, int | None]] = [
    ("einstellung_pos", None), ("kenntnis", None), ("kontakt", 0), ("barrieren_oft", 1),
    ("freizeit", 1), ("einsamkeit", 1), ("sicherheit", 1), ("wahl", 1),
]
MARGIN_VARIABLES = ("age_group", "sex", "area_id", "has_disability")
SCALE_ITEMS = ["att1", "att2", "att3", "att4", "att5"]
SCALE_REVERSE = ["att3"]
STRUCTURE_CHARACTERISTICS = ["population", "density", "share_65plus", "unemployment_rate", "share_severely_disabled",
                             "tax_revenue_per_capita"]


def survey_items(params: Params, dataset: Dataset) -> list[tuple[str, int | None]]:
    """The survey items the report estimates: ``(item column, domain)``; domain None = all
    respondents, 1 = people with disabilities, 0 = people without.

    A team's own items come from the data folder's ``survey_items.csv`` (written by
    ``evaluation import`` from the survey mapping file, :mod:`evaluation.importing.survey`); without
    it, the built-in list of the Musterdaten questionnaire (:data:`SURVEY_ITEMS`).
    """
    own = dataset.tables.get("survey_items")
    if own is not None and len(own):
        from ..importing.survey import DOMAINS

        return [(str(r.item_id), DOMAINS[str(r.domain)]) for r in own.itertuples(index=False)]
    return list(SURVEY_ITEMS)


def _own_items(dataset: Dataset) -> pd.DataFrame:
    """The team's survey items (``survey_items.csv``), empty for the built-in questionnaire."""
    own = dataset.tables.get("survey_items")
    return own if own is not None else pd.DataFrame()


def analyse(params: Params, dataset: Dataset, *, year: int | None = None, project_root: str | Path | None = None,
            parts: Iterable[str] | None = None) -> b.MunicipalityAnalysis:
    """Compute every result of one municipality's report.

    Parameters
    ----------
    params: the validated parameter file (:func:`evaluation.params.load_params`).
    dataset: the validated data folder (:func:`evaluation.dataset.load_dataset`).
    year: report year (default ``params.report.year``); data after it are not used.
    project_root: folder relative paths of the parameter file refer to (default: above ``params/``).
    parts: compute only these parts (names of :data:`PARTS`; ``meta`` always); default all. The
        others hold ``error = "not computed (...)"``.

    Returns
    -------
    MunicipalityAnalysis
        Parts that failed hold ``error``; see :meth:`MunicipalityAnalysis.unavailable`.
    """
    root = Path(project_root) if project_root else (
        Path(params.source_file).resolve().parent.parent if params.source_file else Path.cwd())
    inp = Inputs(params=params, dataset=dataset, year=int(year or params.report.year), project_root=root)
    wanted = set(PARTS if parts is None else parts) | {"meta"}
    unknown = wanted - set(PARTS)
    if unknown:
        raise InputError(f"unknown analysis part(s) {sorted(unknown)}", expected=f"some of {list(PARTS)}")
    out = b.MunicipalityAnalysis()
    out.meta = _guard(b.Meta, lambda: meta_part(inp))
    if "indicators" in wanted or "targets" in wanted:
        out.indicators = _guard(b.Indicators, lambda: indicators_part(inp))
    if "targets" in wanted:
        out.targets = _guard(b.Targets, lambda: targets_part(inp, out.indicators))
    if "comparison" in wanted or "effects" in wanted:
        out.comparison = _guard(b.Comparison, lambda: comparison_part(inp))
    if "effects" in wanted:
        out.effects = _guard(b.Effects, lambda: effects_part(inp, out.comparison))
    if "survey" in wanted:
        out.survey = _guard(b.Survey, lambda: survey_part(inp))
    if "participants" in wanted:
        out.participants = _guard(b.Participants, lambda: participants_part(inp))
    if "process" in wanted:
        out.process = _guard(b.Process, lambda: process_part(inp))
    if "qualitative" in wanted:
        out.qualitative = _guard(b.Qualitative, lambda: qualitative_part(inp, out.targets))
    if "index" in wanted:
        out.index = _guard(b.Index, lambda: index_part(inp))
    if "official" in wanted:
        out.official = _guard(b.OfficialContext, lambda: official_part(inp))
    computed = wanted | ({"indicators"} if "targets" in wanted else set()) | ({"comparison"} if "effects" in wanted else set())
    for name in set(PARTS) - computed:  # a part not asked for is not available (never an empty "result")
        getattr(out, name).error = f"not computed (analyse(parts={sorted(wanted - {'meta'})}))"
    return out


def _reason(err: BaseException) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__


def _guard(cls: type, compute: Callable[[], Any]):
    try:
        return compute()
    except PART_ERRORS as err:
        return cls(error=_reason(err))


# -- meta ---------------------------------------------------------------------------------------------
def meta_part(inp: Inputs) -> b.Meta:
    from .. import __version__ as version

    p = inp.params
    m = inp.municipalities.set_index("municipality_id")
    row = m.loc[inp.municipality_id] if inp.municipality_id in m.index else None
    pop = None
    if row is not None and "population" in m.columns and pd.notna(row["population"]):
        pop = int(round(float(row["population"])))
    cutoffs = {}
    for name, df in inp.dataset.tables.items():
        if "year" in df.columns and not df.empty:
            d = df[df["municipality_id"] == inp.municipality_id] if "municipality_id" in df.columns else df
            years = pd.to_numeric(d["year"], errors="coerce").dropna()
            years = years[years <= inp.year]
            if len(years):
                cutoffs[name] = int(years.max())
    areas = inp.table("areas")
    areas = areas[["name", "population"]].reset_index(drop=True) if not areas.empty else pd.DataFrame(
        columns=["name", "population"])
    choices = {"analysis": p.analysis.model_dump(mode="json"), "comparison": p.comparison.model_dump(mode="json"),
               "seed": inp.seed}
    return b.Meta(municipality_id=inp.municipality_id, name=inp.name, kind=p.municipality.kind,
                  state=p.municipality.state, kreis=p.municipality.kreis, programme=p.programme.name,
                  programme_start=inp.start, year=inp.year, demo=inp.demo,
                  data_cutoff=cutoffs.get("indicator_values"), data_cutoffs=cutoffs, choices=choices,
                  population=pop, n_applicants=len(inp.applicants), areas=areas, inputs=inputs_table(inp),
                  created=datetime.now(UTC).isoformat(timespec="seconds"), version=str(version),
                  report=p.report.model_dump(mode="json"))


def inputs_table(inp: Inputs) -> pd.DataFrame:
    """Input files with their row counts and the first 16 hex digits of their SHA-256."""
    rows = []
    ds = inp.dataset
    for name, path in sorted(ds.files.items()):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        rows.append({"file": str(path.relative_to(ds.folder)), "rows": float(len(ds.tables[name])), "hash": digest})
    pf = inp.params.source_file
    if pf and Path(pf).exists():
        rows.append({"file": Path(pf).name, "rows": float("nan"), "hash": hashlib.sha256(Path(pf).read_bytes()).hexdigest()[:16]})
    return pd.DataFrame(rows, columns=["file", "rows", "hash"])


# -- indicators and targets ------------------------------------------------------------------------------
def indicators_part(inp: Inputs) -> b.Indicators:
    from ..disclosure import suppress_indicator_values
    from ..indicators.targets import published_intervals

    values = inp.table("indicator_values")
    values = values[values["year"] <= inp.year]
    if values.empty:
        published = values.assign(flag=pd.Series(dtype=object))
    else:
        published = suppress_indicator_values(values, threshold=inp.choices.disclosure_threshold).reset_index(drop=True)
    reg = inp.register.table
    ids = sorted(set(published["indicator_id"]))
    register = reg[reg["indicator_id"].isin(ids)].reset_index(drop=True)
    frames = []
    targeted = list(inp.targets["indicator_id"]) if not inp.targets.empty else []
    for indicator_id in [i for i in targeted if i in set(published["indicator_id"])]:
        ind = inp.register[indicator_id]
        v = published[(published["indicator_id"] == indicator_id) & (published["area_id"] == inp.municipality_id)]
        v = published_intervals(v, ind.kind, ind.unit).sort_values("year")
        frames.append(v.assign(name=ind.name, unit=ind.unit)[
            ["indicator_id", "name", "unit", "year", "numerator", "denominator", "value", "ci_low", "ci_high"]])
    series = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["indicator_id", "name", "unit", "year", "numerator", "denominator", "value", "ci_low", "ci_high"])
    return b.Indicators(published=published, series=series, register=register)


def targets_part(inp: Inputs, indicators: b.Indicators) -> b.Targets:
    from ..indicators.targets import attainment_table

    if indicators.error:
        raise EstimationError(f"no published values: {indicators.error}")
    steps = steps_table(inp)
    if inp.targets.empty:
        return b.Targets(table=pd.DataFrame(), counts={}, steps=steps)
    targets = inp.targets[["indicator_id", "baseline_year", "baseline", "target", "target_year"]]
    a = attainment_table(indicators.published, targets, inp.register.table, inp.year,
                         municipality_id=inp.municipality_id, alpha=inp.choices.alpha)
    a = _suppressed_baselines(inp, a, indicators.published, targets)
    a["share_pct"] = 100 * a["share"]
    a["share_plot"] = a["share_pct"].clip(-100, 200)
    a["capped"] = a["share_pct"].notna() & (a["share_pct"] != a["share_plot"])
    # shares of respondents (Bürgerbefragung, participant questionnaires): respondents behind the
    # latest value (the denominator of the published row), flagged below analysis.min_respondents
    reg = inp.register.table.set_index("indicator_id")
    pub = indicators.published
    respondent_sources = {"survey", "participants"}
    n_resp = []
    for r in a.itertuples():
        source_type = str(reg.at[r.indicator_id, "source_type"]) if "source_type" in reg.columns else ""
        if source_type in respondent_sources:
            row = pub[(pub["indicator_id"] == r.indicator_id) & (pub["area_id"] == inp.municipality_id)
                      & (pub["year"] == r.latest_year)]
            n_resp.append(float(row["denominator"].iloc[0]) if len(row) and pd.notna(row["denominator"].iloc[0])
                          else float("nan"))
        else:
            n_resp.append(float("nan"))
    a["n_respondents"] = n_resp
    a["small_n"] = a["n_respondents"].notna() & (a["n_respondents"] < inp.choices.min_respondents)
    counts = {k: int((a["status"] == k).sum()) for k in ("achieved", "on_track", "off_track", "not_assessable")}
    return b.Targets(table=a, counts=counts, steps=steps)


def _suppressed_baselines(inp: Inputs, a: pd.DataFrame, published: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """Targets whose baseline value is suppressed (disclosure control) keep a status.

    The status is computed on the unsuppressed values; the baseline, the attainment share and
    the projection (from which the baseline could be recalculated) are not published, and the
    reason says so (``baseline_suppressed``).
    """
    from ..indicators.targets import attainment_table

    pub = published[published["area_id"] == inp.municipality_id]
    flagged = pub[pub["flag"].notna() & pub["value"].isna()] if "flag" in pub.columns else pub.iloc[0:0]
    hit = [r.indicator_id for r in a.itertuples()
           if pd.isna(r.baseline) and ((flagged["indicator_id"] == r.indicator_id)
                                       & (flagged["year"] == r.baseline_year)).any()]
    if not hit:
        return a
    raw = inp.table("indicator_values")
    raw = raw[raw["year"] <= inp.year]
    full = attainment_table(raw, targets[targets["indicator_id"].isin(hit)], inp.register.table, inp.year,
                            municipality_id=inp.municipality_id, alpha=inp.choices.alpha).set_index("indicator_id")
    a = a.copy()
    for i in a.index[a["indicator_id"].isin(hit)]:
        f = full.loc[a.at[i, "indicator_id"]]
        if pd.isna(f["baseline"]):
            continue
        a.loc[i, ["status", "status_label"]] = [f["status"], f["status_label"]]
        a.loc[i, ["reason", "reason_text"]] = ["baseline_suppressed", text("indicators", "reason.baseline_suppressed")]
        a.loc[i, ["share", "projection", "projection_low", "projection_high"]] = np.nan
    return a


def steps_table(inp: Inputs) -> pd.DataFrame:
    """Measures, indicators and targets per step of the impact staircase."""
    from ..vocabulary import WIRKUNGSEBENE, WIRKUNGSSTUFEN

    measures = inp.table("measures")
    reg = inp.register.table
    with_target = set(inp.targets["indicator_id"]) if not inp.targets.empty else set()
    steps = pd.to_numeric(measures["wirkungsstufe"], errors="coerce") if "wirkungsstufe" in measures else pd.Series(dtype=float)
    rows = []
    for step, name in WIRKUNGSSTUFEN.items():
        ids = reg.loc[reg["wirkungsstufe"] == step, "indicator_id"]
        rows.append({"step": step, "name": name, "level": WIRKUNGSEBENE[step], "measures": int((steps == step).sum()),
                     "indicators": int(len(ids)), "targets": int(sum(i in with_target for i in ids))})
    return pd.DataFrame(rows)


# -- comparison pool -------------------------------------------------------------------------------------
def comparison_part(inp: Inputs) -> b.Comparison:
    """The pool every estimate uses, chosen once with :func:`~evaluation.comparison.design.choose_comparisons`."""
    c = inp.params.comparison
    a = inp.choices
    mid = inp.municipality_id
    names = inp.municipalities.set_index("municipality_id")["name"]
    applicants = inp.applicants
    structure = inp.structure()

    def done(ids, rule, **kw):
        ids = [str(i) for i in ids]
        return b.Comparison(rule=rule, ids=ids, names=[str(names.get(i, i)) for i in ids], n_pool=len(ids),
                            threshold=a.smd_threshold, **kw)

    if c.pool == "list":
        pool_ids, rule = list(c.municipalities), "list"
    elif c.pool == "all" or structure is None:
        pool_ids, rule = applicants, "all"
    else:
        pool_ids, rule = None, c.pool
    if structure is None:
        return done(pool_ids, rule)
    from ..comparison.classes import gemeindetyp_series
    from ..comparison.design import choose_comparisons
    from ..comparison.matching import ComparisonMatcher
    from ..comparison.typology import Typology

    years = sorted(int(y) for y in pd.unique(structure["year"]) if inp.start - 5 <= int(y) < inp.start)
    if not years:
        raise InputError(f"structure.csv has no year in the five years before the programme start {inp.start}",
                         file="structure.csv", column="year", expected=f"years {inp.start - 5}-{inp.start - 1}")
    munis = inp.municipalities[inp.municipalities["municipality_id"].astype(str).isin([mid, *applicants])]
    munis = munis.assign(group=np.where(munis["municipality_id"].astype(str) == mid, "model", "comparison"))
    k = c.k
    options: dict[str, Any] = {"distance": c.distance} if c.method == "nearest_neighbour" else {}
    types = None
    if c.exact == "gemeindetyp":
        types = gemeindetyp_series(inp.municipalities)
        options["exact"] = types
        same = int((types.reindex(applicants) == types.get(mid)).sum())
        k = max(1, min(k, same))  # never ask for more neighbours than the type has
    matcher = ComparisonMatcher(method=c.method, k=k, caliper=c.caliper if c.caliper is not None else "default",
                                seed=inp.seed, **options)
    design = choose_comparisons(structure, munis, pre_years=years, variables=c.variables or None,
                                typology=Typology(seed=inp.seed), matcher=matcher, threshold=a.smd_threshold)
    matched = design.match.chosen(mid)
    kw: dict[str, Any] = {"method": c.method, "exact": c.exact, "k": int(k), "k_requested": int(c.k),
                          "n_matched": len(matched)}
    if pool_ids is None:
        if c.pool == "same_type":
            p = design.pools
            pool_ids = p.loc[(p["pool"] == "same_type") & (p["model_id"] == mid), "comparison_id"].tolist()
            kw = {}
        elif len(matched) < a.min_pool and c.exact == "gemeindetyp":
            pool_ids, rule = [i for i in applicants if types.get(i) == types.get(mid)], "type_fallback"
        else:
            pool_ids = matched
    else:
        kw = {}
    balance = pool_balance(design.features, list(design.match.variables), mid, applicants, pool_ids, a.smd_threshold)
    n_unbalanced = int((~balance["balanced"]).sum())
    structure_tbl, structure_year = structure_table(inp, structure, pool_ids)
    return done(pool_ids, rule, balance=balance, balance_passed=n_unbalanced <= a.balance_max_failures,
                n_unbalanced=n_unbalanced, structure=structure_tbl, structure_year=structure_year, **kw)


def pool_balance(features: pd.DataFrame, variables: list[str], mid: str, applicants: list[str], pool: list[str],
                 threshold: float) -> pd.DataFrame:
    """Standardised mean differences of the model municipality against all applicants (before) and
    against the pool actually used (after), on one denominator (the before one; Austin 2009)."""
    from ..comparison.balance import smd_denominator, standardised_mean_difference

    rows = []
    for v in variables:
        if v not in features.columns:
            continue
        col = pd.to_numeric(features[v], errors="coerce")
        t = col.reindex([mid]).dropna().to_numpy(float)
        before = col.reindex(applicants).dropna().to_numpy(float)
        after = col.reindex(pool).dropna().to_numpy(float)
        if len(t) == 0:
            raise InputError(f"the model municipality has no pre-programme value of '{v}'", file="structure.csv",
                             row=mid, column=v, expected="a number in the pre-programme years")
        if len(before) == 0 or len(after) == 0:
            continue
        den = smd_denominator(t, before)
        rows.append({"variable": v, "label": _characteristic(v), "mean_model": float(t.mean()),
                     "mean_all": float(before.mean()), "mean_pool": float(after.mean()),
                     "smd_before": standardised_mean_difference(t, before, denominator=den),
                     "smd_after": standardised_mean_difference(t, after, denominator=den)})
    out = pd.DataFrame(rows, columns=["variable", "label", "mean_model", "mean_all", "mean_pool", "smd_before",
                                      "smd_after"])
    out["balanced"] = out["smd_after"].abs() < threshold
    out["worse"] = out["smd_after"].abs() > out["smd_before"].abs()
    return out


def _characteristic(variable: str) -> str:
    try:
        return text("report", f"characteristics.{variable}")
    except KeyError:
        return variable


def structure_table(inp: Inputs, structure: pd.DataFrame, pool: list[str]) -> tuple[pd.DataFrame, int]:
    """Per characteristic in the year before the programme: the municipality, the pool's median and quartiles."""
    year = inp.start - 1
    s = structure[structure["year"].astype(int) == year]
    own = s[s["municipality_id"] == inp.municipality_id]
    ps = s[s["municipality_id"].isin(pool)]
    rows = []
    for c in STRUCTURE_CHARACTERISTICS:
        if c not in s.columns or own.empty:
            continue
        vals = pd.to_numeric(ps[c], errors="coerce")
        rows.append({"variable": c, "characteristic": _characteristic(c), "own": float(own[c].iloc[0]),
                     "median": vals.median(), "q25": vals.quantile(0.25), "q75": vals.quantile(0.75),
                     "n": int(vals.notna().sum())})
    return pd.DataFrame(rows, columns=["variable", "characteristic", "own", "median", "q25", "q75", "n"]), year


# -- effects ---------------------------------------------------------------------------------------------
def candidate_indicators(inp: Inputs, pool: list[str]) -> list[str]:
    """Targeted indicators, then ``analysis.headline_indicators``, that have values here and in the pool."""
    tv = inp.town_values
    have_own = set(tv.loc[tv["municipality_id"] == inp.municipality_id, "indicator_id"])
    have_pool = set(tv.loc[tv["municipality_id"].isin(pool), "indicator_id"])
    usable = have_own & have_pool
    wanted = list(inp.targets["indicator_id"]) if not inp.targets.empty else []
    ordered = [i for i in wanted + list(inp.choices.headline_indicators) if i in usable]
    return list(dict.fromkeys(ordered))[: inp.choices.max_effects]


def _panel(inp: Inputs, indicator_id: str, pool: list[str]) -> pd.DataFrame:
    tv = inp.town_values
    p = tv[(tv["indicator_id"] == indicator_id) & tv["municipality_id"].isin([inp.municipality_id, *pool])]
    p = p[["municipality_id", "year", "value"]].dropna()
    years = sorted(p.loc[p["municipality_id"] == inp.municipality_id, "year"])
    counts = p.groupby("municipality_id")["year"].nunique()
    complete = counts[counts == len(years)].index
    p = p[p["municipality_id"].isin(complete) & p["year"].isin(years)].copy()
    p["group"] = np.where(p["municipality_id"] == inp.municipality_id, inp.start, 0)
    return p


def method_label(method: str) -> str:
    """The German name of an estimator from the library's English method string."""
    m = (method or "").lower()
    key = ("synthetic_control" if "synthetic" in m else "did_pre_mean" if "pre-period mean" in m
           else "att_gt" if ("att_gt" in m or "callaway" in m) else "twfe" if ("twfe" in m or "two-way" in m)
           else "event_study" if "event" in m else "did_2x2")
    return text("impact", f"methods.{key}") if key != "did_pre_mean" else text("report", "wirkung.method_did_pre_mean")


def effects_part(inp: Inputs, comparison: b.Comparison) -> b.Effects:
    from ..impact.programme import estimate_programme_effects
    from ..impact.results import inference_sentence

    if comparison.error:
        raise EstimationError(f"no comparison pool: {comparison.error}")
    a = inp.choices
    pool = comparison.ids
    if not pool:  # e.g. a team's own data folder with the model municipality alone
        raise EstimationError("no comparison municipalities in the data folder (municipalities.csv, group comparison)")
    m = inp.municipalities
    munis = m[m["municipality_id"].isin([inp.municipality_id, *pool])]
    tv = inp.town_values
    rows, events, synth_series, synth_weights = [], [], [], []
    for indicator_id in candidate_indicators(inp, pool):
        ind = inp.register[indicator_id]
        unit = difference_unit(ind.unit)
        row: dict[str, Any] = {"indicator_id": indicator_id, "name": ind.name, "unit": unit,
                               "unit_label": text("report", f"effect_units.{unit}"), "polarity": int(ind.polarity)}
        try:
            eff = estimate_programme_effects(tv[tv["indicator_id"] == indicator_id], munis, indicator_id, pool=pool,
                                             seed=inp.seed, draws=a.draws, alpha=a.alpha, errors="raise")
            r = eff.results[inp.municipality_id]
            p_value = float(getattr(r, "p_value", r.p))
            inf_label = inference_sentence(r)
            n_assign = (getattr(r, "details", None) or {}).get("n_assignments")
            p_floor = 1.0 / int(n_assign) if n_assign else float("nan")
            row.update(estimate=float(r.estimate), se=float(r.se), ci_low=float(r.ci[0]), ci_high=float(r.ci[1]),
                       p_value=p_value, n_control=int(r.n_control), method=str(r.method), inference=str(r.inference),
                       method_label=method_label(r.method), inference_label=inf_label, p_floor=p_floor, error=None)
        except (EstimationError, InputError) as err:
            row.update(estimate=np.nan, se=np.nan, ci_low=np.nan, ci_high=np.nan, p_value=np.nan, n_control=np.nan,
                       method="", inference="", method_label="", inference_label="", p_floor=np.nan,
                       error=_reason(err))
        row.update(_diagnostics(inp, indicator_id, pool, row, events, synth_series, synth_weights))
        verdict = classify_effect(row["estimate"], row["ci_low"], row["ci_high"],
                                  balance_ok=comparison.balance_passed, pretrend_p=row["pretrend_p"],
                                  pretrend_alpha=a.pretrend_alpha,
                                  event_post_excludes_zero=row["event_post_excludes_zero"],
                                  synth_fit=row["synth_fit"], synth_sign_agrees=row["synth_sign_agrees"])
        row.update(balance_ok=comparison.balance_passed, verdict=verdict.key, reasons=";".join(verdict.reasons),
                   direction=direction(row["estimate"], int(ind.polarity)))
        rows.append(row)
    table = pd.DataFrame(rows)
    if not table.empty:
        for col in ("event_post_excludes_zero", "synth_sign_agrees", "balance_ok", "pretrend_ok"):
            table[col] = table[col].astype(object)
    sens = pd.DataFrame()
    first = table.dropna(subset=["estimate"]) if not table.empty else table
    if not first.empty:
        try:
            sens = sensitivity(inp, first["indicator_id"].iloc[0], comparison)
        except (EstimationError, InputError):
            sens = pd.DataFrame()
    return b.Effects(table=table, event_study=_concat(events, ["indicator_id", "event_time", "estimate", "ci_low", "ci_high"]),
                     synth_series=_concat(synth_series, ["indicator_id", "year", "observed", "synthetic"]),
                     synth_weights=_concat(synth_weights, ["indicator_id", "donor", "donor_name", "weight"]),
                     sensitivity=sens, simulation=simulation_table(), alpha=a.alpha)


def _concat(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def _diagnostics(inp: Inputs, indicator_id: str, pool: list[str], row: dict, events: list, synth_series: list,
                 synth_weights: list) -> dict:
    """Pre-trend test, event study and synthetic control of one effect, on the pool the estimate
    used (:func:`evaluation.impact.diagnostics.diagnose_effect`); what cannot be computed stays NaN/None."""
    from ..impact.diagnostics import diagnose_effect
    from ..impact.synth import POOR_FIT_RATIO

    a = inp.choices
    out: dict[str, Any] = {"pretrend_p": np.nan, "pretrend_ok": None, "event_post_excludes_zero": None,
                           "synth_att": np.nan, "synth_pre_rmspe": np.nan, "synth_fit": None, "synth_sign_agrees": None,
                           "diagnostics_error": ""}
    if pd.isna(row.get("estimate")):
        return out
    panel = _panel(inp, indicator_id, pool)[["municipality_id", "year", "value"]]
    dx = diagnose_effect(panel, "value", "municipality_id", "year", inp.municipality_id, inp.start,
                         main_estimate=float(row["estimate"]), draws=a.event_study_draws, seed=inp.seed, alpha=a.alpha,
                         pretrend_cutoff=a.pretrend_alpha)
    out["diagnostics_error"] = "; ".join(dx.notes)
    if dx.event_study is not None:
        t = dx.event_study.table[["event_time", "estimate", "ci_low", "ci_high"]].assign(indicator_id=indicator_id)
        events.append(t)
        out["event_post_excludes_zero"] = bool(dx.post_bands_exclude_zero)
    if dx.pretrend is not None and np.isfinite(dx.pretrend.p_value):
        out["pretrend_p"] = float(dx.pretrend.p_value)
        out["pretrend_ok"] = None if dx.pretrend.passed is None else bool(dx.pretrend.passed)
    sc = dx.synth
    if sc is not None:
        observed = panel[panel["municipality_id"] == inp.municipality_id].set_index("year")["value"]
        synth_series.append(pd.DataFrame({"indicator_id": indicator_id, "year": observed.index.astype(int),
                                          "observed": observed.values,
                                          "synthetic": sc.synthetic.reindex(observed.index).values}))
        names = inp.municipalities.set_index("municipality_id")["name"]
        w = sc.weights[sc.weights > 0.001].head(5)
        synth_weights.append(pd.DataFrame({"indicator_id": indicator_id, "donor": w.index.astype(str),
                                           "donor_name": [str(names.get(d, d)) for d in w.index],
                                           "weight": w.values.astype(float)}))
        noise = float(sc.noise_scale)
        rmspe = float(sc.pre_rmspe)
        if (np.isfinite(noise) and noise > 0 and rmspe < a.perfect_fit_ratio * noise) or rmspe <= 1e-9:
            fit = "perfect"
        elif np.isfinite(noise) and noise > 0 and rmspe > POOR_FIT_RATIO * noise:
            fit = "poor"
        else:
            fit = "ok"
        out.update(synth_att=float(sc.att), synth_pre_rmspe=rmspe, synth_fit=fit,
                   synth_sign_agrees=dx.sign_agreement)
    return out


def sensitivity(inp: Inputs, indicator_id: str, comparison: b.Comparison) -> pd.DataFrame:
    """The first headline effect once per pool: all applicants (``all``) and the pool the report uses (``used``)."""
    from ..comparison.sensitivity import pool_sensitivity

    mid = inp.municipality_id
    pools = {"all": {mid: inp.applicants}}
    if comparison.rule != "all":
        pools["used"] = {mid: comparison.ids}  # the pool of every other estimate in the report
    m = inp.municipalities
    munis = m[m["municipality_id"].isin([mid, *inp.applicants])]
    t = pool_sensitivity(inp.town_values, munis, indicator_id, pools, seed=inp.seed, draws=inp.choices.draws,
                         alpha=inp.choices.alpha)
    t = t[["pool", "n_comparison", "estimate", "ci_low", "ci_high"]].assign(indicator_id=indicator_id)
    return t.reset_index(drop=True)


def simulation_table() -> pd.DataFrame:
    """The impact simulation study's figures (``evaluation/data/impact_simulation.csv``), if the file exists."""
    from importlib import resources

    path = resources.files("evaluation").joinpath("data/impact_simulation.csv")
    try:
        with resources.as_file(path) as p:
            if not Path(p).exists():
                return pd.DataFrame()
            return pd.read_csv(p, comment="#")
    except (FileNotFoundError, pd.errors.EmptyDataError):
        return pd.DataFrame()


# -- survey ----------------------------------------------------------------------------------------------
def _derive_items(s: pd.DataFrame) -> pd.DataFrame:
    """0/1 items from the questionnaire's scales (agreement = 4-5 of 5; barriers 'often' = 3-4 of 4)."""
    out = s.copy()
    if "einstellung" in out:
        out["einstellung_pos"] = (pd.to_numeric(out["einstellung"], errors="coerce") >= 4).astype(float).where(
            out["einstellung"].notna())
    if "barrieren" in out:
        out["barrieren_oft"] = (pd.to_numeric(out["barrieren"], errors="coerce") >= 3).astype(float).where(
            out["barrieren"].notna())
    out["has_disability"] = pd.to_numeric(out["has_disability"], errors="coerce")
    return out


def weighted_waves(inp: Inputs) -> dict[int, tuple[pd.DataFrame, Any]]:
    """Per wave: the responses with raked weights in column ``w``, and the raking result."""
    from ..survey.weights import margins_from_table, rake

    responses = inp.table("survey_responses")
    responses = responses[pd.to_numeric(responses["wave"], errors="coerce") <= inp.year]
    margins = inp.table("population_margins")
    out = {}
    own = _own_items(inp.dataset)
    for wave, s in responses.groupby("wave"):
        s = _derive_items(s.reset_index(drop=True))
        if len(own):  # the team's items: 0/1 from the mapping's positive codes
            from ..importing.survey import derive_survey_items

            s = derive_survey_items(s, own)[0]
        s["has_disability"] = s["has_disability"].astype("Int64").astype(str)
        if not (len(margins) and (pd.to_numeric(margins["year"], errors="coerce") == int(wave)).any()):
            # no population margins for this wave (e.g. a team's own survey without them): the design
            # weights stand, not raked; the weights table shows 0 iterations, not converged
            from types import SimpleNamespace

            from ..survey.weights import kish_effective_n

            s["w"] = pd.to_numeric(s["design_weight"], errors="coerce").astype(float)
            s["has_disability"] = pd.to_numeric(s["has_disability"], errors="coerce")
            out[int(wave)] = (s, SimpleNamespace(converged=False, iterations=0, kish=kish_effective_n(s["w"])))
            continue
        marg = margins_from_table(margins, municipality_id=inp.municipality_id, year=int(wave))
        marg = {k: v for k, v in marg.items() if k in MARGIN_VARIABLES and k in s.columns}
        try:
            result = rake(s, marg, weight="design_weight", empty_categories="drop")
        except (InputError, EstimationError) as err:
            raise InputError(f"raking of survey wave {int(wave)} failed: {_reason(err)}", file="survey_responses.csv",
                             column=getattr(err, "column", None) or ", ".join(marg),
                             expected="every margin category met by enough respondents") from err
        s["w"] = np.asarray(result.weights, dtype=float)
        s["has_disability"] = pd.to_numeric(s["has_disability"], errors="coerce")
        out[int(wave)] = (s, result)
    return out


def survey_part(inp: Inputs) -> b.Survey:
    from scipy import stats

    from ..survey.design import SurveyDesign
    from ..survey.scales import cronbach_alpha

    a = inp.choices
    responses = inp.table("survey_responses")
    if responses.empty:
        return b.Survey(min_respondents=a.min_respondents)
    items = survey_items(inp.params, inp.dataset)
    own = _own_items(inp.dataset)
    own_labels = dict(zip(own["item_id"].astype(str), own["label"].astype(str))) if len(own) else {}
    waves = weighted_waves(inp)
    rows = []
    for wave, (s, _) in waves.items():
        design = SurveyDesign(s, weight="w", strata="stratum", psu="psu", lonely_psu="adjust")
        for item, dom in items:
            if item not in s.columns:
                continue
            try:
                e = design.proportion(item, domain=None if dom is None else ("has_disability", dom))
            except (EstimationError, InputError):
                continue
            group = text("report", "befragung.group_all") if dom is None else text(
                "report", "befragung.group_disability") if dom == 1 else text("report", "befragung.group_no_disability")
            label = own_labels.get(item) or text("report", f"befragung.items.{item}")
            rows.append({"item": item, "label": label, "group": group,
                         "wave": int(wave), "estimate": 100 * e.estimate, "se": 100 * e.se,
                         "ci_low": 100 * e.ci_low, "ci_high": 100 * e.ci_high, "n": int(e.n)})
    est = pd.DataFrame(rows, columns=["item", "label", "group", "wave", "estimate", "se", "ci_low", "ci_high", "n"])
    est["small_n"] = est["n"] < a.min_respondents
    wave_list = sorted(waves)
    diffs = pd.DataFrame(columns=["item", "label", "group", "diff", "ci_low", "ci_high", "significant", "small_n",
                                  "first", "last"])
    if len(wave_list) >= 2:
        first, last = wave_list[0], wave_list[-1]
        fa = est[est["wave"] == first].set_index("item")
        la = est[est["wave"] == last].set_index("item")
        z = stats.norm.ppf(1 - a.alpha / 2)
        drows = []
        for item in [i for i in fa.index if i in la.index]:
            d = float(la.at[item, "estimate"]) - float(fa.at[item, "estimate"])
            se = float(np.hypot(fa.at[item, "se"], la.at[item, "se"]))
            lo, hi = d - z * se, d + z * se
            drows.append({"item": item, "label": fa.at[item, "label"], "group": fa.at[item, "group"], "diff": d,
                          "ci_low": lo, "ci_high": hi, "significant": bool(lo > 0 or hi < 0),
                          "small_n": bool(fa.at[item, "small_n"] or la.at[item, "small_n"]), "first": first,
                          "last": last})
        diffs = pd.DataFrame(drows, columns=diffs.columns)
    wrows, srows = [], []
    for wave, (s, r) in waves.items():
        wrows.append({"wave": int(wave), "n": len(s), "converged": bool(r.converged), "iterations": int(r.iterations),
                      "kish": float(r.kish.n_eff)})
        if set(SCALE_ITEMS) <= set(s.columns):
            c = cronbach_alpha(s, SCALE_ITEMS, reverse=SCALE_REVERSE, low=1, high=5)
            srows.append({"wave": int(wave), "alpha": c.estimate, "ci_low": c.ci_low, "ci_high": c.ci_high, "n": c.n})
    return b.Survey(waves=wave_list, items=[[i, d] for i, d in items], estimates=est, differences=diffs,
                    weights=pd.DataFrame(wrows, columns=["wave", "n", "converged", "iterations", "kish"]),
                    scale=pd.DataFrame(srows, columns=["wave", "alpha", "ci_low", "ci_high", "n"]),
                    min_respondents=a.min_respondents)


def publish_counts(frame: pd.DataFrame, count_columns: list[str], threshold: int,
                   derived: dict[str, str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Primary suppression of person counts in a table without published margins.

    Counts ``0 < n < threshold`` are masked; ``derived`` maps a column (a share, a mean) to the
    count column it is computed from, and is masked with it. Returns (published frame, flags).
    """
    out = frame.copy().reset_index(drop=True)
    flags = pd.DataFrame(index=out.index, columns=out.columns, dtype=object)
    label = text("disclosure", "flag.primary")
    for col in count_columns:
        vals = pd.to_numeric(out[col], errors="coerce")
        mask = (vals > 0) & (vals < threshold)
        out[col] = out[col].astype(float).where(~mask)
        flags.loc[mask, col] = label
        for dcol, source in (derived or {}).items():
            if source == col:
                out[dcol] = out[dcol].where(~mask)
                flags.loc[mask, dcol] = label
    return out, flags


def participants_part(inp: Inputs) -> b.Participants:
    from ..survey.participants import participant_overview

    a = inp.choices
    resp = inp.table("participant_responses")
    if resp.empty:
        return b.Participants(min_n=a.min_participants)
    po = participant_overview(resp, inp.table("measures"), min_n=a.min_participants)
    po = po.assign(reach=100 * po["reach_target_group"], acceptance=100 * po["acceptance"], benefit=100 * po["benefit"])
    small = po["n_respondents"] < a.min_participants
    for c in ("reach", "acceptance", "benefit"):
        po.loc[small, c] = np.nan
    po = po[["title", "n_respondents", "reach", "acceptance", "benefit"]].copy()
    po["small_n"] = po["n_respondents"] < a.min_respondents  # shares shown, but flagged
    published, flags = publish_counts(po, ["n_respondents"], a.disclosure_threshold,
                                      derived={"reach": "n_respondents", "acceptance": "n_respondents",
                                               "benefit": "n_respondents"})
    return b.Participants(table=published, flags=flags, min_n=a.min_participants, min_respondents=a.min_respondents)


# -- process ---------------------------------------------------------------------------------------------
def process_part(inp: Inputs) -> b.Process:
    from ..process.index_inklusion import index_change
    from ..process.measures import inventory_overview
    from ..process.network import network_summary, network_turnover
    from ..process.participation import participation_summary
    from ..vocabulary import LEBENSBEREICHE, WIRKUNGSSTUFEN

    out = b.Process()
    measures = inp.table("measures")
    if not measures.empty:
        st = measures["status"].astype(str)
        out.n_measures = len(measures)
        out.n_running = int((st == "laufend").sum())
        out.n_finished = int(st.isin(["abgeschlossen", "verstetigt"]).sum())
        out.n_cancelled = int((st == "abgebrochen").sum())
        out.n_planned = int((st == "geplant").sum())
        ov = inventory_overview(measures, dimensions=("status", "wirkungsstufe", "lebensbereich", "target_group"))
        labels = {"wirkungsstufe": lambda c: f"{int(float(c))} – {WIRKUNGSSTUFEN[int(float(c))]}"
                  if str(c) not in ("nan", "<NA>") else "–",
                  "lebensbereich": lambda c: LEBENSBEREICHE.get(str(c), str(c))}
        ov = ov.copy()
        ov["label"] = [labels.get(d, str)(c) for d, c in zip(ov["dimension"], ov["category"])]
        ov["share_pct"] = 100 * ov["share"]
        ov["category"] = ov["category"].astype(str)
        out.measures = ov[["dimension", "category", "label", "n", "share_pct"]].reset_index(drop=True)
    edges = inp.table("network_edges")
    if not edges.empty:
        summ = network_summary(edges).sort_values("wave").reset_index(drop=True)
        cross = next((c for c in summ.columns if "admin" in c and "civil" in c and "share" in c), None)
        if cross:
            summ["cross_pct"] = 100 * summ[cross]
        out.network = summ
        turn = network_turnover(edges)
        if not turn.empty:
            turn = turn.assign(period=turn["wave_from"].astype(int).astype(str) + "–" + turn["wave_to"].astype(int).astype(str))
        out.turnover = turn
    events = inp.table("events")
    events = events[pd.to_numeric(events["year"], errors="coerce") <= inp.year] if "year" in events else events
    if not events.empty:
        ps = participation_summary(events).sort_values("year").reset_index(drop=True)
        ps["share_pct"] = 100 * ps["share_with_disabilities"]
        counts = ["participants", "participants_with_disabilities"] + (
            ["participants_schulung"] if "participants_schulung" in ps.columns else [])
        out.participation, out.participation_flags = publish_counts(
            ps, counts, inp.choices.disclosure_threshold, derived={"share_pct": "participants_with_disabilities"})
    resp = inp.table("index_responses")
    if not resp.empty and resp["round"].nunique() >= 2:
        ch = index_change(resp)
        if "area_name" in resp.columns and "area" in ch.columns:  # the area's title (A: "Inklusive Kulturen schaffen")
            names = resp[["area", "area_name"]].dropna().drop_duplicates("area")
            ch = ch.merge(names, on="area", how="left")
        out.index_inklusion = ch.assign(agree_from=100 * ch["share_agree_from"], agree_to=100 * ch["share_agree_to"],
                                        change=100 * ch["change_share_agree"]).reset_index(drop=True)
    return out


# -- qualitative -----------------------------------------------------------------------------------------
def demo_names(inp: Inputs) -> list[str]:
    """Person names to replace in quotes (besides e-mail addresses and phone numbers): a team lists
    them in ``qualitative/person_names.txt``; for the Musterdaten the generator's fictional names."""
    path = inp.dataset.folder / "qualitative" / "person_names.txt"
    names: list[str] = []
    if path.exists():
        names += [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
                  if line.strip() and not line.startswith("#")]
    elif inp.dataset.is_synthetic:
        from ..demo.texts import FIRST_NAMES, LAST_NAMES

        names += list(FIRST_NAMES) + list(LAST_NAMES)
    return names


def qualitative_part(inp: Inputs, targets: b.Targets) -> b.Qualitative:
    from ..qualitative.agreement import segment_agreement
    from ..qualitative.aggregate import code_frequencies, prevalence
    from ..qualitative.cooccurrence import cooccurrence
    from ..qualitative.joint_display import joint_display
    from ..qualitative.quotes import select_quotes, small_places
    from ..vocabulary import LEBENSBEREICHE, WIRKUNGSSTUFEN

    a = inp.choices
    ds = inp.dataset
    path = ds.folder / "qualitative" / "sources.csv"
    if not path.exists() or ds.codings.empty:
        return b.Qualitative()
    all_sources = ds.extra("qualitative/sources.csv")
    sources = all_sources[(all_sources["municipality_id"] == inp.municipality_id)
                          & (all_sources["year"].astype(int) <= inp.year)].reset_index(drop=True)
    codings = ds.codings[ds.codings["source_id"].isin(set(sources["source_id"]))].reset_index(drop=True)
    if codings.empty:
        return b.Qualitative()
    codebook = ds.codebook
    primary = codings[codings["coder"] == a.primary_coder] if (codings["coder"] == a.primary_coder).any() else codings
    out = b.Qualitative(n_documents=len(sources), n_codings=len(primary),
                        kinds={str(k): int(n) for k, n in sources["kind"].value_counts().sort_index().items()})
    p = prevalence(primary, sources, codebook, level="lebensbereich", by=("municipality_id",))
    p = p.assign(label=p["lebensbereich"].map(lambda x: LEBENSBEREICHE.get(str(x), str(x))),
                 share_pct=100 * p["share"], ci_low_pct=100 * p["ci_low"], ci_high_pct=100 * p["ci_high"])
    out.prevalence = p.sort_values("share", ascending=False).reset_index(drop=True)[
        ["lebensbereich", "label", "k_units", "share_pct", "ci_low_pct", "ci_high_pct"]]
    f = code_frequencies(primary, all_sources, codebook, by=("municipality_id",), level="wirkungsstufe")
    f = f.assign(label=f["wirkungsstufe"].map(lambda s: f"{int(float(s))} – {WIRKUNGSSTUFEN[int(float(s))]}"
                                               if pd.notna(s) else "–"))
    out.stufen = f.sort_values("wirkungsstufe").reset_index(drop=True)[["wirkungsstufe", "label", "segments",
                                                                        "documents"]]
    coders = sorted(codings["coder"].dropna().unique())
    if len(coders) >= 2:
        by_doc = codings.groupby("source_id")["coder"].nunique()
        double = by_doc[by_doc >= 2].index
        if len(double):
            sa = segment_agreement(codings[codings["source_id"].isin(double)], coders[0], coders[1],
                                   min_overlap=a.agreement_min_overlap)
            overall = sa.overall if isinstance(sa.overall, float) else getattr(sa.overall, "estimate", float("nan"))
            kappa = sa.kappa if isinstance(sa.kappa, float) else getattr(sa.kappa, "estimate", float("nan"))
            out.agreement = {"n_docs": int(len(double)), "overlap": float(100 * a.agreement_min_overlap),
                             "agreement": float(100 * overall), "kappa": float(kappa)}
    top = primary["code_id"].value_counts().head(a.cooccurrence_max_codes).index.tolist()
    names = codebook.set_index("code_id")["name"]
    co = cooccurrence(primary, mode=a.cooccurrence_mode, distance=a.cooccurrence_distance, codes=top)
    co = co.assign(name_a=co["code_a"].map(names), name_b=co["code_b"].map(names))
    pairs = co[co["code_a"] < co["code_b"]].sort_values(["jaccard", "count"], ascending=False)
    out.cooccurrence = pairs[["code_a", "code_b", "name_a", "name_b", "count", "jaccard"]].reset_index(drop=True)
    out.cooccurrence_codes = [str(names.get(c, c)) for c in top]
    out.cooccurrence_any = bool((pairs["count"] > 0).any())
    out.cooccurrence_mode = a.cooccurrence_mode
    top5 = primary["code_id"].value_counts().head(5).index.tolist()
    places = small_places(inp.table("areas"), inp.params.report.quote_place_min_population)
    q = select_quotes(primary, per_code=1, codes=top5, names=demo_names(inp), places=places, sources=sources)
    if not q.empty:
        out.quotes = q.assign(code=q["code_id"].map(names))[["code", "text", "source_label", "source_kind", "role",
                                                             "year"]].reset_index(drop=True)
    at = targets.table
    if not targets.error and not at.empty:
        indicators = at[["indicator_id", "name", "lebensbereich", "wirkungsstufe", "status_label", "latest"]].rename(
            columns={"status_label": "status", "latest": "value"})
        jd = joint_display(indicators, primary, sources, codebook, names=demo_names(inp), places=places)
        jd = jd[(jd["n_indicators"] > 0) | (jd["n_documents"] > 0)].copy()
        jd["document_pct"] = 100 * jd["document_share"]
        out.joint = jd[["lebensbereich_label", "wirkungsstufe_label", "indicators", "codes", "document_pct",
                        "quote", "agreement"]].reset_index(drop=True)
    return out


# -- index -----------------------------------------------------------------------------------------------
INDEX_CACHE = "_index_cache"  # attribute of the Dataset the snapshot pre-fills ({year: (index, unc, year)})


def fitted_index(dataset: Dataset, params: Params, year: int):
    """(CompositeIndex, uncertainty, data year) over all municipalities, computed once per dataset and year."""
    store = dataset.__dict__.setdefault(INDEX_CACHE, {})
    if year in store:
        return store[year]
    from ..indicators.composite import CompositeIndex
    from ..register import load_register
    from .inputs import seed_of

    a = params.analysis
    iv = dataset.indicator_values
    tv = iv[(iv["area_id"] == iv["municipality_id"]) & (iv["year"] <= year)]
    n_munis = dataset.municipalities["municipality_id"].nunique()
    reg = load_register().table
    usable = reg.loc[reg["polarity"] != 0, "indicator_id"]
    coverage = tv[tv["indicator_id"].isin(usable)].groupby(["year", "indicator_id"])["municipality_id"].nunique()
    good = coverage[coverage >= a.index_min_coverage * n_munis].reset_index()
    if good.empty:
        raise EstimationError("no indicator is available for most municipalities")
    per_year = good.groupby("year")["indicator_id"].nunique()
    data_year = int(max(y for y, c in per_year.items() if c == per_year.max()))  # latest year with the best coverage
    ids = good.loc[good["year"] == data_year, "indicator_id"]
    meta = reg[reg["indicator_id"].isin(ids)]
    data = tv[(tv["year"] == data_year) & tv["indicator_id"].isin(ids)][["municipality_id", "indicator_id", "value"]]
    index = CompositeIndex(meta, imputation="median").fit(data)
    unc = index.uncertainty(n_draws=a.index_draws, seed=seed_of(params))
    store[year] = (index, unc, data_year)
    return store[year]


def index_part(inp: Inputs, highlight: list[str] | None = None) -> b.Index:
    from ..vocabulary import LEBENSBEREICHE

    idx, unc, data_year = fitted_index(inp.dataset, inp.params, inp.year)
    names = inp.municipalities.set_index("municipality_id")["name"]
    r = unc.ranks.reset_index().rename(columns={"unit": "municipality_id"})
    r["score"] = r["municipality_id"].map(idx.scores_)
    r["municipality"] = r["municipality_id"].map(names)
    ranks = r[["municipality_id", "municipality", "score", "rank", "rank_low", "rank_high"]].sort_values("rank")
    dom = idx.domain_scores_
    domains = pd.DataFrame(columns=["domain", "own", "median"])
    if inp.municipality_id in dom.index:
        domains = pd.DataFrame({"domain": [LEBENSBEREICHE.get(c, c) for c in dom.columns],
                                "own": dom.loc[inp.municipality_id].to_numpy(dtype=float),
                                "median": dom.median().to_numpy(dtype=float)})
    p = idx.get_params()
    return b.Index(year=data_year, n_units=len(idx.scores_), n_domains=int(dom.shape[1]),
                   method={k: str(p[k]) for k in ("normalisation", "weights", "aggregation")},
                   draws=int(inp.choices.index_draws), ranks=ranks.reset_index(drop=True), domains=domains)


# -- official context (Kreis level) ----------------------------------------------------------------------
def official_panel(inp: Inputs):
    """The one place the Regionaldatenbank context panel is read (:func:`evaluation.io.official.context_panel`)."""
    from ..io.official import context_panel

    from ..io.official import MODEL_KREISE

    params = inp.params
    paths = params.context_files(inp.project_root)  # context.files (vintages), else data.official_context
    if not paths:
        raise InputError("the parameter file names no official context table", column="data.official_context",
                         expected="a Regionaldatenbank 13211 table")
    for path in paths:
        if not path.exists():
            raise InputError("the official context table does not exist", file=str(path),
                             expected="a Regionaldatenbank 13211 table")
    own = params.municipality.kreis
    kreise = {k: MODEL_KREISE.get(k, (params.municipality.id, params.municipality.name) if k == own else (None, None))
              for k in params.context_kreise()}
    rel = ", ".join(params.context.files) if params.context.files else str(params.data.official_context)
    required = [own, *(params.context.kreise or [])]  # the default model Kreise may be missing from a newer download
    return context_panel(paths, years=params.context.years, kreise=kreise, required=required), rel


def official_part(inp: Inputs) -> b.OfficialContext:
    paths = inp.params.context_files(inp.project_root)  # context.files (vintages), else data.official_context
    if not paths or not all(path.exists() for path in paths):
        # not configured or not there: no error, the chapter says which table is missing
        rel = ", ".join(inp.params.context.files) or str(inp.params.data.official_context or "")
        return b.OfficialContext(kreis=inp.params.municipality.kreis, file=rel)
    panel, rel = official_panel(inp)
    kreis = inp.params.municipality.kreis
    summary = panel.summary("arbeitslose_sb_anteil")
    own = summary[summary["code"] == kreis].sort_values("year")
    if own.empty:
        raise InputError(f"the official context table has no row for Kreis {kreis}", file=rel, column="code",
                         expected=f"the Kreis code {kreis} of the parameter file")
    counts = panel.values[(panel.values["area_id"] == kreis) & (panel.values["indicator_id"] == "arbeitslose_sb")]
    table = own[["year", "value", "pool_median", "pool_q25", "pool_q75"]].merge(
        counts[["year", "value"]].rename(columns={"value": "count"}), on="year", how="left")
    table = table[["year", "count", "value", "pool_median", "pool_q25", "pool_q75"]].reset_index(drop=True)
    table["year"] = table["year"].astype(int)
    return b.OfficialContext(kreis=kreis, kreis_name=str(own["name"].iloc[0]), file=rel, table=table,
                             attribution=str(panel.attribution), caveat=str(panel.caveat))
