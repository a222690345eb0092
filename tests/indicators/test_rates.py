"""Rates and proportions with intervals: checked against statsmodels / scipy and published values."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.rates import confint_poisson_2indep

from evaluation.errors import InputError
from evaluation.indicators.rates import (
    add_intervals, compare_areas, compare_years, poisson_ci, poisson_interval, proportion_ci,
    proportion_difference, proportion_interval, rate_difference,
)


def _values(rows):
    return pd.DataFrame(rows, columns=["municipality_id", "area_id", "year", "indicator_id", "numerator",
                                       "denominator", "value", "source", "flag"])


def test_wilson_matches_statsmodels_and_closed_form():
    # reference: statsmodels proportion_confint(method="wilson") and the Wilson (1927) formula
    x, n = np.array([0, 3, 17, 41]), np.array([12, 41, 60, 41])
    lo, hi = proportion_ci(x, n, "wilson")
    ref_lo, ref_hi = proportion_confint(x, n, method="wilson")
    np.testing.assert_allclose(lo, ref_lo, atol=1e-12)
    np.testing.assert_allclose(hi, ref_hi, atol=1e-12)
    z = stats.norm.ppf(0.975)
    p = x / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z / (1 + z**2 / n) * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    np.testing.assert_allclose(lo, np.clip(centre - half, 0, 1), atol=1e-12)


def test_clopper_pearson_matches_beta_quantiles():
    # reference: Clopper & Pearson (1934) limits are beta quantiles (scipy)
    r = proportion_interval(3, 41, method="clopper-pearson", scale=1)
    assert r.ci_low == pytest.approx(stats.beta.ppf(0.025, 3, 39), abs=1e-10)
    assert r.ci_high == pytest.approx(stats.beta.ppf(0.975, 4, 38), abs=1e-10)


def test_exact_poisson_matches_garwood_chi2():
    # reference: Garwood (1936) exact limits from chi-square quantiles (scipy)
    r = poisson_interval(7, 2300, scale=1000)
    assert r.ci_low == pytest.approx(stats.chi2.ppf(0.025, 14) / 2 / 2300 * 1000, rel=1e-9)
    assert r.ci_high == pytest.approx(stats.chi2.ppf(0.975, 16) / 2 / 2300 * 1000, rel=1e-9)
    zero = poisson_interval(0, 500)
    assert zero.ci_low == 0 and zero.ci_high == pytest.approx(-np.log(0.025) / 500 * 1000, rel=1e-9)


def test_newcombe_published_example():
    # Newcombe (1998), Stat Med 17:873, table II example (a): 56/70 - 48/80 -> 0.0524 to 0.3339
    d = proportion_difference(56, 70, 48, 80, scale=1)
    assert d.estimate == pytest.approx(0.2)
    assert d.ci_low == pytest.approx(0.0524, abs=5e-5)
    assert d.ci_high == pytest.approx(0.3339, abs=5e-5)
    assert d.significant


def test_rate_difference_mover_matches_statsmodels_and_formula():
    # reference: statsmodels confint_poisson_2indep(method="mover") and the MOVER formula (Li, Tang & Wong 2014)
    d = rate_difference(30, 10000, 12, 9000, scale=1000)
    lo, hi = confint_poisson_2indep(30, 10000, 12, 9000, method="mover", compare="diff", method_mover="exact-c")
    assert d.ci_low == pytest.approx(lo * 1000, rel=1e-9)
    assert d.ci_high == pytest.approx(hi * 1000, rel=1e-9)
    (l1,), (u1,) = poisson_ci([30], [10000])
    (l2,), (u2,) = poisson_ci([12], [9000])
    r1, r2 = 30 / 10000, 12 / 9000
    assert d.ci_low / 1000 == pytest.approx(r1 - r2 - np.sqrt((r1 - l1) ** 2 + (u2 - r2) ** 2), rel=1e-9)


def test_add_intervals_vectorised_and_missing_rows_explained():
    v = _values([
        ["m", "m", 2020, "quote", 3.0, 41.0, 7.3, "x", None],
        ["m", "m", 2021, "quote", np.nan, np.nan, 8.0, "x", "."],
    ])
    out = add_intervals(v, "proportion")
    assert out.loc[0, "estimate"] == pytest.approx(300 / 41)
    assert out.loc[0, "ci_low"] == pytest.approx(proportion_confint(3, 41, method="wilson")[0] * 100)
    assert np.isnan(out.loc[1, "ci_low"]) and out.loc[1, "interval_note"] != ""
    assert out.loc[1, "estimate"] == 8.0  # published value kept
    assert "estimate" not in v.columns  # input untouched


def test_add_intervals_rate_and_count():
    v = _values([["m", "m", 2020, "r", 7.0, 2300.0, np.nan, None, None],
                 ["m", "m", 2020, "c", 12.0, np.nan, 12.0, None, None]])
    rate = add_intervals(v.iloc[[0]], "rate")
    assert rate["estimate"].iloc[0] == pytest.approx(7 / 2.3)
    count = add_intervals(v.iloc[[1]], "count")
    assert count["ci_high"].iloc[0] == pytest.approx(stats.chi2.ppf(0.975, 26) / 2)


def test_compare_years_and_areas():
    v = _values([
        ["m", "m", 2018, "q", 40.0, 400.0, 10.0, None, None],
        ["m", "m", 2023, "q", 80.0, 400.0, 20.0, None, None],
        ["m", "a1", 2023, "q", 30.0, 100.0, 30.0, None, None],
        ["m", "a2", 2023, "q", 50.0, 300.0, 16.7, None, None],
    ])
    cy = compare_years(v[v.area_id == "m"], "proportion", 2018, 2023)
    ref = proportion_difference(80, 400, 40, 400)
    assert cy["difference"].iloc[0] == pytest.approx(10.0)
    assert cy["ci_low"].iloc[0] == pytest.approx(ref.ci_low)
    assert bool(cy["significant"].iloc[0])
    ca = compare_areas(v, "proportion", 2023)
    a1 = ca[ca.area_id == "a1"].iloc[0]
    assert a1["estimate_2"] == pytest.approx(50 / 300 * 100)  # rest of town = 80-30 of 400-100
    assert a1["ci_low"] == pytest.approx(proportion_difference(30, 100, 50, 300).ci_low)


@pytest.mark.parametrize("kwargs, match", [
    (dict(successes=5, trials=3), "exceeds"),
    (dict(successes=-1, trials=3), "negative"),
    (dict(successes=1, trials=0), "denominator > 0"),
])
def test_bad_proportion_input(kwargs, match):
    with pytest.raises(InputError, match=match):
        proportion_interval(**kwargs)


def test_bad_method_and_fractional_exact():
    with pytest.raises(InputError, match="unknown method"):
        proportion_interval(1, 3, method="agresti")
    # an annual average count: continuous extension of Garwood's formula
    assert poisson_interval(2.5, 100, scale=1).ci_high == pytest.approx(stats.chi2.ppf(0.975, 7) / 2 / 100)
    with pytest.raises(InputError, match="se"):
        add_intervals(_values([["m", "m", 2020, "s", np.nan, np.nan, 3.2, None, None]]), "mean")


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 500), st.integers(1, 500), st.sampled_from(["wilson", "clopper-pearson", "jeffreys"]))
def test_proportion_interval_contains_estimate(x, n, method):
    x = min(x, n)
    r = proportion_interval(x, n, method=method, scale=1)
    assert 0 <= r.ci_low <= r.estimate + 1e-12
    assert r.estimate <= r.ci_high + 1e-12 <= 1 + 2e-12


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2000), st.floats(1, 1e6))
def test_poisson_interval_contains_estimate(c, e):
    r = poisson_interval(c, e, scale=1)
    assert 0 <= r.ci_low <= r.estimate <= r.ci_high


def test_add_intervals_by_register_mixes_kinds():
    from evaluation.indicators.rates import add_intervals_by_register
    from evaluation.register import load_register

    reg = load_register().table
    prop = reg[reg.kind == "proportion"].iloc[0]
    rate = reg[reg.kind == "rate"].iloc[0]
    count = reg[reg.kind == "count"].iloc[0]
    mean = reg[reg.kind == "mean"].iloc[0]
    v = _values([
        ["m", "m", 2020, prop.indicator_id, 3.0, 41.0, np.nan, None, None],
        ["m", "m", 2020, rate.indicator_id, 7.0, 2300.0, np.nan, None, None],
        ["m", "m", 2020, count.indicator_id, 12.0, np.nan, 12.0, None, None],
        ["m", "m", 2020, mean.indicator_id, np.nan, np.nan, 3.4, None, None],
    ]).set_index(pd.Index([10, 11, 12, 13]))
    out = add_intervals_by_register(v, reg)
    assert list(out.index) == [10, 11, 12, 13]
    assert out.loc[10, "ci_low"] == pytest.approx(proportion_confint(3, 41, method="wilson")[0] * prop.scale)
    assert out.loc[11, "estimate"] == pytest.approx(7 / 2300 * rate.scale)
    assert out.loc[12, "ci_high"] == pytest.approx(stats.chi2.ppf(0.975, 26) / 2)
    assert out.loc[13, "estimate"] == 3.4 and out.loc[13, "interval_note"] == "no standard error"
    with pytest.raises(InputError, match="missing from the register"):
        add_intervals_by_register(v.assign(indicator_id="nope"), reg)
