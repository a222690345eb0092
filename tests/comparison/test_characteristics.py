"""Pre-period characteristics and outcome trends against hand computation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaluation.comparison import outcome_trends, pre_period_characteristics, town_panel
from evaluation.errors import InputError


def _structure():
    return pd.DataFrame({
        "municipality_id": ["a", "a", "a", "b", "b", "c"],
        "year": [2014, 2015, 2016, 2015, 2016, 2018],
        "population": [100.0, 110.0, 120.0, 50.0, np.nan, 10.0],
        "density": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
    })


def test_mean_and_last_over_the_pre_period():
    s = _structure()
    mean = pre_period_characteristics(s, range(2014, 2017), ["population", "density"])
    assert mean.index.tolist() == ["a", "b"]                      # c has no pre-period row
    assert mean.loc["a", "population"] == pytest.approx(110.0)
    assert mean.loc["b", "population"] == pytest.approx(50.0)     # the gap is skipped
    last = pre_period_characteristics(s, [2015, 2016], ["population", "density"], how="last")
    assert last.loc["a", "population"] == 120.0 and last.loc["b", "density"] == 5.0
    assert last.loc["b", "population"] == 50.0                    # last *observed* value
    # default variables: the Musterdaten ones present
    assert list(pre_period_characteristics(s, 2016).columns) == ["population", "density"]


def test_structure_bad_input():
    s = _structure()
    with pytest.raises(InputError, match="lacks characteristic"):
        pre_period_characteristics(s, 2016, ["tax"])
    with pytest.raises(InputError, match="no rows in the pre-period"):
        pre_period_characteristics(s, [2000])
    with pytest.raises(InputError, match="two rows for 2016"):
        pre_period_characteristics(pd.concat([s, s.iloc[[2]]]), 2016)
    with pytest.raises(InputError, match="how"):
        pre_period_characteristics(s, 2016, how="median")


def _values():
    rows = []
    for mid, a, b in (("a", 1.0, 0.5), ("b", 3.0, -1.0)):
        for year in range(2012, 2018):
            rows.append((mid, mid, year, "x", a + b * (year - 2012)))
    rows.append(("a", "a-nord", 2013, "x", 99.0))  # an area row: ignored, whole-town rows exist
    rows.append(("c", "c-1", 2014, "x", 5.0))       # one area only: taken as the town
    rows.append(("c", "c-1", 2015, "x", 6.0))
    return pd.DataFrame(rows, columns=["municipality_id", "area_id", "year", "indicator_id", "value"])


def test_outcome_level_and_slope_by_hand():
    t = outcome_trends(_values(), "x", range(2012, 2017))
    assert t.loc["a", "outcome_slope"] == pytest.approx(0.5)
    assert t.loc["b", "outcome_slope"] == pytest.approx(-1.0)
    assert t.loc["a", "outcome_level"] == pytest.approx(np.mean([1 + 0.5 * k for k in range(5)]))
    assert t.loc["c", "outcome_slope"] == pytest.approx(1.0) and t.loc["c", "outcome_level"] == 5.5
    one = outcome_trends(_values(), "x", [2016], prefix="y")
    assert list(one.columns) == ["y_level", "y_slope"] and one["y_slope"].isna().all()


def test_town_panel_rules():
    w = town_panel(_values(), "x")
    assert w.loc["a", 2013] == pytest.approx(1.5)                 # not the area's 99
    v = _values()
    v.loc[len(v)] = ("d", "d-1", 2014, "x", 1.0)
    v.loc[len(v)] = ("d", "d-2", 2014, "x", 2.0)
    with pytest.raises(InputError, match="'d' has 2 areas"):
        town_panel(v, "x")
    with pytest.raises(InputError, match="'y' has no values"):
        town_panel(_values(), "y")
    dup = pd.concat([_values(), _values().iloc[[0]]])
    with pytest.raises(InputError, match="two values"):
        town_panel(dup, "x")
    with pytest.raises(InputError, match="no values in the pre-period"):
        outcome_trends(_values(), "x", [1990])
