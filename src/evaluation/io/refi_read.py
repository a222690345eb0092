"""Read REFI-QDA projects (``.qdpx``, ``.qde``) and code books (``.qdc``) into a :class:`QdaProject`.

The format, the selection-position conventions and the safety rules are described in
:mod:`evaluation.io.refi`; this module holds the reader: archive and XML safety, mapping exporter
positions to code points, and the element walkers.

Limits, each an :class:`~evaluation.errors.InputError` naming the file and the member or element
(all configurable through :func:`read_project`): ``project.qde`` above ``max_xml_bytes`` (default
:data:`MAX_XML_BYTES`), a source text above ``max_text_bytes`` (:data:`MAX_TEXT_BYTES`; decoding
and position mapping cost about 20 times a text's size), code books nested deeper than
:data:`MAX_CODE_DEPTH` levels, positions beyond :data:`MAX_POSITION`, and documents declared in
UTF-7 (whose markup a byte scan cannot see).
"""

from __future__ import annotations

import re
import warnings
import zipfile
from pathlib import Path, PurePosixPath
from typing import Literal

import numpy as np
import pandas as pd
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from ..errors import InputError
from .refi_model import (
    _SOURCE_KINDS,
    CASE_COLUMNS,
    CASE_MEMBER_COLUMNS,
    CODE_COLUMNS,
    CODING_COLUMNS,
    CONVENTIONS,
    LEBENSBEREICH_SET,
    SET_COLUMNS,
    SOURCE_COLUMNS,
    USER_COLUMNS,
    VARIABLE_COLUMNS,
    WIRKUNGSSTUFE_SET,
    QdaProject,
    _empty,
)

#: largest project.qde read (bytes)
MAX_XML_BYTES = 500_000_000
#: largest plain text of one source read (bytes)
MAX_TEXT_BYTES = 50_000_000
#: deepest code book (levels of nested <Code> elements)
MAX_CODE_DEPTH = 100
#: largest selection position accepted (no text of this workbench comes near it; beyond int64 is an error)
MAX_POSITION = 2**53


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
    """Read a member, stopping when it yields more bytes than its header claims (forged sizes).

    A member whose header says it is larger than ``limit`` is refused, not read (and never cut)."""
    if info.file_size > limit:
        raise InputError("archive member larger than the size limit", file=file, row=info.filename,
                         expected=f"at most {limit:,} bytes (raise the read_project limit to read it)",
                         found=info.file_size)
    with zf.open(info) as fh:
        data = fh.read(info.file_size + 1)
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
    declaration = data[:200].lstrip(b"\xef\xbb\xbf")
    if re.match(rb"<\?xml[^>]*encoding\s*=\s*[\"']\s*(utf-?7|csunicode11utf7|unicode-1-1-utf-7)", declaration, re.I):
        raise InputError("XML declared in UTF-7 refused (its markup is invisible to safety checks)", file=file,
                         expected="a QDA-XML document in UTF-8 (or UTF-16)")
    try:
        return _parse_xml_checked(data, file)
    except (ValueError, LookupError, UnicodeError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"XML cannot be decoded ({type(exc).__name__}: {exc})", file=file,
                         expected="a QDA-XML document in UTF-8 (or UTF-16)") from None


def _parse_xml_checked(data: bytes, file: str):
    head = data.lstrip()[:4]
    ascii_compatible = not (head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head)
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
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
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

    # depth-first in document order with an explicit stack: no recursion limit, and a depth limit
    stack = [(code, np.nan, "", 0) for code in reversed(codes_el.findall("Code"))]
    while stack:
        code, parent, path, depth = stack.pop()
        guid = code.get("guid")
        name = code.get("name")
        if depth >= MAX_CODE_DEPTH:
            raise InputError(f"the code book is nested more than {MAX_CODE_DEPTH} levels deep", file=file,
                             row=f"Code '{(name or '')[:60]}' ({guid})", column="Code",
                             expected=f"at most {MAX_CODE_DEPTH} levels of nested codes")
        if not guid:
            raise InputError("code without a guid", file=file, row=f"Code '{name}'", column="guid",
                             expected="a GUID identifying the code")
        name = name if name is not None else ""
        p = f"{path}/{name}" if path else name
        rows.append({"code_id": guid, "parent_id": parent, "name": name, "path": p,
                     "lebensbereich": np.nan, "wirkungsstufe": np.nan,
                     "is_codable": _bool(code.get("isCodable")), "color": code.get("color") or np.nan,
                     "description": _desc(code), "depth": depth})
        stack.extend((child, guid, p, depth + 1) for child in reversed(code.findall("Code")))
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
                if candidate.stat().st_size > self.limit:
                    raise InputError("source text larger than the size limit", file=self.file, row=str(candidate),
                                     expected=f"at most {self.limit:,} bytes", found=candidate.stat().st_size)
                return _decode_text(candidate.read_bytes(), self.file, str(candidate))
        return None


