"""The Pallant SPSS survey (439 cases, Windows-1252, value labels) through a mapping file."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from evaluation.errors import InputError
from evaluation.importing import derive_survey_items, import_survey, load_mapping
from evaluation.importing.survey import SurveyMapping

SAV = "survey/pallant_survey.sav"


def _mapping(**changes) -> SurveyMapping:
    raw = {"respondent_id": {"case_number": True}, "psu": {"case_number": True},
           "sex": {"variable": "sex", "codes": {1: "m", 2: "w"}},
           "items": {"optimismus": {"variable": "op1", "label": "Optimismus",
                                    "codes": {i: str(i) for i in range(1, 6)}, "positive": [4, 5]}}}
    raw.update(changes)
    return SurveyMapping(**raw)


def test_items_hold_the_files_codes(fixture_path):
    responses, items = import_survey(fixture_path(SAV), _mapping(), wave=2021, municipality_id="erlangen")
    raw, _ = pyreadstat.read_sav(str(fixture_path(SAV)), usecols=["op1", "sex"])
    # known truth: the codes as pyreadstat reads them, case by case
    assert np.array_equal(responses["optimismus"].to_numpy(), raw["op1"].to_numpy(), equal_nan=True)
    assert (responses["sex"] == raw["sex"].map({1.0: "m", 2.0: "w"})).all()
    assert len(responses) == 439 and (responses["wave"] == 2021).all()
    assert items.loc[0, "positive_codes"] == "4;5" and items.loc[0, "domain"] == "all"
    frame, specs = derive_survey_items(responses, items)
    assert frame["optimismus"].mean() == pytest.approx(raw["op1"].dropna().isin([4, 5]).mean())  # NaN: no answer
    assert specs == [("optimismus", None, "Optimismus")]


def test_unmapped_code_names_variable_code_and_case(fixture_path):
    m = _mapping(items={"optimismus": {"variable": "op1", "label": "O", "codes": {1: "a", 2: "b", 3: "c", 4: "d"}}})
    with pytest.raises(InputError) as info:
        import_survey(fixture_path(SAV), m, wave=2021, municipality_id="erlangen")
    p = info.value.problems[0]
    raw, _ = pyreadstat.read_sav(str(fixture_path(SAV)), usecols=["op1"])
    assert p.column == "op1" and p.found == 5
    assert p.row == int(np.flatnonzero(raw["op1"].to_numpy() == 5)[0]) + 1  # the first case answering 5
    assert "code 5 of variable 'op1' is not in the mapping" in str(p) and f"({int((raw['op1'] == 5).sum())} case(s))" in str(p)


def test_value_label_without_mapping_is_an_error(fixture_path):
    # sex is labelled 1 MALES, 2 FEMALES in the file; a mapping that forgets 2 is refused
    m = _mapping(sex={"variable": "sex", "codes": {1: "m"}})
    with pytest.raises(InputError) as info:
        import_survey(fixture_path(SAV), m, wave=2021, municipality_id="erlangen")
    text = str(info.value)
    assert "code 2 of variable 'sex' is not in the mapping" in text
    assert "value label 2 = 'FEMALES' of variable 'sex' is not in the mapping" in text


def test_duplicated_ids_of_the_file_are_named(fixture_path):
    with pytest.raises(InputError) as info:
        import_survey(fixture_path(SAV), _mapping(respondent_id="id"), wave=2021, municipality_id="erlangen")
    assert "respondent id '242' occurs 2 times" in str(info.value) and "case_number" in str(info.value)


def test_missing_codes_and_recode(fixture_path):
    m = _mapping(missing=[1], items={"optimismus": {"variable": "op1", "label": "O",
                                                    "codes": {2: "b", 3: "c", 4: "d", 5: "e"}, "positive": [4, 5],
                                                    "recode": {2: 5, 3: 4, 4: 3, 5: 2}}})
    responses, items = import_survey(fixture_path(SAV), m, wave=2021, municipality_id="erlangen")
    raw, _ = pyreadstat.read_sav(str(fixture_path(SAV)), usecols=["op1"])
    expected = raw["op1"].where(raw["op1"] != 1).map({2: 5, 3: 4, 4: 3, 5: 2})
    assert np.array_equal(responses["optimismus"].to_numpy(), expected.to_numpy(), equal_nan=True)
    assert items.loc[0, "positive_codes"] == "2;3"  # the positive answers after reversing


def test_unknown_variable_and_bad_mapping_file(fixture_path, tmp_path):
    with pytest.raises(InputError, match="variable 'op99'"):
        import_survey(fixture_path(SAV), _mapping(items={"x": {"variable": "op99", "label": "X", "codes": {1: "a"}}}),
                      wave=2021, municipality_id="erlangen")
    f = tmp_path / "m.yaml"
    f.write_text("respondent_id: id\nitems:\n  Optimismus:\n    variable: op1\n    label: O\n    codes: {1: a}\n"
                 "    positiv: [1]\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_mapping(f)
    assert "unknown key 'positiv'" in str(info.value) and "items.Optimismus.positiv" in str(info.value)
    f.write_text(f.read_text(encoding="utf-8").replace("positiv:", "positive:"), encoding="utf-8")
    with pytest.raises(InputError, match="item id 'Optimismus' must be lower-case"):
        load_mapping(f)


def test_derive_refuses_an_item_without_column():
    with pytest.raises(InputError, match="'q' is not a column"):
        derive_survey_items(pd.DataFrame({"x": [1]}), pd.DataFrame({"item_id": ["q"], "label": ["Q"], "kind": ["share"],
                                                                    "positive_codes": ["1"], "domain": ["all"]}))


def test_stata_file_with_the_same_mapping(fixture_path, tmp_path):
    """The same answers written as Stata .dta (pyreadstat) give the same survey table."""
    raw, meta = pyreadstat.read_sav(str(fixture_path(SAV)), usecols=["op1", "sex"])
    dta = tmp_path / "welle.dta"
    pyreadstat.write_dta(raw, str(dta), variable_value_labels={"sex": {1: "MALES", 2: "FEMALES"}})
    a, _ = import_survey(fixture_path(SAV), _mapping(), wave=2021, municipality_id="erlangen")
    b, _ = import_survey(dta, _mapping(), wave=2021, municipality_id="erlangen")
    pd.testing.assert_frame_equal(a, b)
