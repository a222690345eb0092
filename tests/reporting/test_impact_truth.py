"""The reports' impact estimates recover the Musterdaten ground truth (ground_truth.json, 'effects').

Reference: the generator's injected effects; the mean of att_by_year over the programme years is the
true average effect the report's estimator targets (DiD against the pre-period mean). With 20 intervals
at 95 %, all 20 cover about 36 % of the time by chance alone; the test allows one miss.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from evaluation.analysis import analyse, load_inputs

ROOT = Path(__file__).resolve().parents[2]
MODEL = ["erlangen", "rostock", "schneverdingen", "schwaebisch_gmuend", "nieder_olm"]

pytestmark = [pytest.mark.xdist_group("reports"), pytest.mark.slow]  # five analyses with diagnostics: ~40 s


def test_report_impact_intervals_cover_injected_effects(demo_folder):
    gt = json.loads((demo_folder / "ground_truth.json").read_text(encoding="utf-8"))
    truth = {(e["municipality_id"], e["indicator_id"]): sum(e["att_by_year"].values()) / len(e["att_by_year"])
             for e in gt["effects"]}
    checked, missed = 0, []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for mid in MODEL:
            params, dataset = load_inputs(ROOT / "params" / f"{mid}.yaml", data_folder=demo_folder)
            bundle = analyse(params, dataset, parts=["effects"])
            for row in bundle.effects.table.itertuples():
                if (mid, row.indicator_id) not in truth:
                    continue
                checked += 1
                value = truth[(mid, row.indicator_id)]
                if not (row.ci_low <= value <= row.ci_high):
                    missed.append((mid, row.indicator_id, value, row.ci_low, row.ci_high))
    assert checked >= 15, checked
    assert len(missed) <= 1, missed
