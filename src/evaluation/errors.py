"""Error types shared by the whole library.

Every reader, validator and model raises :class:`InputError` (or a subclass) for bad input, so
that the command line and the batch run can print one clear sentence that names the file, the
row or element, the column and what was expected, instead of a bare traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


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
        text = f"{text}: {self.message}" if text else self.message
        if self.expected:
            text += f" (expected {self.expected}"
            text += f", found {self.found!r})" if self.found is not None else ")"
        elif self.found is not None:
            text += f" (found {self.found!r})"
        return text


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
