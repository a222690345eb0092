"""The classic table CSV of GENESIS-Online and the Regionaldatenbank, layout detected.

A classic table download looks like this (13211-02-05-4, Regionaldatenbank, ISO-8859-1)::

    GENESIS-Tabelle: 13211-02-05-4                        <- title block: code, title (wrapped
    Arbeitslose nach ausgewählten Personengruppen sowie;;;     over lines), statistic, region,
    ...                                                        sometimes "Measure (Unit)"
    Arbeitsmarktstatistik der Bundesagentur für Arbeit;;;
    ;;;Arbeitslose;Arbeitslose;...                        <- column headers: one to several lines,
    ;;;;Ausländer;schwerbehindert;...                         empty above the row-dimension columns
    ;;;Anzahl;Anzahl;...;Prozent                          <- often a unit line
    2020;DG;Deutschland;2695444;795692;169691;...         <- data: row dimensions, then values
    2020;01;  Schleswig-Holstein;92140;...                    (names indented by level)
    __________                                            <- footer: notes, ©, "Stand: ..."

The number of title and header lines, whether there is a unit line, which row dimensions there
are (time, region code and name, Schulart, Altersjahre ...) vary between tables and between
vintages of one table, so nothing here counts lines. The layout is read from the content:

* the **first data line** is the first line with a non-empty first cell whose last non-empty cell
  is a number or a symbol; the **header lines** are the lines right above it that have text
  beyond the first cell; the lines above those are the **title block**;
* the **row-dimension columns** are the columns left of the first filled cell of the top header
  line; among them the **time** column holds years or dates, the **region** columns are a code
  (``DG`` or digits) followed by a name; the others are named row dimensions;
* a header line whose cells are all units (``Anzahl``, ``Prozent``, ``EUR`` ...) gives the
  **unit**; a header line whose cells are all years or dates puts **time** in the columns;
  the other header lines form the **variable** path, joined with ``" | "``; a last title line of the
  form ``Gestorbene (Anzahl)`` gives measure and unit where the headers do not;
* the data end at the footer rule ``__________``; a file without it, or whose last line is short,
  is truncated.

The data block itself is parsed by Arrow's CSV reader (``pyarrow.csv``, multi-threaded, all cells
as text, straight from the memory-mapped file) and the cells by the vectorised
:func:`~evaluation.io.genesis_symbols.parse_codes`; only the few title and header lines are handled
line by line. Text columns of the result are pandas Categoricals: a 100 MB table has over ten
million values but only a few hundred distinct regions and variables.
"""

from __future__ import annotations

import csv
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..errors import InputError, Problem
from .genesis_regions import region_from_title, region_level
from .genesis_source import Source
from .genesis_symbols import SUFFIXES, SYMBOLS, UndefinedSymbols, flag_categorical, parse_codes

FOOTER_RULE = b"\n__________"
_HEAD_LIMITS = (1 << 18, 1 << 22)  # bytes searched for the first data line (small, then larger)

