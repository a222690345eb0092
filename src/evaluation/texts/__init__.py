"""All German text that reaches a report, kept in one place.

Code and identifiers are English; every sentence a reader sees is German and lives in the YAML
files of this folder, one per area (``impact.yaml``, ``comparison.yaml``, ``report.yaml`` ...), so
that wording can be reviewed and changed without touching the logic. ``text("impact", "assumption.parallel_trends")``
returns the string; ``str.format`` fields are filled from keyword arguments.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def _load(area: str) -> dict[str, Any]:
    try:
        raw = resources.files(__name__).joinpath(f"{area}.yaml").read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise KeyError(f"no German text file for area '{area}' (expected evaluation/texts/{area}.yaml)") from exc
    return yaml.safe_load(raw) or {}


def text(area: str, key: str, **fields: Any) -> str:
    """The German text ``key`` (dotted path) of ``area``, with ``fields`` filled in."""
    node: Any = _load(area)
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(f"no German text '{key}' in evaluation/texts/{area}.yaml")
        node = node[part]
    if not isinstance(node, str):
        raise KeyError(f"'{key}' in evaluation/texts/{area}.yaml is a section, not a text")
    return node.format(**fields) if fields else node


def section(area: str, key: str | None = None) -> dict[str, Any]:
    """A whole section (a dict of texts), e.g. for a glossary table."""
    node: Any = _load(area)
    if key:
        for part in key.split("."):
            node = node[part]
    return dict(node)
