"""A data folder with a folder in place of a table, and lines that pandas would miscount (issue 17)."""

from __future__ import annotations

import shutil

import pytest

from evaluation.errors import InputError
from evaluation.dataset import load_dataset


def test_a_folder_in_place_of_a_table_is_reported_with_the_other_problems(demo_folder, tmp_path):
    folder = tmp_path / "demo"
    shutil.copytree(demo_folder, folder)
    (folder / "events.csv").unlink()
    (folder / "events.csv").mkdir()
    with pytest.raises(InputError) as err:
        load_dataset(folder)
    assert any("events.csv" in str(p.file) and "folder" in p.message for p in err.value.problems)


def test_cross_table_problems_name_the_real_line_after_blank_lines(demo_folder, tmp_path):
    folder = tmp_path / "demo"
    shutil.copytree(demo_folder, folder)
    path = folder / "indicator_values.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    # a blank line after the header, then the first data row names an unknown municipality
    first = lines[header + 1].split(",", 2)
    lines[header + 1] = ",".join(["nirgendwo", "nirgendwo", first[2]])
    lines.insert(header + 1, "\n")
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_dataset(folder)
    unknown = [p for p in err.value.problems if "unknown municipality 'nirgendwo'" in p.message]
    assert unknown and unknown[0].row == header + 3  # 1-based: header line, blank line, this line
