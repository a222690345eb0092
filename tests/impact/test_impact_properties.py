"""Properties every difference-in-differences estimate must have (hypothesis): adding any unit
effect and any year effect to the outcome changes nothing, and adding a constant effect to the
treated unit-years shifts the estimate by exactly that constant."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.impact.did import att_gt, twfe
from evaluation.impact.inference import randomization_inference
from evaluation.impact.simulate import simulate_panel

BASE = simulate_panel(n_units=25, seed=2, effect=0.0).data


@settings(max_examples=15, deadline=None)
@given(unit_shift=st.lists(st.floats(-50, 50), min_size=25, max_size=25),
       year_shift=st.lists(st.floats(-50, 50), min_size=14, max_size=14),
       tau=st.floats(-10, 10), control=st.sampled_from(["never", "notyet"]))
def test_fixed_effects_cancel_and_effects_shift(unit_shift, year_shift, tau, control):
    d = BASE.copy()
    units = sorted(d.unit.unique())
    ushift = dict(zip(units, unit_shift))
    yshift = dict(zip(range(2012, 2026), year_shift))
    shifted = d.assign(y=d.y + d.unit.map(ushift) + d.year.map(yshift) + tau * d.treated)
    ref = att_gt(d, "y", "unit", "year", "first_treat", control=control)
    new = att_gt(shifted, "y", "unit", "year", "first_treat", control=control)
    post = ref.table["post"].to_numpy()
    np.testing.assert_allclose(new.table["att"][~post], ref.table["att"][~post], atol=1e-8)
    np.testing.assert_allclose(new.table["att"][post], ref.table["att"][post] + tau, atol=1e-8)
    for kind in ("simple", "dynamic", "group"):
        assert new.aggregate(kind).estimate == pytest.approx(ref.aggregate(kind).estimate + tau, abs=1e-8)
    assert twfe(shifted, "y", "unit", "year", "treated").estimate == pytest.approx(
        twfe(d, "y", "unit", "year", "treated").estimate + tau, abs=1e-8)


@settings(max_examples=10, deadline=None)
@given(tau=st.floats(-5, 5))
def test_randomization_interval_is_shift_equivariant(tau):
    """Sharp null inversion: shifting all treated outcomes by tau shifts the interval by tau."""
    shifted = BASE.assign(y=BASE.y + tau * BASE.treated)
    a = randomization_inference(BASE, "y", "unit", "year", "first_treat", draws=199, seed=1)
    b = randomization_inference(shifted, "y", "unit", "year", "first_treat", draws=199, seed=1)
    assert b.estimate == pytest.approx(a.estimate + tau, abs=1e-8)
    assert b.ci[0] == pytest.approx(a.ci[0] + tau, abs=1e-6 * (1 + abs(tau)))
    assert b.ci[1] == pytest.approx(a.ci[1] + tau, abs=1e-6 * (1 + abs(tau)))
