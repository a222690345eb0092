"""Hand-made GENESIS files for each layout, encoding and error (written to tmp_path)."""

from __future__ import annotations

import math
import zipfile

import pandas as pd
import pytest

from evaluation.errors import InputError
from evaluation.io.genesis import read_genesis

FOOTER = "__________\n\"© Statistisches Bundesamt (Destatis), 2024\"\nStand: 02.01.2024 / 10:00:00\n"


def write(tmp_path, name: str, text: str, encoding: str = "utf-8", newline: str = "\n") -> str:
    path = tmp_path / name
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return str(path)


UTF8_TABLE = (
    "GENESIS-Tabelle: 12411-0015\n"
    "Bevölkerung: Kreise, Stichtag;;\n"
    "Fortschreibung des Bevölkerungsstandes;;\n"
    ";;;Bevölkerungsstand\n"
    ";;;Anzahl\n"
    "31.12.2022;09562;Erlangen, kreisfreie Stadt;116.562\n"
    "31.12.2022;13003;  Rostock, kreisfreie Stadt;209.061\n"
    "31.12.2022;08136088;    Schwäbisch Gmünd, Stadt;61.216\n"
    + FOOTER
)


def test_utf8_classic_one_header_line_dates_and_thousands(tmp_path):
    df = read_genesis(write(tmp_path, "t.csv", UTF8_TABLE))
    assert df.attrs["genesis"]["encoding"] == "utf-8"
    assert df.attrs["genesis"]["table"] == "12411-0015"
    assert df["time"].tolist() == ["31.12.2022"] * 3  # a date stays text
    assert df["region_code"].tolist() == ["09562", "13003", "08136088"]
    assert df["region_level"].tolist() == ["Kreis", "Kreis", "Gemeinde"]
    assert df["region_name"].tolist() == ["Erlangen, kreisfreie Stadt", "Rostock, kreisfreie Stadt",
                                          "Schwäbisch Gmünd, Stadt"]
    assert df["value"].tolist() == [116562.0, 209061.0, 61216.0]
    assert df["variable"].unique().tolist() == ["Bevölkerungsstand"]
    assert df["unit"].unique().tolist() == ["Anzahl"]


@pytest.mark.parametrize(("encoding", "newline"), [("utf-8-sig", "\r\n"), ("latin-1", "\n"), ("cp1252", "\r\n")])
def test_encodings_and_line_ends(tmp_path, encoding, newline):
    df = read_genesis(write(tmp_path, "t.csv", UTF8_TABLE, encoding, newline))
    assert df["region_name"].iloc[2] == "Schwäbisch Gmünd, Stadt"
    assert df["variable"].iloc[0] == "Bevölkerungsstand"
    assert df["value"].tolist() == [116562.0, 209061.0, 61216.0]


def test_windows_1252_dash_is_read(tmp_path):
    text = UTF8_TABLE.replace("Fortschreibung des Bevölkerungsstandes", "Fortschreibung – Zensus 2011")
    df = read_genesis(write(tmp_path, "t.csv", text, "cp1252"))
    assert df.attrs["genesis"]["encoding"] == "cp1252"
    assert "Fortschreibung – Zensus 2011" in (df.attrs["genesis"]["title"] or "") + (
        df.attrs["genesis"]["statistic"] or "")


def test_time_in_columns_and_three_header_lines(tmp_path):
    text = (
        "GENESIS-Tabelle: 13211-01-03-4\n"
        "Arbeitslose - Jahresdurchschnitt - regionale Tiefe: Kreise;;;;\n"
        ";;Arbeitslose;Arbeitslose;Arbeitslose;Arbeitslose\n"
        ";;schwerbehindert;schwerbehindert;insgesamt;insgesamt\n"
        ";;2019;2020;2019;2020\n"
        "09562;Erlangen;280;320;2255;2648\n"
        "11;Berlin;(12);5p;...;/\n"
        + FOOTER
    )
    df = read_genesis(write(tmp_path, "t.csv", text))
    assert df["time"].tolist() == [2019, 2020, 2019, 2020] * 2
    assert df["variable"].tolist()[:4] == ["Arbeitslose | schwerbehindert"] * 2 + ["Arbeitslose | insgesamt"] * 2
    erl = df[df["region_code"] == "09562"]
    assert erl["value"].tolist() == [280.0, 320.0, 2255.0, 2648.0]
    berlin = df[df["region_code"] == "11"]
    assert berlin["region_level"].tolist() == ["Land"] * 4
    assert berlin["value"].tolist()[:2] == [12.0, 5.0]
    assert math.isnan(berlin["value"].iloc[2]) and math.isnan(berlin["value"].iloc[3])
    assert berlin["flag"].tolist() == ["()", "p", "...", "/"]
    assert df["unit"].isna().all()  # no unit line, no unit in the title


