"""read_genesis on every real GENESIS / Regionaldatenbank fixture, values checked against the file."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from evaluation.io.genesis import TIDY_COLUMNS, read_genesis

T13211 = "genesis/regionalstatistik_13211-02-05-4_2015-2020.csv"
T21111 = "genesis/regionalstatistik_21111-01-03-4_2023.csv"
T12613 = "genesis/genesis_12613-0004.csv"
FLAT = "genesis/ffcsv_61111-0003_de_flat.zip"


def one(df: pd.DataFrame, **where) -> pd.Series:
    m = pd.Series(True, index=df.index)
    for k, v in where.items():
        m &= df[k] == v
    hits = df[m]
    assert len(hits) == 1, f"{len(hits)} rows for {where}"
    return hits.iloc[0]


@pytest.fixture
def df13211(fixture_path):
    return read_genesis(fixture_path(T13211))


def test_13211_layout_and_metadata(df13211):
    meta = df13211.attrs["genesis"]
    assert meta["format"] == "classic"
    assert meta["encoding"] in ("cp1252", "latin-1")  # the file is ISO-8859-1
    assert meta["table"] == "13211-02-05-4"
    assert meta["statistic"] == "Arbeitsmarktstatistik der Bundesagentur für Arbeit"
    assert meta["header_lines"] == 3 and meta["first_data_line"] == 9
    assert meta["stand"] == "17.08.2021 / 19:38:04"
    assert meta["licence"] == "Datenlizenz Deutschland – Namensnennung – Version 2.0"
    assert list(df13211.columns) == list(TIDY_COLUMNS)
    # 3228 data lines (lines 9-3236) x 13 value columns
    assert len(df13211) == 3228 * 13
    assert df13211["time"].dtype == "int64"
    assert sorted(df13211["time"].unique().tolist()) == [2015, 2016, 2017, 2018, 2019, 2020]


def test_13211_erlangen_2020(df13211):
    # line 328: 2020;09562;      Erlangen;2648;903;320;39;222;558;873;4,5;4,1;4,1;4,0;7,6;2,8
    row = one(df13211, region_code="09562", time=2020, variable="Arbeitslose | schwerbehindert")
    assert row["value"] == 320.0 and row["unit"] == "Anzahl" and pd.isna(row["flag"])
    assert row["region_name"] == "Erlangen"  # indentation stripped
    assert row["region_level"] == "Kreis"
    assert one(df13211, region_code="09562", time=2020, variable="Arbeitslose")["value"] == 2648.0
    quote = one(df13211, region_code="09562", time=2020,
                variable="Arbeitslosenquote bez. abh. zivile Erwerbspers.")
    assert quote["value"] == pytest.approx(4.5) and quote["unit"] == "Prozent"  # decimal comma
    last = one(df13211, region_code="09562", time=2020,
               variable="Arbeitslosenquote bez. auf alle zivile Erwerbsp. | 15 bis unter 25 Jahre")
    assert last["value"] == pytest.approx(2.8)


def test_13211_model_kreise_2015(df13211):
    # lines 2748, 2902, 2918, 3018, 3100 (2015), column "schwerbehindert"
    expected = {"03358": 249, "07339": 262, "08136": 303, "09562": 280, "13003": 502}
    for code, n in expected.items():
        assert one(df13211, region_code=code, time=2015, variable="Arbeitslose | schwerbehindert")["value"] == n


def test_13211_symbols(df13211):
    # line 1134: 2018;03358;...;6,1;5,5;5,5;5,5;.;5,2  -> the Ausländer rate is "."
    dot = one(df13211, region_code="03358", time=2018,
              variable="Arbeitslosenquote bez. auf alle zivile Erwerbsp. | Ausländer")
    assert math.isnan(dot["value"]) and dot["flag"] == "."
    # line 534: 2020;16065;      Kyffhäuserkreis;...;x;8,0
    x = one(df13211, region_code="16065", time=2020,
            variable="Arbeitslosenquote bez. auf alle zivile Erwerbsp. | Ausländer")
    assert math.isnan(x["value"]) and x["flag"] == "x"
    # 2020;03156; Osterode am Harz (dissolved 2016): every cell "-"
    dash = one(df13211, region_code="03156", time=2020, variable="Arbeitslose")
    assert dash["value"] == 0.0 and dash["flag"] == "-"
    assert df13211["flag"].value_counts().to_dict() == {"-": 6323, ".": 2374, "x": 5}


def test_13211_region_codes_and_levels(df13211):
    codes = df13211.drop_duplicates("region_code").set_index("region_code")["region_level"]
    assert codes["DG"] == "Deutschland"
    assert codes["01"] == "Land"  # leading zero kept
    assert codes["095"] == "Regierungsbezirk"
    assert codes["03358"] == "Kreis"
    assert codes["03241001"] == "Gemeinde"
    names = df13211.drop_duplicates("region_code").set_index("region_code")["region_name"]
    assert names["13003"] == "Kreisfreie Stadt Rostock, Hansestadt"
    assert not df13211["region_name"].str.startswith(" ").any()


def test_21111_schulart_row_dimension(fixture_path):
    df = read_genesis(fixture_path(T21111))
    meta = df.attrs["genesis"]
    assert meta["row_dimensions"] == ["Schulart"]  # from "nach Schularten" in the title
    assert list(df.columns) == ["time", "region_code", "region_name", "region_level", "Schulart",
                                "variable", "unit", "value", "flag"]
    assert len(df) == 6456 * 6
    total = "Schülerinnen und Schüler an allgemeinbildenden Schulen | Geschlecht | Insgesamt"
    # line 3847: 2023;09562;      Erlangen, kreisfreie Stadt;Sonderschulen/Förderschulen;3;528;224;131;15;-
    assert one(df, region_code="09562", Schulart="Sonderschulen/Förderschulen", variable=total)["value"] == 528
    grade11 = one(df, region_code="09562", Schulart="Sonderschulen/Förderschulen",
                  variable="Schülerinnen und Schüler an allgemeinbildenden Schulen | "
                           "Klassenstufe / Jahrgangsstufe / Schulbesuchsjahr | 11. Jahrgangsstufe / Einführungsphase")
    assert grade11["value"] == 0.0 and grade11["flag"] == "-"
    # line 3849: 2023;09562;...;Insgesamt;x;13648;6725;2705;1251;574
    schools = one(df, region_code="09562", Schulart="Insgesamt", variable="Allgemeinbildende Schulen")
    assert math.isnan(schools["value"]) and schools["flag"] == "x"
    assert one(df, region_code="09562", Schulart="Insgesamt", variable=total)["value"] == 13648
    assert df["flag"].value_counts().to_dict() == {"-": 14288, "x": 6270, ".": 23}


def test_12613_two_header_rows_and_title_region(fixture_path):
    df = read_genesis(fixture_path(T12613))
    meta = df.attrs["genesis"]
    assert meta["table"] == "12613-0004" and meta["header_lines"] == 2
    assert meta["measure"] == "Gestorbene" and meta["unit"] == "Anzahl"
    assert (df["region_code"] == "DG").all() and (df["region_level"] == "Deutschland").all()
    assert meta["row_dimensions"] == ["Altersjahre"]
    # last data line: 2020;Insgesamt;469937;22860;492797;478388;14387;492775;948325;37247;985572
    assert one(df, time=2020, Altersjahre="Insgesamt", variable="Gestorbene | männlich | Deutsche")["value"] == 469937
    assert one(df, time=2020, Altersjahre="Insgesamt", variable="Gestorbene | Insgesamt | Insgesamt")["value"] == 985572
    # line 9: 2000;unter 1 Jahr;1649;268;...
    assert one(df, time=2000, Altersjahre="unter 1 Jahr", variable="Gestorbene | weiblich | Ausländer")["value"] == 241
    # line 1874: 2018;11-Jährige;.;.;27;.;.;30;.;.;57
    dot = one(df, time=2018, Altersjahre="11-Jährige", variable="Gestorbene | männlich | Deutsche")
    assert math.isnan(dot["value"]) and dot["flag"] == "."
    # line 107: 2000;98-Jährige;484;0;... -> 0 is kept as a number and flagged
    zero = one(df, time=2000, Altersjahre="98-Jährige", variable="Gestorbene | männlich | Ausländer")
    assert zero["value"] == 0.0 and zero["flag"] == "0"
    unknown = one(df, time=2020, Altersjahre="Alter unbekannt", variable="Gestorbene | Insgesamt | Insgesamt")
    assert unknown["value"] == 0.0 and unknown["flag"] == "-"
    assert len(df) == 2163 * 9


def test_flat_file_long_zipped(fixture_path):
    df = read_genesis(fixture_path(FLAT))
    meta = df.attrs["genesis"]
    assert meta["format"] == "flat" and meta["encoding"] == "utf-8-sig" and meta["statistic"] == "61111"
    assert len(df) == 2205
    assert (df["region_code"] == "DG").all() and (df["unit"] == "2020=100").all()
    dim = "Verwendungszwecke des Individualkonsums"
    # data line 1: 2022;...;CC13-0551;Motorbetr. Großwerkzeuge ...;103,2;2020=100;PREIS1;Verbraucherpreisindex;e
    r = one(df, time=2022, **{f"{dim} (Code)": "CC13-0551"})
    assert r["value"] == pytest.approx(103.2) and r["flag"] == "e"
    assert r["variable"] == "Verbraucherpreisindex"
    assert r[dim] == "Motorbetr. Großwerkzeuge u.Ä. für Haus und Garten"
    # line 91: 2021;...;CC13-0733;Personenbeförderung im Luftverkehr;102,4;...;()
    par = one(df, time=2021, **{f"{dim} (Code)": "CC13-0733"})
    assert par["value"] == pytest.approx(102.4) and par["flag"] == "()"
    # line 841: 2023;...;CC13-07322;Taxifahrt und Fahrgemeinschaften;.;...;(empty)
    dot = one(df, time=2023, **{f"{dim} (Code)": "CC13-07322"})
    assert math.isnan(dot["value"]) and dot["flag"] == "."
    dash = one(df, time=2019, **{f"{dim} (Code)": "CC13-0421"})
    assert dash["value"] == 0.0 and dash["flag"] == "-"
    assert df["flag"].value_counts().to_dict() == {"e": 2178, "()": 14, ".": 8, "-": 5}


def test_13211_dictionary_path_gives_the_same_table(fixture_path, monkeypatch):
    # the fixture's columns are too short for the dictionary path; force it and compare
    from evaluation.io import genesis_symbols

    direct = read_genesis(fixture_path(T13211))
    monkeypatch.setattr(genesis_symbols, "_DICTIONARY_MIN_ROWS", 0)
    monkeypatch.setattr(genesis_symbols, "_DICTIONARY_SAMPLE", 100_000)
    monkeypatch.setattr(genesis_symbols, "_DICTIONARY_SHARE", 1.01)
    forced = read_genesis(fixture_path(T13211))
    assert list(forced.columns) == list(direct.columns)
    np.testing.assert_array_equal(forced["value"].to_numpy(), direct["value"].to_numpy())
    for col in ("flag", "variable", "region_code", "time"):
        # (pandas' assert_frame_equal takes seconds on categoricals; compare the codes as text)
        assert forced[col].astype(str).tolist() == direct[col].astype(str).tolist()
