"""Plain-language messages for a report that failed: which table and which column, where in the code.

A pandas ``KeyError`` says only ``'has_disability'``. When a notebook cell fails with one, the
in-process engine hands the exception itself to :func:`describe_exception`, which walks its
traceback to the DataFrame that was indexed, finds which table of the report's dataset it is (the
same object, or a frame with the same columns, e.g. one municipality's rows of it) and where in the
library the column was asked for:
``column 'has_disability' missing in table survey_responses (data/survey_responses.csv), asked for
in evaluation/reporting/chapters/befragung.py:42``. With a Jupyter kernel (serial runs, Dask) only
the error's text is available; :func:`describe_error_text` then names the column and the last
library line of the traceback.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

PACKAGE_ROOT = Path(__file__).resolve().parents[1]  # src/evaluation
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# pandas' texts for several missing columns: "None of [Index(['a', 'b'], dtype='object')] are in the
# [columns]" and "\"['a', 'b'] not in index\""
_NONE_OF = re.compile(r"None of \[Index\((\[.*?\])")
_NOT_IN = re.compile(r"(\[.*?\]) not in index")


def strip_ansi(text: str) -> str:
    """``text`` without terminal colour codes (IPython colours the tracebacks of a kernel)."""
    return _ANSI.sub("", text)


def missing_columns(exc_or_text: Any) -> list[str]:
    """The column names a pandas ``KeyError`` (or its text) says are missing; [] if it names none."""
    if isinstance(exc_or_text, KeyError):
        arg = exc_or_text.args[0] if exc_or_text.args else ""
        if not isinstance(arg, str):
            return [str(arg)] if isinstance(arg, (int, float, tuple)) else []
        text = arg
    else:
        text = str(exc_or_text).strip()
        if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
            try:
                text = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                text = text[1:-1]
    for pattern in (_NONE_OF, _NOT_IN):
        m = pattern.search(text)
        if m:
            try:
                return [str(c) for c in ast.literal_eval(m.group(1))]
            except (ValueError, SyntaxError):
                return [m.group(1)]
    return [text] if text and "\n" not in text and len(text) <= 200 else []


def _short(filename: str) -> str:
    try:
        return str(Path(filename).resolve().relative_to(PACKAGE_ROOT.parent))
    except ValueError:
        return filename


def _is_library(filename: str) -> bool:
    return "site-packages" not in filename and "/lib/python" not in filename and not filename.startswith("<frozen")


def _datasets(namespace: dict[str, Any] | None) -> list[Any]:
    from ..dataset import Dataset

    found: list[Any] = []
    for value in (namespace or {}).values():
        for candidate in (value, getattr(value, "dataset", None)):
            if isinstance(candidate, Dataset) and all(candidate is not d for d in found):
                found.append(candidate)
        for ctx in getattr(value, "contexts", None) or []:  # the overview's contexts
            ds = getattr(ctx, "dataset", None)
            if isinstance(ds, Dataset) and all(ds is not d for d in found):
                found.append(ds)
    return found


def _table_of(frame: Any, namespace: dict[str, Any] | None) -> str | None:
    """'survey_responses (folder/survey_responses.csv)' when ``frame`` is (rows of) a table of a dataset."""
    from ..dataset import DATASET_FILES

    datasets = _datasets(namespace)
    columns = list(frame.columns)
    for exact in (True, False):
        for ds in datasets:
            for name, table in ds.tables.items():
                if (table is frame) if exact else (list(table.columns) == columns):
                    file = ds.files.get(name) or Path(ds.folder) / DATASET_FILES.get(name, f"{name}.csv")
                    return f"{name} ({file})"
    return None


def describe_exception(exc: BaseException, namespace: dict[str, Any] | None = None) -> str | None:
    """A message naming the table and column of a pandas ``KeyError``; ``None`` for other exceptions.

    Parameters
    ----------
    exc : BaseException
        The exception of the failing cell, with its ``__traceback__``.
    namespace : dict, optional
        The notebook's namespace; its report contexts' datasets are searched for the table that
        was indexed.

    Returns
    -------
    str or None
        E.g. ``"column 'x' missing in table municipalities (data/municipalities.csv), asked for in
        evaluation/reporting/chapters/kontext.py:57"``; ``None`` if ``exc`` is no ``KeyError`` on a
        DataFrame's columns.
    """
    import pandas as pd

    if not isinstance(exc, KeyError):
        return None
    frame = None
    where = None
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        local = tb.tb_frame.f_locals
        target = local.get("self")
        target = getattr(target, "obj", target)  # .loc / .iloc indexers hold their frame in .obj
        if isinstance(target, pd.DataFrame):
            frame = target
        elif frame is None and _is_library(code.co_filename):
            where = f"{_short(code.co_filename)}:{tb.tb_lineno}"
        tb = tb.tb_next
    if frame is None:
        return None
    columns = [c for c in missing_columns(exc) if c not in frame.columns] or missing_columns(exc)
    if not columns:
        return None
    names = ", ".join(f"'{c}'" for c in columns)
    noun = "column" if len(columns) == 1 else "columns"
    table = _table_of(frame, namespace)
    if table is None:
        shown = ", ".join(str(c) for c in list(frame.columns)[:12])
        more = ", ..." if frame.shape[1] > 12 else ""
        table = f"a table with columns [{shown}{more}]"
    else:
        table = f"table {table}"
    at = f", asked for in {where}" if where and not where.startswith("<") else ""
    return f"{noun} {names} missing in {table}{at}"


def describe_error_text(ename: str, evalue: str, traceback_lines: list[str] | None = None) -> str | None:
    """From an error's text only (a Jupyter kernel's): the missing column and the last library line."""
    if ename != "KeyError":
        return None
    columns = missing_columns(evalue)
    if not columns:
        return None
    where = None
    for line in traceback_lines or []:
        for m in re.finditer(r"File (\S+?\.py):(\d+)|(\S+?\.py):(\d+)", strip_ansi(line)):
            filename, lineno = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
            if _is_library(filename) and "evaluation" in filename:
                where = f"{_short(filename)}:{lineno}"
    names = ", ".join(f"'{c}'" for c in columns)
    noun = "column" if len(columns) == 1 else "columns"
    return f"{noun} {names} missing in a table" + (f", asked for in {where}" if where else "")
