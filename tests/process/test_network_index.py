"""Network figures (hand-computed on small graphs, Freeman 1979 betweenness, Krackhardt & Stern 1988
E-I index) and Index für Inklusion rounds (Newcombe 1998 published interval, Cliff 1993 delta)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaluation.errors import InputError
from evaluation.indicators.rates import proportion_difference
from evaluation.process.index_inklusion import cliffs_delta, index_change, index_rounds, index_structure
from evaluation.process.network import build_graph, centrality, network_summary, network_turnover, sector_mix


def _edges():
    rows = [
        # wave 2018: a star around the coordination office plus one civil-society tie
        (2018, "erlangen-koordination", "sozialamt", "verwaltung", "verwaltung"),
        (2018, "erlangen-koordination", "lebenshilfe", "verwaltung", "wohlfahrt"),
        (2018, "erlangen-koordination", "sportverein", "verwaltung", "zivilgesellschaft"),
        (2018, "sportverein", "selbsthilfe-blind", "zivilgesellschaft", "selbsthilfe"),
        # wave 2021: sozialamt leaves, two newcomers (a business and a self-help group)
        (2021, "erlangen-koordination", "lebenshilfe", "verwaltung", "wohlfahrt"),
        (2021, "erlangen-koordination", "sportverein", "verwaltung", "zivilgesellschaft"),
        (2021, "erlangen-koordination", "baeckerei", "verwaltung", "wirtschaft"),
        (2021, "lebenshilfe", "selbsthilfe-blind", "wohlfahrt", "selbsthilfe"),
        (2021, "sportverein", "selbsthilfe-rolli", "zivilgesellschaft", "selbsthilfe"),
    ]
    return pd.DataFrame([{"municipality_id": "erlangen", "wave": w, "actor_from": a, "actor_to": b,
                          "sector_from": sa, "sector_to": sb, "tie": "kooperation"} for w, a, b, sa, sb in rows])


def test_network_summary_by_hand():
    s = network_summary(_edges()).set_index("wave")
    w = s.loc[2018]
    assert w["actors"] == 5 and w["ties"] == 4 and w["density"] == pytest.approx(4 / 10)
    assert w["components"] == 1 and w["largest_component_share"] == 1.0
    assert w["actors_verwaltung"] == 2 and w["actors_selbsthilfe"] == 1 and w["sectors"] == 4
    assert w["coordination_actor"] == "erlangen-koordination" and w["coordination_degree"] == 3
    assert w["coordination_degree_centrality"] == pytest.approx(3 / 4) and w["coordination_rank"] == 1
    # betweenness (Freeman 1979): the office lies on the paths sozialamt-lebenshilfe, sozialamt-sportverein,
    # lebenshilfe-sportverein, and on sozialamt/lebenshilfe-selbsthilfe-blind: 5 of C(4,2) = 6 pairs
    assert w["coordination_betweenness"] == pytest.approx(5 / 6)
    # admin-civil ties: office-lebenshilfe, office-sportverein (office-sozialamt is internal)
    assert w["admin_civil_ties"] == 2 and w["admin_civil_share"] == pytest.approx(0.5)
    # E-I index of the administration: external 2, internal 1 -> (2 - 1) / 3
    assert w["ei_index_administration"] == pytest.approx(1 / 3)
    assert s.loc[2021, "actors"] == 6 and s.loc[2021, "actors_wirtschaft"] == 1


def test_coordination_is_a_parameter_and_must_be_unique():
    s = network_summary(_edges(), coordination="lebenshilfe").set_index("wave")
    assert s.loc[2021, "coordination_actor"] == "lebenshilfe" and s.loc[2021, "coordination_degree"] == 2
    none = network_summary(_edges(), coordination="gibt-es-nicht")
    assert none["coordination_degree"].isna().all()
    e = _edges()
    e.loc[0, "actor_to"] = "zweite-koordination"
    with pytest.raises(InputError, match="several actors end in 'koordination'"):
        network_summary(e)


def test_turnover_newcomers_leavers_and_jaccard():
    t = network_turnover(_edges()).iloc[0]
    assert (t["wave_from"], t["wave_to"]) == (2018, 2021)
    assert t["stayers"] == 4 and t["newcomers"] == 2 and t["leavers"] == 1
    assert t["actor_jaccard"] == pytest.approx(4 / 7) and t["newcomer_share"] == pytest.approx(2 / 6)
    assert t["ties_stable"] == 2 and t["ties_new"] == 3 and t["ties_dropped"] == 2
    assert t["tie_jaccard"] == pytest.approx(2 / 7)
    assert t["newcomers_wirtschaft"] == 1 and t["newcomers_selbsthilfe"] == 1


def test_sector_mix_and_centrality_table():
    m = sector_mix(_edges())
    w = m[m.wave == 2018].set_index("sector")
    assert w["share"].sum() == pytest.approx(1.0) and w.loc["verwaltung", "actors"] == 2
    c = centrality(_edges(), "erlangen", 2018)
    assert c.iloc[0]["actor"] == "erlangen-koordination" and c.iloc[0]["betweenness"] == pytest.approx(5 / 6)
    g = build_graph(_edges(), "erlangen", 2021)
    assert g.nodes["baeckerei"]["sector"] == "wirtschaft"


def test_network_input_errors():
    e = _edges()
    e.loc[2, "sector_to"] = "selbsthilfe"  # sportverein: selbsthilfe here, zivilgesellschaft in row 3
    with pytest.raises(InputError, match="different sectors"):
        network_summary(e)
    e = _edges()
    e.loc[1, "actor_to"] = "erlangen-koordination"
    with pytest.raises(InputError, match="tie with itself"):
        network_summary(e)
    with pytest.raises(InputError, match="no ties"):
        build_graph(_edges(), "erlangen", 2030)


def _index():
    rng = np.random.default_rng(2)
    rows = []
    for rnd, year, shift in ((1, 2019, 0), (2, 2022, 1)):
        for area, theme, q in (("A", "A1", "A1.1"), ("A", "A1", "A1.2"), ("A", "A2", "A2.1"), ("B", "B1", "B1.1")):
            for group in ("verwaltung", "selbstvertretung", "vereine"):
                rating = int(np.clip(rng.integers(1, 4) + shift * (area == "A"), 1, 4))
                rows.append({"municipality_id": "nieder_olm", "round": rnd, "year": year, "area": area,
                             "theme": theme, "question_id": q, "respondent_group": group, "rating": rating})
    return pd.DataFrame(rows)


def test_newcombe_published_example_through_index_change():
    """Newcombe (1998, Stat. Med. 17:873, Table II example (a)): 56/70 - 48/80, method 10: 0.0524 to 0.3339.

    index_change uses the workbench's one Newcombe interval (indicators.rates.proportion_difference,
    first minus second): round 2 with 56 of 70 agreeing against round 1 with 48 of 80.
    """
    d = proportion_difference(56, 70, 48, 80, scale=1)
    assert (round(d.estimate, 4), round(d.ci_low, 4), round(d.ci_high, 4)) == (0.2, 0.0524, 0.3339)
    rows = [{"municipality_id": "m", "round": rnd, "year": 2020 + rnd, "area": "A", "theme": "A1",
             "question_id": "A1.1", "respondent_group": "verwaltung", "rating": rating}
            for rnd, agree, n in ((1, 48, 80), (2, 56, 70)) for rating in [3] * agree + [1] * (n - agree)]
    c = index_change(pd.DataFrame(rows), level="area").iloc[0]
    assert (round(c.change_share_agree, 4), round(c.change_ci_low, 4), round(c.change_ci_high, 4)) == (0.2, 0.0524, 0.3339)
    with pytest.raises(InputError, match="alpha"):
        index_change(pd.DataFrame(rows), alpha=0.95)


def test_cliffs_delta_by_hand():
    # pairs (after, before): (2,1)+ (2,2)0 (3,1)+ (3,2)+ -> 3/4
    assert cliffs_delta([1, 2], [2, 3]) == pytest.approx(0.75)
    assert cliffs_delta([1, 2, 3], [1, 2, 3]) == 0.0
    assert np.isnan(cliffs_delta([], [1]))


def test_index_structure_rounds_and_change():
    r = _index()
    s = index_structure(r)
    assert len(s) == 4 and s.loc[s.question_id == "A1.1", "rounds"].iloc[0] == "1, 2"
    t = index_rounds(r, level="area")
    a1 = t[(t["round"] == 1) & (t.area == "A")].iloc[0]
    ratings = r[(r["round"] == 1) & (r.area == "A")]["rating"]
    assert a1["n"] == 9 and a1["median"] == np.median(ratings)
    assert a1["share_agree"] == pytest.approx((ratings >= 3).mean())
    assert sum(a1[f"share_{k}"] for k in range(1, 5)) == pytest.approx(1.0)
    c = index_change(r, level="area").set_index("area")
    before = r[(r["round"] == 1) & (r.area == "A")]["rating"]
    after = r[(r["round"] == 2) & (r.area == "A")]["rating"]
    assert c.loc["A", "change_share_agree"] == pytest.approx((after >= 3).mean() - (before >= 3).mean())
    assert c.loc["A", "cliffs_delta"] == pytest.approx(cliffs_delta(before, after))
    assert c.loc["A", "change_ci_low"] < c.loc["A", "change_share_agree"] < c.loc["A", "change_ci_high"]
    assert "score" not in " ".join(t.columns)  # no official-looking index score


def test_index_input_errors():
    r = _index()
    r.loc[0, "theme"] = "A9"  # question A1.1 now under two themes
    with pytest.raises(InputError, match="more than one area/theme"):
        index_rounds(r)
    with pytest.raises(InputError, match="round 5"):
        index_change(_index(), from_round=1, to_round=5)
    with pytest.raises(InputError, match="unknown level"):
        index_rounds(_index(), level="frage")
