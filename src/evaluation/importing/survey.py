"""A survey file (SPSS ``.sav``, Stata ``.dta``, CSV) -> ``survey_responses`` and ``survey_items``, by a mapping file.

The mapping file (YAML) says which variable of the file becomes which column of the workbench, and
what every answer code means. Nothing is renamed by hand and nothing is guessed::

    respondent_id: id                    # the variable with the respondent's id ({case_number: true}: the case number)
    stratum: {value: gesamt}             # a constant: one stratum (simple random sample)
    psu: id                              # each respondent is their own PSU
    design_weight: {value: 1.0}
    area_id: {value: erlangen}           # or {variable: stadtteil, codes: {1: erlangen-nord, ...}}
    has_disability: {variable: behinderung, codes: {1: 1, 2: 0}}   # or {value: null}: not asked
    sex: {variable: sex, codes: {1: m, 2: w}}
    age_group: {variable: agegp3, codes: {1: "18-29", 2: "30-44", 3: "45+"}}
    missing: [99]                        # codes that mean "no answer" in every variable
    items:
      optimismus:                        # the item id: a column of survey_responses
        variable: op1
        label: Erwartet in unsicheren Zeiten meist das Beste
        codes: {1: stimme gar nicht zu, 2: stimme nicht zu, 3: teils, 4: stimme zu, 5: stimme voll zu}
        positive: [4, 5]                 # the share answering 4 or 5 is reported
        domain: all                      # all | disability | no_disability
        recode: {1: 5, 2: 4, 4: 2, 5: 1} # optional (a reversed item)

Checks, each an :class:`~evaluation.errors.InputError` naming file, variable and code:

- a variable the mapping names is not in the file;
- an observed code of a mapped variable is not in the mapping's ``codes`` (nor a missing code):
  ``code 6 of variable 'op1' is not in the mapping`` with the first case number and the count;
- a value label of the file names a code the mapping does not list (the next wave would trip on it);
- positive codes that are not among the item's codes.

The survey file is only read (:func:`evaluation.io.surveyfiles.read_survey`, pyreadstat).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..contracts import SURVEY_NON_ITEM_COLUMNS
from ..errors import InputError, Problem, validation_problems
from ..io.surveyfiles import _norm_code, read_survey
from ..yamlfile import read_yaml

__all__ = ["SurveyMapping", "load_mapping", "import_survey", "derive_survey_items", "DESIGN_FIELDS", "DOMAINS"]

#: survey_items.domain -> the has_disability value of the domain (None: all respondents)
DOMAINS: dict[str, int | None] = {"all": None, "disability": 1, "no_disability": 0}

_ITEM_ID = re.compile(r"^[a-z][a-z0-9_]*$")
#: columns of survey_responses the mapping fills besides the items (respondent_id first)
DESIGN_FIELDS = ("respondent_id", "area_id", "stratum", "psu", "design_weight", "has_disability", "sex", "age_group")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ColumnSpec(_Strict):
    """Where a design column comes from: a variable (optionally with codes) or a constant."""

    variable: str | None = None
    codes: dict[Any, Any] | None = None
    value: Any = None
    case_number: bool = Field(default=False, description="the case's number in the file (1, 2, ...) as identifier")

    @classmethod
    def of(cls, spec: Any) -> ColumnSpec:
        return cls(variable=spec) if isinstance(spec, str) else spec


class ItemSpec(_Strict):
    """One survey item: its variable, label, answer codes and what is reported."""

    variable: str
    label: str = Field(min_length=1)
    codes: dict[Any, str] = Field(min_length=1)
    positive: list[Any] = Field(default_factory=list)
    kind: Literal["share", "mean"] = "share"
    domain: Literal["all", "disability", "no_disability"] = "all"
    recode: dict[Any, Any] = Field(default_factory=dict)


class SurveyMapping(_Strict):
    """A parsed mapping file (see the module docstring)."""

    respondent_id: str | ColumnSpec
    stratum: str | ColumnSpec = Field(default_factory=lambda: ColumnSpec(value="gesamt"))
    psu: str | ColumnSpec | None = None
    design_weight: str | ColumnSpec = Field(default_factory=lambda: ColumnSpec(value=1.0))
    area_id: str | ColumnSpec | None = None
    has_disability: str | ColumnSpec = Field(default_factory=lambda: ColumnSpec(value=None))
    sex: str | ColumnSpec | None = None
    age_group: str | ColumnSpec | None = None
    missing: list[Any] = Field(default_factory=list)
    items: dict[str, ItemSpec] = Field(min_length=1)

    @field_validator("items")
    @classmethod
    def _ids(cls, v: dict[str, ItemSpec]) -> dict[str, ItemSpec]:
        for item, spec in v.items():
            if not _ITEM_ID.match(item):
                raise ValueError(f"item id '{item}' must be lower-case letters, digits and '_' (e.g. 'optimismus_1')")
            if item in SURVEY_NON_ITEM_COLUMNS:
                raise ValueError(f"item id '{item}' is a design column of survey_responses; choose another name")
            codes = {_norm_code(c) for c in spec.codes}
            bad = [p for p in spec.positive if _norm_code(p) not in codes]
            if bad:
                raise ValueError(f"positive codes {bad} of item '{item}' are not among its codes {sorted(codes, key=str)}")
        return v


def load_mapping(path: str | Path) -> SurveyMapping:
    """Read and check a survey mapping file."""
    source = str(path)
    raw = read_yaml(path, "survey mapping file")
    if not isinstance(raw, dict):
        raise InputError("the mapping file is empty or not a mapping", file=source,
                         expected="keys respondent_id, stratum, psu, design_weight, items, ...")
    try:
        return SurveyMapping(**raw)
    except ValidationError as err:
        problems = validation_problems(err, source, allowed=lambda loc: list(
            (ItemSpec if loc[0] == "items" and len(loc) > 2 else SurveyMapping).model_fields))
        raise InputError(f"{source}: {len(problems)} problem(s) in the survey mapping", file=source,
                         problems=problems) from None


def _code_map(codes: dict[Any, Any]) -> dict[Any, Any]:
    return {_norm_code(_num(k)): v for k, v in codes.items()}


def _num(v: Any) -> Any:
    """Mapping keys written as text in YAML ('1') meet codes read as numbers (1.0)."""
    if isinstance(v, str):
        try:
            f = float(v)
        except ValueError:
            return v
        return _norm_code(f)
    return v


def _needed_columns(path: Path, mapping: SurveyMapping) -> list[str] | None:
    """The variables the mapping names that the file has (read only those: a wide SPSS file reads
    in a fraction of the time); None reads everything (CSV, or a file whose header cannot be read)."""
    import pyreadstat

    readers: dict[str, Any] = {".sav": pyreadstat.read_sav, ".zsav": pyreadstat.read_sav, ".dta": pyreadstat.read_dta,
               ".por": pyreadstat.read_por}
    reader = readers.get(path.suffix.lower())
    if reader is None or not path.is_file():
        return None
    try:
        _, meta = reader(str(path), metadataonly=True)
    except Exception:  # noqa: BLE001 - read_survey reports an unreadable file with its own message
        return None
    wanted: list[str] = []
    for name in DESIGN_FIELDS:
        spec = getattr(mapping, name)
        variable = ColumnSpec.of(spec).variable if spec is not None else None
        if variable:
            wanted.append(variable)
    wanted += [spec.variable for spec in mapping.items.values()]
    have = set(meta.column_names)
    cols = [c for c in dict.fromkeys(wanted) if c in have]
    return cols or None


def _codes(s: pd.Series) -> pd.Series:
    """Answer codes comparable with the mapping's keys: numbers as float (1 == 1.0 in a dict), else normalised."""
    if pd.api.types.is_numeric_dtype(s):
        return s.astype(float)
    return s.map(lambda v: np.nan if pd.isna(v) else _norm_code(_num(v)))


