"""REFI-QDA projects (``.qdpx``, ``.qde``) and code books (``.qdc``) <-> tidy tables.

The REFI-QDA standard (QDA-XML 1.0, Rotterdam Exchange Format Initiative 2019,
https://www.qdasoftware.org) lets MAXQDA, NVivo, ATLAS.ti, QualCoder, Quirkos and others exchange
coded material. A ``.qdpx`` is a zip archive holding ``project.qde`` (XML) and a ``sources/``
folder with the documents; a ``.qdc`` holds only the code book.

:func:`read_project` returns a :class:`QdaProject` of tidy tables (the ``codings`` and
``codebook`` contracts of :mod:`evaluation.contracts` plus sources, cases, users, variables and
sets). :func:`write_project` writes a project that validates against the official schemas
(``Project-mrt2019.xsd``, ``Codebook.xsd``); :func:`project_from_tables` builds one from the
tidy tables the Musterdaten generator produces.

Selection positions
-------------------
The standard counts ``startPosition``/``endPosition`` in characters of the plain-text file, but
exporters disagree on what a character is. NVivo 12 for Windows counts UTF-16 code units (an
emoji outside the Basic Multilingual Plane counts twice), counts CRLF as two and does not count the
byte-order mark; other tools count Unicode code points, and some count a CRLF line break as one.
The reader maps the exporter's positions to code-point offsets of the decoded text (BOM removed,
line endings kept as in the file), so that ``sources.text[start:end] == codings.text`` always holds
and ``codings.text`` is exactly the text the coder selected. ``positions="auto"`` picks the
convention under which the selections fall on word boundaries most often (the human selection in
a QDA tool snaps to words); ties go to the standard's code points. The chosen convention is
recorded in ``QdaProject.position_convention``. Positions are mapped with numpy cumulative sums,
written by hand because no maintained library implements REFI-QDA.

Safety
------
XML with a DOCTYPE or entity declarations is parsed with ``defusedxml`` (no entity expansion, no
external entities: a clear error); plain QDA-XML with lxml, entities and network off;
archive member names with absolute paths or ``..`` and archives whose members would expand beyond
``max_uncompressed`` bytes or by an implausible ratio are refused with an :class:`InputError`.
Raw files are only read, never modified.

Example::

    project = read_project("interviews.qdpx")
    project.codings[["code_id", "text"]].head()
    write_project(project, "copy.qdpx")
"""

from __future__ import annotations

import hashlib
import re
import uuid
import warnings
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Literal

import numpy as np
import pandas as pd
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from ..errors import InputError

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"

#: conventions for counting selection positions: (unit, newline counting)
PositionUnit = Literal["codepoints", "utf16", "utf8"]
NewlineCount = Literal["as_is", "crlf_as_one"]
CONVENTIONS: tuple[tuple[str, str], ...] = (
    ("codepoints", "as_is"),
    ("utf16", "as_is"),
    ("codepoints", "crlf_as_one"),
    ("utf16", "crlf_as_one"),
    ("utf8", "as_is"),
)

#: prefix of the REFI sets that carry the code book's Lebensbereich / Wirkungsstufe mapping
LEBENSBEREICH_SET = "lebensbereich:"
WIRKUNGSSTUFE_SET = "wirkungsstufe:"

_GUID = re.compile(r"^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$")
_GUID_NAMESPACE = uuid.UUID("6f1d4c62-52a8-4a55-9d8e-0c5e1b0f6a11")
_NAMESPACE_BYTES = _GUID_NAMESPACE.bytes

CODE_COLUMNS = ["code_id", "parent_id", "name", "path", "lebensbereich", "wirkungsstufe",
                "is_codable", "color", "description", "depth"]
SOURCE_COLUMNS = ["source_id", "source_name", "kind", "path", "text", "n_chars", "description"]
CODING_COLUMNS = ["project", "source_id", "source_name", "case_id", "coder", "code_id", "start",
                  "end", "text", "selection_id", "coding_id", "raw_start", "raw_end"]
CASE_COLUMNS = ["case_id", "name", "description"]
CASE_MEMBER_COLUMNS = ["case_id", "source_id", "selection_id"]
USER_COLUMNS = ["user_id", "name"]
VARIABLE_COLUMNS = ["entity", "entity_id", "variable", "type", "value"]
SET_COLUMNS = ["set_id", "name", "member_kind", "member_id"]


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


@dataclass(frozen=True)
class QdaProject:
    """A coded qualitative project as tidy tables.

    - ``codes``: the code book (``codebook`` contract: code_id, parent_id, name, path,
      lebensbereich, wirkungsstufe) plus is_codable, color, description, depth; ``path`` joins the
      names from the root with ``/``.
    - ``sources``: source_id, source_name, kind (text, pdf, picture, audio, video), path, text
      (NaN where the source has no plain text, e.g. a PDF without representation), n_chars.
    - ``codings``: one row per coding of a text selection (``codings`` contract); ``start``/``end``
      are code-point offsets into ``sources.text`` and ``text`` is exactly the selected text;
      ``raw_start``/``raw_end`` keep the positions as the exporter wrote them. Codings of
      non-text selections (PDF areas, pictures, audio) keep NaN positions and text.
    - ``cases`` (case_id, name, description) and ``case_members`` (case_id, source_id,
      selection_id); ``users`` (user_id, name); ``variables`` long (entity = case|source,
      entity_id, variable, type, value); ``sets`` long (set_id, name, member_kind, member_id).
    """

    codes: pd.DataFrame
    sources: pd.DataFrame
    codings: pd.DataFrame
    cases: pd.DataFrame
    users: pd.DataFrame
    variables: pd.DataFrame
    sets: pd.DataFrame = field(default_factory=lambda: _empty(SET_COLUMNS))
    case_members: pd.DataFrame = field(default_factory=lambda: _empty(CASE_MEMBER_COLUMNS))
    name: str = "project"
    origin: str | None = None
    position_convention: tuple[str, str] = ("codepoints", "as_is")

    @property
    def codebook(self) -> pd.DataFrame:
        """The code book in the ``codebook`` contract's columns."""
        return self.codes[["code_id", "parent_id", "name", "path", "lebensbereich", "wirkungsstufe"]].copy()

    def source_table(self) -> pd.DataFrame:
        """Document metadata for aggregation: source_id, source_name, municipality_id, year,
        case_id, kind, then any further source variables (one column each).

        ``municipality_id``, ``year`` and ``kind`` come from source variables of those names where
        present (``kind`` then is the document kind, e.g. interview, else the REFI medium: text,
        pdf, ...); ``case_id`` from case membership, as the case's name (the identifier the case
        had when it was written by :func:`write_project`), else its GUID."""
        out = self.sources[["source_id", "source_name", "kind"]].copy()
        var = self.variables[self.variables["entity"] == "source"]
        names = [n for n in pd.unique(var["variable"].dropna()) if n not in ("source_id", "source_name", "case_id")]
        for name in ["municipality_id", "year"] + [n for n in names if n not in ("municipality_id", "year")]:
            values = var[var["variable"] == name].drop_duplicates("entity_id").set_index("entity_id")["value"]
            mapped = out["source_id"].map(values)
            out[name] = mapped.where(mapped.notna(), out[name]) if name == "kind" else mapped
        out["year"] = pd.to_numeric(out["year"], errors="coerce").astype("Int64")
        members = self.case_members[self.case_members["source_id"].notna()].drop_duplicates("source_id")
        case_names = self.cases.set_index("case_id")["name"] if len(self.cases) else pd.Series(dtype=object)
        case_guid = out["source_id"].map(members.set_index("source_id")["case_id"])
        case_name = case_guid.map(case_names)
        out["case_id"] = case_name.where(case_name.notna(), case_guid).astype(object)
        first = ["source_id", "source_name", "municipality_id", "year", "case_id", "kind"]
        return out[first + [c for c in out.columns if c not in first]]

    def summary(self) -> str:
        """One line per table with its size."""
        unit, nl = self.position_convention
        return (f"QDA project '{self.name}' (origin: {self.origin or 'unknown'})\n"
                f"  codes: {len(self.codes)}, sources: {len(self.sources)}, codings: {len(self.codings)}, "
                f"cases: {len(self.cases)}, users: {len(self.users)}, variables: {len(self.variables)}, "
                f"sets: {self.sets['set_id'].nunique()}\n  selection positions counted as {unit}, line breaks {nl}")


