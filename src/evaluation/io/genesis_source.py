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
"""

from __future__ import annotations

import codecs
import io
import mmap
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError

_CHUNK = 1 << 22


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


def open_source(path: str | Path, encoding: str | None = None) -> Source:
    """Open a GENESIS download (plain or zipped) for reading; see :class:`Source`."""
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", file=path, expected="an existing GENESIS download")
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
                buffer: bytes | mmap.mmap = zf.read(member)
        except (zipfile.BadZipFile, EOFError, OSError) as exc:
            raise InputError(f"the zip archive is damaged or truncated ({exc})", file=path,
                             expected="a complete zip archive") from exc
    else:
        with open(path, "rb") as fh:
            buffer = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    if len(buffer) == 0:
        raise InputError("the file is empty", file=path, expected="a GENESIS table or flat file")
    enc = encoding or detect_encoding(buffer)
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError as exc:
            raise InputError(f"unknown encoding {encoding!r}", file=path, expected="e.g. 'utf-8' or 'latin-1'") from exc
    return Source(path=path, buffer=buffer, encoding=enc, member=member)
