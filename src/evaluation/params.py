"""Load and validate a municipality's parameter file (``params/<municipality>.yaml``).

A parameter file says who is evaluated (identity, AGS, Kreis), which data go in, which comparison
municipalities the impact estimates use, the report year, the programme start, and the baseline
(Basiswert) and target (Sollwert) per indicator. It is the only place where such choices are made, so
the annual run is reproducible: same data + same parameter files = same reports.

Every key is checked: a misspelled key is an error that names the key, where it stands and the keys
allowed there (pydantic models with ``extra="forbid"``).

>>> from pathlib import Path
>>> p = load_params(Path(__file__).parents[2] / "params" / "erlangen.yaml")  # the repository's params/
>>> p.municipality.id
'erlangen'
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import InputError, Problem, validation_problems
from .yamlfile import read_yaml

_AGS = re.compile(r"^\d{8}$")
_KREIS = re.compile(r"^\d{5}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Municipality(_Strict):
    """Who is evaluated."""

    id: str = Field(min_length=1, description="identifier used in every data table")
    name: str = Field(min_length=1)
    kind: str = Field(min_length=1, description="e.g. kreisfreie Stadt, Verbandsgemeinde")
    state: str = Field(min_length=1)
    ags: list[str] = Field(min_length=1, description="8-digit AGS; several for an association's members")
    kreis: str = Field(description="5-digit Kreis code, for official statistics at Kreis level")

    @field_validator("ags", mode="before")
    @classmethod
    def _ags_list(cls, v: Any) -> Any:
        if isinstance(v, (str, int)):
            v = [v]
        out = []
        for item in v:
            if isinstance(item, int):
                raise ValueError(
                    f"AGS {item} was written as a number and may have lost its leading zero: "
                    f"quote it, e.g. '{item:08d}'"
                )
            if not _AGS.match(str(item)):
                raise ValueError(f"'{item}' is not an 8-digit AGS (expected e.g. '09562000')")
            out.append(str(item))
        return out

    @field_validator("kreis", mode="before")
    @classmethod
    def _kreis(cls, v: Any) -> Any:
        if isinstance(v, int):
            raise ValueError(f"Kreis code {v} was written as a number: quote it, e.g. '{v:05d}'")
        if not _KREIS.match(str(v)):
            raise ValueError(f"'{v}' is not a 5-digit Kreis code (expected e.g. '09562')")
        return str(v)


class Programme(_Strict):
    """The programme evaluated and when it started in this municipality."""

    name: str = "Kommune Inklusiv"
    start: int = Field(ge=2000, le=2100, description="first year with programme activity (treatment)")
    end: int | None = Field(default=None, ge=2000, le=2100)


class Report(_Strict):
    """What the annual report covers."""

    year: int = Field(ge=2000, le=2100)
    title: str | None = None
    demo: bool = Field(default=False, description="the data are Musterdaten: every page says so")
    leichte_sprache: bool = True
    pdf: bool = False
    # -- who stands behind the report (Kurzfassung, issue 14); shown as given, never invented --
    institution: str | None = Field(default=None, description="institution responsible for the report")
    authors: list[str] = Field(default_factory=list, description="authors, as they should be cited")
    version: str | None = Field(default=None, description="version of this report, e.g. '1.0' or '2025-06-30'")
    data_cutoff: dict[str, str] = Field(default_factory=dict, description="data cut-off per source, e.g. "
                                        "{'Bürgerbefragung': '31.03.2025'}; without it the latest year per table is shown")
    citation: str | None = Field(default=None, description="suggested citation; default: built from authors, "
                                 "institution, year and title")
    quote_place_min_population: int = Field(default=10_000, ge=0, description="in quotes that mention a disability "
                                            "or an aid, names of areas with fewer residents are masked")


class DataSources(_Strict):
    """Where the data live; relative paths are relative to the project root (the folder above params/)."""

    folder: str = "data/demo"
    official_context: str | None = Field(default=None, description="a Regionaldatenbank 13211 table for the context chapter")


class Sources(_Strict):
    """Where the import recipes live (``evaluation import``, see :mod:`evaluation.importing`)."""

    recipes: str = Field(default="data/raw/sources.yaml", description="the recipe file; raw paths in it are relative to it")


class Context(_Strict):
    """What the Kontext chapter shows from the official tables."""

    files: list[str] = Field(default_factory=list, description="Regionaldatenbank 13211 downloads (vintages: the later "
                                                                "Stand wins); default: data.official_context")
    years: list[int] | None = Field(default=None, description="years shown (default: every year of the table)")
    kreise: list[str] | None = Field(default=None, description="Kreise shown as model beside the pool (default: the "
                                                               "five model municipalities' Kreise and this one's)")

    @field_validator("kreise", mode="before")
    @classmethod
    def _kreise(cls, v: Any) -> Any:
        if v is None:
            return v
        out = []
        for k in v:
            if isinstance(k, int):
                raise ValueError(f"Kreis code {k} was written as a number: quote it, e.g. '{k:05d}'")
            if not _KREIS.match(str(k)):
                raise ValueError(f"'{k}' is not a 5-digit Kreis code (expected e.g. '09562')")
            out.append(str(k))
        return out


class Comparison(_Strict):
    """Which comparison municipalities the impact estimates use (see evaluation.comparison)."""

    pool: Literal["all", "same_type", "matched", "list"] = "matched"
    municipalities: list[str] = Field(default_factory=list, description="explicit ids when pool is 'list', or the recorded matched set")
    method: Literal["nearest_neighbour", "propensity_score"] = "nearest_neighbour"
    distance: Literal["euclidean", "mahalanobis"] = "euclidean"
    exact: Literal["gemeindetyp"] | None = Field(default="gemeindetyp", description="match exactly on the Gemeindetyp first")
    k: int = Field(default=10, ge=1)
    caliper: float | None = Field(default=None, gt=0)
    variables: list[str] = Field(default_factory=list)
    seed: int = 20251
    impact_method: str | None = Field(default=None, description="override of the reports' default inference method")

    @model_validator(mode="after")
    def _list_needs_ids(self) -> Comparison:
        if self.pool == "list" and not self.municipalities:
            raise ValueError("pool 'list' needs the ids under 'municipalities'")
        return self


class Target(_Strict):
    """Baseline and target of one indicator (Basiswert -> Sollwert)."""

    baseline_year: int = Field(ge=2000, le=2100)
    baseline: float | None = Field(default=None, description="if empty, read from the data in baseline_year")
    target: float
    target_year: int = Field(ge=2000, le=2100)

    @model_validator(mode="after")
    def _order(self) -> Target:
        if self.target_year <= self.baseline_year:
            raise ValueError(f"target_year {self.target_year} must come after baseline_year {self.baseline_year}")
        return self


class Analysis(_Strict):
    """The analysis choices of the report (:func:`evaluation.analysis.analyse`); every one has a documented default.

    The bundle records the values it used (``MunicipalityAnalysis.meta.choices``), so a report can
    always say which thresholds and draws stand behind its numbers.
    """

    alpha: float = Field(default=0.05, gt=0, lt=1, description="error level of every interval and test (0.05: 95-%-intervals)")
    seed: int | None = Field(default=None, description="seed of every random draw; None: comparison.seed")
    draws: int = Field(default=999, ge=19, description="randomisation-inference draws of the effect estimates "
                                                       "(all assignments are enumerated when there are fewer)")
    event_study_draws: int = Field(default=499, ge=19, description="randomisation draws of the event study")
    pretrend_alpha: float = Field(default=0.1, gt=0, lt=1, description="joint pre-trend test: p below this is a "
                                                                       "significant pre-trend (estimate not interpretable)")
    min_pool: int = Field(default=5, ge=1, description="fewer matched comparison municipalities than this: the whole "
                                                        "Gemeindetyp is used")
    smd_threshold: float = Field(default=0.1, gt=0, description="|standardised mean difference| below which a "
                                                                "characteristic counts as balanced (Stuart 2010)")
    balance_max_failures: int = Field(default=0, ge=0, description="characteristics allowed above smd_threshold after "
                                                                   "matching before the balance counts as failed")
    perfect_fit_ratio: float = Field(default=0.1, ge=0, description="synthetic control: a pre-period RMSPE below this "
                                                                    "multiple of the pool's noise level is a perfect "
                                                                    "(overfitted) pre-fit (impact.synth.PERFECT_FIT_RATIO)")
    max_effects: int = Field(default=6, ge=1, description="headline indicators estimated at most")
    headline_indicators: list[str] = Field(
        default_factory=lambda: ["arbeitslose_sb_anteil", "inklusionsanteil", "foerderschulbesuchsquote",
                                 "barrierefreie_haltestellen"],
        description="indicators estimated after the targeted ones, if they have comparison data")
    min_respondents: int = Field(default=30, ge=1, description="survey shares from fewer respondents are flagged")
    min_participants: int = Field(default=5, ge=1, description="participant questionnaires: measures with fewer "
                                                               "respondents show no shares")
    disclosure_threshold: int = Field(default=3, ge=1, description="counts 0 < n < threshold are never published")
    index_draws: int = Field(default=1000, ge=10, description="Monte Carlo draws of the index uncertainty analysis")
    index_min_coverage: float = Field(default=0.8, gt=0, le=1, description="an indicator enters the index when this "
                                                                           "share of municipalities has a value")
    cooccurrence_max_codes: int = Field(default=12, ge=2, description="most frequent codes in the co-occurrence map")
    cooccurrence_mode: Literal["overlap", "proximity", "document"] = Field(
        default="overlap", description="when two codes co-occur: overlapping segments (default), segments within "
                                       "cooccurrence_distance characters, or the same document")
    cooccurrence_distance: int = Field(default=0, ge=0, description="characters between segments for mode 'proximity'")
    primary_coder: str = Field(default="A", description="coder whose codings are counted (the other checks agreement)")
    agreement_min_overlap: float = Field(default=0.9, gt=0, le=1, description="segment overlap for coder agreement")

    @field_validator("alpha", "pretrend_alpha", mode="before")
    @classmethod
    def _alpha(cls, v: Any) -> Any:
        from .results import check_alpha

        return check_alpha(v)  # 0 < alpha < 0.5: a confidence level such as 0.95 is refused


class Params(_Strict):
    """A municipality's parameter file."""

    municipality: Municipality
    programme: Programme
    report: Report
    data: DataSources = Field(default_factory=DataSources)
    comparison: Comparison = Field(default_factory=Comparison)
    targets: dict[str, Target] = Field(default_factory=dict)
    sources: Sources | None = Field(default=None, description="import recipes (evaluation import)")
    context: Context = Field(default_factory=Context)
    analysis: Analysis = Field(default_factory=Analysis)

    source_file: str | None = Field(default=None, exclude=True)

    def data_folder(self, root: str | Path | None = None) -> Path:
        """The data folder, resolved against ``root`` (default: the folder above the parameter file's folder)."""
        folder = Path(self.data.folder)
        if folder.is_absolute():
            return folder
        if root is None:
            root = Path(self.source_file).resolve().parent.parent if self.source_file else Path.cwd()
        return Path(root) / folder

    def project_root(self) -> Path:
        """The folder relative paths are resolved against (the folder above the parameter file's folder)."""
        return Path(self.source_file).resolve().parent.parent if self.source_file else Path.cwd()

    def resolve(self, relative: str, root: str | Path | None = None) -> Path:
        """A path of the parameter file, resolved against ``root`` (default: :meth:`project_root`)."""
        p = Path(relative)
        return p if p.is_absolute() else Path(root or self.project_root()) / p

    def context_files(self, root: str | Path | None = None) -> list[Path]:
        """The official 13211 downloads of the Kontext chapter: ``context.files``, else ``data.official_context``."""
        files = list(self.context.files) or ([self.data.official_context] if self.data.official_context else [])
        return [self.resolve(f, root) for f in files]

    def context_kreise(self) -> list[str]:
        """The Kreise the Kontext chapter shows as model: ``context.kreise``, else the model Kreise plus this one's."""
        if self.context.kreise is not None:
            return list(dict.fromkeys([self.municipality.kreis, *self.context.kreise]))
        from .io.official import MODEL_KREISE

        return list(dict.fromkeys([*MODEL_KREISE, self.municipality.kreis]))


