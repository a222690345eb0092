"""Weights: design weights, raking (checked against samplics' SampleWeight.rake), trimming, Kish."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from evaluation.errors import InputError
from evaluation.survey.weights import (RakingError, design_weights, kish_effective_n, margins_from_table, rake,
                                       trim_weights)


@pytest.fixture
def sample():
    rng = np.random.default_rng(7)
    n = 600
    return pd.DataFrame({
        "age_group": rng.choice(["18-29", "30-44", "45-64", "65+"], n, p=[0.15, 0.2, 0.3, 0.35]),
        "sex": rng.choice(["w", "m"], n, p=[0.6, 0.4]),
        "area_id": rng.choice(["nord", "sued", "mitte"], n),
        "design_weight": rng.uniform(20, 60, n),
    })


CONTROL = {
    "age_group": {"18-29": 6000.0, "30-44": 7000.0, "45-64": 9000.0, "65+": 8000.0},
    "sex": {"w": 15300.0, "m": 14700.0},
    "area_id": {"nord": 12000.0, "sued": 10000.0, "mitte": 8000.0},
}


def test_rake_matches_samplics_and_meets_every_margin(sample):
    """Reference: samplics 0.6 SampleWeight.rake (same IPF algorithm), to machine precision."""
    res = rake(sample, CONTROL, tol=1e-12, max_iter=500)
    assert res.converged and res.max_rel_error < 1e-12
    for var, cells in CONTROL.items():
        got = res.weights.groupby(sample[var]).sum()
        for cat, target in cells.items():
            assert got[cat] == pytest.approx(target, rel=1e-10)
    assert res.weights.sum() == pytest.approx(30000.0)
    assert res.history[-1] == res.max_rel_error and len(res.history) == res.iterations
    samplics = pytest.importorskip("samplics", reason="samplics is the reference package of the test extras (pip install -e .[test])")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = samplics.SampleWeight().rake(
            samp_weight=sample["design_weight"].to_numpy(),
            margins={v: sample[v].to_numpy() for v in CONTROL}, control=CONTROL,
            tol=1e-12, ctrl_tol=1e-12, max_iter=1000)
    np.testing.assert_allclose(res.weights.to_numpy(), ref, rtol=1e-9)
    assert "converged" in res.summary()


def test_rake_hand_example_one_cycle():
    """Independent margins and a complete 2x2 sample: raking gives the product of the shares."""
    s = pd.DataFrame({"sex": ["w", "w", "m", "m"], "age": ["jung", "alt", "jung", "alt"]})
    r = rake(s, {"sex": {"w": 60, "m": 40}, "age": {"jung": 30, "alt": 70}}, weight=None)
    assert r.weights.round(10).tolist() == [18.0, 42.0, 12.0, 28.0]


def test_joint_margin_age_by_sex_and_population_table(sample):
    rows = []
    for (a, s), share in {("18-29", "w"): 0.1, ("18-29", "m"): 0.1, ("30-44", "w"): 0.12, ("30-44", "m"): 0.11,
                          ("45-64", "w"): 0.15, ("45-64", "m"): 0.14, ("65+", "w"): 0.16,
                          ("65+", "m"): 0.12}.items():
        rows.append({"municipality_id": "erlangen", "year": 2021, "variable": "age_group:sex",
                     "category": f"{a}:{s}", "population": share * 30000})
    for cat, pop in CONTROL["area_id"].items():
        rows.append({"municipality_id": "erlangen", "year": 2021, "variable": "area_id", "category": cat,
                     "population": pop})
    rows.append({"municipality_id": "rostock", "year": 2021, "variable": "area_id", "category": "x",
                 "population": 5.0})
    table = pd.DataFrame(rows)
    margins = margins_from_table(table, municipality_id="erlangen", year=2021)
    res = rake(sample, margins, tol=1e-10)
    cell = res.weights[(sample["age_group"] == "65+") & (sample["sex"] == "m")].sum()
    assert cell == pytest.approx(0.12 * 30000, rel=1e-8)
    assert set(res.margins["variable"]) == {"age_group:sex", "area_id"}
    with pytest.raises(InputError, match="several values of municipality_id"):
        margins_from_table(table)


def test_margin_category_the_sample_lacks_is_an_error(sample):
    control = dict(CONTROL, area_id={"nord": 9000.0, "sued": 9000.0, "mitte": 8000.0, "west": 4000.0})
    with pytest.raises(InputError, match="no respondent falls into.*west"):
        rake(sample, control)


def test_sample_category_the_margin_lacks_is_an_error(sample):
    control = dict(CONTROL, sex={"w": 30000.0})
    with pytest.raises(InputError, match="categories of 'sex' that the margin lacks"):
        rake(sample, control)


def test_missing_raking_variable_and_bad_weights(sample):
    s = sample.copy()
    s.loc[5, "sex"] = np.nan
    with pytest.raises(InputError, match="no value for raking variable 'sex'"):
        rake(s, CONTROL)
    s = sample.copy()
    s.loc[3, "design_weight"] = 0.0
    with pytest.raises(InputError, match="weight is missing, zero or negative") as err:
        rake(s, CONTROL)
    assert "row 3" in str(err.value)


def test_margins_with_different_totals_are_rejected(sample):
    with pytest.raises(InputError, match="different population totals"):
        rake(sample, dict(CONTROL, sex={"w": 15000.0, "m": 10000.0}))


def test_non_convergence_raises_with_diagnostics():
    """Structural zeros: only (a, x) and (b, y) occur, so a = x is forced and 60/40 vs 50/50 cannot be met."""
    s = pd.DataFrame({"u": ["a", "a", "b", "b"], "v": ["x", "x", "y", "y"]})
    margins = {"u": {"a": 60, "b": 40}, "v": {"x": 50, "y": 50}}
    with pytest.raises(RakingError, match="did not converge") as err:
        rake(s, margins, weight=None, max_iter=30)
    assert not err.value.result.converged and err.value.result.iterations == 30
    res = rake(s, margins, weight=None, max_iter=30, on_failure="return")
    assert res.max_rel_error > 0.1


def test_trim_keeps_total_and_caps():
    """Hand example: mean 3, cap 2 x mean = 6; the excess 3 goes to the three other weights."""
    r = trim_weights(pd.Series([1.0, 1.0, 1.0, 9.0]), upper=2.0)
    assert r.weights.tolist() == [2.0, 2.0, 2.0, 6.0]
    w = pd.Series(np.random.default_rng(3).lognormal(0, 1, 2000))
    t = trim_weights(w, upper=3.5, lower=0.3)
    assert t.weights.sum() == pytest.approx(w.sum())
    assert t.weights.max() <= 3.5 * w.mean() * (1 + 1e-9)
    assert t.weights.min() >= 0.3 * w.mean() * (1 - 1e-9)
    assert t.kish_after.n_eff > t.kish_before.n_eff
    with pytest.raises(InputError, match="cap is too low"):
        trim_weights(w, upper=0.5)


def test_kish_effective_n_hand_values():
    """Kish (1965) 11.7: n_eff = (sum w)^2 / sum w^2; for weights 1,1,1,3: 36/12 = 3, deff 4/3."""
    k = kish_effective_n([1, 1, 1, 3])
    assert k.n_eff == pytest.approx(3.0) and k.deff == pytest.approx(4 / 3)
    assert k.deff == pytest.approx(1 + k.cv**2)
    with pytest.raises(InputError):
        kish_effective_n([1.0, -1.0])


def test_design_weights_are_inverse_sampling_fractions():
    s = pd.DataFrame({"stratum": ["a"] * 4 + ["b"] * 2})
    w = design_weights(s, "stratum", {"a": 400, "b": 50})
    assert w.tolist() == [100.0] * 4 + [25.0] * 2
    with pytest.raises(InputError, match="no population size"):
        design_weights(s, "stratum", {"a": 400})
    with pytest.raises(InputError, match="smaller than"):
        design_weights(s, "stratum", {"a": 400, "b": 1})


def test_empty_margin_cell_can_be_dropped_explicitly(sample):
    control = dict(CONTROL, sex={"w": 15300.0, "m": 14655.0, "d": 45.0})
    with pytest.raises(InputError, match="no respondent falls into"):
        rake(sample, control)
    res = rake(sample, control, empty_categories="drop", tol=1e-10)
    assert res.dropped.to_dict("records") == [{"variable": "sex", "category": "d", "population": 45.0}]
    got = res.weights.groupby(sample["sex"]).sum()
    assert got["w"] == pytest.approx(15300.0 * 30000 / 29955) and res.weights.sum() == pytest.approx(30000)
    assert "dropped" in res.summary()
