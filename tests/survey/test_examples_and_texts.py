"""The docstring examples of the survey and process modules run, and their German texts load."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pandas as pd
import pytest

from evaluation.errors import ContractError
from evaluation.survey.design import SurveyDesign
from evaluation.texts import section, text

MODULES = ["evaluation.io.surveyfiles", "evaluation.survey.weights", "evaluation.survey.design",
           "evaluation.survey.scales", "evaluation.survey.participants", "evaluation.process.measures",
           "evaluation.process.network", "evaluation.process.participation", "evaluation.process.index_inklusion"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


def test_german_texts_exist_and_format():
    assert "Kish" in text("survey", "weights.kish", n_eff=400, n=800)
    assert text("process", "network.sectors.wohlfahrt") == "Wohlfahrtspflege"
    assert set(section("survey", "indicators")) == {"reach_target_group", "reach_disability", "acceptance",
                                                    "mean_satisfaction", "benefit", "mean_benefit"}
    assert "Index" in text("process", "index.title")


def test_design_from_survey_responses_checks_the_contract():
    df = pd.DataFrame({"respondent_id": ["1", "2", "3", "4"], "municipality_id": "erlangen", "area_id": "nord",
                       "wave": 2021, "stratum": ["a", "a", "b", "b"], "psu": ["1", "2", "3", "4"],
                       "design_weight": [10.0, 10.0, 20.0, 20.0], "q": [1.0, 0.0, 1.0, np.nan]})
    est = SurveyDesign.from_survey_responses(df).mean("q")
    assert est.estimate == pytest.approx((10 + 20) / 40) and est.n == 3
    df.loc[1, "design_weight"] = -1.0
    with pytest.raises(ContractError, match="design_weight"):
        SurveyDesign.from_survey_responses(df, file="befragung.csv")