def check_files(params: Params, root: str | Path | None = None) -> list[Problem]:
    """Problems for every file the parameter file names that does not exist (an error, not a silent 'missing')."""
    source = params.source_file
    problems = []
    named = [("data.official_context", params.data.official_context)] if params.data.official_context else []
    named += [(f"context.files[{i}]", f) for i, f in enumerate(params.context.files)]
    if params.sources is not None:
        named.append(("sources.recipes", params.sources.recipes))
    for key, rel in named:
        path = params.resolve(rel, root)
        if not path.is_file():
            problems.append(Problem(f"file named at '{key}' not found: {path}", source, None, key,
                                    "an existing file (relative paths start at the project root, the folder above params/)",
                                    rel))
    return problems


def _allowed_at(loc: tuple) -> list[str]:
    """The keys allowed at a location in the parameter tree (for 'unknown key' messages)."""
    if len(loc) == 3 and loc[0] == "targets":
        return list(Target.model_fields)
    model: Any = Params
    for part in loc[:-1]:
        field = model.model_fields.get(str(part))
        ann = field.annotation if field is not None else None
        if not (isinstance(ann, type) and issubclass(ann, BaseModel)):
            return []
        model = ann
    return [k for k in model.model_fields if k != "source_file"]


def parse_params(raw: Any, *, source: str = "<parameters>", known_indicators: set[str] | None = None) -> Params:
    """Validate a parsed YAML mapping; every problem is reported with its key path."""
    if not isinstance(raw, dict):
        raise InputError("the parameter file is empty or not a mapping", file=source,
                         expected="keys municipality, programme, report, data, comparison, targets")
    try:
        params = Params(**raw)
    except ValidationError as err:
        problems = validation_problems(err, source, allowed=_allowed_at)
        raise InputError(f"{source}: {len(problems)} problem(s) in the parameter file", file=source,
                         problems=problems) from None
    if known_indicators is not None:
        unknown = [i for i in params.targets if i not in known_indicators]
        if unknown:
            raise InputError(
                f"targets for unknown indicator(s) {unknown}", file=source, column="targets",
                expected=f"ids from the indicator register, e.g. {sorted(known_indicators)[:6]}",
            )
    params.source_file = source
    return params


