"""Event study: published mpdta event-time effects (R did vignette, aggte(type = "dynamic")) and a
known pre-trend violation in a simulated panel."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaluation.impact.event_study import event_study
from evaluation.impact.simulate import simulate_panel

# R did vignette: estimates and (bootstrap) standard errors of the dynamic aggregation
PUBLISHED = {-3: (0.0305, 0.0157), -2: (-0.0006, 0.0136), -1: (-0.0245, 0.0144), 0: (-0.0199, 0.0124),
             1: (-0.0510, 0.0163), 2: (-0.1373, 0.0402), 3: (-0.1008, 0.0354)}


def test_event_study_matches_published(fixture_path):
    mp = pd.read_csv(fixture_path("impact/mpdta.csv"))
    es = event_study(mp, "lemp", "countyreal", "year", "first.treat")
    tab = es.table.set_index("event_time")
    assert list(es.table.columns[:5]) == ["event_time", "estimate", "se", "ci_low", "ci_high"]
    for e, (est, se) in PUBLISHED.items():
        assert tab.loc[e, "estimate"] == pytest.approx(est, abs=5e-4)
        assert tab.loc[e, "se"] == pytest.approx(se, rel=0.10)
    assert es.pretrend_df == 3
    assert 0 < es.pretrend_p < 1
    assert es.overall.estimate == pytest.approx(-0.0772, abs=5e-4)
    caveats = es.caveats()
    assert any("Trends vor dem Programmstart" in c for c in caveats)
    assert es.overall.caveats()[0].startswith("Das Konfidenzintervall beruht auf der üblichen")


def test_pretrend_test_detects_a_violation():
    """Treated units drift upwards by 2.0 per year before (and after) their start: leads are
    non-zero and the joint test rejects; without the drift it does not."""
    sim = simulate_panel(seed=21, effect=1.0)
    d = sim.data.copy()
    drift = np.where(d.first_treat > 0, 2.0 * (d.year - 2012), 0.0)
    bad = d.assign(y=d.y + drift)
    for inference in ("analytic", "randomization"):
        es_bad = event_study(bad, "y", "unit", "year", "first_treat", inference=inference, draws=499)
        es_ok = event_study(d, "y", "unit", "year", "first_treat", inference=inference, draws=499)
        assert es_bad.pretrend_p < 0.05, inference
        assert es_ok.pretrend_p > es_bad.pretrend_p
    leads = es_bad.table[es_bad.table.event_time < 0]
    assert (leads["estimate"].mean()) == pytest.approx(2.0, abs=0.5)


def test_randomization_event_study_covers_known_dynamic_effect():
    """Known dynamic effect tau(e) = 1 + 0.3 e: over 20 simulated panels the randomisation
    intervals of the post event times cover the truth in about 95 % of cases (wide band), the
    estimates are unbiased, and the requested window is respected."""
    covered, errors = [], []
    for seed in range(20):
        sim = simulate_panel(n_units=80, seed=seed, effect=1.0, slope=0.3)
        es = event_study(sim.data, "y", "unit", "year", "first_treat", inference="randomization", draws=199,
                         seed=seed, min_e=-3, max_e=5)
        assert es.table.event_time.min() == -3 and es.table.event_time.max() == 5
        post = es.table[es.table.event_time >= 0]
        truth = 1.0 + 0.3 * post["event_time"]
        covered += list((post["ci_low"] <= truth) & (truth <= post["ci_high"]))
        errors += list(post["estimate"] - truth)
    assert 0.85 <= np.mean(covered) <= 1.0
    assert abs(np.mean(errors)) < 0.25


def test_placebo_draw_equals_att_gt_on_the_placebo_panel(monkeypatch):
    """Reference: one randomisation draw (comparison units given the observed start years) must
    equal att_gt's dynamic aggregation run on that placebo panel."""
    import sys

    from evaluation.impact.did import att_gt

    mod = sys.modules["evaluation.impact.event_study"]
    captured = {}
    original = mod._permuted_estimates

    def spy(H, gidx, draws, rng, chunk=100, **kw):
        captured["H"] = H
        return original(H, gidx, draws, rng, chunk, **kw)

    monkeypatch.setattr(mod, "_permuted_estimates", spy)
    d = simulate_panel(n_units=40, seed=3).data
    es = event_study(d, "y", "unit", "year", "first_treat", inference="randomization", draws=99)
    comp = d[d.first_treat == 0].copy()
    ids = sorted(comp.unit.unique())
    dates = dict(zip(ids[:5], [2017, 2017, 2018, 2019, 2019]))
    comp["first_treat"] = comp.unit.map(dates).fillna(0).astype(int)
    ref = att_gt(comp, "y", "unit", "year", "first_treat").aggregate("dynamic").table.set_index("event_time")
    labels = np.searchsorted([0, 2017, 2018, 2019], [dates.get(u, 0) for u in ids])
    draw = captured["H"][np.arange(len(ids)), labels, :].sum(axis=0)
    np.testing.assert_allclose(draw, ref.loc[es.table.event_time, "estimate"].to_numpy(), atol=1e-10)
