"""Hypothesis property tests of the composite index invariants (issue 4, item 6)."""

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from evaluation.indicators.composite import CompositeIndex

META = pd.DataFrame({"indicator_id": ["a", "b", "c", "d"], "lebensbereich": ["arbeit", "arbeit", "bildung", "bildung"],
                     "polarity": [1, -1, 1, 1]})

values = arrays(np.float64, st.tuples(st.integers(3, 12), st.just(4)),
                elements=st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False))
SETTINGS = dict(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _frame(x):
    return pd.DataFrame(x, columns=list("abcd"), index=[f"u{i}" for i in range(len(x))])


def _varies(x):
    return all(np.ptp(x[:, j]) > 1e-6 * max(1.0, np.abs(x[:, j]).max()) for j in range(x.shape[1]))


@settings(**SETTINGS)
@given(values, st.sampled_from(["minmax", "rank"]), st.sampled_from([(0.0, 100.0), (1.0, 10.0)]))
def test_normalised_values_in_range(x, norm, rng):
    assume(_varies(x))
    ci = CompositeIndex(META, normalisation=norm, range=rng, outliers="none").fit(_frame(x))
    xn = ci.normalised_.to_numpy()
    assert (xn >= rng[0] - 1e-9).all() and (xn <= rng[1] + 1e-9).all()
    s = ci.scores_.to_numpy()
    assert (s >= rng[0] - 1e-9).all() and (s <= rng[1] + 1e-9).all()


@settings(**SETTINGS)
@given(values)
def test_equal_weights_arithmetic_is_the_mean(x):
    assume(_varies(x))
    ci = CompositeIndex(META, outliers="none").fit(_frame(x))
    # two indicators per Lebensbereich, equal weights at both levels: the plain mean of the normalised values
    np.testing.assert_allclose(ci.scores_.to_numpy(), ci.normalised_.mean(axis=1).to_numpy(), rtol=1e-10, atol=1e-9)


@settings(**SETTINGS)
@given(values, st.integers(0, 11), st.floats(0.1, 50), st.sampled_from(["arithmetic", "geometric", "harmonic"]))
def test_index_rises_with_a_positive_indicator(x, row, bump, agg):
    assume(_varies(x))
    row = row % len(x)
    # goalposts keep the other units' normalised values fixed, so only the bumped unit can move
    gp = {c: (-1e3, 1.1e3) for c in "abcd"}
    before = CompositeIndex(META, normalisation="goalposts", goalposts=gp, aggregation=agg, outliers="none").fit(_frame(x))
    y = x.copy()
    y[row, 0] += bump  # 'a' has polarity +1
    after = CompositeIndex(META, normalisation="goalposts", goalposts=gp, aggregation=agg,
                           outliers="none").fit(_frame(y))
    assert after.scores_.iloc[row] > before.scores_.iloc[row]
    others = np.arange(len(x)) != row
    np.testing.assert_allclose(after.scores_.to_numpy()[others], before.scores_.to_numpy()[others])


@settings(**SETTINGS)
@given(values, st.sampled_from(["arithmetic", "geometric"]))
def test_ranks_are_a_permutation(x, agg):
    assume(_varies(x))
    ci = CompositeIndex(META, aggregation=agg, outliers="none").fit(_frame(x))
    r = ci.ranks_.to_numpy(dtype=float)
    s = ci.scores_.to_numpy()
    # with ties broken by 'min', sorting the scores gives ranks 1..n where scores differ
    order = np.argsort(-s, kind="stable")
    assert r[order[0]] == 1
    if len(np.unique(np.round(s, 9))) == len(s):
        assert sorted(r.tolist()) == list(range(1, len(s) + 1))
    u = ci.uncertainty(n_draws=20, seed=0)
    assert (np.sort(u.rank_draws, axis=0).max(axis=0) <= len(s)).all()


@settings(**SETTINGS)
@given(values, st.integers(0, 11), st.floats(0.1, 50), st.sampled_from(["minmax", "rank", "zscore"]))
def test_own_index_never_falls_when_a_positive_indicator_rises(x, row, bump, norm):
    # with data-driven normalisations the other units may move, but the unit's own index cannot fall
    assume(_varies(x))
    row = row % len(x)
    y = x.copy()
    y[row, 2] += bump  # 'c' has polarity +1
    before = CompositeIndex(META, normalisation=norm, outliers="none").fit(_frame(x))
    after = CompositeIndex(META, normalisation=norm, outliers="none").fit(_frame(y))
    assert after.scores_.iloc[row] >= before.scores_.iloc[row] - 1e-9
