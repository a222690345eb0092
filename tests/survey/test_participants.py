"""Participant questionnaires per measure. Wilson intervals are checked against the published values
of Newcombe (1998, Stat. Med. 17:857, Table I, method 3 'score')."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaluation.errors import ContractError
from evaluation.survey.participants import participant_overview, participant_summary, wilson_interval


@pytest.mark.parametrize("x, n, low, high", [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605),
                                             (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718)])
def test_wilson_interval_published_values(x, n, low, high):
    lo, hi = wilson_interval(x, n)
    assert round(lo, 4) == low and round(hi, 4) == high


def _responses():
    rows = []
    # measure A: 8 respondents; measure B: 3 respondents (small n)
    a = [(True, True, 5, 4), (True, False, 4, 4), (True, True, 4, 3), (False, False, 3, 2),
         (True, None, 5, 5), (True, True, 2, None), (False, False, 4, 4), (True, True, None, None)]
    b = [(True, True, 5, 5), (True, True, 3, 3), (None, None, 4, None)]
    for measure, answers in (("A", a), ("B", b)):
        for i, (tg, dis, sat, ben) in enumerate(answers):
            rows.append({"municipality_id": "rostock", "measure_id": measure, "respondent_id": f"{measure}{i}",
                         "year": 2022, "in_target_group": tg, "has_disability": dis, "satisfaction": sat,
                         "benefit": ben})
    return pd.DataFrame(rows)


def test_reach_acceptance_benefit_by_hand():
    t = participant_summary(_responses()).set_index(["measure_id", "indicator"])
    a = t.loc["A"]
    assert (a.loc["reach_target_group", "n"], a.loc["reach_target_group", "count"]) == (8, 6)
    assert a.loc["reach_disability", "share"] == pytest.approx(4 / 7)
    assert a.loc["acceptance", "share"] == pytest.approx(5 / 7)  # satisfaction >= 4 among 7 answers
    assert a.loc["benefit", "share"] == pytest.approx(4 / 6)
    assert a.loc["mean_satisfaction", "mean"] == pytest.approx(np.mean([5, 4, 4, 3, 5, 2, 4]))
    assert a.loc["acceptance", "wirkungsstufe"] == 3 and a.loc["benefit", "wirkungsstufe"] == 4
    assert not a["small_n"].any()
    lo, hi = wilson_interval(5, 7)
    assert (a.loc["acceptance", "ci_low"], a.loc["acceptance", "ci_high"]) == pytest.approx((lo, hi))
    b = t.loc["B"]
    assert b["small_n"].all()
    assert b.loc["benefit", "n"] == 2 and b.loc["acceptance", "n"] == 3


def test_no_answers_is_missing_not_zero():
    r = _responses()
    r.loc[r.measure_id == "B", "has_disability"] = None
    t = participant_summary(r).set_index(["measure_id", "indicator"])
    row = t.loc[("B", "reach_disability")]
    assert row["n"] == 0 and np.isnan(row["share"]) and pd.isna(row["count"])


def test_overview_is_one_row_per_measure_with_titles():
    measures = pd.DataFrame({"municipality_id": "rostock", "measure_id": ["A", "B"],
                             "title": ["Inklusive Sportgruppe", "Beratung im Quartier"], "responsible": None,
                             "provider": None, "target_group": None, "area_id": None, "lebensbereich": None,
                             "start_year": 2020, "status": "laufend", "wirkungsstufe": None})
    o = participant_overview(_responses(), measures)
    assert o["measure_id"].tolist() == ["A", "B"] and o["n_respondents"].tolist() == [8, 3]
    assert o["small_n"].tolist() == [False, True]
    assert o.loc[0, "title"] == "Inklusive Sportgruppe"
    assert o.loc[0, "acceptance"] == pytest.approx(5 / 7)


def test_answers_outside_1_to_5_break_the_contract():
    r = _responses()
    r.loc[0, "satisfaction"] = 7
    with pytest.raises(ContractError, match="satisfaction"):
        participant_summary(r, file="teilnehmende.csv")
