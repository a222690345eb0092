"""reporting/ renders and decides nothing: importing every reporting module pulls in no estimator.

Checked twice: an AST scan of the imports of every module under ``evaluation/reporting`` (a direct
or relative import of an estimator package fails), and, in a fresh interpreter, ``sys.modules``
after importing them all (an indirect import through a helper fails too).
"""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import evaluation.reporting as reporting

#: packages that estimate, choose, weight or draw; reporting may not import them
FORBIDDEN = ("evaluation.impact", "evaluation.comparison", "evaluation.survey", "evaluation.indicators",
             "evaluation.qualitative", "evaluation.process", "evaluation.disclosure", "evaluation.analysis.municipality",
             "evaluation.analysis.overview", "evaluation.io.official", "scipy", "statsmodels", "sklearn")
ROOT = Path(reporting.__file__).parent


def _modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages([str(ROOT)], prefix="evaluation.reporting."))


def _absolute(module: str, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    pkg = base[: len(base) - node.level + (1 if (ROOT / "/".join(base[2:])).is_dir() else 0)]
    return ".".join(pkg + ([node.module] if node.module else []))


def test_reporting_modules_import_no_estimator_by_ast():
    offenders = []
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT.parent.parent).with_suffix("")
        module = ".".join(rel.parts).removesuffix(".__init__")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                target = _absolute(module, node)
                names = [target] + [f"{target}.{a.name}" for a in node.names]
            for n in names:
                if any(n == f or n.startswith(f + ".") for f in FORBIDDEN):
                    offenders.append((module, n))
    assert not offenders, offenders


def test_importing_reporting_reaches_no_estimator_module():
    mods = _modules()
    assert "evaluation.reporting.chapters.wirkung" in mods and "evaluation.reporting.overview" in mods
    code = ("import importlib, json, sys\n"
            f"for m in {mods!r}:\n    importlib.import_module(m)\n"
            "print(json.dumps(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    reached = [m for m in loaded if any(m == f or m.startswith(f + ".") for f in FORBIDDEN)]
    assert not reached, reached


def test_the_scan_would_catch_an_estimator_import(tmp_path):
    # the AST check is not vacuous: the same walk finds a forbidden import in a sample module
    tree = ast.parse("from ...impact.event_study import event_study\nimport evaluation.comparison.matching\n")
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            found.append(_absolute("evaluation.reporting.chapters.wirkung", node))
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names]
    assert "evaluation.impact.event_study" in found and "evaluation.comparison.matching" in found