def test_row_dimension_named_in_header_and_bas_star(tmp_path):
    text = (
        "Tabelle: 13111-01\n"
        "Sozialversicherungspflichtig Beschäftigte nach Geschlecht;;\n"
        ";;Beschäftigte\n"
        "Jahr;Geschlecht;Anzahl\n"
        "2022;männlich;1.234\n"
        "2022;weiblich;*\n"
        + FOOTER
    )
    df = read_genesis(write(tmp_path, "t.csv", text))
    assert list(df.columns) == ["time", "region_code", "region_name", "region_level", "Geschlecht", "variable",
                                "unit", "value", "flag"]
    assert df["Geschlecht"].tolist() == ["männlich", "weiblich"]
    assert df["unit"].tolist() == ["Anzahl", "Anzahl"]
    assert df["value"].iloc[0] == 1234.0 and math.isnan(df["value"].iloc[1]) and df["flag"].iloc[1] == "*"
    assert not df.attrs["genesis"]["row_dimension_names_guessed"]


def test_row_dimension_names_can_be_given(tmp_path):
    text = ("GENESIS-Tabelle: 99999-0001\nIrgendwas;;;;\n;;;;Wert\n;;;;Anzahl\n"
            "2020;09562;Erlangen;A;1\n2020;09562;Erlangen;B;2\n" + FOOTER)
    path = write(tmp_path, "t.csv", text)
    assert "dimension_1" in read_genesis(path).columns
    df = read_genesis(path, row_dimensions=["Merkmal"])
    assert df["Merkmal"].tolist() == ["A", "B"]
    with pytest.raises(InputError, match="different number of row dimensions"):
        read_genesis(path, row_dimensions=["a", "b"])


def test_undefined_symbol_names_line_and_column(tmp_path):
    text = UTF8_TABLE.replace("209.061", "k.A.")
    with pytest.raises(InputError) as info:
        read_genesis(write(tmp_path, "t.csv", text))
    problem = info.value.problems[0]
    assert problem.row == 7 and problem.column == "Bevölkerungsstand" and problem.found == "k.A."
    assert "line" not in str(info.value) or "row 7" in str(info.value)


def test_header_not_lined_up_with_data(tmp_path):
    text = ("GENESIS-Tabelle: 99999-0001\nIrgendwas;;;\n;;;Wert\n;;;Anzahl\n"
            "2020;09562;Erlangen;A;1\n2020;09562;Erlangen;B;2\n" + FOOTER)
    with pytest.raises(InputError, match="do not line up") as info:
        read_genesis(write(tmp_path, "t.csv", text))
    assert info.value.problems[0].row == 5 and info.value.problems[0].column == "Wert"


def test_truncated_inside_a_line(tmp_path):
    text = UTF8_TABLE.split("__________")[0]
    text = text[: text.rindex(";")]  # cut in the middle of the last data line
    with pytest.raises(InputError, match="truncated") as info:
        read_genesis(write(tmp_path, "t.csv", text))
    assert info.value.problems[0].row == 8


def test_truncated_at_a_line_end(tmp_path):
    text = UTF8_TABLE.split("__________")[0]
    with pytest.raises(InputError, match="truncated"):
        read_genesis(write(tmp_path, "t.csv", text))


def test_short_line_in_the_middle(tmp_path):
    text = UTF8_TABLE.replace("31.12.2022;13003;  Rostock, kreisfreie Stadt;209.061", "31.12.2022;13003")
    with pytest.raises(InputError, match="fewer fields") as info:
        read_genesis(write(tmp_path, "t.csv", text))
    assert info.value.problems[0].row == 7