_TIME_RE = re.compile(
    r"^(?:\d{4}|\d{2}\.\d{2}\.\d{4}|\d{4}-\d{2}(?:-\d{2})?|\d{4}/\d{2}|"
    r"\d\. Quartal \d{4}|\d{4} \d\. Quartal|(?:Januar|Februar|März|April|Mai|Juni|Juli|August|"
    r"September|Oktober|November|Dezember) \d{4}|\d{4} (?:Januar|Februar|März|April|Mai|Juni|"
    r"Juli|August|September|Oktober|November|Dezember)|"
    r"Schuljahr \d{4}/\d{2,4}|\d{4}/\d{4}|WS \d{4}/\d{2,4}|SS \d{4})$"
)
_REGION_CODE_RE = r"DG|\d{2}|\d{3}|\d{5}|\d{8}|\d{9}|\d{12}"
_UNITS = {
    "anzahl", "prozent", "%", "eur", "euro", "tsd. eur", "tsd.", "tsd", "mill. eur", "mio. eur",
    "mrd. eur", "1000", "1 000", "1000 eur", "tausend", "jahre", "monate", "tage", "stunden", "std.",
    "km", "km²", "qkm", "qm", "m²", "ha", "t", "tonnen", "kg", "personen", "einwohner", "index",
    "promille", "‰", "je 1000 einwohner", "je 1 000 einwohner", "je einwohner", "eur je einwohner",
    "1000 t", "1000 ha", "mwh", "kwh", "gwh", "m³", "1000 m³", "stück", "punkte", "durchschnitt",
    # English downloads (language=en)
    "number", "percent", "thousand", "years", "persons", "tonnes", "hours", "days", "index points",
}
_UNIT_RE = re.compile(r"^(?:\d{4}=100|(?:tsd\.|mill\.|mio\.|mrd\.|1 ?000) \S.*|je \d.*|.* je .*)$", re.I)
_MEASURE_UNIT_RE = re.compile(r"^(?P<measure>.+?)\s*\((?P<unit>[^()]+)\)$")
_STATISTIC_RE = re.compile(r"statisti[ck]|erhebung|zählung|rechnung|fortschreibung|mikrozensus|survey|census", re.I)
_PLURALS = (("arten", "art"), ("gruppen", "gruppe"), ("klassen", "klasse"), ("stufen", "stufe"),
            ("formen", "form"), ("typen", "typ"), ("bereiche", "bereich"), ("träger", "träger"))
_TIME_WORDS = {"jahre", "jahr", "stichtag", "stichtage", "monate", "quartale", "halbjahre", "schuljahr",
               "schuljahre", "berichtsjahr", "zeit"}
_REGION_WORDS = {"deutschland", "bundesländer", "länder", "kreise", "kreise und krfr. städte", "gemeinden",
                 "regierungsbezirke", "gemeindeverbände", "kreisfreie städte und landkreise"}


@dataclass
class Layout:
    """What the detection found: line numbers are 1-based lines of the file."""

    title_lines: list[str]
    header_rows: list[list[str]]
    header_first_line: int
    data_first_line: int
    data_start: int  # byte offset of the first data line
    data_end: int  # byte offset after the last data line
    n_fields: int
    n_row_dims: int
    footer_text: str = ""
    meta: dict = field(default_factory=dict)


def _split(line: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=";", quotechar='"'), [])
    except csv.Error:  # e.g. a line break inside an unquoted field: treat the line as one cell
        return [line]


def _is_cell_value(text: str, decimal: str) -> bool:
    t = text.strip()
    if t in SYMBOLS:
        return True
    number = r"-?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?" if decimal == "," else r"-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
    return re.fullmatch(rf"(?:{number}|\(\s*{number}\s*\)|{number}\s*[{''.join(SUFFIXES)}])", t) is not None


def _is_data_row(cells: list[str], decimal: str) -> bool:
    filled = [i for i, c in enumerate(cells) if c.strip()]
    if not filled or filled[0] != 0 or len(filled) < 2:
        return False
    rest = [cells[i].strip() for i in filled[1:]]
    if all(_TIME_RE.match(c) for c in rest) and not re.fullmatch(_REGION_CODE_RE, cells[0].strip()):
        return False  # a header line with the time in the columns: "Kreise;;31.12.2021;31.12.2022"
    return _is_cell_value(cells[filled[-1]], decimal)


def _lines_with_offsets(buffer, limit: int):
    """(line text, start byte, end byte incl. newline) of the first ``limit`` bytes."""
    head = bytes(buffer[:limit])
    pos = 0
    while pos < len(head):
        nl = head.find(b"\n", pos)
        if nl < 0:
            if limit < len(buffer):
                return  # a line cut by the limit: the caller searches further
            nl = len(head) - 1
        yield pos, nl + 1
        pos = nl + 1


