"""The analysis bundle: every number a report shows, computed once (:func:`evaluation.analysis.analyse`).

A :class:`MunicipalityAnalysis` holds one part per subject (targets, comparison, effects, survey,
process, qualitative, index, official context). Each part is a dataclass whose tables are pandas
DataFrames with documented columns and whose scalars are plain Python values. A part that could
not be computed holds ``error`` (the reason, in the words of the :class:`~evaluation.errors.InputError`
or :class:`~evaluation.errors.EstimationError` that stopped it) and otherwise its default (empty)
values; the report says "nicht verfügbar" with that reason, and every other part is unaffected.

The report chapters (:mod:`evaluation.reporting.chapters`) only render a bundle: a sentence, a table,
a figure, its alt text, the Leichte-Sprache line and the overview cell that show the same quantity
read it from the same field here (one number, one source).

Saving: :meth:`MunicipalityAnalysis.save` writes a folder with ``bundle.json`` (scalars, metadata and
the structure) and one Parquet file per table; :meth:`MunicipalityAnalysis.load` reads it back with
the same types (round trip tested). This module imports no estimator: reporting may import it.

>>> # from evaluation.analysis import analyse, load_inputs
>>> # params, dataset = load_inputs("params/erlangen.yaml")
>>> # a = analyse(params, dataset, year=2025)
>>> # a.effects.table[["name", "estimate", "ci_low", "ci_high", "verdict"]]
>>> # a.save("/tmp/erlangen-2025"); MunicipalityAnalysis.load("/tmp/erlangen-2025")
"""

from __future__ import annotations

import dataclasses
import json
import math
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

FORMAT = 1


def _df() -> pd.DataFrame:
    return pd.DataFrame()


@dataclass
class Part:
    """Base of every part. ``error``: why the part is not available (None: it is)."""

    error: str | None = None

    @property
    def available(self) -> bool:
        """True when the part was computed (``error`` is None)."""
        return self.error is None


@dataclass
class Meta(Part):
    """Who and what the analysis is about, and the choices it used.

    Attributes
    ----------
    municipality_id, name, kind, state, kreis: identity from the parameter file.
    programme, programme_start: the programme and its first year in this municipality.
    year: the report year; only data up to this year enter.
    demo: the data are Musterdaten (synthetic); every page must say so.
    data_cutoff: latest year with an indicator value of this municipality (<= ``year``).
    data_cutoffs: latest year per data table that has a year (``{table: year}``).
    choices: the ``analysis`` and ``comparison`` sections actually used (defaults filled in), and
        the seed used for every random draw.
    population: inhabitants of the municipality (``municipalities.csv``, column ``population``).
    n_applicants: applicant municipalities that did not become model municipalities (the largest
        possible comparison pool).
    areas: Sozialräume (``name``, ``population``).
    inputs: input files (``file``, ``rows``, ``hash`` = first 16 hex digits of the SHA-256).
    created: when the bundle was computed (UTC, ISO 8601); version: package version.
    report: the parameter file's ``report`` section (title, institution, authors, version,
        data_cutoff per source, citation, ...) as plain values.
    """

    municipality_id: str = ""
    name: str = ""
    kind: str = ""
    state: str = ""
    kreis: str = ""
    programme: str = ""
    programme_start: int = 0
    year: int = 0
    demo: bool = False
    data_cutoff: int | None = None
    data_cutoffs: dict = field(default_factory=dict)
    choices: dict = field(default_factory=dict)
    population: int | None = None
    n_applicants: int = 0
    areas: pd.DataFrame = field(default_factory=_df)
    inputs: pd.DataFrame = field(default_factory=_df)
    created: str = ""
    version: str = ""
    report: dict = field(default_factory=dict)


@dataclass
class Indicators(Part):
    """Published indicator values (after disclosure control) and the series with intervals.

    Attributes
    ----------
    published: this municipality's ``indicator_values`` up to the report year after primary and
        secondary suppression (:func:`evaluation.disclosure.suppress_indicator_values`); column
        ``flag`` marks suppressed cells. Every indicator value a report shows comes from here.
    series: whole-town series of the targeted indicators: ``indicator_id, name, unit, year,
        numerator, denominator, value, ci_low, ci_high`` (95 % Wilson / exact Poisson intervals from
        the published counts, :func:`evaluation.indicators.rates.add_intervals`).
    register: the indicator register rows of the indicators shown (``name, source, spatial_level,
        unit, polarity, kind, wirkungsstufe, lebensbereich``).
    """

    published: pd.DataFrame = field(default_factory=_df)
    series: pd.DataFrame = field(default_factory=_df)
    register: pd.DataFrame = field(default_factory=_df)

    def latest(self, indicator_id: str, area_id: str | None = None) -> float | None:
        """The latest published value of an indicator (whole town unless ``area_id``), or None."""
        v = self.published
        if v.empty:
            return None
        area = area_id if area_id is not None else v["municipality_id"].iloc[0]
        v = v[(v["indicator_id"] == indicator_id) & (v["area_id"] == area)].dropna(subset=["value"])
        return None if v.empty else float(v.sort_values("year")["value"].iloc[-1])


