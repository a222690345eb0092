"""Excel templates for the team's own lists (measures, network, events, participants, Index rounds) and their import.

``evaluation template measures`` writes ``Maßnahmen.xlsx``: one data sheet with German column
headers, a drop-down list (Excel data validation) on every column with a fixed vocabulary
(Lebensbereich, Wirkungsstufe, Status, Sektor, Art ...), whole-number validation on years and counts,
and a sheet "Erläuterung" that explains every column, its allowed values and whether it must be
filled. Written with openpyxl (the library every Excel exchange in Python uses).

:func:`read_template` reads a filled-in workbook back into the contract table. Each wrong cell is
reported with sheet and cell in Excel's notation and what was expected, e.g.
``Maßnahmen!D14: 'in Planung' is not an allowed Status (expected one of geplant, laufend, ...)``,
all problems at once. German labels of a vocabulary (e.g. "Bildung und Ausbildung") and the
identifiers (``bildung``) are both accepted; the table holds the identifiers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError, Problem
from ..texts import text
from ..vocabulary import LEBENSBEREICHE, MEASURE_STATUS, NETWORK_SECTORS, WIRKUNGSSTUFEN

__all__ = ["TEMPLATES", "TemplateSpec", "TemplateColumn", "write_template", "read_template"]


@dataclass(frozen=True)
class TemplateColumn:
    """One column of a template: contract column, German header, type, allowed values, required."""

    column: str
    header: str
    kind: str = "text"  # text | int | float | bool | choice
    choices: dict[str, str] | None = None  # identifier -> German label
    required: bool = False
    help: str = ""


@dataclass(frozen=True)
class TemplateSpec:
    """A template: the contract table it fills, the data sheet's name, its columns."""

    kind: str
    contract: str
    sheet: str
    file_name: str
    columns: tuple[TemplateColumn, ...] = field(default_factory=tuple)


_STUFEN = {str(k): f"{k} – {v}" for k, v in WIRKUNGSSTUFEN.items()}
_YESNO = {"ja": "ja", "nein": "nein"}
_EVENT_KINDS = {"veranstaltung": "Veranstaltung", "schulung": "Schulung", "beteiligung": "Beteiligung"}
_MID = TemplateColumn("municipality_id", "Kommune (ID)", required=True, help="die ID der Kommune wie in params/, z. B. erlangen")

TEMPLATES: dict[str, TemplateSpec] = {
    "measures": TemplateSpec("measures", "measures", "Maßnahmen", "Maßnahmen.xlsx", (
        _MID,
        TemplateColumn("measure_id", "Maßnahme (ID)", required=True, help="kurze eindeutige Kennung, z. B. erlangen-m01"),
        TemplateColumn("title", "Titel", required=True),
        TemplateColumn("responsible", "Federführung"),
        TemplateColumn("provider", "Träger"),
        TemplateColumn("target_group", "Zielgruppe"),
        TemplateColumn("area_id", "Sozialraum (ID)", help="leer: ganze Kommune"),
        TemplateColumn("lebensbereich", "Lebensbereich", "choice", LEBENSBEREICHE),
        TemplateColumn("start_year", "Startjahr", "int", help="vierstellige Jahreszahl"),
        TemplateColumn("status", "Status", "choice", MEASURE_STATUS, required=True),
        TemplateColumn("wirkungsstufe", "Wirkungsstufe", "choice", _STUFEN, help="Stufe der Wirkungstreppe 1–7"),
    )),
    "network": TemplateSpec("network", "network_edges", "Netzwerk", "Netzwerk.xlsx", (
        _MID,
        TemplateColumn("wave", "Erhebungsjahr", "int", required=True),
        TemplateColumn("actor_from", "Akteur (von)", required=True),
        TemplateColumn("actor_to", "Akteur (zu)", required=True),
        TemplateColumn("sector_from", "Sektor (von)", "choice", NETWORK_SECTORS, required=True),
        TemplateColumn("sector_to", "Sektor (zu)", "choice", NETWORK_SECTORS, required=True),
        TemplateColumn("tie", "Art der Beziehung", help="z. B. austausch, kooperation"),
    )),
    "events": TemplateSpec("events", "events", "Veranstaltungen", "Veranstaltungen.xlsx", (
        _MID,
        TemplateColumn("event_id", "Veranstaltung (ID)", required=True),
        TemplateColumn("measure_id", "Maßnahme (ID)", help="leer: keiner Maßnahme zugeordnet"),
        TemplateColumn("year", "Jahr", "int", required=True),
        TemplateColumn("kind", "Art", "choice", _EVENT_KINDS, required=True),
        TemplateColumn("participants", "Teilnehmende", "int", required=True),
        TemplateColumn("participants_with_disabilities", "davon mit Behinderung", "int"),
        TemplateColumn("repeat_participants", "davon wiederholt teilgenommen", "int"),
    )),
    "participants": TemplateSpec("participants", "participant_responses", "Teilnehmende", "Teilnehmendenbefragung.xlsx", (
        _MID,
        TemplateColumn("measure_id", "Maßnahme (ID)", required=True),
        TemplateColumn("respondent_id", "Fragebogen (ID)", required=True),
        TemplateColumn("year", "Jahr", "int", required=True),
        TemplateColumn("in_target_group", "gehört zur Zielgruppe", "choice", _YESNO),
        TemplateColumn("has_disability", "mit Behinderung", "choice", _YESNO),
        TemplateColumn("satisfaction", "Zufriedenheit (1–5)", "choice", {str(i): str(i) for i in range(1, 6)}),
        TemplateColumn("benefit", "Nutzen (1–5)", "choice", {str(i): str(i) for i in range(1, 6)}),
    )),
    "index": TemplateSpec("index", "index_responses", "Index-Runden", "Index-für-Inklusion.xlsx", (
        _MID,
        TemplateColumn("round", "Runde", "int", required=True),
        TemplateColumn("year", "Jahr", "int", required=True),
        TemplateColumn("area", "Bereich", "choice", {"A": "A", "B": "B", "C": "C"}, required=True),
        TemplateColumn("theme", "Thema", required=True, help="z. B. A1"),
        TemplateColumn("question_id", "Frage (ID)", required=True, help="z. B. A1.01"),
        TemplateColumn("respondent_group", "Gruppe"),
        TemplateColumn("rating", "Bewertung (1–4)", "choice", {str(i): str(i) for i in range(1, 5)}),
    )),
}
_KIND_WORDS = {"text": "Text", "int": "ganze Zahl", "float": "Zahl", "bool": "ja/nein", "choice": "Auswahlliste"}


