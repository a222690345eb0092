"""Pool sensitivity on the simulated types: the answer depends on the pool, and the right pools win."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from evaluation.comparison import Typology, comparison_pools, match_comparisons, pool_sensitivity, sensitivity_plot
from evaluation.errors import InputError
from evaluation.impact.results import ImpactResult


@pytest.fixture(scope="module")
def pools(sim, features):
    applicants = sim.municipalities.loc[sim.municipalities["group"] == "comparison", "municipality_id"]
    match = match_comparisons(features, sim.model_ids, candidates=applicants, k=10)
    types = Typology(seed=2).fit(features).labels_
    return comparison_pools(sim.municipalities, types=types, match=match)


def test_pools_table(sim, pools):
    assert list(dict.fromkeys(pools["pool"])) == ["all", "same_type", "matched"]
    n_applicants = int((sim.municipalities["group"] == "comparison").sum())
    per = pools.groupby(["pool", "model_id"]).size()
    assert (per["all"] == n_applicants).all() and (per["matched"] == 10).all()
    # same_type from the fitted typology = the latent type (conftest truth)
    for mid in sim.model_ids:
        ids = pools[(pools["pool"] == "same_type") & (pools["model_id"] == mid)]["comparison_id"]
        assert set(sim.types[ids]) == {sim.types[mid]}
    assert not pools["comparison_id"].isin(sim.model_ids).any()


@pytest.mark.parametrize("method", ["twfe", "did_2x2", "analytic"])
def test_same_type_and_matched_beat_all_applicants(sim, pools, method):
    """Truth: tau = 2 for every model municipality; the type trends (0.8, 0.4, 0, -0.4 a year) make the
    pool of all applicants biased except for the kleinstadt, whose trend is near the pool's mean.
    "analytic" goes through the impact issue's estimate_programme_effects (ATT against the year
    before the start), the others through twfe / did_2x2 (against the mean of the pre-years)."""
    t = pool_sensitivity(sim.values, sim.municipalities, "outcome", pools, method=method)
    assert len(t) == 12 and set(t["pool"]) == {"all", "same_type", "matched"}
    err = (t.set_index(["model_id", "pool"])["estimate"] - sim.tau).abs().unstack()
    for mid in ["model_grossstadt", "model_mittelstadt", "model_laendlich"]:
        assert err.at[mid, "matched"] < 0.25 < 1.0 < err.at[mid, "all"], mid
        assert err.at[mid, "same_type"] < 0.25, mid
    assert err["matched"].max() < 0.25 and err["same_type"].max() < 0.25
    # the bias of "all" has the sign of (own trend - pool trend): positive for the big cities
    est = t.set_index(["model_id", "pool"])["estimate"]
    assert est[("model_grossstadt", "all")] > sim.tau > est[("model_laendlich", "all")]
    assert t.loc[t["pool"] == "matched", "difference_to_matched"].eq(0).all()
    assert t["pool_label"].iloc[0] == "alle Bewerberkommunen"


def test_custom_estimator_and_dict_pools(sim):
    """A callable gets the panel of model + pool; here a hand-made post-minus-pre gap difference."""
    def gap(panel: pd.DataFrame, mid: str, start: int) -> ImpactResult:
        m = panel.groupby(["treated", "post"])["value"].mean()
        est = (m[(1, 1)] - m[(1, 0)]) - (m[(0, 1)] - m[(0, 0)])
        return ImpactResult(est, np.nan, (np.nan, np.nan), np.nan, 1, int(panel["municipality_id"].nunique() - 1),
                            "gap", "none")

    pools = {"list": {"model_kleinstadt": ["kl001", "kl002", "kl003"]}}
    t = pool_sensitivity(sim.values, sim.municipalities, "outcome", pools, method=gap)
    assert t["n_comparison"].tolist() == [3] and t["method"].iloc[0].startswith("gap")  # "<estimator>; <inference>"
    v = sim.values.assign(post=lambda d: d["year"] >= 2017)
    mine = v[v["municipality_id"] == "model_kleinstadt"].groupby("post")["value"].mean()
    comp = v[v["municipality_id"].isin(["kl001", "kl002", "kl003"])].groupby("post")["value"].mean()
    assert t["estimate"].iloc[0] == pytest.approx((mine[True] - mine[False]) - (comp[True] - comp[False]))
    assert np.isnan(t["difference_to_matched"].iloc[0])


def test_sensitivity_plot(sim, pools):
    t = pool_sensitivity(sim.values, sim.municipalities, "outcome", pools, method="did_2x2")
    plot = sensitivity_plot(t, indicator_label="Ergebnis", names={"model_grossstadt": "Großstadt"})
    try:
        assert "Großstadt" in [x.get_text() for x in plot.figure.axes[0].get_yticklabels()]
        assert "4 Modellkommunen" in plot.alt_text and "3 verschiedenen" in plot.alt_text
        assert plot.table.equals(t)
    finally:
        plt.close(plot.figure)


def test_bad_input(sim, pools):
    with pytest.raises(InputError, match="unknown estimation method"):
        pool_sensitivity(sim.values, sim.municipalities, "outcome", pools, method="magic")
    with pytest.raises(InputError, match="programme_start"):
        pool_sensitivity(sim.values, sim.municipalities.drop(columns="programme_start"), "outcome", pools)
    with pytest.raises(InputError, match="has no type"):
        comparison_pools(sim.municipalities, types=pd.Series({"gr001": 1}))
    with pytest.raises(InputError, match="no applicant shares the type"):
        types = pd.Series(1, index=sim.municipalities["municipality_id"])
        types["model_grossstadt"] = 9
        comparison_pools(sim.municipalities, types=types)
    with pytest.raises(InputError, match="unknown group"):
        comparison_pools(sim.municipalities.assign(group="treated"))
    with pytest.raises(InputError, match="no comparison pool"):
        pool_sensitivity(sim.values, sim.municipalities, "outcome", pools.iloc[:0])


def test_choose_comparisons_keeps_every_step(sim):
    """The one-call design on the simulated types: pre-period = years before 2017, four types found,
    matched pools of the model's own type (truth), pools and parameter dicts consistent."""
    from evaluation.comparison import choose_comparisons

    d = choose_comparisons(sim.structure, sim.municipalities, values=sim.values, indicator_id="outcome")
    assert d.pre_years == (2012, 2013, 2014, 2015, 2016)
    assert "outcome_slope" in d.features.columns and d.typology.k == 4
    for mid in sim.model_ids:
        assert set(sim.types[d.match.chosen(mid)]) == {sim.types[mid]}
        assert d.params(mid)["municipalities"] == d.match.chosen(mid)
        assert "outcome_slope" in d.params(mid)["variables"]
    s = d.summary_frame()
    assert s["model_id"].tolist() == sim.model_ids and (s["n_matched"] == 10).all()
    assert (s["max_abs_smd_after"] < s["max_abs_smd_before"]).all()
    assert set(d.pools["pool"]) == {"all", "same_type", "matched"}
    plot = d.love_plot("model_grossstadt")
    plt.close(plot.figure)
    with pytest.raises(InputError, match="without values"):
        choose_comparisons(sim.structure, sim.municipalities, indicator_id="outcome")
