"""The tidy tables every module speaks, as pandera schemas, and validation with clear errors.

Each contract in :data:`CONTRACTS` is a pandera ``DataFrameSchema`` plus its key columns. The
rules that ARCHITECTURE.md states hold for all of them: identifiers are strings (an AGS keeps its
leading zeros), years are integers, missing is missing (NaN), never 0.

:func:`validate` checks a table against its contract *lazily*, so the caller hears of every problem
at once, each with file, line, column and what was expected (pandera's ``SchemaErrors`` turned into
:class:`~evaluation.errors.Problem` items). :func:`check_references` adds the checks across tables
(unknown municipality, unknown indicator, area not in the municipality).

Line numbers: for a table read from a file, ``row`` is the line in that file (line 1 is the header,
so the first data row is line 2), which is what a user sees in a spreadsheet or editor.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

try:  # pandera >= 0.24 moved the pandas API to pandera.pandas
    import pandera.pandas as pa
except ImportError:  # pragma: no cover - older pandera
    import pandera as pa
from pandera.errors import SchemaError, SchemaErrors

from .errors import ContractError, Problem
from .vocabulary import GROUPS, LEBENSBEREICHE, MEASURE_STATUS, NETWORK_SECTORS, WIRKUNGSSTUFEN

AGS_PATTERN = r"^\d{8}(;\d{8})*$"  # one AGS, or the ;-joined AGS of an association's members


def _id(**kw) -> pa.Column:
    return pa.Column(str, nullable=False, checks=pa.Check.str_length(min_value=1), **kw)


def _nonneg_float(nullable: bool = True) -> pa.Column:
    return pa.Column(float, nullable=nullable, checks=pa.Check.ge(0), coerce=True)


def _year(nullable: bool = False) -> pa.Column:
    dtype = "Int64" if nullable else int
    return pa.Column(dtype, nullable=nullable, checks=pa.Check.in_range(1950, 2100), coerce=True)


@dataclass(frozen=True)
class Contract:
    """A named table contract: schema, key columns that must be unique, and a German title."""

    name: str
    schema: pa.DataFrameSchema
    key: tuple[str, ...]
    title: str

    @property
    def columns(self) -> list[str]:
        return list(self.schema.columns)


def _numerator_le_denominator(df: pd.DataFrame) -> pd.Series:
    both = df["numerator"].notna() & df["denominator"].notna()
    return ~both | (df["numerator"] <= df["denominator"])


def _end_ge_start(df: pd.DataFrame) -> pd.Series:
    both = df["start"].notna() & df["end"].notna()
    return ~both | (df["end"] >= df["start"])


def _share_le_total(part: str, total: str):
    def check(df: pd.DataFrame) -> pd.Series:
        both = df[part].notna() & df[total].notna()
        return ~both | (df[part] <= df[total])

    check.__name__ = f"{part}_le_{total}"
    return check


INDICATOR_VALUES = Contract(
    "indicator_values",
    pa.DataFrameSchema(
        {
            "municipality_id": _id(),
            "area_id": _id(),
            "year": _year(),
            "indicator_id": _id(),
            "numerator": _nonneg_float(),
            "denominator": pa.Column(float, nullable=True, checks=pa.Check.gt(0), coerce=True),
            "value": pa.Column(float, nullable=True, coerce=True),
            "source": pa.Column(str, nullable=True),
            "flag": pa.Column(str, nullable=True),
        },
        checks=[
            pa.Check(_numerator_le_denominator, element_wise=False, error="numerator <= denominator"),
        ],
        strict=False,
    ),
    key=("municipality_id", "area_id", "year", "indicator_id"),
    title="Indikatorwerte",
)

MUNICIPALITIES = Contract(
    "municipalities",
    pa.DataFrameSchema(
        {
            "municipality_id": _id(),
            "name": _id(),
            "ags": pa.Column(str, nullable=False, checks=pa.Check.str_matches(AGS_PATTERN)),
            "kind": pa.Column(str, nullable=True),
            "state": pa.Column(str, nullable=True),
            "population": pa.Column(int, nullable=False, checks=pa.Check.gt(0), coerce=True),
            "group": pa.Column(str, nullable=False, checks=pa.Check.isin(GROUPS)),
            "programme_start": _year(nullable=True),
        },
        strict=False,
    ),
    key=("municipality_id",),
    title="Kommunen",
)

AREAS = Contract(
    "areas",
    pa.DataFrameSchema(
        {
            "municipality_id": _id(),
            "area_id": _id(),
            "name": _id(),
            "population": pa.Column(int, nullable=True, checks=pa.Check.ge(0), coerce=True),
        },
        strict=False,
    ),
    key=("municipality_id", "area_id"),
    title="Sozialräume",
)

SURVEY_RESPONSES = Contract(
    "survey_responses",
    pa.DataFrameSchema(
        {
            "respondent_id": _id(),
            "municipality_id": _id(),
            "area_id": pa.Column(str, nullable=True),
            "wave": _year(),
            "stratum": _id(),
            "psu": _id(),
            "design_weight": pa.Column(float, nullable=False, checks=pa.Check.gt(0), coerce=True),
            # required in a data folder (see FOLDER_COLUMNS): the Befragung chapter's domains and margins
            "has_disability": pa.Column(float, nullable=True, required=False, coerce=True,
                                        checks=pa.Check.isin([0.0, 1.0])),
        },
        strict=False,
    ),
    key=("respondent_id", "wave"),
    title="Befragungsantworten",
)

CODINGS = Contract(
    "codings",
    pa.DataFrameSchema(
        {
            "project": pa.Column(str, nullable=True),
            "source_id": _id(),
            "source_name": pa.Column(str, nullable=True),
            "case_id": pa.Column(str, nullable=True),
            "coder": pa.Column(str, nullable=True),
            "code_id": _id(),
            "start": pa.Column("Int64", nullable=True, checks=pa.Check.ge(0), coerce=True),
            "end": pa.Column("Int64", nullable=True, checks=pa.Check.ge(0), coerce=True),
            "text": pa.Column(str, nullable=True),
        },
        checks=[pa.Check(_end_ge_start, element_wise=False, error="end >= start")],
        strict=False,
    ),
    key=(),
    title="Codierungen",
)

CODEBOOK = Contract(
    "codebook",
    pa.DataFrameSchema(
        {
            "code_id": _id(),
            "parent_id": pa.Column(str, nullable=True),
            "name": _id(),
            "path": pa.Column(str, nullable=True),
            "lebensbereich": pa.Column(str, nullable=True, checks=pa.Check.isin(list(LEBENSBEREICHE))),
            "wirkungsstufe": pa.Column("Int64", nullable=True, checks=pa.Check.isin(list(WIRKUNGSSTUFEN)), coerce=True),
        },
        strict=False,
    ),
    key=("code_id",),
    title="Codebuch",
)

MEASURES = Contract(
    "measures",
    pa.DataFrameSchema(
        {
            "municipality_id": _id(),
            "measure_id": _id(),
            "title": _id(),
            "responsible": pa.Column(str, nullable=True),
            "provider": pa.Column(str, nullable=True),
            "target_group": pa.Column(str, nullable=True),
            "area_id": pa.Column(str, nullable=True),
            "lebensbereich": pa.Column(str, nullable=True, checks=pa.Check.isin(list(LEBENSBEREICHE))),
            "start_year": _year(nullable=True),
            "status": pa.Column(str, nullable=False, checks=pa.Check.isin(list(MEASURE_STATUS))),
            "wirkungsstufe": pa.Column("Int64", nullable=True, checks=pa.Check.isin(list(WIRKUNGSSTUFEN)), coerce=True),
        },
        strict=False,
    ),
    key=("municipality_id", "measure_id"),
    title="Maßnahmen",
)

NETWORK_EDGES = Contract(
    "network_edges",
    pa.DataFrameSchema(
        {
            "municipality_id": _id(),
            "wave": _year(),
            "actor_from": _id(),
            "actor_to": _id(),
            "sector_from": pa.Column(str, nullable=False, checks=pa.Check.isin(list(NETWORK_SECTORS))),
            "sector_to": pa.Column(str, nullable=False, checks=pa.Check.isin(list(NETWORK_SECTORS))),
            "tie": pa.Column(str, nullable=True),
        },
        strict=False,
    ),
    key=("municipality_id", "wave", "actor_from", "actor_to"),
    title="Netzwerkbeziehungen",
)

EVENTS = Contract(
    "events",
    pa.DataFrameSchema(
        {
            "municipality_id": _id(),
            "event_id": _id(),
            "measure_id": pa.Column(str, nullable=True),
            "year": _year(),
            "kind": pa.Column(str, nullable=False, checks=pa.Check.isin(["veranstaltung", "schulung", "beteiligung"])),
            "participants": _nonneg_float(nullable=False),
            "participants_with_disabilities": _nonneg_float(),
            "repeat_participants": _nonneg_float(),
        },
        checks=[
            pa.Check(_share_le_total("participants_with_disabilities", "participants"), element_wise=False,
                     error="participants_with_disabilities <= participants"),
            pa.Check(_share_le_total("repeat_participants", "participants"), element_wise=False,
                     error="repeat_participants <= participants"),
        ],
        strict=False,
    ),
    key=("municipality_id", "event_id"),
    title="Veranstaltungen und Schulungen",
)

INDEX_RESPONSES = Contract(
    "index_responses",
    pa.DataFrameSchema(
        {
            "municipality_id": _id(),
            "round": pa.Column(int, nullable=False, checks=pa.Check.ge(1), coerce=True),
            "year": _year(),
            "area": _id(),
            "theme": _id(),
            "question_id": _id(),
            "respondent_group": pa.Column(str, nullable=True),
            "rating": pa.Column("Int64", nullable=True, checks=pa.Check.in_range(1, 4), coerce=True),
        },
        strict=False,
    ),
    key=(),
    title="Index-für-Inklusion-Runden",
)

PARTICIPANT_RESPONSES = Contract(
    "participant_responses",
    pa.DataFrameSchema(
        {
            "municipality_id": _id(),
            "measure_id": _id(),
            "respondent_id": _id(),
            "year": _year(),
            "in_target_group": pa.Column("boolean", nullable=True, coerce=True),
            "has_disability": pa.Column("boolean", nullable=True, coerce=True),
            "satisfaction": pa.Column("Int64", nullable=True, checks=pa.Check.in_range(1, 5), coerce=True),
            "benefit": pa.Column("Int64", nullable=True, checks=pa.Check.in_range(1, 5), coerce=True),
        },
        strict=False,
    ),
    key=("municipality_id", "measure_id", "respondent_id"),
    title="Teilnehmendenbefragung",
)

POPULATION_MARGINS = Contract(
    "population_margins",
    pa.DataFrameSchema(
        {
            "municipality_id": _id(),
            "year": _year(),
            "variable": _id(),
            "category": _id(),
            "population": pa.Column(float, nullable=False, checks=pa.Check.gt(0), coerce=True),
        },
        strict=False,
    ),
    key=("municipality_id", "year", "variable", "category"),
    title="Bevölkerungsränder für die Gewichtung",
)

QUALITATIVE_SOURCES = Contract(
    "sources",
    pa.DataFrameSchema(
        {
            "source_id": _id(),
            "source_name": pa.Column(str, nullable=True),
            "kind": _id(),
            "municipality_id": _id(),
            "year": _year(),
            "case_id": pa.Column(str, nullable=True),
            "wave": _year(nullable=True),
            "file": pa.Column(str, nullable=True, required=False),
        },
        strict=False,
    ),
    key=("source_id",),
    title="Qualitative Dokumente (Quellen)",
)

#: structural characteristics the Kontext and Wirkung chapters compare (one column each, all optional)
STRUCTURE_CHARACTERISTICS = ("population", "area_km2", "density", "share_65plus", "unemployment_rate",
                             "share_severely_disabled", "tax_revenue_per_capita")

STRUCTURE = Contract(
    "structure",
    pa.DataFrameSchema(
        {
            "municipality_id": _id(),
            "year": _year(),
            **{c: pa.Column(float, nullable=True, required=False, checks=pa.Check.ge(0), coerce=True)
               for c in STRUCTURE_CHARACTERISTICS},
        },
        strict=False,
    ),
    key=("municipality_id", "year"),
    title="Strukturmerkmale",
)

#: the domains a survey item can be reported for (``has_disability`` of the respondents)
SURVEY_DOMAINS = ("all", "disability", "no_disability")

SURVEY_ITEMS = Contract(
    "survey_items",
    pa.DataFrameSchema(
        {
            "item_id": _id(),
            "label": _id(),
            "kind": pa.Column(str, nullable=False, checks=pa.Check.isin(["share", "mean"])),
            "positive_codes": pa.Column(str, nullable=True,
                                        checks=pa.Check.str_matches(r"^-?\d+(\.\d+)?(;-?\d+(\.\d+)?)*$")),
            "domain": pa.Column(str, nullable=False, checks=pa.Check.isin(list(SURVEY_DOMAINS))),
            "question": pa.Column(str, nullable=True, required=False),
        },
        strict=False,
    ),
    key=("item_id",),
    title="Befragungsitems (Zuordnung)",
)

CONTRACTS: dict[str, Contract] = {
    c.name: c
    for c in (
        INDICATOR_VALUES,
        MUNICIPALITIES,
        AREAS,
        SURVEY_RESPONSES,
        CODINGS,
        CODEBOOK,
        MEASURES,
        NETWORK_EDGES,
        EVENTS,
        INDEX_RESPONSES,
        PARTICIPANT_RESPONSES,
        POPULATION_MARGINS,
        QUALITATIVE_SOURCES,
        STRUCTURE,
        SURVEY_ITEMS,
    )
}

#: columns that hold identifiers: read as text so that leading zeros survive
ID_COLUMNS = {
    "municipality_id", "area_id", "indicator_id", "ags", "respondent_id", "stratum", "psu",
    "source_id", "case_id", "code_id", "parent_id", "measure_id", "actor_from", "actor_to",
    "event_id", "question_id", "project", "coder", "item_id",
}


def _expected_for(check: str, column: str | None, contract: Contract) -> str:
    """A reader's words for a failed pandera check."""
    check = str(check)
    if check.startswith("str_matches") and column == "ags":
        return "an 8-digit AGS written as text, e.g. '09562000'"
    if check.startswith("str_matches"):
        return f"text matching {check[len('str_matches('):-1]}"
    if check.startswith("greater_than_or_equal_to"):
        return f"a number >= {check.split('(')[1].rstrip(')')}"
    if check.startswith("greater_than"):
        return f"a number > {check.split('(')[1].rstrip(')')}"
    if check.startswith("in_range"):
        return f"a value in {check[len('in_range'):]}"
    if check.startswith("isin"):
        return f"one of {check[len('isin('):-1]}"
    if check.startswith("str_length"):
        return "a non-empty identifier"
    if check == "not_nullable":
        return "a value (the column may not be empty)"
    if check.startswith("dtype("):
        return f"type {check[6:-1]}"
    if check == "column_in_dataframe":
        return f"a column named '{column}'"
    return check


