"""Data contracts: every malformed input gets an error that names file, line, column and what was expected."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from evaluation.contracts import CONTRACTS, validate
from evaluation.dataset import load_dataset
from evaluation.errors import ContractError, InputError

MUNI_HEADER = "municipality_id,name,ags,kind,state,population,group,programme_start"
MUNI_OK = [
    "erlangen,Erlangen,09562000,kreisfreie Stadt,Bayern,113000,model,2017",
    "k001,Musterstadt,09562900,Stadt,Bayern,20000,comparison,",
]
IV_HEADER = "municipality_id,area_id,year,indicator_id,numerator,denominator,value,source,flag"
IV_OK = [
    "erlangen,erlangen,2020,arbeitslose_sb_anteil,50,800,6.25,BA,",
    "k001,k001,2020,arbeitslose_sb_anteil,7,120,5.83,BA,",
]


def write_folder(tmp: Path, muni: list[str] | None = None, iv: list[str] | None = None,
                 extra: dict[str, str] | None = None, muni_header: str = MUNI_HEADER, iv_header: str = IV_HEADER) -> Path:
    (tmp / "municipalities.csv").write_text("\n".join([muni_header] + (MUNI_OK if muni is None else muni)) + "\n", encoding="utf-8")
    (tmp / "indicator_values.csv").write_text("\n".join([iv_header] + (IV_OK if iv is None else iv)) + "\n", encoding="utf-8")
    for rel, content in (extra or {}).items():
        (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp / rel).write_text(content, encoding="utf-8")
    return tmp


def problems_of(folder: Path) -> list:
    with pytest.raises(InputError) as info:
        load_dataset(folder)
    return info.value.problems


def test_valid_folder_loads(tmp_path):
    ds = load_dataset(write_folder(tmp_path))
    assert len(ds.indicator_values) == 2
    assert ds.municipalities.loc[0, "ags"] == "09562000"  # leading zero kept
    assert ds.indicator_values["year"].dtype.kind == "i"


# (case id, file contents, file expected in the message, line, column, words expected in the message)
MALFORMED = [
    ("missing_column", dict(iv_header=IV_HEADER.replace(",value", ""), iv=[r.replace(",6.25", "").replace(",5.83", "") for r in IV_OK]),
     "indicator_values.csv", None, "value", "missing column"),
    ("wrong_type_year", dict(iv=[IV_OK[0], "k001,k001,zwanzig,arbeitslose_sb_anteil,7,120,5.83,BA,"]),
     "indicator_values.csv", 3, "year", "wrong type"),
    ("duplicated_key", dict(iv=[IV_OK[0], IV_OK[0]]), "indicator_values.csv", 3, "municipality_id", "duplicated key"),
    ("negative_count", dict(iv=["erlangen,erlangen,2020,arbeitslose_sb_anteil,-5,800,,BA,"]),
     "indicator_values.csv", 2, "numerator", ">= 0"),
    ("numerator_gt_denominator", dict(iv=["erlangen,erlangen,2020,arbeitslose_sb_anteil,900,800,,BA,"]),
     "indicator_values.csv", 2, "numerator", "numerator <= denominator"),
    ("zero_denominator", dict(iv=["erlangen,erlangen,2020,arbeitslose_sb_anteil,0,0,,BA,"]),
     "indicator_values.csv", 2, "denominator", "> 0"),
    ("unknown_municipality", dict(iv=[IV_OK[0], "k999,k999,2020,arbeitslose_sb_anteil,7,120,5.83,BA,"]),
     "indicator_values.csv", 3, "municipality_id", "unknown municipality 'k999'"),
    ("unknown_indicator", dict(iv=["erlangen,erlangen,2020,arbeitslosenquote_sb,5,80,,BA,"]),
     "indicator_values.csv", 2, "indicator_id", "unknown indicator"),
    ("unknown_area", dict(iv=["erlangen,nordost,2020,arbeitslose_sb_anteil,5,80,,BA,"]),
     "indicator_values.csv", 2, "area_id", "unknown Sozialraum"),
    ("ags_lost_leading_zero", dict(muni=["erlangen,Erlangen,9562000,kreisfreie Stadt,Bayern,113000,model,2017", MUNI_OK[1]]),
     "municipalities.csv", 2, "ags", "leading zero"),
    ("group_misspelled", dict(muni=[MUNI_OK[0], "k001,Musterstadt,09562900,Stadt,Bayern,20000,vergleich,"]),
     "municipalities.csv", 3, "group", "one of"),
    ("negative_population", dict(muni=[MUNI_OK[0], "k001,Musterstadt,09562900,Stadt,Bayern,-20,comparison,"]),
     "municipalities.csv", 3, "population", "> 0"),
    ("year_out_of_range", dict(iv=["erlangen,erlangen,20200,arbeitslose_sb_anteil,5,80,,BA,"]),
     "indicator_values.csv", 2, "year", "1950"),
    ("survey_weight_not_positive", dict(extra={"survey_responses.csv":
        "respondent_id,municipality_id,area_id,wave,stratum,psu,design_weight\nr1,erlangen,erlangen,2018,s1,p1,0\n"}),
     "survey_responses.csv", 2, "design_weight", "> 0"),
    ("coding_end_before_start", dict(extra={
        "qualitative/codebook.csv": "code_id,parent_id,name,path,lebensbereich,wirkungsstufe\nc1,,Barrieren,Barrieren,alltag,6\n",
        "qualitative/codings.csv": "project,source_id,source_name,case_id,coder,code_id,start,end,text\np,s1,Interview,,A,c1,50,10,x\n"}),
     "codings.csv", 2, "end", "end >= start"),
    ("codebook_unknown_step", dict(extra={
        "qualitative/codebook.csv": "code_id,parent_id,name,path,lebensbereich,wirkungsstufe\nc1,,Barrieren,Barrieren,alltag,9\n"}),
     "codebook.csv", 2, "wirkungsstufe", "one of"),
    ("coding_unknown_code", dict(extra={
        "qualitative/codebook.csv": "code_id,parent_id,name,path,lebensbereich,wirkungsstufe\nc1,,Barrieren,Barrieren,alltag,6\n",
        "qualitative/codings.csv": "project,source_id,source_name,case_id,coder,code_id,start,end,text\np,s1,Interview,,A,c7,0,10,x\n"}),
     "codings.csv", 2, "code_id", "unknown code 'c7'"),
    ("events_share_gt_total", dict(extra={"events.csv":
        "municipality_id,event_id,measure_id,year,kind,participants,participants_with_disabilities,repeat_participants\n"
        "erlangen,e1,,2019,veranstaltung,10,12,0\n"}),
     "events.csv", 2, "participants", "participants_with_disabilities <= participants"),
    ("network_unknown_sector", dict(extra={"network_edges.csv":
        "municipality_id,wave,actor_from,actor_to,sector_from,sector_to,tie\nerlangen,2018,a,b,verwaltung,kirche,\n"}),
     "network_edges.csv", 2, "sector_to", "one of"),
]


@pytest.mark.parametrize("case", MALFORMED, ids=[c[0] for c in MALFORMED])
def test_malformed_input_is_named(tmp_path, case):
    _, files, file_name, line, column, words = case
    folder = write_folder(tmp_path, **files)
    problems = problems_of(folder)
    hits = [p for p in problems if p.file and p.file.endswith(file_name) and column in (p.column or "")]
    assert hits, f"no problem names {file_name} / {column}: {[str(p) for p in problems]}"
    hit = hits[0]
    assert words in str(hit), str(hit)
    if line is not None:
        assert hit.row == line, str(hit)


def test_wrong_encoding_names_file_and_line(tmp_path):
    folder = write_folder(tmp_path)
    (folder / "municipalities.csv").write_bytes(
        (MUNI_HEADER + "\n" + "k002,Mühlhausen,09562901,Stadt,Bayern,20000,comparison,\n").encode("cp1252"))
    problems = problems_of(folder)
    msg = str(problems[0])
    assert "municipalities.csv" in msg and "line 2" in msg and "UTF-8" in msg


def test_empty_file(tmp_path):
    folder = write_folder(tmp_path)
    (folder / "indicator_values.csv").write_text("", encoding="utf-8")
    msg = " ".join(str(p) for p in problems_of(folder))
    assert "indicator_values.csv" in msg and "empty" in msg


def test_header_only(tmp_path):
    folder = write_folder(tmp_path, iv=[])
    msg = " ".join(str(p) for p in problems_of(folder))
    assert "indicator_values.csv" in msg and "no rows" in msg


def test_not_a_table(tmp_path):
    folder = write_folder(tmp_path)
    (folder / "indicator_values.csv").write_text("Dies ist ein Bericht, kein Datensatz.\nZweite Zeile\n", encoding="utf-8")
    msg = " ".join(str(p) for p in problems_of(folder))
    assert "indicator_values.csv" in msg


def test_required_file_missing(tmp_path):
    write_folder(tmp_path)
    (tmp_path / "indicator_values.csv").unlink()
    msg = " ".join(str(p) for p in problems_of(tmp_path))
    assert "indicator_values.csv" in msg and "missing" in msg


def test_every_problem_reported_at_once(tmp_path):
    folder = write_folder(tmp_path, iv=[
        "erlangen,erlangen,2020,arbeitslose_sb_anteil,-5,800,,BA,",
        "k999,k999,2020,arbeitslose_sb_anteil,7,120,5.83,BA,",
        "erlangen,erlangen,2021,foo,1,2,,BA,",
    ])
    problems = problems_of(folder)
    assert len(problems) >= 3


def test_comment_lines_shift_line_numbers(tmp_path):
    folder = write_folder(tmp_path)
    (folder / "indicator_values.csv").write_text(
        "# Musterdaten: synthetisch\n" + IV_HEADER + "\n" + IV_OK[0] + "\nerlangen,erlangen,2021,arbeitslose_sb_anteil,-1,800,,BA,\n",
        encoding="utf-8")
    hit = [p for p in problems_of(folder) if p.column == "numerator"][0]
    assert hit.row == 4  # comment line 1, header line 2, rows on lines 3 and 4
    ds_notes = (folder / "indicator_values.csv").read_text().splitlines()[0]
    assert "Musterdaten" in ds_notes


def test_every_contract_has_key_and_title():
    for name, contract in CONTRACTS.items():
        assert contract.title and contract.columns, name


def test_validate_frame_without_file():
    with pytest.raises(ContractError) as info:
        validate(pd.DataFrame({"municipality_id": ["a"]}), "areas")
    assert "missing column" in str(info.value)