def _text(s: pd.Series) -> pd.Series:
    """Identifiers as text: whole numbers without '.0', missing stays missing."""
    if pd.api.types.is_float_dtype(s) and (s.dropna() == s.dropna().round()).all():
        s = s.astype("Int64")
    return s.astype(object).where(s.notna(), np.nan).map(lambda v: v if isinstance(v, float) else str(v))


def _check_codes(df: pd.DataFrame, variable: str, allowed: set, missing: set, labels, file: str,
                 line_offset: int, problems: list[Problem]) -> None:
    """Every observed code and every value label of ``variable`` must be mapped (or missing)."""
    s = df[variable]
    observed = s.dropna()
    bad = observed[~observed.isin(list(allowed | missing))]
    for _code, idx in bad.groupby(bad.astype(str)).groups.items():
        first = int(min(idx))
        value = _norm_code(bad[first])
        problems.append(Problem(
            f"code {value!r} of variable '{variable}' is not in the mapping ({len(idx)} case(s))", file,
            first + line_offset, variable, f"one of the mapped codes {sorted(allowed, key=str)}"
            + (f" or a missing code {sorted(missing, key=str)}" if missing else ""), value))
    for code, label in (labels.value_labels.get(variable) or {}).items():
        code = _norm_code(code)
        if code not in allowed and code not in missing and code not in set(labels.missing_codes.get(variable, [])) \
                and not _declared_missing(labels, variable, code):
            problems.append(Problem(
                f"value label {code!r} = {label!r} of variable '{variable}' is not in the mapping", file, None,
                variable, f"a mapping for every labelled code (codes {sorted(allowed, key=str)}), or the code under 'missing'",
                code))


