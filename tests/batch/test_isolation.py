"""Failure isolation of the annual run: one broken municipality fails alone, nothing is half-written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from evaluation.batch import NOTEBOOKS, run_annual
from evaluation.cli import main

pytestmark = [pytest.mark.xdist_group("batch"), pytest.mark.notebook]


def _notebooks_raising_for(tmp_path: Path, municipality_id: str, code: str) -> Path:
    """A copy of the notebooks whose report raises (or worse) for one municipality after opening its context."""
    folder = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, folder)
    nb = nbformat.read(folder / "municipality_report.ipynb", as_version=4)
    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    nb.cells.insert(code_cells[1] + 1, nbformat.v4.new_code_cell(f"if municipality_id == {municipality_id!r}:\n"
                                                                 f"    {code}"))
    nbformat.write(nb, folder / "municipality_report.ipynb")
    return folder


@pytest.mark.slow  # over 30 s (--durations, 2 shared cores)
def test_failing_notebook_fails_alone_and_the_previous_report_stays(demo_folder, make_params, tmp_path):
    """One worker slot: the failing notebook first, then the other (in a fresh forked process)."""
    params = make_params({"erlangen": demo_folder, "schneverdingen": demo_folder})
    notebooks = _notebooks_raising_for(tmp_path, "erlangen", "raise RuntimeError('Abbruch im Test')")
    out = tmp_path / "reports"
    year_dir = out / "2025"
    (year_dir / "erlangen" / "tabellen").mkdir(parents=True)
    (year_dir / "erlangen.html").write_text("<p>Bericht des Vorjahreslaufs</p>", encoding="utf-8")
    (year_dir / "erlangen" / "tabellen" / "alt.csv").write_text("a\n1\n", encoding="utf-8")

    manifest = run_annual(params, 2025, out, jobs=1, notebooks_dir=notebooks, overview=False, progress=False)
    reports = manifest["reports"]
    assert manifest["workers"] == 1
    assert reports["schneverdingen"]["status"] == "ok", reports["schneverdingen"]
    assert reports["erlangen"]["status"] == "failed"
    assert "RuntimeError: Abbruch im Test" in reports["erlangen"]["error"]
    assert manifest["status"] == "failed"
    on_disk = json.loads((year_dir / "manifest.json").read_text(encoding="utf-8"))
    assert "Abbruch im Test" in on_disk["reports"]["erlangen"]["error"]
    # the failed run left the earlier report as it was, and nothing half-written
    assert (year_dir / "erlangen.html").read_text(encoding="utf-8") == "<p>Bericht des Vorjahreslaufs</p>"
    assert [p.name for p in (year_dir / "erlangen" / "tabellen").iterdir()] == ["alt.csv"]
    html = (year_dir / "schneverdingen.html").read_text(encoding="utf-8")
    assert html.rstrip().endswith("</html>") and "Schneverdingen" in html
    assert '<h2 id="kurzfassung">' in html  # a process of its own: no anchor state from the failed report
    assert not list(year_dir.glob(".work-*")) and not list(year_dir.rglob("*.tmp"))
    assert not list(year_dir.rglob("*.old"))
    # the failed report's executed notebook (with the failing cell's output) and traceback are kept
    assert reports["erlangen"]["notebook"] == "failed/erlangen.ipynb"
    assert reports["erlangen"]["traceback_file"] == "failed/erlangen.traceback.txt"
    executed = nbformat.read(year_dir / "failed" / "erlangen.ipynb", as_version=4)
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.output_type == "error"]
    assert errors and errors[0].ename == "RuntimeError" and errors[0].evalue == "Abbruch im Test"
    trace = (year_dir / "failed" / "erlangen.traceback.txt").read_text(encoding="utf-8")
    assert "RuntimeError" in trace and "Abbruch im Test" in trace and "\x1b[" not in trace
    assert not (year_dir / "failed" / "schneverdingen.ipynb").exists()


def test_keyerror_names_table_and_column_and_debug_shows_the_traceback(demo_folder, make_params, tmp_path,
                                                                       monkeypatch, capsys):
    """Issue 15 item 8: was `erlangen: KeyError: 'has_disability' (cell 7)`, the notebook deleted."""
    import evaluation.batch

    params = make_params({"erlangen": demo_folder})
    notebooks = _notebooks_raising_for(tmp_path, "erlangen", "(dataset if 'dataset' in globals() else ctx.dataset)"
                                                                 ".municipalities['has_disability']")
    real = evaluation.batch.run_annual
    monkeypatch.setattr(evaluation.batch, "run_annual", lambda **kw: real(**kw, notebooks_dir=notebooks, snapshot=False))
    out = tmp_path / "reports"
    code = main(["run", "--year", "2025", "--params", str(params), "--out", str(out), "--jobs", "1", "--quiet",
                 "--debug"])
    err = capsys.readouterr().err
    assert code == 1
    entry = json.loads((out / "2025" / "manifest.json").read_text(encoding="utf-8"))["reports"]["erlangen"]
    assert entry["error"].startswith("column 'has_disability' missing in table municipalities ("
                                     f"{demo_folder / 'municipalities.csv'})"), entry["error"]
    assert "KeyError: 'has_disability'" in entry["error"] and "cell " in entry["error"]
    assert "column 'has_disability' missing in table municipalities" in err
    assert str(out / "2025" / "failed" / "erlangen.ipynb") in err
    assert "Traceback" in err or "KeyError" in err.split("ausgeführtes Notebook", 1)[1]  # --debug: the traceback
    assert (out / "2025" / "failed" / "erlangen.traceback.txt").exists()


def test_crashed_worker_is_isolated_by_a_kernel_rerun(demo_folder, make_params, tmp_path):
    """A notebook that kills its process (here os._exit) breaks the process pool; the lost jobs run
    again in their own Jupyter kernels, so only the crashing municipality fails."""
    params = make_params({"schneverdingen": demo_folder})
    notebooks = _notebooks_raising_for(tmp_path, "schneverdingen", "import os; os._exit(3)")
    out = tmp_path / "reports"
    (out / "2025").mkdir(parents=True)
    (out / "2025" / "schneverdingen.html").write_text("vorher", encoding="utf-8")
    manifest = run_annual(params, 2025, out, jobs=1, notebooks_dir=notebooks, overview=False, progress=False)
    r = manifest["reports"]["schneverdingen"]
    assert r["status"] == "failed" and "Jupyter kernel" in r["note"], r
    assert (out / "2025" / "schneverdingen.html").read_text(encoding="utf-8") == "vorher"
    assert not list((out / "2025").glob(".work-*"))


def test_cli_exits_non_zero_when_a_data_folder_breaks_its_contract(demo_folder, make_params, tmp_path, capsys):
    broken = tmp_path / "broken-data"
    shutil.copytree(demo_folder, broken)
    path = broken / "indicator_values.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    cells = lines[header + 3].split(",")
    cells[2] = "zwanzig"  # year must be an integer
    lines[header + 3] = ",".join(cells)
    path.write_text("".join(lines), encoding="utf-8")

    params = make_params({"erlangen": demo_folder, "rostock": broken})
    out = tmp_path / "reports"
    code = main(["run", "--year", "2025", "--params", str(params), "--out", str(out), "--jobs", "1", "--quiet"])
    assert code != 0
    err = capsys.readouterr().err
    assert "rostock" in err and "indicator_values.csv" in err
    manifest = json.loads((out / "2025" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["reports"]["erlangen"]["status"] == "ok"
    assert manifest["reports"]["overview"]["status"] == "ok"
    assert manifest["reports"]["rostock"]["status"] == "failed"
    assert "year" in manifest["reports"]["rostock"]["error"]
    assert (out / "2025" / "erlangen.html").exists() and not (out / "2025" / "rostock.html").exists()
