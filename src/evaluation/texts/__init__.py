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


#: kinds of municipality named with an article: (nominative, genitive, "in" + dative)
_ARTICLES = {"Verbandsgemeinde": ("die", "der", "in der"), "Samtgemeinde": ("die", "der", "in der"),
             "Gemeinde": ("die", "der", "in der"), "Ortsgemeinde": ("die", "der", "in der"),
             "Stadt": ("die", "der", "in der"), "Hansestadt": ("die", "der", "in der"),
             "Marktgemeinde": ("die", "der", "in der"), "Landkreis": ("der", "des", "im"), "Kreis": ("der", "des", "im"),
             "Markt": ("der", "des", "im"), "Amt": ("das", "des", "im")}


def name_phrases(name: str) -> dict[str, str]:
    """A municipality's name as a sentence needs it, as template fields: ``the_name`` ("Erlangen",
    "die Verbandsgemeinde Nieder-Olm"), ``The_name`` (at the start of a sentence), ``in_name``
    ("in Erlangen", "in der Verbandsgemeinde Nieder-Olm") and ``of_name`` ("von Erlangen", "der
    Verbandsgemeinde Nieder-Olm"). :func:`text` fills them from a ``name`` field.

    >>> name_phrases("Verbandsgemeinde Nieder-Olm")["in_name"], name_phrases("Erlangen")["of_name"]
    ('in der Verbandsgemeinde Nieder-Olm', 'von Erlangen')
    """
    first = name.split()[0] if name.split() else ""
    if first not in _ARTICLES:
        return {"the_name": name, "The_name": name, "in_name": f"in {name}", "of_name": f"von {name}"}
    nom, gen, inside = _ARTICLES[first]
    genitive = f"{gen} {name}" if gen == "der" else f"vom {name}"
    return {"the_name": f"{nom} {name}", "The_name": f"{nom.capitalize()} {name}", "in_name": f"{inside} {name}",
            "of_name": genitive}


def text(area: str, key: str, **fields: Any) -> str:
    """The German text ``key`` (dotted path) of ``area``, with ``fields`` filled in.

    A template may use ``{the_name}``, ``{The_name}``, ``{in_name}`` or ``{of_name}`` instead of a
    bare ``{name}`` where German needs an article ("in der Verbandsgemeinde Nieder-Olm"); they are
    derived from the ``name`` field (:func:`name_phrases`).
    """
    node: Any = _load(area)
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(f"no German text '{key}' in evaluation/texts/{area}.yaml")
        node = node[part]
    if not isinstance(node, str):
        raise KeyError(f"'{key}' in evaluation/texts/{area}.yaml is a section, not a text")
    if "name" in fields and "_name}" in node:
        fields = {**name_phrases(str(fields["name"])), **fields}
    return node.format(**fields) if fields else node


def section(area: str, key: str | None = None) -> dict[str, Any]:
    """A whole section (a dict of texts), e.g. for a glossary table."""
    node: Any = _load(area)
    if key:
        for part in key.split("."):
            node = node[part]
    return dict(node)
