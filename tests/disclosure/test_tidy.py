"""suppress_indicator_values on the tidy indicator table, checked by an independent LP attack.

Reference: Hundepohl et al. (2012, sec. 4.4.1) audit — we rebuild the Sozialraum relations from the
*output* only and let the LP attack bound every hidden numerator.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaluation.disclosure import TableStructure, attack, suppress_indicator_values
from evaluation.errors import InputError

COLS = ["municipality_id", "area_id", "year", "indicator_id", "numerator", "denominator", "value", "source", "flag"]


def _frame(rows):
    df = pd.DataFrame(rows, columns=COLS[:6])
    df["value"] = 100 * df["numerator"] / df["denominator"]
    df["source"] = "BA"
    df["flag"] = np.nan
    return df


def _town(m, year, ind, areas, denom=200.0):
    rows = [(m, a, year, ind, float(n), denom) for a, n in areas]
    rows.append((m, m, year, ind, float(sum(n for _, n in areas)), denom * len(areas)))
    return rows


@pytest.fixture
def demo():
    rows = []
    rng = np.random.default_rng(4)
    for m in ["hro", "er"]:
        for year in [2021, 2022]:
            for ind in ["alq_sb", "hzl"]:
                areas = [(f"{m}-sr{i}", int(rng.choice([0, 1, 2, 3, 6, 9, 14]))) for i in range(5)]
                rows += _town(m, year, ind, areas)
    return _frame(rows)


def _attack_output(out: pd.DataFrame, threshold: float):
    """Rebuild relations from the original values; hidden = NaN numerators in the output."""
    for (m, y, ind), g in out.groupby(["municipality_id", "year", "indicator_id"]):
        total = g[g.area_id == m]
        parts = g[g.area_id != m]
        vals = {r.area_id: r.orig for r in g.itertuples()}
        s = TableStructure.from_relations(vals, [(m, list(parts.area_id))])
        hidden = np.array([np.isnan(out.loc[i, "numerator"]) for i in g.index])
        if not hidden.any():
            assert not ((g.orig > 0) & (g.orig < threshold)).any()
            continue
        res = attack(s, hidden)
        small = res[(res.value > 0) & (res.value < threshold)]
        assert (small["lower"] <= 1e-6).all() and (small["upper"] >= threshold - 1e-6).all(), (m, y, ind, res)
        del total


def test_small_numerators_masked_and_flagged(demo):
    out = suppress_indicator_values(demo)
    small = (demo.numerator > 0) & (demo.numerator < 3)
    assert small.any()
    assert out.loc[small, "numerator"].isna().all()
    assert out.loc[small, "value"].isna().all()
    assert (out.loc[small, "flag"] == "gesperrt (primär)").all()
    sec = out.suppression == "secondary"
    assert sec.any() and (out.loc[sec, "flag"] == "gesperrt (sekundär)").all()
    published = out.suppression == ""
    assert (out.loc[published, "numerator"] == demo.loc[published, "numerator"]).all()
    assert out.loc[published, "flag"].isna().all()
    # denominators stay published by default; the input is not modified
    assert (out.denominator == demo.denominator).all()
    assert demo.numerator.notna().all()
    out["orig"] = demo["numerator"]
    _attack_output(out, 3)


def test_threshold_five_and_true_zero(demo):
    out = suppress_indicator_values(demo, threshold=5)
    assert out.loc[(demo.numerator > 0) & (demo.numerator < 5), "numerator"].isna().all()
    zero = demo.numerator == 0
    assert (out.loc[zero, "suppression"] != "primary").all()
    out["orig"] = demo["numerator"]
    _attack_output(out, 5)
    out0 = suppress_indicator_values(demo, suppress_zero=True)
    assert (out0.loc[zero, "suppression"] == "primary").all()


def test_missing_sozialraum_value_enters_as_hidden_rest():
    rows = _town("sg", 2022, "x", [("sg-1", 1), ("sg-2", 10), ("sg-3", 12)])
    df = _frame(rows)
    df.loc[df.area_id == "sg-3", ["numerator", "value"]] = np.nan  # not available
    out = suppress_indicator_values(df)
    # sg-1 = 23 - 10 - rest with rest = 12 hidden: protected without a further suppression
    assert out.set_index("area_id").loc["sg-1", "suppression"] == "primary"
    assert (out.suppression == "secondary").sum() == 0
    assert np.isnan(out.set_index("area_id").loc["sg-3", "numerator"])


def test_indicator_hierarchy_groups_add_up():
    rows = []
    for ind, vals in [("alq_m", [1, 5, 7]), ("alq_w", [4, 6, 8])]:
        rows += _town("no", 2022, ind, [(f"no-{i}", v) for i, v in enumerate(vals)])
    rows += _town("no", 2022, "alq", [(f"no-{i}", v) for i, v in enumerate([5, 11, 15])])
    df = _frame(rows)
    out = suppress_indicator_values(df, indicator_hierarchy={"alq": ["alq_m", "alq_w"]})
    hidden = out[out.suppression != ""]
    assert ("no-0", "alq_m") in set(zip(hidden.area_id, hidden.indicator_id))
    # within the group relation of no-0 (alq = alq_m + alq_w) a second cell is hidden as well
    g = out[(out.area_id == "no-0")]
    assert (g.suppression != "").sum() >= 2


def test_previous_report_cells_stay_suppressed(demo):
    first = suppress_indicator_values(demo)
    revised = demo.copy()
    # a revision makes last year's primary cell larger; it must stay hidden anyway
    i = first.index[first.suppression == "primary"][0]
    m, y, ind = demo.loc[i, ["municipality_id", "year", "indicator_id"]]
    revised.loc[i, "numerator"] += 5
    tot = revised.index[(revised.area_id == m) & (revised.year == y) & (revised.indicator_id == ind)][0]
    revised.loc[tot, "numerator"] += 5
    second = suppress_indicator_values(revised, previous=first)
    assert second.loc[i, "suppression"] != ""
    assert second.loc[i, "flag"] in ("gesperrt (frühere Veröffentlichung)", "gesperrt (primär)")
    still = first.suppression != ""
    assert (second.loc[still, "suppression"] != "").all()


def test_protect_denominator(demo):
    df = demo.copy()
    df.loc[0, "denominator"] = 2.0
    df.loc[0, "numerator"] = 0.0
    tot = df.index[(df.area_id == df.municipality_id[0]) & (df.year == df.year[0])
                   & (df.indicator_id == df.indicator_id[0])][0]
    grp = (df.municipality_id == df.municipality_id[0]) & (df.year == df.year[0]) & (
        df.indicator_id == df.indicator_id[0]) & (df.area_id != df.municipality_id)
    df.loc[tot, "denominator"] = df.loc[grp, "denominator"].sum()
    df.loc[tot, "numerator"] = df.loc[grp, "numerator"].sum()
    out = suppress_indicator_values(df, protect_denominator=True)
    assert out.loc[0, "suppression"] == "primary"
    assert np.isnan(out.loc[0, "denominator"]) and np.isnan(out.loc[0, "value"])


def test_negative_numerator_and_bad_total_are_reported(demo):
    bad = demo.copy()
    bad.loc[3, "numerator"] = -2
    with pytest.raises(InputError) as e:
        suppress_indicator_values(bad)
    assert e.value.problems[0].row == 3 and e.value.problems[0].column == "numerator"
    bad = demo.copy()
    tot = bad.index[bad.area_id == bad.municipality_id][0]
    bad.loc[tot, "numerator"] += 1
    with pytest.raises(InputError) as e:
        suppress_indicator_values(bad)
    p = e.value.problems[0]
    assert p.row == tot and p.column == "numerator" and "sum of 5 parts" in p.expected


def test_missing_columns_and_duplicates(demo):
    with pytest.raises(InputError, match="lacks columns"):
        suppress_indicator_values(demo.drop(columns="numerator"))
    with pytest.raises(InputError, match="duplicate row"):
        suppress_indicator_values(pd.concat([demo, demo.iloc[[0]]], ignore_index=True))


def test_output_still_meets_the_indicator_values_contract(demo):
    from evaluation.contracts import validate

    demo["flag"] = demo["flag"].astype(object)
    out = suppress_indicator_values(demo)
    checked = validate(out, "indicator_values")
    assert len(checked) == len(demo)
