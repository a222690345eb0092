"""Properties that must hold for any data (hypothesis): SMD invariances, matching invariances."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.comparison import match_comparisons, standardised_mean_difference

values = st.lists(st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False), min_size=2, max_size=12)


@settings(max_examples=60, deadline=None)
@given(values, values, st.floats(0.01, 100), st.floats(-1e3, 1e3))
def test_smd_is_invariant_to_location_and_scale_and_antisymmetric(t, c, scale, shift):
    """The SMD is a difference in standard deviations: unchanged by a common shift or a positive
    rescaling of both groups, and it changes sign when the groups swap (Austin 2009)."""
    t, c = np.array(t), np.array(c)
    base = standardised_mean_difference(t, c)
    if not np.isfinite(base) or (np.var(t, ddof=1) + np.var(c, ddof=1)) < 1e-6:
        return
    moved = standardised_mean_difference(t * scale + shift, c * scale + shift)
    assert np.isclose(moved, base, rtol=1e-6, atol=1e-6)
    assert np.isclose(standardised_mean_difference(c, t), -base, rtol=1e-9, atol=1e-9)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.1, 50), st.floats(-100, 100))
def test_matching_is_invariant_to_units(seed, scale, shift):
    """Rescaling or shifting a characteristic (e.g. euros vs thousand euros) must not change the choice:
    the characteristics are standardised first."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.normal(size=30), "b": rng.normal(size=30)}, index=[f"u{i:02d}" for i in range(30)])
    r1 = match_comparisons(X, ["u00", "u01"], k=4, caliper=None, log=())
    r2 = match_comparisons(X.assign(b=X["b"] * scale + shift), ["u00", "u01"], k=4, caliper=None, log=())
    assert r1.pools() == r2.pools()
    np.testing.assert_allclose(r1.matches["distance"], r2.matches["distance"], rtol=1e-8, atol=1e-10)
