"""Error types shared by the whole library.

Every reader, validator and model raises :class:`InputError` (or a subclass) for bad input, so
that the command line and the batch run can print one clear sentence that names the file, the
row or element, the column and what was expected, instead of a bare traceback.
"""

from __future__ import annotations

import reprlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: longest quotation of a found value (and of a message) in an error's text
MAX_QUOTE = 200

_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxlist, _REPR.maxtuple, _REPR.maxdict, _REPR.maxset = 3, 20, 20, 20, 20
_REPR.maxstring, _REPR.maxother, _REPR.maxlong = MAX_QUOTE, MAX_QUOTE, 60


def quote(value: Any, limit: int = MAX_QUOTE) -> str:
    """A short ``repr`` of ``value`` for an error message: bounded in length *and* in work.

    :mod:`reprlib` stops at a few levels and items, so even a value of millions of nested items
    (an expanded YAML alias bomb) is quoted in microseconds; the result is cut at ``limit``
    characters.

    >>> len(quote("x" * 100_000)) <= MAX_QUOTE
    True
    >>> quote(list(range(100)))
    '[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, ...]'
    """
    text = _REPR.repr(value)
    if len(text) > limit:
        text = f"{text[:limit]}...({len(text):,} characters)"
    return text


def _short(text: str, limit: int = 4 * MAX_QUOTE) -> str:
    return text if len(text) <= limit else f"{text[:limit]}...({len(text):,} characters)"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is and what was expected."""

    message: str
    file: str | None = None
    row: int | str | None = None
    column: str | None = None
    expected: str | None = None
    found: Any = None

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(f"{self.file}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        text = ", ".join(where)
        message = _short(str(self.message))
        text = f"{text}: {message}" if text else message
        if self.expected:
            text += f" (expected {_short(str(self.expected))}"
            text += f", found {quote(self.found)})" if self.found is not None else ")"
        elif self.found is not None:
            text += f" (found {quote(self.found)})"
        return text


def validation_problems(err: Any, source: str, *, allowed: Any, prefix: tuple[Any, ...] = ()) -> list[Problem]:
    """One :class:`Problem` per error of a pydantic ``ValidationError``, named by its key path.

    Every YAML file of the workbench (parameter files, import recipes, survey and code-book
    mappings) is read into a pydantic model; this turns the model's errors into the workbench's
    problems, with one wording everywhere: ``unknown key 'x' at 'a.b.x'`` (expected: the keys
    allowed there), ``missing key 'a.b'``, or the validator's message with the value found.

    Parameters
    ----------
    err : pydantic.ValidationError
        The error raised by the model.
    source : str
        The file the mapping came from (named in every problem).
    allowed : list of str or callable
        The keys allowed, or ``allowed(loc) -> list`` for the keys allowed at the error's location
        (``loc`` without ``prefix``), for nested models.
    prefix : tuple
        Key path of the model inside the file (e.g. ``("tables.codings[0]",)``).
    """
    problems = []
    for e in err.errors():
        loc = tuple(e["loc"])
        path = ".".join(str(x) for x in (*prefix, *loc))
        if e["type"] == "extra_forbidden":
            keys = allowed(loc) if callable(allowed) else list(allowed)
            problems.append(Problem(f"unknown key '{loc[-1]}' at '{path}'", source, None, path, f"one of {keys}"))
        elif e["type"] == "missing":
            problems.append(Problem(f"missing key '{path}'", source, None, path, "a value"))
        else:
            problems.append(Problem(e["msg"].removeprefix("Value error, "), source, None, path, None,
                                    e.get("input") if e["type"] != "value_error" else None))
    return problems


class InputError(ValueError):
    """Bad input: a file, table, parameter or argument that does not meet its contract.

    ``problems`` lists every problem found (not only the first), each naming file, row, column and
    what was expected.
    """

    def __init__(
        self,
        message: str | None = None,
        *,
        file: str | Path | None = None,
        row: int | str | None = None,
        column: str | None = None,
        expected: str | None = None,
        found: Any = None,
        problems: list[Problem] | None = None,
    ) -> None:
        file_str = str(file) if file is not None else None
        if problems is None:
            problems = [Problem(message or "invalid input", file_str, row, column, expected, found)]
        self.problems: list[Problem] = list(problems)
        self.file = file_str
        head = message if (message and len(self.problems) > 1) else None
        lines = [str(p) for p in self.problems[:50]]
        if len(self.problems) > 50:
            lines.append(f"... and {len(self.problems) - 50} more problems")
        text = "\n".join(lines)
        super().__init__(f"{head}\n{text}" if head else text)


class ContractError(InputError):
    """A table that violates its data contract (see :mod:`evaluation.contracts`)."""


class EstimationError(ValueError):
    """A model that cannot be estimated on the data given (e.g. no comparison units)."""
