"""Checked against truth: on Musterdaten with injected effects, the simulated power at the injected
size matches the share of detected effects in repeated draws.

Each draw is a fresh realisation of the Musterdaten indicator process (``evaluation.demo.panel``:
type trends, unit levels, year shocks, binomial counts) with the demo's own effects (ground truth,
seed 20251) or a multiple of them. The report's test is applied to the model municipality against
its unbiased same-type pool (``ground_truth.json`` ``pools``), and the planning simulation - run on
the same draw's pool, before the effect is known - gives the power at the draw's true mean effect.
Over ``R`` draws the mean simulated power must equal the detection rate within Monte Carlo error
(three standard errors of a share from ``R`` draws).
"""

from __future__ import annotations

import numpy as np
import pytest

from evaluation.demo.generate import _pools
from evaluation.planning.power import default_test, own_scale, placebo_panels, power_at

from ._truth import demo_world, draw_wide


@pytest.fixture(scope="module")
def world():
    munis, structure, eff = demo_world()
    return munis, structure, eff, _pools(munis, structure)


def _check(world, monkeypatch, indicator_id, mid, multiple, draws):
    munis, structure, eff, pools = world
    pool = pools[mid]["same_type"]["ids"]
    assert pools[mid]["same_type"]["unbiased"]
    start = int(munis.set_index("municipality_id").loc[mid, "programme_start"])
    e = eff.copy()
    sel = e["indicator_id"] == indicator_id
    e.loc[sel, ["level", "slope"]] *= multiple
    e0 = e.copy()
    e0.loc[sel, ["level", "slope"]] = 0.0
    detected, power, taus = [], [], []
    for r in range(draws):
        w = draw_wide(munis, structure, e, indicator_id, r, monkeypatch)
        w0 = draw_wide(munis, structure, e0, indicator_id, r, monkeypatch)  # same draw, no effect
        years = w.columns.to_numpy()
        n_pre, n_post = int((years < start).sum()), int((years >= start).sum())
        P, y = w.loc[pool].to_numpy(), w.loc[mid].to_numpy()
        detected.append(bool(default_test(np.vstack([y, P])[None], n_pre)[0]))
        tau = float((w.loc[mid] - w0.loc[mid])[years >= start].mean())  # the true mean effect
        panels, _ = placebo_panels(P, n_pre, n_post, own_scale=own_scale(y, P, n_pre))
        power.append(float(power_at(panels, n_pre, [abs(tau)], direction=1 if tau >= 0 else -1)[0]))
        taus.append(tau)
    share, expected = float(np.mean(detected)), float(np.mean(power))
    se = np.sqrt(max(expected * (1 - expected), 0.02) / draws)
    assert abs(share - expected) <= 3 * se, (share, expected, np.mean(taus))
    return share, expected


def test_power_matches_detection_at_the_injected_effect(world, monkeypatch):
    """Schneverdingen, Inklusionsanteil, the demo's own effect (about +5.8 points): power about 0.3."""
    share, expected = _check(world, monkeypatch, "inklusionsanteil", "schneverdingen", 1.0, draws=100)
    assert 0.1 < expected < 0.6  # an informative size, neither 0 nor 1


@pytest.mark.slow
@pytest.mark.parametrize("indicator_id,mid,multiple", [("inklusionsanteil", "nieder_olm", 1.0),
                                                       ("arbeitslose_sb_anteil", "schwaebisch_gmuend", 0.5)])
def test_power_matches_detection_elsewhere(world, monkeypatch, indicator_id, mid, multiple):
    _check(world, monkeypatch, indicator_id, mid, multiple, draws=100)
