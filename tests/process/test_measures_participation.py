"""Measures inventory and participation figures, checked by hand on small tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaluation.errors import ContractError, InputError
from evaluation.process.measures import crosstab, inventory, inventory_overview, key_figures
from evaluation.process.participation import participation_by_kind, participation_summary


def _measures():
    return pd.DataFrame({
        "municipality_id": ["erlangen"] * 5 + ["rostock"] * 2,
        "measure_id": ["e1", "e2", "e3", "e4", "e5", "r1", "r2"],
        "title": ["Lotsen", "Sport", "Kita", "Beirat", "Stadtplan", "Café", "Kurs"],
        "responsible": ["Sozialamt", "Sportamt", "Jugendamt", "Sozialamt", None, "Sozialamt", "VHS"],
        "provider": ["Lebenshilfe", "TV 1848", None, "Stadt", "Stadt", "Caritas", "VHS"],
        "target_group": ["menschen_mit_behinderung; senioren", "menschen_mit_behinderung", "kinder", None,
                         "alle", "alle", "senioren"],
        "area_id": ["nord", "nord", "sued", None, None, "mitte", "mitte"],
        "lebensbereich": ["alltag", "freizeit", "bildung", "partizipation", "alltag", "familie", "bildung"],
        "start_year": [2018, 2019, 2019, 2018, None, 2020, 2021],
        "status": ["laufend", "verstetigt", "abgebrochen", "laufend", "geplant", "abgeschlossen", "laufend"],
        "wirkungsstufe": [3, 5, 1, 4, None, 2, 3],
    })


def test_inventory_by_status_includes_zero_rows_and_shares_sum_to_one():
    t = inventory(_measures(), "status")
    e = t[t.municipality_id == "erlangen"].set_index("category")
    assert e.loc["laufend", "n"] == 2 and e.loc["abgeschlossen", "n"] == 0
    assert e["share"].sum() == pytest.approx(1.0) and (e["total"] == 5).all()
    assert list(e.index) == ["geplant", "laufend", "abgeschlossen", "verstetigt", "abgebrochen"]


def test_inventory_start_year_keeps_integers_and_missing_as_nan():
    t = inventory(_measures(), "start_year")
    e = t[t.municipality_id == "erlangen"]
    assert e["category"].tolist()[:2] == [2018, 2019] and isinstance(e["category"].iloc[0], int)
    assert pd.isna(e["category"].iloc[-1]) and e["n"].iloc[-1] == 1


def test_multi_valued_target_groups_count_each_group():
    t = inventory(_measures(), "target_group", multi_sep=";")
    e = t[t.municipality_id == "erlangen"].set_index("category", drop=False)
    assert e.loc["menschen_mit_behinderung", "n"] == 2 and e.loc["senioren", "n"] == 1
    assert e["multiple"].all() and e["share"].sum() > 1


def test_inventory_by_wirkungsstufe_has_the_level():
    t = inventory(_measures(), "wirkungsstufe")
    e = t[(t.municipality_id == "erlangen") & t["category"].notna()].set_index("category")
    assert e.loc[5, "ebene"] == "Outcome" and e.loc[1, "ebene"] == "Output"


def test_overview_and_key_figures():
    o = inventory_overview(_measures(), multi_sep={"target_group": ";"})
    assert set(o["dimension"]) >= {"status", "start_year", "responsible", "provider", "target_group",
                                   "area_id", "lebensbereich", "wirkungsstufe"}
    k = key_figures(_measures()).set_index("municipality_id")
    assert k.loc["erlangen", "measures"] == 5 and k.loc["erlangen", "implemented"] == 3
    assert k.loc["erlangen", "share_implemented"] == pytest.approx(0.6)
    assert k.loc["erlangen", "outcome_or_impact"] == 2 and k.loc["erlangen", "with_wirkungsstufe"] == 4
    assert k.loc["erlangen", "abandoned"] == 1 and k.loc["rostock", "first_start"] == 2020


def test_crosstab_status_by_start_year():
    c = crosstab(_measures(), "status", "start_year", municipality_id="erlangen")
    assert c.loc["laufend", "2018"] == 2 and c.loc["total", "total"] == 5 and c.loc["geplant", "NA"] == 1
    with pytest.raises(InputError, match="no measures"):
        crosstab(_measures(), "status", "start_year", municipality_id="gera")


def test_unknown_status_breaks_the_contract():
    m = _measures()
    m.loc[2, "status"] = "pausiert"
    with pytest.raises(ContractError, match="status"):
        inventory(m, "status", file="massnahmen.csv")


def _events():
    return pd.DataFrame({
        "municipality_id": "schneverdingen", "event_id": [f"v{i}" for i in range(6)], "measure_id": None,
        "year": [2021, 2021, 2021, 2021, 2022, 2022],
        "kind": ["veranstaltung", "veranstaltung", "schulung", "beteiligung", "schulung", "schulung"],
        "participants": [50, 30, 12, 20, 15, 10],
        "participants_with_disabilities": [10, None, 3, 5, 3, 2],
        "repeat_participants": [None, None, 2, 4, 5, 0],
    })


def test_participation_summary_by_hand():
    s = participation_summary(_events()).set_index("year")
    y = s.loc[2021]
    assert y["events"] == 4 and y["events_schulung"] == 1 and y["participants"] == 112
    # share over the events that recorded it: (10 + 3 + 5) / (50 + 12 + 20)
    assert y["share_with_disabilities"] == pytest.approx(18 / 82)
    assert y["disability_coverage_events"] == 3 and y["disability_coverage_participants"] == 82
    assert y["share_repeat"] == pytest.approx(6 / 32) and y["repeat_coverage_events"] == 2
    assert y["trainings"] == 1 and y["trained_attendances"] == 12 and y["trained_people_estimate"] == 10
    z = s.loc[2022]
    assert z["trained_people_estimate"] == 20 and z["events_veranstaltung"] == 0


def test_participation_missing_figures_are_not_zero():
    e = _events()
    e["participants_with_disabilities"] = np.nan
    s = participation_summary(e)
    assert s["share_with_disabilities"].isna().all() and s["participants_with_disabilities"].isna().all()
    assert (s["disability_coverage_events"] == 0).all()


def test_participation_by_kind_long_table():
    t = participation_by_kind(_events())
    row = t[(t.year == 2022) & (t.kind == "veranstaltung")].iloc[0]
    assert row["events"] == 0 and row["participants"] == 0
    assert t[(t.year == 2021) & (t.kind == "schulung")]["participants"].iloc[0] == 12


def test_participants_with_disabilities_above_total_breaks_the_contract():
    e = _events()
    e.loc[0, "participants_with_disabilities"] = 60
    with pytest.raises(ContractError, match="participants_with_disabilities <= participants"):
        participation_summary(e)
