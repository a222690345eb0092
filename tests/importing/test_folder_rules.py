"""validate catches what a report would trip on: margins, sources, code book, survey items, has_disability."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from evaluation.contracts import MARGIN_TOTAL_TOLERANCE, validate
from evaluation.dataset import load_dataset
from evaluation.errors import InputError
from evaluation.importing.contracts_doc import EXAMPLES, example_frame, render


def _problems(folder):
    with pytest.raises(InputError) as info:
        load_dataset(folder)
    return [str(p) for p in info.value.problems]


@pytest.fixture
def folder(imported, tmp_path):
    out = tmp_path / "data"
    shutil.copytree(imported / "data" / "processed", out)
    shutil.rmtree(out / "provenance")
    return out


def _margins(folder, second_total: int):
    rows = [("erlangen", 2021, "sex", "m", 47393), ("erlangen", 2021, "sex", "w", 47393),
            ("erlangen", 2021, "age_group", "18-29", 30000), ("erlangen", 2021, "age_group", "30-44", 30000),
            ("erlangen", 2021, "age_group", "45+", second_total - 60000)]
    pd.DataFrame(rows, columns=["municipality_id", "year", "variable", "category", "population"]).to_csv(
        folder / "population_margins.csv", index=False)


def test_margins_one_person_apart_are_refused(folder):
    _margins(folder, 94786)
    load_dataset(folder)  # equal totals: fine
    _margins(folder, 94787)  # 1 person in 94,786: raking could never meet both
    problems = _problems(folder)
    assert any("add up to different population totals" in p and "population_margins.csv" in p
               and "age_group = 94.787" in p and "sex = 94.786" in p for p in problems), problems
    assert 1 / 94786 > MARGIN_TOTAL_TOLERANCE


def test_codings_without_sources_or_code_book(folder):
    (folder / "qualitative" / "sources.csv").unlink()
    problems = _problems(folder)
    assert any("303 codings without their documents: qualitative/sources.csv is missing" in p for p in problems)
    (folder / "qualitative" / "codebook.csv").unlink()
    assert any("codings without a code book" in p for p in _problems(folder))


def test_coding_of_an_unlisted_source(folder):
    s = pd.read_csv(folder / "qualitative" / "sources.csv", dtype=str)
    s[s["source_id"] == "videos_selection"].to_csv(folder / "qualitative" / "sources.csv", index=False)
    problems = _problems(folder)
    assert any("coding of source 'videos_10_selected' that qualitative/sources.csv does not list" in p
               and "codings.csv, row" in p for p in problems), problems


def test_survey_items_against_the_responses(folder):
    r = pd.read_csv(folder / "survey_responses.csv", dtype=str)
    r.assign(frage_neu=1).to_csv(folder / "survey_responses.csv", index=False)
    assert any("survey column 'frage_neu' is not in the mapping (survey_items.csv)" in p for p in _problems(folder))
    r.drop(columns=["zuversicht"]).to_csv(folder / "survey_responses.csv", index=False)
    assert any("survey item 'zuversicht' is not a column of survey_responses.csv" in p and "row 4" in p
               for p in _problems(folder))
    r.drop(columns=["has_disability"]).to_csv(folder / "survey_responses.csv", index=False)
    assert any("missing column 'has_disability'" in p and "Befragung" in p for p in _problems(folder))


def test_contract_page_is_in_step_with_the_schemas():
    from pathlib import Path

    page = Path(__file__).resolve().parents[2] / "docs" / "contracts.md"
    assert page.read_text(encoding="utf-8") == render(), \
        "docs/contracts.md is out of date: run python -m evaluation.importing.contracts_doc"


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_example_row_meets_its_contract(name):
    validate(example_frame(name), name)


def test_every_contract_has_an_example():
    from evaluation.contracts import CONTRACTS

    assert set(CONTRACTS) == set(EXAMPLES)