def test_long_line_in_the_middle(tmp_path):
    text = UTF8_TABLE.replace("209.061", "209.061;5")
    with pytest.raises(InputError, match="more fields") as info:
        read_genesis(write(tmp_path, "t.csv", text))
    assert info.value.problems[0].row == 7


@pytest.mark.parametrize("content", [b"name,age\nAnna,3\nBen,4\n", b"just some words\nand more words\n",
                                     b"kreis;name;arbeitslose\n09562;Erlangen;2648\n",
                                     b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"])
def test_not_a_genesis_file(tmp_path, content):
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match="not a GENESIS"):
        read_genesis(path)


def test_empty_and_missing_files(tmp_path):
    (tmp_path / "e.csv").write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        read_genesis(tmp_path / "e.csv")
    with pytest.raises(InputError, match="not found"):
        read_genesis(tmp_path / "nope.csv")


def test_raw_file_is_not_modified(tmp_path):
    path = write(tmp_path, "t.csv", UTF8_TABLE, "latin-1")
    before = open(path, "rb").read()
    read_genesis(path)
    assert open(path, "rb").read() == before


# ---- flat files ---------------------------------------------------------------------------------

WIDE = (
    "Statistik_Code;Statistik_Label;Zeit_Code;Zeit_Label;Zeit;1_Merkmal_Code;1_Merkmal_Label;"
    "1_Auspraegung_Code;1_Auspraegung_Label;2_Merkmal_Code;2_Merkmal_Label;2_Auspraegung_Code;"
    "2_Auspraegung_Label;BEV001__Bevoelkerungsstand__Anzahl;BEV001__Bevoelkerungsstand__q;"
    "Verbraucherpreisindex__CH0004;Verbraucherpreisindex__CH0004__q\n"
    "12411;Fortschreibung des Bevölkerungsstandes;STAG;Stichtag;31.12.2022;KREISE;Kreise;09562;"
    "Erlangen, kreisfreie Stadt;GES;Geschlecht;GESM;männlich;57.938;e;1,5;p\n"
    "12411;Fortschreibung des Bevölkerungsstandes;STAG;Stichtag;31.12.2022;KREISE;Kreise;09562;"
    "Erlangen, kreisfreie Stadt;GES;Geschlecht;GESW;weiblich;.;;-;\n"
)


def test_flat_wide_generation(tmp_path):
    df = read_genesis(write(tmp_path, "12411_flat.csv", WIDE))
    assert df.attrs["genesis"]["format"] == "flat_wide"
    assert len(df) == 4
    assert df["region_code"].unique().tolist() == ["09562"]
    assert df["Geschlecht"].tolist() == ["männlich", "weiblich", "männlich", "weiblich"]
    assert df["Geschlecht (Code)"].tolist() == ["GESM", "GESW", "GESM", "GESW"]
    assert df["variable"].tolist() == ["Bevoelkerungsstand"] * 2 + ["Verbraucherpreisindex (CH0004)"] * 2
    assert df["unit"].tolist()[:2] == ["Anzahl", "Anzahl"]
    assert df["value"].iloc[0] == 57938.0 and df["flag"].iloc[0] == "e"
    assert math.isnan(df["value"].iloc[1]) and df["flag"].iloc[1] == "."
    assert df["value"].iloc[2] == 1.5 and df["flag"].iloc[2] == "p"
    assert df["value"].iloc[3] == 0.0 and df["flag"].iloc[3] == "-"
    assert df["time"].tolist() == ["31.12.2022"] * 4


def test_flat_wide_zipped_latin1(tmp_path):
    path = tmp_path / "12411_flat.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("12411_flat.csv", WIDE.encode("latin-1"))
    df = read_genesis(path)
    assert df["Geschlecht"].iloc[0] == "männlich" and df.attrs["genesis"]["encoding"] == "cp1252"


LONG = (
    "statistics_code;statistics_label;time_code;time_label;time;1_variable_code;1_variable_label;"
    "1_variable_attribute_code;1_variable_attribute_label;value;value_unit;value_variable_code;value_variable_label\n"
    "13211;Arbeitsmarktstatistik;JAHR;Jahr;2020;KREISE;Kreise;09562;Erlangen;320;Anzahl;ERW030;Arbeitslose schwerbehindert\n"
    "13211;Arbeitsmarktstatistik;JAHR;Jahr;2020;KREISE;Kreise;03358;Heidekreis;263;Anzahl;ERW030;Arbeitslose schwerbehindert\n"
)


def test_flat_long_without_quality_column(tmp_path):
    df = read_genesis(write(tmp_path, "13211_flat.csv", LONG, "utf-8-sig"))
    assert df.attrs["genesis"]["format"] == "flat"
    assert df["time"].tolist() == [2020, 2020]
    assert df["region_code"].tolist() == ["09562", "03358"] and df["region_level"].tolist() == ["Kreis", "Kreis"]
    assert df["value"].tolist() == [320.0, 263.0] and df["flag"].isna().all()


def test_flat_truncated(tmp_path):
    with pytest.raises(InputError, match="truncated"):
        read_genesis(write(tmp_path, "13211_flat.csv", LONG[:-25]))


def test_flat_undefined_symbol(tmp_path):
    with pytest.raises(InputError) as info:
        read_genesis(write(tmp_path, "13211_flat.csv", LONG.replace(";263;", ";n/a;")))
    assert info.value.problems[0].row == 3 and info.value.problems[0].found == "n/a"


def test_zip_with_two_csv_files(tmp_path):
    path = tmp_path / "two.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("a.csv", LONG)
        zf.writestr("b.csv", LONG)
    with pytest.raises(InputError, match="2 CSV files"):
        read_genesis(path)


def test_truncated_zip(tmp_path, fixture_path):
    raw = fixture_path("genesis/ffcsv_61111-0003_de_flat.zip").read_bytes()
    path = tmp_path / "cut.zip"
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(InputError):
        read_genesis(path)


def test_tidy_types(tmp_path):
    df = read_genesis(write(tmp_path, "t.csv", UTF8_TABLE))
    assert pd.api.types.is_string_dtype(df["region_code"])
    assert df["value"].dtype == "float64"


def test_non_ascii_value_cell_in_a_windows_1252_file(tmp_path):
    # an en dash (0x96 in Windows-1252) where a "-" belongs: read, then reported as undefined
    text = UTF8_TABLE.replace("209.061", "–")
    with pytest.raises(InputError) as info:
        read_genesis(write(tmp_path, "t.csv", text, "cp1252"))
    assert info.value.problems[0].found == "–" and info.value.problems[0].row == 7


def test_labelled_header_line_with_dates_in_the_columns(tmp_path):
    text = (
        "GENESIS-Tabelle: 12411-0015\n"
        "Bevölkerung: Kreise, Stichtag;;;\n"
        ";;Bevölkerungsstand;Bevölkerungsstand\n"
        "Kreise;;31.12.2021;31.12.2022\n"
        "09562;Erlangen;116.000;116.562\n"
        "13003;Rostock;209.920;209.061\n"
        + FOOTER
    )
    df = read_genesis(write(tmp_path, "t.csv", text))
    assert df["time"].astype(str).tolist() == ["31.12.2021", "31.12.2022"] * 2
    assert df["region_code"].astype(str).tolist() == ["09562", "09562", "13003", "13003"]
    assert df["value"].tolist() == [116000.0, 116562.0, 209920.0, 209061.0]
    assert df["variable"].unique().tolist() == ["Bevölkerungsstand"]


def test_english_download_with_decimal_point(tmp_path):
    text = (
        "GENESIS-Table: 12613-0004\n"
        "Deaths: Germany, years, sex;;\n"
        "Statistics of deaths;;\n"
        "Germany;;\n"
        "Deaths (number);;\n"
        ";male;female\n"
        "2020;1,234;(5.5)\n"
        "__________\n\u00a9 Statistisches Bundesamt (Destatis), 2022\nStand: 17.07.2022 / 21:36:16\n"
    )
    df = read_genesis(write(tmp_path, "t.csv", text), decimal=".")
    meta = df.attrs["genesis"]
    assert meta["table"] == "12613-0004" and meta["statistic"] == "Statistics of deaths"
    assert df["region_code"].astype(str).tolist() == ["DG", "DG"]
    assert df["variable"].astype(str).tolist() == ["Deaths | male", "Deaths | female"]
    assert df["unit"].astype(str).tolist() == ["number", "number"]
    assert df["value"].tolist() == [1234.0, 5.5] and df["flag"].astype(object).tolist()[1] == "()"
