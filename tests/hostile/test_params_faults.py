"""Broken parameter files: a folder in place of a file, and one bad file among good ones (issue 17).

Before the fix a folder named ``broken.yaml`` ended ``validate`` with ``IsADirectoryError`` and a
traceback hint; and when the parameter files could not be read, ``validate`` checked
``./data/demo`` instead of the folders the files name, so an AGS error in the real data was never
shown.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from evaluation.cli import main
from evaluation.errors import InputError
from evaluation.params import collect_params, load_params

PARAMS = Path(__file__).resolve().parents[2] / "params"


def _copy_params(tmp_path: Path, data: Path) -> Path:
    params = tmp_path / "params"
    shutil.copytree(PARAMS, params)
    for f in params.glob("*.yaml"):
        text = re.sub(r"(?m)^  folder: .*$", f"  folder: {data}", f.read_text(encoding="utf-8"))
        text = re.sub(r"(?m)^  official_context: .*$", "", text)
        f.write_text(text, encoding="utf-8")
    return params


def _project(tmp_path: Path, demo_folder: Path) -> Path:
    """A scratch project: copies of params/ and the Musterdaten, the parameter files pointing at the copy."""
    data = tmp_path / "copied-data"
    shutil.copytree(demo_folder, data)
    _copy_params(tmp_path, data)
    return tmp_path


def test_a_folder_named_like_a_parameter_file_is_an_input_error(tmp_path):
    (tmp_path / "broken.yaml").mkdir()
    with pytest.raises(InputError, match="is a folder, not a file") as err:
        load_params(tmp_path / "broken.yaml")
    assert err.value.problems[0].file.endswith("broken.yaml")


def test_collect_params_keeps_the_good_files(tmp_path):
    params = _copy_params(tmp_path, tmp_path / "data")
    (params / "broken.yaml").mkdir()
    good, problems = collect_params(params)
    assert set(good) == {p.stem for p in PARAMS.glob("*.yaml")}
    assert len(problems) == 1 and "folder" in problems[0].message


def test_validate_reports_the_real_folders_problems_despite_broken_parameter_files(tmp_path, demo_folder, capsys):
    root = _project(tmp_path, demo_folder)
    (root / "params" / "broken.yaml").mkdir()
    erl = root / "params" / "erlangen.yaml"
    erl.write_text(erl.read_text(encoding="utf-8").replace('"09562000"', '"0956200"'), encoding="utf-8")
    municipalities = root / "copied-data" / "municipalities.csv"
    lines = municipalities.read_text(encoding="utf-8").splitlines(keepends=True)
    header_at = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    lines[header_at + 3] = re.sub(r",\d{8},", ",123,", lines[header_at + 3], count=1)
    municipalities.write_text("".join(lines), encoding="utf-8")

    code = main(["validate", "--params", str(root / "params"), "--root", str(tmp_path / "elsewhere")])
    err = capsys.readouterr().err
    assert code == 2
    assert "broken.yaml: parameter file is a folder, not a file" in err
    assert "erlangen.yaml, column 'municipality.ags'" in err
    # the data folder the good files name is checked, and its AGS error shown
    assert f"municipalities.csv, row {header_at + 4}, column 'ags'" in err and "'123'" in err
    assert "data folder not found" not in err


def test_validate_with_no_valid_parameter_file_says_no_folder_was_checked(tmp_path, capsys):
    (tmp_path / "params").mkdir()
    (tmp_path / "params" / "a.yaml").write_text("municipality: [1\n", encoding="utf-8")
    code = main(["validate", "--params", str(tmp_path / "params"), "--root", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and "a.yaml, row" in err and "no data folder checked" in err
