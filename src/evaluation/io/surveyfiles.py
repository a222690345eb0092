"""Read survey files (SPSS ``.sav``/``.zsav``, Stata ``.dta``, CSV) with their labels and missing codes.

Reading is delegated to pyreadstat (ReadStat) for SPSS and Stata, which knows the files' own
encodings (an SPSS file written on Windows is usually Windows-1252; the file header says so and
pyreadstat decodes it), and to pandas for CSV. This module adds what a survey analyst needs on top:

* **user-defined missing codes** (SPSS "missing values", e.g. 8 = *weiß nicht*, 9 = *keine Angabe*,
  or ranges such as 97 thru 99; Stata extended missing ``.a``-``.z``) are turned into NaN in the
  returned data, and the codes that were removed are recorded per variable in
  :attr:`SurveyLabels.missing_codes` so that nothing disappears silently;
* **value labels** and variable labels are returned in a :class:`SurveyLabels` object; with
  ``check_labels=True`` every observed code of a labelled variable must have a label, otherwise an
  :class:`~evaluation.errors.InputError` names the file, the line (case number) and the column;
* :func:`apply_value_labels` turns coded columns into labelled (categorical) columns, again refusing
  codes without a label.

Raw files are never modified.

Example
-------
>>> from pathlib import Path
>>> from evaluation.io.surveyfiles import read_survey
>>> sav = Path(__file__).parents[3] / "tests/data/fixtures/survey/pallant_survey.sav"  # Pallant's file
>>> df, labels = read_survey(sav)
>>> labels.value_labels["sex"]
{1: 'MALES', 2: 'FEMALES'}
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..contracts import ID_COLUMNS
from ..errors import InputError

SUPPORTED = {".sav": "spss", ".zsav": "spss", ".por": "spss_por", ".dta": "stata", ".csv": "csv", ".txt": "csv"}


@dataclass(frozen=True)
class SurveyLabels:
    """Metadata of a survey file.

    Attributes
    ----------
    variable_labels : column -> question text (or None)
    value_labels : column -> {code: label}
    missing_codes : column -> sorted list of user-defined missing codes that were found in the data
        and set to NaN (empty when none were found)
    missing_definitions : column -> the declared missing values/ranges as in the file
        (list of ``(lo, hi)`` tuples; a single code is ``(c, c)``)
    measure : column -> "nominal" | "ordinal" | "scale" | "unknown" (SPSS measurement level)
    encoding : the text encoding the file declared (or the one used to read a CSV)
    file : the path that was read
    """

    variable_labels: dict[str, str | None] = field(default_factory=dict)
    value_labels: dict[str, dict[Any, str]] = field(default_factory=dict)
    missing_codes: dict[str, list[Any]] = field(default_factory=dict)
    missing_definitions: dict[str, list[tuple[Any, Any]]] = field(default_factory=dict)
    measure: dict[str, str] = field(default_factory=dict)
    encoding: str | None = None
    file: str | None = None

    def label(self, column: str, code: Any) -> str | None:
        """The label of ``code`` in ``column`` (None when there is none)."""
        labels = self.value_labels.get(column, {})
        return labels.get(_norm_code(code))


def _norm_code(code: Any) -> Any:
    """Codes read as 1.0 and labels keyed 1 must meet: whole floats become int."""
    if isinstance(code, (float, np.floating)) and np.isfinite(code) and float(code).is_integer():
        return int(code)
    if isinstance(code, (np.integer,)):
        return int(code)
    return code


def _norm_labels(value_labels: Mapping[str, Mapping[Any, str]]) -> dict[str, dict[Any, str]]:
    return {str(col): {_norm_code(k): str(v) for k, v in labs.items()} for col, labs in value_labels.items()}


def _missing_ranges(meta) -> dict[str, list[tuple[Any, Any]]]:
    out: dict[str, list[tuple[Any, Any]]] = {}
    for col, ranges in (getattr(meta, "missing_ranges", None) or {}).items():
        out[col] = [(r["lo"], r["hi"]) for r in ranges]
    for col, values in (getattr(meta, "missing_user_values", None) or {}).items():
        out.setdefault(col, []).extend((v, v) for v in values)
    return out


def _blank_user_missing(df: pd.DataFrame, definitions: Mapping[str, list[tuple[Any, Any]]]) -> dict[str, list[Any]]:
    """Set codes declared missing to NaN; return the codes that were found, per column."""
    found: dict[str, list[Any]] = {}
    for col, ranges in definitions.items():
        if col not in df.columns:
            continue
        s = df[col]
        mask = pd.Series(False, index=df.index)
        numeric = pd.api.types.is_numeric_dtype(s)
        for lo, hi in ranges:
            if numeric and not isinstance(lo, str):
                mask |= (s >= lo) & (s <= hi)
            else:
                mask |= s.astype("string").isin([str(lo), str(hi)]).fillna(False).astype(bool)
        if mask.any():
            found[col] = sorted({_norm_code(v) for v in s[mask].tolist()}, key=str)
            df[col] = s.mask(mask)
    return found


def _stata_extended_missing(df: pd.DataFrame) -> dict[str, list[Any]]:
    """pyreadstat returns Stata's .a-.z as strings in object columns when user_missing=True."""
    found: dict[str, list[Any]] = {}
    for col in df.columns:
        s = df[col]
        if s.dtype == object:
            is_ext = s.map(lambda v: isinstance(v, str) and len(v) == 1 and v.isalpha())
            if is_ext.any() and pd.to_numeric(s[~is_ext], errors="coerce").notna().sum() == s[~is_ext].notna().sum():
                found[col] = sorted({f".{v}" for v in s[is_ext]})
                df[col] = pd.to_numeric(s.mask(is_ext), errors="coerce")
    return found


