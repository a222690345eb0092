"""The maintenance habits hold: one version source, licence, changelog, lint and type step, pre-commit.

These tests check the wiring (what `./wb test` runs, what pyproject declares); ruff and mypy
themselves run in `./wb test` before pytest, so a lint error fails the suite without a test here.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

import evaluation

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_one_version_source():
    """pyproject reads the version from evaluation.__version__; the installed metadata agrees."""
    project = PYPROJECT["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "evaluation.__version__"}
    assert importlib.metadata.version("evaluation") == evaluation.__version__, (
        "the installed metadata is stale: reinstall with `.venv/bin/pip install -e .`")


def test_changelog_records_the_current_version():
    text = (ROOT / "CHANGELOG.md").read_text()
    assert "Keep a Changelog" in text
    assert f"## [{evaluation.__version__}]" in text


def test_licence_is_mit_in_both_places():
    assert PYPROJECT["project"]["license"] == "MIT"  # SPDX expression (PEP 639)
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")


def test_test_extra_has_the_lint_and_type_tools():
    names = {re.split(r"[<>=!\[ ]", d, maxsplit=1)[0].lower() for d in PYPROJECT["project"]["optional-dependencies"]["test"]}
    assert {"ruff", "mypy", "pandas-stubs", "types-pyyaml"} <= names
    assert "ruff" in PYPROJECT["tool"] and "mypy" in PYPROJECT["tool"]


def test_wb_test_lints_and_type_checks_before_pytest():
    wb = (ROOT / "wb").read_text()
    branch = wb[wb.index("  test)"):]
    branch = branch[: branch.index(";;")]
    ruff, mypy, pytest = (branch.index(s) for s in ("ruff check", "mypy_baseline.py", "-m pytest"))
    assert ruff < pytest and mypy < pytest


def test_doctests_are_collected_across_src():
    opts = PYPROJECT["tool"]["pytest"]["ini_options"]
    assert "--doctest-modules" in opts["addopts"]
    assert "src/evaluation" in opts["testpaths"]
    skipped = [str(p.relative_to(ROOT)) for p in (ROOT / "src").rglob("*.py")
               if "doctest: +SKIP" in p.read_text(encoding="utf-8")]
    assert skipped == [], f"docstring examples marked SKIP (make them runnable on small data): {skipped}"


def test_mypy_baseline_parses_and_only_counts_errors(tmp_path, monkeypatch):
    """The baseline reader and the mypy output parser agree on the format they share."""
    mod = _load(ROOT / ".ci" / "mypy_baseline.py")
    base = mod.read_baseline()
    assert base and all(n > 0 for n in base.values())
    assert all(path.startswith("src/evaluation/") for path, _ in base)
    line = 'src/evaluation/x.py:12: error: Unsupported operand types for + ("int" and "str")  [operator]'
    m = mod._LINE.match(line)
    assert m and (m["path"], m["code"]) == ("src/evaluation/x.py", "operator")
    assert mod._LINE.match("src/evaluation/x.py:3: note: See https://mypy.rtfd.io") is None
    monkeypatch.setattr(mod, "BASELINE", tmp_path / "b.txt")
    counts = mod.Counter({("src/evaluation/x.py", "operator"): 2})
    mod.write_baseline(counts)
    assert mod.read_baseline() == counts


def test_notebook_output_check_catches_outputs(tmp_path):
    mod = _load(ROOT / ".ci" / "check_notebook_outputs.py")
    clean = {"cells": [{"cell_type": "code", "outputs": [], "execution_count": None, "source": "1"}]}
    dirty = {"cells": [{"cell_type": "code", "outputs": [{"output_type": "stream"}], "execution_count": 3}]}
    (tmp_path / "clean.ipynb").write_text(json.dumps(clean))
    (tmp_path / "dirty.ipynb").write_text(json.dumps(dirty))
    assert mod.main([str(tmp_path / "clean.ipynb")]) == 0
    assert mod.main([str(tmp_path / "dirty.ipynb")]) == 1
    assert mod.main([str(p) for p in (ROOT / "notebooks").glob("*.ipynb")]) == 0


def test_pre_commit_hooks_are_local_and_use_the_venv():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = [h for repo in config["repos"] for h in repo["hooks"]]
    assert all(repo["repo"] == "local" for repo in config["repos"])  # no network at commit time
    assert {"ruff", "mypy-baseline", "notebook-outputs"} <= {h["id"] for h in hooks}
    for h in hooks:
        assert h["entry"].startswith(".venv/bin/"), h["id"]


def test_ruff_is_configured_and_fast_to_call():
    """ruff runs on the same paths as ./wb test; its configuration is read from pyproject."""
    ruff = Path(sys.executable).with_name("ruff")
    out = subprocess.run([str(ruff), "check", "--show-settings", "src/evaluation/__init__.py"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    assert "line_length = 120" in out