@dataclass
class Targets(Part):
    """Target attainment per indicator with a target (:func:`evaluation.indicators.targets.attainment_table`).

    Attributes
    ----------
    table: one row per targeted indicator: ``indicator_id, name, unit, polarity, wirkungsstufe,
        baseline_year, baseline, target, target_year, latest, latest_year, ci_low, ci_high, share``
        (share of the way from baseline to target, 1 = reached), ``share_pct`` (the same in %),
        ``share_plot`` (share_pct capped to [-100, 200] for the bar chart), ``capped`` (True when the
        bar is cut), ``projection``, ``status`` (achieved | on_track | off_track | not_assessable),
        ``status_label`` (German), ``reason``, ``n_respondents`` (survey indicators: respondents of
        the latest wave, else NaN) and ``small_n`` (fewer than ``analysis.min_respondents``).
    counts: number of indicators per status key.
    steps: the impact staircase: ``step, name, level, measures`` (measures whose highest step it
        is, every status), ``indicators`` (register indicators of the step), ``targets`` (of them
        with a target).
    """

    table: pd.DataFrame = field(default_factory=_df)
    counts: dict = field(default_factory=dict)
    steps: pd.DataFrame = field(default_factory=_df)


@dataclass
class Comparison(Part):
    """The comparison pool actually used by every effect estimate, and its balance.

    Attributes
    ----------
    rule: how the pool came about: ``matched``, ``type_fallback`` (too few matches: the whole
        Gemeindetyp), ``same_type``, ``all``, ``list``.
    method: ``nearest_neighbour`` | ``propensity_score`` | None (no matching).
    exact: matched exactly on this first (``gemeindetyp``) or None.
    k: neighbours asked for (the parameter file's ``comparison.k``, at most the applicants of the
    same Gemeindetyp); k_requested: ``comparison.k`` itself; n_matched: neighbours found (within the caliper).
    ids, names: the comparison municipalities (ids and names, same order).
    n_pool: len(ids), the number of comparison municipalities shown everywhere.
    balance: one row per pre-programme characteristic: ``variable, label, mean_model, mean_all,
        mean_pool, smd_before`` (against all applicants), ``smd_after`` (against the pool used),
        ``balanced`` (|smd_after| < threshold), ``worse`` (|smd_after| > |smd_before|).
    balance_passed: at most ``analysis.balance_max_failures`` characteristics unbalanced (None: no
        structure data, balance not checked).
    n_unbalanced: characteristics with |smd_after| >= threshold.
    structure: the Kontext chapter's table: ``variable, characteristic, own, median, q25, q75`` in
        the year before the programme, over the pool used.
    structure_year: that year.
    """

    rule: str = ""
    method: str | None = None
    exact: str | None = None
    k: int | None = None
    k_requested: int | None = None
    n_matched: int | None = None
    ids: list = field(default_factory=list)
    names: list = field(default_factory=list)
    n_pool: int = 0
    balance: pd.DataFrame = field(default_factory=_df)
    balance_passed: bool | None = None
    n_unbalanced: int = 0
    threshold: float = 0.1
    structure: pd.DataFrame = field(default_factory=_df)
    structure_year: int | None = None