def detect_layout(src: Source, decimal: str) -> Layout:
    """Find title block, header lines, data block and footer (see the module docstring)."""
    buffer = src.buffer
    enc = "utf-8" if src.encoding == "utf-8-sig" else src.encoding
    bom = 3 if src.encoding == "utf-8-sig" else 0
    for limit in (*_HEAD_LIMITS, len(buffer)):
        limit = min(limit, len(buffer))
        rows: list[tuple[list[str], int, int]] = []
        data_idx = None
        for start, end in _lines_with_offsets(buffer, limit):
            text = bytes(buffer[max(start, bom):end]).decode(enc, errors="replace").rstrip("\r\n")
            cells = _split(text)
            rows.append((cells, start, end))
            if len(rows) > 1 and _is_data_row(cells, decimal):
                data_idx = len(rows) - 1
                break
        if data_idx is not None or limit >= len(buffer):
            break
    if data_idx is None:
        raise InputError(
            "not a GENESIS table: no data line found (a line that starts with a time or region and ends with "
            "a number or symbol)", file=src.label, row=1,
            expected="a GENESIS-Online / Regionaldatenbank table CSV (title lines, column headers, data, footer) "
                     "or a flat file (ffcsv)",
            found=(rows[0][0][:3] if rows else None))
    # header lines: directly above the first data line, with text beyond the first cell
    h = data_idx
    while h > 0 and any(c.strip() for c in rows[h - 1][0][1:]):
        h -= 1
    header_rows = [r[0] for r in rows[h:data_idx]]
    title_lines = [r[0][0].strip() for r in rows[:h] if r[0] and r[0][0].strip()]
    first_data = rows[data_idx][0]
    n_fields = len(first_data)
    if header_rows:
        top = header_rows[0]
        filled = [i for i, c in enumerate(top) if c.strip()]
        n_row_dims = filled[0] if filled else n_fields - 1
    else:
        # no column header: row dimensions are the cells before the first value
        n_row_dims = next((i for i, c in enumerate(first_data) if i > 0 and _is_cell_value(c, decimal)), 1)
    n_row_dims = max(1, min(n_row_dims, n_fields - 1))
    data_start = rows[data_idx][1]
    footer = buffer.find(FOOTER_RULE, data_start)
    if footer < 0:
        if not title_lines:
            raise InputError(
                "not a GENESIS table: no title lines above the column headers and no footer after the data",
                file=src.label, row=1,
                expected="a GENESIS-Online / Regionaldatenbank table CSV (title lines, column headers, data, "
                         "footer) or a flat file (ffcsv); for other CSV files use evaluation.io.tables",
                found=rows[0][0][:4])
        _raise_truncated(src, data_start, data_idx + 1, n_fields)
    data_end = footer + 1
    footer_text = src.text(data_end, len(buffer))
    return Layout(title_lines=title_lines, header_rows=header_rows, header_first_line=h + 1,
                  data_first_line=data_idx + 1, data_start=data_start, data_end=data_end,
                  n_fields=n_fields, n_row_dims=n_row_dims, footer_text=footer_text)


def _raise_truncated(src: Source, data_start: int, first_line: int, n_fields: int):
    buffer = src.buffer
    tail_start = max(data_start, len(buffer) - 4096)
    tail = src.text(tail_start, len(buffer))
    n_lines_before = bytes(buffer[data_start:tail_start]).count(b"\n") if tail_start > data_start else 0
    lines = tail.split("\n")
    if lines and lines[-1] == "":
        lines = lines[:-1]
    last = lines[-1].rstrip("\r") if lines else ""
    line_no = first_line + n_lines_before + len(lines) - 1
    n = len(_split(last))
    detail = (f"its last line has {n} of {n_fields} fields" if n != n_fields
              else "it ends after a data line without the footer")
    raise InputError(
        f"truncated GENESIS table: {detail} (no footer rule '__________' with notes and 'Stand:' follows "
        "the data); download the table again", file=src.label, row=line_no,
        expected=f"{n_fields} fields per data line and a footer after the data", found=last[:80])


def _is_unit_row(cells: list[str]) -> bool:
    vals = {c.strip() for c in cells if c.strip()}
    return bool(vals) and all(v.lower() in _UNITS or _UNIT_RE.match(v) for v in vals)


