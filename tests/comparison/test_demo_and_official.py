"""The whole chain on the Musterdaten (ground truth: unbiased pools) and on the real Kreis panel (13211).

Musterdaten truth (``ground_truth.json``, see ``evaluation.demo.panel``): indicator trends differ by the
latent municipality type, so the pool of all applicants is biased by (own type's trend - pool's mean
trend) per year, reported as ``pools[mid]["all_applicants"]["trend_bias_per_year"]``; the pool of the
same latent type is unbiased. The true effect is ``att_by_year``; a two-way fixed-effects estimate
with one treated unit (equal to the 2x2 contrast of pre- and post-period means on a balanced panel)
estimates its mean over the post years.
"""

from __future__ import annotations

import importlib

import json
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from evaluation.comparison import (
    ComparisonWarning, Typology, balance_table, comparison_pools, love_plot, match_comparisons, outcome_trends,
    pool_sensitivity, pre_period_characteristics, pre_trend_slopes, pre_trends,
)

PRE = range(2012, 2017)  # before the earliest programme start (2017)


def _read(path, **kw):
    return pd.read_csv(path, comment="#", dtype={"municipality_id": str, "area_id": str, "ags": str}, **kw)


@pytest.fixture(scope="module")
def demo(demo_folder):
    paths = {p.name: p for p in demo_folder.iterdir()}  # the session's Musterdaten, seed 20251
    return {
        "munis": _read(paths["municipalities.csv"]),
        "structure": _read(paths["structure.csv"]),
        "values": _read(paths["indicator_values.csv"]),
        "truth": json.loads(paths["ground_truth.json"].read_text(encoding="utf-8")),
    }


def test_demo_matched_and_same_type_pools_beat_all_applicants(demo):
    """For the model municipalities where the truth says all applicants are clearly biased (trend
    bias >= 0.5 points a year) and the signal is clear (signal-to-noise >= 4), the matched pool (nearest
    neighbours on structure + pre-period outcome level and trend) and the same-type pool give estimates
    closer to the true effect than all applicants; on average over all five as well."""
    ind = "barrierefreie_haltestellen"
    munis, truth = demo["munis"], demo["truth"]
    models = munis.loc[munis["group"] == "model", "municipality_id"].tolist()
    applicants = munis.loc[munis["group"] == "comparison", "municipality_id"].tolist()
    X = pre_period_characteristics(demo["structure"], PRE).join(outcome_trends(demo["values"], ind, PRE))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ComparisonWarning)  # Rostock has few neighbours within the caliper
        match = match_comparisons(X, models, candidates=applicants, k=10)
    pools = comparison_pools(munis, types=pd.Series(truth["types"]), match=match)
    # one treatment date and a balanced panel: the 2x2 contrast of pre/post means equals TWFE, cheaper
    t = pool_sensitivity(demo["values"], munis, ind, pools, method="did_2x2")
    att = {e["municipality_id"]: np.mean(list(e["att_by_year"].values()))
           for e in truth["effects"] if e["indicator_id"] == ind}
    snr = {e["municipality_id"]: e["signal_to_noise"]["snr"] for e in truth["effects"] if e["indicator_id"] == ind}
    err = (t.set_index(["model_id", "pool"])["estimate"] - t.set_index(["model_id", "pool"]).index
           .get_level_values(0).map(att)).abs().unstack()
    clear = [m for m in models
             if abs(truth["pools"][m]["all_applicants"]["trend_bias_per_year"][ind]) >= 0.5 and snr[m] >= 4]
    assert len(clear) >= 2, clear
    for m in clear:
        assert err.at[m, "matched"] < err.at[m, "all"], (m, err.loc[m].to_dict())
        assert err.at[m, "same_type"] < err.at[m, "all"], (m, err.loc[m].to_dict())
    assert err["matched"].mean() < err["all"].mean()
    assert err["same_type"].mean() < err["all"].mean()


