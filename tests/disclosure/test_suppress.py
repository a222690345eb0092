"""suppress() on wide tables: primary rules, marks, hierarchy, linked tables, bad input.

References: frequency, (n,k) dominance and p % rules and their protection levels as in Hundepohl
et al. (2012, sec. 4.2); every pattern is checked by the LP attack (``audit``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaluation.disclosure import (LinkedTable, dominance_rule, frequency_rule, p_percent_rule, suppress,
                                   suppress_linked)
from evaluation.errors import InputError
from evaluation.texts import text


@pytest.fixture
def small():
    return pd.DataFrame({"A": [1, 6, 7], "B": [5, 8, 13], "C": [9, 9, 18], "T": [15, 23, 38]},
                        index=["x", "y", "T"])


def test_two_dimensional_pattern_and_marks(small):
    r = suppress(small, totals="T")
    assert r.status.loc["x", "A"] == "primary"
    assert r.flags.loc["x", "A"] == text("disclosure", "flag.primary") == "gesperrt (primär)"
    sec = (r.status == "secondary").to_numpy()
    hidden = (r.status != "").to_numpy()
    assert sec.sum() == 3  # the cheapest rectangle: (x,B), (y,A), (y,B)
    assert {r.status.index[i] + r.status.columns[j] for i, j in zip(*np.nonzero(sec))} == {"xB", "yA", "yB"}
    assert (r.flags.to_numpy()[sec] == "gesperrt (sekundär)").all()
    assert np.isnan(r.table.to_numpy()[hidden]).all()
    assert (r.table.to_numpy()[~hidden] == small.to_numpy()[~hidden]).all()
    assert (r.flags.to_numpy()[~hidden] == "").all()
    audit = r.audit()
    assert audit["protected"].all()
    prim = audit[audit.status == "primary"].iloc[0]
    assert prim["lower"] <= 0 and prim["upper"] >= 3
    assert "primär" in r.summary() and "sekundär" in r.summary()


def test_true_zero_published_by_default_and_optional(small):
    t = small.copy()
    t.loc["x", "A"], t.loc["x", "B"], t.loc["y", "A"], t.loc["y", "B"] = 0, 6, 7, 7
    assert (suppress(t, totals="T").status == "").all().all()
    r = suppress(t, totals="T", suppress_zero=True)
    assert r.status.loc["x", "A"] == "primary"
    assert r.audit()["protected"].all()


def test_threshold_five():
    s = pd.Series({"a": 4, "b": 7, "c": 12, "d": 30, "T": 53})
    r = suppress(s, totals="T", threshold=5)
    assert r.status["a"] == "primary"
    audit = r.audit()
    prim = audit[audit.status == "primary"]
    assert (prim["upper"] - prim["lower"] >= 5).all()


def test_negative_count_names_row_and_column(small):
    t = small.copy()
    t.loc["y", "B"] = -1
    with pytest.raises(InputError) as e:
        suppress(t, totals="T")
    p = e.value.problems[0]
    assert (p.row, p.column, p.found) == ("y", "B", -1.0)
    assert "negative" in str(e.value)


def test_margin_that_does_not_add_up(small):
    t = small.copy()
    t.loc["x", "T"] = 16
    with pytest.raises(InputError) as e:
        suppress(t, totals="T")
    msg = str(e.value)
    assert "row x" in msg and "column 'T'" in msg and "expected 15" in msg and "found '16'" in msg


def test_non_number_and_unknown_total(small):
    t = small.astype(object)
    t.loc["x", "C"] = "viele"
    with pytest.raises(InputError, match="not a number"):
        suppress(t, totals="T")
    with pytest.raises(InputError, match="neither as a row nor as a column"):
        suppress(small, totals="Summe")


def test_rates_masked_with_their_numerator(small):
    r = suppress(small, totals="T")
    rates = small / 100
    masked = r.mask_like(rates)
    assert np.isnan(masked.to_numpy()[(r.status != "").to_numpy()]).all()
    assert masked.loc["y", "C"] == pytest.approx(0.09)


def test_hierarchical_sozialraum_within_municipality():
    # town = north + south; north = sr1 + sr2; south = sr3 + sr4; columns: two groups + total
    data = {"sr1": [1, 4], "sr2": [6, 7], "sr3": [8, 9], "sr4": [10, 3]}
    df = pd.DataFrame(data, index=["g1", "g2"]).T
    df.loc["north"] = df.loc[["sr1", "sr2"]].sum()
    df.loc["south"] = df.loc[["sr3", "sr4"]].sum()
    df.loc["town"] = df.loc[["north", "south"]].sum()
    df["T"] = df.sum(axis=1)
    hier = {"town": ["north", "south"], "north": ["sr1", "sr2"], "south": ["sr3", "sr4"]}
    r = suppress(df, row_hierarchy=hier, col_total="T")
    assert r.status.loc["sr1", "g1"] == "primary"
    assert r.audit()["protected"].all()
    # the town row alone is not enough: at least one more cell in the north sub-table is hidden
    assert (r.status.loc[["sr1", "sr2", "north"], "g1"] != "").sum() >= 2


def test_dominance_and_p_percent_rules_hand_computed():
    keys = ["c1", "c2", "c3"]
    values = np.array([100.0, 100.0, 100.0])
    contrib = {"c1": [80, 10, 10], "c2": [40, 35, 25], "c3": [50, 45, 5]}
    dom = dominance_rule(keys, values, contrib, n=1, k=75)
    assert dom.mask.tolist() == [True, False, False]
    assert dom.upper[0] == pytest.approx(100 / 75 * 80 - 100)
    pp = p_percent_rule(keys, values, contrib, p=10)
    # c3: 100 - 50 - 45 = 5 < 0.1 * 50 = 5? no (equal) -> not sensitive; c1: 10 < 8? no
    assert pp.mask.tolist() == [False, False, False]
    pp = p_percent_rule(keys, values, {"c3": [50, 46, 4]}, p=10)
    assert pp.mask.tolist() == [False, False, True] and pp.upper[2] == pytest.approx(1.0)


def test_magnitude_table_with_contributions():
    t = pd.DataFrame({"A": [100.0, 60.0, 160.0], "B": [50.0, 70.0, 120.0], "T": [150.0, 130.0, 280.0]},
                     index=["x", "y", "T"])
    contrib = {("x", "A"): [95, 5], ("y", "B"): [30, 20, 20]}
    r = suppress(t, totals="T", contributions=contrib, dominance=(1, 75))
    assert r.status.loc["x", "A"] == "primary" and r.rule.loc["x", "A"] == "dominance"
    assert r.status.loc["y", "B"] != "primary"
    assert r.audit()["protected"].all()
    with pytest.raises(InputError, match="do not add up"):
        suppress(t, totals="T", contributions={("x", "A"): [90, 5]}, dominance=(1, 75))
    with pytest.raises(InputError, match="negative contribution"):
        suppress(t, totals="T", contributions={("x", "A"): [105, -5]}, p_percent=10)


def test_forced_cell_from_previous_report_stays_hidden(small):
    r = suppress(small, totals="T", forced=[("y", "C")])
    assert r.status.loc["y", "C"] == "secondary" and r.rule.loc["y", "C"] == "forced"


def test_optimal_method_never_costs_more_than_heuristic(small):
    a = suppress(small, totals="T", method="optimal")
    b = suppress(small, totals="T", method="lp")
    assert (a.status != "").sum().sum() <= (b.status != "").sum().sum()
    assert a.audit()["protected"].all()


def test_linked_tables_share_suppression():
    # table 1: Sozialraum x group, 2022; table 2: year x group, whole town. They share the town row of 2022.
    t1 = pd.DataFrame({"m": [1, 9, 10], "w": [7, 8, 15], "T": [8, 17, 25]}, index=["sr1", "sr2", "town"])
    t2 = pd.DataFrame({"m": [12, 10, 22], "w": [14, 15, 29], "T": [26, 25, 51]}, index=[2021, 2022, "all"])
    tabs = [LinkedTable(t1, "area", "group", row_total="town", col_total="T", fixed={"year": 2022}),
            LinkedTable(t2, "year", "group", row_total="all", col_total="T", fixed={"area": "town"})]
    tabs[1].frame = tabs[1].frame.rename(index={2022: 2022})
    # the shared cells: (area=town, year=2022, group=g) — t1 row 'town' equals t2 row 2022
    t2_keys = {tabs[1].key(2022, "m"), tabs[1].key(2022, "w"), tabs[1].key(2022, "T")}
    t1_keys = {tabs[0].key("town", "m"), tabs[0].key("town", "w"), tabs[0].key("town", "T")}
    assert t1_keys == t2_keys
    r1, r2 = suppress_linked(tabs)
    assert r1.status.loc["sr1", "m"] == "primary"
    for g in ["m", "w", "T"]:  # a shared cell has one status in both tables
        assert (r1.status.loc["town", g] == "") == (r2.status.loc[2022, g] == "")
    assert r1.audit()["protected"].all()


def test_linked_tables_with_conflicting_values_rejected():
    t1 = pd.DataFrame({"m": [1, 9, 10], "T": [1, 9, 10]}, index=["sr1", "sr2", "town"])
    t2 = pd.DataFrame({"m": [11, 12], "T": [11, 12]}, index=[2022, "all"])
    t2.loc["all"] = t2.loc[[2022]].sum()
    tabs = [LinkedTable(t1, "area", "group", row_total="town", col_total="T", fixed={"year": 2022}),
            LinkedTable(t2, "year", "group", row_total="all", col_total="T", fixed={"area": "town"})]
    with pytest.raises(InputError, match="linked tables differs"):
        suppress_linked(tabs)


def test_frequency_rule_levels():
    s = frequency_rule(np.array([0, 1, 2, 3, 7]), threshold=3)
    assert s.mask.tolist() == [False, True, True, False, False]
    assert (s.lower + s.upper)[s.mask].tolist() == [3.0, 3.0]
    with pytest.raises(InputError):
        frequency_rule(np.array([1]), threshold=0)


def test_one_dimensional_hierarchy_series():
    # town = north + south, north = a + b, south = c + d
    s = pd.Series({"a": 1, "b": 8, "c": 6, "d": 9, "north": 9, "south": 15, "town": 24})
    r = suppress(s, row_hierarchy={"north": ["a", "b"], "south": ["c", "d"]}, totals="town")
    assert r.status["a"] == "primary"
    assert r.audit()["protected"].all()
    # north = a + b is published only if b is hidden as well; then north must be hidden or the pair is exposed
    assert r.status["b"] != "" or r.status["north"] != ""
    with pytest.raises(InputError, match="margin does not add up"):
        suppress(s.replace({24: 25}), row_hierarchy={"north": ["a", "b"], "south": ["c", "d"]}, totals="town")


def test_independent_suppression_of_linked_tables_leaks_but_linked_does_not():
    """Why linked tables matter: table A publishes the town row that table B hides."""
    from evaluation.disclosure import attack

    a = pd.DataFrame({"m": [1, 5, 6], "w": [9, 6, 15], "T": [10, 11, 21]}, index=["sr1", "sr2", "town"])
    b = pd.DataFrame({"m": [2, 6, 8], "w": [10, 15, 25], "T": [12, 21, 33]}, index=[2021, 2022, "all"])
    tabs = [LinkedTable(a, "area", "group", row_total="town", col_total="T", fixed={"year": 2022}),
            LinkedTable(b, "year", "group", row_total="all", col_total="T", fixed={"area": "town"})]
    linked = suppress_linked(tabs)
    structure = linked[0].structure
    # independent suppression: a shared cell is known if either table publishes it
    hidden = np.ones(structure.n_cells, bool)
    seen = np.zeros(structure.n_cells, bool)
    for lt, frame in zip(tabs, [suppress(a, totals="T").status, suppress(b, row_total="all", col_total="T").status]):
        for r in frame.index:
            for c in frame.columns:
                i = structure.index_of(lt.key(r, c))
                seen[i] = True
                hidden[i] &= frame.loc[r, c] != ""
    hidden &= seen
    leak = attack(structure, hidden)
    key_2021_m = tabs[1].key(2021, "m")
    row = leak[[k == key_2021_m for k in leak["key"]]].iloc[0]
    assert row["upper"] - row["lower"] < 3  # narrowed below the threshold
    # linked suppression: protected against the same attacker
    audit = linked[0].audit()
    assert audit["protected"].all()
    row = audit[[k == key_2021_m for k in audit["key"]]].iloc[0]
    assert row["lower"] <= 0 and row["upper"] >= 3


def test_german_texts_for_the_report():
    assert text("disclosure", "flag.secondary") == "gesperrt (sekundär)"
    note = text("disclosure", "footnote.method", threshold=3)
    assert "unter 3" in note and "{" not in note
    assert text("disclosure", "rule.dominance", n=1, k=75) == "Dominanzregel (1,75)"