def _is_time_row(cells: list[str]) -> bool:
    vals = [c.strip() for c in cells if c.strip()]
    return bool(vals) and all(_TIME_RE.match(v) for v in vals)


def _title_dimension_names(title: str) -> list[str]:
    """Dimension names a title lists: 'Gestorbene: Deutschland, Jahre, Geschlecht, Altersjahre' or
    'Schulen ... nach Schularten - Stichtag ...' -> candidate names, region and time words removed."""
    names: list[str] = []
    m = re.search(r"\bnach (.+?)(?: - |$)", title)
    if m:  # Regionaldatenbank: "... nach Schularten - Stichtag ..."
        names = [p.strip() for p in re.split(r",| und | sowie ", m.group(1))]
        names = [re.sub(r"^(?:ausgewählten|ausgewählte)\s+", "", n) for n in names]
    elif ":" in title:  # GENESIS-Online: "Gestorbene: Deutschland, Jahre, ..., Altersjahre"
        names = [p.strip() for p in title.split(":", 1)[1].split(",")]
    out = []
    for n in names:
        if not n or n.lower() in _TIME_WORDS or n.lower() in _REGION_WORDS:
            continue
        for plural, singular in _PLURALS:
            if n.endswith(plural):
                n = n[: -len(plural)] + singular
                break
        out.append(n)
    return out


def _parse_title(lines: list[str]) -> dict:
    meta: dict = {"table": None, "title": None, "statistic": None, "region": None, "measure": None, "unit": None}
    rest = list(lines)
    if rest and re.match(r"^(GENESIS-Tabelle|GENESIS-Table|Tabelle|Table)\s*:", rest[0]):
        meta["table"] = rest.pop(0).split(":", 1)[1].strip()
    region = region_from_title(rest)
    if region:
        meta["region"] = region
        rest = [r for r in rest if r.strip() not in (region[1], "Deutschland insgesamt", "Germany")]
    if rest:
        m = _MEASURE_UNIT_RE.match(rest[-1])
        if m and (m.group("unit").lower() in _UNITS or _UNIT_RE.match(m.group("unit"))):
            meta["measure"], meta["unit"] = m.group("measure"), m.group("unit")
            rest = rest[:-1]
    stat = [r for r in rest if _STATISTIC_RE.search(r) and not r.endswith(",")]
    if stat:
        meta["statistic"] = stat[-1]
        rest = [r for r in rest if r != stat[-1]]
    title = ""
    for part in rest:  # a wrapped title: join lines (a hyphen at a line end joins without a blank)
        title = f"{title}{part}" if title.endswith("-") and not title.endswith(" -") else f"{title} {part}".strip()
    meta["title"] = title or None
    return meta


def _parse_footer(text: str) -> dict:
    lines = text.replace("\r", "").split("\n")
    stand = next((ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("Stand:")), None)
    body = "\n".join(ln for ln in lines[1:] if not ln.startswith("Stand:")).strip()
    body = body.replace('""', "\x00").replace('"', "").replace("\x00", '"')
    copyright_ = None
    m = re.search(r"©[^\n]*(?:\n(?!\s*$)[^\n]*)*", body)
    if m:
        copyright_ = " ".join(x.strip() for x in m.group(0).split("\n"))
        body = (body[: m.start()] + body[m.end():]).strip()
    licence = None
    if copyright_ and "Datenlizenz Deutschland" in copyright_:
        licence = "Datenlizenz Deutschland – Namensnennung – Version 2.0" if "2.0" in copyright_ else "Datenlizenz Deutschland"
    return {"stand": stand, "copyright": copyright_, "licence": licence, "notes": body or None}


