"""The three notebooks under nbval, and the committed notebooks' hygiene.

nbval runs each notebook in its own Jupyter kernel and fails on any cell that raises (``--nbval-lax``:
outputs are not compared, as they hold figures and dates). The parameters point at freshly generated
Musterdaten; they are injected into a *copy* of each notebook with papermill's parameter injection
(without executing), as ``evaluation run`` would.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ["municipality_report.ipynb", "overview.ipynb", "exploration.ipynb"]


@pytest.mark.slow  # over 30 s (--durations, 2 shared cores)
@pytest.mark.notebook
def test_notebooks_pass_nbval(demo_folder, tmp_path):
    pytest.importorskip("nbval")
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    parameters = {
        "municipality_report.ipynb": {"municipality_id": "schneverdingen", "year": 2025,
                                      "params_file": str(ROOT / "params" / "schneverdingen.yaml"),
                                      "data_folder": str(demo_folder), "project_root": str(ROOT)},
        "overview.ipynb": {"year": 2025, "params_dir": str(ROOT / "params"),
                           "municipality_ids": ["erlangen", "schneverdingen"], "data_folder": str(demo_folder),
                           "project_root": str(ROOT)},
        "exploration.ipynb": {"data_folder": str(demo_folder), "municipality_id": "rostock", "year": 2025},
    }
    copies = []
    for name, params in parameters.items():
        nb = load_notebook_node(str(ROOT / "notebooks" / name))  # papermill's reader (adds empty tags)
        nb = parameterize_notebook(nb, params)
        injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
        assert len(injected) == 1 and "data_folder" in injected[0].source or name == "overview.ipynb"
        copy = tmp_path / name
        nbformat.write(nb, copy)
        copies.append(copy)
    proc = subprocess.run([sys.executable, "-m", "pytest", "--nbval-lax", "-p", "no:cacheprovider", "-q",
                           "-o", "addopts=", "--rootdir", str(tmp_path), *map(str, copies)],
                          cwd=ROOT / "notebooks", capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    passed = re.search(r"(\d+) passed", proc.stdout)
    n_cells = sum(sum(c.cell_type == "code" for c in nbformat.read(p, as_version=4).cells) for p in copies)
    assert passed and int(passed.group(1)) == n_cells, proc.stdout[-2000:]  # one nbval item per code cell


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_committed_notebook_has_no_outputs_and_one_parameters_cell(name):
    nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code
    assert [c for c in code if c.outputs or c.execution_count is not None] == []
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0].cell_type == "code"
    assert not [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
