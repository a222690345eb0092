"""CSV for spreadsheets: text cells that a spreadsheet would run as a formula are neutralised on export.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is taken as a formula
by Excel, LibreOffice Calc and Google Sheets when the CSV is opened (OWASP, "CSV Injection",
https://owasp.org/www-community/attacks/CSV_Injection). Code names, quotes, measure titles, target
groups, area and municipality names come from a team's files and tools; a code named
``=HYPERLINK("http://x")`` would become a live link in the published ``tabellen/*.csv``. As OWASP
recommends, such a cell is written with a leading single quote (``'=HYPERLINK(...)``), which the
spreadsheet shows as text; the CSV writer then quotes the cell as usual.

Numbers are left as they are: numeric columns are not touched (``-0.9`` stays ``-0.9``), and a
text cell that is a plain number or an interval of two (``-0.9``, ``+3``, ``-1e-5``, ``-1,5 %``,
``-0,50 – -0,12``) is no formula and is kept too; ``-2+3`` is a formula and is neutralised.
Written by hand because pandas and the csv module have no such option; the rule is OWASP's.

Example
-------
>>> import pandas as pd
>>> frame = pd.DataFrame({"code": ["=1+1", "-0.9", "Bildung"], "x": [-0.9, 1.0, 2.0]})
>>> print(neutralise_frame(frame).to_csv(index=False), end="")
code,x
'=1+1,-0.9
-0.9,1.0
Bildung,2.0
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

#: first characters that make a spreadsheet read a cell as a formula (OWASP)
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUM = r"[+-]?(?:\d+(?:[.,]\d+)*[.,]?|[.,]\d+)(?:[eE][+-]?\d+)?(?:\s?%)?"
#: a plain number (``-0.9``, ``-1,5 %``, ``-1e-05``) or an interval of two (``-0,50 – -0,12``, en or em
#: dash): no operator a spreadsheet would evaluate, no function; such cells are kept as they are
_NUMBER = re.compile(rf"{_NUM}(?:\s*[\u2013\u2014]\s*{_NUM})?")


def is_number_text(value: str) -> bool:
    """True for text that is a plain number or an interval of two, as the reports print them (no formula)."""
    return bool(_NUMBER.fullmatch(value))


def neutralise_cell(value: Any) -> Any:
    """``value`` with a leading ``'`` if it is text a spreadsheet would run as a formula; else unchanged.

    >>> neutralise_cell('=HYPERLINK("http://x")'), neutralise_cell("-0.9"), neutralise_cell("@SUM(A1)")
    ('\\'=HYPERLINK("http://x")', '-0.9', "'@SUM(A1)")
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names are neutralised (see :func:`neutralise_cell`).

    Numeric, boolean and datetime columns are returned as they are; the frame itself is not changed.
    """
    out = frame.copy(deep=False)
    changed = False
    for i in range(out.shape[1]):
        s = out.iloc[:, i]
        if not (pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s)
                or isinstance(s.dtype, pd.CategoricalDtype)):
            continue
        values = s.astype(object) if isinstance(s.dtype, pd.CategoricalDtype) else s
        mask = values.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_TRIGGERS)
                          and not _NUMBER.fullmatch(v)).astype(bool)
        if mask.any():
            new = values.astype(object).copy()
            new[mask] = "'" + new[mask].astype(str)
            out.isetitem(i, new.to_numpy(dtype=object))
            changed = True
    columns = [neutralise_cell(c) if isinstance(c, str) else c for c in out.columns]
    if columns != list(out.columns):
        out.columns = columns
        changed = True
    return out if changed else frame
