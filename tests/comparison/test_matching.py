"""Matching: hand-computed neighbours, calipers, parameter-file dict, bad input, simulated types."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from evaluation.comparison import ComparisonMatcher, ComparisonWarning, comparison_params, match_comparisons
from evaluation.errors import EstimationError, InputError


@pytest.fixture
def line():
    """Model 'm' at x = 0; candidates on a line; z-scores by hand: mean 3, population SD 2.5 ...
    (sd over m + candidates, ddof 0), so the distances are |x - 0| / sd."""
    x = pd.Series([0.0, 1.0, -2.0, 4.0, 7.0, 8.0], index=["m", "a", "b", "c", "d", "e"])
    return pd.DataFrame({"x": x})


def test_nearest_neighbours_and_distances_by_hand(line):
    sd = line["x"].std(ddof=0)
    r = match_comparisons(line, "m", k=3, caliper=None, log=())
    assert r.chosen("m") == ["a", "b", "c"]
    np.testing.assert_allclose(r.matches["distance"], [1 / sd, 2 / sd, 4 / sd])
    np.testing.assert_allclose(r.matches["weight"], [1 / 3] * 3)
    # candidates table: every eligible candidate, sorted by distance
    assert r.candidates["comparison_id"].tolist() == ["a", "b", "c", "d", "e"]


def test_mahalanobis_distance_matches_scipy():
    """Mahalanobis on the z-scores with their covariance (Rubin 1980), divided by sqrt(p)."""
    from scipy.spatial.distance import mahalanobis

    rng = np.random.default_rng(4)
    a = rng.normal(size=40)
    X = pd.DataFrame({"u": a, "v": a + rng.normal(scale=0.3, size=40)}, index=[f"i{j}" for j in range(40)])
    r = match_comparisons(X, "i0", k=5, caliper=None, distance="mahalanobis", log=())
    Z = ((X - X.mean()) / X.std(ddof=0)).to_numpy()
    VI = np.linalg.inv(np.cov(Z, rowvar=False))
    expect = sorted((mahalanobis(Z[0], Z[j], VI) / np.sqrt(2), X.index[j]) for j in range(1, 40))[:5]
    assert r.chosen("i0") == [i for _, i in expect]
    np.testing.assert_allclose(r.matches["distance"], [d for d, _ in expect], rtol=1e-10)


def test_caliper_shortfall_warns_and_keeps_the_close_ones(line):
    sd = line["x"].std(ddof=0)
    with pytest.warns(ComparisonWarning, match="only 2 of k=3"):
        r = match_comparisons(line, "m", k=3, caliper=2.5 / sd, log=())
    assert r.chosen("m") == ["a", "b"]
    s = r.summary_frame().iloc[0]
    assert s["n_matched"] == 2 and s["shortfall"] == 1 and s["next_distance"] == pytest.approx(4 / sd)
    with pytest.raises(EstimationError, match="'m'.*nearest candidate"):
        match_comparisons(line, "m", k=3, caliper=0.5 / sd, log=())
    with pytest.raises(EstimationError, match="min_matches=2"):
        match_comparisons(line, "m", k=3, caliper=1.5 / sd, min_matches=2, log=())


def test_fewer_candidates_than_k_is_an_input_error(line):
    with pytest.raises(InputError, match="only 5 eligible candidate.*k=6"):
        match_comparisons(line, "m", k=6, caliper=None, log=())


def test_model_without_a_characteristic_is_named(line):
    X = line.assign(y=[np.nan, 1, 2, 3, 4, 5.0])
    with pytest.raises(InputError) as err:
        match_comparisons(X, "m", k=2)
    assert "'m'" in str(err.value) and "'y'" in str(err.value)
    with pytest.raises(InputError, match="not in the characteristics"):
        match_comparisons(line, "zz", k=2)


def test_candidate_without_a_characteristic_is_left_out(line):
    X = line.assign(y=[0.0, np.nan, 2, 3, 4, 5.0])
    with pytest.warns(ComparisonWarning, match="left out"):
        r = match_comparisons(X, "m", k=2, caliper=None, log=())
    assert r.excluded == ("a",) and "a" not in r.candidates["comparison_id"].tolist()


def test_constant_characteristic_is_dropped(line):
    with pytest.warns(ComparisonWarning, match="constant"):
        r = match_comparisons(line.assign(c=5.0), "m", k=2, caliper=None, log=())
    assert r.variables == ("x",) and r.dropped_variables == ("c",)
    assert r.chosen("m") == ["a", "b"]


def test_exact_matching_and_without_replacement():
    X = pd.DataFrame({"x": [0.0, 0.1, 0.2, 5.0, 5.1, 0.15, 5.2, 0.05],
                      "land": ["A", "B", "A", "A", "B", "A", "A", "B"]},
                     index=["m1", "m2", "c1", "c2", "c3", "c4", "c5", "c6"])
    r = match_comparisons(X, ["m1", "m2"], k=2, caliper=None, exact="land", log=())
    assert r.variables == ("x",) and r.exact == "land"
    assert r.chosen("m1") == ["c4", "c1"]          # only Land A
    assert r.chosen("m2") == ["c6", "c3"]          # only Land B
    # without replacement: m1 and m2 compete for the same close candidates; no candidate twice
    r2 = match_comparisons(X.drop(columns="land"), ["m1", "m2"], k=2, caliper=None, replace=False, log=())
    used = r2.matches["comparison_id"].tolist()
    assert len(used) == len(set(used)) == 4
    with pytest.raises(InputError, match="only 1 eligible.*land = 'B'"):
        match_comparisons(X.drop(index="c6"), ["m2"], k=2, exact="land", log=())


def test_ties_are_broken_by_the_seed_reproducibly():
    X = pd.DataFrame({"x": [0.0, 1.0, -1.0, 1.0, -1.0, 5.0]}, index=["m", "a", "b", "c", "d", "e"])
    runs = {tuple(match_comparisons(X, "m", k=1, caliper=None, seed=s, log=()).chosen("m")) for s in range(20)}
    assert runs <= {("a",), ("b",), ("c",), ("d",)} and len(runs) > 1
    a = match_comparisons(X, "m", k=2, caliper=None, seed=7, log=()).chosen("m")
    assert a == match_comparisons(X, "m", k=2, caliper=None, seed=7, log=()).chosen("m")


def test_simulated_pools_are_of_the_model_type(sim, features):
    """Truth: conftest's latent types. Euclidean nearest neighbours on the six characteristics must
    pick only municipalities of the model municipality's own type."""
    applicants = sim.municipalities.loc[sim.municipalities["group"] == "comparison", "municipality_id"]
    r = match_comparisons(features, sim.model_ids, candidates=applicants, k=10)
    for mid in sim.model_ids:
        assert set(sim.types[r.chosen(mid)]) == {sim.types[mid]}, mid
    assert r.matches["distance"].max() <= 0.5


