"""Tabular coded-segment exports (MAXQDA, Taguette)."""

from __future__ import annotations

import pandas as pd
import pytest

from evaluation.errors import InputError
from evaluation.io.qda_tables import read_coded_segments
from evaluation.qualitative.codebook import codebook_from_paths


def test_maxqda_english_fixture(fixture_path):
    path = fixture_path("qda_segments/maxqda_coded_segments_en.xlsx")
    raw = pd.read_excel(path)
    df = read_coded_segments(path, coder="LL")
    assert len(df) == 86 == len(raw)
    assert (df["source_id"] == "beginnerInterview").all()
    assert df["code_id"].value_counts()["Interviewer"] == 31
    assert df["text"].tolist() == raw["Segment"].tolist()
    assert df["paragraph_start"].tolist() == raw["Beginning"].tolist()
    assert df["start"].isna().all()  # MAXQDA's Beginning/End are paragraphs, not characters
    assert (df["coder"] == "LL").all() and (df["tool"] == "MAXQDA").all()


def test_maxqda_german_headers_and_code_paths(tmp_path):
    path = tmp_path / "Codierte Segmente.csv"
    pd.DataFrame({
        "Farbe": ["#ff0000", "#00ff00", None], "Dokumentgruppe": ["Erlangen 2021", None, None],
        "Dokumentname": ["Interview 1", "Workshop", None], "Code": ["Barrieren\\Aufzüge", "Teilhabe", None],
        "Anfang": [3, 1, None], "Ende": [4, 2, None], "Gewicht": [0, 50, None],
        "Segment": ["Der Aufzug ist kaputt.", "Alle waren da.", None], "Erstellt von": ["AB", None, None],
    }).to_csv(path, index=False, sep=";", encoding="cp1252")
    df = read_coded_segments(path, coder="CD")
    assert len(df) == 2  # the empty spacer row is skipped
    assert df["source_id"].tolist() == ["Erlangen 2021/Interview 1", "Workshop"]
    assert df["code_id"].tolist() == ["Barrieren/Aufzüge", "Teilhabe"]
    assert df["coder"].tolist() == ["AB", "CD"]
    cb = codebook_from_paths(["Barrieren\\Aufzüge", "Teilhabe"])
    assert cb.set_index("code_id").loc["Barrieren/Aufzüge", "parent_id"] == "Barrieren"


def test_taguette_highlights(tmp_path):
    path = tmp_path / "highlights.csv"
    pd.DataFrame({"id": [1, 2], "document": ["Interview A", "Interview B"], "tag": ["barrieren", "teilhabe"],
                  "content": ["<p>Der Bordstein &amp; die Rampe</p>", "Wir gehen <b>gern</b> hin."]}).to_csv(path, index=False)
    df = read_coded_segments(path)
    assert df["text"].tolist() == ["Der Bordstein & die Rampe", "Wir gehen gern hin."]
    assert df["code_id"].tolist() == ["barrieren", "teilhabe"]
    assert (df["tool"] == "Taguette").all()
    xlsx = tmp_path / "highlights.xlsx"
    pd.read_csv(path).to_excel(xlsx, index=False)
    assert read_coded_segments(xlsx)["text"].tolist() == df["text"].tolist()


def test_unknown_layout_lists_expected_columns(tmp_path):
    path = tmp_path / "x.csv"
    pd.DataFrame({"foo": [1], "bar": [2]}).to_csv(path, index=False)
    with pytest.raises(InputError) as err:
        read_coded_segments(path)
    msg = str(err.value)
    assert "Document name" in msg and "Dokumentname" in msg and "tag" in msg and "foo" in msg


def test_bad_position_named(tmp_path):
    path = tmp_path / "bad.csv"
    pd.DataFrame({"Document name": ["a"], "Code": ["c"], "Beginning": ["zwei"], "End": [3],
                  "Segment": ["x"]}).to_csv(path, index=False)
    with pytest.raises(InputError, match="row 2.*Beginning"):
        read_coded_segments(path)


def test_maxqda_legacy_xls_german(tmp_path):
    """MAXQDA's older .xls export (read with xlrd); the file is written here with xlwt."""
    xlwt = pytest.importorskip("xlwt", reason="xlwt (test-only) writes the legacy .xls file")
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Codierte Segmente")
    header = ["Farbe", "Dokumentgruppe", "Dokumentname", "Code", "Anfang", "Ende", "Gewicht", "Segment"]
    rows = [["#ff0000", "Rostock", "Begehung Südstadt", "Barrieren\\Bordsteine", 2, 2, 0, "Bordsteine zu hoch."],
            ["#00ff00", "Rostock", "Begehung Südstadt", "Teilhabe", 5, 7, 100, "Alle kamen zum Fest."]]
    for j, h in enumerate(header):
        sheet.write(0, j, h)
    for i, row in enumerate(rows, start=1):
        for j, v in enumerate(row):
            sheet.write(i, j, v)
    path = tmp_path / "segmente.xls"
    book.save(str(path))
    df = read_coded_segments(path, coder="EF")
    assert df["source_id"].tolist() == ["Rostock/Begehung Südstadt"] * 2
    assert df["code_id"].tolist() == ["Barrieren/Bordsteine", "Teilhabe"]
    assert df["paragraph_end"].tolist() == [2, 7] and df["weight"].tolist() == [0, 100]
