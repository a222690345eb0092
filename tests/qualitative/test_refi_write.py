"""REFI-QDA writer: schema validation (official XSDs, lxml) and round trips."""

from __future__ import annotations

import zipfile

import pandas as pd
import pytest

from evaluation.errors import InputError
from evaluation.io.refi import project_from_tables, read_project, refi_guid, write_project

SCHEMA = "refi/schema/Project-mrt2019.xsd"
CODEBOOK_SCHEMA = "refi/schema/Codebook.xsd"


def test_nvivo_round_trip_validates_and_reimports(fixture_path, tmp_path):
    p = read_project(fixture_path("refi/nvivo_win_oltas.qdpx"))
    out = write_project(p, tmp_path / "copy.qdpx", schema=fixture_path(SCHEMA))
    q = read_project(out)
    assert q.position_convention == ("codepoints", "as_is")  # we write the standard's code points
    pd.testing.assert_frame_equal(q.codes.drop(columns="color"), p.codes.drop(columns="color"))
    cols = ["source_id", "coder", "code_id", "start", "end", "text", "selection_id"]
    pd.testing.assert_frame_equal(q.codings[cols].reset_index(drop=True), p.codings[cols].reset_index(drop=True))
    pd.testing.assert_frame_equal(q.sources[["source_id", "source_name", "text"]], p.sources[["source_id", "source_name", "text"]])
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
    assert "project.qde" in names and all(n.startswith("sources/") for n in names if n != "project.qde")


def test_synthetic_german_project_round_trip(synthetic, fixture_path, tmp_path):
    codebook, sources, codings = synthetic
    project = project_from_tables(codebook, sources, codings, name="Musterprojekt Inklusion")
    out = write_project(project, tmp_path / "muster.qdpx", schema=fixture_path(SCHEMA))
    q = read_project(out)
    # code book: names, hierarchy, Lebensbereich / Wirkungsstufe mapping (carried by sets)
    guid = {c: refi_guid("code", c) for c in codebook["code_id"]}
    back = {v: k for k, v in guid.items()}
    got = q.codebook.assign(code_id=q.codebook["code_id"].map(back), parent_id=q.codebook["parent_id"].map(back))
    exp = project.codebook
    pd.testing.assert_frame_equal(got.sort_values("code_id").reset_index(drop=True),
                                  exp.sort_values("code_id").reset_index(drop=True), check_dtype=False)
    assert "Barrieren/Aufzüge" in set(q.codes["path"])
    # codings: same text, positions, coders, codes
    sid = {s: refi_guid("source", s) for s in sources["source_id"]}
    qc = q.codings.assign(code_id=q.codings["code_id"].map(back),
                          source_id=q.codings["source_id"].map({v: k for k, v in sid.items()}))
    cols = ["source_id", "code_id", "coder", "start", "end", "text"]
    a = qc[cols].sort_values(cols[:5]).reset_index(drop=True)
    b = codings[cols].sort_values(cols[:5]).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_dtype=False)
    # emoji and CRLF survived in the texts
    assert any("😞" in t for t in q.codings["text"]) and "\r\n" in q.sources["text"].iloc[0]
    # source metadata and cases come back for aggregation
    meta = q.source_table().assign(source_id=lambda d: d["source_id"].map({v: k for k, v in sid.items()}))
    meta = meta.set_index("source_id")
    assert meta.loc["d3", "municipality_id"] == "rostock" and meta.loc["d3", "year"] == 2022
    assert meta.loc["d1", "case_id"] == "fall_mueller" and pd.isna(meta.loc["d2", "case_id"])
    assert meta.loc["d1", "kind"] == "interview" and meta.loc["d6", "kind"] == "fokusgruppe"
    pd.testing.assert_frame_equal(meta.reset_index()[list(sources.drop(columns="text").columns)],
                                  sources.drop(columns="text").astype({"year": "Int64"}), check_dtype=False)
    assert q.codings.loc[q.codings["source_id"] == sid["d1"], "case_id"].notna().all()


def test_codebook_qdc_validates_and_reimports(synthetic, fixture_path, tmp_path):
    codebook, sources, codings = synthetic
    project = project_from_tables(codebook, sources, codings)
    out = write_project(project, tmp_path / "codes.qdc", schema=fixture_path(CODEBOOK_SCHEMA))
    q = read_project(out)
    assert len(q.codes) == len(codebook) and q.codings.empty
    assert q.codes.set_index("name").loc["Arbeit", "lebensbereich"] == "arbeit"
    assert q.codes.set_index("name").loc["Feste", "wirkungsstufe"] == 3


def test_schema_failure_is_reported(synthetic, fixture_path, tmp_path):
    codebook, sources, codings = synthetic
    project = project_from_tables(codebook, sources, codings)
    # a project written against the code-book schema is invalid there: root element differs
    with pytest.raises(InputError, match="does not validate"):
        write_project(project, tmp_path / "x.qdpx", schema=fixture_path(CODEBOOK_SCHEMA))
    assert not (tmp_path / "x.qdpx").exists()


def test_project_from_tables_refuses_misplaced_text(synthetic):
    codebook, sources, codings = synthetic
    codings.loc[0, "start"] += 1
    with pytest.raises(InputError, match="differs from the source text"):
        project_from_tables(codebook, sources, codings)
    codebook2, sources2, codings2 = codebook, sources, codings.copy()
    codings2.loc[0, "start"] -= 1
    codings2.loc[0, "code_id"] = "UNBEKANNT"
    with pytest.raises(InputError, match="not in the code book"):
        project_from_tables(codebook2, sources2, codings2)


def test_refi_guid_is_uuid5_and_keeps_guids():
    import uuid
    from evaluation.io.refi import _GUID_NAMESPACE
    assert refi_guid("code", "BARR_AUFZ") == str(uuid.uuid5(_GUID_NAMESPACE, "code:BARR_AUFZ"))
    g = "5067d381-1dc9-4816-81dd-ae1dbfea2ad7"
    assert refi_guid("code", g) == g and refi_guid("code", "{" + g + "}") == g
