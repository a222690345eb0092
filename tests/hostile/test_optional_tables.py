"""An optional table that is absent must not fail the run (issue 17: measures.csv missing).

Before the fix ``validate`` passed but every report failed: the placeholder for the absent
``measures.csv`` was an all-object frame and ``survey/participants.py`` validated it again
(``column 'title': value has the wrong type (expected type string[pyarrow], found 'object')``).
"""

from __future__ import annotations

import shutil

import pytest

from evaluation.contracts import CONTRACTS, empty_table, validate
from evaluation.dataset import load_dataset
from evaluation.survey.participants import participant_overview


@pytest.mark.parametrize("name", sorted(CONTRACTS))
def test_every_placeholder_passes_its_contract(name):
    out = validate(empty_table(name), name)
    assert len(out) == 0 and list(out.columns) == CONTRACTS[name].columns


def test_missing_measures_csv_validates_and_the_participant_chapter_runs(demo_folder, tmp_path):
    folder = tmp_path / "demo"
    shutil.copytree(demo_folder, folder)
    (folder / "measures.csv").unlink()
    ds = load_dataset(folder)
    assert len(ds.measures) == 0
    municipality = ds.participant_responses["municipality_id"].iloc[0]
    tables = ds.for_municipality(municipality)
    overview = participant_overview(tables["participant_responses"], tables["measures"], min_n=5)
    assert len(overview) > 0
    assert overview["title"].isna().all()  # no titles to join, and no error
    assert overview["n_respondents"].sum() == len(tables["participant_responses"])
