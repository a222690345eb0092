"""Property tests (hypothesis): raking meets feasible margins, trimming keeps totals, Taylor SEs
scale as they must, alpha is invariant to linear rescaling of all items."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.survey.design import SurveyDesign
from evaluation.survey.scales import cronbach_alpha
from evaluation.survey.weights import rake, trim_weights

FAST = settings(max_examples=25, deadline=None)


@FAST
@given(seed=st.integers(0, 10_000), n=st.integers(30, 300), k1=st.integers(2, 5), k2=st.integers(2, 4))
def test_raking_meets_every_margin_of_a_complete_sample(seed, n, k1, k2):
    rng = np.random.default_rng(seed)
    # every cell of the cross-classification occupied -> raking converges (Ireland & Kullback 1968)
    a = np.concatenate([np.repeat(np.arange(k1), k2), rng.integers(0, k1, n)])
    b = np.concatenate([np.tile(np.arange(k2), k1), rng.integers(0, k2, n)])
    s = pd.DataFrame({"a": a.astype(str), "b": b.astype(str), "w": rng.uniform(0.5, 5, len(a))})
    total = 10_000.0
    pa = rng.dirichlet(np.ones(k1)) * total
    pb = rng.dirichlet(np.ones(k2)) * total
    margins = {"a": {str(i): v for i, v in enumerate(pa)}, "b": {str(i): v for i, v in enumerate(pb)}}
    r = rake(s, margins, weight="w", tol=1e-9, max_iter=2000)
    assert r.converged
    np.testing.assert_allclose(r.weights.groupby(s["a"]).sum().reindex(margins["a"]).to_numpy(), pa, rtol=1e-8)
    np.testing.assert_allclose(r.weights.groupby(s["b"]).sum().reindex(margins["b"]).to_numpy(), pb, rtol=1e-8)
    assert (r.weights > 0).all()


@FAST
@given(seed=st.integers(0, 10_000), cap=st.floats(1.5, 5.0))
def test_trimming_keeps_the_total_and_respects_the_cap(seed, cap):
    w = pd.Series(np.random.default_rng(seed).lognormal(0, 1.2, 400))
    t = trim_weights(w, upper=cap)
    assert np.isclose(t.weights.sum(), w.sum())
    assert t.weights.max() <= cap * w.mean() * (1 + 1e-9)


@FAST
@given(seed=st.integers(0, 10_000), scale=st.floats(0.1, 100.0), shift=st.floats(-50.0, 50.0))
def test_taylor_se_scales_with_the_variable_and_ignores_the_weight_scale(seed, scale, shift):
    rng = np.random.default_rng(seed)
    n = 120
    d = pd.DataFrame({"stratum": rng.integers(0, 3, n).astype(str), "psu": rng.integers(0, 6, n).astype(str),
                      "design_weight": rng.uniform(1, 4, n), "y": rng.normal(0, 1, n)})
    d["y2"] = scale * d["y"] + shift
    base = SurveyDesign(d).mean("y")
    moved = SurveyDesign(d).mean("y2")
    assert np.isclose(moved.se, scale * base.se) and np.isclose(moved.estimate, scale * base.estimate + shift)
    d["design_weight"] *= 7.0
    assert np.isclose(SurveyDesign(d).mean("y").se, base.se)


@FAST
@given(seed=st.integers(0, 10_000), a=st.floats(0.5, 10.0), b=st.floats(-5.0, 5.0))
def test_alpha_is_invariant_to_rescaling_all_items(seed, a, b):
    rng = np.random.default_rng(seed)
    theta = rng.normal(0, 1, 200)
    items = pd.DataFrame({f"i{j}": theta + rng.normal(0, 1, 200) for j in range(4)})
    r1 = cronbach_alpha(items, list(items.columns))
    r2 = cronbach_alpha(items * a + b, list(items.columns))
    assert np.isclose(r1.estimate, r2.estimate) and np.isclose(r1.ci_low, r2.ci_low)
