"""Programme effects per model municipality on the contract tables.

Known truths: the simulator (simulate_panel) and, when present, the Musterdaten generator
(evaluation.demo) with its ground_truth.json."""

from __future__ import annotations


import json

import numpy as np
import pandas as pd
import pytest

from evaluation.errors import EstimationError, InputError
from evaluation.impact.programme import estimate_programme_effects
from evaluation.impact.simulate import simulate_panel


def _tables(sim):
    d = sim.data
    values = pd.DataFrame({"municipality_id": d.unit, "area_id": d.unit, "year": d.year, "indicator_id": "x1",
                           "numerator": np.nan, "denominator": np.nan, "value": d.y, "source": "sim", "flag": None})
    m = d.groupby("unit").first().reset_index()
    munis = pd.DataFrame({"municipality_id": m.unit, "name": m.unit, "ags": "00000000", "kind": None,
                          "state": None, "population": m.population,
                          "group": np.where(m.first_treat > 0, "model", "comparison"),
                          "programme_start": m.first_treat.where(m.first_treat > 0)})
    return values, munis


@pytest.fixture(scope="module")
def sim():
    return simulate_panel(seed=11, effect=2.0, slope=0.1)


def test_effects_per_municipality_cover_the_truth(sim):
    """Known truth (simulator, effect 2 + 0.1 per year): over 8 simulated panels the 40
    per-municipality 95 % intervals cover the true effect at about the nominal rate (wide band:
    at least 34 of 40) and the pooled interval covers in at least 6 of 8."""
    covered, pooled_cov = 0, 0
    for seed in range(8):
        s = simulate_panel(seed=100 + seed, effect=2.0, slope=0.1)
        values, munis = _tables(s)
        tab = estimate_programme_effects(values, munis, "x1", draws=199, seed=seed).table.set_index("municipality_id")
        assert len(tab) == 6 and "pooled" in tab.index
        assert (tab.loc["t1":"t5", "n_control"] == 125).all() and tab.loc["pooled", "n_treated"] == 5
        covered += sum(tab.loc[m, "ci_low"] <= t <= tab.loc[m, "ci_high"] for m, t in s.att_by_unit.items())
        pooled_cov += tab.loc["pooled", "ci_low"] <= s.att <= tab.loc["pooled", "ci_high"]
    assert covered >= 34
    assert pooled_cov >= 6
    # the analytic alternative uses the same point estimator as estimator="att_gt"
    values, munis = _tables(sim)
    ana = estimate_programme_effects(values, munis, "x1", method="analytic").table.set_index("municipality_id")
    assert ana.loc["t1", "estimate"] == pytest.approx(
        estimate_programme_effects(values, munis, "x1", estimator="att_gt", draws=199).table.set_index(
            "municipality_id").loc["t1", "estimate"])


def test_pool_choice_and_missing_values(sim):
    values, munis = _tables(sim)
    pool = [f"c{i:03d}" for i in range(1, 41)]
    eff = estimate_programme_effects(values, munis, "x1", pool=pool)
    assert (eff.table.set_index("municipality_id").loc["t1":"t5", "n_control"] == 40).all()
    per = {f"t{i}": pool[:20] if i < 3 else pool[20:] for i in range(1, 6)}
    eff2 = estimate_programme_effects(values, munis, "x1", pool=per)
    assert eff2.table.set_index("municipality_id").loc["t4", "n_control"] == 20
    holes = values.copy()
    holes.loc[(holes.municipality_id == "c001") & (holes.year == 2013), "value"] = np.nan
    holes.loc[(holes.municipality_id == "t2") & (holes.year == 2024), "value"] = np.nan
    tab = estimate_programme_effects(holes, munis, "x1", pool=pool).table.set_index("municipality_id")
    assert tab.loc["t1", "n_control"] == 39  # c001 incomplete
    assert tab.loc["t2", "post_periods"] == 8  # 2017-2025 without 2024


def test_bad_input(sim):
    values, munis = _tables(sim)
    with pytest.raises(InputError, match="model municipalities"):
        estimate_programme_effects(values, munis, "x1", pool=["c001", "t1"])
    with pytest.raises(InputError, match="no whole-municipality values"):
        estimate_programme_effects(values, munis, "nope")
    early = munis.copy()
    early.loc[early.municipality_id == "t1", "programme_start"] = 2012
    with pytest.raises(EstimationError, match="no value before the programme start"):
        estimate_programme_effects(values, early, "x1")
    collected = estimate_programme_effects(values, early, "x1", errors="collect").table.set_index("municipality_id")
    assert "pre-periods" in collected.loc["t1", "error"] and np.isfinite(collected.loc["t2", "estimate"])
    no_comp = values[values.municipality_id.str.startswith("t")]
    with pytest.raises(EstimationError, match="no comparison"):
        estimate_programme_effects(no_comp, munis, "x1")
    with pytest.raises(InputError, match="unknown method"):
        estimate_programme_effects(values, munis, "x1", method="magic")


def test_synthetic_control_method(sim):
    values, munis = _tables(sim)
    pool = [f"c{i:03d}" for i in range(1, 31)]
    eff = estimate_programme_effects(values, munis, "x1", method="synthetic_control", pool=pool)
    tab = eff.table.set_index("municipality_id")
    assert set(tab.index) == {f"t{i}" for i in range(1, 6)}
    assert tab["estimate"].notna().all() and (tab["p"] > 0).all()


def _read(path):
    return pd.read_csv(path, skiprows=1, dtype={"municipality_id": str, "area_id": str, "ags": str})


@pytest.mark.slow
def test_musterdaten_effects_are_recovered(demo_folder):
    """Musterdaten (evaluation.demo, seed 20251): every injected effect on a municipality-level
    indicator, estimated against the unbiased same-type pool from ground_truth.json, lies in its
    95 % interval - up to the misses expected by chance (30 intervals: the chance that all 30
    nominal 95 % intervals cover is about 21 %); at most 2 misses allowed (seed 20251: 1 miss,
    inklusive_sportvereine in Erlangen). Marked slow: generating the Musterdaten takes 15-40 s."""
    paths = {name: demo_folder / name for name in ("ground_truth.json", "indicator_values.csv", "municipalities.csv")}
    truth = json.loads(paths["ground_truth.json"].read_text(encoding="utf-8"))
    iv, mu = _read(paths["indicator_values.csv"]), _read(paths["municipalities.csv"])
    whole = iv[(iv.area_id == iv.municipality_id) & iv.value.notna()]
    pools = {m: v["same_type"]["ids"] for m, v in truth["pools"].items()}
    checked, misses = 0, []
    comparison_ids = set(mu.loc[mu.group == "comparison", "municipality_id"])
    for ind in sorted({e["indicator_id"] for e in truth["effects"]}):
        if not set(whole.loc[whole.indicator_id == ind, "municipality_id"]) & comparison_ids:
            continue  # survey indicators: no comparison municipalities
        tab = estimate_programme_effects(iv, mu, ind, pool=pools).table.set_index("municipality_id")
        for e in (e for e in truth["effects"] if e["indicator_id"] == ind):
            mid = e["municipality_id"]
            yrs = set(whole.loc[(whole.indicator_id == ind) & (whole.municipality_id == mid), "year"])
            att = np.mean([v for y, v in e["att_by_year"].items() if int(y) in yrs])
            checked += 1
            if not tab.loc[mid, "ci_low"] <= att <= tab.loc[mid, "ci_high"]:
                misses.append((ind, mid, att, tab.loc[mid, "ci_low"], tab.loc[mid, "ci_high"]))
    assert checked >= 25
    assert len(misses) <= 2, misses