@dataclass
class Effects(Part):
    """Impact estimates with inference and diagnostics, one row per headline indicator.

    Attributes
    ----------
    table: ``indicator_id, name, unit, unit_label`` (unit of the effect: Prozentpunkte for shares),
        ``polarity, estimate`` (mean effect over the programme years in the indicator's units),
        ``se, ci_low, ci_high`` (1 - alpha interval), ``p_value``, ``n_control`` (comparison
        municipalities with complete data), ``method`` and ``inference`` (the library's strings of the
        method actually used), ``method_label, inference_label`` (German), ``p_floor`` (the smallest
        p-value the inference can give, 1/number of assignments, NaN if not a rank test), ``error``
        (why no estimate), diagnostics ``pretrend_p`` (joint pre-trend test of the event study),
        ``pretrend_ok``, ``event_post_excludes_zero`` (some programme-year band excludes 0),
        ``synth_att, synth_pre_rmspe, synth_fit`` (ok | poor | perfect), ``synth_sign_agrees``,
        ``balance_ok``; and the wording rule's result (:func:`evaluation.analysis.wording.classify_effect`):
        ``verdict`` (robust | indication | unclear | not_interpretable | not_estimated), ``reasons``
        (semicolon-separated keys), ``direction`` (improvement | worsening | neutral | none).
    event_study: ``indicator_id, event_time, estimate, ci_low, ci_high`` (years relative to the start).
    synth_series: ``indicator_id, year, observed, synthetic``.
    synth_weights: ``indicator_id, donor, donor_name, weight`` (weights > 0.001, largest five).
    sensitivity: the first headline effect per pool (``all`` applicants, ``used`` = the report's
        pool): ``indicator_id, pool, n_comparison, estimate, ci_low, ci_high``.
    simulation: the impact simulation study (``evaluation/data/impact_simulation.csv``) if present.
    alpha: error level used.
    """

    table: pd.DataFrame = field(default_factory=_df)
    event_study: pd.DataFrame = field(default_factory=_df)
    synth_series: pd.DataFrame = field(default_factory=_df)
    synth_weights: pd.DataFrame = field(default_factory=_df)
    sensitivity: pd.DataFrame = field(default_factory=_df)
    simulation: pd.DataFrame = field(default_factory=_df)
    alpha: float = 0.05

    def headline(self) -> pd.DataFrame:
        """Rows with an estimate (the ones Kurzfassung and overview quote)."""
        t = self.table
        if t.empty or "estimate" not in t:
            return t
        return t.dropna(subset=["estimate"]).reset_index(drop=True)


@dataclass
class Survey(Part):
    """The weighted Bürgerbefragung (raking, Taylor-linearised design-based intervals).

    Attributes
    ----------
    waves: survey years.
    items: the items estimated: ``item, domain`` (None all, 1 with, 0 without disability), see
        :func:`evaluation.analysis.survey_items`.
    estimates: ``item, label, group, wave, estimate, se, ci_low, ci_high`` (in % of respondents,
        weighted), ``n`` (respondents), ``small_n`` (n < analysis.min_respondents).
    differences: last minus first wave: ``item, label, group, diff`` (Prozentpunkte), ``ci_low,
        ci_high``, ``significant`` (interval excludes 0), ``small_n``.
    weights: per wave ``wave, n, converged, iterations, kish`` (Kish effective sample size).
    scale: Cronbach's alpha of the attitude scale per wave: ``wave, alpha, ci_low, ci_high, n``.
    min_respondents: the flag threshold used.
    """

    waves: list = field(default_factory=list)
    items: list = field(default_factory=list)
    estimates: pd.DataFrame = field(default_factory=_df)
    differences: pd.DataFrame = field(default_factory=_df)
    weights: pd.DataFrame = field(default_factory=_df)
    scale: pd.DataFrame = field(default_factory=_df)
    min_respondents: int = 30


@dataclass
class Participants(Part):
    """Participant questionnaires per measure, published (counts < threshold masked).

    ``table``: ``title, n_respondents, reach, acceptance, benefit`` (shares in %), ``small_n``
    (fewer than ``min_respondents``: the shares are flagged); ``flags``: the disclosure flags of the
    same shape; ``min_n``: measures with fewer respondents show no shares.
    """

    table: pd.DataFrame = field(default_factory=_df)
    flags: pd.DataFrame = field(default_factory=_df)
    min_n: int = 5
    min_respondents: int = 30


@dataclass
class Process(Part):
    """Process figures: measures (including cancelled ones), network, events, Index für Inklusion.

    Attributes
    ----------
    n_measures: measures in the inventory (every status); n_running, n_finished (abgeschlossen or
        verstetigt), n_cancelled (abgebrochen), n_planned.
    measures: inventory overview ``dimension, category, label, n, share_pct``.
    network: per wave ``wave, actors, ties, density, coordination_degree_centrality, cross_pct,
        actors_<sector>``; turnover: ``period, stayers, newcomers, leavers, actor_jaccard``.
    participation: per year (published) ``year, events, participants, participants_with_disabilities,
        share_pct, participants_schulung``; participation_flags: disclosure flags.
    index_inklusion: change between the self-assessment rounds ``area, theme, agree_from, agree_to, change`` (and ``area_name``, the area's title, when the data name it).
    """

    n_measures: int = 0
    n_running: int = 0
    n_finished: int = 0
    n_cancelled: int = 0
    n_planned: int = 0
    measures: pd.DataFrame = field(default_factory=_df)
    network: pd.DataFrame = field(default_factory=_df)
    turnover: pd.DataFrame = field(default_factory=_df)
    participation: pd.DataFrame = field(default_factory=_df)
    participation_flags: pd.DataFrame = field(default_factory=_df)
    index_inklusion: pd.DataFrame = field(default_factory=_df)


