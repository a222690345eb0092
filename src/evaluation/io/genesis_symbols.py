"""Cells of German official statistics -> number plus flag (Zeichenerklärung), vectorised.

German official tables (GENESIS-Online, Regionaldatenbank, the Federal Employment Agency BA)
write a symbol where a number is missing or qualified. The meaning decides how the cell is read
(Zeichenerklärung of the Statistische Ämter des Bundes und der Länder):

=========  ==========================================================  ==========  ========
cell       meaning                                                     value       flag
=========  ==========================================================  ==========  ========
``-``      nothing there: a true zero                                  0.0         ``-``
``0``      less than half the smallest unit, but more than nothing     0.0         ``0``
``.``      unknown or secret                                           NaN         ``.``
``x``      cell locked: not meaningful                                 NaN         ``x``
``/``      not reliable enough                                         NaN         ``/``
``...``    available later                                             NaN         ``...``
``*``      BA: suppressed for data protection                          NaN         ``*``
``(12)``   limited reliability                                         12.0        ``()``
``12p``    preliminary (also ``r`` corrected, ``s`` estimated,          12.0        ``p``
           ``e`` final); a space before the letter is allowed
=========  ==========================================================  ==========  ========

An empty cell is missing without a flag. A quality column of a flat file (``value_q``,
``__q``) may add its own flag; :func:`combine_flags` joins both.

Numbers use the decimal comma of German exports and may carry thousands dots (``1.234,5``);
``decimal="."`` reads English exports (``1,234.5``). Why this is hand-written: ``pandas.read_csv``
can map symbols to NaN (``na_values``) but then forgets which symbol it was, and cannot keep the
number of ``(12)`` or ``12p``. The fast path is still pandas: every cell is converted with one
vectorised :func:`pandas.to_numeric`; only the few cells that are not plain numbers go through
vectorised regular expressions, never a Python loop per cell.

>>> import pandas as pd
>>> values, flags = parse_cells(pd.Series(["1.234", "6,5", "-", ".", "(3)", "7 p"]))
>>> values.tolist()[:3], flags.tolist()[2:]
([1234.0, 6.5, 0.0], ['-', '.', '()', 'p'])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: symbols that stand alone in a cell: symbol -> (value, meaning)
SYMBOLS: dict[str, tuple[float, str]] = {
    "-": (0.0, "nothing there (true zero)"),
    ".": (np.nan, "unknown or secret"),
    "x": (np.nan, "not meaningful (cell locked)"),
    "/": (np.nan, "not reliable enough"),
    "...": (np.nan, "available later"),
    "*": (np.nan, "suppressed for data protection (BA)"),
}
#: letters after a number: letter -> meaning
SUFFIXES: dict[str, str] = {
    "p": "preliminary",
    "r": "corrected",
    "s": "estimated",
    "e": "final",
}
#: the flag for a number in parentheses
PARENTHESES = "()"
#: the flag of a number written as 0 (less than half the smallest unit, more than nothing)
ZERO = "0"
#: flags that a quality column (value_q) may hold in addition to the symbols and suffixes
QUALITY_FLAGS = set(SYMBOLS) | set(SUFFIXES) | {PARENTHESES, "()", "0"}

_NUMBER_COMMA = r"-?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?"
_NUMBER_POINT = r"-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"


@dataclass(frozen=True)
class BadCell:
    """Position (in the series handed in) and text of a cell nobody defined."""

    position: int
    text: str


def _plain_numbers(s: pd.Series, decimal: str) -> pd.Series:
    """Vectorised parse of plain numbers; anything else becomes NaN."""
    if decimal == ",":
        cleaned = s.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        cleaned = s.str.replace(",", "", regex=False)
    out = pd.to_numeric(cleaned, errors="coerce")
    # a separator removed above must have stood where a thousands separator stands;
    # check only the (rare) cells that had one, so "1.2.3" or "12.34" (comma files) are not read as numbers
    sep = "." if decimal == "," else ","
    has_sep = s.str.contains(sep, regex=False).fillna(False).to_numpy(bool) & out.notna().to_numpy()
    if has_sep.any():
        pattern = _NUMBER_COMMA if decimal == "," else _NUMBER_POINT
        ok = s[has_sep].str.fullmatch(pattern).fillna(False).to_numpy(bool)
        bad_idx = np.flatnonzero(has_sep)[~ok]
        if len(bad_idx):
            out = out.copy()
            out.iloc[bad_idx] = np.nan
    return out.astype("float64")


def parse_cells(cells: pd.Series, *, decimal: str = ",") -> tuple[pd.Series, pd.Series]:
    """Read a series of cell texts as (values: float64, flags: object with None where unflagged).

    Raises :class:`ValueError` subclass :class:`UndefinedSymbols` carrying every cell that is
    neither a number nor a defined symbol; the caller turns it into an
    :class:`~evaluation.errors.InputError` with file, line and column.
    """
    if decimal not in (",", "."):
        raise ValueError(f"decimal must be ',' or '.', not {decimal!r}")
    s = cells.astype("string").str.strip()
    index = s.index
    s = s.reset_index(drop=True)
    n = len(s)
    values = _plain_numbers(s, decimal).to_numpy(copy=True)
    flags = np.full(n, None, dtype=object)
    empty = (s.isna() | (s == "")).to_numpy(bool)
    todo = np.isnan(values) & ~empty
    # a plain number written as 0 (0, 0,0) is "less than half the smallest unit"
    zero_written = (values == 0) & ~s.str.startswith("-").fillna(False).to_numpy(bool)
    flags[zero_written] = ZERO
    if todo.any():
        rest = s[todo]
        rest_values = np.full(len(rest), np.nan)
        rest_flags = np.full(len(rest), None, dtype=object)
        done = np.zeros(len(rest), dtype=bool)
        # standalone symbols
        for symbol, (val, _meaning) in SYMBOLS.items():
            hit = (rest == symbol).to_numpy(bool)
            rest_values[hit] = val
            rest_flags[hit] = symbol
            done |= hit
        number = _NUMBER_COMMA if decimal == "," else _NUMBER_POINT
        # (12,5): limited reliability
        m = rest.str.extract(rf"^\(\s*({number})\s*\)$", expand=False)
        hit = m.notna().to_numpy(bool) & ~done
        if hit.any():
            rest_values[hit] = _plain_numbers(m[hit].astype("string"), decimal).to_numpy()
            rest_flags[hit] = PARENTHESES
            done |= hit
        # 12,5 p / 12,5p: preliminary, corrected, estimated, final
        m = rest.str.extract(rf"^({number})\s*([{''.join(SUFFIXES)}])$", expand=True)
        hit = m[0].notna().to_numpy(bool) & ~done
        if hit.any():
            rest_values[hit] = _plain_numbers(m.loc[hit, 0].astype("string"), decimal).to_numpy()
            rest_flags[hit] = m.loc[hit, 1].to_numpy(dtype=object)
            done |= hit
        if not done.all():
            positions = np.flatnonzero(todo)[~done]
            raise UndefinedSymbols([BadCell(int(p), str(s.iloc[p])) for p in positions])
        values[todo] = rest_values
        flags[todo] = rest_flags
    return pd.Series(values, index=index, dtype="float64"), pd.Series(flags, index=index, dtype=object)


def combine_flags(cell_flags: pd.Series, quality: pd.Series) -> pd.Series:
    """Join the flag read from the cell with the flag of a quality column (``value_q``, ``__q``).

    Equal flags appear once; two different flags are joined with a space (e.g. ``"() e"``);
    an empty quality cell adds nothing.
    """
    q = quality.astype("string").str.strip()
    q = q.where(q.notna() & (q != ""), None)
    c = cell_flags.astype(object)
    both = c.notna().to_numpy() & q.notna().to_numpy() & (c.astype("string") != q).fillna(True).to_numpy(bool)
    out = c.where(c.notna(), q.astype(object))
    if both.any():
        out = out.copy()
        out[both] = c[both].astype(str) + " " + q[both].astype(str)
    return out.astype(object).where(out.notna(), None)


class UndefinedSymbols(ValueError):
    """Cells that are neither a number nor a symbol of the Zeichenerklärung."""

    def __init__(self, cells: list[BadCell]):
        self.cells = cells
        shown = ", ".join(repr(c.text) for c in cells[:5])
        super().__init__(f"{len(cells)} cell(s) with an undefined symbol: {shown}")
