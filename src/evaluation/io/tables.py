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
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..contracts import CONTRACTS, ID_COLUMNS, Contract, validate
from ..errors import InputError
from .archive import MAX_WORKBOOK_BYTES, check_zip_container

COMMENT_PREFIX = "#"


@dataclass
class Table:
    """A table read from a file: the frame (index = line in file), its notes and where it came from."""

    frame: pd.DataFrame
    path: Path
    notes: list[str] = field(default_factory=list)

    @property
    def index_to_line(self) -> Mapping:
        """Index label -> line in the file (the index *is* the line: an identity map, no dict of every row)."""
        return _SameLine(self.frame.index)


class _SameLine(Mapping):
    """Read-only identity mapping over a frame's index (index labels are file lines already)."""

    def __init__(self, index: pd.Index) -> None:
        self._index = index

    def __getitem__(self, label):  # type: ignore[no-untyped-def]
        if label in self._index:
            return label
        raise KeyError(label)

    def __contains__(self, label: object) -> bool:
        try:
            return label in self._index
        except TypeError:
            return False

    def __iter__(self) -> Iterator:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)


#: largest CSV/Excel/Parquet file read (bytes); raise it per call with ``max_bytes=``
MAX_FILE_BYTES = 1_000_000_000
#: most columns a table may have (a header of millions of fields is not a table of this workbench)
MAX_COLUMNS = 10_000
#: largest single field (characters), also the limit of the csv module while counting fields
MAX_FIELD_CHARS = 10_000_000


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        if path.is_dir():
            raise InputError("is a folder, not a file", file=path, expected="a table file")
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(f"the file is too large ({size:,} bytes)", file=path,
                             expected=f"at most {max_bytes:,} bytes (raise max_bytes= to read it)")
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", file=path) from None
    except IsADirectoryError:
        raise InputError("is a folder, not a file", file=path) from None
    except PermissionError:
        raise InputError("cannot be read (permission denied)", file=path) from None


def _check_decodes(raw: bytes, encoding: str, path: Path) -> None:
    """Decode in chunks (no second copy of the file) and name the line of the first bad byte."""
    import codecs

    try:
        decoder = codecs.getincrementaldecoder(encoding)()
    except LookupError:
        raise InputError(f"unknown encoding {encoding!r}", file=path, expected="e.g. 'utf-8' or 'cp1252'") from None
    view = memoryview(raw)
    chunk = 1 << 22
    try:
        for start in range(0, len(view), chunk):
            try:
                decoder.decode(view[start:start + chunk], final=start + chunk >= len(view))
            except UnicodeDecodeError as exc:
                pos = start + exc.start
                line = raw[:pos].count(b"\n") + 1
                raise InputError(
                    f"not {encoding} text: byte 0x{raw[pos]:02x} at line {line} cannot be decoded "
                    "(a file saved as Windows-1252/ISO-8859-1? save it as UTF-8 or pass encoding='cp1252')",
                    file=path, row=line, expected=f"{encoding}-encoded text",
                ) from None
    finally:
        view.release()


def _read_text(path: Path, encoding: str, max_bytes: int = MAX_FILE_BYTES) -> str:
    raw = _read_bytes(path, max_bytes)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    _check_decodes(raw, encoding, path)
    return raw.decode(encoding)


def _ascii_compatible(encoding: str) -> bool:
    import codecs

    name = codecs.lookup(encoding).name
    return name in ("utf-8", "ascii", "latin-1", "iso8859-1", "cp1252", "iso8859-15", "utf-8-sig")


def _record_lines(body: bytes, encoding: str, sep: str, n_fields: int, first_line: int, path: Path,
                  ends_with_newline: bool) -> list[int]:
    """Line of each data record; a record with more or fewer fields than the header is an error.

    ``pandas.read_csv`` pads a short row with NaN and so reads a file cut off mid-line as valid
    (``3.675275,...`` cut to ``3`` reads as 3 with source and flag missing). The standard csv
    module counts the fields of every record (quoted line breaks included) in one streaming pass.
    """
    lines: list[int] = []
    text = io.TextIOWrapper(io.BytesIO(body), encoding=encoding, newline="")
    reader = csv.reader(text, delimiter=sep)
    old_limit = csv.field_size_limit(MAX_FIELD_CHARS)
    previous = 0
    try:
        next(reader, None)  # the header
        previous = reader.line_num
        for row in reader:
            start = previous + 1
            previous = reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # a blank line: pandas skips it as well
            line = first_line + start - 1
            if len(row) != n_fields:
                last = reader.line_num == start and not ends_with_newline
                at_end = last and text.read(1) == ""
                if len(row) < n_fields and at_end:
                    raise InputError(
                        f"the file ends in the middle of line {line}: it has {len(row)} of {n_fields} fields "
                        "and no line break (a truncated copy or download?)", file=path, row=line,
                        expected=f"{n_fields} fields per line, the last line ending with a line break",
                        found=sep.join(row)[-80:])
                raise InputError(
                    f"line {line} has {len(row)} fields, the header has {n_fields}", file=path, row=line,
                    expected=f"{n_fields} fields separated by {sep!r} (quote fields that contain {sep!r})",
                    found=sep.join(row)[:80])
            lines.append(line)
    except csv.Error as exc:
        raise InputError(f"cannot be parsed as a table near line {first_line + previous}: {exc}", file=path,
                         row=first_line + previous, expected="a CSV table") from None
    finally:
        csv.field_size_limit(old_limit)
        text.detach()
    return lines