def _declared_missing(labels, variable: str, code: Any) -> bool:
    for lo, hi in labels.missing_definitions.get(variable, []):
        try:
            if lo <= code <= hi:
                return True
        except TypeError:
            continue
    return False


def import_survey(path: str | Path, mapping: SurveyMapping | str | Path, *, wave: int,
                  municipality_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read a survey file and return ``(survey_responses, survey_items)`` for one wave.

    ``survey_responses``: one row per respondent with the design columns (see :data:`DESIGN_FIELDS`)
    and one column per mapped item holding the answer code (after ``recode``; missing codes NaN).
    ``survey_items``: ``item_id, label, kind, positive_codes ("4;5"), domain, question`` (the
    variable label of the file). Raises :class:`InputError` listing every unmapped code.
    """
    path = Path(path)
    file = str(path)
    if not isinstance(mapping, SurveyMapping):
        mapping = load_mapping(mapping)
    df, labels = read_survey(path, columns=_needed_columns(path, mapping))
    line_offset = 2 if path.suffix.lower() in (".csv", ".txt") else 1
    missing = {_norm_code(_num(c)) for c in mapping.missing}
    problems: list[Problem] = []

    def need(variable: str, role: str) -> bool:
        if variable not in df.columns:
            problems.append(Problem(f"variable '{variable}' ({role}) is not in the survey file", file, None, variable,
                                    f"one of {list(df.columns)[:15]}{' ...' if len(df.columns) > 15 else ''}"))
            return False
        return True

    out = pd.DataFrame(index=df.index)
    for name in DESIGN_FIELDS:
        spec = getattr(mapping, name)
        if spec is None:
            continue
        spec = ColumnSpec.of(spec)
        if spec.case_number:
            out[name] = [str(i + line_offset) for i in range(len(df))]
            continue
        if spec.variable is None:
            out[name] = spec.value
            continue
        if not need(spec.variable, name):
            continue
        raw = _codes(df[spec.variable])
        raw = raw.where(~raw.isin(list(missing)))
        if spec.codes is not None:
            codes = _code_map(spec.codes)
            _check_codes(df.assign(**{spec.variable: raw}), spec.variable, set(codes), missing, labels, file,
                         line_offset, problems)
            out[name] = raw.map(codes)
        elif name in ("respondent_id", "psu", "stratum", "area_id"):
            out[name] = _text(raw)
        else:
            out[name] = raw
    items = []
    for item, spec in mapping.items.items():
        if not need(spec.variable, f"item {item}"):
            continue
        raw = _codes(df[spec.variable])
        raw = raw.where(~raw.isin(list(missing)))
        codes = _code_map(spec.codes)
        _check_codes(df.assign(**{spec.variable: raw}), spec.variable, set(codes), missing, labels, file,
                     line_offset, problems)
        recode = {_norm_code(_num(k)): _norm_code(_num(v)) for k, v in spec.recode.items()}
        recoded = raw.map(recode).where(raw.isin(list(recode)), raw) if recode else raw
        out[item] = pd.to_numeric(recoded, errors="coerce")
        positive = sorted({_norm_code(_num(p)) for p in spec.positive}, key=float)
        if recode:
            positive = sorted({recode.get(p, p) for p in positive}, key=float)
        items.append({"item_id": item, "label": spec.label, "kind": spec.kind,
                      "positive_codes": ";".join(str(p) for p in positive) if positive else np.nan,
                      "domain": spec.domain, "question": labels.variable_labels.get(spec.variable) or np.nan})
    if problems:
        raise InputError(f"{file}: {len(problems)} problem(s) between the survey file and its mapping", file=file,
                         problems=problems)
    if out["respondent_id"].isna().any():
        first = int(out.index[out["respondent_id"].isna()][0])
        raise InputError("a case without respondent id", file=file, row=first + line_offset,
                         column=ColumnSpec.of(mapping.respondent_id).variable, expected="an id for every case")
    dup = out["respondent_id"].duplicated(keep=False)
    if dup.any():
        id_var = ColumnSpec.of(mapping.respondent_id).variable
        problems = [Problem(f"respondent id {rid!r} occurs {len(idx)} times (cases {', '.join(str(i + line_offset) for i in idx)})",
                            file, int(idx[0]) + line_offset, id_var,
                            "one row per respondent; if the file's id is not unique, map respondent_id: {case_number: true}",
                            rid)
                    for rid, idx in out.loc[dup].groupby("respondent_id").groups.items()]
        raise InputError(f"{file}: {len(problems)} duplicated respondent id(s)", file=file, problems=problems)
    if "psu" not in out.columns:
        out["psu"] = out["respondent_id"]
    if "area_id" not in out.columns:
        out["area_id"] = municipality_id
    out["municipality_id"] = municipality_id
    out["wave"] = int(wave)
    order = ["respondent_id", "municipality_id", "area_id", "wave", "stratum", "psu", "design_weight", "has_disability"]
    order += [c for c in ("sex", "age_group") if c in out.columns]
    out = out[order + [str(i["item_id"]) for i in items]]
    for c in ("stratum", "psu", "area_id", "sex", "age_group"):
        if c in out.columns:
            out[c] = _text(out[c])
    out["has_disability"] = pd.to_numeric(out["has_disability"], errors="coerce").astype(float)
    out["design_weight"] = pd.to_numeric(out["design_weight"], errors="coerce").astype(float)
    return out.reset_index(drop=True), pd.DataFrame(items, columns=["item_id", "label", "kind", "positive_codes",
                                                                    "domain", "question"])


def derive_survey_items(responses: pd.DataFrame, items: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple[str, int | None, str]]]:
    """The team's own items ready for estimation: 0/1 columns for shares, codes for means.

    Returns ``(frame, specs)``: ``frame`` is ``responses`` with every ``share`` item replaced by 1
    where the answer is one of its ``positive_codes``, 0 for any other answer and NaN where there is
    none; ``specs`` lists ``(item_id, domain, label)`` with domain None (all respondents), 1 (people
    with disabilities) or 0 (without), the form the Befragung chapter's ``ITEMS`` take.

    >>> r = pd.DataFrame({"q": [5, 2, None]})
    >>> i = pd.DataFrame({"item_id": ["q"], "label": ["Q"], "kind": ["share"], "positive_codes": ["4;5"],
    ...                   "domain": ["all"]})
    >>> f, s = derive_survey_items(r, i)
    >>> f["q"].tolist(), s
    ([1.0, 0.0, nan], [('q', None, 'Q')])
    """
    out = responses.copy()
    specs: list[tuple[str, int | None, str]] = []
    for row in items.itertuples(index=False):
        item = str(row.item_id)
        if item not in out.columns:
            raise InputError(f"survey item '{item}' is not a column of the survey responses", column=item,
                             expected="a column for every item of survey_items.csv")
        values = pd.to_numeric(out[item], errors="coerce")
        if row.kind == "share":
            codes = row.positive_codes
            positive = [float(c) for c in str(codes).split(";")] if isinstance(codes, str) and codes else [1.0]
            out[item] = values.isin(positive).astype(float).where(values.notna())
        else:
            out[item] = values
        specs.append((item, DOMAINS[str(row.domain)], str(row.label)))
    return out, specs
