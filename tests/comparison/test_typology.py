"""Typology: recovers the simulated latent types (conftest's known truth), German descriptions, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from evaluation.comparison import ComparisonWarning, Typology, bbsr_size_class, describe_profile
from evaluation.errors import InputError


@pytest.mark.parametrize("method", ["ward", "kmeans"])
def test_recovers_the_four_simulated_types(sim, features, method):
    """Truth: conftest's four latent types; Calinski-Harabasz must choose k = 4 and the partition
    must equal the latent one (adjusted Rand index 1)."""
    r = Typology(method=method, k_range=(2, 6), seed=3).fit(features).result_
    assert r.k == 4
    assert r.k_selection.loc[r.k_selection["chosen"], "k"].tolist() == [4]
    assert adjusted_rand_score(sim.types[r.labels.index], r.labels) == pytest.approx(1.0)
    # numbering by the first characteristic (population), largest first: type 1 = the big cities
    assert set(sim.types[r.members(1)]) == {"grossstadt"}
    assert set(sim.types[r.members(4)]) == {"laendlich"}


def test_type_names_and_descriptions_follow_the_profiles(features):
    r = Typology(seed=3).fit(features).result_
    types = r.types.set_index("type")
    assert types.loc[1, "name"] == "Typ 1: überwiegend Großstädte"
    assert types.loc[4, "name"] == "Typ 4: überwiegend Landgemeinden"
    d1, d4 = types.loc[1, "description"], types.loc[4, "description"]
    assert "größer" in d1 and "als der Durchschnitt" in d1 and "kleiner" not in d1
    assert "kleiner" in d4 or "dünner besiedelt" in d4 or "höherer Anteil Älterer" in d4
    # profiles: mean_z of population is ordered like the types
    pz = r.profiles[r.profiles["variable"] == "population"].sort_values("type")["mean_z"].to_numpy()
    assert np.all(np.diff(pz) < 0)
    s = r.summary_frame()
    assert list(s["type"]) == [1, 2, 3, 4] and "population" in s.columns and s["n"].sum() == len(features)
    assert "Calinski-Harabasz-Index" in r.method_text() and "4 Typen" in r.method_text()


def test_describe_profile_hand_cases():
    assert describe_profile(pd.Series({"population": 0.8, "density": 0.6, "share_65plus": 0.7})) == (
        "größer und dichter besiedelt als der Durchschnitt, höherer Anteil Älterer")
    assert describe_profile(pd.Series({"population": -1.4, "unemployment_rate": 0.2})) == (
        "deutlich kleiner als der Durchschnitt")
    assert describe_profile(pd.Series({"population": 0.1, "density": -0.2})) == "durchschnittlich in allen Merkmalen"
    # an unknown characteristic falls back to a generic phrase naming it
    assert describe_profile(pd.Series({"kita_places": -0.9})) == "niedrigerer Wert bei „kita_places“"
    # at most max_terms, the strongest first
    many = pd.Series({"population": 0.6, "density": 2.0, "share_65plus": 0.9, "tax_revenue_per_capita": 0.7})
    assert describe_profile(many, max_terms=2) == "deutlich dichter besiedelt als der Durchschnitt, höherer Anteil Älterer"


def test_bbsr_size_classes():
    """BBSR Stadt- und Gemeindetypen thresholds 100,000 / 20,000 / 5,000 inhabitants."""
    assert [bbsr_size_class(p) for p in (208_000, 100_000, 99_999, 20_000, 19_000, 5_000, 4_999)] == [
        "grossstadt", "grossstadt", "mittelstadt", "mittelstadt", "kleinstadt", "kleinstadt", "landgemeinde"]


def test_silhouette_criterion_is_recorded_and_reproducible(features):
    a = Typology(criterion="silhouette", method="kmeans", k_range=(2, 5), seed=5).fit(features).result_
    b = Typology(criterion="silhouette", method="kmeans", k_range=(2, 5), seed=5).fit(features).result_
    assert a.k == b.k and a.labels.equals(b.labels)
    best = a.k_selection.loc[a.k_selection["silhouette"].idxmax(), "k"]
    assert a.k == best
    assert a.k_selection["silhouette"].between(-1, 1).all()


def test_fixed_k_and_predict_new_municipalities(features):
    typ = Typology(k=4, seed=1).fit(features)
    assert typ.result_.k == 4 and typ.result_.k_selection.shape[0] == 1
    # predicting the fitted municipalities gives (almost all) their own labels
    assert (typ.predict(features) == typ.labels_).mean() > 0.97
    new = features.iloc[:3].copy()
    new.index = ["new1", "new2", "new3"]
    assert typ.predict(new).index.tolist() == ["new1", "new2", "new3"]
    with pytest.raises(InputError, match="new1"):
        typ.predict(new.assign(density=[np.nan, 1.0, 2.0]))


def test_missing_characteristic_raises_or_is_dropped(features):
    bad = features.copy()
    bad.loc["kl003", "share_65plus"] = np.nan
    with pytest.raises(InputError) as err:
        Typology(seed=1).fit(bad)
    assert "kl003" in str(err.value) and "share_65plus" in str(err.value)
    with pytest.warns(ComparisonWarning, match="left out"):
        r = Typology(seed=1, missing="drop").fit(bad).result_
    assert r.excluded == ("kl003",) and "kl003" not in r.labels.index


def test_constant_characteristic_is_dropped_with_a_warning(features):
    with pytest.warns(ComparisonWarning, match="constant"):
        r = Typology(seed=1).fit(features.assign(flat=1.0)).result_
    assert r.dropped_variables == ("flat",) and "flat" not in r.variables
    with pytest.raises(InputError, match="every characteristic is constant"):
        Typology(k=2).fit(pd.DataFrame({"a": [1.0] * 5, "b": [2.0] * 5}, index=list("vwxyz")))


def test_bad_configuration_and_input():
    X = pd.DataFrame({"population": [1e3, 2e3, 3e3], "density": [10.0, 20.0, 30.0]}, index=["a", "b", "c"])
    with pytest.raises(InputError, match="too few"):
        Typology(k_range=(3, 5)).fit(X)
    with pytest.raises(InputError, match="unknown clustering method"):
        Typology(method="dbscan").fit(X)
    with pytest.raises(InputError, match="not positive"):
        Typology(k=2).fit(X.assign(population=[0.0, 1.0, 2.0]))
    with pytest.raises(InputError, match="lacks the characteristic"):
        Typology(k=2, variables=["population", "tax"]).fit(X)
    with pytest.raises(InputError, match="more than once"):
        Typology(k=2).fit(pd.concat([X, X.iloc[:1]]))
