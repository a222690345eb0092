"""``manifest.json``: what a run was made from and what became of each report.

The parameters, the SHA-256 of every input file (data, parameter files, notebooks), package
versions, the git commit, the executor and engine, timings and the status of each report (for a
failed one the error, and the kept notebook and traceback under ``failed/``).
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

KEY_PACKAGES = ["evaluation", "pandas", "numpy", "scipy", "statsmodels", "scikit-learn", "pandera", "papermill",
                "nbformat", "matplotlib", "seaborn", "networkx", "jinja2"]


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def input_hashes(paths: list[Path], root: Path) -> dict[str, str]:
    """SHA-256 of every file below the given files/folders, keyed by path relative to ``root``."""
    out: dict[str, str] = {}
    for p in paths:
        files = sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
        for f in files:
            try:
                key = str(f.resolve().relative_to(root.resolve()))
            except ValueError:
                key = str(f)
            out[key] = sha256_file(f)
    return dict(sorted(out.items()))


def package_versions() -> dict[str, str]:
    """Versions of Python and of the packages a report depends on."""
    out = {"python": platform.python_version()}
    for name in KEY_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_commit(root: Path) -> dict[str, Any]:
    """``{"commit": sha, "dirty": bool}`` of the repository at ``root`` (``None`` values outside git)."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=10)
        if commit.returncode != 0:
            return {"commit": None, "dirty": None}
        return {"commit": commit.stdout.strip(), "dirty": bool(dirty.stdout.strip())}
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}


def report_entry(result: dict[str, Any], out_year: Path) -> dict[str, Any]:
    """A job's result as the manifest records it: no work-folder paths; failed/ files relative to the year folder."""
    entry = {k: v for k, v in result.items()
             if k not in ("key", "staged", "staged_notebook", "staged_traceback")}
    key = result.get("key")
    if result.get("staged_notebook"):
        entry["notebook"] = f"failed/{key}.ipynb"
    if result.get("staged_traceback"):
        entry["traceback_file"] = f"failed/{key}.traceback.txt"
    if entry.get("status") != "ok" and entry.get("html") and Path(entry["html"]).exists():
        entry["previous_report_kept"] = True
    return entry


def to_json(manifest: dict[str, Any]) -> str:
    """The manifest as written: indented UTF-8 JSON, one trailing newline."""
    return json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