@dataclass
class Qualitative(Part):
    """Aggregates of the coded qualitative material (counts of documents and segments, not persons).

    Attributes
    ----------
    n_documents, kinds (``{kind: documents}``), n_codings (codings of the primary coder).
    prevalence: ``lebensbereich, label, k_units, share_pct, ci_low_pct, ci_high_pct`` (Wilson).
    stufen: ``wirkungsstufe, label, segments, documents``.
    agreement: ``{n_docs, overlap, agreement, kappa}`` (agreement in %, Cohen's kappa) or {}.
    cooccurrence: pairs ``code_a, code_b, name_a, name_b, count, jaccard`` of the most frequent codes
        (all pairs, including zero); cooccurrence_codes: their names in order; cooccurrence_any:
        at least one pair co-occurs (else no heat map is drawn); cooccurrence_mode: overlap |
        proximity | document (``analysis.cooccurrence_mode``).
    quotes: ``code, text`` (pseudonymised, small places masked in sensitive quotes), ``source_label``
        ("Interview, befragte Person 2, 2021"), ``source_kind``, ``role``, ``year``; joint: the joint
        display table with ``agreement`` (the documented rule of :mod:`evaluation.qualitative.joint_display`).
    """

    n_documents: int = 0
    kinds: dict = field(default_factory=dict)
    n_codings: int = 0
    prevalence: pd.DataFrame = field(default_factory=_df)
    stufen: pd.DataFrame = field(default_factory=_df)
    agreement: dict = field(default_factory=dict)
    cooccurrence: pd.DataFrame = field(default_factory=_df)
    cooccurrence_codes: list = field(default_factory=list)
    cooccurrence_any: bool = False
    cooccurrence_mode: str = "overlap"
    quotes: pd.DataFrame = field(default_factory=_df)
    joint: pd.DataFrame = field(default_factory=_df)


@dataclass
class Index(Part):
    """The composite inclusion index over all municipalities (OECD/JRC 2008) with rank intervals.

    Attributes
    ----------
    year: data year; n_units: municipalities ranked; n_domains: Lebensbereiche.
    method: ``{normalisation, weights, aggregation}`` keys; draws: Monte Carlo draws.
    ranks: ``municipality_id, municipality, score, rank, rank_low, rank_high`` (90 % rank interval).
    domains: this municipality's domain scores ``domain, own, median``.
    """

    year: int | None = None
    n_units: int = 0
    n_domains: int = 0
    method: dict = field(default_factory=dict)
    draws: int = 0
    ranks: pd.DataFrame = field(default_factory=_df)
    domains: pd.DataFrame = field(default_factory=_df)


@dataclass
class OfficialContext(Part):
    """Real official statistics at Kreis level (Regionaldatenbank 13211), never at municipality level.

    ``level`` is always ``"Kreis"``: these figures describe the Kreis the municipality belongs to.
    ``table``: ``year, count, value, pool_median, pool_q25, pool_q75`` (unemployed severely disabled
    people and their share; the pool is all Kreise of the table). ``file``: the source table (an
    empty ``table`` without ``error``: the parameter file names none, or it is not there).
    """

    level: str = "Kreis"
    kreis: str = ""
    kreis_name: str = ""
    file: str = ""
    table: pd.DataFrame = field(default_factory=_df)
    attribution: str = ""
    caveat: str = ""


