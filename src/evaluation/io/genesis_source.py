"""The bytes of a GENESIS download: plain or zipped, and their text encoding.

GENESIS-Online and the Regionaldatenbank deliver classic table CSVs in ISO-8859-1 (older
vintages, the Regionaldatenbank to this day) or UTF-8, and the flat file (ffcsv) in UTF-8 with a
byte-order mark, inside a zip archive with one CSV. :func:`open_source` hides those differences:
it returns a :class:`Source` whose ``buffer`` supports ``find``/slicing (a memory map for a plain
file, so a 100 MB table is not copied into memory) and whose ``encoding`` is detected:

1. a UTF-8 byte-order mark -> ``utf-8-sig``;
2. bytes that decode as UTF-8 -> ``utf-8`` (ISO-8859-1 text with umlauts almost never does);
3. otherwise ``cp1252`` (Windows-1252, the superset of ISO-8859-1 that Excel writes), or
   ``latin-1`` when a byte is undefined in Windows-1252.

Limits (each an :class:`~evaluation.errors.InputError`, each configurable through
:func:`~evaluation.io.genesis.read_genesis`): a zip member that would expand beyond
``max_bytes`` (default :data:`MAX_BYTES`), or by an implausible ratio, or that yields more bytes
than its header says, is refused before or while it is read; a line of more than
:data:`MAX_FIELDS` fields is refused before any parser splits it (a 10-million-field line used to
take 15 GB). A file with bare carriage returns as line ends (classic Mac OS) is read with the line
ends converted to ``\\n`` in memory; the raw file is never changed.
"""

from __future__ import annotations

import codecs
import io
import mmap
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError

_CHUNK = 1 << 22
#: largest table read, uncompressed (bytes)
MAX_BYTES = 2_000_000_000
#: largest compression ratio of a zip member above 1 MB (CSV text compresses 5-30 times)
MAX_RATIO = 200.0
#: most fields in one line
MAX_FIELDS = 100_000


@dataclass(frozen=True)
class Source:
    """Raw bytes of the table (``buffer``), where they came from and their encoding."""

    path: Path
    buffer: bytes | mmap.mmap
    encoding: str
    member: str | None = None  # the CSV's name inside a zip archive

    @property
    def label(self) -> str:
        return f"{self.path}!{self.member}" if self.member else str(self.path)

    def text(self, start: int, end: int) -> str:
        """Decoded text of bytes [start, end)."""
        enc = "utf-8" if self.encoding == "utf-8-sig" else self.encoding
        return bytes(self.buffer[start:end]).decode(enc, errors="replace")

    def reader(self, start: int, end: int) -> io.BufferedReader:
        """A binary file object over bytes [start, end) (no copy of the whole range)."""
        return io.BufferedReader(_Window(self.buffer, start, end), buffer_size=1 << 20)


class _Window(io.RawIOBase):
    """Read-only window on a buffer, so pandas can parse a slice of a memory map without a copy."""

    def __init__(self, buffer, start: int, end: int):
        self._view = memoryview(buffer)[start:end]
        self._pos = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        n = min(len(b), len(self._view) - self._pos)
        if n <= 0:
            return 0
        b[:n] = self._view[self._pos:self._pos + n]
        self._pos += n
        return n

    def close(self) -> None:
        try:
            self._view.release()
        finally:
            super().close()


def detect_encoding(buffer) -> str:
    """``utf-8-sig``, ``utf-8``, ``cp1252`` or ``latin-1`` (see the module docstring)."""
    if bytes(buffer[:3]) == codecs.BOM_UTF8:
        return "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(buffer)
    try:
        for start in range(0, len(view), _CHUNK):
            decoder.decode(view[start:start + _CHUNK], final=False)
        decoder.decode(b"", final=True)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    finally:
        view.release()
    undefined_in_cp1252 = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")
    if any(buffer.find(ch) >= 0 for ch in undefined_in_cp1252):
        return "latin-1"
    return "cp1252"


def _read_zip_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, label: str, max_bytes: int,
                     max_ratio: float) -> bytes:
    """A zip member's bytes, refused if its header or its actual content exceeds the limits."""
    if info.file_size > max_bytes:
        raise InputError("the zip member expands beyond the size limit (possible zip bomb)", file=label,
                         expected=f"at most {max_bytes:,} bytes uncompressed (raise max_bytes= to read it)",
                         found=info.file_size)
    if info.compress_size > 0 and info.file_size > 1_000_000 and info.file_size / info.compress_size > max_ratio:
        raise InputError("the zip member is compressed by an implausible ratio (possible zip bomb)", file=label,
                         expected=f"a compression ratio below {max_ratio:.0f}",
                         found=round(info.file_size / info.compress_size))
    with zf.open(info) as fh:
        data = fh.read(info.file_size + 1)  # at most one byte more than the header says
    if len(data) > info.file_size:
        raise InputError("the zip member is larger than its header says (a forged or damaged archive)",
                         file=label, expected=f"{info.file_size:,} bytes")
    return data


