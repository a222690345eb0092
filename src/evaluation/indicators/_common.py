"""Small helpers shared by the indicator modules: result formatting; the argument checks are
:mod:`evaluation.checks` and :func:`evaluation.results.check_alpha` (re-exported here)."""

from __future__ import annotations

import numpy as np

from ..checks import check_choice, require_columns
from ..errors import InputError
from ..results import check_alpha

__all__ = ["KINDS", "UNIT_SCALE", "as_float_array", "check_alpha", "check_choice", "fmt", "require_columns",
           "summary_block"]

#: published unit -> multiplier that turns a share / rate per person into the published number
UNIT_SCALE: dict[str, float] = {"percent": 100.0, "per_1000": 1000.0, "count": 1.0, "score": 1.0, "share": 1.0}

KINDS = ("proportion", "rate", "count", "mean")


def as_float_array(x, name: str) -> np.ndarray:
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} must be numeric", column=name, expected="numbers", found=x) from exc
    return arr


def fmt(x: float, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "NA"
    return f"{x:.{digits}f}"


def summary_block(title: str, rows: list[tuple[str, object]]) -> str:
    """A plain-text block like statsmodels' summaries: a title and aligned label/value lines."""
    width = max(len(k) for k, _ in rows) if rows else 0
    lines = [title, "=" * max(len(title), 40)]
    for k, v in rows:
        lines.append(f"{k:<{width}}  {v}")
    return "\n".join(lines)
