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
number of ``(12)`` or ``12p``. The fast path runs in Arrow's compute kernels (pyarrow, already a
dependency of pandas here): one regular expression marks the plain numbers, one cast converts
them; only the few cells that are not plain numbers go through vectorised pandas string methods,
never a Python loop per cell.

>>> import pandas as pd
>>> values, flags = parse_cells(pd.Series(["1.234", "6,5", "-", ".", "(3)", "7 p"]))
>>> values.tolist()[:3], flags.tolist()[2:]
([1234.0, 6.5, 0.0], ['-', '.', '()', 'p'])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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


#: the closed vocabulary of cell flags; a flag code k > 0 means FLAG_LEVELS[k - 1], 0 means no flag
FLAG_LEVELS: tuple[str, ...] = ("-", ZERO, ".", "x", "/", "...", "*", PARENTHESES, "p", "r", "s", "e")
_CODE = {flag: i + 1 for i, flag in enumerate(FLAG_LEVELS)}


def _as_arrow(cells) -> pa.ChunkedArray:
    if isinstance(cells, pa.ChunkedArray):
        arr = cells
    elif isinstance(cells, pa.Array):
        arr = pa.chunked_array([cells])
    else:
        arr = pa.chunked_array([pa.array(pd.Series(cells, dtype="string").astype(object), type=pa.string())])
    if not pa.types.is_string(arr.type) and not pa.types.is_large_string(arr.type):
        arr = arr.cast(pa.string())
    return pc.fill_null(arr, "")


def parse_codes(cells, *, decimal: str = ",") -> tuple[np.ndarray, np.ndarray]:
    """Cells (pyarrow or pandas strings) -> (values float64, flag codes int8; see :data:`FLAG_LEVELS`).

    The fast path runs in Arrow's compute kernels (a regular expression marks plain numbers, one
    cast converts them); the remaining cells -- symbols, ``(12)``, ``12p`` -- are few and are read
    with vectorised pandas string methods.
    """
    if decimal not in (",", "."):
        raise ValueError(f"decimal must be ',' or '.', not {decimal!r}")
    arr = _as_arrow(cells)
    n = len(arr)
    if n and pc.any(pc.or_(pc.starts_with(arr, " "), pc.ends_with(arr, " "))).as_py():
        arr = pc.utf8_trim_whitespace(arr)
    number = _NUMBER_COMMA if decimal == "," else _NUMBER_POINT
    isnum = pc.match_substring_regex(arr, f"^{number}$")
    thousands, point = (".", ",") if decimal == "," else (",", ".")
    cleaned = arr
    if n and pc.any(pc.and_(isnum, pc.match_substring(arr, thousands))).as_py():
        cleaned = pc.replace_substring(cleaned, thousands, "")
    if point != ".":
        cleaned = pc.replace_substring(cleaned, point, ".")
    values = pc.cast(pc.if_else(isnum, cleaned, None), pa.float64()).to_numpy(zero_copy_only=False)
    values = np.array(values, dtype="float64", copy=True)
    codes = np.zeros(n, dtype="int8")
    isnum_np = isnum.to_numpy(zero_copy_only=False).astype(bool)
    # a number written as 0 (0, 0,0) is "less than half the smallest unit, more than nothing"
    zero = np.flatnonzero(isnum_np & (values == 0))
    if len(zero):
        written = pd.Series(arr.take(pa.array(zero)).to_pylist(), dtype="string")
        codes[zero[~written.str.startswith("-").to_numpy(bool)]] = _CODE[ZERO]
    rest_mask = ~isnum_np & pc.not_equal(arr, "").to_numpy(zero_copy_only=False).astype(bool)
    if rest_mask.any():
        positions = np.flatnonzero(rest_mask)
        rest = pd.Series(arr.take(pa.array(positions)).to_pylist(), dtype="string")
        rest_values = np.full(len(rest), np.nan)
        rest_codes = np.zeros(len(rest), dtype="int8")
        done = np.zeros(len(rest), dtype=bool)
        for symbol, (val, _meaning) in SYMBOLS.items():
            hit = (rest == symbol).to_numpy(bool)
            rest_values[hit] = val
            rest_codes[hit] = _CODE[symbol]
            done |= hit
        m = rest.str.extract(rf"^\(\s*({number})\s*\)$", expand=False)
        hit = m.notna().to_numpy(bool) & ~done
        if hit.any():
            rest_values[hit], _ = parse_codes(m[hit], decimal=decimal)
            rest_codes[hit] = _CODE[PARENTHESES]
            done |= hit
        m = rest.str.extract(rf"^({number})\s*([{''.join(SUFFIXES)}])$", expand=True)
        hit = m[0].notna().to_numpy(bool) & ~done
        if hit.any():
            rest_values[hit], _ = parse_codes(m.loc[hit, 0], decimal=decimal)
            rest_codes[hit] = m.loc[hit, 1].map(_CODE).to_numpy(dtype="int8")
            done |= hit
        if not done.all():
            raise UndefinedSymbols([BadCell(int(p), str(rest.iloc[i]))
                                    for i, p in zip(np.flatnonzero(~done), positions[~done])])
        values[positions] = rest_values
        codes[positions] = rest_codes
    return values, codes


def flags_from_codes(codes: np.ndarray) -> np.ndarray:
    """Flag codes -> object array of flag texts, None where there is no flag."""
    levels = np.array([None, *FLAG_LEVELS], dtype=object)
    return levels[codes]


def flag_categorical(codes: np.ndarray) -> pd.Categorical:
    """Flag codes -> a Categorical of the flags that occur (NaN where there is no flag)."""
    present = np.flatnonzero(np.bincount(codes.astype(np.int64), minlength=len(FLAG_LEVELS) + 1)[1:])
    remap = np.full(len(FLAG_LEVELS) + 1, -1, dtype=np.int64)
    remap[present + 1] = np.arange(len(present))
    categories = pd.Index([FLAG_LEVELS[i] for i in present], dtype="str")
    return pd.Categorical.from_codes(remap[codes], categories=categories, validate=False)


def parse_cells(cells, *, decimal: str = ",") -> tuple[pd.Series, pd.Series]:
    """Read a series of cell texts as (values: float64, flags: object with None where unflagged).

    Raises :class:`UndefinedSymbols` (a :class:`ValueError`) carrying every cell that is neither a
    number nor a defined symbol; the caller turns it into an :class:`~evaluation.errors.InputError`
    with file, line and column.
    """
    index = cells.index if isinstance(cells, pd.Series) else None
    values, codes = parse_codes(cells, decimal=decimal)
    return (pd.Series(values, index=index, dtype="float64"),
            pd.Series(flags_from_codes(codes), index=index, dtype=object))


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