@dataclass
class MunicipalityAnalysis:
    """Every result one municipality's report shows; see the module docstring and each part."""

    meta: Meta = field(default_factory=Meta)
    indicators: Indicators = field(default_factory=Indicators)
    targets: Targets = field(default_factory=Targets)
    comparison: Comparison = field(default_factory=Comparison)
    effects: Effects = field(default_factory=Effects)
    survey: Survey = field(default_factory=Survey)
    participants: Participants = field(default_factory=Participants)
    process: Process = field(default_factory=Process)
    qualitative: Qualitative = field(default_factory=Qualitative)
    index: Index = field(default_factory=Index)
    official: OfficialContext = field(default_factory=OfficialContext)

    def parts(self) -> dict[str, Part]:
        """``{name: part}`` in report order."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def unavailable(self) -> dict[str, str]:
        """``{part: reason}`` of the parts that could not be computed."""
        return {k: p.error for k, p in self.parts().items() if p.error is not None}

    def save(self, folder: str | Path) -> Path:
        """Write ``bundle.json`` and one Parquet file per table into ``folder``."""
        return save(self, folder)

    @classmethod
    def load(cls, folder: str | Path) -> MunicipalityAnalysis:
        """Read a bundle written by :meth:`save`."""
        return load(folder, cls)


@dataclass
class OverviewAnalysis:
    """The overview's results: the municipalities' own bundles (the same numbers as their reports)
    and the index over all of them.

    ``municipalities``: one :class:`MunicipalityAnalysis` per model municipality (parts meta,
    targets, effects, index; the others empty); ``index``: the index with every model municipality
    in ``ranks``; ``year``.
    """

    year: int = 0
    municipalities: list = field(default_factory=list)
    index: Index = field(default_factory=Index)

    @property
    def demo(self) -> bool:
        return any(m.meta.demo for m in self.municipalities)

    def save(self, folder: str | Path) -> Path:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for m in self.municipalities:
            m.save(folder / m.meta.municipality_id)
        head = {"format": FORMAT, "year": self.year, "municipalities": [m.meta.municipality_id for m in self.municipalities],
                "index": _encode(self.index, folder, "index")}
        (folder / "overview.json").write_text(json.dumps(head, ensure_ascii=False, indent=1), encoding="utf-8")
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> OverviewAnalysis:
        folder = Path(folder)
        head = json.loads((folder / "overview.json").read_text(encoding="utf-8"))
        munis = [MunicipalityAnalysis.load(folder / mid) for mid in head["municipalities"]]
        return cls(year=int(head["year"]), municipalities=munis, index=_decode(head["index"], Index, folder))


# -- save / load --------------------------------------------------------------------------------------
def _plain(value: Any) -> Any:
    """A JSON-able copy (numpy scalars to Python, NaN to None)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _encode(obj: Any, folder: Path, prefix: str) -> Any:
    if dataclasses.is_dataclass(obj):
        return {f.name: _encode(getattr(obj, f.name), folder, f"{prefix}.{f.name}") for f in dataclasses.fields(obj)}
    if isinstance(obj, pd.DataFrame):
        name = f"{prefix}.parquet"
        df = obj.reset_index(drop=True)
        df.columns = [str(c) for c in df.columns]
        for c in df.columns:  # object columns holding mixed types are stored as text
            if df[c].dtype == object:
                kinds = {type(v) for v in df[c] if v is not None and not (isinstance(v, float) and math.isnan(v))}
                if len(kinds) > 1:
                    df[c] = df[c].map(lambda v: None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v))
        df.to_parquet(folder / name, index=False)
        return {"__table__": name}
    return _plain(obj)


def _decode(raw: Any, hint: Any, folder: Path) -> Any:
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        kw = {f.name: _decode(raw.get(f.name), hints[f.name], folder) for f in dataclasses.fields(hint)
              if f.name in raw}
        return hint(**kw)
    if isinstance(raw, dict) and "__table__" in raw:
        return pd.read_parquet(folder / raw["__table__"])
    origin = typing.get_origin(hint)
    if raw is not None and hint is float or (origin in (typing.Union, types.UnionType) and float in typing.get_args(hint)
                                             and isinstance(raw, int) and not isinstance(raw, bool)):
        return float(raw)
    if raw is None and hint is float:
        return float("nan")
    return raw


def save(bundle: MunicipalityAnalysis, folder: str | Path) -> Path:
    """Write a bundle: ``bundle.json`` (scalars and structure) and ``<part>.<field>.parquet`` per table."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    body = {"format": FORMAT, "bundle": _encode(bundle, folder, "bundle")}
    (folder / "bundle.json").write_text(json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")
    return folder


def load(folder: str | Path, cls: type = MunicipalityAnalysis) -> MunicipalityAnalysis:
    """Read a bundle written by :func:`save`."""
    from ..errors import InputError

    folder = Path(folder)
    path = folder / "bundle.json"
    if not path.exists():
        raise InputError("no analysis bundle here", file=str(path), expected="a folder written by MunicipalityAnalysis.save")
    body = json.loads(path.read_text(encoding="utf-8"))
    if body.get("format") != FORMAT:
        raise InputError("analysis bundle of another format", file=str(path), expected=f"format {FORMAT}",
                         found=body.get("format"))
    return _decode(body["bundle"], cls, folder)