# ----------------------------------------------------------------------------------------------
# archive and XML safety
# ----------------------------------------------------------------------------------------------

def _safe_members(zf: zipfile.ZipFile, file: str, max_uncompressed: int, max_ratio: float) -> dict[str, zipfile.ZipInfo]:
    total = 0
    members: dict[str, zipfile.ZipInfo] = {}
    for info in zf.infolist():
        name = info.filename.replace("\\", "/")
        parts = PurePosixPath(name).parts
        if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in parts:
            raise InputError("archive member with an unsafe path (absolute or with '..') refused",
                             file=file, row=info.filename, expected="paths inside the archive")
        total += info.file_size
        if total > max_uncompressed:
            raise InputError("archive expands beyond the size limit (possible zip bomb)", file=file,
                             row=info.filename, expected=f"at most {max_uncompressed} bytes uncompressed",
                             found=total)
        if info.compress_size > 0 and info.file_size > 1_000_000 and info.file_size / info.compress_size > max_ratio:
            raise InputError("archive member compressed by an implausible ratio (possible zip bomb)", file=file,
                             row=info.filename, expected=f"a compression ratio below {max_ratio:.0f}",
                             found=round(info.file_size / info.compress_size))
        if not name.endswith("/"):
            members[name] = info
    return members


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, file: str, limit: int) -> bytes:
    """Read a member, stopping when it yields more bytes than its header claims (forged sizes)."""
    with zf.open(info) as fh:
        data = fh.read(min(limit, info.file_size) + 1)
    if len(data) > info.file_size:
        raise InputError("archive member larger than its header says (possible zip bomb)", file=file,
                         row=info.filename, expected=f"{info.file_size} bytes", found=len(data))
    return data


def _parse_xml(data: bytes, file: str):
    """Parse QDA-XML safely and strip namespaces.

    Documents with a DOCTYPE or entity declarations (or in an encoding where a byte scan cannot
    see them) go through ``defusedxml``, which refuses entity definitions and external
    references with a clear error. All others are parsed by lxml with entity resolution, DTD
    loading and network access switched off (ten times faster than the pure-Python callbacks of
    defusedxml on a 100,000-coding project)."""
    head = data.lstrip()[:4]
    ascii_compatible = not (head.startswith(b"\xff\xfe") or head.startswith(b"\xfe\xff") or b"\x00" in head)
    if ascii_compatible and b"<!DOCTYPE" not in data and b"<!ENTITY" not in data:
        from lxml import etree

        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                                 huge_tree=True, remove_comments=True, remove_pis=True)
        try:
            root = etree.fromstring(data, parser=parser)
        except etree.XMLSyntaxError as exc:
            raise InputError(f"not well-formed XML: {exc}", file=file, expected="a QDA-XML document") from None
    else:
        try:
            root = SafeET.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
        except DefusedXmlException as exc:
            raise InputError(f"unsafe XML refused ({type(exc).__name__}: entity declarations and external "
                             "references are not allowed)", file=file, expected="plain QDA-XML") from None
        except SafeET.ParseError as exc:
            raise InputError(f"not well-formed XML: {exc}", file=file, expected="a QDA-XML document") from None
    for el in root.iter():  # namespace-agnostic: exporters differ (some omit or misspell it)
        if isinstance(el.tag, str) and "}" in el.tag:
            el.tag = el.tag.rsplit("}", 1)[1]
    return root


def _decode_text(data: bytes, file: str, member: str) -> str:
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            raise InputError("source text is neither UTF-8, UTF-16 nor Windows-1252", file=file,
                             row=member, expected="UTF-8 plain text") from None


# ----------------------------------------------------------------------------------------------
# positions
# ----------------------------------------------------------------------------------------------

def _unit_weights(text: str, unit: str, newline: str) -> np.ndarray:
    """How many position units each code point of ``text`` occupies in an exporter's counting."""
    cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    if unit == "utf16":
        w = np.where(cps > 0xFFFF, 2, 1)
    elif unit == "utf8":
        w = np.select([cps < 0x80, cps < 0x800, cps < 0x10000], [1, 2, 3], 4)
    else:
        w = np.ones(len(cps), dtype=np.int64)
    w = w.astype(np.int64)
    if newline == "crlf_as_one" and len(cps) > 1:
        crlf = (cps[:-1] == 13) & (cps[1:] == 10)
        w[:-1][crlf] = 0
    return w


