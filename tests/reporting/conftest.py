"""Shared demo data and one annual run for the report tests (generated once per test worker)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def params_dir(tmp_path_factory, demo_folder) -> Path:
    """Two model municipalities' parameter files pointing at the test's demo data, plus one broken file."""
    folder = tmp_path_factory.mktemp("params") / "params"
    folder.mkdir()
    for key in ("erlangen", "schneverdingen"):
        raw = yaml.safe_load((ROOT / "params" / f"{key}.yaml").read_text(encoding="utf-8"))
        raw["data"]["folder"] = str(demo_folder)
        official = ROOT / "data" / "reference" / "regionalstatistik" / "regionalstatistik_13211-02-05-4_2015-2020.csv"
        raw["data"]["official_context"] = str(official)
        (folder / f"{key}.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    broken = yaml.safe_load((ROOT / "params" / "rostock.yaml").read_text(encoding="utf-8"))
    broken["comparison"]["pol"] = "matched"  # a misspelled key: this municipality must fail alone
    (folder / "rostock.yaml").write_text(yaml.safe_dump(broken, allow_unicode=True), encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def annual_run(tmp_path_factory, params_dir):
    from evaluation.batch import run_annual

    out = tmp_path_factory.mktemp("reports")
    manifest = run_annual(params_dir, 2025, out, jobs=2, progress=False)
    return manifest, out / "2025"