def _read_block(src: Source, layout: Layout) -> pa.Table:
    """The data block as an Arrow table of text columns (Arrow's multi-threaded CSV reader).

    A line with more or fewer fields than the first data line is an error naming that line.
    """
    names = [f"c{i}" for i in range(layout.n_fields)]
    enc = "utf8" if src.encoding in ("utf-8", "utf-8-sig") else src.encoding
    bad: list = []

    def invalid(row) -> str:
        bad.append(row)
        return "skip"

    def read(encoding: str, types: dict) -> pa.Table:
        reader = pa.BufferReader(pa.py_buffer(memoryview(src.buffer)[layout.data_start:layout.data_end]))
        try:
            return pacsv.read_csv(
                reader,
                read_options=pacsv.ReadOptions(column_names=names, encoding=encoding, block_size=1 << 24),
                parse_options=pacsv.ParseOptions(delimiter=";", quote_char='"', invalid_row_handler=invalid),
                convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=False,
                                                     quoted_strings_can_be_null=False))
        finally:
            reader.close()  # the table holds its own copies; drop the view on the file

    text_types = {n: pa.string() for n in names}
    try:
        if enc == "utf8":
            table = read("utf8", text_types)
        else:
            # values are ASCII: read the bytes without transcoding the whole block; only the row
            # dimensions (names with umlauts) stay bytes and are decoded later, value by distinct value
            fast = {n: (pa.binary() if i < layout.n_row_dims else pa.string()) for i, n in enumerate(names)}
            try:
                table = read("utf8", fast)
            except pa.ArrowInvalid as exc:
                if "UTF8" not in str(exc) and "utf8" not in str(exc).lower():
                    raise
                bad.clear()
                table = read(enc, text_types)  # a value cell with a non-ASCII character: transcode all
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise InputError(f"the data block cannot be read ({exc})", file=src.label, row=layout.data_first_line,
                         expected=f"{layout.n_fields} fields separated by ';' per line") from None
    if bad:
        row = bad[0]
        text = row.text if isinstance(row.text, str) else str(row.text)
        where = src.buffer.find(b"\n" + text.encode("utf-8" if enc == "utf8" else enc, errors="replace"),
                                layout.data_start - 1, layout.data_end)
        line = (layout.data_first_line + bytes(src.buffer[layout.data_start:where + 1]).count(b"\n")
                if where >= 0 else None)
        more = "more" if row.actual_columns > row.expected_columns else "fewer"
        raise InputError(f"a data line has {more} fields than the first data line (a damaged or truncated table)",
                         file=src.label, row=line, expected=f"{row.expected_columns} fields",
                         found=f"{row.actual_columns} fields: {text[:80]}")
    return table


def _categorical(indices: np.ndarray, labels: list[str] | np.ndarray, repeat: int = 1, tile: int = 1) -> pd.Categorical:
    """Categorical from dictionary indices and their labels (labels may repeat: merged)."""
    labels = [str(x) for x in labels]
    if len(set(labels)) == len(labels):  # the usual case: Arrow's dictionary is unique already
        uniq, codes = labels, np.asarray(indices)
    else:  # labels that became equal (e.g. after stripping the indentation) are merged
        uniq, inverse = np.unique(np.asarray(labels, dtype=object), return_inverse=True)
        codes = inverse[indices] if len(indices) else np.asarray(indices, dtype=np.int64)
    small = np.int8 if len(uniq) < 127 else np.int16 if len(uniq) < 32_767 else np.int32
    codes = np.asarray(codes).astype(small, copy=False)  # the dtype pandas keeps: no copy later
    if repeat > 1:
        codes = np.repeat(codes, repeat)
    if tile > 1:
        codes = np.tile(codes, tile)
    return pd.Categorical.from_codes(codes, categories=pd.Index(uniq, dtype="str"), validate=False)