def _line(index_label, index_to_line: Mapping | None) -> int | str | None:
    if index_label is None or (isinstance(index_label, float) and np.isnan(index_label)):
        return None
    if index_to_line is not None and index_label in index_to_line:
        return int(index_to_line[index_label])
    return index_label


def _problems_from_pandera(err: SchemaErrors, contract: Contract, file: str | None,
                           index_to_line: Mapping | None) -> list[Problem]:
    problems: list[Problem] = []
    cases = err.failure_cases
    type_failed = set()
    for _, case in cases.iterrows():
        check = str(case.get("check"))
        if check.startswith("coerce_dtype") or check.startswith("dtype("):
            type_failed.add(str(case.get("column")))
    seen_rules: set = set()
    for _, case in cases.iterrows():
        column = case.get("column")
        column = None if column is None or (isinstance(column, float) and np.isnan(column)) else str(column)
        check = str(case.get("check"))
        index_label = case.get("index")
        found = case.get("failure_case")
        schema_context = case.get("schema_context")
        if schema_context == "DataFrameSchema" and check == "column_in_dataframe":
            problems.append(Problem(f"missing column '{found}' required by the {contract.name} contract",
                                    file, None, str(found), f"columns {contract.columns}"))
            continue
        if schema_context == "DataFrameSchema":
            # a rule across columns: pandera lists each column of the failing row; report the row once
            if (index_label, check) in seen_rules:
                continue
            seen_rules.add((index_label, check))
            columns = [c for c in re.findall(r"[a-z_]+", check) if c in contract.schema.columns]
            problems.append(Problem(f"breaks the rule '{check}'", file, _line(index_label, index_to_line),
                                    ", ".join(columns) or None, check, None))
            continue
        if check.startswith("coerce_dtype") or check.startswith("dtype("):
            dtype = check.split("(", 1)[-1].rstrip(")").strip("'")
            expected = "a whole number" if "int" in dtype.lower() else "a number" if "float" in dtype else f"type {dtype}"
            problems.append(Problem("value has the wrong type", file, _line(index_label, index_to_line),
                                    column, expected, found))
            continue
        if column in type_failed and index_label is None:
            continue  # a range check that failed only because the type was wrong: said above
        message = "value breaks the contract"
        if column == "ags" and isinstance(found, str) and re.fullmatch(r"\d{7}", found):
            message = "AGS has 7 digits: it lost its leading zero (store it as text, e.g. '0' + value)"
        problems.append(Problem(message, file, _line(index_label, index_to_line), column,
                                _expected_for(check, column, contract), found))
    # one problem per (row, column, message) and a stable order
    unique = {(p.row, p.column, p.message, p.expected, str(p.found)): p for p in problems}
    return sorted(unique.values(), key=lambda p: (str(p.column or ""), p.row if isinstance(p.row, int) else -1))


