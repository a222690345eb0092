"""Read official statistics as GENESIS-Online and the Regionaldatenbank publish them.

:func:`read_genesis` is the public entry point (ARCHITECTURE.md). It reads

* the **classic table CSV** of GENESIS-Online, the Regionaldatenbank (regionalstatistik.de) and the
  Landesdatenbanken: title lines, one or several column-header lines, row-dimension columns, data,
  footer; the layout is detected, not counted (:mod:`evaluation.io.genesis_classic`);
* the **flat file (ffcsv)** in both generations, the long format with ``value;value_unit;...;value_q``
  and the earlier wide format with ``CODE__Label__Unit`` value and ``__q`` quality columns, zipped
  or not (:mod:`evaluation.io.genesis_flat`);

in UTF-8 (with or without byte-order mark) or ISO-8859-1 / Windows-1252, detected
(:mod:`evaluation.io.genesis_source`). Cells with symbols of the Zeichenerklärung become value plus
flag (:mod:`evaluation.io.genesis_symbols`). Raw files are only read, never changed.

The result is tidy, one row per value:

==================  =======================================================================
column              meaning
==================  =======================================================================
``time``            year as ``int64`` (``2020``); other time labels (``31.12.2020``) as text
                    (NaN where the table has no time dimension)
``region_code``     ``DG``, ``09``, ``095``, ``09562``, ``08136088`` ... as text, zeros kept
``region_name``     the region's name without the indentation of the table
``region_level``    Deutschland, Land, Regierungsbezirk, Kreis, Gemeindeverband, Gemeinde
*row dimensions*    one column per further row dimension (e.g. ``Schulart``)
``variable``        the column-header path joined with ``" | "``, e.g.
                    ``"Arbeitslose | schwerbehindert"``
``unit``            ``Anzahl``, ``Prozent``, ``2020=100`` ...
``value``           float; NaN where the cell is missing (``.``, ``x``, ``/``, ``...``, ``*``)
``flag``            the symbol or quality mark (``-``, ``.``, ``x``, ``()``, ``p``, ``e`` ...); NaN
                    where the cell is a plain number
==================  =======================================================================

Text columns (``region_code``, ``region_name``, ``region_level``, row dimensions, ``variable``,
``unit``, ``flag``) are pandas Categoricals of strings: a 100 MB table has over ten million values
but only a few thousand distinct regions, so this keeps the table in memory. They compare with
strings as usual (``df.region_code == "09562"``); ``.astype(str)`` gives plain text.

``df.attrs["genesis"]`` keeps what the file says about itself: table code, title, statistic,
copyright and licence line, ``Stand``, the footnotes, the detected format and encoding.

Example (the Regionaldatenbank's 13211-02-05-4, see the project fixtures)::

    >>> from pathlib import Path
    >>> csv = Path(__file__).parents[3] / "data/reference/regionalstatistik/regionalstatistik_13211-02-05-4_2015-2020.csv"
    >>> df = read_genesis(csv)
    >>> df.query("region_code == '09562' and time == 2020 "
    ...          "and variable == 'Arbeitslose | schwerbehindert'")["value"].item()
    320.0
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from ..errors import InputError
from .genesis_classic import read_classic
from .genesis_flat import flat_kind, read_flat
from .genesis_source import MAX_BYTES, MAX_FIELDS, Source, open_source

__all__ = ["read_genesis", "detect_format", "TIDY_COLUMNS"]

#: the fixed columns of the tidy table (row dimensions come between ``region_level`` and ``variable``)
TIDY_COLUMNS = ("time", "region_code", "region_name", "region_level", "variable", "unit", "value", "flag")


def _first_line(src: Source) -> list[str]:
    end = src.buffer.find(b"\n", 0, 1 << 20)
    text = src.text(0, end if end >= 0 else min(len(src.buffer), 1 << 20)).lstrip("\ufeff").rstrip("\r\n")
    return next(csv.reader(io.StringIO(text), delimiter=";"), [])


def detect_format(src: Source) -> str:
    """``"classic"``, ``"flat"`` (long ffcsv) or ``"flat_wide"`` (earlier ffcsv) from the first line."""
    if b"\x00" in bytes(src.buffer[:4096]):
        raise InputError("not a GENESIS file: it holds binary data", file=src.label,
                         expected="a CSV text file (or a zip with one CSV) downloaded from GENESIS")
    return flat_kind(_first_line(src)) or "classic"


def read_genesis(
    path: str | Path,
    *,
    encoding: str | None = None,
    decimal: str = ",",
    row_dimensions: list[str] | None = None,
    max_bytes: int = MAX_BYTES,
    max_fields: int = MAX_FIELDS,
) -> pd.DataFrame:
    """Read a GENESIS / Regionaldatenbank table or flat file into a tidy table (see module docstring).

    Parameters
    ----------
    path:
        The downloaded file, as it came (``.csv`` or the ``.zip`` GENESIS delivers).
    encoding:
        Leave ``None`` to detect (UTF-8 with/without BOM, else Windows-1252 / ISO-8859-1).
    decimal:
        ``","`` for German downloads (decimal comma, thousands dot), ``"."`` for English ones.
    row_dimensions:
        Names for the row dimensions of a classic table other than time and region, in column
        order, where the file does not name them (the reader otherwise takes them from the title,
        e.g. "nach Schularten" -> ``Schulart``, and records ``row_dimension_names_guessed``).
    max_bytes, max_fields:
        Refuse a file (or zip member) larger than ``max_bytes`` uncompressed, and a line of more
        than ``max_fields`` fields (see :mod:`evaluation.io.genesis_source`).

    Raises
    ------
    InputError
        Not a GENESIS file, a truncated download, a data line with the wrong number of fields, or
        a cell holding a symbol nobody defined; each names the file, line and column.
    """
    src = open_source(path, encoding, max_bytes=max_bytes, max_fields=max_fields)
    try:
        fmt = detect_format(src)
        if fmt == "classic":
            return read_classic(src, decimal=decimal, row_dimensions=row_dimensions)
        return read_flat(src, decimal=decimal)
    finally:
        close = getattr(src.buffer, "close", None)
        if close is not None:
            try:
                close()
            except BufferError:  # pragma: no cover - a view still alive; the map is freed with it
                pass