def check_fields(buffer, label: str, max_fields: int = MAX_FIELDS, sep: int = ord(";")) -> None:
    """Refuse a line with more than ``max_fields`` fields before a parser splits it.

    Counts separators per line with numpy in 16 MB chunks (no copy of the file, no list of fields);
    separators inside quotes are counted too, so the bound is conservative.
    """
    import numpy as np

    arr = np.frombuffer(buffer, dtype=np.uint8)
    try:
        carry, line_no = 0, 1
        step = 1 << 24
        for start in range(0, len(arr), step):
            chunk = arr[start:start + step]
            newlines = np.flatnonzero(chunk == 10)
            seps = np.flatnonzero(chunk == sep)
            if len(seps) + carry < max_fields:
                carry = (carry + len(seps)) if len(newlines) == 0 else int((seps > newlines[-1]).sum())
                line_no += len(newlines)
                continue
            counts = np.bincount(np.searchsorted(newlines, seps), minlength=len(newlines) + 1)
            counts[0] += carry
            worst = int(np.argmax(counts))
            if counts[worst] + 1 > max_fields:
                raise InputError(f"line {line_no + worst} has more than {max_fields:,} fields", file=label,
                                 row=line_no + worst, expected=f"at most {max_fields:,} fields separated by ';' "
                                 "(raise max_fields= to read it)", found=f"at least {int(counts[worst]) + 1:,} fields")
            carry = int(counts[-1]) if len(newlines) else carry + len(seps)
            line_no += len(newlines)
    finally:
        del arr


def open_source(path: str | Path, encoding: str | None = None, *, max_bytes: int = MAX_BYTES,
                max_ratio: float = MAX_RATIO, max_fields: int = MAX_FIELDS) -> Source:
    """Open a GENESIS download (plain or zipped) for reading; see :class:`Source` and the limits above."""
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", file=path, expected="an existing GENESIS download")
    if path.is_dir():
        raise InputError("is a folder, not a file", file=path, expected="a GENESIS download (.csv or .zip)")
    if path.stat().st_size > max_bytes:
        raise InputError(f"the file is too large ({path.stat().st_size:,} bytes)", file=path,
                         expected=f"at most {max_bytes:,} bytes (raise max_bytes= to read it)")
    if path.stat().st_size == 0:
        raise InputError("the file is empty", file=path,
                         expected="a GENESIS table (title lines, column headers, data, footer) or a flat file")
    member = None
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as zf:
                csvs = [n for n in zf.namelist() if n.lower().endswith(".csv") and not n.endswith("/")]
                if len(csvs) != 1:
                    raise InputError(f"the zip archive holds {len(csvs)} CSV files", file=path,
                                     expected="exactly one CSV (as GENESIS delivers a flat file)",
                                     found=zf.namelist()[:10])
                member = csvs[0]
                buffer: bytes | mmap.mmap = _read_zip_member(zf, zf.getinfo(member), f"{path}!{member}",
                                                             max_bytes, max_ratio)
        except (zipfile.BadZipFile, EOFError, OSError, zlib.error, NotImplementedError) as exc:
            raise InputError(f"the zip archive is damaged or truncated ({exc})", file=path,
                             expected="a complete zip archive") from exc
    else:
        with open(path, "rb") as fh:
            buffer = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    if len(buffer) == 0:
        raise InputError("the file is empty", file=path, expected="a GENESIS table or flat file")
    label = f"{path}!{member}" if member else str(path)
    head = bytes(buffer[:1 << 20])
    if b"\r" in head and b"\n" not in head:  # classic Mac OS line ends: convert in memory
        converted = bytes(buffer).replace(b"\r", b"\n")
        if isinstance(buffer, mmap.mmap):
            buffer.close()
        buffer = converted
    check_fields(buffer, label, max_fields)
    enc = encoding or detect_encoding(buffer)
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError as exc:
            raise InputError(f"unknown encoding {encoding!r}", file=path, expected="e.g. 'utf-8' or 'latin-1'") from exc
    return Source(path=path, buffer=buffer, encoding=enc, member=member)
