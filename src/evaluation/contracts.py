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
    )
}

#: columns that hold identifiers: read as text so that leading zeros survive
ID_COLUMNS = {
    "municipality_id", "area_id", "indicator_id", "ags", "respondent_id", "stratum", "psu",
    "source_id", "case_id", "code_id", "parent_id", "measure_id", "actor_from", "actor_to",
    "event_id", "question_id", "project", "coder",
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
        dup = df.duplicated(list(c.key), keep="first")
        for label in df.index[dup]:
            key = tuple(v.item() if hasattr(v, 'item') else v for v in df.loc[label, list(c.key)].tolist())
            problems.append(Problem(f"duplicated key {dict(zip(c.key, key))}", file_str,
                                    _line(label, index_to_line), ", ".join(c.key),
                                    "each key to appear once"))
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
    bad = df[~df[column].astype(str).isin(allowed_set) & df[column].notna()]
    shown = sorted(allowed_set)
    hint = shown if len(shown) <= 12 else shown[:12] + ["..."]
    return [
        Problem(f"unknown {what} '{row[column]}'", str(file) if file else None, _line(idx, index_to_line),
                column, f"one of {hint}")
        for idx, row in bad.iterrows()
    ]


def empty_table(contract: str | Contract) -> pd.DataFrame:
    """An empty frame with the contract's columns (for a municipality with no such data)."""
    c = CONTRACTS[contract] if isinstance(contract, str) else contract
    return pd.DataFrame({col: pd.Series(dtype=object) for col in c.columns})
