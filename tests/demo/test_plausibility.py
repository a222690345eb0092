"""Plausibility of the Musterdaten and the placement of the programme effects."""

from __future__ import annotations

import numpy as np
import pytest

from evaluation.demo.municipalities import make_municipalities, observed_class
from evaluation.register import load_register
from evaluation.vocabulary import NETWORK_SECTORS

from ._helpers import read, truth

MODEL = {
    "erlangen": ("Erlangen", "09562000", "Bayern", 2017, "09562"),
    "rostock": ("Rostock", "13003000", "Mecklenburg-Vorpommern", 2018, "13003"),
    "schneverdingen": ("Schneverdingen", "03358019", "Niedersachsen", 2017, "03358"),
    "schwaebisch_gmuend": ("Schwäbisch Gmünd", "08136065", "Baden-Württemberg", 2018, "08136"),
    "nieder_olm": ("Verbandsgemeinde Nieder-Olm",
                   "07339017;07339031;07339032;07339042;07339047;07339054;07339057;07339067",
                   "Rheinland-Pfalz", 2019, "07339"),
}
REQUIRED_EFFECTS = {"arbeitslose_sb_anteil", "inklusionsanteil", "foerderschulbesuchsquote",
                    "barrierefreie_haltestellen", "einstellung_inklusion", "teilhabe_freizeit"}


@pytest.fixture(scope="module")
def tables(demo):
    out = demo[0]
    names = ["municipalities", "structure", "areas", "indicator_values", "survey_responses", "population_margins",
             "measures", "events", "network_edges", "participant_responses", "index_responses"]
    return {n: read(out, f"{n}.csv") for n in names}


def test_municipalities(tables):
    m = tables["municipalities"].set_index("municipality_id")
    for mid, (name, ags, state, start, kreis) in MODEL.items():
        row = m.loc[mid]
        assert (row["name"], row["ags"], row["state"], int(row["programme_start"]), row["kreis"]) == \
            (name, ags, state, start, kreis)
        assert row["group"] == "model"
    comp = m[m["group"] == "comparison"]
    assert sorted(comp.index) == [f"k{i:03d}" for i in range(1, 125)]
    assert comp["programme_start"].isna().all()
    assert comp["ags"].str.fullmatch(r"\d{8}").all() and comp["ags"].is_unique
    assert comp["ags"].str[5:].astype(int).between(900, 999).all()
    assert (comp["kreis"] == comp["ags"].str[:5]).all()
    assert comp["state"].nunique() == 16
    assert set(comp["type"]) == {"grossstadt", "mittelstadt", "kleinstadt", "laendlich"}
    assert comp["population"].min() < 10_000 and comp["population"].max() > 150_000
    assert abs(m.loc["erlangen", "population"] - 113_000) < 3_000
    assert abs(m.loc["rostock", "population"] - 209_000) < 5_000


def test_latent_type_is_observable_class(tables):
    m = tables["municipalities"]
    obs = [observed_class(p, k) for p, k in zip(m["population"], m["kind"])]
    assert obs == m["type"].tolist()


def test_national_municipalities():
    m = make_municipalities(np.random.default_rng(1), "national")
    assert [observed_class(p, k) for p, k in zip(m["population"], m["kind"])] == m["type"].tolist()
    assert 10_500 <= len(m) <= 11_000
    assert m["ags"].is_unique and m["municipality_id"].is_unique and m["name"].is_unique
    assert m["state"].nunique() == 16


def test_structure_and_areas(tables):
    s, a, m = tables["structure"], tables["areas"], tables["municipalities"]
    assert sorted(s["year"].unique()) == list(range(2012, 2026))
    assert len(s) == len(m) * 14 and not s.isna().any().any()
    assert (s["population"] > 0).all() and s["share_65plus"].between(10, 40).all()
    assert s["unemployment_rate"].between(1, 20).all()
    assert a.groupby("municipality_id").size().between(4, 10).all()
    pops = a.groupby("municipality_id")["population"].sum()
    assert (pops == m.set_index("municipality_id").loc[pops.index, "population"]).all()
    assert "erlangen-innenstadt" in set(a["area_id"]) and "erlangen-buechenbach" in set(a["area_id"])


