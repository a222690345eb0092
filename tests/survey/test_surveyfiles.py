"""read_survey on the real Pallant SPSS file and on generated SPSS/Stata/CSV files with missing codes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from evaluation.errors import InputError
from evaluation.io.surveyfiles import apply_value_labels, read_survey, unlabelled_codes


def test_pallant_sav_reads_with_labels_and_declared_encoding(fixture_path):
    df, labels = read_survey(fixture_path("survey/pallant_survey.sav"))
    assert df.shape == (439, 134)
    assert labels.encoding.upper().replace("-", "") in {"WINDOWS1252", "CP1252"}
    assert labels.value_labels["sex"] == {1: "MALES", 2: "FEMALES"}
    assert labels.value_labels["agegp3"][3] == "45+"
    assert labels.measure["educ"] == "ordinal"
    # Likert items keep their 1-5 codes and missing answers are NaN, not 0
    assert set(df["op1"].dropna().unique()) <= {1, 2, 3, 4, 5}
    assert df["op1"].isna().sum() == 4
    # every observed code of the labelled variables has a label in this file
    assert unlabelled_codes(df, labels).empty
    labelled = apply_value_labels(df, labels, ["sex", "educ"])
    assert labelled["sex"].value_counts()["FEMALES"] == (df["sex"] == 2).sum()
    assert labelled["educ"].cat.ordered  # SPSS marks educ as ordinal


def test_pallant_column_subset(fixture_path):
    df, labels = read_survey(fixture_path("survey/pallant_survey.sav"), columns=["id", "sex", "op1"])
    assert list(df.columns) == ["id", "sex", "op1"]


def _labelled_frame():
    return pd.DataFrame({"q1": [1.0, 2.0, 8.0, 9.0, 1.0, 99.0],
                         "ort": ["Müller-Straße", "Größe", "a", "b", "c", "d"]})


def test_spss_user_missing_codes_become_nan_and_are_recorded(tmp_path):
    path = tmp_path / "befragung.sav"
    pyreadstat.write_sav(_labelled_frame(), str(path),
                         variable_value_labels={"q1": {1: "ja", 2: "nein", 8: "weiß nicht", 9: "keine Angabe",
                                                       99: "nicht erhoben"}},
                         missing_ranges={"q1": [8, {"lo": 9, "hi": 99}]},
                         column_labels={"q1": "Fühlen Sie sich gut informiert?", "ort": "Ort"})
    df, labels = read_survey(path)
    assert df["q1"].tolist()[:2] == [1.0, 2.0]
    assert df["q1"].isna().tolist() == [False, False, True, True, False, True]
    assert labels.missing_codes == {"q1": [8, 9, 99]}
    assert labels.variable_labels["q1"] == "Fühlen Sie sich gut informiert?"
    assert df["ort"][1] == "Größe"
    kept, _ = read_survey(path, user_missing=False)
    assert kept["q1"].tolist() == [1.0, 2.0, 8.0, 9.0, 1.0, 99.0]


def test_stata_file_with_value_labels(tmp_path):
    path = tmp_path / "befragung.dta"
    pyreadstat.write_dta(_labelled_frame(), str(path), variable_value_labels={"q1": {1: "ja", 2: "nein"}})
    df, labels = read_survey(path, missing_codes={"q1": [8, 9, 99]})
    assert labels.value_labels["q1"] == {1: "ja", 2: "nein"}
    assert df["q1"].isna().sum() == 3
    assert labels.missing_codes["q1"] == [8, 9, 99]


def test_csv_in_windows_1252_with_missing_codes(tmp_path):
    path = tmp_path / "befragung.csv"
    _labelled_frame().to_csv(path, sep=";", index=False, encoding="cp1252")
    df, labels = read_survey(path, missing_codes=[8, 9, 99], value_labels={"q1": {1: "ja", 2: "nein"}})
    assert labels.encoding == "cp1252"
    assert df["ort"][0] == "Müller-Straße"
    assert df["q1"].isna().sum() == 3
    assert labels.label("q1", 1.0) == "ja"


def test_code_without_label_is_an_error_naming_line_and_column(tmp_path):
    path = tmp_path / "ohne_label.sav"
    frame = pd.DataFrame({"q1": [1.0, 2.0, 3.0, 1.0]})
    pyreadstat.write_sav(frame, str(path), variable_value_labels={"q1": {1: "ja", 2: "nein"}})
    with pytest.raises(InputError) as err:
        read_survey(path, check_labels=True)
    message = str(err.value)
    assert "ohne_label.sav" in message and "row 3" in message and "'q1'" in message and "code 3" in message
    df, labels = read_survey(path)
    with pytest.raises(InputError, match="no value label"):
        apply_value_labels(df, labels, ["q1"])


def test_unsupported_and_missing_files(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_survey(tmp_path / "nichts.sav")
    other = tmp_path / "daten.xlsx"
    other.write_bytes(b"x")
    with pytest.raises(InputError, match="unsupported"):
        read_survey(other)
    broken = tmp_path / "kaputt.sav"
    broken.write_bytes(b"not an spss file at all")
    with pytest.raises(InputError, match="cannot read"):
        read_survey(broken)


def test_csv_identifiers_keep_leading_zeros(tmp_path):
    path = tmp_path / "antworten.csv"
    path.write_text("respondent_id,psu,plz,q1\n0001,007,01067,3\n0002,008,91052,\n", encoding="utf-8")
    df, _ = read_survey(path, text_columns=["plz"])
    assert df["respondent_id"].tolist() == ["0001", "0002"] and df["psu"].tolist() == ["007", "008"]
    assert df["plz"].tolist() == ["01067", "91052"]
    assert df["q1"].iloc[0] == 3 and np.isnan(df["q1"].iloc[1])
