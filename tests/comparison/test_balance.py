"""Balance: SMDs against hand computation (Austin 2009), balance table, Love plot, pre-period trends."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from evaluation.comparison import (
    OKABE_ITO, balance_table, love_plot, match_comparisons, pre_trend_plot, pre_trend_slopes, pre_trends,
    smd_denominator, standardised_mean_difference,
)
from evaluation.errors import InputError


def test_smd_continuous_by_hand():
    """Austin 2009 eq. 1: treated {3, 5}: mean 4, s² 2; comparison {1, 2, 3}: mean 2, s² 1;
    SMD = (4 - 2) / sqrt((2 + 1) / 2) = 1.63299."""
    assert standardised_mean_difference([3, 5], [1, 2, 3]) == pytest.approx(2 / np.sqrt(1.5))
    assert standardised_mean_difference([1, 2, 3], [3, 5]) == pytest.approx(-2 / np.sqrt(1.5))


def test_smd_binary_by_hand():
    """Austin 2009 eq. 2: p_t = 0.75, p_c = 0.25: (0.5) / sqrt((0.1875 + 0.1875) / 2) = 1.1547."""
    got = standardised_mean_difference([1, 1, 1, 0], [0, 0, 0, 1])
    assert got == pytest.approx(0.5 / np.sqrt(0.1875))


def test_smd_single_treated_uses_the_pool_sd_and_weights():
    """One model municipality: the treated variance is undefined, the denominator is s_c.
    Comparison {2, 4, 6}: s_c = 2; treated 7; weighted mean with weights (1, 1, 2) = 4.5."""
    assert smd_denominator([7], [2, 4, 6]) == pytest.approx(2.0)
    assert standardised_mean_difference([7], [2, 4, 6]) == pytest.approx((7 - 4) / 2)
    assert standardised_mean_difference([7], [2, 4, 6], weights=[1, 1, 2]) == pytest.approx((7 - 4.5) / 2)
    assert standardised_mean_difference([7], [2, 4, 6], denominator=4.0) == pytest.approx(0.75)
    # zero spread: equal means -> 0, different -> inf (documented)
    assert standardised_mean_difference([3], [3, 3]) == 0.0
    assert standardised_mean_difference([4], [3, 3]) == np.inf
    with pytest.raises(InputError):
        standardised_mean_difference([1], [1, 2], weights=[1.0])
    with pytest.raises(InputError):
        standardised_mean_difference([np.nan], [1, 2])


def test_balance_table_by_hand():
    """Two models m1 (x=0), m2 (x=10); candidates a..f. k=1 without caliper on x."""
    X = pd.DataFrame({"x": [0.0, 10.0, 1.0, 9.0, 4.0, 5.0, 6.0, 20.0]},
                     index=["m1", "m2", "a", "b", "c", "d", "e", "f"])
    r = match_comparisons(X, ["m1", "m2"], k=1, caliper=None, log=())
    assert r.pools() == {"m1": ["a"], "m2": ["b"]}
    b = balance_table(X, r).set_index(["model_id", "variable"])
    pool = np.array([1.0, 9, 4, 5, 6, 20])
    # per municipality: denominator = SD of the pool (ddof 1)
    s_c = pool.std(ddof=1)
    row = b.loc[("m1", "x")]
    assert row["sd_denominator"] == pytest.approx(s_c)
    assert row["smd_before"] == pytest.approx((0 - pool.mean()) / s_c)
    assert row["smd_after"] == pytest.approx((0 - 1) / s_c)
    # pooled: treated {0, 10}, pooled SD sqrt((s_t² + s_c²)/2), matched mean (1 + 9)/2
    den = np.sqrt((np.var([0, 10.0], ddof=1) + pool.var(ddof=1)) / 2)
    row = b.loc[("all", "x")]
    assert row["sd_denominator"] == pytest.approx(den)
    assert row["smd_before"] == pytest.approx((5 - pool.mean()) / den)
    assert row["smd_after"] == pytest.approx((5 - 5) / den)
    assert bool(row["balanced_after"]) and not bool(b.loc[("m1", "x"), "balanced_before"])


def test_matching_improves_balance_on_simulated_data(sim, features):
    """Truth: conftest's types. Matched groups must be closer on every characteristic than the pool
    of all applicants, pooled over the model municipalities, and mostly within |SMD| < 0.1."""
    applicants = sim.municipalities.loc[sim.municipalities["group"] == "comparison", "municipality_id"]
    r = match_comparisons(features, sim.model_ids, candidates=applicants, k=10)
    b = balance_table(features, r, by="pooled")
    assert (b["model_id"] == "all").all() and len(b) == features.shape[1]
    assert (b["smd_after"].abs() < b["smd_before"].abs()).all()
    assert b["balanced_after"].sum() >= 4 and b["balanced_before"].sum() == 0
    per = balance_table(features, r, by="municipality")
    gross = per[per["model_id"] == "model_grossstadt"]
    assert (gross["smd_before"].abs() > 1).all() and (gross["smd_after"].abs() < 0.5).all()


def test_love_plot_returns_figure_table_and_alt_text(sim, features):
    r = match_comparisons(features, sim.model_ids, k=10)
    b = balance_table(features, r)
    fig, table = love_plot(b)
    plot = love_plot(b, model_id="model_laendlich", model_name="Landgemeinde X")
    try:
        assert set(table["model_id"]) == {"all"} and len(table) == 6
        ax = fig.axes[0]
        colours = {mcolors.to_hex(c) for coll in ax.collections for c in coll.get_edgecolors()} | \
                  {mcolors.to_hex(c) for coll in ax.collections for c in coll.get_facecolors()}
        assert {OKABE_ITO["orange"].lower(), OKABE_ITO["blue"].lower()} <= colours
        assert [t.get_text() for t in ax.get_yticklabels()][0]  # German labels
        assert "Einwohnerzahl" in {t.get_text() for t in ax.get_yticklabels()}
        assert "Landgemeinde X" in plot.alt_text and "0,1" in plot.alt_text
        assert plot.table["model_id"].eq("model_laendlich").all()
    finally:
        plt.close(fig)
        plt.close(plot.figure)
    with pytest.raises(InputError, match="several model municipalities"):
        love_plot(b[b["model_id"] != "all"])


def test_pre_trends_table_and_slopes(sim):
    comp = ["gr001", "gr002", "gr003"]
    t = pre_trends(sim.values, "outcome", "model_grossstadt", comp)
    v = sim.values.set_index(["municipality_id", "year"])["value"]
    y2013 = t[(t["year"] == 2013)].set_index("series")
    assert y2013.at["model", "value"] == pytest.approx(v[("model_grossstadt", 2013)])
    assert y2013.at["comparison", "value"] == pytest.approx(np.mean([v[(c, 2013)] for c in comp]))
    assert y2013.at["comparison", "low"] == pytest.approx(min(v[(c, 2013)] for c in comp))
    assert y2013.at["comparison", "n"] == 3
    # weights: all weight on gr002
    w = pd.Series({"gr001": 0.0, "gr002": 1.0, "gr003": 0.0})
    tw = pre_trends(sim.values, "outcome", "model_grossstadt", comp, weights=w)
    assert tw[(tw["year"] == 2013) & (tw["series"] == "comparison")]["value"].iloc[0] == pytest.approx(v[("gr002", 2013)])
    # slopes before 2017: same type, true trend 0.8 a year for both
    s = pre_trend_slopes(t, before=2017)
    assert s["slope_model"] == pytest.approx(0.8, abs=0.2) and abs(s["difference"]) < 0.25
    # against a rural pool the pre-trends differ by 0.8 - (-0.4) = 1.2 a year
    rural = pre_trends(sim.values, "outcome", "model_grossstadt", ["la001", "la002", "la003", "la004"])
    assert pre_trend_slopes(rural, before=2017)["difference"] == pytest.approx(1.2, abs=0.25)
    plot = pre_trend_plot(t, programme_start=2017, indicator_label="Ergebnis", model_name="Großstadt")
    try:
        assert "Großstadt" in plot.alt_text and "2012–2023" in plot.alt_text
        assert plot.table.equals(t)
    finally:
        plt.close(plot.figure)


def test_pre_trends_bad_input(sim):
    with pytest.raises(InputError, match="no values of 'outcome'"):
        pre_trends(sim.values, "outcome", "nowhere", ["gr001"])
    with pytest.raises(InputError, match="'nothing' has no values"):
        pre_trends(sim.values, "nothing", "model_grossstadt", ["gr001"])
    with pytest.raises(InputError, match="none of the comparison"):
        pre_trends(sim.values, "outcome", "model_grossstadt", ["x1", "x2"])
