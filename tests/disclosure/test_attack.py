"""The LP attack against known truths: hand-computed intervals and exhaustive enumeration.

References: Hundepohl et al. (2012, sec. 4.4.1) for the attacker model; a two-dimensional table
with margins has a totally unimodular relation matrix, so the LP bounds equal the minimum and
maximum over all non-negative *integer* completions, which we enumerate exhaustively.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from evaluation.disclosure import TableStructure, attack

from .conftest import table_2d


def test_one_dimensional_interval_is_zero_to_hidden_sum():
    s = TableStructure.from_series(pd.Series({"a": 1, "b": 4, "c": 5, "T": 10}), total="T")
    out = attack(s, np.array([True, True, False, False]))
    # a + b = 10 - 5 = 5, both >= 0: each lies in [0, 5]
    assert out[["lower", "upper"]].to_numpy().tolist() == [[0.0, 5.0], [0.0, 5.0]]


def test_single_suppressed_cell_is_recalculated_exactly():
    s = TableStructure.from_series(pd.Series({"a": 1, "b": 4, "c": 5, "T": 10}), total="T")
    out = attack(s, np.array([True, False, False, False]))
    assert out.loc[0, "lower"] == out.loc[0, "upper"] == 1.0


def test_rectangle_in_two_by_two_table():
    # [[1, 6], [5, 8]] with margins; suppress the four interior cells.
    df = pd.DataFrame([[1, 6, 7], [5, 8, 13], [6, 14, 20]], index=["x", "y", "T"], columns=["A", "B", "T"])
    s = TableStructure.from_frame(df, row_total="T", col_total="T")
    supp = np.array([k[0] != "T" and k[1] != "T" for k in s.keys])
    out = attack(s, supp)
    bounds = {k: (lo, hi) for k, lo, hi in zip(out["key"], out["lower"], out["upper"])}
    # x_A = t: x_B = 7 - t, y_A = 6 - t, y_B = 7 + t  ->  0 <= t <= 6
    assert bounds[("x", "A")] == (0.0, 6.0)
    assert bounds[("y", "B")] == (7.0, 13.0)


def test_unpublished_total_makes_the_interval_unbounded():
    s = TableStructure.from_series(pd.Series({"a": 1, "b": 4, "T": 5}), total="T")
    out = attack(s, np.array([True, False, True]))
    assert out.loc[0, "lower"] == 0.0 and np.isinf(out.loc[0, "upper"])


def _enumerate_bounds(structure: TableStructure, suppressed: np.ndarray, top: int):
    """Min and max of every suppressed cell over all integer completions 0..top (exhaustive)."""
    idx = np.flatnonzero(suppressed)
    grid = np.array(list(itertools.product(range(top + 1), repeat=len(idx))), dtype=float)
    x = np.tile(structure.values, (len(grid), 1))
    x[:, idx] = grid
    ok = np.all(np.abs(x @ structure.relations.T.toarray()) < 1e-9, axis=1)
    feas = grid[ok]
    return feas.min(axis=0), feas.max(axis=0)


def test_attack_equals_exhaustive_enumeration_on_random_patterns():
    rng = np.random.default_rng(11)
    checked = 0
    while checked < 60:
        df = table_2d(rng, 2, 2)
        if df.loc["T", "T"] > 14:
            continue
        s = TableStructure.from_frame(df, row_total="T", col_total="T")
        k = int(rng.integers(2, 5))
        supp = np.zeros(s.n_cells, bool)
        supp[rng.choice(s.n_cells, size=k, replace=False)] = True
        lo, hi = _enumerate_bounds(s, supp, int(df.loc["T", "T"]) if not supp[-1] else 14)
        out = attack(s, supp)
        if supp[-1]:
            # grand total hidden: enumeration is truncated at 14, so compare only where bounded
            finite = np.isfinite(out["upper"].to_numpy())
            assert np.allclose(out["lower"], lo)
            assert np.allclose(out["upper"].to_numpy()[finite], hi[finite])
        else:
            assert np.allclose(out["lower"], lo), (df, supp)
            assert np.allclose(out["upper"], hi), (df, supp)
        checked += 1


@pytest.mark.parametrize("lower_bound", [0.0])
def test_attack_reports_one_row_per_suppressed_cell(lower_bound):
    rng = np.random.default_rng(3)
    df = table_2d(rng, 3, 3)
    s = TableStructure.from_frame(df, row_total="T", col_total="T")
    supp = np.zeros(s.n_cells, bool)
    supp[[0, 1, 4, 5]] = True
    out = attack(s, supp, lower_bound=lower_bound)
    assert list(out["key"]) == [s.keys[i] for i in (0, 1, 4, 5)]
    assert (out["width"] == out["upper"] - out["lower"]).all()


def test_flow_attack_equals_lp_attack():
    """The max-flow attack (2-D network) must give the same intervals as the LP attack."""
    from evaluation.disclosure import frequency_rule, protect

    rng = np.random.default_rng(21)
    for t in range(40):
        df = table_2d(rng, int(rng.integers(2, 6)), int(rng.integers(2, 6)))
        s = TableStructure.from_frame(df, row_total="T", col_total="T")
        if t % 2:
            supp = protect(s, frequency_rule(s.values, 3), method="hypercube", cleanup=False)
        else:
            supp = rng.random(s.n_cells) < 0.4
        if not supp.any():
            continue
        lp = attack(s, supp, method="lp")
        flow = attack(s, supp, method="flow")
        assert list(lp["key"]) == list(flow["key"])
        assert np.allclose(lp["lower"], flow["lower"]), (df, supp)
        both_inf = np.isinf(lp["upper"]) & np.isinf(flow["upper"])
        assert (both_inf | np.isclose(lp["upper"], flow["upper"])).all(), (df, supp)


def test_same_intervals_without_highspy(monkeypatch):
    """scipy's linprog (HiGHS rebuilt per call) must give what the warm-started highspy model gives."""
    import importlib

    lp_mod = importlib.import_module("evaluation.disclosure._lp")
    attack_mod = importlib.import_module("evaluation.disclosure.attack")  # the module, not the function

    rng = np.random.default_rng(8)
    cases = []
    for _ in range(10):
        df = table_2d(rng, 3, 3)
        s = TableStructure.from_frame(df, row_total="T", col_total="T")
        supp = rng.random(s.n_cells) < 0.45
        cases.append((s, supp, attack(s, supp, method="lp")))
    monkeypatch.setattr(attack_mod, "_highspy", None)
    monkeypatch.setattr(lp_mod, "_highspy", None)
    for s, supp, expected in cases:
        s2 = TableStructure(s.keys, s.values, s.relations, s.relation_names, s.grid)
        got = attack(s2, supp, method="lp")
        assert np.allclose(got["lower"], expected["lower"])
        assert np.array_equal(np.isinf(got["upper"]), np.isinf(expected["upper"]))
        fin = np.isfinite(expected["upper"].to_numpy())
        assert np.allclose(got["upper"].to_numpy()[fin], expected["upper"].to_numpy()[fin])
