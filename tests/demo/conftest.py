"""Demo-data fixtures: the Musterdaten generated once per test session (lazily, per variant)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from evaluation.demo import generate

SEED = 20251


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    """(folder, paths, seconds) of the default generation with seed 20251."""
    out = tmp_path_factory.mktemp("demo_main") / "demo"
    t0 = time.perf_counter()
    paths = generate(out, seed=SEED)
    return out, paths, time.perf_counter() - t0


@pytest.fixture(scope="session")
def demo_again(tmp_path_factory):
    """The same seed generated again in a fresh interpreter with another string-hash seed."""
    out = tmp_path_factory.mktemp("demo_again") / "demo"
    code = ("import sys; from evaluation.demo import generate; "
            "generate(sys.argv[1], seed=int(sys.argv[2]), validate_tables=False)")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", code, str(out), str(SEED)], check=True, env=env)
    return out


@pytest.fixture(scope="session")
def demo_other_seed(tmp_path_factory):
    """Another seed, written over an existing folder (whose stale file must disappear)."""
    out = tmp_path_factory.mktemp("demo_other") / "demo"
    out.mkdir()
    (out / "stale.csv").write_text("alt", encoding="utf-8")
    generate(out, seed=SEED + 1, validate_tables=False)
    return out


@pytest.fixture(scope="session")
def demo_no_effects(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo_noeff") / "demo"
    generate(out, seed=SEED, effects=False, validate_tables=False)
    return out