def load_params(path: str | Path, *, check_register: bool = True, check_paths: bool = True) -> Params:
    """Read and validate ``params/<municipality>.yaml``.

    Targets are checked against the indicator register unless ``check_register`` is False; every
    file the parameter file names must exist unless ``check_paths`` is False (:func:`check_files`).
    """
    path = Path(path)
    source = str(path)
    raw = read_yaml(path, "parameter file")
    known = None
    if check_register:
        from .register import load_register

        known = set(load_register().ids)
    params = parse_params(raw, source=source, known_indicators=known)
    problems = check_files(params) if check_paths else []
    if problems:
        raise InputError(f"{source}: {len(problems)} file(s) named in the parameter file not found", file=source,
                         problems=problems)
    return params


def load_all_params(folder: str | Path, year: int | None = None) -> dict[str, Params]:
    """All parameter files of a folder, keyed by municipality id (optionally only those for ``year``).

    Every file is read; problems in several files are reported together.
    """
    out, problems = collect_params(folder)
    if problems:
        raise InputError(f"{len(problems)} problem(s) in the parameter files", file=str(folder), problems=problems)
    if year is not None:
        out = {k: v for k, v in out.items() if v.report.year == year}
    return out


def collect_params(folder: str | Path) -> tuple[dict[str, Params], list[Problem]]:
    """Every valid parameter file of a folder, and the problems of the others (nothing raised for them).

    ``evaluation validate`` uses this so that one broken file does not hide the data folders the
    other files name: their data are checked all the same. A folder named ``*.yaml`` is reported
    as a problem, not read.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("folder of parameter files not found", file=str(folder),
                         expected="a folder with one <municipality>.yaml per municipality")
    files = sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml"))
    if not files:
        raise InputError("no parameter files (*.yaml) found", file=str(folder))
    out: dict[str, Params] = {}
    problems: list[Problem] = []
    for f in files:
        try:
            p = load_params(f, check_paths=False)
        except InputError as err:
            problems.extend(err.problems)
            continue
        problems.extend(check_files(p))
        if p.municipality.id in out:
            problems.append(Problem(f"municipality id '{p.municipality.id}' is used by two parameter files",
                                    str(f), None, "municipality.id", "one file per municipality"))
            continue
        out[p.municipality.id] = p
    return out, problems
