"""Randomisation inference and the wild cluster bootstrap.

Known truths: the estimates must equal the point estimators they wrap (att_gt aggregations,
TWFE), the test inversion must put p = alpha at the interval ends, and on simulated panels with
a known effect the intervals must cover it at about the nominal rate (small coverage study here;
the 500-replication study is benchmarks/simulation_impact.py).
"""

from __future__ import annotations

import numpy as np
import pytest

from evaluation.errors import EstimationError, InputError
from evaluation.impact.did import att_gt, twfe
from evaluation.impact.inference import (
    DEFAULT_INFERENCE,
    WEBB_WEIGHTS,
    _WildBootstrap,
    randomization_inference,
    wild_cluster_bootstrap,
)
from evaluation.impact.simulate import STUDY_METHODS, coverage_study, simulate_panel


@pytest.fixture(scope="module")
def sim():
    return simulate_panel(seed=5, effect=1.0)


@pytest.mark.parametrize("agg", ["simple", "dynamic", "group"])
@pytest.mark.parametrize("control", ["never", "notyet"])
def test_ri_estimate_equals_att_gt(sim, agg, control):
    d = sim.data
    ri = randomization_inference(d, "y", "unit", "year", "first_treat", control=control, aggregation=agg, draws=199)
    ref = att_gt(d, "y", "unit", "year", "first_treat", control=control).aggregate(agg)
    assert ri.estimate == pytest.approx(ref.estimate, abs=1e-10)
    assert ri.ci[0] < ri.estimate < ri.ci[1]
    assert ri.n_treated == 5


def test_ri_is_seeded_and_inverts_the_test(sim):
    d = sim.data
    a = randomization_inference(d, "y", "unit", "year", "first_treat", draws=499, seed=3)
    b = randomization_inference(d, "y", "unit", "year", "first_treat", draws=499, seed=3)
    assert a.ci == b.ci and a.p == b.p
    lo, hi = a.ci
    eps = 1e-6 * (hi - lo)
    p_at = lambda v: randomization_inference(d, "y", "unit", "year", "first_treat", draws=499, seed=3,  # noqa: E731
                                             null=v).details["p_null"]
    assert p_at(lo + eps) > 0.05 >= p_at(lo - 10 * eps)
    assert p_at(hi - eps) > 0.05 >= p_at(hi + 10 * eps)
    assert 1 / 500 <= a.p <= 1


def test_ri_p_value_is_roughly_uniform_under_the_null():
    """No effect: the share of p <= 0.1 over 40 panels stays near 10 % (binomial band)."""
    ps = [randomization_inference(simulate_panel(n_units=60, seed=s, effect=0.0).data, "y", "unit", "year",
                                  "first_treat", draws=199, seed=s).p for s in range(40)]
    assert sum(p <= 0.1 for p in ps) <= 10


def test_studentized_single_unit_enumerates_all_placebos(sim):
    d = sim.data
    one = d[(d.unit == "t3") | (d.first_treat == 0)]
    res = randomization_inference(one, "y", "unit", "year", "first_treat", studentize=True)
    assert res.details["draws"] == 125 and res.n_treated == 1
    assert res.ci[0] < res.estimate < res.ci[1]
    assert "studentized exact randomisation inference, 126 assignments" in res.method
    pooled = randomization_inference(d, "y", "unit", "year", "first_treat", studentize=True, draws=499)
    assert pooled.n_treated == 5 and "499 random placebo assignments" in pooled.inference
    ref = att_gt(d, "y", "unit", "year", "first_treat").aggregate("simple").estimate
    assert pooled.estimate == pytest.approx(ref, abs=1e-10)
    with pytest.raises(InputError, match="control='never'"):
        randomization_inference(d, "y", "unit", "year", "first_treat", studentize=True, control="notyet")


def test_pre_mean_estimator_equals_twfe_for_one_unit(sim):
    d = sim.data
    one = d[(d.unit == "t2") | (d.first_treat == 0)]
    res = randomization_inference(one, "y", "unit", "year", "first_treat", estimator="pre_mean", draws=199)
    assert res.estimate == pytest.approx(twfe(one, "y", "unit", "year", "treated").estimate, abs=1e-10)


def test_small_pool_falls_back_to_prediction_interval(sim):
    d = sim.data
    few = d[(d.unit == "t1") | d.unit.isin([f"c{i:03d}" for i in range(1, 11)])]
    res = randomization_inference(few, "y", "unit", "year", "first_treat", studentize=True)
    assert "prediction interval" in res.inference
    assert np.isfinite(res.ci[0]) and np.isfinite(res.ci[1])


def test_wild_bootstrap_matches_twfe_and_inverts(sim):
    d = sim.data
    wb = wild_cluster_bootstrap(d, "y", "unit", "year", "treated", draws=399, seed=1)
    ref = twfe(d, "y", "unit", "year", "treated")
    assert wb.estimate == pytest.approx(ref.estimate, abs=1e-10)
    assert wb.se == pytest.approx(ref.se, rel=1e-8)  # same CR1 formula as statsmodels
    assert wb.ci[0] < wb.estimate < wb.ci[1]
    p_lo = wild_cluster_bootstrap(d, "y", "unit", "year", "treated", draws=399, seed=1, null=wb.ci[0] - 0.05,
                                  interval=False).details["p_null"]
    assert p_lo <= 0.05
    assert set(np.unique(_WildBootstrap(np.random.default_rng(0).normal(size=(20, 6)),
                                        np.r_[np.ones(3), np.zeros(17)][:, None] * (np.arange(6) >= 3),
                                        50, 0, "webb").W)) <= set(WEBB_WEIGHTS)
    with pytest.raises(EstimationError, match="no comparison"):
        wild_cluster_bootstrap(d[d.first_treat > 0], "y", "unit", "year", "treated")


def test_small_coverage_study():
    """60 replications of the Musterdaten-shaped simulation (known effect 1.0): the default
    (randomisation inference) covers within a wide band around 95 %; the conventional analytic
    interval covers less. The full 500-replication study: benchmarks/simulation_impact.py."""
    assert DEFAULT_INFERENCE == "randomization"
    tab = coverage_study(reps=60, seed=11, draws=199,
                         methods=(STUDY_METHODS[0], STUDY_METHODS[1], STUDY_METHODS[7])).set_index("method")
    ri = tab.loc[STUDY_METHODS[0]]
    assert 0.85 <= ri["coverage"] <= 1.0
    assert abs(ri["bias"]) < 0.25
    assert 0.85 <= tab.loc[STUDY_METHODS[7], "coverage"] <= 1.0
    assert tab.loc[STUDY_METHODS[1], "coverage"] <= ri["coverage"]