def _read_csv(path: Path, encoding: str | None, sep: str | None,
              text_columns: Iterable[str] = ()) -> tuple[pd.DataFrame, str]:
    raw = path.read_bytes()
    candidates = [encoding] if encoding else ["utf-8-sig", "cp1252"]
    last: Exception | None = None
    for enc in candidates:
        try:
            raw.decode(enc)
        except (UnicodeDecodeError, LookupError) as exc:
            last = exc
            continue
        try:
            df = pd.read_csv(path, encoding=enc, sep=sep, engine="python" if sep is None else "c",
                             dtype=str, keep_default_na=False, na_values=[""])
        except (pd.errors.ParserError, ValueError) as exc:
            raise InputError(f"cannot parse the CSV file: {exc}", file=path,
                             expected="a delimited text file with one header line") from exc
        keep_text = set(ID_COLUMNS) | set(text_columns)
        for col in df.columns:  # numbers where the whole column is numeric, text otherwise
            if col in keep_text:  # identifiers stay text: '0012' keeps its zeros
                continue
            conv = pd.to_numeric(df[col], errors="coerce")
            if conv.notna().sum() == df[col].notna().sum():
                df[col] = conv
        return df, codecs.lookup(enc).name
    raise InputError(f"cannot decode the file with {candidates}: {last}", file=path,
                     expected="UTF-8 or Windows-1252 text (or pass encoding=...)")