def test_propensity_score_matching(sim, features):
    applicants = sim.municipalities.loc[sim.municipalities["group"] == "comparison", "municipality_id"]
    r = match_comparisons(features, sim.model_ids, candidates=applicants, method="propensity_score", k=3,
                          caliper=0.5)
    assert r.propensity is not None and r.method == "propensity_score"
    sd = r.details["logit_sd"]
    for mid in sim.model_ids:
        got = r.propensity[r.chosen(mid)] - r.propensity[mid]
        assert (got.abs() <= 0.5 * sd + 1e-9).all()
        # nearest on the logit: no unchosen candidate is closer than the farthest chosen one
        others = r.propensity.drop(index=[*sim.model_ids, *r.chosen(mid)])
        assert (others - r.propensity[mid]).abs().min() >= got.abs().max() - 1e-12


def test_params_dict_is_accepted_by_the_parameter_file_model(sim, features):
    from evaluation.params import Comparison

    m = ComparisonMatcher(k=5, seed=11).fit(features, sim.model_ids)
    d = comparison_params(m.result_, "model_grossstadt")
    assert d == m.result_.to_params("model_grossstadt")
    assert d["pool"] == "matched" and d["method"] == "nearest_neighbour" and d["k"] == 5 and d["seed"] == 11
    assert d["caliper"] == 1.0 and d["municipalities"] == m.result_.chosen("model_grossstadt")
    assert yaml.safe_load(yaml.safe_dump(d)) == d          # plain builtin types only
    Comparison(**d)                                          # the params owner's model accepts it
    # and the matcher can be rebuilt from it: same choice
    again = ComparisonMatcher.from_params(Comparison(**d)).fit(features, sim.model_ids)
    assert again.result_.chosen("model_grossstadt") == d["municipalities"]
    text = m.result_.method_text("model_grossstadt", "Großstadt X")
    assert "Großstadt X" in text and "Caliper 1" in text and "Einwohnerzahl" in text


def test_bad_configuration(line):
    with pytest.raises(InputError, match="unknown matching method"):
        match_comparisons(line, "m", method="optimal")
    with pytest.raises(InputError, match="caliper"):
        match_comparisons(line, "m", k=1, caliper=-1)
    with pytest.raises(InputError, match="k=0"):
        match_comparisons(line, "m", k=0)
    with pytest.raises(InputError, match="listed twice"):
        match_comparisons(line, ["m", "m"], k=1)
    with pytest.raises(InputError, match="candidate 'zz'"):
        match_comparisons(line, "m", candidates=["a", "zz"], k=1)
    r = match_comparisons(line, "m", k=1, caliper=None, log=())
    with pytest.raises(InputError, match="not a model municipality"):
        r.chosen("a")
