"""Official indicators and the 13211 context panel, checked against the Regionaldatenbank files."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from evaluation.contracts import validate
from evaluation.errors import InputError
from evaluation.io.genesis import read_genesis
from evaluation.io.official import MODEL_KREISE, context_panel, nonexistent_regions, to_indicator_values

T13211 = "genesis/regionalstatistik_13211-02-05-4_2015-2020.csv"
T21111 = "genesis/regionalstatistik_21111-01-03-4_2023.csv"


_PANEL: dict = {}


@pytest.fixture
def panel(fixture_path):
    """The panel, built once per test session (reading the 13211 file takes ~0.2 s)."""
    if "panel" not in _PANEL:
        _PANEL["panel"] = context_panel(fixture_path(T13211))
    return _PANEL["panel"]


def value(df, **where):
    m = np.ones(len(df), bool)
    for k, v in where.items():
        m &= (df[k] == v).to_numpy()
    assert m.sum() == 1, where
    return df[m].iloc[0]


def test_panel_values_against_the_file(panel):
    v = panel.values
    validate(v, "indicator_values")
    # line 328: 2020;09562;Erlangen;2648;903;320;...  -> 320 of 2648 unemployed
    row = value(v, area_id="09562", year=2020, indicator_id="arbeitslose_sb")
    assert row["value"] == 320 and row["numerator"] == 320 and math.isnan(row["denominator"])
    share = value(v, area_id="09562", year=2020, indicator_id="arbeitslose_sb_anteil")
    assert (share["numerator"], share["denominator"]) == (320, 2648)
    assert share["value"] == pytest.approx(100 * 320 / 2648)
    # line 3100: 2015;13003;Kreisfreie Stadt Rostock, Hansestadt;10670;916;502;...
    share = value(v, area_id="13003", year=2015, indicator_id="arbeitslose_sb_anteil")
    assert share["value"] == pytest.approx(100 * 502 / 10670)
    # line 1288: 2018;07339;Mainz-Bingen, Landkreis;3946;1053;239;...
    assert value(v, area_id="07339", year=2018, indicator_id="arbeitslose_sb")["value"] == 239
    assert set(v["year"]) == set(range(2015, 2021))
    assert (v["municipality_id"] == v["area_id"]).all()
    assert "Regionaldatenbank" not in v["source"].iloc[0] or "13211-02-05-4" in v["source"].iloc[0]
    assert v["source"].iloc[0] == "Statistische Ämter des Bundes und der Länder, Tabelle 13211-02-05-4 (Stand 17.08.2021)"


def test_panel_groups_and_regions(panel):
    r = panel.regions
    model = r[r["group"] == "model"].set_index("code")
    assert sorted(model.index) == sorted(MODEL_KREISE)
    assert model.loc["03358", "model_municipality"] == "Schneverdingen"
    assert model.loc["08136", "model_municipality_id"] == "schwaebisch_gmuend"
    assert model["kreis_is_municipality"].to_dict() == {"03358": False, "07339": False, "08136": False,
                                                         "09562": True, "13003": True}
    # 399 Kreise with five digits + Berlin and Hamburg; dissolved Kreise (all cells "-") only where they existed
    per_year = panel.values[panel.values["indicator_id"] == "arbeitslose_sb"].groupby("year").size()
    assert per_year.to_dict() == {2015: 402, 2016: 401, 2017: 401, 2018: 401, 2019: 401, 2020: 401}
    assert "03156" in set(panel.values.loc[panel.values["year"] == 2015, "area_id"])  # Osterode, until 2016
    assert "03156" not in set(panel.values.loc[panel.values["year"] == 2020, "area_id"])
    assert {"02", "11"} <= set(r["code"]) and (r.loc[r["code"].isin(["02", "11"]), "level"] == "Kreis").all()
    assert not r["code"].str.len().isin([3, 8]).any()  # no Regierungsbezirke, no Gemeinden
    assert (panel.values.groupby("group").size() > 0).all()


def test_panel_attribution_and_caveat(panel):
    assert "Datenlizenz Deutschland – Namensnennung – Version 2.0" in panel.attribution
    assert "13211-02-05-4" in panel.attribution and "17.08.2021" in panel.attribution
    for name in ("Schneverdingen", "Schwäbisch Gmünd", "Nieder-Olm"):
        assert name in panel.caveat
    assert "gröber" in panel.caveat


def test_panel_summary_and_wide(panel):
    s = panel.summary("arbeitslose_sb_anteil")
    assert len(s) == 30 and set(s["code"]) == set(MODEL_KREISE)
    pool = panel.values[(panel.values["group"] == "comparison") & (panel.values["year"] == 2020)
                        & (panel.values["indicator_id"] == "arbeitslose_sb_anteil")]["value"]
    erl = s[(s["code"] == "09562") & (s["year"] == 2020)].iloc[0]
    assert erl["pool_median"] == pytest.approx(pool.median()) and erl["pool_n"] == 396
    assert erl["pool_rank_pct"] == pytest.approx(100 * (pool < 100 * 320 / 2648).mean())
    w = panel.wide("arbeitslose_sb")
    assert w.set_index("code").loc["09562", 2020] == 320


def test_context_panel_refuses_other_tables(fixture_path):
    with pytest.raises(InputError, match="13211"):
        context_panel(fixture_path(T21111))
    with pytest.raises(InputError, match="lacks the years"):
        context_panel(fixture_path(T13211), years=range(2010, 2021))


def test_foerderschulbesuchsquote_from_21111(fixture_path):
    table = read_genesis(fixture_path(T21111))
    v = to_indicator_values(table, "foerderschulbesuchsquote", regions={"09562": "erlangen", "08136": "schwaebisch_gmuend"})
    # line 3847 (Sonderschulen/Förderschulen: 528 pupils) and line 3849 (Insgesamt: 13648 pupils)
    erl = value(v, region_code="09562")  # area_id is the municipality: whole-town values
    assert erl["municipality_id"] == "erlangen" and erl["year"] == 2023
    assert (erl["numerator"], erl["denominator"]) == (528, 13648)
    assert erl["value"] == pytest.approx(100 * 528 / 13648)
    assert len(v) == 2


def test_indicator_from_the_wrong_table(fixture_path):
    table = read_genesis(fixture_path(T21111))
    with pytest.raises(InputError, match="comes from table 13211"):
        to_indicator_values(table, "arbeitslose_sb")
    with pytest.raises(InputError, match="unknown official indicator"):
        to_indicator_values(table, "nope")


def _table(rows, variables=("Arbeitslose", "Arbeitslose | schwerbehindert")):
    recs = []
    for code, time, vals in rows:
        for var, (val, flag) in zip(variables, vals):
            recs.append({"time": time, "region_code": code, "region_name": code, "region_level": "Kreis",
                         "variable": var, "unit": "Anzahl", "value": val, "flag": flag})
    df = pd.DataFrame(recs)
    df.attrs["genesis"] = {"table": "13211-02-05-4", "file": "synthetic.csv", "copyright": None, "stand": None}
    return df


def test_flags_travel_and_zero_denominator():
    df = _table([
        ("00001", 2020, [(100.0, None), (0.0, "-")]),  # true zero -> share 0
        ("00002", 2020, [(100.0, None), (np.nan, ".")]),  # secret -> NaN with '.'
        ("00003", 2020, [(0.0, "-"), (0.0, "-")]),  # all '-': a region that did not exist
        ("00004", 2020, [(0.0, "-"), (np.nan, ".")]),  # zero unemployed: share undefined
    ])
    v = to_indicator_values(df, "arbeitslose_sb_anteil").set_index("area_id")
    assert v.loc["00001", "value"] == 0.0 and v.loc["00001", "flag"] == "-"
    assert math.isnan(v.loc["00002", "value"]) and v.loc["00002", "flag"] == "."
    assert "00003" not in v.index
    assert math.isnan(v.loc["00004", "value"]) and math.isnan(v.loc["00004", "denominator"])
    assert v.loc["00004", "flag"] == ". | -"
    kept = to_indicator_values(df, "arbeitslose_sb", drop_nonexistent=False).set_index("area_id")
    assert kept.loc["00003", "value"] == 0.0
    assert nonexistent_regions(df).sum() == 2


def test_missing_and_ambiguous_columns():
    df = _table([("00001", 2020, [(1.0, None), (1.0, None)])], variables=("Arbeitslose", "Beschäftigte"))
    with pytest.raises(InputError, match="no column for this indicator"):
        to_indicator_values(df, "arbeitslose_sb")
    df = _table([("00001", 2020, [(1.0, None), (1.0, None)])],
                variables=("Arbeitslose | schwerbehindert", "Arbeitslose | schwerbehindert Frauen"))
    with pytest.raises(InputError, match="several columns"):
        to_indicator_values(df, "arbeitslose_sb")