#: how many rows of one kind of problem (duplicated key, unknown reference) are listed one by one
MAX_LISTED = 20


def _duplicate_problems(df: pd.DataFrame, c: Contract, file: str | None,
                        index_to_line: Mapping | None, limit: int = MAX_LISTED) -> list[Problem]:
    """The first ``limit`` rows that repeat a key (with the line of the key's first row), then the count.

    Vectorised (one ``duplicated`` and one ``merge``): 1.5 million duplicates take seconds, where a
    ``df.loc`` per row took about a millisecond each.
    """
    key = list(c.key)
    dup = df.duplicated(key, keep="first")
    n_dup = int(dup.sum())
    if not n_dup:
        return []
    listed = df.loc[dup, key].head(limit)
    firsts = df.loc[~dup, key]
    firsts = firsts.assign(_first=firsts.index).merge(listed.drop_duplicates(), on=key, how="inner")
    first_of = {tuple(r[:-1]): r[-1] for r in firsts[key + ["_first"]].itertuples(index=False, name=None)}
    problems = []
    for label, raw in zip(listed.index, listed.itertuples(index=False, name=None)):
        values = tuple(v.item() if hasattr(v, "item") else v for v in raw)
        first = first_of.get(raw)
        where = f" (first at line {_line(first, index_to_line)})" if first is not None else ""
        problems.append(Problem(f"duplicated key {dict(zip(key, values))}{where}", file,
                                _line(label, index_to_line), ", ".join(key), "each key to appear once"))
    if n_dup > limit:
        problems.append(Problem(f"{n_dup:,} rows in all repeat a key that an earlier row has; the first {limit} "
                                "are listed above", file, None, ", ".join(key), "each key to appear once",
                                n_dup))
    return problems


