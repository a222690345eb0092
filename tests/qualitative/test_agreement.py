"""Intercoder agreement against published values and reference packages."""

from __future__ import annotations

import krippendorff
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats import inter_rater as smir

from evaluation.errors import EstimationError, InputError
from evaluation.qualitative.agreement import (
    brennan_prediger, cohens_kappa, fleiss_kappa, krippendorff_alpha, percent_agreement, segment_agreement,
    unit_matrix,
)

nan = np.nan
# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", section C: 4 coders x 12 units
KRIPP_2011 = [[1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
              [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
              [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
              [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan]]

# Fleiss (1971), Table 1: 30 patients, 6 psychiatrists, 5 diagnoses (as in statsmodels' tests); kappa = 0.430
FLEISS_1971 = np.array([
    [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5], [2, 2, 2, 4, 4, 4],
    [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4], [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5],
    [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4], [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5],
    [3, 3, 3, 3, 3, 5], [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4], [1, 4, 4, 4, 4, 5],
    [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4], [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5]])


@pytest.mark.parametrize("level, published", [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849),
                                              ("ratio", 0.797)])
def test_krippendorff_2011_worked_example(level, published):
    res = krippendorff_alpha(KRIPP_2011, level=level, n_boot=200)
    assert round(res.estimate, 3) == published
    assert res.n_units == 11 and res.n_values == 40  # unit 12 has one value: not pairable
    assert res.ci[0] < res.estimate <= res.ci[1] <= 1.0 and res.se > 0
    assert "alpha" in res.summary()


def test_krippendorff_text_categories_and_dataframe():
    labels = {1: "a", 2: "b", 3: "c", 4: "d", 5: "e"}
    df = pd.DataFrame(KRIPP_2011).apply(lambda c: c.map(labels))
    assert round(krippendorff_alpha(df, n_boot=0).estimate, 3) == 0.743
    ordered = krippendorff_alpha(df, "ordinal", value_domain=list("abcde"), n_boot=0)
    assert round(ordered.estimate, 3) == 0.815
    with pytest.raises(InputError, match="needs numbers"):
        krippendorff_alpha(df, "interval")


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), level=st.sampled_from(["nominal", "ordinal", "interval", "ratio"]),
       coders=st.integers(2, 5), units=st.integers(3, 40), missing=st.floats(0, 0.4))
def test_krippendorff_matches_reference_package(seed, level, coders, units, missing):
    """Reference: the `krippendorff` package (Castro 2017) on random data with missing values."""
    rng = np.random.default_rng(seed)
    data = rng.integers(1, 6, size=(coders, units)).astype(float)
    data[rng.random(data.shape) < missing] = nan
    try:
        ours = krippendorff_alpha(data, level=level, n_boot=0).estimate
    except EstimationError:
        return
    ref = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
    assert ours == pytest.approx(ref, abs=1e-9)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_alpha_invariant_to_order_of_coders_and_units(seed):
    rng = np.random.default_rng(seed)
    data = rng.integers(1, 4, size=(3, 15)).astype(float)
    data[rng.random(data.shape) < 0.2] = nan
    try:
        a = krippendorff_alpha(data, n_boot=0).estimate
    except EstimationError:
        return
    b = krippendorff_alpha(data[rng.permutation(3)][:, rng.permutation(15)], n_boot=0).estimate
    assert a == pytest.approx(b)


def test_alpha_perfect_agreement_and_undefined():
    data = [[1, 2, 3, 1], [1, 2, 3, 1]]
    assert krippendorff_alpha(data, n_boot=0).estimate == 1.0
    with pytest.raises(EstimationError):
        krippendorff_alpha([[1, 1, 1], [1, 1, 1]])
    with pytest.raises(InputError):
        krippendorff_alpha(KRIPP_2011, level="metric")


def test_fleiss_1971_published_value():
    res = fleiss_kappa(FLEISS_1971.T, n_boot=300)  # coders x units
    assert round(res.estimate, 3) == 0.430
    table, _ = smir.aggregate_raters(FLEISS_1971)
    assert res.estimate == pytest.approx(smir.fleiss_kappa(table, method="fleiss"))
    assert fleiss_kappa(counts=table, n_boot=0).estimate == pytest.approx(res.estimate)
    assert res.ci[0] < 0.430 < res.ci[1] and res.details["p"] < 0.001
    # z under H0 (Fleiss, Nee & Landis 1979) as R's irr::kappam.fleiss prints it for these data: z = 17.7
    assert round(res.details["z"], 1) == 17.7
    with pytest.raises(InputError, match="every unit coded"):
        fleiss_kappa(KRIPP_2011)