def read_classic(src: Source, *, decimal: str = ",", row_dimensions: list[str] | None = None) -> pd.DataFrame:
    """Read a classic table CSV into the tidy frame of :func:`evaluation.io.genesis.read_genesis`."""
    layout = detect_layout(src, decimal)
    meta = _parse_title(layout.title_lines)
    meta.update(_parse_footer(layout.footer_text))
    n_rd, n_f = layout.n_row_dims, layout.n_fields
    # ---- data block: Arrow, all text
    block = _read_block(src, layout)
    n_rows = block.num_rows
    if n_rows == 0:
        raise InputError("the table has no data lines", file=src.label, row=layout.data_first_line)
    lines = layout.data_first_line + np.arange(n_rows)
    # ---- column headers
    value_cols = list(range(n_rd, n_f))
    header = [list(r) + [""] * (n_f - len(r)) for r in layout.header_rows]
    unit_rows = [r for r in header if _is_unit_row(r[n_rd:])]
    time_rows = [r for r in header if r not in unit_rows and _is_time_row(r[n_rd:])]
    path_rows = [r for r in header if r not in unit_rows and r not in time_rows]
    units = [(unit_rows[-1][j].strip() or None) if unit_rows else meta["unit"] for j in value_cols]
    col_time = [time_rows[0][j].strip() for j in value_cols] if time_rows else None
    variables = []
    for j in value_cols:
        parts = [r[j].strip() for r in path_rows if r[j].strip()]
        if meta["measure"] and (not parts or parts[0] != meta["measure"]):
            parts.insert(0, meta["measure"])
        variables.append(" | ".join(parts) if parts else f"column {j + 1}")
    # ---- row dimensions: dictionary-encode (few distinct values), detect roles on the dictionary
    dims: dict[int, tuple[np.ndarray, list[str]]] = {}
    for j in range(n_rd):
        enc_col = pc.dictionary_encode(block.column(j)).combine_chunks()
        dictionary = enc_col.dictionary
        if pa.types.is_binary(dictionary.type):  # bytes of an ISO-8859-1 / Windows-1252 file
            labels = [b.decode(src.encoding, errors="replace").strip() for b in dictionary.to_pylist()]
        else:
            labels = pc.utf8_trim_whitespace(dictionary).to_pylist()
        dims[j] = (enc_col.indices.to_numpy(zero_copy_only=False), labels)
    roles: dict[int, str] = {}
    for j in range(n_rd):
        uniq = pd.Series([u for u in dims[j][1] if u], dtype="string")
        if "time" not in roles.values() and col_time is None and len(uniq) and uniq.str.match(_TIME_RE.pattern).all():
            roles[j] = "time"
        elif ("region_code" not in roles.values() and j + 1 < n_rd and len(uniq)
              and uniq.str.fullmatch(_REGION_CODE_RE).all()):
            roles[j] = "region_code"
            roles[j + 1] = "region_name"
    header_names = {j: next((r[j].strip() for r in reversed(header) if r[j].strip()), None) for j in range(n_rd)}
    other = [j for j in range(n_rd) if j not in roles]
    guessed = False
    if row_dimensions is not None:
        if len(row_dimensions) != len(other):
            raise InputError("row_dimensions names a different number of row dimensions than the table has",
                             file=src.label, expected=f"{len(other)} names", found=list(row_dimensions))
        names = dict(zip(other, row_dimensions))
    else:
        candidates = _title_dimension_names(meta["title"] or "")
        unnamed = [j for j in other if not header_names[j]]
        guesses = candidates[-len(unnamed):] if unnamed and len(candidates) >= len(unnamed) else []
        names = {}
        for j in other:
            if header_names[j]:
                names[j] = header_names[j]
            elif guesses:
                names[j] = guesses[unnamed.index(j)]
                guessed = True
            else:
                names[j] = f"dimension_{other.index(j) + 1}"
    # ---- values: one vectorised parse per value column (Arrow fast path for plain numbers)
    n_v = len(value_cols)
    values = np.empty((n_rows, n_v), dtype="float64")
    flag_codes = np.zeros((n_rows, n_v), dtype="int8")
    problems: list[Problem] = []

    def parse(j: int, block=block):  # bound now: the name is deleted below
        try:
            return parse_codes(block.column(j), decimal=decimal)
        except UndefinedSymbols as exc:
            return exc

    # Arrow's kernels release the GIL: the columns are parsed in parallel threads
    workers = min(len(value_cols), os.cpu_count() or 1, 8)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        parsed = list(pool.map(parse, value_cols))
    for k, (j, result) in enumerate(zip(value_cols, parsed)):
        if not isinstance(result, UndefinedSymbols):
            values[:, k], flag_codes[:, k] = result
            continue
        exc = result
        filled = int(pc.sum(pc.not_equal(pc.utf8_trim_whitespace(block.column(j)), "")).as_py() or 0)
        if len(exc.cells) == filled:
            raise InputError(
                "the column headers do not line up with the data: this column holds text in every line, "
                "not values (a row dimension the header lines do not leave empty?)", file=src.label,
                row=int(lines[0]), column=variables[k], expected="numbers or symbols below each column header",
                found=exc.cells[0].text) from None
        for bad in exc.cells[:50]:
            problems.append(Problem("a cell holds a symbol that the Zeichenerklärung does not define",
                                    src.label, int(lines[bad.position]), variables[k],
                                    "a number or one of - . x / ... * ( ) and a trailing p r s e", bad.text))
    if problems:
        raise InputError(f"{src.label}: {len(problems)} cell(s) with an undefined symbol", file=src.label,
                         problems=problems)
    del block
    # ---- tidy: one row per value; text columns as Categoricals (millions of rows, few distinct values)
    n = n_rows * n_v
    out: dict[str, object] = {}
    if "time" in roles.values():
        idx, labels = dims[next(j for j, r in roles.items() if r == "time")]
        if all(re.fullmatch(r"\d{4}", t) for t in labels):
            out["time"] = np.repeat(np.array([int(t) for t in labels], dtype=np.int64)[idx], n_v)
        else:
            out["time"] = _categorical(idx, labels, n_v)
    elif col_time is not None:
        if all(re.fullmatch(r"\d{4}", t) for t in col_time):
            out["time"] = np.tile(np.array([int(t) for t in col_time], dtype=np.int64), n_rows)
        else:
            out["time"] = _categorical(np.arange(n_v), col_time, tile=n_rows)
    else:
        out["time"] = np.full(n, np.nan)
    if "region_code" in roles.values():
        ccol = next(j for j, r in roles.items() if r == "region_code")
        idx, labels = dims[ccol]
        out["region_code"] = _categorical(idx, labels, n_v)
        out["region_name"] = _categorical(dims[ccol + 1][0], dims[ccol + 1][1], n_v)
        levels = region_level(pd.Series(labels, dtype="string")).fillna("").tolist()
        level_cat = _categorical(idx, levels, n_v)
        out["region_level"] = level_cat.remove_categories([""]) if "" in level_cat.categories else level_cat
    else:
        code, name = meta["region"] if meta["region"] else (None, None)
        level = region_level([code]).iloc[0] if code else None
        for col, val in (("region_code", code), ("region_name", name), ("region_level", level)):
            out[col] = (pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=pd.Index([val], dtype="str"),
                                                  validate=False) if val else np.full(n, np.nan))
    for j in other:
        out[names[j]] = _categorical(dims[j][0], dims[j][1], n_v)
    out["variable"] = _categorical(np.arange(n_v), variables, tile=n_rows)
    if all(u is None for u in units):
        out["unit"] = np.full(n, np.nan)
    else:
        unit_labels = [u if u is not None else "" for u in units]
        unit_cat = _categorical(np.arange(n_v), unit_labels, tile=n_rows)
        out["unit"] = unit_cat.remove_categories([""]) if "" in unit_cat.categories else unit_cat
    out["value"] = values.reshape(-1)
    out["flag"] = flag_categorical(flag_codes.reshape(-1))
    df = pd.DataFrame(out)
    df.attrs["genesis"] = {
        "format": "classic", "file": src.label, "encoding": src.encoding,
        **{k: v for k, v in meta.items() if k != "region"},
        "region": meta["region"][1] if meta["region"] else None,
        "row_dimensions": [names[j] for j in other], "row_dimension_names_guessed": guessed,
        "header_lines": len(layout.header_rows), "first_data_line": layout.data_first_line,
        "data_lines": n_rows,
    }
    return df
