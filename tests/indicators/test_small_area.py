"""Empirical-Bayes shrinkage: conjugate formulas, statsmodels ML, and simulations with known truth."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.discrete.discrete_model import NegativeBinomial

from evaluation.errors import InputError
from evaluation.indicators.small_area import beta_binomial, poisson_gamma, shrink_areas


def _sim_gamma(rng, k=40, a=8.0, mean=0.005):
    n = rng.integers(500, 20000, k).astype(float)
    theta = rng.gamma(a, mean / a, k)
    return n, theta, rng.poisson(n * theta)


def test_poisson_gamma_posterior_is_conjugate():
    # reference: Gamma(a + O, b + n) posterior (Clayton & Kaldor 1987), quantiles from scipy
    rng = np.random.default_rng(0)
    n, _, x = _sim_gamma(rng)
    res = poisson_gamma(x, n, method="moments", scale=1)
    a, b = res.prior_params
    t = res.table
    np.testing.assert_allclose(t["shrunk"], (a + x) / (b + n))
    np.testing.assert_allclose(t["shrunk_ci_low"], stats.gamma.ppf(0.025, a + x, scale=1 / (b + n)))
    np.testing.assert_allclose(t["weight_raw"], n / (b + n))
    # Marshall (1991) moments by hand
    m = x.sum() / n.sum()
    s2 = np.sum(n * (x / n - m) ** 2) / n.sum()
    var = s2 - m / n.mean()
    assert a / b == pytest.approx(m) and a / b**2 == pytest.approx(var)


def test_poisson_gamma_ml_is_negative_binomial_ml():
    # reference: statsmodels NegativeBinomial (NB2) intercept-only with exposure; alpha = 1 / shape
    rng = np.random.default_rng(1)
    n, _, x = _sim_gamma(rng, k=60)
    res = poisson_gamma(x, n, method="ml", scale=1)
    ref = NegativeBinomial(x, np.ones_like(x, dtype=float), exposure=n).fit(disp=0)
    assert res.prior_mean == pytest.approx(np.exp(ref.params[0]), rel=1e-3)
    assert res.prior_params[0] == pytest.approx(1 / ref.params[1], rel=1e-2)


def test_shrinkage_beats_raw_rates_and_intervals_cover():
    # simulation with known truth: EB has smaller mean squared error than the raw rates and its
    # posterior intervals cover the true area rates at about the nominal rate
    rng = np.random.default_rng(2)
    mse_raw = mse_eb = cover = total = 0.0
    for _ in range(25):
        n, theta, x = _sim_gamma(rng)
        t = poisson_gamma(x, n, scale=1).table
        mse_raw += np.mean((x / n - theta) ** 2)
        mse_eb += np.mean((t["shrunk"] - theta) ** 2)
        cover += np.sum((t["shrunk_ci_low"] <= theta) & (theta <= t["shrunk_ci_high"]))
        total += len(theta)
    assert mse_eb < 0.95 * mse_raw
    assert 0.9 <= cover / total <= 0.98


def test_beta_binomial_ml_and_moments_recover_prior():
    rng = np.random.default_rng(3)
    k = 400
    n = rng.integers(30, 400, k)
    p = rng.beta(20, 80, k)
    x = rng.binomial(n, p)
    for method in ("ml", "moments"):
        res = beta_binomial(x, n, method=method, scale=1)
        a, b = res.prior_params
        assert a / (a + b) == pytest.approx(0.2, abs=0.01)
        assert a + b == pytest.approx(100, rel=0.35)
        t = res.table
        np.testing.assert_allclose(t["shrunk"], (a + x) / (a + b + n))
        assert np.mean((t["shrunk"] - p) ** 2) < np.mean((x / n - p) ** 2)


def test_no_overdispersion_pools_to_the_municipality():
    # equal true rates: the estimated between-area variance is 0 and every area gets the pooled rate
    x = np.array([10, 20, 30, 41])
    n = np.array([1000.0, 2000, 3000, 4000])
    res = poisson_gamma(x, n, method="moments", scale=1000)
    assert np.allclose(res.table["shrunk"], x.sum() / n.sum() * 1000)
    assert res.note
    assert (res.table["weight_raw"] == 0).all()


def test_shrink_areas_table_flags_small_areas_and_ranks_the_rest():
    rows = [("m", "m", 2023, "r", 137.0, 30200.0)]
    areas = [("a1", 80, 10000), ("a2", 35, 9000), ("a3", 2, 200), ("a4", 20, 11000)]
    rows += [("m", a, 2023, "r", float(c), float(n)) for a, c, n in areas]
    v = pd.DataFrame(rows, columns=["municipality_id", "area_id", "year", "indicator_id", "numerator", "denominator"])
    out = shrink_areas(v, kind="rate")
    assert list(out.area_id) == ["a1", "a2", "a3", "a4"]  # the whole-town row is not an area
    small = out.set_index("area_id")
    assert bool(small.loc["a3", "small"]) and pd.isna(small.loc["a3", "rank"])
    assert sorted(out["rank"].dropna().astype(int)) == [1, 2, 3]
    assert small.loc["a1", "rank"] == 1
    # tied areas (no variation beyond chance) share a rank instead of being ordered by noise
    flat = v.assign(numerator=[118.0, 40, 35, 2, 41])
    assert set(shrink_areas(flat, kind="rate")["rank"].dropna()) == {1}
    assert {"raw", "raw_ci_low", "shrunk", "shrunk_ci_high", "prior_mean"} <= set(out.columns)
    low_is_good = shrink_areas(v, kind="rate", polarity=-1).set_index("area_id")
    best = small["shrunk"].drop("a3").idxmin()
    assert low_is_good.loc[best, "rank"] == 1


def test_bad_input():
    with pytest.raises(InputError, match="at least two"):
        poisson_gamma([3], [100.0])
    with pytest.raises(InputError, match="missing"):
        poisson_gamma([3, np.nan], [100.0, 200.0])
    with pytest.raises(InputError, match="exceeds"):
        beta_binomial([3, 300], [100, 200])
    with pytest.raises(InputError, match="whole counts"):
        poisson_gamma([3.5, 2], [100.0, 200.0])


def test_suppressed_area_listed_not_estimated():
    rows = [("m", a, 2023, "r", c, n) for a, c, n in
            [("a1", 80.0, 10000.0), ("a2", 35.0, 9000.0), ("a3", np.nan, 300.0), ("a4", 20.0, 11000.0)]]
    v = pd.DataFrame(rows, columns=["municipality_id", "area_id", "year", "indicator_id", "numerator", "denominator"])
    out = shrink_areas(v).set_index("area_id")
    assert np.isnan(out.loc["a3", "shrunk"]) and bool(out.loc["a3", "small"]) and "missing" in out.loc["a3", "note"]
    assert pd.isna(out.loc["a3", "rank"]) and out["shrunk"].notna().sum() == 3
