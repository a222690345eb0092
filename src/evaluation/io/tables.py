"""Read a team's tables (CSV, Excel, Parquet) into a contract, with errors that name file and line.

What this adds to ``pandas.read_csv`` / ``read_excel`` / ``read_parquet``:

- identifier columns (AGS, ids) are read as text, so ``09562000`` keeps its leading zero;
- leading comment lines (``# Musterdaten: synthetisch ...``) are skipped and remembered as ``notes``;
- a file that is not UTF-8 is refused with the byte position, instead of being read as mojibake
  (CSV files from Excel in Windows-1252 must be saved as UTF-8, or ``encoding=`` given explicitly);
- an empty file, a file with a header only where rows are required, and a file that is not a table
  get one clear sentence;
- the frame's index is the line number in the file, so that contract errors point at the line a user
  sees in an editor (header = line 1 after the comment lines).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..contracts import CONTRACTS, ID_COLUMNS, Contract, validate
from ..errors import InputError

COMMENT_PREFIX = "#"


@dataclass
class Table:
    """A table read from a file: the frame (index = line in file), its notes and where it came from."""

    frame: pd.DataFrame
    path: Path
    notes: list[str] = field(default_factory=list)

    @property
    def index_to_line(self) -> dict:
        return {i: i for i in self.frame.index}


def _read_text(path: Path, encoding: str) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", file=path) from None
    except IsADirectoryError:
        raise InputError("is a folder, not a file", file=path) from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            f"not {encoding} text: byte 0x{raw[exc.start]:02x} at line {line} cannot be decoded "
            "(a file saved as Windows-1252/ISO-8859-1? save it as UTF-8 or pass encoding='cp1252')",
            file=path, row=line, expected=f"{encoding}-encoded text",
        ) from None


def _dtype_for(columns: list[str], text_columns: set[str] | None = None) -> dict[str, str]:
    """Columns to read as text: identifiers (leading zeros!) and the contract's text columns."""
    text_columns = set(text_columns or ()) | ID_COLUMNS
    return {c: "str" for c in columns if c in text_columns}


def read_csv_table(path: str | Path, *, encoding: str = "utf-8", sep: str | None = None,
                   text_columns: set[str] | None = None) -> Table:
    """Read a CSV into a :class:`Table` (ids as text, comment lines skipped, index = file line)."""
    path = Path(path)
    text = _read_text(path, encoding)
    lines = text.splitlines(keepends=True)
    notes: list[str] = []
    skip = 0
    while skip < len(lines) and lines[skip].lstrip().startswith(COMMENT_PREFIX):
        notes.append(lines[skip].strip().lstrip(COMMENT_PREFIX).strip())
        skip += 1
    body = "".join(lines[skip:])
    if not body.strip():
        raise InputError("the file is empty: no header and no rows", file=path, expected="a header line with column names")
    if sep is None:
        try:
            sep = csv.Sniffer().sniff(body.splitlines()[0], delimiters=",;\t").delimiter
        except csv.Error:
            sep = ","
    header = next(csv.reader([body.splitlines()[0]], delimiter=sep))
    header = [h.strip() for h in header]
    if len(header) < 2:
        raise InputError(f"found a single column '{header[0][:60]}': not a table with separator ',' ';' or tab",
                         file=path, row=skip + 1, expected="a header line with several column names")
    try:
        frame = pd.read_csv(io.StringIO(body), sep=sep, dtype=_dtype_for(header, text_columns), keep_default_na=True,
                            na_values=[""], skipinitialspace=False)
    except pd.errors.ParserError as exc:
        raise InputError(f"cannot be parsed as a table: {exc}", file=path) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    # index = line number in the file: comment lines + header line + 1-based row
    frame.index = pd.RangeIndex(skip + 2, skip + 2 + len(frame))
    return Table(frame, path, notes)


def read_table(path: str | Path, *, sheet: str | int = 0, encoding: str = "utf-8",
               text_columns: set[str] | None = None) -> Table:
    """Read CSV (``.csv``, ``.txt``), Excel (``.xlsx``, ``.xls``) or Parquet into a :class:`Table`."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        return read_csv_table(path, encoding=encoding, sep="\t" if suffix == ".tsv" else None,
                              text_columns=text_columns)
    if not path.exists():
        raise InputError("file not found", file=path)
    if suffix in (".xlsx", ".xlsm", ".xls"):
        try:
            head = pd.read_excel(path, sheet_name=sheet, nrows=0)
            frame = pd.read_excel(path, sheet_name=sheet,
                                  dtype=_dtype_for([str(c) for c in head.columns], text_columns))
        except Exception as exc:  # openpyxl/xlrd raise many types for a broken workbook
            raise InputError(f"cannot be read as an Excel workbook: {exc}", file=path) from None
        frame.index = pd.RangeIndex(2, 2 + len(frame))
        return Table(frame, path)
    if suffix == ".parquet":
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:
            raise InputError(f"cannot be read as Parquet: {exc}", file=path) from None
        for c in frame.columns:
            if c in ID_COLUMNS:
                frame[c] = frame[c].astype("string")
        frame.index = pd.RangeIndex(1, 1 + len(frame))
        return Table(frame, path)
    raise InputError(f"unknown file type '{suffix}'", file=path, expected=".csv, .xlsx, .xls or .parquet")


def text_columns_of(contract: str | Contract) -> set[str]:
    """The columns a contract declares as text."""
    c = CONTRACTS[contract] if isinstance(contract, str) else contract
    return {name for name, col in c.schema.columns.items() if str(col.dtype).startswith(("str", "string"))}


def read_contract_table(path: str | Path, contract: str | Contract, *, allow_empty: bool = False,
                        keep_raw: list | None = None) -> pd.DataFrame:
    """Read a file and validate it against a contract; every problem names file, line and column.

    The returned frame has a fresh 0..n-1 index and the contract's dtypes (ids as text). If
    ``keep_raw`` is a list, the frame as read (before validation, index = file line) is appended to it,
    so that callers can run further checks even when the contract fails.
    """
    c = CONTRACTS[contract] if isinstance(contract, str) else contract
    table = read_table(path, text_columns=text_columns_of(c))
    frame = table.frame
    if keep_raw is not None:
        keep_raw.append(frame)
    if frame.empty and not allow_empty:
        raise InputError("the file has a header but no rows", file=path, expected=f"rows of {c.name}")
    out = validate(frame, c, file=path, index_to_line=table.index_to_line)
    return out.reset_index(drop=True)
