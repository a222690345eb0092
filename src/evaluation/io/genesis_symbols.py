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


_DICTIONARY_MIN_ROWS = 50_000  # below this a column is parsed directly
_DICTIONARY_SAMPLE = 20_000
_DICTIONARY_SHARE = 0.2  # parse via the distinct texts when a sample has fewer distinct cells than this share

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


def parse_codes(cells, *, decimal: str = ",", _dictionary: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Cells (pyarrow or pandas strings) -> (values float64, flag codes int8; see :data:`FLAG_LEVELS`).

    All work runs in Arrow's compute kernels: a long column with few distinct texts (rates, symbols)
    is parsed once per distinct text; otherwise whole numbers are found by a character-class test
    and cast, decimal numbers by a regular expression on the other cells, and the remaining few
    cells -- symbols, ``(12)``, ``12p``, ``1.234`` -- by further kernels on that subset.
    """
    if decimal not in (",", "."):
        raise ValueError(f"decimal must be ',' or '.', not {decimal!r}")
    arr = _as_arrow(cells)
    n = len(arr)
    if _dictionary and n > _DICTIONARY_MIN_ROWS:
        # few distinct cells (rates with one decimal, symbols, small counts): parse each distinct
        # text once and spread the results; a sample decides, so counts do not pay for hashing
        sample = arr.slice(0, _DICTIONARY_SAMPLE)
        if pc.count_distinct(sample).as_py() < _DICTIONARY_SHARE * len(sample):
            encoded = pc.dictionary_encode(arr).combine_chunks()
            index = encoded.indices.to_numpy(zero_copy_only=False)
            try:
                dict_values, dict_codes = parse_codes(encoded.dictionary, decimal=decimal, _dictionary=False)
            except UndefinedSymbols as exc:
                bad_entries = np.array([c.position for c in exc.cells])
                rows = np.flatnonzero(np.isin(index, bad_entries))
                texts = dict(zip(bad_entries.tolist(), (c.text for c in exc.cells)))
                raise UndefinedSymbols([BadCell(int(r), texts[int(index[r])]) for r in rows]) from None
            return dict_values[index], dict_codes[index]
    number = _NUMBER_COMMA if decimal == "," else _NUMBER_POINT
    values = np.full(n, np.nan)
    codes = np.zeros(n, dtype="int8")
    # 1. whole numbers (counts, nearly every cell of most tables): a character-class test and a cast
    isint = pc.ascii_is_decimal(arr)
    isint_np = isint.to_numpy(zero_copy_only=False).astype(bool)
    if isint_np.any():
        values[:] = pc.cast(pc.if_else(isint, arr, None), pa.float64()).to_numpy(zero_copy_only=False)
    positions = np.flatnonzero(~isint_np)
    # 2. decimal numbers (rates): a regular expression, a replace and a cast on the other cells
    if len(positions):
        sub = arr.take(pa.array(positions))
        simple = r"^-?\d+(?:,\d+)?$" if decimal == "," else r"^-?\d+(?:\.\d+)?$"
        isdec = pc.match_substring_regex(sub, simple)
        isdec_np = isdec.to_numpy(zero_copy_only=False).astype(bool)
        if isdec_np.any():
            cleaned = pc.replace_substring(sub, ",", ".") if decimal == "," else sub
            dec = pc.cast(pc.if_else(isdec, cleaned, None), pa.float64()).to_numpy(zero_copy_only=False)
            values[positions[isdec_np]] = dec[isdec_np]
        positions = positions[~isdec_np]
    # a number written as 0 (0, 0,0) is "less than half the smallest unit, more than nothing"
    zero = np.flatnonzero(values == 0)
    if len(zero):
        written = pc.starts_with(arr.take(pa.array(zero)), "-").to_numpy(zero_copy_only=False).astype(bool)
        codes[zero[~written]] = _CODE[ZERO]
    # 3. the rest: few cells (symbols, "(12)", "12p", "1.234", blanks around a number); empty stays missing
    if len(positions):
        rest = pc.utf8_trim_whitespace(arr.take(pa.array(positions)))
        keep = pc.not_equal(rest, "").to_numpy(zero_copy_only=False).astype(bool)
        positions, rest = positions[keep], rest.filter(pa.array(keep))
    if len(positions):
        rest_values = np.full(len(positions), np.nan)
        rest_codes = np.zeros(len(positions), dtype="int8")
        # standalone symbols
        symbols = list(SYMBOLS)
        which = pc.fill_null(pc.index_in(rest, value_set=pa.array(symbols)), -1).to_numpy(zero_copy_only=False)
        done = which >= 0
        rest_values[done] = np.array([SYMBOLS[x][0] for x in symbols])[which[done]]
        rest_codes[done] = np.array([_CODE[x] for x in symbols], dtype="int8")[which[done]]
        # (12,5): limited reliability; 12,5 p: preliminary, corrected, estimated, final
        for pattern, code in ((rf"^(?P<n>{number})$", 0),
                              (rf"^\(\s*(?P<n>{number})\s*\)$", _CODE[PARENTHESES]),
                              (rf"^(?P<n>{number})\s*(?P<s>[{''.join(SUFFIXES)}])$", None)):
            if done.all():
                break
            found = pc.extract_regex(rest, pattern)
            hit = pc.is_valid(found).to_numpy(zero_copy_only=False).astype(bool) & ~done
            if not hit.any():
                continue
            hit_idx = np.flatnonzero(hit)
            sub = found.take(pa.array(hit_idx))
            digits = pc.struct_field(sub, [0])
            if decimal == ",":
                digits = pc.replace_substring(pc.replace_substring(digits, ".", ""), ",", ".")
            else:
                digits = pc.replace_substring(digits, ",", "")
            rest_values[hit_idx] = pc.cast(digits, pa.float64()).to_numpy(zero_copy_only=False)
            if code is None:
                letters = pc.struct_field(sub, [1]).to_pylist()
                rest_codes[hit_idx] = np.array([_CODE[x] for x in letters], dtype="int8")
            elif code == 0:  # a plain number written with thousands separators or blanks
                rest_codes[hit_idx[rest_values[hit_idx] == 0]] = _CODE[ZERO]
            else:
                rest_codes[hit_idx] = code
            done |= hit
        if not done.all():
            bad = np.flatnonzero(~done)
            texts = rest.take(pa.array(bad)).to_pylist()
            raise UndefinedSymbols([BadCell(int(positions[i]), str(t)) for i, t in zip(bad, texts)])
        values[positions] = rest_values
        codes[positions] = rest_codes
    return values, codes


def flags_from_codes(codes: np.ndarray) -> np.ndarray:
    """Flag codes -> object array of flag texts, None where there is no flag."""
    levels = np.array([None, *FLAG_LEVELS], dtype=object)
    return levels[codes]


def flag_categorical(codes: np.ndarray) -> pd.Categorical:
    """Flag codes -> a Categorical of the flags that occur (NaN where there is no flag)."""
    present = np.flatnonzero(np.bincount(codes.view(np.uint8), minlength=len(FLAG_LEVELS) + 1)[1:])
    remap = np.full(len(FLAG_LEVELS) + 1, -1, dtype=np.int8)
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
