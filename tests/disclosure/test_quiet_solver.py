"""The LP solver prints nothing (issue 17 item 4): highspy's Python class writes the HiGHS banner
("Running HiGHS ... Copyright") to the process's stdout when constructed; the workbench's solver
objects come from :func:`evaluation.disclosure._lp.quiet_highs`, which does not. Checked at the file
descriptor level (capfd), where the C++ library writes, on a suppression with its attack audit."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation.disclosure import suppress
from evaluation.disclosure._lp import quiet_highs, solve_lp


def test_suppression_and_audit_write_nothing_to_the_console(capfd):
    table = pd.DataFrame({"A": [2, 10, 12], "B": [8, 1, 9], "total": [10, 11, 21]}, index=["x", "y", "total"])
    res = suppress(table, totals="total")
    audit = res.audit()
    status, x = solve_lp(np.array([1.0, 1.0]), None, None, np.zeros(2), np.full(2, np.inf))
    out, err = capfd.readouterr()
    assert status == "optimal" and np.allclose(x, 0)
    assert audit["protected"].all()  # the answer is still the solver's: every sensitive cell protected
    assert "HiGHS" not in out + err and "Copyright" not in out + err, out + err
    assert out == "" and err == ""


def test_quiet_highs_is_built_silent(capfd):
    h = quiet_highs()
    value = h.getOptionValue("output_flag")
    value = value[-1] if isinstance(value, tuple) else value  # (status, value) in the compiled class
    assert value is False
    out, err = capfd.readouterr()
    assert out == "" and err == ""