def write_template(kind: str, path: str | Path) -> Path:
    """Write the empty template ``kind`` (see :data:`TEMPLATES`) to ``path`` (a file or a folder)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    if kind not in TEMPLATES:
        raise InputError(f"unknown template '{kind}'", column="kind", expected=f"one of {sorted(TEMPLATES)}", found=kind)
    spec = TEMPLATES[kind]
    path = Path(path)
    if path.is_dir() or not path.suffix:
        path = path / spec.file_name
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    ws = wb.active
    ws.title = spec.sheet
    lists = wb.create_sheet("Listen")
    bold = Font(bold=True)
    for j, col in enumerate(spec.columns, start=1):
        letter = get_column_letter(j)
        cell = ws.cell(row=1, column=j, value=col.header + (" *" if col.required else ""))
        cell.font = bold
        if col.required:
            cell.fill = PatternFill("solid", fgColor="FFF2CC")
        ws.column_dimensions[letter].width = max(14, len(col.header) + 4)
        if col.kind == "choice" and col.choices:
            values = list(col.choices.values())
            for i, v in enumerate(values, start=1):
                lists.cell(row=i, column=j, value=v)
            dv = DataValidation(type="list", formula1=f"=Listen!${letter}$1:${letter}${len(values)}",
                                allow_blank=not col.required, showErrorMessage=True,
                                errorTitle=col.header, error=text("importing", "template.choice_error"))
        elif col.kind == "int":
            dv = DataValidation(type="whole", operator="between", formula1="0", formula2="100000000",
                                allow_blank=not col.required, showErrorMessage=True, errorTitle=col.header,
                                error=text("importing", "template.int_error"))
        else:
            continue
        ws.add_data_validation(dv)
        dv.add(f"{letter}2:{letter}5000")
    ws.freeze_panes = "A2"
    lists.sheet_state = "hidden"
    ex = wb.create_sheet("Erläuterung")
    ex.cell(row=1, column=1, value=text("importing", "template.title", sheet=spec.sheet)).font = Font(bold=True, size=13)
    ex.cell(row=2, column=1, value=text("importing", "template.intro", sheet=spec.sheet))
    heads = [text("importing", f"template.head_{k}") for k in ("column", "kind", "required", "allowed", "help")]
    for j, h in enumerate(heads, start=1):
        ex.cell(row=4, column=j, value=h).font = bold
    for i, col in enumerate(spec.columns, start=5):
        ex.cell(row=i, column=1, value=col.header)
        ex.cell(row=i, column=2, value=_KIND_WORDS[col.kind])
        ex.cell(row=i, column=3, value="ja" if col.required else "nein")
        ex.cell(row=i, column=4, value=", ".join(col.choices.values()) if col.choices else "")
        ex.cell(row=i, column=5, value=col.help)
    for letter, width in zip("ABCDE", (28, 14, 10, 60, 50)):
        ex.column_dimensions[letter].width = width
    wb.properties.creator = "evaluation (Wirkungsmonitoring-Werkbank)"
    import datetime as _dt

    fixed = _dt.datetime(2000, 1, 1)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.save(path)
    return path


def _header_key(value: Any) -> str:
    return str(value or "").replace("*", "").strip().casefold()


def read_template(path: str | Path, kind: str | None = None) -> pd.DataFrame:
    """Read a filled-in template into its contract table; every wrong cell is named (``Maßnahmen!D14``).

    ``kind`` defaults to the template whose data sheet the workbook has. Blank rows are skipped.
    Raises :class:`~evaluation.errors.InputError` listing every problem: a missing column header, an
    empty required cell, a value outside the drop-down list, a number where a whole number is expected.
    """
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", file=str(path), expected="a workbook written by 'evaluation template'")
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise InputError(f"cannot be read as an Excel workbook: {exc}", file=str(path)) from None
    try:
        if kind is None:
            kinds = [k for k, s in TEMPLATES.items() if s.sheet in wb.sheetnames]
            if not kinds:
                raise InputError("no template sheet in the workbook", file=str(path),
                                 expected=f"one of the sheets {[s.sheet for s in TEMPLATES.values()]}",
                                 found=wb.sheetnames)
            kind = kinds[0]
        spec = TEMPLATES[kind]
        if spec.sheet not in wb.sheetnames:
            raise InputError(f"the workbook has no sheet '{spec.sheet}'", file=str(path),
                             expected=f"the sheet '{spec.sheet}' of the template", found=wb.sheetnames)
        rows = list(wb[spec.sheet].iter_rows(values_only=True))
    finally:
        wb.close()
    file = str(path)
    sheet = spec.sheet
    if not rows:
        raise InputError(f"sheet '{sheet}' is empty", file=file, expected="the header row of the template")
    header = [_header_key(h) for h in rows[0]]
    problems: list[Problem] = []
    positions: dict[str, int] = {}
    for col in spec.columns:
        key = _header_key(col.header)
        if key in header:
            positions[col.column] = header.index(key)
        elif col.required:
            problems.append(Problem(f"{sheet}!1: missing column '{col.header}'", file, None, col.header,
                                    "the header row of the template"))
    records = []
    for r, values in enumerate(rows[1:], start=2):
        if values is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        rec: dict[str, Any] = {}
        for col in spec.columns:
            if col.column not in positions:
                rec[col.column] = np.nan
                continue
            j = positions[col.column]
            v = values[j] if j < len(values) else None
            if isinstance(v, str):
                v = v.strip() or None
            cell = f"{sheet}!{get_column_letter(j + 1)}{r}"
            if v is None:
                if col.required:
                    problems.append(Problem(f"{cell}: '{col.header}' is empty", file, r, col.header,
                                            "a value (the column must be filled)"))
                rec[col.column] = np.nan
                continue
            rec[col.column] = _convert(v, col, cell, file, r, problems)
        records.append(rec)
    if problems:
        raise InputError(f"{file}: {len(problems)} problem(s) in the workbook", file=file, problems=problems)
    out = pd.DataFrame(records, columns=[c.column for c in spec.columns])
    for col in spec.columns:
        if col.kind == "int" or (col.kind == "choice" and col.column in ("wirkungsstufe", "satisfaction", "benefit", "rating")):
            out[col.column] = pd.to_numeric(out[col.column], errors="coerce").astype("Int64")
        elif col.kind == "choice" and col.choices is _YESNO:
            out[col.column] = out[col.column].map({"ja": True, "nein": False}).astype("boolean")
        else:
            out[col.column] = out[col.column].astype(object).astype(str)  # text, also when the column is empty
    return out


def _convert(v: Any, col: TemplateColumn, cell: str, file: str, row: int, problems: list[Problem]) -> Any:
    if col.kind == "choice" and col.choices:
        s = str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)
        by_label = {lab.casefold(): key for key, lab in col.choices.items()}
        if s in col.choices:
            return s
        if s.casefold() in by_label:
            return by_label[s.casefold()]
        problems.append(Problem(f"{cell}: {s!r} is not an allowed {col.header}", file, row, col.header,
                                "one of " + ", ".join(col.choices.values()), s))
        return np.nan
    if col.kind == "int":
        try:
            f = float(str(v).replace(",", "."))
        except ValueError:
            f = float("nan")
        if not np.isfinite(f) or not f.is_integer() or f < 0:
            problems.append(Problem(f"{cell}: {v!r} is not a whole number", file, row, col.header,
                                    "a whole number >= 0, e.g. 2021", v))
            return np.nan
        return int(f)
    if col.kind == "float":
        try:
            return float(str(v).replace(",", "."))
        except ValueError:
            problems.append(Problem(f"{cell}: {v!r} is not a number", file, row, col.header, "a number", v))
            return np.nan
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)
