"""One municipality's plan: MDE per indicator (and Sozialraum), target feasibility, next survey wave.

:func:`plan_municipality` takes a validated parameter file and data folder and returns a
:class:`MunicipalityPlan`, everything the planning report shows, computed once here (the report
module :mod:`evaluation.reporting.planning` only renders it):

* ``indicators``: one row per indicator with a comparison panel or a survey: Basiswert, Sollwert,
  target year, projection from the pre-start trend with its interval, probability of the target
  without an effect, the effect needed, the MDE (simulated, with its Monte Carlo interval, and the
  closed form beside it), the verdict (:data:`evaluation.planning.feasibility.VERDICTS`);
* ``areas``: the MDE per Sozialraum for indicators with Sozialraum values (the Sozialraum's own
  noise against the whole-town pool);
* ``survey``: the next wave's respondents per Sozialraum for the precision asked and the MDE they give;
  ``survey_focus`` the survey indicator the report details (:func:`survey_focus`);
* ``recommendations``: what to measure more often or more finely, as text keys with their fields
  (German wording in ``texts/planning.yaml``).

Design of an indicator's MDE: the years before the programme start in which the municipality has
a value, and the programme years up to the target year (or the report year), capped at the pool's
last year with data; the pool's municipalities with complete values over those years.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import EstimationError, InputError
from ..results import check_alpha
from .feasibility import FeasibilityResult, target_feasibility
from .pool import Pool, report_pool
from .power import BatchTest, default_test, own_scale, simulate_mde
from .survey import last_wave_design, wave_plan

#: register source types whose indicators have a comparison panel (official and local statistics)
PANEL_SOURCES = ("official", "local")
SURVEY_SOURCES = ("survey",)

#: the assumptions every plan rests on (keys of ``texts/planning.yaml`` ``assumptions``)
ASSUMPTIONS = ("placebo", "noise", "constant_effect", "trend", "test", "survey", "pool")


@dataclass(frozen=True, eq=False)
class MunicipalityPlan:
    """Everything the planning report of one municipality shows (see the module docstring)."""

    municipality_id: str
    name: str
    year: int
    programme_start: int
    demo: bool
    pool: Pool
    alpha: float
    power: float
    half_width: float
    indicators: pd.DataFrame
    areas: pd.DataFrame
    survey: pd.DataFrame
    recommendations: tuple[tuple[str, dict], ...]
    assumptions: tuple[str, ...] = ASSUMPTIONS
    survey_focus: str | None = None
    curves: dict = field(default_factory=dict, repr=False)
    notes: tuple[str, ...] = ()


INDICATOR_COLUMNS = [
    "indicator_id", "name", "unit", "kind", "polarity", "source_type", "baseline_year", "baseline", "target",
    "target_year", "latest_year", "latest", "projection", "projection_low", "projection_high", "probability",
    "needed_effect", "mde", "mde_low", "mde_high", "closed_form", "mde_kind", "n_placebos", "n_comparison",
    "n_pre", "n_post", "last_year", "verdict", "notes",
]


def _wide(values: pd.DataFrame, indicator_id: str, area: bool = False) -> pd.DataFrame:
    v = values[values["indicator_id"].astype(str) == indicator_id]
    if not area:
        v = v[v["area_id"].astype(str) == v["municipality_id"].astype(str)]
        key = "municipality_id"
    else:
        key = "area_id"
    v = v.drop_duplicates([key, "year"])
    return v.pivot(index=key, columns="year", values="value").astype(float).sort_index(axis=1)


def design_mde(treated: pd.Series, pool_wide: pd.DataFrame, start: int, end_year: int, *, polarity: int,
               test: BatchTest = default_test, alpha: float = 0.05, power: float = 0.8, noise: str = "own"):
    """The MDE of one series (a municipality or Sozialraum) against the pool, for the years up to ``end_year``.

    ``treated``: the published values by year; ``pool_wide``: comparison municipalities x years.
    Returns (:class:`~evaluation.planning.power.MDEResult`, last year used) or raises EstimationError.
    """
    if noise not in ("own", "pool"):
        raise InputError("noise must be 'own' or 'pool'", found=noise)
    treated = treated.dropna()
    pre_years = [int(y) for y in treated.index if int(y) < start]
    if not pre_years:
        raise EstimationError(f"no value before the programme start {start}")
    first = min(pre_years)
    years = [int(y) for y in pool_wide.columns if first <= int(y)]
    pool = pool_wide[years].dropna()
    last = min(int(end_year), max(years))
    if last < start:
        raise EstimationError(f"no pool year from the programme start {start} on")
    design_years = [y for y in years if y <= last]
    pool = pool_wide[design_years].dropna()
    if len(pool) < 3:
        raise EstimationError(f"only {len(pool)} comparison municipalities with complete values {first}-{last}")
    n_pre = sum(1 for y in design_years if y < start)
    n_post = sum(1 for y in design_years if y >= start)
    comp = pool.to_numpy(float)
    own = None
    if noise == "own":
        t_pre = treated.reindex([y for y in design_years if y < start]).to_numpy(float)
        ok = np.isfinite(t_pre)
        if ok.sum() >= 2:
            own = own_scale(t_pre[ok], comp[:, :n_pre][:, ok], int(ok.sum()))
    res = simulate_mde(comp, n_pre, n_post, own_scale=own, test=test, alpha=alpha, power=power,
                       direction=1 if polarity >= 0 else -1)
    return res, last


def _baseline(series: pd.Series, tgt) -> float:
    if tgt.baseline is not None:
        return float(tgt.baseline)
    v = series.get(int(tgt.baseline_year), np.nan)
    return float(v) if pd.notna(v) else float("nan")


def plan_municipality(params, dataset, *, year: int | None = None, pool: Pool | list[str] | None = None,
                      alpha: float | None = None, power: float = 0.8, half_width: float = 0.05,
                      test: BatchTest = default_test, noise: str = "own", register=None,
                      indicators: list[str] | None = None, areas: bool = True) -> MunicipalityPlan:
    """The plan of ``params``' municipality on ``dataset`` (a validated :class:`evaluation.dataset.Dataset`).

    ``pool``: the comparison ids (default: :func:`evaluation.planning.pool.report_pool`, the pool of the
    report's results bundle); ``alpha``: default the parameter file's ``analysis.alpha`` (the report's level);
    ``test``: the estimator and inference (default: the report's, vectorised); ``half_width``:
    precision asked of a survey share (fraction, 0.05 = +-5 percentage points); ``indicators``: restrict
    to these ids (default: every indicator with a comparison panel or a survey, plus every target).
    """
    from ..register import load_register

    analysis = getattr(params, "analysis", None)
    alpha = check_alpha(alpha if alpha is not None else getattr(analysis, "alpha", 0.05))
    register = register or load_register()
    mid = params.municipality.id
    start = int(params.programme.start)
    year = int(year or params.report.year)
    values = dataset.indicator_values
    values = values[values["year"] <= year]
    if pool is None:
        pool_obj = report_pool(params, dataset, year=year)
    elif isinstance(pool, Pool):
        pool_obj = pool
    else:
        pool_obj = Pool(tuple(str(p) for p in pool), "given")
    pool_ids = list(pool_obj.ids)
    own_values = values[values["municipality_id"].astype(str) == mid]
    have = set(own_values["indicator_id"].astype(str))
    targets = dict(params.targets)
    wanted = indicators or sorted(i for i in have if i in register and register[i].source_type
                                  in PANEL_SOURCES + SURVEY_SOURCES) + [t for t in targets if t in have]
    wanted = [i for i in dict.fromkeys(wanted) if i in register]
    survey_design = pd.DataFrame()
    responses = dataset.tables.get("survey_responses")
    notes: list[str] = []
    if responses is not None and not responses.empty and (responses["municipality_id"].astype(str) == mid).any():
        try:
            survey_design = wave_plan(last_wave_design(responses, mid, alpha=alpha), half_width=half_width,
                                      alpha=alpha, power=power)
        except (EstimationError, InputError) as exc:
            notes.append(f"survey plan not possible: {exc}")
    rows, area_rows, curves = [], [], {}
    for ind_id in wanted:
        ind = register[ind_id]
        tgt = targets.get(ind_id)
        town = _wide(own_values, ind_id).reindex([mid])
        series = town.iloc[0] if len(town) else pd.Series(dtype=float)
        series = series.dropna()
        row: dict[str, Any] = {c: np.nan for c in INDICATOR_COLUMNS}
        row.update(indicator_id=ind_id, name=ind.name, unit=ind.unit, kind=ind.kind, polarity=ind.polarity,
                   source_type=ind.source_type, verdict="not_assessable", notes="", mde_kind="")
        if len(series):
            row.update(latest_year=int(series.index.max()), latest=float(series.iloc[-1]))
        if tgt is not None:
            row.update(baseline_year=int(tgt.baseline_year), baseline=_baseline(series, tgt), target=float(tgt.target),
                       target_year=int(tgt.target_year))
        end_year = int(tgt.target_year) if tgt is not None else year
        mde = float("nan")
        row_notes: list[str] = []
        if ind.source_type in PANEL_SOURCES:
            pool_wide = _wide(values[values["municipality_id"].astype(str).isin(pool_ids)], ind_id)
            try:
                res, last = design_mde(series, pool_wide, start, end_year, polarity=ind.polarity, test=test,
                                       alpha=alpha, power=power, noise=noise)
                mde = res.estimate
                curves[ind_id] = res.power_curve
                row.update(mde=res.estimate, mde_low=res.ci_low, mde_high=res.ci_high, closed_form=res.closed_form,
                           mde_kind="panel", n_placebos=res.n, n_comparison=res.n_comparison, n_pre=res.n_pre,
                           n_post=res.n_post, last_year=last)
                row_notes += list(res.notes)
            except (EstimationError, InputError) as exc:
                row_notes.append(f"no MDE: {exc}")
            if areas and ind.spatial_level == "sozialraum":
                area_wide = _wide(own_values[own_values["area_id"].astype(str) != mid], ind_id, area=True)
                for area_id, a_series in area_wide.iterrows():
                    try:
                        ra, last_a = design_mde(a_series, pool_wide, start, end_year, polarity=ind.polarity,
                                                test=test, alpha=alpha, power=power, noise=noise)
                        area_rows.append({"indicator_id": ind_id, "name": ind.name, "unit": ind.unit,
                                          "area_id": str(area_id), "mde": ra.estimate, "mde_low": ra.ci_low,
                                          "mde_high": ra.ci_high, "closed_form": ra.closed_form,
                                          "town_mde": mde, "own_scale": ra.own_scale, "n_placebos": ra.n,
                                          "last_year": last_a, "notes": "; ".join(ra.notes)})
                    except (EstimationError, InputError) as exc:
                        area_rows.append({"indicator_id": ind_id, "name": ind.name, "unit": ind.unit,
                                          "area_id": str(area_id), "mde": np.nan, "notes": str(exc)})
        elif ind.source_type in SURVEY_SOURCES and not survey_design.empty:
            s = survey_design[(survey_design["indicator_id"] == ind_id) & (survey_design["area_id"] == mid)]
            if len(s):
                mde = float(s["mde"].iloc[0])
                row.update(mde=mde, mde_kind="survey", last_year=int(s["wave"].iloc[0]))
        else:
            row_notes.append("output indicator of the programme itself: counted, not estimated against a comparison")
        if tgt is not None and ind.source_type in PANEL_SOURCES:
            feas = target_feasibility(series.index.to_numpy(), series.to_numpy(), start=start, target=tgt.target,
                                      target_year=tgt.target_year, polarity=ind.polarity, kind=ind.kind, mde=mde,
                                      alpha=alpha)
            _apply(row, feas)
            row_notes += list(feas.notes)
        elif tgt is not None and ind.source_type in SURVEY_SOURCES and len(series):
            # no trend before the start (waves every few years): the change still needed from the last wave
            d = float(ind.polarity)
            needed = d * (float(tgt.target) - float(series.iloc[-1]))
            row.update(projection=float(series.iloc[-1]), needed_effect=needed)
            row["verdict"] = ("reachable_without_effect" if needed <= 0 else "not_assessable" if not np.isfinite(mde)
                              else "not_detectable" if needed < mde else "detectable")
            row_notes.append("survey: no pre-start trend; the change still needed from the last wave")
        row["notes"] = "; ".join(dict.fromkeys(row_notes))
        rows.append(row)
    table = pd.DataFrame(rows, columns=INDICATOR_COLUMNS)
    area_table = pd.DataFrame(area_rows)
    if not area_table.empty and "areas" in dataset.tables:
        names = dataset.tables["areas"].assign(area_id=lambda a: a["area_id"].astype(str)).set_index("area_id")["name"]
        area_table.insert(list(area_table.columns).index("area_id") + 1, "area_name",
                          area_table["area_id"].map(names).fillna(area_table["area_id"]))
    if not survey_design.empty and "areas" in dataset.tables:
        names = dataset.tables["areas"].assign(area_id=lambda a: a["area_id"].astype(str)).set_index("area_id")["name"]
        survey_design = survey_design.assign(area_name=survey_design["area_id"].map(names).fillna(params.municipality.name),
                                             name=survey_design["indicator_id"].map(
                                                 lambda i: register[i].name if i in register else i))
    focus = survey_focus(table, survey_design)
    recs = recommendations(table, area_table, survey_design, municipality_id=mid, focus=focus)
    demo = bool(params.report.demo or dataset.is_synthetic)
    return MunicipalityPlan(municipality_id=mid, name=params.municipality.name, year=year, programme_start=start,
                            demo=demo, pool=pool_obj, alpha=alpha, power=power, half_width=half_width, indicators=table,
                            areas=area_table, survey=survey_design, recommendations=recs, curves=curves,
                            survey_focus=focus,
                            notes=tuple(notes))


def _apply(row: dict, feas: FeasibilityResult) -> None:
    row.update(projection=feas.estimate, projection_low=feas.ci_low, projection_high=feas.ci_high,
               probability=feas.probability, needed_effect=feas.needed_effect, verdict=feas.verdict)


def survey_focus(indicators: pd.DataFrame, survey: pd.DataFrame) -> str | None:
    """The survey indicator whose target is hardest to show (largest MDE per effect needed; a target
    already reached counts as easiest), else the first survey indicator; None without a survey."""
    if survey.empty:
        return None
    t = indicators[(indicators["mde_kind"] == "survey") & indicators["target"].notna()]
    if len(t):
        ratio = (t["mde"] / t["needed_effect"].where(t["needed_effect"] > 0)).fillna(0.0)
        return str(t["indicator_id"].to_numpy()[int(np.argmax(ratio.to_numpy()))])
    return str(survey["indicator_id"].iloc[0])


def recommendations(indicators: pd.DataFrame, areas: pd.DataFrame, survey: pd.DataFrame, *,
                    municipality_id: str, focus: str | None = None) -> tuple[tuple[str, dict], ...]:
    """What to measure more often or more finely, from the plan's tables (rule in the docstring lines).

    * a target not detectable with a panel indicator -> more comparison municipalities or years, or a
      finer measure (``panel_not_detectable``);
    * a target not detectable with a survey indicator -> a larger or more frequent wave (``survey_not_detectable``);
    * a target reachable without an effect -> the target does not show the programme's work (``trend_reaches``);
    * Sozialräume whose survey precision for the focus indicator (:func:`survey_focus`) misses the one
      asked -> respondents of its subgroup needed there (``survey_areas``);
    * Sozialraum MDEs more than twice the whole town's -> measures in one Sozialraum need a
      Sozialraum-level comparison or a longer series (``area_mde``).
    """
    out: list[tuple[str, dict]] = []
    for r in indicators.itertuples():
        if r.verdict == "not_detectable":
            key = "survey_not_detectable" if r.mde_kind == "survey" else "panel_not_detectable"
            out.append((key, {"indicator_id": r.indicator_id, "name": r.name, "needed": r.needed_effect,
                              "mde": r.mde, "unit": r.unit}))
        elif r.verdict == "reachable_without_effect":
            out.append(("trend_reaches", {"indicator_id": r.indicator_id, "name": r.name, "unit": r.unit,
                                          "probability": r.probability}))
    if not survey.empty and focus is not None:
        a = survey[(survey["indicator_id"] == focus) & (survey["area_id"] != municipality_id)
                   & (survey["n_needed"] > survey["n"])]
        if len(a):
            cols = ["area_id", "n", "n_needed"] + (["area_name"] if "area_name" in a else [])
            out.append(("survey_areas", {"indicator_id": focus,
                                         "name": a["name"].iloc[0] if "name" in a else focus,
                                         "subgroup": str(a["subgroup"].iloc[0]) if "subgroup" in a else "all",
                                         "areas": a[cols].to_dict("records"),
                                         "half_width": float(survey["half_width"].iloc[0])}))
    if not areas.empty and "town_mde" in areas:
        big = areas[areas["mde"] > 2 * areas["town_mde"]]
        for ind_id, g in big.groupby("indicator_id"):
            out.append(("area_mde", {"indicator_id": ind_id, "name": g["name"].iloc[0], "n_areas": int(len(g)),
                                     "factor": float((g["mde"] / g["town_mde"]).median()), "unit": g["unit"].iloc[0]}))
    return tuple(out)


def plan_from_files(params_file: str | Path, *, year: int | None = None, data_folder: str | Path | None = None,
                    project_root: str | Path | None = None, **options) -> MunicipalityPlan:
    """Load the parameter file and its data folder (validated) and plan (:func:`plan_municipality`)."""
    from ..dataset import load_dataset
    from ..params import load_params

    params = load_params(params_file)
    root = Path(project_root) if project_root else Path(params_file).resolve().parent.parent
    folder = Path(data_folder) if data_folder else params.data_folder(root)
    dataset = load_dataset(folder, municipality_ids=[params.municipality.id])
    return plan_municipality(params, dataset, year=year, **options)
