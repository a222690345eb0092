"""A pandas KeyError of a failed report is told as 'column X missing in table Y' (issue 15, item 8)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from evaluation.batch import describe_error_text, describe_exception
from evaluation.dataset import Dataset


@pytest.fixture
def namespace(tmp_path):
    municipalities = pd.DataFrame({"municipality_id": ["erlangen", "rostock"], "name": ["Erlangen", "Rostock"]})
    survey = pd.DataFrame({"municipality_id": ["erlangen"], "q1": [3]})
    ds = Dataset(folder=tmp_path, tables={"municipalities": municipalities, "survey_responses": survey},
                 files={"municipalities": tmp_path / "municipalities.csv"})
    return {"ctx": SimpleNamespace(dataset=ds), "other": 1}


def _raised(call) -> BaseException:
    try:
        call()
    except Exception as err:  # noqa: BLE001
        return err
    raise AssertionError("no exception")


def test_single_missing_column_named_with_table_file_and_line(namespace, tmp_path):
    ds = namespace["ctx"].dataset
    text = describe_exception(_raised(lambda: ds.survey_responses["has_disability"]), namespace)
    assert text.startswith("column 'has_disability' missing in table survey_responses (")
    assert str(Path(tmp_path) / "survey_responses.csv") in text
    assert "test_diagnose.py:" in text  # where the column was asked for
    text = describe_exception(_raised(lambda: ds.municipalities.loc[:, "ags"]), namespace)
    assert "column 'ags' missing in table municipalities (" + str(tmp_path / "municipalities.csv") in text


def test_several_columns_and_rows_of_a_table(namespace):
    ds = namespace["ctx"].dataset
    rows = ds.municipalities[ds.municipalities["municipality_id"] == "erlangen"]  # a copy: same columns
    text = describe_exception(_raised(lambda: rows[["name", "ags", "kreis"]]), namespace)
    assert text.startswith("columns 'ags', 'kreis' missing in table municipalities")


def test_a_frame_not_from_the_data_is_described_by_its_columns(namespace):
    frame = pd.DataFrame({"a": [1], "b": [2]})
    assert "missing in a table with columns [a, b]" in describe_exception(_raised(lambda: frame["c"]), namespace)


def test_other_errors_are_left_alone(namespace):
    assert describe_exception(_raised(lambda: {"a": 1}["b"]), namespace) is None
    assert describe_exception(ValueError("x"), namespace) is None


def test_from_a_kernels_error_text():
    tb = ["\x1b[0;31mKeyError\x1b[0m Traceback", "File /work/src/evaluation/reporting/chapters/befragung.py:42, in f()",
          "File /venv/lib/python3.11/site-packages/pandas/core/frame.py:4102, in __getitem__"]
    text = describe_error_text("KeyError", "'has_disability'", tb)
    assert text.startswith("column 'has_disability' missing in a table, asked for in ")
    assert text.endswith("evaluation/reporting/chapters/befragung.py:42")
    text = describe_error_text("KeyError", "\"None of [Index(['q1', 'q2'], dtype='object')] are in the [columns]\"")
    assert text.startswith("columns 'q1', 'q2' missing")
    assert describe_error_text("ValueError", "x") is None
