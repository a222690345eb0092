"""Shared test fixtures: the real-world files in tests/data/fixtures (see its README) and the demo data."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "data" / "fixtures"


def real_fixture(relative: str) -> Path:
    """Path to a real-world file in tests/data/fixtures; a missing file is a failure, not a skip."""
    path = FIXTURES / relative
    if not path.exists():
        raise FileNotFoundError(f"real-world fixture {relative} missing from {FIXTURES} (see its README.md)")
    return path


@pytest.fixture(scope="session")
def demo_folder(tmp_path_factory) -> Path:
    """Fresh Musterdaten (seed 20251), generated once per test worker: no test depends on a checkout's data/demo."""
    from evaluation.demo import generate

    out = tmp_path_factory.mktemp("demo") / "demo"
    generate(out, seed=20251)
    return out


@pytest.fixture
def fixture_path():
    """Callable fixture: fixture_path('genesis/...csv') -> Path of a file in tests/data/fixtures."""
    return real_fixture
