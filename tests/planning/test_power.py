"""Minimum detectable effects: the vectorised test is the report's test, the closed form agrees with
the simulation, the McKenzie special case of the BPW formula, and the MDE shrinks with more
comparison units and more programme years (property tests)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.impact.simulate import simulate_panel
from evaluation.planning.formula import bpw_mde, contrast_variance, mckenzie_did_variance
from evaluation.planning.power import (MDEResult, default_test, own_scale, placebo_panels, power_at,
                                       programme_test, simulate_mde)
from evaluation.results import RESULT_COLUMNS


def _pool(n_units: int, seed: int, years=(2012, 2025), rho: float = 0.5):
    sim = simulate_panel(n_units=n_units + 5, seed=seed, effect=0.0, years=years, rho=rho)
    w = sim.data.pivot(index="unit", columns="year", values="y")
    comp = w.loc[[u for u in w.index if u.startswith("c")]].to_numpy()
    return comp, w.loc["t3"].to_numpy()


@pytest.mark.parametrize("n_units,n_pre", [(24, 6), (12, 5), (24, 2)])
def test_vectorised_test_takes_the_report_decisions(n_units, n_pre):
    """default_test == estimate_programme_effects (the report's estimator and inference) on placebo
    panels: studentised rank test (24 units), t-based placebo interval (12), unstudentised (2 pre-years)."""
    pool, treated = _pool(n_units, seed=11)
    n_post = 6
    panels, _ = placebo_panels(pool[:, : n_pre + n_post], n_pre, n_post,
                               own_scale=own_scale(treated, pool, n_pre) if n_pre >= 2 else None)
    agree = []
    for tau in (0.0, 1.5, 3.0):
        P = panels.copy()
        P[:, 0, n_pre:] += tau
        fast = default_test(P, n_pre)
        exact = programme_test(draws=999, seed=0)(P, n_pre)
        agree.append((fast == exact).mean())
    # the unstudentised report test draws 999 random re-assignments: a decision on the edge may differ
    assert min(agree) >= (0.9 if n_pre < 3 else 1.0), agree


def test_size_without_effect_is_alpha():
    """Pure noise with parallel trends: the simulated rejection rate at effect 0 is about alpha."""
    rates = []
    for seed in range(6):
        pool, _ = _pool(40, seed=seed)
        res = simulate_mde(pool, 6, 8, own_scale=None, grid=[0.0, 1.0])
        rates.append(res.power_at_zero)
    assert np.mean(rates) <= 0.05 + 3 * np.sqrt(0.05 * 0.95 / (6 * 40))


@pytest.mark.parametrize("n_units,n_pre,n_post", [(24, 6, 8), (60, 6, 8), (40, 3, 4)])
def test_closed_form_agrees_with_simulation(n_units, n_pre, n_post):
    """BPW (2020) variance with the rank test's critical value vs placebo simulation on AR(1) panels
    (rho 0.5, noise by population, as in the coverage study): median ratio within 20 %."""
    ratios = []
    for seed in range(8):
        pool, treated = _pool(n_units, seed=seed)
        pool = pool[:, : n_pre + n_post + 2]
        res = simulate_mde(pool, n_pre, n_post, own_scale=own_scale(treated, pool, n_pre))
        ratios.append(res.agreement)
    assert 0.8 <= np.median(ratios) <= 1.2, ratios


def test_mckenzie_is_the_equicorrelated_case():
    """McKenzie (2012): with equal correlation rho between all years, c' Sigma c equals
    sigma^2 [(1 + (m - 1) rho)/m + (1 + (r - 1) rho)/r - 2 rho]."""
    for m, r, rho, s2 in [(5, 9, 0.3, 2.0), (1, 1, 0.0, 1.0), (7, 2, 0.8, 0.5)]:
        gamma = np.r_[s2, np.full(m + r, rho * s2)]
        assert contrast_variance(gamma, m, r) == pytest.approx(mckenzie_did_variance(s2, rho, m, r))
    # classic 2-period value without correlation: 2 sigma^2
    assert mckenzie_did_variance(1.0, 0.0, 1, 1) == pytest.approx(2.0)


def test_result_interface():
    pool, treated = _pool(24, seed=1)
    res = simulate_mde(pool, 6, 8, own_scale=own_scale(treated, pool, 6))
    assert isinstance(res, MDEResult)
    assert list(res.summary_frame().columns[:9]) == list(RESULT_COLUMNS)
    assert res.ci_low <= res.estimate <= res.ci_high
    assert "placebo simulation" in res.summary()
    with pytest.raises(ValueError):
        simulate_mde(pool, 6, 8, alpha=0.95)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), rho=st.floats(0.0, 0.9), n_pre=st.integers(3, 6), n_post=st.integers(1, 6),
       j_small=st.integers(3, 30), extra=st.integers(1, 60))
def test_formula_shrinks_with_units_and_years(seed, rho, n_pre, n_post, j_small, extra):
    """BPW's formula as published (t critical values): more comparison units always lower it, for any
    covariance of the series; with equally correlated years (McKenzie 2012) more programme years do too."""
    pool, _ = _pool(40, seed=seed % 50, rho=rho)
    L = n_pre + n_post
    base = bpw_mde(pool[:, :L], n_pre, n_post, n_comparison=j_small, critical="t")
    assert bpw_mde(pool[:, :L], n_pre, n_post, n_comparison=j_small + extra, critical="t") < base
    v = [mckenzie_did_variance(1.0, rho, n_pre, r) for r in range(n_post, n_post + 4)]
    assert np.all(np.diff(v) < 0)


def test_more_post_years_need_not_help_with_strong_serial_correlation():
    """BPW (2020): with strongly autocorrelated (AR(1)) errors a longer programme period can raise the
    variance of the pre-mean DiD - why the plan simulates on the real series instead of assuming."""
    rho, s2 = 0.9, 1.0
    gamma = s2 * rho ** np.arange(10)
    assert contrast_variance(gamma, 1, 2) > contrast_variance(gamma, 1, 1)
    assert mckenzie_did_variance(s2, rho, 1, 2) < mckenzie_did_variance(s2, rho, 1, 1)


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_simulated_mde_shrinks_with_units_and_years(seed):
    """Simulated MDE (the report's test) on series with unit effects and iid noise, averaged over ten
    panels (one panel's MDE is itself a random quantity, above all from 5 placebos: with three panels
    seed 3172 broke the order; with ten, 120 seeds spread over 0-10,000 kept it, smallest ratio 1.16): 59
    comparison units against 4 (too few for a rank test: the t-based placebo interval), and 8
    programme years against 1. It does not fall smoothly with the pool size: at 19 units the 5 % rank
    test needs the municipality to beat every placebo, at 59 two may beat it - nearly the same test."""
    small, large, short = [], [], []
    for k in range(10):
        sim = simulate_panel(n_units=66, seed=seed * 10 + k, effect=0.0, rho=0.0, sigma1=0.0)
        w = sim.data.pivot(index="unit", columns="year", values="y")
        pool = w.loc[[u for u in w.index if u.startswith("c")]].to_numpy()[:, :14]
        small.append(simulate_mde(pool[:5], 6, 8).estimate)
        large.append(simulate_mde(pool, 6, 8).estimate)
        short.append(simulate_mde(pool[:, :7], 6, 1).estimate)
    assert np.mean(large) < np.mean(small)
    assert np.mean(large) < np.mean(short)


def test_power_at_the_mde():
    """Power is about alpha at 0, at least 80 % at the MDE and 100 % far above it (40 placebos)."""
    pool, treated = _pool(40, seed=3)
    scale = own_scale(treated, pool, 6)
    res = simulate_mde(pool, 6, 8, own_scale=scale)
    panels, _ = placebo_panels(pool, 6, 8, own_scale=scale)
    p = power_at(panels, 6, [0.0, res.estimate * 1.0001, 5 * res.estimate])
    assert p[0] <= 0.1 and p[1] >= 0.8 and p[2] == 1.0, p
