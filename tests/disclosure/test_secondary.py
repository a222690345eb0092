"""Secondary suppression: cost against the exact optimum, and the optimum against exhaustive search.

References: the exact optimum is the mixed-integer model of Fischetti & Salazar-González (2000)
solved by ``scipy.optimize.milp``; it is itself checked against exhaustive enumeration of all
suppression patterns (smallest first) with the LP attack as the protection test.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from evaluation.disclosure import TableStructure, frequency_rule, optimal_pattern, protect
from evaluation.disclosure.attack import is_protected

from .conftest import series_1d, table_2d


def _exhaustive_minimum(s: TableStructure, sens) -> int:
    """Smallest number of suppressed cells that protects every sensitive cell (brute force)."""
    free = np.flatnonzero(~sens.mask)
    for k in range(len(free) + 1):
        for extra in itertools.combinations(free, k):
            supp = sens.mask.copy()
            supp[list(extra)] = True
            if is_protected(s, supp, sens.mask, sens.lower, sens.upper):
                return int(supp.sum())
    raise AssertionError("no protecting pattern")


def test_optimal_pattern_matches_exhaustive_search():
    rng = np.random.default_rng(5)
    done = 0
    while done < 12:
        df = table_2d(rng, 2, int(rng.integers(2, 4)))
        s = TableStructure.from_frame(df, row_total="T", col_total="T")
        sens = frequency_rule(s.values, 3)
        if not sens.mask.any() or sens.mask.sum() > 3:
            continue
        opt = optimal_pattern(s, sens, weights=np.ones(s.n_cells))
        assert is_protected(s, opt, sens.mask, sens.lower, sens.upper)
        assert opt.sum() == _exhaustive_minimum(s, sens), df
        done += 1


@pytest.mark.parametrize("method", ["lp", "hypercube"])
def test_heuristic_costs_at_most_one_and_a_half_times_the_optimum(method):
    """Average ratio (heuristic cells / optimal cells) over a seeded sample of 3x3..4x5 tables."""
    rng = np.random.default_rng(2024)
    ratios = []
    while len(ratios) < 25:
        df = table_2d(rng, int(rng.integers(3, 5)), int(rng.integers(3, 6)))
        s = TableStructure.from_frame(df, row_total="T", col_total="T")
        sens = frequency_rule(s.values, 3)
        if not sens.mask.any():
            continue
        w = np.ones(s.n_cells)
        heur = protect(s, sens, method=method, weights=w)
        opt = optimal_pattern(s, sens, weights=w)
        assert is_protected(s, heur, sens.mask, sens.lower, sens.upper)
        assert heur.sum() >= opt.sum()
        ratios.append(heur.sum() / opt.sum())
    mean = float(np.mean(ratios))
    assert mean <= 1.5, ratios
    assert max(ratios) <= 2.5


def test_one_dimensional_needs_a_second_cell_of_sufficient_size():
    s = TableStructure.from_series(__import__("pandas").Series({"a": 1, "b": 1, "c": 9, "d": 4, "T": 15}), total="T")
    sens = frequency_rule(s.values, 3)
    supp = protect(s, sens)
    # a and b hide each other only within [0, 2]; a third cell is needed for width 3
    assert supp.tolist() == [True, True, False, True, False]


def test_forced_cells_stay_suppressed_and_count_as_free():
    rng = np.random.default_rng(9)
    s = TableStructure.from_series(series_1d(rng, 5), total="T")
    sens = frequency_rule(s.values, 3)
    forced = np.zeros(s.n_cells, bool)
    forced[0] = True
    supp = protect(s, sens, forced=forced)
    assert supp[0]
    assert is_protected(s, supp, sens.mask, sens.lower, sens.upper)


def test_unknown_method_is_rejected():
    s = TableStructure.from_series(__import__("pandas").Series({"a": 1, "b": 5, "T": 6}), total="T")
    with pytest.raises(ValueError, match="hypercube"):
        protect(s, frequency_rule(s.values), method="hypercube")
