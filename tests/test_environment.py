"""environment.yml (conda users) stays in step with pyproject.toml (pip users): same packages, same pins."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]

_SPLIT = re.compile(r"^([A-Za-z0-9_.-]+)(\[[^\]]+\])?\s*(.*)$")


def _parse(dep: str) -> tuple[str, str, str]:
    name, extra, spec = _SPLIT.match(dep.strip()).groups()
    return name.lower().replace("_", "-"), extra or "", spec.replace(" ", "")


def test_environment_yml_mirrors_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_deps = project["dependencies"] + project["optional-dependencies"]["test"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str):
            name, _, spec = _parse(dep)
            conda[name] = spec
    missing, different = [], []
    for dep in pip_deps:
        name, extra, spec = _parse(dep)
        names = ["dask", "distributed"] if (name == "dask" and "distributed" in extra) else [name]
        for n in names:
            if n not in conda:
                missing.append(n)
            elif conda[n] != spec:
                different.append(f"{n}: pyproject '{spec}' vs environment.yml '{conda[n]}'")
    assert not missing, f"packages in pyproject.toml but not in environment.yml: {missing}"
    assert not different, "pins differ: " + "; ".join(different)
    assert any(str(d).startswith("python>=3.11") for d in env["dependencies"])


def test_design_card_packages_are_dependencies():
    """The design card's packages are all declared (jupyterlab, pandas, statsmodels, scikit-learn, seaborn, papermill, nbval, pytest)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {_parse(d)[0] for d in project["dependencies"] + project["optional-dependencies"]["test"]}
    for pkg in ["jupyterlab", "pandas", "statsmodels", "scikit-learn", "seaborn", "papermill", "nbval", "pytest", "pandera"]:
        assert pkg in names, pkg
