"""The NVivo REFI-QDA export and the MAXQDA coded-segment table -> codings, code book, sources; several coders."""

from __future__ import annotations

import dataclasses
import uuid

import pandas as pd
import pytest

from evaluation.errors import InputError
from evaluation.importing import apply_codebook_mapping, import_qda, load_codebook_mapping
from evaluation.importing.recipes import QdaRecipe
from evaluation.io.refi import read_project, write_project
from evaluation.qualitative.agreement import segment_agreement

NVIVO = "refi/nvivo_win_oltas.qdpx"
MAXQDA = "qda_segments/maxqda_coded_segments_en.xlsx"


def _recipe(**kw) -> QdaRecipe:
    base = {"reader": "refi", "file": "x.qdpx", "municipality_id": "erlangen", "year": 2021}
    base.update(kw)
    return QdaRecipe(**base)


def _second_export(fixture_path, tmp_path, coder: str = "Zweitcoderin"):
    """The same coded material as another export would write it: new GUIDs for every code and source."""
    p = read_project(fixture_path(NVIVO))
    new_code = {c: str(uuid.uuid4()) for c in p.codes["code_id"]}
    new_src = {s: str(uuid.uuid4()) for s in p.sources["source_id"]}
    codes = p.codes.assign(code_id=p.codes["code_id"].map(new_code),
                           parent_id=p.codes["parent_id"].map(lambda x: new_code.get(x) if pd.notna(x) else x))
    codings = p.codings.assign(code_id=p.codings["code_id"].map(new_code), source_id=p.codings["source_id"].map(new_src),
                               coder=coder)
    sources = p.sources.assign(source_id=p.sources["source_id"].map(new_src))
    other = dataclasses.replace(p, codes=codes, codings=codings, sources=sources,
                                users=pd.DataFrame({"user_id": [str(uuid.uuid4())], "name": [coder]}))
    return write_project(other, tmp_path / "zweitcodierung.qdpx")


def test_nvivo_project_to_tables(fixture_path, tmp_path):
    (tmp_path / "m.yaml").write_text('codes:\n  "2. Attitűd szint az oltáshoz": {lebensbereich: gesundheit, '
                                     'wirkungsstufe: 4}\n  "2. Attitűd szint az oltáshoz/piros": {wirkungsstufe: 3}\n',
                                     encoding="utf-8")
    codings, codebook, sources = import_qda(fixture_path(NVIVO), _recipe(codebook_mapping="m.yaml", coders={"Gergo": "A"}),
                                            raw_root=tmp_path)
    assert len(codings) == 303 and set(codings["coder"]) == {"A"}
    assert len(codebook) == 152 and set(sources["source_id"]) == {"videos_selection", "videos_10_selected"}
    cb = codebook.set_index("code_id")
    # direct entry, inherited Lebensbereich with its own Wirkungsstufe, inherited both
    assert (cb.loc["2. Attitűd szint az oltáshoz", "lebensbereich"], cb.loc["2. Attitűd szint az oltáshoz", "wirkungsstufe"]) == ("gesundheit", 4)
    assert (cb.loc["2. Attitűd szint az oltáshoz/piros", "lebensbereich"], cb.loc["2. Attitűd szint az oltáshoz/piros", "wirkungsstufe"]) == ("gesundheit", 3)
    assert cb.loc["2. Attitűd szint az oltáshoz/zöld", "wirkungsstufe"] == 4
    assert pd.isna(cb.loc["1. Oltás típusa", "lebensbereich"])
    assert set(codings["code_id"]) <= set(codebook["code_id"])  # code ids are paths throughout
    assert (sources["municipality_id"] == "erlangen").all() and (sources["year"] == 2021).all()


def test_mapping_key_not_in_the_code_book(fixture_path, tmp_path):
    (tmp_path / "m.yaml").write_text("codes:\n  Barrieren: {lebensbereich: alltag}\n  X: {lebensbereich: wohnen}\n",
                                     encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_codebook_mapping(tmp_path / "m.yaml")
    assert "unknown Lebensbereich 'wohnen'" in str(info.value)
    (tmp_path / "m.yaml").write_text("codes:\n  Barrieren: {lebensbereich: alltag}\n", encoding="utf-8")
    with pytest.raises(InputError, match="code 'Barrieren' is not in the code book"):
        import_qda(fixture_path(NVIVO), _recipe(codebook_mapping="m.yaml"), raw_root=tmp_path)


def test_require_all_lists_unmapped_codes(fixture_path, tmp_path):
    (tmp_path / "m.yaml").write_text('require_all: true\ncodes:\n  "1. Oltás típusa": {lebensbereich: gesundheit}\n',
                                     encoding="utf-8")
    mapping = load_codebook_mapping(tmp_path / "m.yaml")
    with pytest.raises(InputError, match="149 code"):
        apply_codebook_mapping(read_project(fixture_path(NVIVO)).codebook, mapping)


def test_two_coders_from_two_exports_agree_through_paths_and_names(fixture_path, tmp_path):
    second = _second_export(fixture_path, tmp_path)
    a = import_qda(fixture_path(NVIVO), _recipe(coder="A"))[0]
    b = import_qda(second, _recipe(coders={"Zweitcoderin": "B"}))[0]
    both = pd.concat([a, b], ignore_index=True)
    # the same segments coded twice: known truth 100 % agreement
    assert segment_agreement(both, "A", "B").overall == pytest.approx(1.0)
    # with the tools' own ids the two exports share nothing: an error naming the mismatch, not 0.0
    a_ids = import_qda(fixture_path(NVIVO), _recipe(coder="A", code_ids="id", source_ids="id"))[0]
    b_ids = import_qda(second, _recipe(coder="B", code_ids="id", source_ids="id"))[0]
    with pytest.raises(InputError, match="share no source"):
        segment_agreement(pd.concat([a_ids, b_ids], ignore_index=True), "A", "B")


def test_unknown_coder_of_the_export(fixture_path):
    with pytest.raises(InputError, match="Gergo"):
        import_qda(fixture_path(NVIVO), _recipe(coders={"someone": "A"}))


def test_maxqda_export(fixture_path):
    codings, codebook, sources = import_qda(fixture_path(MAXQDA), _recipe(reader="maxqda", file="s.xlsx", coder="B"))
    assert len(codings) == 86 and set(codings["coder"]) == {"B"}
    assert set(codings["code_id"]) == set(codebook["code_id"])
    assert list(sources["source_id"]) == ["beginnerInterview"]
