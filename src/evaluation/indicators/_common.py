"""Small helpers shared by the indicator modules: argument checks and result formatting."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from ..errors import InputError

#: published unit -> multiplier that turns a share / rate per person into the published number
UNIT_SCALE: dict[str, float] = {"percent": 100.0, "per_1000": 1000.0, "count": 1.0, "score": 1.0, "share": 1.0}

KINDS = ("proportion", "rate", "count", "mean")


def check_alpha(alpha: float) -> float:
    if not (isinstance(alpha, (int, float)) and 0 < float(alpha) < 1):
        raise InputError("alpha must lie strictly between 0 and 1", column="alpha",
                         expected="e.g. 0.05 for a 95% interval", found=alpha)
    return float(alpha)


def check_choice(name: str, value: str, allowed: Iterable[str]) -> str:
    allowed = tuple(allowed)
    if value not in allowed:
        raise InputError(f"unknown {name}", column=name, expected=f"one of {list(allowed)}", found=value)
    return value


def require_columns(df: pd.DataFrame, columns: Sequence[str], what: str = "table") -> None:
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"{what} must be a pandas DataFrame", expected="DataFrame", found=type(df).__name__)
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(f"{what} lacks column(s) {missing}", column=missing[0],
                         expected=f"columns {list(columns)}", found=list(df.columns))


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
