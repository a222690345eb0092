"""evaluation import on the worked example: validated, byte-identical on re-import, atomic, with provenance."""

from __future__ import annotations

import hashlib
import json
import shutil

import pandas as pd
import pytest

from evaluation.cli import EXIT_BAD_INPUT, EXIT_OK, main
from evaluation.dataset import load_dataset
from evaluation.errors import ContractError, InputError
from evaluation.importing import load_recipes, parse_recipes, run_import


def _hashes(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*.csv")) if "provenance" not in p.parts}


def test_import_builds_a_valid_folder(imported):
    ds = load_dataset(imported / "data" / "processed")
    assert len(ds.municipalities) == 1
    assert len(ds.survey_responses) == 439  # every case of the SPSS file
    assert len(ds.codings) == 303 and len(ds.codebook) == 152 and len(ds.sources) == 2  # the NVivo export
    assert set(ds.survey_items["item_id"]) == {"optimismus", "zuversicht", "lebenszufriedenheit"}
    iv = ds.indicator_values.set_index(["year", "indicator_id"])
    # Regionaldatenbank 13211, Erlangen 2020: 320 unemployed severely disabled of 2648 unemployed
    assert iv.loc[(2020, "arbeitslose_sb"), "value"] == 320
    assert iv.loc[(2020, "arbeitslose_sb_anteil"), "value"] == pytest.approx(100 * 320 / 2648)
    # 21111, 2023: 528 pupils at Förderschulen of 13648 at allgemeinbildende Schulen
    assert iv.loc[(2023, "foerderschulbesuchsquote"), "value"] == pytest.approx(100 * 528 / 13648)
    assert (ds.indicator_values["area_id"] == "erlangen").all()  # whole-town values, not a Kreis code


def test_import_is_idempotent_byte_for_byte(imported, tmp_path):
    first = _hashes(imported / "data" / "processed")
    result = run_import(imported / "data" / "raw" / "sources.yaml", imported / "data" / "processed")
    assert result.unchanged
    assert _hashes(imported / "data" / "processed") == first
    # a second machine: the same raw files elsewhere give the same bytes
    shutil.copytree(imported / "data" / "raw", tmp_path / "raw")
    run_import(tmp_path / "raw" / "sources.yaml", tmp_path / "processed")
    assert _hashes(tmp_path / "processed") == first


def test_provenance_names_raw_files_with_their_hash(imported):
    folder = imported / "data" / "processed"
    rec = json.loads((folder / "provenance" / "survey_responses.json").read_text(encoding="utf-8"))
    sav = imported / "data" / "raw" / "befragung" / "pallant_survey.sav"
    inputs = {i["file"]: i["sha256"] for part in rec["parts"] for i in part["inputs"]}
    assert inputs["befragung/pallant_survey.sav"] == hashlib.sha256(sav.read_bytes()).hexdigest()
    assert "befragung/zuordnung.yaml" in inputs
    assert rec["sha256"] == hashlib.sha256((folder / "survey_responses.csv").read_bytes()).hexdigest()
    assert rec["parts"][0]["recipe"]["wave"] == 2021 and rec["package_version"] and rec["created"]
    assert rec["rows"] == 439
    for table in ("indicator_values", "codings", "codebook", "sources", "municipalities", "survey_items"):
        assert (folder / "provenance" / f"{table}.json").is_file()


def test_failed_import_leaves_the_folder_untouched(raw_project):
    raw, out = raw_project / "data" / "raw", raw_project / "data" / "processed"
    run_import(raw / "sources.yaml", out)
    before = _hashes(out)
    mapping = raw / "befragung" / "zuordnung.yaml"
    text = mapping.read_text(encoding="utf-8").replace(", 5: trifft voll zu}", "}", 1).replace("[4, 5]", "[4]", 1)
    mapping.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="code 5 of variable 'op1' is not in the mapping"):
        run_import(raw / "sources.yaml", out)
    assert _hashes(out) == before
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".")] == []  # no temp folder left


