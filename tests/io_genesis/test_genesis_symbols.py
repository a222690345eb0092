"""Every symbol of the Zeichenerklärung, decimal commas and thousands separators (hand-made cells)."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from evaluation.io.genesis_symbols import UndefinedSymbols, combine_flags, parse_cells


@pytest.mark.parametrize(
    ("cell", "value", "flag"),
    [
        ("-", 0.0, "-"),  # nothing there: a true zero
        ("0", 0.0, "0"),  # less than half the smallest unit, more than nothing
        ("0,0", 0.0, "0"),
        (".", math.nan, "."),  # unknown or secret
        ("x", math.nan, "x"),  # not meaningful
        ("/", math.nan, "/"),  # not reliable enough
        ("...", math.nan, "..."),  # available later
        ("*", math.nan, "*"),  # BA: suppressed
        ("(12)", 12.0, "()"),  # limited reliability keeps the value
        ("( 7,5 )", 7.5, "()"),
        ("12p", 12.0, "p"),
        ("12 p", 12.0, "p"),
        ("3,25r", 3.25, "r"),
        ("1.234s", 1234.0, "s"),
        ("99,9 e", 99.9, "e"),
        ("", math.nan, None),  # empty: missing without a flag
        ("  42  ", 42.0, None),
        ("6,5", 6.5, None),
        ("1.234", 1234.0, None),  # thousands dot
        ("1.234.567,89", 1234567.89, None),
        ("-3,2", -3.2, None),
    ],
)
def test_each_cell(cell, value, flag):
    values, flags = parse_cells(pd.Series([cell]))
    if math.isnan(value):
        assert math.isnan(values.iloc[0])
    else:
        assert values.iloc[0] == pytest.approx(value)
    assert flags.iloc[0] == flag


def test_english_decimal_point():
    values, flags = parse_cells(pd.Series(["1,234.5", "3.25", "(2.5)", "-"]), decimal=".")
    assert values.tolist()[:3] == [1234.5, 3.25, 2.5]
    assert flags.tolist() == [None, None, "()", "-"]


@pytest.mark.parametrize("cell", ["abc", "1.2.3", "12.34", "12q", "(12", "--", "n.v."])
def test_undefined_symbol_is_reported_with_its_position(cell):
    with pytest.raises(UndefinedSymbols) as info:
        parse_cells(pd.Series(["1", "2", cell]))
    assert [(c.position, c.text) for c in info.value.cells] == [(2, cell)]


def test_index_is_kept():
    values, flags = parse_cells(pd.Series(["1", "-"], index=[10, 20]))
    assert values.index.tolist() == [10, 20] and flags.index.tolist() == [10, 20]


def test_quality_column_joins_the_cell_flag():
    out = combine_flags(pd.Series([None, "()", "e", "-"]), pd.Series(["e", "e", "e", ""]))
    assert out.tolist() == ["e", "() e", "e", "-"]


@given(st.integers(min_value=-10**12, max_value=10**12))
def test_german_thousands_format_round_trips(n):
    text = f"{n:,}".replace(",", ".")
    values, _ = parse_cells(pd.Series([text]))
    assert values.iloc[0] == n


@given(st.decimals(min_value=-10**6, max_value=10**6, places=2, allow_nan=False, allow_infinity=False))
def test_decimal_comma_round_trips(d):
    text = f"{d:.2f}".replace(".", ",")
    values, _ = parse_cells(pd.Series([text]))
    assert values.iloc[0] == pytest.approx(float(d))


def test_dictionary_path_equals_direct_path():
    # 60 000 cells with few distinct texts take the dictionary path (parse each distinct text once)
    import numpy as np

    from evaluation.io.genesis_symbols import parse_codes

    rng = np.random.default_rng(1)
    pool = np.array(["4,5", "12", "-", ".", "x", "(3)", "7p", "0", "1.234", "", " 8 "], dtype=object)
    cells = pd.Series(pool[rng.integers(0, len(pool), 60_000)])
    v_dict, c_dict = parse_codes(cells)
    v_direct, c_direct = parse_codes(cells.iloc[:40_000])  # below the threshold: the direct path
    np.testing.assert_array_equal(v_dict[:40_000], v_direct)
    np.testing.assert_array_equal(c_dict[:40_000], c_direct)
    first = pd.Series(["4,5", "12", "-", ".", "x", "(3)", "7p", "0", "1.234", "", " 8 "])
    v, c = parse_codes(first)
    assert v[0] == 4.5 and v[8] == 1234.0 and v[10] == 8.0 and math.isnan(v[9])


def test_dictionary_path_reports_the_row_of_a_bad_cell():
    cells = pd.Series(["1", "2", "-"] * 20_000)
    cells.iloc[[123, 45_678]] = "k.A."
    with pytest.raises(UndefinedSymbols) as info:
        parse_cells(cells)
    assert [(c.position, c.text) for c in info.value.cells] == [(123, "k.A."), (45_678, "k.A.")]