def test_brennan_prediger_matches_randolph_in_statsmodels():
    table, _ = smir.aggregate_raters(FLEISS_1971)
    res = brennan_prediger(FLEISS_1971.T)
    assert res.estimate == pytest.approx(smir.fleiss_kappa(table, method="randolph"))
    # with q larger than observed, chance agreement falls
    assert brennan_prediger(FLEISS_1971.T, n_categories=10).estimate > res.estimate


def test_cohens_kappa_textbook_and_sklearn():
    # textbook 2x2 example (50 units: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no): kappa = 0.40
    a = ["ja"] * 25 + ["nein"] * 25
    b = ["ja"] * 20 + ["nein"] * 5 + ["ja"] * 10 + ["nein"] * 15
    res = cohens_kappa(a, b)
    assert res.estimate == pytest.approx(0.4)
    assert res.estimate == pytest.approx(cohen_kappa_score(a, b))
    assert res.ci[0] < 0.4 < res.ci[1] and res.observed == pytest.approx(0.7)
    rng = np.random.default_rng(3)
    x = rng.integers(1, 5, 80)
    y = np.where(rng.random(80) < 0.6, x, rng.integers(1, 5, 80))
    for w in ("linear", "quadratic"):
        assert cohens_kappa(x, y, weights=w).estimate == pytest.approx(cohen_kappa_score(x, y, weights=w))


def test_percent_agreement():
    assert percent_agreement([[1, 2, 3, 4], [1, 2, 3, 5]]).estimate == pytest.approx(0.75)
    # Krippendorff's data: units 1..11 with pairwise agreement shares
    res = percent_agreement(KRIPP_2011)
    assert 0 < res.estimate < 1 and res.n_units == 11
    assert percent_agreement([[1, 1, 2], [1, 2, 2], [1, 1, 3]], method="all").estimate == pytest.approx(1 / 3)


def _seg(source, code, coder, start, end):
    return {"source_id": source, "code_id": code, "coder": coder, "start": start, "end": end}


def test_segment_agreement_hand_computed():
    codings = pd.DataFrame([
        _seg("d1", "A", "x", 0, 100), _seg("d1", "A", "y", 5, 100),    # 95 % overlap: agreed
        _seg("d1", "B", "x", 200, 300), _seg("d1", "B", "y", 230, 300),  # 70 %: not agreed
        _seg("d2", "A", "x", 0, 50),                                      # y did not code it
        _seg("d2", "B", "y", 10, 20), _seg("d2", "A", "y", 10, 20),       # x did not code these
    ])
    res = segment_agreement(codings, "x", "y")
    t = res.table.set_index("code_id")
    assert t.loc["A", "agreements"] == 2 and t.loc["A", "disagreements"] == 2
    assert t.loc["B", "agreements"] == 0 and t.loc["B", "disagreements"] == 3
    assert res.overall == pytest.approx(2 / 7)
    assert res.kappa == pytest.approx((2 / 7 - 1 / 2) / (1 - 1 / 2))
    loose = segment_agreement(codings, "x", "y", min_overlap=0.6)
    assert loose.overall == pytest.approx(4 / 7)
    assert "Brennan" in res.summary()


def test_segment_agreement_on_synthetic(synthetic):
    _, _, codings = synthetic
    res = segment_agreement(codings, "anna", "ben")
    # d1 TEIL_FEST differ by one character (full stop): 54/55 > 90 % -> agreed; d2 BILD: short vs long -> not
    t = res.table.set_index("code_id")
    assert t.loc["TEIL_FEST", "agreed_a"] == 1
    assert t.loc["BILD", "agreements"] == 0


def test_unit_matrix_feeds_the_coefficients(synthetic):
    _, _, codings = synthetic
    m = unit_matrix(codings, code_id="BARR_AUFZ")
    assert m.shape == (2, 5) and m.loc["anna", "d4"] == 1 and m.loc["ben", "d4"] == 0
    assert -1 <= cohens_kappa(m.to_numpy()).estimate <= 1
