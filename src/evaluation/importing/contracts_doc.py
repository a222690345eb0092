"""The contract reference (``docs/contracts.md``), generated from the pandera schemas.

``python -m evaluation.importing.contracts_doc`` rewrites ``docs/contracts.md``: per contract table
its file in a data folder, key, columns with type, whether a value is required, allowed values
(from the schema's checks) and an example row, the rules across columns and the folder rules of
:func:`evaluation.contracts.check_folder_rules`. A test regenerates the page and compares, so the
page cannot drift from the schemas; another validates every example row against its contract.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pandas as pd

from ..contracts import CONTRACTS, FOLDER_COLUMNS, MARGIN_TOTAL_TOLERANCE, Contract

__all__ = ["EXAMPLES", "render", "write", "example_frame"]

#: one example row per contract (validated against the contract by the tests)
EXAMPLES: dict[str, dict[str, Any]] = {
    "indicator_values": {"municipality_id": "erlangen", "area_id": "erlangen", "year": 2020,
                         "indicator_id": "arbeitslose_sb_anteil", "numerator": 320, "denominator": 2648,
                         "value": 12.08, "source": "Statistische Ämter des Bundes und der Länder, Tabelle 13211-02-05-4",
                         "flag": None},
    "municipalities": {"municipality_id": "erlangen", "name": "Erlangen", "ags": "09562000", "kind": "kreisfreie Stadt",
                       "state": "Bayern", "population": 113292, "group": "model", "programme_start": 2017},
    "areas": {"municipality_id": "erlangen", "area_id": "erlangen-innenstadt", "name": "Innenstadt", "population": 13705},
    "survey_responses": {"respondent_id": "r0001", "municipality_id": "erlangen", "area_id": "erlangen-innenstadt",
                         "wave": 2021, "stratum": "erlangen-innenstadt", "psu": "c0012", "design_weight": 18.86,
                         "has_disability": 1},
    "codings": {"project": "Interviews 2021", "source_id": "int01", "source_name": "Interview 1", "case_id": "fall01",
                "coder": "A", "code_id": "B.1", "start": 346, "end": 450, "text": "Das Rathaus hat jetzt eine Rampe"},
    "codebook": {"code_id": "B.1", "parent_id": "B", "name": "Bauliche Barrieren", "path": "Barrieren/Bauliche Barrieren",
                 "lebensbereich": "alltag", "wirkungsstufe": 6},
    "measures": {"municipality_id": "erlangen", "measure_id": "erlangen-m01", "title": "Peer-Beratung im Stadtteil",
                 "responsible": "Gleichstellungsstelle", "provider": "AWO", "target_group": "Menschen mit Behinderungen",
                 "area_id": "erlangen-anger", "lebensbereich": "familie", "start_year": 2018, "status": "verstetigt",
                 "wirkungsstufe": 4},
    "network_edges": {"municipality_id": "erlangen", "wave": 2018, "actor_from": "koordination", "actor_to": "sozialamt",
                      "sector_from": "verwaltung", "sector_to": "verwaltung", "tie": "austausch"},
    "events": {"municipality_id": "erlangen", "event_id": "e001", "measure_id": "erlangen-m03", "year": 2019,
               "kind": "schulung", "participants": 17, "participants_with_disabilities": 2, "repeat_participants": 3},
    "index_responses": {"municipality_id": "erlangen", "round": 1, "year": 2018, "area": "A", "theme": "A1",
                        "question_id": "A1.01", "respondent_group": "verwaltung", "rating": 3},
    "participant_responses": {"municipality_id": "erlangen", "measure_id": "erlangen-m01", "respondent_id": "t01",
                              "year": 2023, "in_target_group": True, "has_disability": False, "satisfaction": 4,
                              "benefit": 5},
    "population_margins": {"municipality_id": "erlangen", "year": 2021, "variable": "age_group", "category": "18-29",
                           "population": 16464},
    "sources": {"source_id": "int01", "source_name": "Interview 1 (2021)", "kind": "interview",
                "municipality_id": "erlangen", "year": 2021, "case_id": "fall01", "wave": 2021,
                "file": "qualitativ/interviews.qdpx"},
    "structure": {"municipality_id": "erlangen", "year": 2016, "population": 111962, "area_km2": 76.95,
                  "density": 1455.0, "share_65plus": 18.2, "unemployment_rate": 4.6, "share_severely_disabled": 9.4,
                  "tax_revenue_per_capita": 1480},
    "survey_items": {"item_id": "optimismus", "label": "Erwartet in unsicheren Zeiten meist das Beste", "kind": "share",
                     "positive_codes": "4;5", "domain": "all", "question": "op1"},
}


def example_frame(name: str) -> pd.DataFrame:
    """The example row of contract ``name`` as a one-row table."""
    return pd.DataFrame([EXAMPLES[name]])


def _type(dtype: Any) -> str:
    d = str(dtype).lower()
    if "int" in d:
        return "whole number"
    if "float" in d:
        return "number"
    if "bool" in d:
        return "true/false"
    if "str" in d or "object" in d:
        return "text"
    return d


def _allowed(column) -> str:
    parts = []
    for ch in column.checks:
        st = ch.statistics or {}
        if ch.name == "isin":
            parts.append("one of " + ", ".join(f"`{v}`" for v in st["allowed_values"]))
        elif ch.name == "in_range":
            parts.append(f"{st['min_value']} to {st['max_value']}")
        elif ch.name == "greater_than_or_equal_to":
            parts.append(f">= {st['min_value']}")
        elif ch.name == "greater_than":
            parts.append(f"> {st['min_value']}")
        elif ch.name == "str_matches":
            parts.append(f"matches `{st['pattern']}`")
        elif ch.name == "str_length":
            parts.append("non-empty")
        else:
            parts.append(str(ch.name))
    return "; ".join(parts)


def _cell(v: Any) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return ""
    return str(v).replace("|", "\\|")


def _section(c: Contract, file: str) -> list[str]:
    lines = [f"## `{c.name}` – {c.title}", "", f"File: `{file}`. "
             + (f"Key (unique): {', '.join(f'`{k}`' for k in c.key)}." if c.key else "No key (rows may repeat).")]
    extra = FOLDER_COLUMNS.get(c.name, {})
    lines += ["", "| column | type | value required | column required | allowed values |", "|---|---|---|---|---|"]
    for name, col in c.schema.columns.items():
        required = "yes" if col.required else ("in a data folder" if name in extra else "no")
        lines.append(f"| `{name}` | {_type(col.dtype)} | {'no' if col.nullable else 'yes'} | {required} | {_allowed(col)} |")
    rules = [ch.error or ch.name for ch in c.schema.checks]
    if rules:
        lines += ["", "Rules across columns: " + "; ".join(f"`{r}`" for r in rules) + "."]
    ex = EXAMPLES.get(c.name)
    if ex:
        cols = list(ex)
        lines += ["", "Example row:", "", "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols),
                  "| " + " | ".join(_cell(ex[k]) for k in cols) + " |"]
    return lines + [""]


def render() -> str:
    """The Markdown page (deterministic: same schemas, same page)."""
    from ..dataset import DATASET_FILES, REQUIRED

    out = ["# Data contracts", "",
           "<!-- generated by `python -m evaluation.importing.contracts_doc` from the pandera schemas in "
           "src/evaluation/contracts.py; do not edit by hand (a test keeps it in step) -->", "",
           "Every table of a data folder (`data/demo/`, `data/processed/`) and its contract. Identifiers are text "
           "(an AGS keeps its leading zeros), years whole numbers, missing is empty (never 0). Columns not listed "
           "are allowed and kept. `evaluation validate` checks every file against these contracts and the rules "
           "below and names file, line, column and what was expected.", "",
           f"Required files: {', '.join(f'`{DATASET_FILES[r]}`' for r in REQUIRED)}; all others are optional.", "",
           "## Rules across the files of a data folder", "",
           "- every `municipality_id` is in `municipalities.csv`; every `indicator_id` in the indicator register; an "
           "`area_id` of `indicator_values.csv` is in `areas.csv` or is the municipality itself (whole-town values); "
           "every `code_id` of the codings is in the code book;",
           f"- the population margins of one municipality and year add up to the same total for every variable "
           f"(relative difference <= {MARGIN_TOTAL_TOLERANCE:g}, the raking tolerance);",
           "- codings need `qualitative/codebook.csv` and `qualitative/sources.csv`, and every coded source is listed "
           "in sources.csv;",
           "- with `survey_items.csv` every item is a column of `survey_responses.csv` holding numeric codes, and every "
           "survey column that is not a design column is an item;",
           "- " + "; ".join(f"`{t}.csv` has the column `{c}` ({why})" for t, cols in FOLDER_COLUMNS.items()
                            for c, why in cols.items()) + ".", ""]
    for name, c in CONTRACTS.items():
        out += _section(c, DATASET_FILES.get(name, f"{name}.csv"))
    return "\n".join(out).rstrip() + "\n"


def write(path: str | Path | None = None) -> Path:
    """Write the page to ``path`` (default: docs/contracts.md of the repository)."""
    path = Path(path) if path else Path(__file__).resolve().parents[3] / "docs" / "contracts.md"
    path.write_text(render(), encoding="utf-8")
    return path


if __name__ == "__main__":  # pragma: no cover
    print(write(sys.argv[1] if len(sys.argv) > 1 else None))
