"""End to end on the Musterdaten (data/demo, generated with a known population): rake each
municipality and wave to its margins, estimate with the calibrated Taylor variance, and compare with
the true population values in ground_truth.json. A z-score (estimate - truth) / SE far beyond 3 would
mean biased weights or understated standard errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evaluation.process.network import network_summary
from evaluation.survey.design import SurveyDesign
from evaluation.survey.scales import cronbach_alpha
from evaluation.survey.weights import margins_from_table, rake

IDS = {c: str for c in ("respondent_id", "municipality_id", "area_id", "stratum", "psu", "category",
                        "actor_from", "actor_to")}
_DEMO: dict[str, Path] = {}


@pytest.fixture(scope="module", autouse=True)
def _use_demo(demo_folder: Path) -> None:
    """The session's fresh Musterdaten (tests/conftest.py) for this module's readers."""
    _DEMO["path"] = demo_folder


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(_DEMO["path"] / f"{name}.csv", comment="#", dtype=IDS)


@pytest.fixture(scope="module")
def truth(demo_folder):
    return json.loads((demo_folder / "ground_truth.json").read_text(encoding="utf-8"))["survey"]


def test_raked_estimates_cover_the_true_population_values(truth):
    survey, margins = _read("survey_responses"), _read("population_margins")
    z = []
    for (mun, wave), g in survey.groupby(["municipality_id", "wave"]):
        g = g.copy()
        g["has_disability"] = g["has_disability"].astype(int).astype(str)
        mar = margins_from_table(margins, municipality_id=mun, year=int(wave))
        res = rake(g, mar, empty_categories="drop", tol=1e-10)
        assert res.converged
        g["weight"] = res.weights
        g["positive"] = (g["einstellung"] >= 4).astype(float).where(g["einstellung"].notna())
        design = SurveyDesign(g, weight="weight", calibration=list(mar))
        values = truth["population_values"][mun][str(wave)]
        est = design.proportion("positive")
        z.append((est.estimate - values["einstellung_inklusion"] / 100) / est.se)
        est = design.proportion("freizeit", domain=("has_disability", "1"))
        z.append((est.estimate - values["teilhabe_freizeit"] / 100) / est.se)
    z = np.array(z)
    assert len(z) == 30
    assert np.abs(z).max() < 3.5
    assert abs(z.mean()) < 0.75 and 0.6 < z.std() < 1.6


def test_alpha_of_the_attitude_scale_matches_the_population_value(truth):
    survey = _read("survey_responses")
    a = cronbach_alpha(survey, ["att1", "att2", "att3", "att4", "att5"], reverse=["att3"], low=1, high=5)
    assert a.ci_low <= truth["cronbach_alpha"] <= a.ci_high


def test_network_summary_finds_each_coordination_office():
    s = network_summary(_read("network_edges"))
    assert s["coordination_degree"].notna().all()
    assert (s["coordination_actor"] == s["municipality_id"] + "-koordination").all()
