"""Tabular coded-segment exports of QDA tools -> the ``codings`` table.

Supported layouts (recognised from the header, English or German):

- **MAXQDA "Coded segments"** (Liste der codierten Segmente; ``.xlsx``, ``.xls``, ``.csv``):
  Color/Farbe, Document group/Dokumentgruppe, Document name/Dokumentname, Code, Beginning/Anfang,
  End/Ende, Weight score/Gewicht, Segment, optionally Created by/Erstellt von (coder), Comment,
  Area/Fläche, Coverage %/Abdeckungsgrad %. In MAXQDA text documents *Beginning* and *End* are
  paragraph numbers, not character positions: they are kept as ``paragraph_start`` /
  ``paragraph_end`` and ``start``/``end`` stay missing. Code paths ``Parent\\Child`` become the
  code_id ``Parent/Child`` (see :func:`evaluation.qualitative.codebook.codebook_from_paths`).
- **Taguette highlights** (``.csv``/``.xlsx``): id, document, tag, content (HTML, stripped to text),
  optionally start_offset/end_offset.

Anything else is an :class:`~evaluation.errors.InputError` that lists the columns each layout
expects. The file is only read. Example::

    codings = read_coded_segments("Codierte Segmente.xlsx", coder="AB")
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..contracts import validate
from ..errors import InputError
from .archive import MAX_WORKBOOK_BYTES, check_zip_container

MAXQDA_COLUMNS: dict[str, tuple[str, ...]] = {
    "color": ("color", "farbe"),
    "document_group": ("document group", "dokumentgruppe"),
    "document": ("document name", "dokumentname", "document", "dokument"),
    "code": ("code",),
    "begin": ("beginning", "begin", "anfang", "beginn"),
    "end": ("end", "ende"),
    "weight": ("weight score", "weight", "gewicht", "gewichtung"),
    "segment": ("segment", "segmente"),
    "coder": ("created by", "erstellt von", "author", "autor", "modified by", "bearbeitet von", "user", "benutzer"),
    "comment": ("comment", "kommentar"),
    "area": ("area", "fläche"),
    "coverage": ("coverage %", "abdeckungsgrad %", "coverage", "abdeckungsgrad"),
}
MAXQDA_REQUIRED = ("document", "code", "begin", "end", "segment")
TAGUETTE_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id",),
    "document": ("document",),
    "tag": ("tag",),
    "content": ("content",),
    "start_offset": ("start_offset",),
    "end_offset": ("end_offset",),
}
TAGUETTE_REQUIRED = ("document", "tag", "content")

OUT_COLUMNS = ["project", "source_id", "source_name", "case_id", "coder", "code_id", "start", "end", "text",
               "document_group", "paragraph_start", "paragraph_end", "weight", "color", "comment", "tool"]


def _norm(name) -> str:
    return re.sub(r"\s+", " ", str(name).replace("\ufeff", "")).strip().lower()


def _match(columns, spec: dict[str, tuple[str, ...]]) -> dict[str, str]:
    normed = {_norm(c): c for c in columns}
    found = {}
    for key, aliases in spec.items():
        for a in aliases:
            if a in normed:
                found[key] = normed[a]
                break
    return found


def _read_table(path: Path, sheet, max_bytes: int = MAX_WORKBOOK_BYTES) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        check_zip_container(path, max_bytes=max_bytes)  # before openpyxl parses a sheet of a gigabyte
    elif path.stat().st_size > max_bytes:
        raise InputError(f"the file is too large ({path.stat().st_size:,} bytes): beyond the size limit", file=str(path),
                         expected=f"at most {max_bytes:,} bytes (raise max_bytes= to read it)")
    try:
        if suffix in (".xlsx", ".xlsm"):
            return pd.read_excel(path, sheet_name=sheet, engine="openpyxl", dtype=object)
        if suffix == ".xls":
            try:  # pandas prefers calamine for legacy .xls; xlrd (a declared dependency) otherwise
                import python_calamine  # noqa: F401
                return pd.read_excel(path, sheet_name=sheet, engine="calamine", dtype=object)
            except ImportError:
                import warnings
                with warnings.catch_warnings():
                    warnings.filterwarnings("ignore", message="The xlrd engine is deprecated")
                    return pd.read_excel(path, sheet_name=sheet, engine="xlrd", dtype=object)
        if suffix in (".csv", ".txt", ".tsv"):
            raw = path.read_bytes()
            for enc in ("utf-8-sig", "cp1252"):
                try:
                    text = raw.decode(enc)
                    break
                except UnicodeDecodeError:
                    continue
            sep = "\t" if suffix == ".tsv" or text.split("\n", 1)[0].count("\t") > text.split("\n", 1)[0].count(",") else None
            import io
            return pd.read_csv(io.StringIO(text), sep=sep, engine="python", dtype=str, keep_default_na=False,
                               na_values=[""])
    except InputError:
        raise
    except Exception as exc:  # unreadable spreadsheet: say which file and why
        raise InputError(f"cannot read the table: {type(exc).__name__}: {exc}", file=str(path),
                         expected="an .xlsx, .xls or .csv export") from None
    raise InputError("unknown file type", file=str(path), expected=".xlsx, .xls, .csv or .tsv", found=path.suffix)


def _strip_html(value) -> object:
    if not isinstance(value, str):
        return np.nan
    text = re.sub(r"<br\s*/?>|</p>\s*<p[^>]*>", "\n", value, flags=re.I)
    text = re.sub(r"<[^>]+>", "", text)
    return html.unescape(text)


def _int_column(series: pd.Series, path: Path, column: str) -> pd.Series:
    num = pd.to_numeric(series, errors="coerce")
    bad = series.notna() & (num.isna() | (num % 1 != 0))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError("not a whole number", file=str(path), row=i + 2, column=column,
                         expected="a position (whole number)", found=series.iloc[i])
    return num.astype("Int64")


def read_coded_segments(path: str | Path, *, coder: str | None = None, project: str | None = None,
                        sheet: int | str = 0, max_bytes: int = MAX_WORKBOOK_BYTES) -> pd.DataFrame:
    """Read a MAXQDA or Taguette coded-segment export into the ``codings`` contract.

    Columns: project, source_id, source_name, case_id, coder, code_id, start, end, text (the
    contract) plus document_group, paragraph_start, paragraph_end, weight, color, comment, tool.
    ``source_id`` is ``document_group/document`` where a group is given, else the document name;
    ``coder`` fills the coder where the export does not name one (MAXQDA leaves it out unless
    asked). Rows with neither code nor document (MAXQDA's blank spacer lines) are skipped.
    A workbook that would expand beyond ``max_bytes`` (all parts, uncompressed) or by an implausible
    ratio, and a CSV larger than ``max_bytes``, are refused before parsing
    (:func:`evaluation.io.archive.check_zip_container`).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", file=str(path), expected="a coded-segment export")
    raw = _read_table(path, sheet, max_bytes)
    raw = raw.dropna(how="all")
    mq = _match(raw.columns, MAXQDA_COLUMNS)
    tg = _match(raw.columns, TAGUETTE_COLUMNS)
    project = project or path.stem
    if all(k in mq for k in MAXQDA_REQUIRED):
        out = pd.DataFrame(index=raw.index)
        doc = raw[mq["document"]].astype(object)
        group = raw[mq["document_group"]].astype(object) if "document_group" in mq else pd.Series(np.nan, index=raw.index)
        group = group.where(group.notna() & (group.astype(str).str.strip() != ""), np.nan)
        out["source_name"] = doc
        out["source_id"] = [f"{g}/{d}" if isinstance(g, str) else d for g, d in zip(group, doc)]
        out["document_group"] = group
        out["code_id"] = raw[mq["code"]].map(
            lambda c: "/".join(p.strip() for p in str(c).split("\\") if p.strip()) if isinstance(c, str) else np.nan)
        out["paragraph_start"] = _int_column(raw[mq["begin"]], path, mq["begin"])
        out["paragraph_end"] = _int_column(raw[mq["end"]], path, mq["end"])
        out["start"] = pd.array([pd.NA] * len(raw), dtype="Int64")
        out["end"] = pd.array([pd.NA] * len(raw), dtype="Int64")
        out["text"] = raw[mq["segment"]].where(raw[mq["segment"]].notna(), np.nan)
        out["weight"] = pd.to_numeric(raw[mq["weight"]], errors="coerce") if "weight" in mq else np.nan
        out["color"] = raw[mq["color"]] if "color" in mq else np.nan
        out["comment"] = raw[mq["comment"]] if "comment" in mq else np.nan
        out["coder"] = raw[mq["coder"]] if "coder" in mq else np.nan
        out["tool"] = "MAXQDA"
    elif all(k in tg for k in TAGUETTE_REQUIRED):
        out = pd.DataFrame(index=raw.index)
        out["source_name"] = raw[tg["document"]].astype(object)
        out["source_id"] = out["source_name"]
        out["document_group"] = np.nan
        out["code_id"] = raw[tg["tag"]].map(lambda c: str(c).strip() if isinstance(c, str) else np.nan)
        out["paragraph_start"] = pd.array([pd.NA] * len(raw), dtype="Int64")
        out["paragraph_end"] = pd.array([pd.NA] * len(raw), dtype="Int64")
        out["start"] = _int_column(raw[tg["start_offset"]], path, tg["start_offset"]) if "start_offset" in tg \
            else pd.array([pd.NA] * len(raw), dtype="Int64")
        out["end"] = _int_column(raw[tg["end_offset"]], path, tg["end_offset"]) if "end_offset" in tg \
            else pd.array([pd.NA] * len(raw), dtype="Int64")
        out["text"] = raw[tg["content"]].map(_strip_html)
        out["weight"] = np.nan
        out["color"] = np.nan
        out["comment"] = np.nan
        out["coder"] = np.nan
        out["tool"] = "Taguette"
    else:
        raise InputError(
            "unknown coded-segment layout", file=str(path), column=", ".join(map(str, raw.columns[:12])),
            expected=("MAXQDA columns " + ", ".join(MAXQDA_COLUMNS[k][0].capitalize() for k in MAXQDA_REQUIRED)
                      + " (German: Dokumentname, Code, Anfang, Ende, Segment) or Taguette columns "
                      + ", ".join(TAGUETTE_REQUIRED)),
            found=[str(c) for c in raw.columns[:12]])
    keep = out["code_id"].notna() | out["source_name"].notna()
    out = out[keep]
    missing_code = out["code_id"].isna()
    if missing_code.any():
        i = out.index[missing_code][0]
        raise InputError("segment without a code", file=str(path), row=int(i) + 2, column="code",
                         expected="a code (path) for every segment")
    if coder is not None:
        out["coder"] = out["coder"].where(out["coder"].notna(), coder)
    out["project"] = project
    out["case_id"] = np.nan
    for col in ("source_id", "source_name", "code_id", "coder", "case_id", "project", "document_group", "comment", "color"):
        out[col] = out[col].astype(object).where(out[col].notna(), np.nan)
    out = out[OUT_COLUMNS]
    index_to_line = {idx: int(idx) + 2 for idx in out.index}
    validated = validate(out, "codings", file=path, index_to_line=index_to_line)
    return validated.reset_index(drop=True)


__all__ = ["read_coded_segments", "MAXQDA_COLUMNS", "TAGUETTE_COLUMNS"]