def test_indicator_values_plausible(tables, demo):
    iv, m = tables["indicator_values"], tables["municipalities"]
    reg = load_register()
    assert set(iv["indicator_id"]) <= set(reg.ids)
    assert set(iv["indicator_id"]) == set(reg.ids)  # every register indicator has data
    assert (iv["numerator"].dropna() >= 0).all()
    assert (iv["numerator"].dropna() % 1 == 0).all() and (iv["denominator"].dropna() % 1 == 0).all()
    both = iv["numerator"].notna() & iv["denominator"].notna()
    assert (iv.loc[both, "numerator"] <= iv.loc[both, "denominator"]).all()
    kinds = iv["indicator_id"].map(lambda i: reg[i].kind)
    prop = kinds == "proportion"
    assert (iv.loc[prop, "numerator"] <= iv.loc[prop, "denominator"]).all()
    assert iv.loc[prop, "value"].between(0, 100).all()
    assert iv["source"].str.contains("Musterdaten").all()
    # unweighted shares reproduce the value, except survey rows (weighted)
    official = iv["indicator_id"].map(lambda i: reg[i].source_type in ("official", "local")) & prop
    sub = iv[official]
    assert np.allclose(sub["value"], 100 * sub["numerator"] / sub["denominator"], atol=1e-5)
    assert iv.loc[iv["indicator_id"].map(lambda i: reg[i].source_type == "survey"), "flag"].eq("gewichtet").all()
    # official/local indicators for all municipalities
    ol = iv[iv["indicator_id"].map(lambda i: reg[i].source_type in ("official", "local"))]
    assert set(ol["municipality_id"]) == set(m["municipality_id"])
    # survey/process/participant indicators only for model municipalities
    other = iv[~iv.index.isin(ol.index)]
    assert set(other["municipality_id"]) == set(MODEL)
    # magnitudes
    whole = iv[iv["area_id"] == iv["municipality_id"]]
    med = whole.groupby("indicator_id")["value"].median()
    assert 4 <= med["arbeitslose_sb_anteil"] <= 9
    assert 3 <= med["foerderschulbesuchsquote"] <= 6
    assert 25 <= med["inklusionsanteil"] <= 70
    assert 8 <= med["eingliederungshilfe_je_1000"] <= 14


def test_sozialraum_rows_sum_to_municipality(tables):
    iv, areas = tables["indicator_values"], tables["areas"]
    reg = load_register()
    sr = [i for i in reg.ids if reg[i].spatial_level == "sozialraum" and reg[i].source_type in ("official", "local")]
    assert sr
    for ind in sr:
        rows = iv[iv["indicator_id"] == ind]
        area_rows = rows[rows["area_id"] != rows["municipality_id"]]
        assert set(area_rows["area_id"]) == set(areas["area_id"])
        sums = area_rows.groupby(["municipality_id", "year"])[["numerator", "denominator"]].sum()
        town = rows[rows["area_id"] == rows["municipality_id"]].set_index(["municipality_id", "year"])
        town = town.loc[sums.index, ["numerator", "denominator"]]
        assert (sums.to_numpy() == town.to_numpy()).all()


def test_effects_only_in_model_municipalities_after_start(demo, demo_no_effects):
    iv = read(demo[0], "indicator_values.csv")
    iv0 = read(demo_no_effects, "indicator_values.csv")
    key = ["municipality_id", "area_id", "year", "indicator_id"]
    both = iv.merge(iv0, on=key, how="outer", suffixes=("", "_0"), indicator=True)
    assert (both["_merge"] == "both").all()
    diff = both[(both["numerator"].fillna(-1) != both["numerator_0"].fillna(-1))
                | ((both["value"] - both["value_0"]).abs() > 1e-9)]
    starts = {k: v[3] for k, v in MODEL.items()}
    assert diff["municipality_id"].isin(list(MODEL)).all()
    assert (diff["year"] >= diff["municipality_id"].map(starts)).all()
    gt = truth(demo[0])
    effect_ids = {e["indicator_id"] for e in gt["effects"]} | {e["indicator_id"] for e in gt["induced_effects"]}
    assert set(diff["indicator_id"]) <= effect_ids
    assert REQUIRED_EFFECTS <= {e["indicator_id"] for e in gt["effects"]}
    # each effect indicator moved in every model municipality
    for e in gt["effects"]:
        d = diff[(diff["indicator_id"] == e["indicator_id"]) & (diff["municipality_id"] == e["municipality_id"])]
        assert len(d) > 0, e["indicator_id"]
    assert truth(demo_no_effects)["effects"] == []


