"""Size guards for zip containers (``.xlsx`` workbooks) before a parser sees them.

An ``.xlsx`` is a zip of XML parts; a few megabytes on disk can hold a sheet of a gigabyte, which
openpyxl then parses for minutes. :func:`check_zip_container` reads only the archive's directory
and refuses members whose declared size exceeds a limit or whose compression ratio is implausible
(zip-bomb defence as in OWASP's "Unrestricted file upload" guidance). Sizes in the directory can
be forged; readers that decompress a member themselves must also stop at the declared size (see
:mod:`evaluation.io.genesis_source` and :mod:`evaluation.io.refi_read`); openpyxl reads through
:mod:`zipfile`, which stops at the declared size and checks the CRC.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from ..errors import InputError

#: largest workbook read, all parts uncompressed (bytes)
MAX_WORKBOOK_BYTES = 200_000_000
#: largest compression ratio of a part above 1 MB (spreadsheet XML compresses 5-50 times)
MAX_RATIO = 100.0


def check_zip_container(path: str | Path, *, max_bytes: int = MAX_WORKBOOK_BYTES, max_ratio: float = MAX_RATIO,
                        what: str = "workbook") -> None:
    """Raise :class:`InputError` if the zip at ``path`` would expand beyond the limits.

    Parameters
    ----------
    path:
        The container (e.g. an ``.xlsx``).
    max_bytes:
        Most bytes all members may hold uncompressed.
    max_ratio:
        Highest compression ratio of a member larger than 1 MB.
    what:
        The container's name in the messages.

    Examples
    --------
    >>> import os, tempfile, zipfile
    >>> path = os.path.join(tempfile.mkdtemp(), "z.xlsx")
    >>> with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
    ...     zf.writestr("xl/worksheets/sheet1.xml", "0" * 2_000_000)
    >>> try:
    ...     check_zip_container(path)
    ... except InputError as err:
    ...     print(err.problems[0].message)
    workbook part compressed by an implausible ratio (possible zip bomb)
    """
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise InputError(f"not a readable {what} (a damaged zip archive: {exc})", file=path,
                         expected=f"an intact {what}") from None
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > 1_000_000 and info.compress_size > 0 and info.file_size / info.compress_size > max_ratio:
            raise InputError(f"{what} part compressed by an implausible ratio (possible zip bomb)", file=path,
                             row=info.filename, expected=f"a compression ratio below {max_ratio:.0f}",
                             found=round(info.file_size / info.compress_size))
        if total > max_bytes:
            raise InputError(f"{what} expands beyond the size limit ({total:,} bytes uncompressed)", file=path,
                             row=info.filename, expected=f"at most {max_bytes:,} bytes (raise max_bytes= to read it)")


__all__ = ["check_zip_container", "MAX_WORKBOOK_BYTES", "MAX_RATIO"]
