"""The analysis bundle: complete, saved and loaded unchanged, parts failing independently."""

from __future__ import annotations

import dataclasses
import math
import warnings

import pandas as pd
import pytest

from evaluation.analysis import MunicipalityAnalysis, analyse
from evaluation.analysis.bundle import Part
from evaluation.errors import InputError
from evaluation.params import Analysis, parse_params


def _same(a, b, path="bundle"):
    if dataclasses.is_dataclass(a):
        assert type(a) is type(b), path
        for f in dataclasses.fields(a):
            _same(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")
    elif isinstance(a, pd.DataFrame):
        a, b = _missing_as_none(a.reset_index(drop=True)), _missing_as_none(b)  # None and NaN: both "missing"
        pd.testing.assert_frame_equal(a, b, check_dtype=False, check_column_type=False,
                                      check_index_type=False, obj=path)
    elif isinstance(a, float) and math.isnan(a):
        assert isinstance(b, float) and math.isnan(b), path
    elif isinstance(a, (tuple, list)):
        assert list(_plain(a)) == list(_plain(b)), path
    else:
        assert a == b, (path, a, b)


def _missing_as_none(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    for c in df.columns:
        if df[c].dtype == object or pd.api.types.is_string_dtype(df[c]):
            df[c] = df[c].astype(object).where(df[c].notna(), None)
    return df


def _plain(x):
    return [list(v) if isinstance(v, tuple) else v for v in x]


def test_every_part_is_computed_on_the_musterdaten(erlangen_bundle):
    a = erlangen_bundle
    assert a.unavailable() == {}, a.unavailable()
    assert a.meta.municipality_id == "erlangen" and a.meta.demo and a.meta.data_cutoff == 2025
    assert a.meta.choices["analysis"]["min_respondents"] == 30 and a.meta.choices["seed"] == 20251
    assert a.comparison.n_pool == len(a.comparison.ids) > 0
    e = a.effects.table
    assert len(e) >= 4 and {"verdict", "reasons", "direction", "pretrend_p", "synth_fit", "p_value"} <= set(e.columns)
    # diagnostics for EVERY headline effect, not only the first
    est = e.dropna(subset=["estimate"])
    assert est["pretrend_p"].notna().all() and est["synth_fit"].notna().all()
    assert set(a.effects.event_study["indicator_id"]) == set(est["indicator_id"])
    assert set(a.effects.synth_series["indicator_id"]) == set(est["indicator_id"])
    # shares are differences in percentage points
    assert (e.loc[e["unit"] == "percentage_points", "unit_label"] == "Prozentpunkte").all()
    assert a.process.n_measures == a.process.n_running + a.process.n_finished + a.process.n_cancelled + a.process.n_planned


def test_bundle_round_trip_through_parquet_and_json(erlangen_bundle, tmp_path):
    folder = erlangen_bundle.save(tmp_path / "erlangen")
    assert (folder / "bundle.json").exists() and list(folder.glob("*.parquet"))
    again = MunicipalityAnalysis.load(folder)
    _same(erlangen_bundle, again)


def test_load_refuses_a_folder_without_a_bundle(tmp_path):
    with pytest.raises(InputError, match="no analysis bundle"):
        MunicipalityAnalysis.load(tmp_path)


def test_a_failing_survey_wave_makes_only_the_survey_unavailable(erlangen_inputs):
    params, dataset = erlangen_inputs
    s = dataset.tables["survey_responses"]
    keep = s.copy()
    try:
        wave = (s["municipality_id"] == "erlangen") & (s["wave"] == 2021)
        idx = s.index[wave & (s["has_disability"] == 1)]
        s.loc[idx[2:], "has_disability"] = 0  # two respondents with a disability left in the wave
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            a = analyse(params, dataset, year=2025, parts=["survey", "process", "targets"])
    finally:
        dataset.tables["survey_responses"] = keep
    assert not a.survey.available
    assert "survey_responses.csv" in a.survey.error and "has_disability" in a.survey.error and "2021" in a.survey.error
    assert a.process.available and a.process.n_measures > 0 and a.targets.available and not a.targets.table.empty


def test_parts_not_asked_for_are_not_available(erlangen_inputs):
    params, dataset = erlangen_inputs
    a = analyse(params, dataset, year=2025, parts=["process"])
    assert a.process.available and a.process.n_measures > 0
    assert isinstance(a.effects, Part) and not a.effects.available and "not computed" in a.effects.error
    assert set(a.unavailable()) == {"indicators", "targets", "comparison", "effects", "survey", "participants",
                                    "qualitative", "index", "official"}
    with pytest.raises(InputError, match="unknown analysis part"):
        analyse(params, dataset, parts=["wirkung"])


def test_analysis_choices_live_in_the_parameter_file():
    defaults = Analysis()
    assert (defaults.min_respondents, defaults.pretrend_alpha, defaults.smd_threshold, defaults.min_pool) == (30, 0.1, 0.1, 5)
    raw = {"municipality": {"id": "m", "name": "M", "kind": "Stadt", "state": "Bayern", "ags": ["09562000"],
                            "kreis": "09562"},
           "programme": {"start": 2017}, "report": {"year": 2025}, "analysis": {"draws": 199, "pretrend_alpa": 0.05}}
    with pytest.raises(InputError) as err:
        parse_params(raw)
    assert "pretrend_alpa" in str(err.value.problems) and "pretrend_alpha" in str(err.value.problems)
    del raw["analysis"]["pretrend_alpa"]
    assert parse_params(raw).analysis.draws == 199


def test_inference_text_is_the_method_used_and_p_respects_the_number_of_assignments(demo_folder):
    # Nieder-Olm: 7 comparison municipalities (the whole Gemeindetyp), one model municipality:
    # 8 distinct assignments, so no p below 1/8, and the text must say so (issue 13 item 3)
    from evaluation.analysis import load_inputs

    from .conftest import ROOT

    params, dataset = load_inputs(ROOT / "params" / "nieder_olm.yaml", data_folder=demo_folder, project_root=ROOT)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = analyse(params, dataset, year=2025, project_root=ROOT, parts=["effects"])
    assert a.comparison.n_pool == 7 and a.comparison.rule == "type_fallback"
    e = a.effects.table.dropna(subset=["estimate"])
    assert len(e) >= 3
    for r in e.itertuples():
        n_assign = r.n_control + 1
        assert r.p_value >= 1 / n_assign - 1e-12, (r.name, r.p_value)
        assert r.p_floor == pytest.approx(1 / n_assign)
        assert f"{n_assign} möglichen Zuordnungen" in r.inference_label
        if "prediction interval" in r.inference:
            assert "Vorhersageintervall" in r.inference_label and "Permutationstest" in r.inference_label


@pytest.mark.parametrize("bad", [0.95, 1.5, 0, -0.1])
def test_analysis_alpha_is_a_significance_level(bad):
    raw = {"municipality": {"id": "m", "name": "M", "kind": "Stadt", "state": "Bayern", "ags": ["09562000"],
                            "kreis": "09562"},
           "programme": {"start": 2017}, "report": {"year": 2025}, "analysis": {"alpha": bad}}
    with pytest.raises(InputError, match="alpha"):
        parse_params(raw)
