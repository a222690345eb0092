"""A CSV cut off mid-line, short rows, oversized inputs and duplicate keys (issue 17).

Before the fix a copy of ``indicator_values.csv`` cut inside ``3.675275,...`` read as valid: the
value 3 with source and flag missing. 68,000 duplicated keys took 73-124 s (a ``df.loc`` per row);
1.57 million gave no result in 15 minutes.
"""

from __future__ import annotations

import pytest

from evaluation.errors import InputError
from evaluation.io.tables import read_contract_table, read_csv_table

HEADER = "municipality_id,area_id,year,indicator_id,numerator,denominator,value,source,flag\n"
ROW = "erlangen,erlangen,{year},arbeitslose_sb_anteil,1,10,3.675275,Statistik (fiktiv),\n"


def _rows(n: int) -> str:
    return "".join(ROW.format(year=2000 + i % 100) for i in range(n))


def test_file_cut_mid_line_is_an_error_naming_the_line(tmp_path):
    text = "# Musterdaten\n" + HEADER + _rows(5)
    path = tmp_path / "indicator_values.csv"
    path.write_text(text[: text.rindex("3.675275") + 1], encoding="utf-8")  # ends "...,1,10,3"
    with pytest.raises(InputError) as err:
        read_contract_table(path, "indicator_values")
    problem = err.value.problems[0]
    assert problem.row == 7  # comment, header, 5 rows: the cut row is line 7
    assert "ends in the middle of line 7" in str(err.value) and "7 of 9 fields" in str(err.value)
    assert "indicator_values.csv" in str(err.value)


def test_short_row_in_the_middle_is_an_error_naming_the_line(tmp_path):
    path = tmp_path / "iv.csv"
    path.write_text(HEADER + _rows(2) + "erlangen,erlangen,2020,x,1\n" + _rows(2), encoding="utf-8")
    with pytest.raises(InputError, match="line 4 has 5 fields, the header has 9") as err:
        read_csv_table(path)
    assert err.value.problems[0].row == 4


def test_long_row_is_an_error_naming_the_line(tmp_path):
    path = tmp_path / "iv.csv"
    path.write_text(HEADER + _rows(3) + ROW.format(year=2020).rstrip("\n") + ",extra\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 5 has 10 fields"):
        read_csv_table(path)


def test_complete_last_line_without_newline_is_accepted(tmp_path):
    path = tmp_path / "iv.csv"
    path.write_text(HEADER + _rows(3).rstrip("\n"), encoding="utf-8")
    table = read_csv_table(path)
    assert len(table.frame) == 3 and table.frame["value"].tolist() == [3.675275] * 3


def test_index_is_the_line_in_the_file_also_after_blank_and_multiline_records(tmp_path):
    path = tmp_path / "iv.csv"
    quoted = 'erlangen,erlangen,2030,x,1,10,1.0,"two\nlines",\n'
    path.write_text("# note\n" + HEADER + _rows(1) + "\n" + quoted + _rows(1), encoding="utf-8")
    table = read_csv_table(path)
    assert table.frame.index.tolist() == [3, 5, 7]
    assert table.frame["source"].iloc[1] == "two\nlines"


def test_unclosed_quote_at_the_end_is_an_error(tmp_path):
    path = tmp_path / "iv.csv"
    path.write_text(HEADER + _rows(2) + 'erlangen,erlangen,2030,x,1,10,1.0,"cut off', encoding="utf-8")
    with pytest.raises(InputError, match="iv.csv"):
        read_csv_table(path)


def test_limits_are_configurable_and_clear(tmp_path):
    path = tmp_path / "iv.csv"
    path.write_text(HEADER + _rows(100), encoding="utf-8")
    with pytest.raises(InputError, match="too large"):
        read_csv_table(path, max_bytes=1000)
    with pytest.raises(InputError, match="the header has 9 columns"):
        read_csv_table(path, max_columns=5)
    assert len(read_csv_table(path).frame) == 100


def test_ten_million_column_header_is_refused_within_bounds(tmp_path, bounded):
    path = tmp_path / "wide.csv"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(",".join(f"c{i}" for i in range(10_000_000)) + "\n1,2\n")
    out = bounded.run(f"from evaluation.io.tables import read_csv_table\n_result = read_csv_table({str(path)!r})",
                      timeout=60, memory_mb=1500)
    bounded.input_error(out, "wide.csv", "10,000,000 columns", "at most 10,000")


def test_a_folder_in_place_of_a_table_is_an_input_error(tmp_path):
    (tmp_path / "iv.csv").mkdir()
    with pytest.raises(InputError, match="folder"):
        read_csv_table(tmp_path / "iv.csv")


@pytest.mark.parametrize("n_duplicates", [68_000])
def test_many_duplicate_keys_report_the_first_20_and_the_count(tmp_path, bounded, n_duplicates):
    path = tmp_path / "indicator_values.csv"
    path.write_text(HEADER + ROW.format(year=2020) * (n_duplicates + 1), encoding="utf-8")
    code = f"""
from evaluation.io.tables import read_contract_table
_result = read_contract_table({str(path)!r}, "indicator_values")
"""
    out = bounded.run(code, timeout=90, memory_mb=2000)
    bounded.input_error(out, "duplicated key", "first at line 2", f"{n_duplicates:,} rows in all repeat a key")
    assert out.n_problems == 21
    assert [p["row"] for p in out.problems[:3]] == ["3", "4", "5"]