def validate(
    df: pd.DataFrame,
    contract: str | Contract,
    *,
    file: str | Path | None = None,
    index_to_line: Mapping | None = None,
) -> pd.DataFrame:
    """Validate ``df`` against a contract and return the coerced table.

    Raises :class:`~evaluation.errors.ContractError` listing *every* problem (missing column, wrong
    type, value out of range, broken cross-column rule, duplicated key), each with file, line and
    column. ``index_to_line`` maps the frame's index labels to line numbers in the file; without it
    the index label is reported.

    >>> import pandas as pd
    >>> validate(pd.DataFrame({"municipality_id": ["a"], "area_id": ["x"], "name": ["X"],
    ...                        "population": [10]}), "areas").shape
    (1, 4)
    """
    c = CONTRACTS[contract] if isinstance(contract, str) else contract
    file_str = str(file) if file is not None else None
    if df.empty and len(df.columns) == 0:
        raise ContractError("the table is empty: no header and no rows", file=file_str,
                            expected=f"a header with columns {c.columns}")
    problems: list[Problem] = []
    try:
        out = c.schema.validate(df, lazy=True)
    except SchemaErrors as err:
        problems.extend(_problems_from_pandera(err, c, file_str, index_to_line))
        out = df
    except SchemaError as err:  # pragma: no cover - lazy=True reports SchemaErrors
        problems.append(Problem(str(err), file_str))
        out = df
    if c.key and all(k in df.columns for k in c.key):
        problems += _duplicate_problems(df, c, file_str, index_to_line)
    if problems:
        raise ContractError(f"{file_str or 'table'}: {len(problems)} problem(s) with the {c.name} contract",
                            file=file_str, problems=problems)
    return out


