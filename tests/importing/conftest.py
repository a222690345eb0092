"""A team's raw folder built from the worked example's recipes and the real fixtures, imported once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
EXAMPLE = HERE / "worked_example"
REFERENCE = ROOT / "data" / "reference" / "regionalstatistik"
T13211 = "regionalstatistik_13211-02-05-4_2015-2020.csv"
T21111 = "regionalstatistik_21111-01-03-4_2023.csv"
FIXTURES = ROOT / "tests" / "data" / "fixtures"


def real_fixture(relative: str) -> Path:
    """A real-world file of tests/data/fixtures; missing is a failure, not a skip."""
    path = FIXTURES / relative
    if not path.exists():
        raise FileNotFoundError(f"real-world fixture {relative} missing from {FIXTURES}")
    return path


def make_raw(project: Path) -> Path:
    """project/data/raw: the worked example's recipes and mappings plus the real files they name."""
    raw = project / "data" / "raw"
    shutil.copytree(EXAMPLE, raw, ignore=shutil.ignore_patterns("params"))
    for folder in ("amtlich", "befragung", "qualitativ"):  # git keeps no empty folder: a fresh clone lacks amtlich/
        (raw / folder).mkdir(parents=True, exist_ok=True)
    shutil.copy(REFERENCE / T13211, raw / "amtlich" / T13211)
    shutil.copy(REFERENCE / T21111, raw / "amtlich" / T21111)
    shutil.copy(real_fixture("survey/pallant_survey.sav"), raw / "befragung" / "pallant_survey.sav")
    shutil.copy(real_fixture("refi/nvivo_win_oltas.qdpx"), raw / "qualitativ" / "nvivo_win_oltas.qdpx")
    return raw


@pytest.fixture
def raw_project(tmp_path) -> Path:
    """A fresh project folder with data/raw filled (nothing imported yet)."""
    make_raw(tmp_path)
    return tmp_path


@pytest.fixture(scope="session")
def imported(tmp_path_factory) -> Path:
    """The worked example imported once: the project folder (data/raw, data/processed)."""
    from evaluation.importing import run_import

    project = tmp_path_factory.mktemp("worked_example")
    raw = make_raw(project)
    run_import(raw / "sources.yaml", project / "data" / "processed")
    return project