def _to_codepoints(raw: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Map exporter positions to code-point offsets; second array says whether each was exact."""
    cum = np.concatenate([[0], np.cumsum(weights)])
    raw = np.asarray(raw, dtype=np.int64)
    idx = np.searchsorted(cum, raw, side="left")
    inside = idx < len(cum)
    exact = inside & (cum[np.minimum(idx, len(cum) - 1)] == raw)
    return np.minimum(idx, len(cum) - 1), exact


def _boundary_score(text: str, starts: np.ndarray, ends: np.ndarray) -> int:
    n = len(text)
    score = 0
    for s, e in zip(starts.tolist(), ends.tolist()):
        if s < 0 or e > n or e < s:
            score -= 10
            continue
        first = text[s:s + 1]
        before = text[s - 1] if s > 0 else " "
        after = text[e] if e < n else " "
        last = text[e - 1] if e > 0 else " "
        if (first and not first.isspace()) and not before.isalnum() and not (after.isalnum() and last.isalnum()):
            score += 1
    return score


# ----------------------------------------------------------------------------------------------
# reading
# ----------------------------------------------------------------------------------------------

def _bool(value: str | None, default: bool = True) -> bool:
    if value is None:
        return default
    return value.strip().lower() in ("true", "1")


def _desc(el) -> object:
    d = el.find("Description")
    if d is None or d.text is None or d.text == "":
        return np.nan
    return d.text


def _read_codes(codebook_el, file: str) -> pd.DataFrame:
    rows: list[dict] = []
    codes_el = codebook_el.find("Codes") if codebook_el is not None else None
    if codes_el is None:
        return _empty(CODE_COLUMNS)

    def walk(el, parent, path, depth):
        for code in el.findall("Code"):
            guid = code.get("guid")
            name = code.get("name")
            if not guid:
                raise InputError("code without a guid", file=file, row=f"Code '{name}'", column="guid",
                                 expected="a GUID identifying the code")
            name = name if name is not None else ""
            p = f"{path}/{name}" if path else name
            rows.append({"code_id": guid, "parent_id": parent, "name": name, "path": p,
                         "lebensbereich": np.nan, "wirkungsstufe": np.nan,
                         "is_codable": _bool(code.get("isCodable")), "color": code.get("color") or np.nan,
                         "description": _desc(code), "depth": depth})
            walk(code, guid, p, depth + 1)

    walk(codes_el, np.nan, "", 0)
    df = pd.DataFrame(rows, columns=CODE_COLUMNS)
    df["lebensbereich"] = df["lebensbereich"].astype(object)
    df["wirkungsstufe"] = df["wirkungsstufe"].astype("Int64")
    dup = df["code_id"].duplicated()
    if dup.any():
        raise InputError("code guid used twice in the code book", file=file, column="guid",
                         row=df.loc[dup, "code_id"].iloc[0], expected="unique code GUIDs")
    return df


def _read_sets(root, *, member_attr: str) -> pd.DataFrame:
    rows = []
    sets_el = root.find("Sets")
    if sets_el is None:
        return _empty(SET_COLUMNS)
    for s in sets_el.findall("Set"):
        sid, name = s.get("guid"), s.get("name")
        found = False
        for tag, kind in (("MemberCode", "code"), ("MemberSource", "source"), ("MemberNote", "note")):
            for m in s.findall(tag):
                target = m.get("targetGUID") or m.get("guid")
                rows.append({"set_id": sid, "name": name, "member_kind": kind, "member_id": target})
                found = True
        if not found:
            rows.append({"set_id": sid, "name": name, "member_kind": np.nan, "member_id": np.nan})
    return pd.DataFrame(rows, columns=SET_COLUMNS) if rows else _empty(SET_COLUMNS)


def _apply_mapping_sets(codes: pd.DataFrame, sets: pd.DataFrame) -> pd.DataFrame:
    """Fill lebensbereich / wirkungsstufe from sets named 'lebensbereich:<id>' / 'wirkungsstufe:<n>'."""
    if sets.empty or codes.empty:
        return codes
    codes = codes.copy()
    for prefix, column in ((LEBENSBEREICH_SET, "lebensbereich"), (WIRKUNGSSTUFE_SET, "wirkungsstufe")):
        members = sets[sets["name"].astype(str).str.startswith(prefix) & (sets["member_kind"] == "code")]
        if members.empty:
            continue
        values = members.set_index("member_id")["name"].str[len(prefix):]
        mapped = codes["code_id"].map(values)
        if column == "wirkungsstufe":
            mapped = pd.to_numeric(mapped, errors="coerce")
        codes[column] = codes[column].where(mapped.isna(), mapped)
    codes["lebensbereich"] = codes["lebensbereich"].astype(object)
    codes["wirkungsstufe"] = pd.to_numeric(codes["wirkungsstufe"], errors="coerce").astype("Int64")
    return codes


def _variable_value(vv) -> tuple[str, object]:
    for tag, typ in (("TextValue", "Text"), ("IntegerValue", "Integer"), ("FloatValue", "Float"),
                     ("BooleanValue", "Boolean"), ("DateValue", "Date"), ("DateTimeValue", "DateTime")):
        el = vv.find(tag)
        if el is not None:
            raw = el.text
            if raw is None:
                return typ, np.nan
            if typ == "Integer":
                return typ, int(raw)
            if typ == "Float":
                return typ, float(raw)
            if typ == "Boolean":
                return typ, _bool(raw)
            return typ, raw
    return "Text", np.nan


_SOURCE_KINDS = {"TextSource": "text", "PDFSource": "pdf", "PictureSource": "picture",
                 "AudioSource": "audio", "VideoSource": "video"}


class _SourceFiles:
    """Finds a source's plain text in the archive whatever the folder's capitalisation."""

    def __init__(self, zf: zipfile.ZipFile | None, members: dict[str, zipfile.ZipInfo], file: str,
                 base: Path | None, limit: int):
        self.zf, self.file, self.base, self.limit = zf, file, base, limit
        self.by_lower = {k.lower(): v for k, v in members.items()}
        self.by_basename: dict[str, zipfile.ZipInfo] = {}
        for k, v in members.items():
            self.by_basename.setdefault(PurePosixPath(k).name.lower(), v)

    def read(self, ref: str | None) -> str | None:
        if not ref:
            return None
        if ref.startswith("internal://"):
            name = ref[len("internal://"):].replace("\\", "/").lstrip("/")
            if self.zf is None:
                return None
            info = self.by_lower.get(f"sources/{name}".lower()) or self.by_lower.get(name.lower()) \
                or self.by_basename.get(PurePosixPath(name).name.lower())
            if info is None:
                return None
            return _decode_text(_read_member(self.zf, info, self.file, self.limit), self.file, info.filename)
        # relative:// and absolute:// point outside the project; read them only next to a bare .qde
        if ref.startswith("relative://") and self.base is not None:
            candidate = (self.base / ref[len("relative://"):]).resolve()
            if self.base.resolve() in candidate.parents and candidate.is_file():
                return _decode_text(candidate.read_bytes(), self.file, str(candidate))
        return None


def _read_sources(root, files: _SourceFiles, file: str, users: dict[str, str]):
    sources, sels, var_rows = [], [], []
    sources_el = root.find("Sources")
    if sources_el is None:
        return _empty(SOURCE_COLUMNS), pd.DataFrame(columns=["source_id", "selection_id", "coding_id", "code_id",
                                                             "coder", "raw_start", "raw_end"]), var_rows
    for src in sources_el:
        kind = _SOURCE_KINDS.get(src.tag)
        if kind is None:
            continue
        sid = src.get("guid")
        if not sid:
            raise InputError("source without a guid", file=file, row=f"{src.tag} '{src.get('name')}'",
                             column="guid", expected="a GUID identifying the source")
        text_el = src
        if kind == "pdf":
            text_el = src.find("Representation")
        elif kind == "picture":
            text_el = src.find("TextDescription")
        text = None
        path = src.get("plainTextPath") or src.get("path") or src.get("richTextPath")
        if text_el is not None:
            content = text_el.find("PlainTextContent")
            if content is not None and content.text is not None:
                text = content.text
            else:
                text = files.read(text_el.get("plainTextPath"))
                if text is None and kind == "text" and text_el.get("plainTextPath"):
                    warnings.warn(f"{file}: plain text of source '{src.get('name')}' not found "
                                  f"({text_el.get('plainTextPath')}); its codings keep positions but no text",
                                  stacklevel=3)
        if kind == "text" and text is None and src.get("plainTextPath") is None and src.find("PlainTextContent") is not None:
            text = ""  # an empty element: a source with no text, not a missing one
        sources.append({"source_id": sid, "source_name": src.get("name") or np.nan, "kind": kind,
                        "path": path or np.nan, "text": text if text is not None else np.nan,
                        "n_chars": len(text) if text is not None else np.nan, "description": _desc(src)})
        for vv in src.findall("VariableValue"):
            ref = vv.find("VariableRef")
            typ, value = _variable_value(vv)
            var_rows.append({"entity": "source", "entity_id": sid,
                             "variable_id": ref.get("targetGUID") if ref is not None else np.nan,
                             "type": typ, "value": value})

        def add(sel, start, end, container_kind):
            sel_id = sel.get("guid")
            for coding in sel.findall("Coding"):
                ref = coding.find("CodeRef")
                if ref is None or not ref.get("targetGUID"):
                    raise InputError("coding without a CodeRef", file=file, row=f"selection {sel_id}",
                                     column="CodeRef", expected="<CodeRef targetGUID=...>")
                user = coding.get("creatingUser") or sel.get("creatingUser")
                sels.append({"source_id": sid, "selection_id": sel_id, "coding_id": coding.get("guid"),
                             "code_id": ref.get("targetGUID"), "coder": users.get(user, user) if user else np.nan,
                             "raw_start": start, "raw_end": end, "selection_kind": container_kind})

        for sel in (text_el.findall("PlainTextSelection") if text_el is not None else []):
            try:
                start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
            except (TypeError, ValueError):
                raise InputError("text selection without integer positions", file=file,
                                 row=f"PlainTextSelection {sel.get('guid')}", column="startPosition",
                                 expected="integers", found=(sel.get("startPosition"), sel.get("endPosition"))) from None
            if end < start:
                start, end = end, start  # some exporters write selections made backwards
            add(sel, start, end, "text")
        for tag in ("PDFSelection", "PictureSelection", "AudioSelection", "VideoSelection"):
            for sel in src.findall(tag):
                add(sel, np.nan, np.nan, tag)
        for coding in src.findall("Coding"):  # a coding of the whole source
            ref = coding.find("CodeRef")
            if ref is not None:
                user = coding.get("creatingUser")
                sels.append({"source_id": sid, "selection_id": np.nan, "coding_id": coding.get("guid"),
                             "code_id": ref.get("targetGUID"), "coder": users.get(user, user) if user else np.nan,
                             "raw_start": np.nan, "raw_end": np.nan, "selection_kind": "source"})
    src_df = pd.DataFrame(sources, columns=SOURCE_COLUMNS) if sources else _empty(SOURCE_COLUMNS)
    sel_df = pd.DataFrame(sels, columns=["source_id", "selection_id", "coding_id", "code_id", "coder",
                                         "raw_start", "raw_end", "selection_kind"])
    return src_df, sel_df, var_rows


def _resolve_positions(src_df: pd.DataFrame, sel_df: pd.DataFrame, positions, newlines, file: str):
    texts = {sid: t for sid, t in zip(src_df["source_id"], src_df["text"]) if isinstance(t, str)}
    text_sel = sel_df[sel_df["raw_start"].notna() & sel_df["source_id"].isin(list(texts))]
    if positions == "auto" or newlines == "auto":
        unit_opts = [positions] if positions != "auto" else ["codepoints", "utf16", "utf8"]
        nl_opts = [newlines] if newlines != "auto" else ["as_is", "crlf_as_one"]
        candidates = [c for c in CONVENTIONS if c[0] in unit_opts and c[1] in nl_opts] or [(unit_opts[0], nl_opts[0])]
        # conventions that count every character of these texts alike need no scoring
        coded = [texts[sid] for sid in pd.unique(text_sel["source_id"])]
        astral = any(max(t, default="\0") > "\uffff" for t in coded)
        crlf = any("\r\n" in t for t in coded)
        ascii_only = all(t.isascii() for t in coded)
        distinct = [c for c in candidates
                    if (c[0] != "utf16" or astral) and (c[1] != "crlf_as_one" or crlf) and (c[0] != "utf8" or not ascii_only)]
        candidates = distinct or candidates[:1]
        if text_sel.empty or len(candidates) == 1:
            convention = candidates[0]
        else:
            convention = _detect_among(texts, text_sel, candidates)
    else:
        convention = (positions, newlines)
    start = np.full(len(sel_df), np.nan)
    end = np.full(len(sel_df), np.nan)
    seg = np.full(len(sel_df), np.nan, dtype=object)
    problems = []
    pos_of = {lab: i for i, lab in enumerate(sel_df.index)}
    for sid, grp in text_sel.groupby("source_id", sort=False):
        text = texts[sid]
        w = _unit_weights(text, *convention)
        s, ok_s = _to_codepoints(grp["raw_start"].to_numpy(np.int64), w)
        e, ok_e = _to_codepoints(grp["raw_end"].to_numpy(np.int64), w)
        total = int(w.sum())
        too_far = (grp["raw_end"].to_numpy() > total) | (grp["raw_start"].to_numpy() < 0)
        if too_far.any():
            bad = grp[too_far].iloc[0]
            problems.append((bad, total))
        idx = [pos_of[lab] for lab in grp.index]
        start[idx] = np.where(too_far, np.nan, s)
        end[idx] = np.where(too_far, np.nan, e)
        seg[idx] = [text[a:b] if not f else np.nan for a, b, f in zip(s.tolist(), e.tolist(), too_far.tolist())]
    if problems:
        bad, total = problems[0]
        raise InputError(f"{len(problems)} source(s) with a selection beyond the end of the text",
                         file=file, row=f"selection {bad['selection_id']}", column="endPosition",
                         expected=f"positions within 0..{total} ({convention[0]}, line breaks {convention[1]})",
                         found=(bad["raw_start"], bad["raw_end"]))
    return start, end, seg, convention


def _detect_among(texts, sels, candidates):
    scores = {}
    sample = sels.groupby("source_id", sort=False).head(400).head(4000)
    for conv in candidates:
        total = 0
        for sid, grp in sample.groupby("source_id", sort=False):
            text = texts[sid]
            w = _unit_weights(text, *conv)
            s, ok_s = _to_codepoints(grp["raw_start"].to_numpy(np.int64), w)
            e, ok_e = _to_codepoints(grp["raw_end"].to_numpy(np.int64), w)
            s = np.where(ok_s, s, -1)
            e = np.where(ok_e & (grp["raw_end"].to_numpy() <= w.sum()), e, len(text) + 1)
            total += _boundary_score(text, s, e)
        scores[conv] = total
    best = max(scores.values())
    return next(c for c in candidates if scores[c] == best)


def read_project(
    path: str | Path,
    *,
    positions: Literal["auto", "codepoints", "utf16", "utf8"] = "auto",
    newlines: Literal["auto", "as_is", "crlf_as_one"] = "auto",
    max_uncompressed: int = 2_000_000_000,
    max_ratio: float = 200.0,
) -> QdaProject:
    """Read a REFI-QDA ``.qdpx`` archive, a bare ``.qde`` project or a ``.qdc`` code book.

    ``positions`` / ``newlines`` say how the exporter counted selection positions (see the module
    docstring); ``"auto"`` detects it. Sources without plain text (PDF, pictures, audio, video)
    are listed with ``text`` NaN, their codings kept with NaN positions. Raises
    :class:`~evaluation.errors.InputError` for a missing or unsafe file, malformed XML, unsafe
    archive members, or a selection beyond its text.

    >>> p = read_project("tests/data/x.qdpx")            # doctest: +SKIP
    >>> (p.codings["text"] == [t[s:e] for t, s, e in zip(
    ...     p.codings["source_id"].map(p.sources.set_index("source_id")["text"]),
    ...     p.codings["start"], p.codings["end"])]).all()  # doctest: +SKIP
    True
    """
    path = Path(path)
    file = str(path)
    if not path.is_file():
        raise InputError("file not found", file=file, expected="a .qdpx, .qde or .qdc file")
    suffix = path.suffix.lower()
    zf = None
    members: dict[str, zipfile.ZipInfo] = {}
    try:
        if zipfile.is_zipfile(path):
            zf = zipfile.ZipFile(path)
            members = _safe_members(zf, file, max_uncompressed, max_ratio)
            qde = [m for m in members if m.lower().endswith(".qde") and "/" not in m.strip("/")] or \
                  [m for m in members if m.lower().endswith(".qde")]
            if not qde:
                raise InputError("no project.qde in the archive", file=file,
                                 expected="a REFI-QDA .qdpx with project.qde at its root", found=sorted(members)[:10])
            data = _read_member(zf, members[qde[0]], file, max_uncompressed)
        else:
            if suffix == ".qdpx":
                raise InputError("not a zip archive", file=file, expected="a .qdpx (zip with project.qde)")
            data = path.read_bytes()
        root = _parse_xml(data, file)
        if root.tag == "CodeBook":
            codes = _read_codes(root, file)
            sets = _read_sets(root, member_attr="guid")
            codes = _apply_mapping_sets(codes, sets)
            return QdaProject(codes=codes, sources=_empty(SOURCE_COLUMNS), codings=_empty(CODING_COLUMNS),
                              cases=_empty(CASE_COLUMNS), users=_empty(USER_COLUMNS),
                              variables=_empty(VARIABLE_COLUMNS), sets=sets, name=path.stem,
                              origin=root.get("origin"))
        if root.tag != "Project":
            raise InputError(f"unexpected root element <{root.tag}>", file=file,
                             expected="<Project> (QDA-XML project) or <CodeBook> (QDA-XML code book)")
        users_el = root.find("Users")
        user_rows = [{"user_id": u.get("guid"), "name": u.get("name") or np.nan}
                     for u in (users_el.findall("User") if users_el is not None else [])]
        users = pd.DataFrame(user_rows, columns=USER_COLUMNS) if user_rows else _empty(USER_COLUMNS)
        user_names = {u["user_id"]: (u["name"] if isinstance(u["name"], str) else u["user_id"]) for u in user_rows}
        codes = _read_codes(root.find("CodeBook"), file)
        files = _SourceFiles(zf, members, file, None if zf is not None else path.parent, max_uncompressed)
        src_df, sel_df, var_rows = _read_sources(root, files, file, user_names)
    finally:
        if zf is not None:
            zf.close()

    # variables: definitions, then case values
    var_defs = {}
    vars_el = root.find("Variables")
    for v in (vars_el.findall("Variable") if vars_el is not None else []):
        var_defs[v.get("guid")] = (v.get("name"), v.get("typeOfVariable"))
    cases_rows, member_rows = [], []
    cases_el = root.find("Cases")
    for c in (cases_el.findall("Case") if cases_el is not None else []):
        cid = c.get("guid")
        cases_rows.append({"case_id": cid, "name": c.get("name") or np.nan, "description": _desc(c)})
        for vv in c.findall("VariableValue"):
            ref = vv.find("VariableRef")
            typ, value = _variable_value(vv)
            var_rows.append({"entity": "case", "entity_id": cid,
                             "variable_id": ref.get("targetGUID") if ref is not None else np.nan,
                             "type": typ, "value": value})
        for sr in c.findall("SourceRef"):
            member_rows.append({"case_id": cid, "source_id": sr.get("targetGUID"), "selection_id": np.nan})
        for sr in c.findall("SelectionRef"):
            member_rows.append({"case_id": cid, "source_id": np.nan, "selection_id": sr.get("targetGUID")})
    variables = pd.DataFrame(
        [{"entity": r["entity"], "entity_id": r["entity_id"],
          "variable": var_defs.get(r["variable_id"], (r["variable_id"], None))[0],
          "type": var_defs.get(r["variable_id"], (None, r["type"]))[1] or r["type"], "value": r["value"]}
         for r in var_rows], columns=VARIABLE_COLUMNS) if var_rows else _empty(VARIABLE_COLUMNS)
    cases = pd.DataFrame(cases_rows, columns=CASE_COLUMNS) if cases_rows else _empty(CASE_COLUMNS)
    case_members = pd.DataFrame(member_rows, columns=CASE_MEMBER_COLUMNS) if member_rows else _empty(CASE_MEMBER_COLUMNS)
    sets = _read_sets(root, member_attr="targetGUID")
    codes = _apply_mapping_sets(codes, sets)

    unknown = ~sel_df["code_id"].isin(set(codes["code_id"]))
    if unknown.any():
        bad = sel_df[unknown].iloc[0]
        raise InputError(f"{int(unknown.sum())} coding(s) refer to a code that is not in the code book",
                         file=file, row=f"selection {bad['selection_id']}", column="CodeRef",
                         expected="a targetGUID of a <Code>", found=bad["code_id"])
    start, end, seg, convention = _resolve_positions(src_df, sel_df, positions, newlines, file)
    names = src_df.set_index("source_id")["source_name"]
    codings = pd.DataFrame({
        "project": root.get("name") or path.stem,
        "source_id": sel_df["source_id"].to_numpy(object),
        "source_name": sel_df["source_id"].map(names).to_numpy(object),
        "case_id": np.nan,
        "coder": sel_df["coder"].to_numpy(object),
        "code_id": sel_df["code_id"].to_numpy(object),
        "start": pd.array(start, dtype="Int64") if len(start) else pd.array([], dtype="Int64"),
        "end": pd.array(end, dtype="Int64") if len(end) else pd.array([], dtype="Int64"),
        "text": seg,
        "selection_id": sel_df["selection_id"].to_numpy(object),
        "coding_id": sel_df["coding_id"].to_numpy(object),
        "raw_start": pd.array(sel_df["raw_start"].to_numpy(float), dtype="Int64") if len(sel_df) else pd.array([], dtype="Int64"),
        "raw_end": pd.array(sel_df["raw_end"].to_numpy(float), dtype="Int64") if len(sel_df) else pd.array([], dtype="Int64"),
    }, columns=CODING_COLUMNS)
    if not case_members.empty and not codings.empty:
        by_sel = case_members.dropna(subset=["selection_id"]).drop_duplicates("selection_id").set_index("selection_id")["case_id"]
        by_src = case_members.dropna(subset=["source_id"]).drop_duplicates("source_id").set_index("source_id")["case_id"]
        case_id = codings["selection_id"].map(by_sel)
        codings["case_id"] = case_id.where(case_id.notna(), codings["source_id"].map(by_src))
    codings["case_id"] = codings["case_id"].astype(object)
    return QdaProject(codes=codes, sources=src_df, codings=codings, cases=cases, users=users,
                      variables=variables, sets=sets, case_members=case_members,
                      name=root.get("name") or path.stem, origin=root.get("origin"),
                      position_convention=convention)


# ----------------------------------------------------------------------------------------------
# writing
# ----------------------------------------------------------------------------------------------

@lru_cache(maxsize=65536)
def refi_guid(kind: str, identifier: str) -> str:
    """The GUID under which an identifier is written to REFI-QDA: kept if it is a GUID already,
    otherwise a stable UUID-5 of (kind, identifier), so repeated exports give the same GUIDs."""
    identifier = str(identifier)
    if len(identifier) in (36, 38) and _GUID.match(identifier):
        return identifier.strip("{}")
    # uuid.uuid5 computed directly (RFC 4122 section 4.3): same value, a third of the time
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + f"{kind}:{identifier}".encode("utf-8")).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _iso(dt: datetime | None = None) -> str:
    return (dt or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _is_missing(v) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA


def _code_elements(E, parent_el, codes: pd.DataFrame, ns_tag):
    children: dict[object, list[dict]] = {}
    ids = set(codes["code_id"].astype(str))
    for rec in codes.to_dict("records"):
        parent = rec.get("parent_id")
        key = None if _is_missing(parent) or str(parent) not in ids else str(parent)
        children.setdefault(key, []).append(rec)

    def add(el, key, seen):
        for rec in children.get(key, []):
            cid = str(rec["code_id"])
            if cid in seen:
                raise InputError("the code book's parent links form a cycle", row=cid, column="parent_id",
                                 expected="a tree")
            attrs = {"guid": refi_guid("code", cid), "name": str(rec["name"]),
                     "isCodable": "false" if rec.get("is_codable") is False else "true"}
            color = rec.get("color")
            if isinstance(color, str) and re.fullmatch(r"#([A-Fa-f0-9]{6}|[A-Fa-f0-9]{3})", color):
                attrs["color"] = color
            code_el = E.SubElement(el, ns_tag("Code"), attrs)
            desc = rec.get("description")
            if isinstance(desc, str) and desc:
                E.SubElement(code_el, ns_tag("Description")).text = desc
            add(code_el, cid, seen | {cid})

    add(parent_el, None, frozenset())


def _mapping_sets(codes: pd.DataFrame) -> list[tuple[str, list[str]]]:
    out = []
    for prefix, column in ((LEBENSBEREICH_SET, "lebensbereich"), (WIRKUNGSSTUFE_SET, "wirkungsstufe")):
        if column not in codes.columns:
            continue
        valid = codes[codes[column].notna()]
        for value, grp in valid.groupby(column, sort=True):
            label = str(int(value)) if column == "wirkungsstufe" else str(value)
            out.append((f"{prefix}{label}", [refi_guid("code", c) for c in grp["code_id"].astype(str)]))
    return out


def _validate_xsd(xml_bytes: bytes, schema: str | Path) -> None:
    from lxml import etree

    xsd = etree.XMLSchema(etree.parse(str(schema)))
    doc = etree.fromstring(xml_bytes)
    if not xsd.validate(doc):
        errors = [f"line {e.line}: {e.message}" for e in list(xsd.error_log)[:5]]
        raise InputError("the written project does not validate against the REFI-QDA schema",
                         file=str(schema), expected="a schema-valid document", found="; ".join(errors))


def _selections_by_source(codings: pd.DataFrame) -> dict:
    """source_id -> {selection key -> [(start, end, code_id, coder, coding_id), ...]} in one pass.

    Codings of the same selection (same selection_id, or same source, start and end where the
    table has no selection ids) share one PlainTextSelection; codings without positions are
    skipped (they have no place in a text selection)."""
    out: dict = {}
    if not len(codings):
        return out
    n = len(codings)
    col = lambda c: codings[c].tolist() if c in codings.columns else [np.nan] * n  # noqa: E731
    for sid, sel, start, end, code, coder, cid in zip(col("source_id"), col("selection_id"), col("start"), col("end"),
                                                      col("code_id"), col("coder"), col("coding_id")):
        if _is_missing(start) or _is_missing(end):
            continue
        start, end = int(start), int(end)
        key = sel if isinstance(sel, str) else f"{sid}:{start}:{end}"
        out.setdefault(sid, {}).setdefault(key, []).append((start, end, str(code), coder, cid))
    return out


def write_project(project: QdaProject, path: str | Path, *, schema: str | Path | None = None,
                  created: datetime | None = None,
                  user: str | None = None) -> Path:
    """Write ``project`` as a REFI-QDA ``.qdpx`` (project + sources), ``.qde`` or ``.qdc`` (code book).

    Identifiers that are not GUIDs become stable UUID-5 GUIDs (:func:`refi_guid`); names, paths,
    texts, positions (code points of the plain text, UTF-8 without BOM, as the standard says),
    coders, cases, source and case variables and the Lebensbereich / Wirkungsstufe mapping (as sets
    named ``lebensbereich:<id>`` and ``wirkungsstufe:<n>``) survive a round trip through
    :func:`read_project`. With ``schema`` (``Project-mrt2019.xsd`` or ``Codebook.xsd``) the XML is
    validated with lxml before anything is written. Returns the path written.
    """
    from lxml import etree as E

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".qdpx", ".qde", ".qdc"):
        raise InputError("unknown REFI-QDA file type", file=str(path), expected=".qdpx, .qde or .qdc",
                         found=path.suffix)
    if suffix == ".qdc":
        ns = CODEBOOK_NS
        q = lambda t: f"{{{ns}}}{t}"  # noqa: E731
        root = E.Element(q("CodeBook"), nsmap={None: ns}, origin="evaluation workbench")
        codes_el = E.SubElement(root, q("Codes"))
        _code_elements(E, codes_el, project.codes, q)
        sets = _mapping_sets(project.codes)
        if sets:
            sets_el = E.SubElement(root, q("Sets"))
            for name, members in sets:
                s = E.SubElement(sets_el, q("Set"), guid=refi_guid("set", name), name=name)
                for m in members:
                    E.SubElement(s, q("MemberCode"), guid=m)
        xml = E.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
        if schema is not None:
            _validate_xsd(xml, schema)
        path.write_bytes(xml)
        return path

    ns = PROJECT_NS
    q = lambda t: f"{{{ns}}}{t}"  # noqa: E731
    now = _iso(created)  # a fixed ``created`` makes the export byte-identical between runs
    codings = project.codings
    coders = [str(c) for c in pd.unique(codings["coder"].dropna())] if "coder" in codings else []
    user_rows = project.users.to_dict("records")
    name_to_user = {}
    for u in user_rows:
        uname = u["name"] if isinstance(u.get("name"), str) else str(u["user_id"])
        name_to_user[uname] = refi_guid("user", u["user_id"])
    for c in coders + ([user] if user else []):
        name_to_user.setdefault(c, refi_guid("user", c))
    default_user = name_to_user.get(user) if user else (next(iter(name_to_user.values())) if name_to_user else None)
    attrs = {"name": project.name or "project", "origin": "evaluation workbench", "creationDateTime": now,
             "modifiedDateTime": now}
    if default_user:
        attrs["creatingUserGUID"] = default_user
        attrs["modifyingUserGUID"] = default_user
    root = E.Element(q("Project"), nsmap={None: ns}, **attrs)
    if name_to_user:
        users_el = E.SubElement(root, q("Users"))
        for uname, guid in name_to_user.items():
            E.SubElement(users_el, q("User"), guid=guid, name=uname)
    if len(project.codes):
        cb = E.SubElement(root, q("CodeBook"))
        _code_elements(E, E.SubElement(cb, q("Codes")), project.codes, q)

    # variables
    variables = project.variables
    var_guid: dict[str, str] = {}
    if len(variables):
        vars_el = E.SubElement(root, q("Variables"))
        for vname, grp in variables.groupby("variable", sort=False):
            typ = str(grp["type"].dropna().iloc[0]) if grp["type"].notna().any() else "Text"
            if typ not in ("Text", "Boolean", "Integer", "Float", "Date", "DateTime"):
                typ = "Text"
            var_guid[str(vname)] = refi_guid("variable", vname)
            E.SubElement(vars_el, q("Variable"), guid=var_guid[str(vname)], name=str(vname), typeOfVariable=typ)

    values_of: dict[tuple[str, str], list[dict]] = {}
    for rec in variables.to_dict("records"):
        values_of.setdefault((str(rec["entity"]), str(rec["entity_id"])), []).append(rec)

    def add_values(el, entity, entity_id):
        for rec in values_of.get((entity, str(entity_id)), []):
            vv = E.SubElement(el, q("VariableValue"))
            E.SubElement(vv, q("VariableRef"), targetGUID=var_guid[str(rec["variable"])])
            typ = rec["type"] if rec["type"] in ("Text", "Boolean", "Integer", "Float", "Date", "DateTime") else "Text"
            if _is_missing(rec["value"]):
                continue
            value = rec["value"]
            if typ == "Boolean":
                value = "true" if value else "false"
            elif typ == "Integer":
                value = str(int(value))
            E.SubElement(vv, q(f"{typ}Value")).text = str(value)

    if len(project.cases):
        cases_el = E.SubElement(root, q("Cases"))
        for rec in project.cases.to_dict("records"):
            cid = rec["case_id"]
            attrs = {"guid": refi_guid("case", cid)}
            attrs["name"] = str(rec["name"]) if isinstance(rec.get("name"), str) else str(cid)
            c_el = E.SubElement(cases_el, q("Case"), attrs)
            if isinstance(rec.get("description"), str):
                E.SubElement(c_el, q("Description")).text = rec["description"]
            add_values(c_el, "case", cid)
            members = project.case_members[project.case_members["case_id"].astype(str) == str(cid)]
            for sid in members["source_id"].dropna():
                E.SubElement(c_el, q("SourceRef"), targetGUID=refi_guid("source", sid))
            for sel in members["selection_id"].dropna():
                E.SubElement(c_el, q("SelectionRef"), targetGUID=refi_guid("selection", sel))

    text_files: dict[str, str] = {}
    if len(project.sources):
        sources_el = E.SubElement(root, q("Sources"))
        by_source = _selections_by_source(codings)
        for rec in project.sources.to_dict("records"):
            sid = str(rec["source_id"])
            guid = refi_guid("source", sid)
            kind = rec.get("kind") if isinstance(rec.get("kind"), str) else "text"
            text = rec.get("text")
            tag = {"text": "TextSource", "pdf": "PDFSource", "picture": "PictureSource",
                   "audio": "AudioSource", "video": "VideoSource"}.get(kind, "TextSource")
            attrs = {"guid": guid}
            if isinstance(rec.get("source_name"), str):
                attrs["name"] = rec["source_name"]
            if tag == "TextSource" and isinstance(text, str):
                attrs["plainTextPath"] = f"internal://{guid}.txt"
                text_files[f"sources/{guid}.txt"] = text
            elif tag != "TextSource" and isinstance(rec.get("path"), str):
                attrs["path"] = rec["path"]
            s_el = E.SubElement(sources_el, q(tag), attrs)
            if isinstance(rec.get("description"), str):
                E.SubElement(s_el, q("Description")).text = rec["description"]
            selections = by_source.get(rec["source_id"], {})
            if tag == "TextSource":
                n_chars = len(text) if isinstance(text, str) else -1
                for sel_key, items in selections.items():
                    start, end = items[0][0], items[0][1]
                    if end > n_chars:
                        raise InputError("coding ends beyond its source text", row=f"source {sid}",
                                         column="end", expected=f"at most {max(n_chars, 0)}", found=end)
                    sel_attrs = {"guid": refi_guid("selection", sel_key), "name": "",
                                 "startPosition": str(start), "endPosition": str(end)}
                    coder0 = items[0][3]
                    if isinstance(coder0, str):
                        sel_attrs["creatingUser"] = name_to_user[coder0]
                    sel_el = E.SubElement(s_el, q("PlainTextSelection"), sel_attrs)
                    for i, (_, _, code_id, coder, coding_id) in enumerate(items):
                        c_attrs = {"guid": refi_guid("coding", coding_id if isinstance(coding_id, str)
                                                     else f"{sel_key}:{code_id}:{coder}:{i}")}
                        if isinstance(coder, str):
                            c_attrs["creatingUser"] = name_to_user[coder]
                            c_attrs["creationDateTime"] = now
                        cod_el = E.SubElement(sel_el, q("Coding"), c_attrs)
                        E.SubElement(cod_el, q("CodeRef"), targetGUID=refi_guid("code", code_id))
            add_values(s_el, "source", sid)

    set_rows = [s for s in project.sets.to_dict("records")
                if not str(s["name"]).startswith((LEBENSBEREICH_SET, WIRKUNGSSTUFE_SET))] if len(project.sets) else []
    mapping = _mapping_sets(project.codes)
    if set_rows or mapping:
        sets_el = E.SubElement(root, q("Sets"))
        grouped: dict[str, tuple[str, list]] = {}
        for s in set_rows:
            grouped.setdefault(str(s["set_id"]), (str(s["name"]), []))[1].append(s)
        for set_id, (name, members) in grouped.items():
            s_el = E.SubElement(sets_el, q("Set"), guid=refi_guid("set", set_id), name=name)
            for kind, tag in (("code", "MemberCode"), ("source", "MemberSource"), ("note", "MemberNote")):
                for m in members:
                    if m["member_kind"] == kind:
                        E.SubElement(s_el, q(tag), targetGUID=refi_guid(kind, m["member_id"]))
        for name, members in mapping:
            s_el = E.SubElement(sets_el, q("Set"), guid=refi_guid("set", name), name=name)
            for m in members:
                E.SubElement(s_el, q("MemberCode"), targetGUID=m)

    xml = E.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
    if schema is not None:
        _validate_xsd(xml, schema)
    if suffix == ".qde":
        path.write_bytes(xml)
        return path
    tmp = path.with_name(path.name + ".part")
    stamp = (created or datetime.now()).timetuple()[:6]

    def entry(name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        return info

    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(entry("project.qde"), xml)
        for name, text in sorted(text_files.items()):
            zf.writestr(entry(name), text.encode("utf-8"))
    tmp.replace(path)
    return path


def project_from_tables(
    codebook: pd.DataFrame,
    sources: pd.DataFrame,
    codings: pd.DataFrame,
    *,
    name: str = "Musterdaten",
    cases: pd.DataFrame | None = None,
) -> QdaProject:
    """Build a :class:`QdaProject` from tidy tables so they can be written with :func:`write_project`.

    ``codebook`` follows the ``codebook`` contract; ``sources`` has source_id, source_name, text and
    optionally municipality_id, year, case_id, kind and further metadata (case_id becomes case
    membership, every other column a source variable, so :meth:`QdaProject.source_table` gives the
    table back after a round trip);
    ``codings`` follows the ``codings`` contract with ``start``/``end`` as code-point offsets into
    the source text. Codings whose ``text`` differs from the source text at their positions are an
    :class:`InputError` (the positions would point to the wrong words in the QDA tool).
    """
    from ..contracts import validate

    codebook = validate(codebook.copy(), "codebook")
    codings = validate(codings.copy(), "codings")
    for col in ("source_id", "text"):
        if col not in sources.columns:
            raise InputError(f"sources table lacks column '{col}'", column=col,
                             expected="columns source_id, source_name, text[, municipality_id, year, case_id]")
    known_codes = set(codebook["code_id"].astype(str))
    bad = ~codings["code_id"].astype(str).isin(known_codes)
    if bad.any():
        raise InputError("coding refers to a code that is not in the code book", row=int(np.flatnonzero(bad)[0]),
                         column="code_id", expected="a code_id of the code book", found=codings.loc[bad, "code_id"].iloc[0])
    texts = dict(zip(sources["source_id"].astype(str), sources["text"]))
    missing_src = ~codings["source_id"].astype(str).isin(set(texts))
    if missing_src.any():
        raise InputError("coding refers to a source that is not in the sources table",
                         row=int(np.flatnonzero(missing_src)[0]), column="source_id",
                         expected="a source_id of the sources table", found=codings.loc[missing_src, "source_id"].iloc[0])
    for i, (sid, s, e, t) in enumerate(zip(codings["source_id"].astype(str), codings["start"], codings["end"], codings["text"])):
        if _is_missing(s) or _is_missing(e) or not isinstance(t, str):
            continue
        src_text = texts[sid]
        if not isinstance(src_text, str) or src_text[int(s):int(e)] != t:
            raise InputError("coding text differs from the source text at its positions", row=i, column="text",
                             expected=repr(src_text[int(s):int(e)][:60]) if isinstance(src_text, str) else "a text source",
                             found=t[:60])
    codes = codebook.copy()
    if "path" not in codes or codes["path"].isna().any():
        from ..qualitative.codebook import code_paths
        codes["path"] = code_paths(codes)
    for col, default in (("is_codable", True), ("color", np.nan), ("description", np.nan), ("depth", np.nan)):
        if col not in codes:
            codes[col] = default
    codes = codes[CODE_COLUMNS]
    src = pd.DataFrame({
        "source_id": sources["source_id"].astype(str), "source_name": sources.get("source_name", sources["source_id"]),
        "kind": sources.get("kind", "text") if "kind" in sources else "text", "path": np.nan,
        "text": sources["text"], "n_chars": sources["text"].map(lambda t: len(t) if isinstance(t, str) else np.nan),
        "description": np.nan})
    src["kind"] = src["kind"].where(src["kind"].isin(list(_SOURCE_KINDS.values())), "text")
    var_rows = []
    skip = {"source_id", "source_name", "text", "case_id", "path", "description", "n_chars"}
    for col in [c for c in sources.columns if c not in skip]:
        series = sources[col]
        if pd.api.types.is_bool_dtype(series):
            typ = "Boolean"
        elif pd.api.types.is_integer_dtype(series) or col == "year":
            typ = "Integer"
        elif pd.api.types.is_float_dtype(series):
            typ = "Integer" if series.dropna().mod(1).eq(0).all() and col in ("year", "wave") else "Float"
        else:
            typ = "Text"
        for sid, v in zip(sources["source_id"].astype(str), series):
            if not _is_missing(v):
                value = int(v) if typ == "Integer" else bool(v) if typ == "Boolean" else float(v) if typ == "Float" else str(v)
                var_rows.append({"entity": "source", "entity_id": sid, "variable": col, "type": typ, "value": value})
    variables = pd.DataFrame(var_rows, columns=VARIABLE_COLUMNS) if var_rows else _empty(VARIABLE_COLUMNS)
    members = _empty(CASE_MEMBER_COLUMNS)
    case_df = _empty(CASE_COLUMNS)
    if "case_id" in sources:
        m = sources[sources["case_id"].notna()]
        members = pd.DataFrame({"case_id": m["case_id"].astype(str), "source_id": m["source_id"].astype(str),
                                "selection_id": np.nan})
        ids = pd.unique(members["case_id"])
        case_df = pd.DataFrame({"case_id": ids, "name": ids, "description": np.nan})
    if cases is not None:
        case_df = cases.reindex(columns=CASE_COLUMNS).copy()
        case_df["name"] = case_df["name"].where(case_df["name"].notna(), case_df["case_id"])
    cod = codings.copy()
    cod["project"] = name
    for col in CODING_COLUMNS:
        if col not in cod:
            cod[col] = np.nan
    return QdaProject(codes=codes.reset_index(drop=True), sources=src.reset_index(drop=True),
                      codings=cod[CODING_COLUMNS].reset_index(drop=True), cases=case_df, users=_empty(USER_COLUMNS),
                      variables=variables, case_members=members, name=name, origin="evaluation workbench")


__all__ = ["QdaProject", "read_project", "write_project", "project_from_tables", "refi_guid", "CONVENTIONS"]