def check_references(
    df: pd.DataFrame,
    column: str,
    allowed: Iterable[str],
    *,
    what: str,
    file: str | Path | None = None,
    index_to_line: Mapping | None = None,
) -> list[Problem]:
    """Problems for every row whose ``column`` is not among ``allowed`` (e.g. unknown municipality)."""
    allowed_set = set(map(str, allowed))
    if column not in df.columns:
        return []
    mask = ~df[column].astype(str).isin(allowed_set) & df[column].notna()
    n_bad = int(mask.sum())
    if not n_bad:
        return []
    bad = df.loc[mask, column].head(MAX_LISTED)
    shown = sorted(allowed_set)
    hint = shown if len(shown) <= 12 else shown[:12] + ["..."]
    file_str = str(file) if file else None
    problems = [Problem(f"unknown {what} '{value}'", file_str, _line(idx, index_to_line), column, f"one of {hint}")
                for idx, value in bad.items()]
    if n_bad > MAX_LISTED:
        distinct = df.loc[mask, column].astype(str).unique()
        problems.append(Problem(f"{n_bad:,} rows in all name an unknown {what} ({len(distinct):,} distinct, e.g. "
                                f"{sorted(distinct)[:5]}); the first {MAX_LISTED} are listed above",
                                file_str, None, column, f"one of {hint}", n_bad))
    return problems