def test_demo_typology_matching_and_balance(demo):
    """The typology puts the two Großstädte together and the Kleinstadt apart; matching improves balance on every
    characteristic; the parameter dict records the choice."""
    munis = demo["munis"]
    models = munis.loc[munis["group"] == "model", "municipality_id"].tolist()
    X = pre_period_characteristics(demo["structure"], PRE)
    typ = Typology(seed=20251).fit(X).result_
    assert typ.labels["erlangen"] == typ.labels["rostock"] != typ.labels["schneverdingen"]
    assert typ.types["description"].str.len().gt(10).all()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ComparisonWarning)
        match = match_comparisons(X, models, candidates=munis.loc[munis["group"] == "comparison", "municipality_id"],
                                  k=10)
    b = balance_table(X, match, by="pooled")
    assert b["smd_after"].abs().mean() < b["smd_before"].abs().mean()
    assert b["smd_after"].abs().max() < b["smd_before"].abs().max()
    p = match.to_params("schwaebisch_gmuend")
    assert len(p["municipalities"]) == 10 and p["variables"][0] == "population"
    fig, table = love_plot(b)
    plt.close(fig)
    assert len(table) == X.shape[1]


@pytest.fixture
def kreise(fixture_path):
    official = importlib.import_module("evaluation.io.official")
    from evaluation.params import load_params
    from pathlib import Path

    panel = official.context_panel(fixture_path("genesis/regionalstatistik_13211-02-05-4_2015-2020.csv"))
    params_dir = Path(__file__).resolve().parents[2] / "params"
    start = {mid: load_params(params_dir / f"{mid}.yaml").programme.start for _, (mid, _) in official.MODEL_KREISE.items()}
    regions = panel.regions
    munis = pd.DataFrame({"municipality_id": regions["code"], "name": regions["name"], "group": regions["group"],
                          "programme_start": regions["model_municipality_id"].map(start)})
    return panel, munis


def test_real_kreis_panel(kreise):
    """Real data (no truth): each model Kreis gets 10 comparison Kreise close in size (log unemployed)
    and in the level and trend of the severely disabled share before 2017; balance improves; the
    pre-trends and the pool sensitivity come out for all five."""
    panel, munis = kreise
    v = panel.values
    share = outcome_trends(v, "arbeitslose_sb_anteil", [2015, 2016], prefix="share")
    size = v[(v["indicator_id"] == "arbeitslose_sb_anteil") & v["year"].isin([2015, 2016])]
    size = size.groupby("municipality_id")["denominator"].mean().rename("unemployed_total")
    X = share.join(size)
    models = munis.loc[munis["group"] == "model", "municipality_id"].tolist()
    assert sorted(models) == ["03358", "07339", "08136", "09562", "13003"]
    # Kreise merged during 2015-2016 (e.g. Göttingen/Osterode am Harz, 03152/03156/03159) lack a pre-period
    # value: left out of the candidates with a warning (documented handling)
    with pytest.warns(ComparisonWarning, match="left out"):
        match = match_comparisons(X, models, candidates=munis.loc[munis["group"] == "comparison", "municipality_id"],
                                  k=10, caliper=None)
    assert set(match.excluded) >= {"03152", "03156"} and len(match.excluded) < 10
    b = balance_table(X, match)
    pooled = b[b["model_id"] == "all"].set_index("variable")
    assert (pooled["smd_after"].abs() < pooled["smd_before"].abs()).all()
    assert (pooled["smd_after"].abs() < 0.1).all()
    for mid in models:
        tr = pre_trends(v, "arbeitslose_sb_anteil", mid, match.chosen(mid))
        assert set(tr["year"]) == set(range(2015, 2021)) and (tr.loc[tr["series"] == "comparison", "n"] == 10).all()
        s = pre_trend_slopes(tr, before=2017)
        assert abs(s["difference"]) < 0.6  # matched on the 2015-2016 change of the share
    pools = comparison_pools(munis, match=match)
    t = pool_sensitivity(v, munis, "arbeitslose_sb_anteil", pools, method="did_2x2")
    assert len(t) == 10 and t["estimate"].notna().all()
    assert set(t["pool"]) == {"all", "matched"} and (t.loc[t["pool"] == "all", "n_comparison"] > 390).all()
