"""No formula injection through the published tables (OWASP CSV injection, issue 17).

Every CSV a report publishes goes through :class:`evaluation.reporting.blocks.TableSink`; the only
other CSV writers in ``src/`` write contract data tables that the workbench reads back
(``demo/_common.write_csv``, ``importing/build.py``), which must keep their values as they are.
"""

from __future__ import annotations

import csv
import io
import shutil

import nbformat
import pandas as pd
import pytest

from evaluation.batch import NOTEBOOKS
from evaluation.csvsafe import FORMULA_TRIGGERS, is_number_text, neutralise_cell, neutralise_frame
from evaluation.reporting.blocks import TableSink

HOSTILE = ['=HYPERLINK("http://x","klick")', "+1+2", "-2+3", "@SUM(A1:A9)", "\t=1", "=1+1"]


def _cells(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def test_text_cells_neutralised_numbers_kept(tmp_path):
    frame = pd.DataFrame({
        "name": HOSTILE + ["Bildung"],
        "label": pd.Categorical(["-Nord"] * 7),
        "estimate": [-0.9, -1e-5, 0.0, 1.5, -3.0, 2.0, -0.25],
        "count": [-1, 2, 3, 4, 5, 6, 7],
        "as_text": ["-0.9", "+3", "-1e-05", "12%", "-", "x", None],
        "=bad header": [1] * 7,
    })
    sink = TableSink(tmp_path)
    sink.write("t", frame)
    rows = _cells(tmp_path / "t.csv")
    header, body = rows[0], rows[1:]
    assert header == ["name", "label", "estimate", "count", "as_text", "'=bad header"]
    assert [r[0] for r in body] == ["'" + h for h in HOSTILE] + ["Bildung"]
    assert {r[1] for r in body} == {"'-Nord"}
    back = pd.read_csv(tmp_path / "t.csv")
    assert back["estimate"].tolist() == [-0.9, -1e-5, 0.0, 1.5, -3.0, 2.0, -0.25]  # numbers stay numbers
    assert back["count"].tolist() == [-1, 2, 3, 4, 5, 6, 7]
    assert [r[4] for r in body] == ["-0.9", "+3", "-1e-05", "12%", "'-", "x", ""]
    assert frame["name"].tolist()[0] == HOSTILE[0]  # the caller's frame is not changed


def test_neutralise_frame_returns_the_frame_when_nothing_to_do():
    frame = pd.DataFrame({"a": ["x", "y"], "b": [-1.0, 2.0]})
    assert neutralise_frame(frame) is frame
    assert neutralise_cell(-0.9) == -0.9 and neutralise_cell(None) is None
    assert neutralise_cell("\r=1") == "'\r=1" and neutralise_cell("-0,5") == "-0,5"
    for kept in ("-0,50 – -0,12", "-1,5 %", "-1.234,5", "+3"):  # numbers and intervals as the reports print them
        assert neutralise_cell(kept) == kept
    for formula in ("-2+3", "-0,5 – =A1", "-A1", "+SUM(1)", "-1;=2"):
        assert neutralise_cell(formula) == "'" + formula


def _hostile_copy(demo_folder, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(demo_folder, data)

    def edit(relative, column, value, rows=1):  # value: text, or a function of the old text
        path = data / relative
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        comments = [line for line in lines if line.startswith("#")]
        frame = pd.read_csv(io.StringIO("".join(line for line in lines if not line.startswith("#"))), dtype=str,
                            keep_default_na=False)
        index = frame.index[:rows]
        frame.loc[index, column] = frame.loc[index, column].map(value) if callable(value) else value
        path.write_text("".join(comments) + frame.to_csv(index=False, lineterminator="\n"), encoding="utf-8")

    edit("qualitative/codebook.csv", "name", lambda name: f'=HYPERLINK("http://x","{name}")', rows=1000)
    edit("measures.csv", "title", "+Peer-Beratung im Stadtteil", rows=30)
    edit("measures.csv", "target_group", "@Menschen mit Behinderungen", rows=30)
    edit("areas.csv", "name", "-Innenstadt", rows=40)
    return data


@pytest.mark.notebook
@pytest.mark.slow
def test_published_tables_of_a_report_hold_no_formula(demo_folder, make_params, tmp_path):
    """The report notebook's cells on data whose names start with = + - @: every published CSV cell that
    starts with one of them is a number; the hostile names arrive neutralised."""
    data = _hostile_copy(demo_folder, tmp_path)
    params = make_params({"erlangen": data})
    tables = tmp_path / "tabellen"
    nb = nbformat.read(NOTEBOOKS / "municipality_report.ipynb", as_version=4)
    namespace = {"municipality_id": "erlangen", "year": 2025, "params_file": str(params / "erlangen.yaml"),
                 "data_folder": str(data), "tables_dir": str(tables), "project_root": str(params.parent),
                 "snapshot": None}
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" not in cell.metadata.get("tags", []):
            exec(compile(cell.source, "<report cell>", "exec"), namespace)  # noqa: S102 - the project's notebook
    published = sorted(tables.glob("*.csv"))
    assert len(published) > 10
    neutralised = set()
    for path in published:
        for row in _cells(path):
            for cell in row:
                assert not (cell.startswith(FORMULA_TRIGGERS) and not is_number_text(cell)), (path.name, cell)
                if cell.startswith("'"):
                    neutralised.add(cell)
    assert any(c.startswith("'=HYPERLINK") for c in neutralised), sorted(neutralised)[:20]
    assert any(c.startswith(("'+Peer", "'@Menschen", "'-Innenstadt")) for c in neutralised), sorted(neutralised)[:20]