def empty_table(contract: str | Contract) -> pd.DataFrame:
    """An empty frame with the contract's columns and dtypes (for a municipality with no such data).

    The dtypes are the contract's, so the placeholder of an optional table that is absent passes
    :func:`validate` like a file with a header and no rows would.

    >>> len(validate(empty_table("measures"), "measures"))
    0
    """
    c = CONTRACTS[contract] if isinstance(contract, str) else contract
    columns = {}
    for name, col in c.schema.columns.items():
        try:
            columns[name] = pd.Series(dtype=col.dtype.type) if col.dtype is not None else pd.Series(dtype=object)
        except (TypeError, ValueError):  # pragma: no cover - a dtype pandas cannot make empty
            columns[name] = pd.Series(dtype=object)
    return pd.DataFrame(columns)


# -- rules across the files of a data folder (what the report chapters rely on) ---------------------

#: columns a data folder's table must have although the contract alone does not require them,
#: because a report chapter uses them (table -> {column: the chapter that needs it})
FOLDER_COLUMNS: dict[str, dict[str, str]] = {
    "survey_responses": {"has_disability": "Befragung (domains people with / without disabilities, raking margin)"},
}

#: relative difference up to which the margins of one municipality and year count as the same
#: population total: the convergence tolerance of :func:`evaluation.survey.weights.rake` (1e-6); margins
#: that disagree by more can never all be met, so raking would not converge in the report
MARGIN_TOTAL_TOLERANCE = 1e-6