def test_ground_truth_structure(demo, tables):
    gt = truth(demo[0])
    for key in ("seed", "effects", "types", "pools", "coder_agreement", "survey", "notes"):
        assert key in gt
    m = tables["municipalities"]
    assert gt["types"] == dict(zip(m["municipality_id"], m["type"]))
    sizes = {}
    for e in gt["effects"]:
        assert e["scale"] in ("value", "log")
        years = sorted(int(y) for y in e["att_by_year"])
        assert years[0] >= e["start"] and e["start"] == MODEL[e["municipality_id"]][3]
        sizes.setdefault(e["indicator_id"], set()).add(round(e["level"], 4))
    assert all(len(v) > 1 for v in sizes.values())  # heterogeneous across municipalities
    for mid, pools in gt["pools"].items():
        same = pools["same_type"]["ids"]
        assert same and all(gt["types"][x] == gt["types"][mid] for x in same)
        assert pools["same_type"]["unbiased"] and pools["matched"]["unbiased"]
        assert len(pools["matched"]["ids"]) == 10 and set(pools["matched"]["ids"]) <= set(same)
        assert pools["all_applicants"]["unbiased"] is False
        assert any(abs(v) > 0.05 for v in pools["all_applicants"]["trend_bias_per_year"].values())
        # the bias stated is the one implied by the published type trends
        trends = gt["type_trends_per_year"]["inklusionsanteil"]
        pool = pools["all_applicants"]["ids"]
        implied = trends[gt["types"][mid]] - np.mean([trends[gt["types"][x]] for x in pool])
        assert abs(pools["all_applicants"]["trend_bias_per_year"]["inklusionsanteil"] - implied) < 1e-6
    assert 0.7 <= gt["survey"]["cronbach_alpha"] <= 0.9


def test_att_matches_direction_of_the_data(demo, demo_no_effects):
    """The realised difference (with minus without effect) tracks the true att for the big cities."""
    gt = truth(demo[0])
    iv = read(demo[0], "indicator_values.csv").set_index(["municipality_id", "area_id", "year", "indicator_id"])
    iv0 = read(demo_no_effects, "indicator_values.csv").set_index(iv.index.names)
    for e in gt["effects"]:
        if e["municipality_id"] not in ("erlangen", "rostock") or e["scale"] != "value":
            continue
        mid = e["municipality_id"]
        realised, true = [], []
        for y, att in e["att_by_year"].items():
            k = (mid, mid, int(y), e["indicator_id"])
            if k in iv.index:
                realised.append(iv.loc[k, "value"] - iv0.loc[k, "value"])
                true.append(att)
        assert np.sign(np.mean(realised)) == np.sign(np.mean(true))
        assert abs(np.mean(realised) - np.mean(true)) < 0.5 * abs(np.mean(true)) + 0.5


def test_survey(tables, demo):
    r, mg = tables["survey_responses"], tables["population_margins"]
    assert (r["design_weight"] > 0).all()
    assert (r["stratum"] == r["area_id"]).all()
    sizes = r.groupby(["municipality_id", "wave"]).size()
    assert sizes.between(500, 900).all() and sorted(r["wave"].unique()) == [2018, 2021, 2024]
    assert 6 <= r.groupby(["municipality_id", "wave", "psu"]).size().mean() <= 14
    for col, lo, hi in (("einstellung", 1, 5), ("barrieren", 1, 4), ("zufriedenheit_gesundheit", 1, 5),
                        ("att1", 1, 5), ("att3", 1, 5)):
        assert r[col].dropna().between(lo, hi).all()
    for col in ("has_disability", "freizeit", "kontakt", "einsamkeit", "sicherheit", "wahl", "kenntnis"):
        assert set(r[col].dropna().unique()) <= {0, 1}
    assert set(r["age_group"]) == {"18-29", "30-44", "45-64", "65+"} and set(r["sex"]) <= {"w", "m", "d"}
    # unequal selection: people with disabilities oversampled, and their design weights smaller
    pop = mg[mg["variable"] == "has_disability"].pivot_table(index=["municipality_id", "year"],
                                                              columns="category", values="population")
    pop_share = (pop[1] / pop.sum(axis=1)).mean() if 1 in pop.columns else (pop["1"] / pop.sum(axis=1)).mean()
    assert r["has_disability"].mean() > 1.8 * pop_share
    assert r.loc[r["has_disability"] == 1, "design_weight"].median() < r.loc[r["has_disability"] == 0,
                                                                             "design_weight"].median()
    # nonresponse by age: the young are under-represented even after design weighting
    young = mg[(mg["variable"] == "age_group") & (mg["category"] == "18-29")]["population"].sum()
    share_young_pop = young / mg[mg["variable"] == "age_group"]["population"].sum()
    w = r["design_weight"]
    share_young_w = w[r["age_group"] == "18-29"].sum() / w.sum()
    assert share_young_w < 0.85 * share_young_pop
    # margins: every variable sums to the same total per municipality and wave
    totals = mg.groupby(["municipality_id", "year", "variable"])["population"].sum().unstack()
    assert np.allclose(totals.to_numpy(), totals.iloc[:, [0]].to_numpy())
    assert set(mg["variable"]) == {"age_group", "sex", "area_id", "has_disability"}


