"""Proof by attack over 1,000+ random tables: no suppressed cell can be recalculated.

Reference: the LP audit of Hundepohl et al. (2012, sec. 4.4.1) — for every sensitive cell the
intruder's LP bounds must reach ``[value - lower, value + upper]``; for the frequency rule that is
the interval ``[0, threshold]``, at least ``threshold`` wide. The attack itself is checked against
exhaustive enumeration in ``test_attack.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from evaluation.disclosure import suppress

from .conftest import hierarchical, series_1d, table_2d

N_TABLES = 1050
TOL = 1e-6


def _check(result, threshold):
    audit = result.audit()
    prim = audit[audit["status"] == "primary"]
    sec = audit[audit["status"] == "secondary"]
    # every sensitive cell: interval contains [0, threshold], so it is at least threshold wide
    assert (prim["lower"] <= TOL).all(), prim
    assert (prim["upper"] >= threshold - TOL).all(), prim
    assert (prim["width"] >= threshold - TOL).all()
    assert prim["protected"].all()
    # no secondary cell is exactly recalculable (else the clean-up would have published it)
    assert (sec["width"] > TOL).all(), sec
    # nothing below the threshold is published
    published = result.table.to_numpy().ravel()
    published = published[~np.isnan(published)]
    assert not ((published > 0) & (published < threshold)).any()
    return len(prim), len(sec)


def test_every_suppressed_cell_keeps_its_interval_on_1000_random_tables():
    rng = np.random.default_rng(20240601)
    n_prim = n_sec = n_tables = 0
    for t in range(N_TABLES):
        threshold = 3 if t % 4 else 5
        kind = t % 3
        if kind == 0:
            s = series_1d(rng, int(rng.integers(2, 7)))
            res = suppress(s, totals="T", threshold=threshold)
        elif kind == 1:
            df = table_2d(rng, int(rng.integers(2, 5)), int(rng.integers(2, 5)))
            res = suppress(df, totals="T", threshold=threshold, method="hypercube" if t % 2 else "lp")
        else:
            df, hier = hierarchical(rng, int(rng.integers(2, 5)), int(rng.integers(1, 4)))
            res = suppress(df, row_hierarchy={"town": list(hier), **hier}, col_total="T", threshold=threshold)
        p, s_ = _check(res, threshold)
        n_prim += p
        n_sec += s_
        n_tables += 1
    assert n_tables >= 1000
    # the sample really exercises secondary suppression
    assert n_prim > 1000 and n_sec > 1000


@pytest.mark.parametrize("threshold", [3, 5])
def test_zero_suppression_also_protected(threshold):
    rng = np.random.default_rng(7)
    for _ in range(40):
        df = table_2d(rng, 3, 3)
        res = suppress(df, totals="T", threshold=threshold, suppress_zero=True)
        audit = res.audit()
        prim = audit[audit.status == "primary"]
        assert (prim["upper"] >= threshold - TOL).all()
        assert (prim["value"] < threshold).all()