def read_survey(
    path: str | Path,
    *,
    encoding: str | None = None,
    user_missing: bool = True,
    missing_codes: Mapping[str, Iterable[Any]] | Iterable[Any] | None = None,
    value_labels: Mapping[str, Mapping[Any, str]] | None = None,
    check_labels: bool | Iterable[str] = False,
    columns: Iterable[str] | None = None,
    sep: str | None = None,
    text_columns: Iterable[str] | None = None,
) -> tuple[pd.DataFrame, SurveyLabels]:
    """Read an SPSS, Stata or CSV survey file into a DataFrame plus its :class:`SurveyLabels`.

    Parameters
    ----------
    path : ``.sav``/``.zsav``/``.por`` (SPSS), ``.dta`` (Stata) or ``.csv``/``.txt``.
    encoding : override the file's declared encoding (SPSS/Stata) or the CSV encoding; by default
        SPSS/Stata use the encoding recorded in the file and CSV tries UTF-8, then Windows-1252.
    user_missing : set the codes the file declares as missing (SPSS missing values, Stata ``.a``-``.z``)
        to NaN and record them in ``labels.missing_codes``. ``False`` keeps SPSS missing codes as
        values (e.g. to tabulate "weiß nicht"); Stata's ``.a``-``.z`` are NaN either way.
    missing_codes : extra codes to treat as missing, either for all columns (a list such as
        ``[-9, 99]``) or per column (``{"q1": [8, 9]}``). Needed for CSV, which cannot declare them.
    value_labels : labels for a CSV (which has none) or to add to/override the file's labels.
    check_labels : ``True`` (all labelled columns) or a list of columns whose every observed code must
        have a value label; an unlabelled code raises :class:`InputError` with file, line and column.
    columns : read only these columns.
    sep : CSV separator (sniffed when omitted).
    text_columns : CSV columns to keep as text although they look numeric; the identifier columns
        of the data contracts (respondent_id, stratum, psu, area_id ...) always stay text.

    Returns
    -------
    (DataFrame, SurveyLabels); the DataFrame's index is 0..n-1 and the data line of a case is
    ``index + 1`` for SPSS/Stata (case number) and ``index + 2`` for CSV (line 1 is the header).
    """
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", file=path, expected="an existing survey file")
    kind = SUPPORTED.get(path.suffix.lower())
    if kind is None:
        raise InputError("unsupported survey file type", file=path,
                         expected=f"one of {sorted(SUPPORTED)}", found=path.suffix)
    cols = list(columns) if columns is not None else None
    definitions: dict[str, list[tuple[Any, Any]]] = {}
    found: dict[str, list[Any]] = {}
    line_offset = 1
    if kind == "csv":
        df, enc = _read_csv(path, encoding, sep, text_columns or ())
        if cols is not None:
            missing = [c for c in cols if c not in df.columns]
            if missing:
                raise InputError("requested columns not in the file", file=path, column=", ".join(missing),
                                 expected=f"columns among {list(df.columns)[:20]}")
            df = df[cols]
        var_labels: dict[str, str | None] = {c: None for c in df.columns}
        vlabels: dict[str, dict[Any, str]] = {}
        measure = {c: "unknown" for c in df.columns}
        line_offset = 2
    else:
        import pyreadstat

        reader = {"spss": pyreadstat.read_sav, "spss_por": pyreadstat.read_por, "stata": pyreadstat.read_dta}[kind]
        kwargs: dict[str, Any] = {"usecols": cols}
        if kind == "spss":  # read the codes themselves; whether they become NaN is decided below
            kwargs["user_missing"] = True
        elif kind == "stata":  # .a-.z carry no numeric code: NaN either way, recorded when user_missing
            kwargs["user_missing"] = user_missing
        if encoding:
            kwargs["encoding"] = encoding
        try:
            df, meta = reader(str(path), **kwargs)
        except pyreadstat.ReadstatError as exc:
            raise InputError(f"cannot read the {kind.upper()} file: {exc}", file=path,
                             expected=f"a valid {path.suffix} file") from exc
        except UnicodeDecodeError as exc:  # pragma: no cover - depends on the file
            raise InputError(f"text in the file is not in the declared encoding: {exc}", file=path,
                             expected="pass encoding='cp1252' (or the file's real encoding)") from exc
        enc = getattr(meta, "file_encoding", None) or encoding
        var_labels = dict(meta.column_names_to_labels)
        vlabels = _norm_labels(meta.variable_value_labels)
        measure = dict(getattr(meta, "variable_measure", {}) or {})
        if user_missing and kind == "spss":
            definitions = _missing_ranges(meta)
            found = _blank_user_missing(df, definitions)
        elif user_missing and kind == "stata":
            found = _stata_extended_missing(df)
    if value_labels:
        for col, labs in _norm_labels(value_labels).items():
            vlabels.setdefault(col, {}).update(labs)
    if missing_codes is not None:
        if isinstance(missing_codes, Mapping):
            extra = {str(c): [(v, v) for v in codes] for c, codes in missing_codes.items()}
        else:
            codes = list(missing_codes)
            extra = {c: [(v, v) for v in codes] for c in df.columns}
        unknown = [c for c in extra if c not in df.columns]
        if unknown and isinstance(missing_codes, Mapping):
            raise InputError("missing codes given for columns that are not in the file", file=path,
                             column=", ".join(unknown), expected="existing column names")
        for col, more in _blank_user_missing(df, extra).items():
            found[col] = sorted(set(found.get(col, [])) | set(more), key=str)
        for col, rng in extra.items():
            definitions.setdefault(col, []).extend(rng)
    df = df.reset_index(drop=True)
    labels = SurveyLabels(variable_labels=var_labels, value_labels=vlabels, missing_codes=found,
                          missing_definitions={k: v for k, v in definitions.items() if k in df.columns},
                          measure=measure, encoding=enc, file=str(path))
    if check_labels:
        to_check = list(vlabels) if check_labels is True else list(check_labels)
        unlabelled_codes(df, labels, to_check, raise_error=True, line_offset=line_offset)
    return df, labels


