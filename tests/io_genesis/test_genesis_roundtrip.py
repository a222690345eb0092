"""Property test: random classic GENESIS tables (header depth, unit line, row dimensions, symbols,
encodings) written the way GENESIS writes them are read back cell for cell."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluation.io.genesis import read_genesis

CELLS = st.one_of(
    st.integers(0, 10**7).map(lambda n: (str(n), float(n), "0" if n == 0 else None)),
    st.integers(-999, 99_999).flatmap(lambda n: st.integers(0, 9).map(
        lambda d: (f"{n},{d}", float(f"{n}.{d}"), "0" if n == 0 and d == 0 else None))),
    st.sampled_from([("-", 0.0, "-"), (".", math.nan, "."), ("x", math.nan, "x"), ("/", math.nan, "/"),
                     ("...", math.nan, "..."), ("*", math.nan, "*")]),
    st.integers(1, 999).map(lambda n: (f"({n})", float(n), "()")),
    st.tuples(st.integers(1, 999), st.sampled_from("prse"), st.sampled_from(["", " "])).map(
        lambda t: (f"{t[0]}{t[2]}{t[1]}", float(t[0]), t[1])),
)
WORDS = st.sampled_from(["Arbeitslose", "Schüler", "Gestorbene", "Ausländer", "weiblich", "männlich",
                         "15 bis unter 25 Jahre", "Insgesamt", "Bevölkerung"])


@st.composite
def tables(draw):
    n_rows = draw(st.integers(1, 8))
    n_vals = draw(st.integers(1, 4))
    depth = draw(st.integers(1, 3))
    unit_line = draw(st.booleans())
    extra_dim = draw(st.booleans())
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "cp1252"]))
    headers = [[draw(WORDS) for _ in range(n_vals)] for _ in range(depth)]
    headers[0] = [f"Merkmal {j}" for j in range(n_vals)]  # distinct top level: distinct variables
    codes = draw(st.lists(st.sampled_from(["DG", "01", "095", "09562", "13003", "08136088"]),
                          min_size=n_rows, max_size=n_rows))
    years = draw(st.lists(st.integers(1995, 2024), min_size=n_rows, max_size=n_rows))
    cells = [[draw(CELLS) for _ in range(n_vals)] for _ in range(n_rows)]
    return n_rows, n_vals, headers, unit_line, extra_dim, encoding, codes, years, cells


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tables())
def test_random_classic_table_round_trips(tmp_path_factory, table):
    n_rows, n_vals, headers, unit_line, extra_dim, encoding, codes, years, cells = table
    n_rd = 4 if extra_dim else 3
    blank = ";" * (n_rd - 1)
    lines = ["GENESIS-Tabelle: 99999-01-01-4", "Testtabelle nach Schularten - regionale Tiefe: Kreise" + ";" * n_vals,
             "Statistik der Tests" + ";" * n_vals]
    lines += [blank + ";" + ";".join(h) for h in headers]
    if unit_line:
        lines.append(blank + ";" + ";".join(["Anzahl"] * n_vals))
    for i in range(n_rows):
        dims = [str(years[i]), codes[i], "  Region " + codes[i]] + (["Grundschulen"] if extra_dim else [])
        lines.append(";".join(dims + [c[0] for c in cells[i]]))
    lines += ["__________", '"© Statistische Ämter des Bundes und der Länder, Deutschland, 2025."',
              "Stand: 13.03.2025 / 16:39:14"]
    path = tmp_path_factory.mktemp("rt") / "t.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))

    df = read_genesis(path)

    assert len(df) == n_rows * n_vals
    assert df["time"].tolist() == [y for y in years for _ in range(n_vals)]
    assert df["region_code"].astype(str).tolist() == [c for c in codes for _ in range(n_vals)]
    assert df["region_name"].astype(str).tolist() == [f"Region {c}" for c in codes for _ in range(n_vals)]
    expected_vars = [" | ".join(h[j] for h in headers) for j in range(n_vals)]
    assert df["variable"].astype(str).tolist() == expected_vars * n_rows
    if extra_dim:
        assert df["Schulart"].astype(str).unique().tolist() == ["Grundschulen"]
    if unit_line:
        assert (df["unit"] == "Anzahl").all()
    want_values = np.array([c[1] for row in cells for c in row])
    np.testing.assert_array_equal(df["value"].to_numpy(), want_values)  # NaN == NaN here
    want_flags = [c[2] for row in cells for c in row]
    got_flags = [None if isinstance(f, float) else f for f in df["flag"].astype(object).tolist()]
    assert got_flags == want_flags
