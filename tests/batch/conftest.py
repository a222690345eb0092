"""Demo data and parameter files for the tests of the annual run (generated once per test session)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def write_params(folder: Path, key: str, data_folder: Path, **changes) -> Path:
    """A copy of the project's parameter file of ``key`` whose data folder is ``data_folder``."""
    raw = yaml.safe_load((ROOT / "params" / f"{key}.yaml").read_text(encoding="utf-8"))
    raw["data"]["folder"] = str(data_folder)
    raw["data"]["official_context"] = None  # the context chapter works without the real Kreis figures
    for k, v in changes.items():
        raw[k] = v
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{key}.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def make_params(tmp_path):
    """make_params({key: data_folder}) -> a params folder with those municipalities' files."""

    def make(spec: dict[str, Path]) -> Path:
        folder = tmp_path / "project" / "params"
        for key, data in spec.items():
            write_params(folder, key, data)
        return folder

    return make
