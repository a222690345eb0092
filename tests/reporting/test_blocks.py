"""Report building blocks and the Leichte Sprache generator."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaluation.disclosure import scan_for_small_counts
from evaluation.reporting.blocks import ColumnSpec, Figure, Section, Table, TableSink, format_number, unique_anchor
from evaluation.reporting.easy_language import check_rules, easy_summary


def test_german_number_format():
    assert format_number(1234.5) == "1.234,5"
    assert format_number(3, integer=True) == "3"
    assert format_number(1234567, integer=True) == "1.234.567"
    assert format_number(float("nan")) == "–"
    assert format_number(0.125, 2) == "0,12" or format_number(0.125, 2) == "0,13"


def test_suppressed_cell_is_marked_and_not_published(tmp_path):
    data = pd.DataFrame({"area": ["Nord", "Süd"], "n": [np.nan, 17.0]})
    flags = pd.DataFrame({"area": [None, None], "n": ["gesperrt (primär)", None]})
    t = Table(data, "Teilnehmende", [ColumnSpec("area", "Sozialraum"), ColumnSpec("n", "Personen", "count")],
              name="t", sink=TableSink(tmp_path), row_header="area", flags=flags)
    html = t.html()
    assert 'data-kind="count"' in html and "gesperrt (primär)" in html and ">17<" in html
    assert not scan_for_small_counts(html, threshold=3)
    csv = (tmp_path / "t.csv").read_text(encoding="utf-8")
    assert csv.splitlines()[0] == "area,n,n_flag" and "gesperrt (primär)" in csv


def test_scanner_would_catch_an_unsuppressed_small_count():
    t = Table(pd.DataFrame({"n": [2.0]}), "x", [ColumnSpec("n", "Personen", "count")])
    assert scan_for_small_counts(t.html(), threshold=3)


def test_csv_is_deterministic(tmp_path):
    data = pd.DataFrame({"a": ["x", "y"], "v": [1 / 3, 2 / 3]})
    for sub in ("one", "two"):
        Table(data, "c", [ColumnSpec("a", "A"), ColumnSpec("v", "V", "number")], name="t", sink=TableSink(tmp_path / sub))
    assert (tmp_path / "one" / "t.csv").read_bytes() == (tmp_path / "two" / "t.csv").read_bytes()


def test_sink_refuses_two_tables_of_one_name(tmp_path):
    sink = TableSink(tmp_path)
    Table(pd.DataFrame({"a": [1]}), "c", [ColumnSpec("a", "A")], name="t", sink=sink)
    with pytest.raises(ValueError, match="share the name"):
        Table(pd.DataFrame({"a": [1]}), "c", [ColumnSpec("a", "A")], name="t", sink=sink)


def test_table_headers_are_accessible():
    html = Table(pd.DataFrame({"a": ["x"], "b": [1.0]}), "Beschriftung",
                 [ColumnSpec("a", "A"), ColumnSpec("b", "B", "number")], row_header="a").html()
    assert "<caption>Beschriftung</caption>" in html and '<th scope="col">' in html and '<th scope="row">x</th>' in html
    assert 'role="region" tabindex="0"' in html


def test_figure_has_alt_caption_and_table():
    t = Table(pd.DataFrame({"x": [1, 2], "y": [3.0, 4.0]}), "Daten", [ColumnSpec("x", "X"), ColumnSpec("y", "Y", "number")])
    fig = Figure(lambda ax: ax.plot([1, 2], [3, 4]), alt="Eine steigende Linie von 3 auf 4.", caption="Verlauf", table=t)
    html = fig.html()
    assert 'alt="Eine steigende Linie von 3 auf 4."' in html and "<figcaption>Verlauf</figcaption>" in html
    assert "<details class=\"figure-table\">" in html and "data:image/png;base64," in html


def test_section_anchors_are_unique():
    a, b = Section("Zielerreichung"), Section("Zielerreichung")
    assert a.anchor != b.anchor
    assert unique_anchor("x-unique-test") == "x-unique-test" and unique_anchor("x-unique-test") == "x-unique-test-2"


def test_easy_summary_keeps_the_rules():
    s = easy_summary(name="Erlangen", programme="Kommune Inklusiv", start=2017,
                     status_counts={"achieved": 3, "on_track": 1, "off_track": 5, "not_assessable": 1},
                     achieved_example="Inklusionsanteil", n_measures=23, attitude_share=73.6, demo=True)
    assert not check_rules(s.sentences)
    text = " ".join(s.sentences)
    assert "74 von 100" in text and "%" not in text and "3 Ziele sind schon erreicht." in text
    assert "Bei einem Ziel geht es gut voran." in text


@pytest.mark.parametrize("sentence, problem", [
    ("Der Anteil stieg auf 35 %.", "percent"),
    ("Der Wert ist 3,5.", "decimal"),
    ("Das sind z. B. Rampen.", "abbreviation"),
    ("Die Stadt plant viele neue Dinge für alle Menschen in allen Stadtteilen und in allen Vereinen hier.", "words"),
    ("Es gibt Ziele, die erreicht sind.", "clauses"),
])
def test_rule_checker_finds_violations(sentence, problem):
    assert any(problem in p or problem.rstrip("s") in p for p in check_rules([sentence])), check_rules([sentence])
