"""Argument checks shared by every estimator of the workbench, written once.

Tables reach the model functions already validated by their data contract
(:func:`evaluation.contracts.validate`, called by :mod:`evaluation.dataset` and the readers):
column types, keys, ranges and duplicates are checked at that one boundary. A model function
therefore checks only what its own arguments add: that the columns *it was told to use* exist
(:func:`require_columns`), that an option is one it knows (:func:`check_choice`) and that the
significance level is one (:func:`evaluation.results.check_alpha`). It does not validate the
table again.

Examples
--------
>>> import pandas as pd
>>> require_columns(pd.DataFrame({"year": [2020]}), ["year"], "indicator_values")
>>> require_columns(pd.DataFrame({"year": [2020]}), ["year", "value"], "indicator_values")
Traceback (most recent call last):
...
evaluation.errors.InputError: column 'value': indicator_values lacks column(s) ['value'] (not in the table) (expected columns ['year', 'value'], found ['year'])
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from .errors import InputError
from .results import check_alpha

__all__ = ["check_alpha", "check_choice", "require_columns"]


def require_columns(df: Any, columns: Sequence[str], what: str = "table", *, file: str | None = None,
                    non_empty: bool = False) -> None:
    """Refuse a table that is not a DataFrame or lacks one of ``columns``.

    Parameters
    ----------
    df : pandas.DataFrame
        The table a model function was given.
    columns : sequence of str
        The columns the function needs.
    what : str
        The table's name in the message (e.g. ``"indicator_values"``).
    file : str, optional
        The file the table came from, named in the message.
    non_empty : bool
        Also refuse a table without rows.

    Raises
    ------
    evaluation.errors.InputError
        Naming the first missing column, every column expected and the columns found.
    """
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"{what} must be a pandas DataFrame", file=file, expected="DataFrame",
                         found=type(df).__name__)
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(f"{what} lacks column(s) {missing} (not in the table)", file=file, column=missing[0],
                         expected=f"columns {list(columns)}", found=list(df.columns))
    if non_empty and len(df) == 0:
        raise InputError(f"{what}: the table has no rows", file=file, expected="at least one row")


def check_choice(name: str, value: Any, allowed: Iterable[str]) -> Any:
    """Return ``value`` if it is one of ``allowed``, else raise :class:`~evaluation.errors.InputError`.

    >>> check_choice("method", "wilson", ["wilson", "wald"])
    'wilson'
    """
    allowed = tuple(allowed)
    if value not in allowed:
        raise InputError(f"unknown {name}", column=name, expected=f"one of {list(allowed)}", found=value)
    return value