def _read_sources(root, files: _SourceFiles, file: str, users: dict[str, str]):
    sources: list[dict] = []
    sels: list[dict] = []
    var_rows: list[dict] = []
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

        def add(sel, start, end, container_kind, sid=sid):
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
            raw_pos = (sel.get("startPosition"), sel.get("endPosition"))
            try:
                if any(v is not None and len(v) > 30 for v in raw_pos):
                    raise ValueError("too many digits")
                start, end = int(raw_pos[0]), int(raw_pos[1])  # type: ignore[arg-type]
            except (TypeError, ValueError):
                raise InputError("text selection without integer positions", file=file,
                                 row=f"PlainTextSelection {sel.get('guid')}", column="startPosition",
                                 expected="integers", found=raw_pos) from None
            if not (-MAX_POSITION <= start <= MAX_POSITION and -MAX_POSITION <= end <= MAX_POSITION):
                raise InputError("text selection with a position far beyond any text", file=file,
                                 row=f"PlainTextSelection {sel.get('guid')}", column="startPosition",
                                 expected=f"positions between 0 and the text's length (< {MAX_POSITION:,})",
                                 found=raw_pos)
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
        s, _ = _to_codepoints(grp["raw_start"].to_numpy(np.int64), w)
        e, _ = _to_codepoints(grp["raw_end"].to_numpy(np.int64), w)
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
    max_xml_bytes: int = MAX_XML_BYTES,
    max_text_bytes: int = MAX_TEXT_BYTES,
) -> QdaProject:
    """Read a REFI-QDA ``.qdpx`` archive, a bare ``.qde`` project or a ``.qdc`` code book.

    ``positions`` / ``newlines`` say how the exporter counted selection positions (see the module
    docstring); ``"auto"`` detects it. ``max_uncompressed`` / ``max_ratio`` bound the archive as a
    whole, ``max_xml_bytes`` the project XML and ``max_text_bytes`` each source's plain text (see
    the module docstring). Sources without plain text (PDF, pictures, audio, video)
    are listed with ``text`` NaN, their codings kept with NaN positions. Raises
    :class:`~evaluation.errors.InputError` for a missing or unsafe file, malformed XML, unsafe
    archive members, or a selection beyond its text.

    >>> from pathlib import Path
    >>> p = read_project(Path(__file__).parents[3] / "tests/data/fixtures/refi/nvivo_win_oltas.qdpx")
    >>> bool((p.codings["text"] == [t[s:e] for t, s, e in zip(
    ...     p.codings["source_id"].map(p.sources.set_index("source_id")["text"]),
    ...     p.codings["start"], p.codings["end"])]).all())
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
            data = _read_member(zf, members[qde[0]], file, min(max_uncompressed, max_xml_bytes))
        else:
            if suffix == ".qdpx":
                raise InputError("not a zip archive", file=file, expected="a .qdpx (zip with project.qde)")
            if path.stat().st_size > max_xml_bytes:
                raise InputError(f"the project file is too large ({path.stat().st_size:,} bytes)", file=file,
                                 expected=f"at most {max_xml_bytes:,} bytes (raise max_xml_bytes= to read it)")
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
        files = _SourceFiles(zf, members, file, None if zf is not None else path.parent,
                             min(max_uncompressed, max_text_bytes))
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


__all__ = ["read_project"]
