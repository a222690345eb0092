"""Repeated draws of the Musterdaten indicator panel with injected effects (the demo's own DGP)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation.demo import panel as demo_panel
from evaluation.demo._common import rng_for
from evaluation.demo.municipalities import make_municipalities, make_structure


def demo_world(seed: int = 20251):
    """Municipalities, structure and effect table of the Musterdaten (as ``evaluation.demo.generate``)."""
    munis = make_municipalities(rng_for(seed, "municipalities"), "default")
    structure = make_structure(munis, rng_for(seed, "structure"))
    eff = demo_panel.effect_parameters(munis, rng_for(seed, "effects"))
    return munis, structure, eff


def draw_wide(munis, structure, eff, indicator_id: str, draw: int, monkeypatch) -> pd.DataFrame:
    """One fresh draw of one indicator's whole-town panel (municipalities x years), effects as in ``eff``."""
    monkeypatch.setattr(demo_panel, "SPECS", {indicator_id: demo_panel.SPECS[indicator_id]})
    seq = np.random.SeedSequence([777, draw])
    r1, r2, r3 = (np.random.default_rng(s) for s in seq.spawn(3))
    values, _ = demo_panel.make_panel(munis, structure, None, eff, r1, r2, r3, effects=True, sozialraum=False)
    v = values[values["indicator_id"] == indicator_id]
    return v.pivot(index="municipality_id", columns="year", values="value").astype(float)