def _dtype_for(columns: list[str], text_columns: set[str] | None = None) -> dict[str, str]:
    """Columns to read as text: identifiers (leading zeros!) and the contract's text columns."""
    text_columns = set(text_columns or ()) | ID_COLUMNS
    return {c: "str" for c in columns if c in text_columns}


def read_csv_table(path: str | Path, *, encoding: str = "utf-8", sep: str | None = None,
                   text_columns: set[str] | None = None, max_bytes: int = MAX_FILE_BYTES,
                   max_columns: int = MAX_COLUMNS) -> Table:
    """Read a CSV into a :class:`Table` (ids as text, comment lines skipped, index = file line).

    Every record must have as many fields as the header: a short row, and above all a last line
    cut off without its line break (a truncated copy), is an :class:`InputError` naming the line.
    Files over ``max_bytes`` and headers of more than ``max_columns`` columns are refused.
    """
    path = Path(path)
    raw = _read_bytes(path, max_bytes)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    _check_decodes(raw, encoding, path)
    if not _ascii_compatible(encoding):  # e.g. UTF-16: parse a UTF-8 copy, byte offsets then hold
        raw, encoding = raw.decode(encoding).encode("utf-8"), "utf-8"
    notes: list[str] = []
    skip = 0
    offset = 0
    while offset < len(raw):
        nl = raw.find(b"\n", offset)
        line_end = len(raw) if nl < 0 else nl + 1
        line = raw[offset:line_end]
        if not line.lstrip().startswith(COMMENT_PREFIX.encode()):
            break
        notes.append(line.decode(encoding).strip().lstrip(COMMENT_PREFIX).strip())
        skip += 1
        offset = line_end
    body = raw[offset:] if offset else raw
    if not body.strip():
        raise InputError("the file is empty: no header and no rows", file=path, expected="a header line with column names")
    nl = body.find(b"\n")
    first = (body if nl < 0 else body[:nl]).decode(encoding).rstrip("\r")
    if sep is None:
        counts = {d: first.count(d) for d in (",", ";", "\t")}
        if max(counts.values()) > max_columns:
            sep = max(counts, key=lambda d: counts[d])
        else:
            try:
                sep = csv.Sniffer().sniff(first[:100_000], delimiters=",;\t").delimiter
            except csv.Error:
                sep = ","
    if first.count(sep) + 1 > max_columns:
        raise InputError(f"the header has {first.count(sep) + 1:,} columns", file=path, row=skip + 1,
                         expected=f"at most {max_columns:,} columns")
    header = [h.strip() for h in next(csv.reader([first], delimiter=sep))]
    if len(header) < 2:
        raise InputError(f"found a single column '{header[0][:60]}': not a table with separator ',' ';' or tab",
                         file=path, row=skip + 1, expected="a header line with several column names")
    record_lines = _record_lines(body, encoding, sep, len(header), skip + 1, path, body.endswith(b"\n"))
    try:
        frame = pd.read_csv(io.BytesIO(body), sep=sep, dtype=_dtype_for(header, text_columns), keep_default_na=True,
                            na_values=[""], skipinitialspace=False, encoding=encoding)
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(f"cannot be parsed as a table: {str(exc)[:300]}", file=path) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    # index = line number in the file (comment lines and header counted, blank lines skipped)
    if len(record_lines) == len(frame):
        frame.index = pd.Index(record_lines, dtype="int64")
    else:  # pragma: no cover - pandas and csv disagree on what a record is: number the rows
        frame.index = pd.RangeIndex(skip + 2, skip + 2 + len(frame))
    return Table(frame, path, notes)


def read_table(path: str | Path, *, sheet: str | int = 0, encoding: str = "utf-8",
               text_columns: set[str] | None = None, max_bytes: int = MAX_FILE_BYTES) -> Table:
    """Read CSV (``.csv``, ``.txt``), Excel (``.xlsx``, ``.xls``) or Parquet into a :class:`Table`."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        return read_csv_table(path, encoding=encoding, sep="\t" if suffix == ".tsv" else None,
                              text_columns=text_columns, max_bytes=max_bytes)
    if not path.exists():
        raise InputError("file not found", file=path)
    if suffix in (".xlsx", ".xlsm", ".xls"):
        if suffix != ".xls":
            check_zip_container(path, max_bytes=min(max_bytes, MAX_WORKBOOK_BYTES))
        elif path.stat().st_size > max_bytes:
            raise InputError(f"the file is too large ({path.stat().st_size:,} bytes)", file=path,
                             expected=f"at most {max_bytes:,} bytes")
        try:
            head = pd.read_excel(path, sheet_name=sheet, nrows=0)
            frame = pd.read_excel(path, sheet_name=sheet,
                                  dtype=_dtype_for([str(c) for c in head.columns], text_columns))
        except Exception as exc:  # openpyxl/xlrd raise many types for a broken workbook
            raise InputError(f"cannot be read as an Excel workbook: {exc}", file=path) from None
        frame.index = pd.RangeIndex(2, 2 + len(frame))
        return Table(frame, path)
    if suffix == ".parquet":
        if path.stat().st_size > max_bytes:
            raise InputError(f"the file is too large ({path.stat().st_size:,} bytes)", file=path,
                             expected=f"at most {max_bytes:,} bytes")
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
