"""One analysis bundle of the Musterdaten (Erlangen 2025), computed once per test session."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def erlangen_inputs(demo_folder):
    from evaluation.analysis import load_inputs

    return load_inputs(ROOT / "params" / "erlangen.yaml", data_folder=demo_folder, project_root=ROOT)


@pytest.fixture(scope="session")
def erlangen_bundle(erlangen_inputs):
    from evaluation.analysis import analyse

    params, dataset = erlangen_inputs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return analyse(params, dataset, year=2025, project_root=ROOT)
