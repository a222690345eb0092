"""Synthetic control (Abadie, Diamond & Hainmueller 2010) against known truths: a treated unit
that is an exact convex combination of donors must get those weights back and its effect
exactly; the placebo p-value of a large effect is the smallest possible rank."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaluation.errors import EstimationError, InputError
from evaluation.impact.simulate import simulate_panel
from evaluation.impact.synth import simplex_weights, synthetic_control


def _convex_panel(effect: float = 2.0, n_donors: int = 12, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    years = np.arange(2010, 2024)
    donors = rng.normal(0, 1, (n_donors, len(years))).cumsum(axis=1) + rng.normal(10, 3, (n_donors, 1))
    w = np.zeros(n_donors)
    w[[1, 4, 7]] = [0.5, 0.3, 0.2]
    treated = w @ donors + np.where(years >= 2018, effect, 0.0)
    rows = [("T", y, v) for y, v in zip(years, treated)]
    rows += [(f"d{j:02d}", y, v) for j in range(n_donors) for y, v in zip(years, donors[j])]
    return pd.DataFrame(rows, columns=["unit", "year", "y"]), w


def test_recovers_convex_weights_and_effect():
    df, w = _convex_panel()
    res = synthetic_control(df, "y", "unit", "year", "T", 2018)
    got = res.weights.reindex([f"d{j:02d}" for j in range(len(w))]).to_numpy()
    np.testing.assert_allclose(got, w, atol=2e-3)
    assert res.weights.sum() == pytest.approx(1.0) and (res.weights >= 0).all()
    assert res.pre_rmspe < 1e-3
    assert res.att == pytest.approx(2.0, abs=1e-2)
    assert (res.gap.loc[2018:] - 2.0).abs().max() < 2e-2
    assert res.placebo_p == pytest.approx(1 / 13)  # the smallest rank among 12 placebos
    assert res.summary_frame().loc[0, "estimate"] == pytest.approx(res.att)
    assert (res.ci_low, res.ci_high) == res.ci and res.ci_low < 2.0 < res.ci_high
    assert len(res.assumptions) == 3
    assert len(res.caveats()) == 2 and "exakt" in res.caveats()[1]  # exact pre-period fit


def test_result_does_not_depend_on_the_start():
    """Several starts, best kept: different seeds and numbers of starts give the same fit."""
    sim = simulate_panel(n_units=30, seed=9, effect=1.0)
    pool = [u for u in sim.data.unit.unique() if u.startswith("c")]
    fits = [synthetic_control(sim.data, "y", "unit", "year", "t4", 2019, pool=pool, seed=s, starts=k, placebos=False)
            for s, k in ((0, 3), (1, 6), (2, 10))]
    for f in fits[1:]:
        assert f.pre_rmspe == pytest.approx(fits[0].pre_rmspe, rel=1e-4, abs=1e-8)
        assert f.att == pytest.approx(fits[0].att, abs=1e-3)


def test_simplex_weights_matches_slsqp_reference():
    """Reference: scipy SLSQP on the same quadratic programme (small problem, run directly)."""
    from scipy import optimize

    rng = np.random.default_rng(3)
    X0 = rng.normal(size=(6, 15))
    x1 = rng.normal(size=6)
    w, loss = simplex_weights(x1, X0)
    f = lambda v: float(((x1 - X0 @ v) ** 2).sum())  # noqa: E731
    ref = optimize.minimize(f, np.full(15, 1 / 15), method="SLSQP", bounds=[(0, 1)] * 15,
                            constraints=({"type": "eq", "fun": lambda v: v.sum() - 1},),
                            options={"ftol": 1e-14, "maxiter": 1000})
    assert loss <= ref.fun + 1e-8


def test_predictors_and_optimised_v():
    sim = simulate_panel(n_units=25, seed=4, effect=1.0)
    d = sim.data.assign(logpop=np.log(sim.data.population))
    res = synthetic_control(d, "y", "unit", "year", "t2", 2017, predictors=["logpop"], v="optimize",
                            pool=[u for u in d.unit.unique() if u.startswith("c")])
    assert res.v.sum() == pytest.approx(1.0) and "logpop" in res.v.index
    assert np.isfinite(res.att) and 0 < res.placebo_p <= 1


def test_bad_input():
    df, _ = _convex_panel()
    with pytest.raises(EstimationError, match="pre-periods"):
        synthetic_control(df, "y", "unit", "year", "T", 2010)
    with pytest.raises(InputError, match="not in the table"):
        synthetic_control(df, "y", "unit", "year", "nobody", 2018)
    gap = df[~((df.unit == "T") & (df.year == 2012))]
    with pytest.raises(InputError, match="complete series"):
        synthetic_control(gap, "y", "unit", "year", "T", 2018)
    only = df[df.unit == "T"]
    with pytest.raises(EstimationError, match="no comparison"):
        synthetic_control(only, "y", "unit", "year", "T", 2018)