def test_contract_failure_names_the_final_file_and_its_raw_source(raw_project):
    raw, out = raw_project / "data" / "raw", raw_project / "data" / "processed"
    kommunen = raw / "listen" / "kommunen.csv"
    kommunen.write_text(kommunen.read_text(encoding="utf-8").replace("09562000", "9562000"), encoding="utf-8")
    with pytest.raises(ContractError) as info:
        run_import(raw / "sources.yaml", out)
    text = str(info.value)
    assert "municipalities.csv (from listen/kommunen.csv)" in text and "leading zero" in text
    assert not out.exists()


def test_missing_raw_file_is_named(raw_project):
    raw = raw_project / "data" / "raw"
    (raw / "befragung" / "pallant_survey.sav").unlink()
    with pytest.raises(InputError, match="pallant_survey.sav"):
        run_import(raw / "sources.yaml", raw_project / "data" / "processed")


def test_recipe_keys_are_checked(tmp_path):
    with pytest.raises(InputError) as info:
        parse_recipes({"tables": {"survey_responses": [{"reader": "survey", "file": "a.sav", "mapping": "m.yaml",
                                                         "wave": 2021, "municipality_id": "x", "welle": 2}],
                                  "measures": [{"reader": "genesis", "files": ["x.csv"]}],
                                  "befragung": []}}, source="sources.yaml")
    text = str(info.value)
    assert "unknown key 'welle'" in text and "tables.survey_responses[0].welle" in text
    assert "reader 'genesis' cannot feed the table measures" in text
    assert "unknown table 'befragung'" in text


def test_region_codes_written_as_numbers_are_refused():
    with pytest.raises(InputError, match="leading zero"):
        parse_recipes({"tables": {"indicator_values": [{"reader": "genesis", "files": ["a.csv"],
                                                         "indicators": ["arbeitslose_sb"], "regions": {9562: "x"}}]}})


def test_recipes_list_every_raw_file(imported):
    rf = load_recipes(imported / "data" / "raw" / "sources.yaml")
    names = {p.name for p in rf.raw_files()}
    assert {"pallant_survey.sav", "zuordnung.yaml", "nvivo_win_oltas.qdpx", "codebuch_zuordnung.yaml",
            "kommunen.csv"} <= names


def test_cli_import(raw_project, capsys):
    raw = raw_project / "data" / "raw"
    code = main(["import", "--recipes", str(raw / "sources.yaml"), "--out", str(raw_project / "data" / "processed")])
    out = capsys.readouterr().out
    assert code == EXIT_OK and "Import fertig: 7 Tabellen" in out
    (raw / "listen" / "kommunen.csv").unlink()
    code = main(["import", "--recipes", str(raw / "sources.yaml"), "--out", str(raw_project / "data" / "processed")])
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT and "kommunen.csv" in err and "Traceback" not in err


def test_table_recipe_renames_and_recodes(tmp_path):
    (tmp_path / "k.csv").write_text("id,Name,AGS,Art,Land,EW,Gruppe,Start\n"
                                    "erlangen,Erlangen,09562000,kreisfreie Stadt,Bayern,113292,Modell,2017\n",
                                    encoding="utf-8")
    (tmp_path / "sources.yaml").write_text(
        "tables:\n  municipalities:\n    - reader: table\n      file: k.csv\n"
        "      columns: {id: municipality_id, Name: name, AGS: ags, Art: kind, Land: state, EW: population, "
        "Gruppe: group, Start: programme_start}\n      recode: {group: {Modell: model, Vergleich: comparison}}\n"
        "  indicator_values:\n    - reader: table\n      file: iv.csv\n", encoding="utf-8")
    (tmp_path / "iv.csv").write_text("municipality_id,area_id,year,indicator_id,numerator,denominator,value,source,flag\n"
                                     "erlangen,erlangen,2020,arbeitslose_sb,320,,320,BA,\n", encoding="utf-8")
    run_import(tmp_path / "sources.yaml", tmp_path / "out")
    m = pd.read_csv(tmp_path / "out" / "municipalities.csv", dtype=str)
    assert m.loc[0, "group"] == "model" and m.loc[0, "ags"] == "09562000"
