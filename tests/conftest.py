"""Shared test fixtures: the real-world files in ../shared/fixtures and the demo data."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_FIXTURES = ROOT.parent / "shared" / "fixtures"


def shared_fixture(relative: str) -> Path:
    """Path to a file in ../shared/fixtures, or skip the test with the reason."""
    path = SHARED_FIXTURES / relative
    if not path.exists():
        pytest.skip(
            f"real-world fixture {relative} not found: ../shared/fixtures is absent "
            "(a clone outside the project's CI); these tests need the shared fixtures"
        )
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
    """Callable fixture: fixture_path('genesis/...csv') -> Path, skipping where ../shared is absent."""
    return shared_fixture