def test_survey_indicator_counts_match_microdata(tables):
    r, iv = tables["survey_responses"], tables["indicator_values"]
    sub = r[(r["municipality_id"] == "rostock") & (r["wave"] == 2021)]
    dis = sub[sub["has_disability"] == 1]
    row = iv[(iv["area_id"] == "rostock") & (iv["year"] == 2021) & (iv["indicator_id"] == "teilhabe_freizeit")].iloc[0]
    assert row["denominator"] == dis["freizeit"].notna().sum()
    assert row["numerator"] == (dis["freizeit"] == 1).sum()
    row = iv[(iv["area_id"] == "rostock") & (iv["year"] == 2021) & (iv["indicator_id"] == "einstellung_inklusion")].iloc[0]
    assert row["numerator"] == (sub["einstellung"] >= 4).sum() and row["denominator"] == sub["einstellung"].notna().sum()
    # the weighted value differs from the unweighted share (weights matter)
    assert abs(row["value"] - 100 * row["numerator"] / row["denominator"]) > 0.01


def test_process_tables(tables):
    ms, ev, ed, pr, ix, iv = (tables[k] for k in ("measures", "events", "network_edges", "participant_responses",
                                                  "index_responses", "indicator_values"))
    assert ms.groupby("municipality_id").size().between(20, 28).all()
    assert ev["kind"].isin(["veranstaltung", "schulung", "beteiligung"]).all()
    assert (ev["participants_with_disabilities"].dropna() <= ev.loc[ev["participants_with_disabilities"].notna(),
                                                                     "participants"]).all()
    assert set(ev["measure_id"].dropna()) <= set(ms["measure_id"])
    # network: 20-60 actors per wave, the coordination office present, newcomers and leavers
    for (mid, wave), g in ed.groupby(["municipality_id", "wave"]):
        actors = set(g["actor_from"]) | set(g["actor_to"])
        assert 20 <= len(actors) <= 60
        assert f"{mid}-koordination" in actors
        n = iv[(iv["area_id"] == mid) & (iv["year"] == wave) & (iv["indicator_id"] == "netzwerkpartner")]
        assert n["value"].iloc[0] == len(actors)
    assert set(ed["sector_from"]) | set(ed["sector_to"]) <= set(NETWORK_SECTORS)
    a18 = set(ed[(ed["municipality_id"] == "erlangen") & (ed["wave"] == 2018)][["actor_from", "actor_to"]].stack())
    a21 = set(ed[(ed["municipality_id"] == "erlangen") & (ed["wave"] == 2021)][["actor_from", "actor_to"]].stack())
    assert a18 - a21 and a21 - a18
    # participants: 3-40 per measure
    assert pr.groupby(["municipality_id", "measure_id"]).size().between(3, 40).all()
    # index: 2-3 rounds, areas A/B/C, ratings 1-4
    assert ix.groupby("municipality_id")["round"].nunique().between(2, 3).all()
    assert set(ix["area"]) == {"A", "B", "C"} and ix["rating"].dropna().between(1, 4).all()
    assert "question_text" not in ix.columns
    # process indicators only from the programme start, consistent with events
    starts = {k: v[3] for k, v in MODEL.items()}
    proc = iv[iv["indicator_id"].isin(["geschulte_fachkraefte", "teilnehmende_veranstaltungen",
                                       "massnahmen_umgesetzt"])]
    assert (proc["year"] >= proc["municipality_id"].map(starts)).all()
    g = ev[ev["kind"] == "schulung"].groupby(["municipality_id", "year"])["participants"].sum()
    gf = iv[iv["indicator_id"] == "geschulte_fachkraefte"].set_index(["municipality_id", "year"])["value"]
    assert (gf.loc[g.index] == g).all()


def test_survey_truth_is_consistent_with_the_sample(tables, demo):
    gt = truth(demo[0])["survey"]
    r, iv = tables["survey_responses"], tables["indicator_values"]
    # Cronbach's alpha of the sample (att3 recoded) is close to the population value
    items = r[["att1", "att2", "att3", "att4", "att5"]].dropna().astype(float).to_numpy()
    items[:, 2] = 6 - items[:, 2]
    k = items.shape[1]
    alpha = k / (k - 1) * (1 - items.var(axis=0, ddof=1).sum() / items.sum(axis=1).var(ddof=1))
    assert abs(alpha - gt["cronbach_alpha"]) < 0.03
    # weighted estimates scatter around the true population values (no systematic bias)
    sv = iv[(iv["flag"] == "gewichtet") & (iv["area_id"] == iv["municipality_id"])]
    diffs = [row.value - gt["population_values"][row.municipality_id][str(row.year)][row.indicator_id]
             for row in sv.itertuples() if row.indicator_id != "zufriedenheit_gesundheit"]
    assert np.max(np.abs(diffs)) < 12 and abs(np.mean(diffs)) < 1.5
    # the programme effect on the population: with-effect minus counterfactual equals att
    for mid, waves in gt["att"].items():
        for wave, att in waves.items():
            pv, cv = gt["population_values"][mid][wave], gt["counterfactual_values"][mid][wave]
            assert abs((pv["einstellung_inklusion"] - cv["einstellung_inklusion"]) - att["einstellung_inklusion"]) < 1.0
