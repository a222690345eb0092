"""Read a YAML file (parameter files, the indicator register) with errors that name file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import InputError


def parse_yaml(text: str, source: str) -> Any:
    """Parse YAML text; a syntax error names the file and the line."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        raise InputError(f"not valid YAML: {getattr(exc, 'problem', None) or exc}", file=source, row=row) from None


def read_yaml(path: str | Path, what: str) -> Any:
    """Read and parse a UTF-8 YAML file; ``what`` names the file's role in the 'not found' message."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{what} not found", file=source) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", file=source,
                         expected="a UTF-8 encoded YAML file") from None
    return parse_yaml(text, source)
