"""Target feasibility against a known line, survey formulas against textbook values, and the
survey plan against the Musterdaten's own published counts and the design-based estimator."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from evaluation.planning.feasibility import target_feasibility
from evaluation.planning.formula import sample_size_for_precision, share_change_mde
from evaluation.planning.survey import kish_deff, last_wave_design, wave_plan
from evaluation.results import RESULT_COLUMNS

YEARS = np.arange(2010, 2017)
NOISE = np.array([0.3, -0.2, 0.1, -0.4, 0.25, 0.05, -0.1])


def test_projection_is_the_ols_prediction_with_its_interval():
    y = 40 + 1.5 * (YEARS - 2010) + NOISE
    r = target_feasibility(YEARS, y, start=2017, target=60.0, target_year=2025, polarity=1, mde=2.0)
    b, a = np.polyfit(YEARS - 2010, y, 1)
    assert r.estimate == pytest.approx(a + b * 15)
    # predictive sd: residual variance x (1 + 1/n + (x0 - xbar)^2 / Sxx), t with n - 2 df
    x = YEARS - 2010
    s2 = np.sum((y - a - b * x) ** 2) / (len(x) - 2)
    se = np.sqrt(s2 * (1 + 1 / len(x) + (15 - x.mean()) ** 2 / np.sum((x - x.mean()) ** 2)))
    assert r.se == pytest.approx(se)
    assert r.ci_high - r.estimate == pytest.approx(stats.t.ppf(0.975, len(x) - 2) * se)
    assert r.needed_effect == pytest.approx(60 - r.estimate)
    assert r.probability == pytest.approx(stats.t.sf((60 - r.estimate) / se, len(x) - 2))
    assert list(r.summary_frame().columns[:9]) == list(RESULT_COLUMNS)


def test_verdicts():
    y = 40 + 1.5 * (YEARS - 2010) + NOISE  # projection 2025 about 62.5
    kw = dict(start=2017, target_year=2025, polarity=1)
    assert target_feasibility(YEARS, y, target=60.0, mde=2.0, **kw).verdict == "reachable_without_effect"
    assert target_feasibility(YEARS, y, target=64.0, mde=2.0, **kw).verdict == "not_detectable"
    assert target_feasibility(YEARS, y, target=70.0, mde=2.0, **kw).verdict == "detectable"
    assert target_feasibility(YEARS, y, target=70.0, **kw).verdict == "not_assessable"  # no MDE
    # lower is better: the same line falling short of a target of 50 needs a decrease of about 12.5
    low = target_feasibility(YEARS, y, target=50.0, mde=2.0, start=2017, target_year=2025, polarity=-1)
    assert low.verdict == "detectable" and low.needed_effect == pytest.approx(low.estimate - 50.0)
    few = target_feasibility(YEARS[:2], y[:2], target=70.0, mde=2.0, **kw)
    assert few.verdict == "not_assessable" and "three" in few.notes[0]
    with pytest.raises(ValueError):
        target_feasibility(YEARS, y, target=70.0, alpha=1.5, **kw)


def test_count_trend_is_log_linear():
    y = 100 * 1.05 ** (YEARS - 2010) * np.exp(NOISE / 20)
    r = target_feasibility(YEARS, y, start=2017, target=300.0, target_year=2025, polarity=1, kind="count")
    assert r.annual_change == pytest.approx(0.05, abs=0.01)
    assert r.estimate == pytest.approx(100 * 1.05**15, rel=0.05)


def test_survey_formulas_textbook_values():
    # Cochran: p = 0.5, +-5 points, 95 %: 384.1 -> 385 respondents; a design effect of 1.5 -> 577
    assert sample_size_for_precision(0.5, 0.05) == 385
    assert sample_size_for_precision(0.5, 0.05, deff=1.5) == 577
    # finite population of 1,000: 385 / (1 + 384 / 1000) -> 278
    assert sample_size_for_precision(0.5, 0.05, population=1000) == 278
    # two independent samples of 1,000, p = 0.5: (1.96 + 0.8416) * sqrt(0.25 * 0.002) = 0.0626
    assert share_change_mde(0.5, 1000, 1000) == pytest.approx(0.06264, abs=1e-4)
    # Kish: weights 1, 1, 2, 2 -> 4 * 10 / 36
    assert kish_deff(np.array([1.0, 1.0, 2.0, 2.0])) == pytest.approx(10 / 9)
    assert kish_deff(np.ones(7)) == pytest.approx(1.0)


def test_survey_plan_on_musterdaten(demo_folder):
    from evaluation.dataset import load_dataset
    from evaluation.survey.design import SurveyDesign

    ds = load_dataset(demo_folder)
    t = last_wave_design(ds.survey_responses, "erlangen")
    assert set(t["wave"]) == {2024}
    iv = ds.indicator_values
    pub = iv[(iv["municipality_id"] == "erlangen") & (iv["year"] == 2024)].set_index(["indicator_id", "area_id"])
    # respondents per indicator and Sozialraum = the unweighted counts the Musterdaten publish
    for r in t.itertuples():
        if (r.indicator_id, r.area_id) in pub.index:
            assert r.n == int(pub.loc[(r.indicator_id, r.area_id), "denominator"])
    # the design effect is SurveyDesign's for the same item
    last = ds.survey_responses[(ds.survey_responses["municipality_id"] == "erlangen")
                               & (ds.survey_responses["wave"] == 2024)].reset_index(drop=True)
    last = last.assign(pos=(last["einstellung"] >= 4).astype(float).where(last["einstellung"].notna()))
    ref = SurveyDesign(last, lonely_psu="adjust").table("pos", kind="proportion").iloc[0]
    row = t[(t["indicator_id"] == "einstellung_inklusion") & (t["area_id"] == "erlangen")].iloc[0]
    assert row.deff == pytest.approx(ref["deff"]) and row.share == pytest.approx(ref["estimate"])
    plan = wave_plan(t, half_width=0.05)
    # more respondents than now where the precision asked is not reached, and then a smaller MDE
    worse = plan[plan["precision_now"] > 5.0]
    assert len(worse) and (worse["n_needed"] > worse["n"]).all() and (worse["mde_needed"] < worse["mde"]).all()