def unlabelled_codes(
    df: pd.DataFrame,
    labels: SurveyLabels,
    columns: Iterable[str] | None = None,
    *,
    raise_error: bool = False,
    line_offset: int = 1,
) -> pd.DataFrame:
    """Observed codes that have no value label, as a table ``column, code, n, first_line``.

    With ``raise_error=True`` an :class:`InputError` lists every such code with its first line.
    """
    rows = []
    for col in (columns if columns is not None else labels.value_labels):
        if col not in df.columns:
            raise InputError("column not in the data", file=labels.file, column=col,
                             expected=f"one of {list(df.columns)[:20]}")
        labs = labels.value_labels.get(col)
        if not labs:
            raise InputError("column has no value labels to check against", file=labels.file, column=col,
                             expected="a labelled variable")
        s = df[col].dropna()
        codes = s.map(_norm_code)
        bad = codes[~codes.isin(list(labs))]
        for _code, idx in bad.groupby(bad.astype(str)).groups.items():
            first = int(min(idx))
            rows.append({"column": col, "code": bad[first], "n": len(idx), "first_line": first + line_offset})
    out = pd.DataFrame(rows, columns=["column", "code", "n", "first_line"])
    if raise_error and len(out):
        from ..errors import Problem

        problems = [Problem(f"code {r.code!r} has no value label ({r.n} case(s))", labels.file, r.first_line,
                            r.column, f"one of the labelled codes {sorted(labels.value_labels[r.column], key=str)}",
                            r.code) for r in out.itertuples()]
        raise InputError(f"{len(problems)} code(s) without a value label", file=labels.file, problems=problems)
    return out


def apply_value_labels(df: pd.DataFrame, labels: SurveyLabels, columns: Iterable[str] | None = None,
                       *, ordered: bool | None = None) -> pd.DataFrame:
    """A copy of ``df`` where the given labelled columns become categoricals of their labels.

    The category order follows the code order, so a Likert item stays ordered; ``ordered`` defaults
    to True for variables SPSS marks as ordinal. Codes without a label raise :class:`InputError`
    (a silently dropped category would change every share computed afterwards).
    """
    cols = list(columns) if columns is not None else [c for c in labels.value_labels if c in df.columns]
    unlabelled_codes(df, labels, cols, raise_error=True)
    out = df.copy()
    for col in cols:
        labs = labels.value_labels[col]
        order = [labs[k] for k in sorted(labs, key=lambda v: (isinstance(v, str), v))]
        order = list(dict.fromkeys(order))
        is_ordered = ordered if ordered is not None else labels.measure.get(col) == "ordinal"
        out[col] = pd.Categorical(df[col].map(lambda v: labs.get(_norm_code(v)) if pd.notna(v) else np.nan),
                                  categories=order, ordered=is_ordered)
    return out