#: survey_responses columns that are not items (design, identifiers, raking variables)
SURVEY_NON_ITEM_COLUMNS = frozenset({
    "respondent_id", "municipality_id", "area_id", "wave", "stratum", "psu", "design_weight", "has_disability",
    "age_group", "sex", "weight", "fpc",
})


def _first_lines(df: pd.DataFrame, mask: pd.Series, column: str, lines: Mapping) -> dict:
    """value of ``column`` -> first line (per ``lines``) among the rows of ``mask``."""
    out: dict = {}
    for idx, value in df.loc[mask, column].items():
        out.setdefault(value, lines.get(idx, idx))
    return out


def check_folder_rules(tables: Mapping[str, pd.DataFrame], files: Mapping[str, Path | str],
                       lines: Mapping[str, Mapping] | None = None, *, folder: str | Path | None = None) -> list[Problem]:
    """Problems a report would trip on although each table meets its own contract.

    - a column of :data:`FOLDER_COLUMNS` missing (e.g. ``has_disability`` in survey_responses.csv);
    - population margins of one municipality and year whose totals differ by more than
      :data:`MARGIN_TOTAL_TOLERANCE` (relative) between variables;
    - codings without a code book, codings without ``qualitative/sources.csv``, codings of a source that
      sources.csv does not list;
    - ``survey_items.csv`` naming an item that is not a column of survey_responses.csv, a survey column
      that is not in survey_items.csv, an item whose answers are not numbers, or whose positive codes
      never occur.

    ``tables``: contract name -> table as loaded; ``files``: contract name -> path for the tables that
    exist; ``lines``: contract name -> {index label: line in the file}.
    """
    lines = lines or {}
    problems: list[Problem] = []
    present = set(files)
    folder_str = str(folder) if folder is not None else None

    def file_of(name: str) -> str | None:
        return str(files[name]) if name in files else None

    for name, needed in FOLDER_COLUMNS.items():
        if name not in present:
            continue
        for column, why in needed.items():
            if column not in tables[name].columns:
                problems.append(Problem(f"missing column '{column}' (used by the chapter {why})", file_of(name), None,
                                        column, f"a column '{column}' (1 = yes, 0 = no, empty = unknown)"))

    m = tables.get("population_margins")
    if "population_margins" in present and m is not None and len(m) and {"municipality_id", "year", "variable",
                                                                          "population"} <= set(m.columns):
        pop = pd.to_numeric(m["population"], errors="coerce")
        totals = pop.groupby([m["municipality_id"], m["year"], m["variable"]]).sum()
        for (mid, year), t in totals.groupby(level=[0, 1]):
            t = t.droplevel([0, 1])
            hi, lo = float(t.max()), float(t.min())
            if hi > 0 and (hi - lo) > MARGIN_TOTAL_TOLERANCE * hi:
                listing = ", ".join(f"{v} = {x:,.0f}".replace(",", ".") for v, x in t.items())
                problems.append(Problem(
                    f"the margins of municipality '{mid}', year {year} add up to different population totals "
                    f"({listing}): raking cannot meet them all", file_of("population_margins"), None, "population",
                    f"the same total for every variable (relative difference <= {MARGIN_TOTAL_TOLERANCE:g})"))

    codings = tables.get("codings")
    if "codings" in present and codings is not None and len(codings):
        if "codebook" not in present:
            problems.append(Problem("codings without a code book: qualitative/codebook.csv is missing",
                                    folder_str or file_of("codings"), None, None,
                                    "qualitative/codebook.csv (code_id, parent_id, name, path, lebensbereich, wirkungsstufe)"))
        if "sources" not in present:
            problems.append(Problem(f"{len(codings)} codings without their documents: qualitative/sources.csv is missing "
                                    "(the Qualitative Befunde chapter would report no coded material)",
                                    folder_str or file_of("codings"), None, None,
                                    "qualitative/sources.csv (source_id, source_name, kind, municipality_id, year, ...)"))
        elif "source_id" in codings.columns and "source_id" in tables["sources"].columns:
            known = set(tables["sources"]["source_id"].astype(str))
            bad = ~codings["source_id"].astype(str).isin(known) & codings["source_id"].notna()
            for sid, line in _first_lines(codings, bad, "source_id", lines.get("codings", {})).items():
                n = int((codings["source_id"] == sid)[bad].sum())
                problems.append(Problem(f"coding of source '{sid}' that qualitative/sources.csv does not list ({n} coding(s))",
                                        file_of("codings"), line, "source_id", "a source_id of qualitative/sources.csv"))

    items = tables.get("survey_items")
    responses = tables.get("survey_responses")
    if "survey_items" in present and items is not None and "item_id" in items.columns:
        if "survey_responses" not in present or responses is None:
            problems.append(Problem("survey_items.csv without survey_responses.csv", file_of("survey_items"), None,
                                    None, "survey_responses.csv with a column per item"))
        else:
            item_lines = lines.get("survey_items", {})
            columns = set(responses.columns)
            for idx, row in items.iterrows():
                item = str(row["item_id"])
                if item not in columns:
                    problems.append(Problem(f"survey item '{item}' is not a column of survey_responses.csv",
                                            file_of("survey_items"), item_lines.get(idx, idx), "item_id",
                                            f"one of the survey columns {sorted(columns - SURVEY_NON_ITEM_COLUMNS)[:12]}"))
                    continue
                values = pd.to_numeric(responses[item], errors="coerce")
                text_values = responses[item].notna() & values.isna()
                if text_values.any():
                    problems.append(Problem(f"survey item '{item}' holds answers that are not numeric codes",
                                            file_of("survey_responses"), None, item, "numeric answer codes",
                                            responses.loc[text_values, item].iloc[0]))
                    continue
                codes = row.get("positive_codes")
                if row.get("kind") == "share" and isinstance(codes, str) and codes:
                    wanted = {float(c) for c in codes.split(";")}
                    if not values.isin(list(wanted)).any() and values.notna().any():
                        problems.append(Problem(
                            f"no answer of survey item '{item}' has one of its positive codes {codes}",
                            file_of("survey_items"), item_lines.get(idx, idx), "positive_codes",
                            f"codes that occur in the data, e.g. {sorted(values.dropna().unique().tolist())[:8]}"))
            mapped = set(items["item_id"].astype(str))
            for column in sorted(columns - mapped - SURVEY_NON_ITEM_COLUMNS):
                problems.append(Problem(f"survey column '{column}' is not in the mapping (survey_items.csv)",
                                        file_of("survey_responses"), None, column,
                                        "every survey column an item of survey_items.csv, or a design column "
                                        f"{sorted(SURVEY_NON_ITEM_COLUMNS)}"))
    return problems
