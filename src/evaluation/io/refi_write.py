"""Write a :class:`QdaProject` as REFI-QDA (``.qdpx``, ``.qde``, ``.qdc``) and build one from tidy tables.

The format is described in :mod:`evaluation.io.refi`. The written XML validates against the official
schemas (``Project-mrt2019.xsd``, ``Codebook.xsd``); identifiers that are not GUIDs become stable
UUID-5 GUIDs (:func:`refi_guid`), so repeated exports are byte-identical for a fixed ``created``.
"""

from __future__ import annotations

import hashlib
import re
import uuid
import zipfile
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from .refi_model import (
    _SOURCE_KINDS,
    CASE_COLUMNS,
    CASE_MEMBER_COLUMNS,
    CODE_COLUMNS,
    CODEBOOK_NS,
    CODING_COLUMNS,
    LEBENSBEREICH_SET,
    PROJECT_NS,
    USER_COLUMNS,
    VARIABLE_COLUMNS,
    WIRKUNGSSTUFE_SET,
    QdaProject,
    _empty,
)

_GUID = re.compile(r"^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$")
_GUID_NAMESPACE = uuid.UUID("6f1d4c62-52a8-4a55-9d8e-0c5e1b0f6a11")
_NAMESPACE_BYTES = _GUID_NAMESPACE.bytes


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
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + f"{kind}:{identifier}".encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _iso(dt: datetime | None = None) -> str:
    return (dt or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _is_missing(v) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA


def _code_elements(E, parent_el, codes: pd.DataFrame, ns_tag):
    children: dict[object, list[dict]] = {}
    ids = set(codes["code_id"].astype(str))
    for rec in codes.to_dict("records"):
        parent = rec.get("parent_id")
        key = None if _is_missing(parent) or str(parent) not in ids else str(parent)
        children.setdefault(key, []).append(rec)

    # depth-first with an explicit stack (no recursion limit), children in the table's order
    stack: list[tuple[object, dict, frozenset[str]]] = [
        (parent_el, rec, frozenset()) for rec in reversed(children.get(None, []))]
    while stack:
        el, rec, seen = stack.pop()
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
        stack.extend((code_el, child, seen | {cid}) for child in reversed(children.get(cid, [])))


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
    col = lambda c: codings[c].tolist() if c in codings.columns else [np.nan] * n
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
        q = lambda t: f"{{{ns}}}{t}"
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
    q = lambda t: f"{{{ns}}}{t}"
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


__all__ = ["project_from_tables", "refi_guid", "write_project"]
