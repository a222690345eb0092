"""Accessible HTML building blocks of a report: headings, text, notices, tables and figures.

Every block renders to semantic HTML through ``_repr_html_``, so a notebook cell that ends with a
block shows it, and the exporter (:mod:`evaluation.reporting.export`) copies that HTML into the report.
Accessibility (WCAG 2.1 AA) is built in rather than added later:

- tables have a ``<caption>``, column headers ``<th scope="col">`` and row headers ``<th scope="row">``;
- every figure is an ``<img>`` with a text alternative, a caption, and the table behind it in a
  ``<details>`` element right below (so a screen-reader user gets the same numbers);
- count cells carry ``data-kind="count"`` so that a scanner can check that no published count is
  below the disclosure threshold; suppressed cells show the official symbol "." with the hidden word
  "gesperrt" for screen readers and a footnote that says why.

Every :class:`Table` and :class:`Figure` with a ``name`` is also written as CSV (``<name>.csv``) into the
report's table folder, deterministically (sorted columns as given, fixed float format, ``\\n`` line ends),
so that a second run on the same inputs gives byte-identical files.
"""

from __future__ import annotations

import base64
import html
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import pandas as pd

from ..texts import text

SUPPRESSED_SYMBOL = "."
_slug_re = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """An id for an anchor: lower-case ASCII with dashes (umlauts transliterated)."""
    t = text.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    return _slug_re.sub("-", t).strip("-") or "abschnitt"


_USED_ANCHORS: set[str] = set()


def unique_anchor(base: str) -> str:
    """An id not yet used in this process (one report = one kernel): 'zielerreichung', 'zielerreichung-2', ..."""
    anchor, n = base, 1
    while anchor in _USED_ANCHORS:
        n += 1
        anchor = f"{base}-{n}"
    _USED_ANCHORS.add(anchor)
    return anchor


def esc(text: Any) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def format_number(value: Any, decimals: int = 1, *, integer: bool = False) -> str:
    """German number format: decimal comma, thin-space-free thousands dot (e.g. 1.234,5)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "–"
    if isinstance(value, (bool, np.bool_)):
        return "ja" if value else "nein"
    if isinstance(value, (int, np.integer)) or integer:
        return f"{int(round(float(value))):,}".replace(",", ".")
    if isinstance(value, (float, np.floating)):
        s = f"{float(value):,.{decimals}f}"
        return s.replace(",", "\u0001").replace(".", ",").replace("\u0001", ".")
    return str(value)


#: columns that hold years or survey waves: always shown as a whole year ("2018"), never "2.018" or "2018.0"
YEAR_COLUMN = re.compile(r"^(?:year|wave|jahr|welle|baseline_year|target_year|latest_year|first_year|last_year|"
                         r"first|last|start|end|[a-z_]*_year)$")


def format_year(value: Any) -> str:
    """A year as four digits without thousands separator or decimals; '–' when missing.

    >>> format_year(2018.0), format_year("2021"), format_year(None)
    ('2018', '2021', '–')
    """
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "–"
    try:
        f = float(value)
    except (TypeError, ValueError):
        return str(value)
    return str(int(f)) if f.is_integer() else str(value)


def numerus(n: Any, one: str, many: str) -> str:
    """``one`` if ``n`` is exactly 1, else ``many`` (German: 0 and 2+ take the plural).

    >>> numerus(1, "Interview", "Interviews"), numerus(0, "Ziel", "Ziele")
    ('Interview', 'Ziele')
    """
    try:
        return one if float(n) == 1 else many
    except (TypeError, ValueError):
        return many


def count_noun(n: Any, noun: str) -> str:
    """A count with its noun in the right number, from ``nouns`` in ``texts/report.yaml``:
    ``count_noun(1, "begehung")`` -> '1 Begehung', ``count_noun(8, "interview")`` -> '8 Interviews'.

    Unknown nouns are an error (add them to the YAML), so no '1 Interviews' slips through.

    >>> count_noun(1, "begehung"), count_noun(8, "interview"), count_noun(1234, "massnahme")
    ('1 Begehung', '8 Interviews', '1.234 Maßnahmen')
    """
    one, many = text("report", f"nouns.{noun}.one"), text("report", f"nouns.{noun}.many")
    return f"{format_number(n, integer=True)} {numerus(n, one, many)}"


class Block:
    """Base class: anything with ``html()``; displays itself in a notebook."""

    def html(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def _repr_html_(self) -> str:
        return self.html()


@dataclass
class Raw(Block):
    """Trusted HTML produced by the reporting package itself."""

    content: str

    def html(self) -> str:
        return self.content


@dataclass
class Heading(Block):
    text: str
    level: int = 2
    anchor: str | None = None

    def html(self) -> str:
        level = min(max(self.level, 1), 6)
        return f'<h{level} id="{esc(self.anchor or slug(self.text))}">{esc(self.text)}</h{level}>'


@dataclass
class Paragraph(Block):
    text: str
    css_class: str | None = None

    def html(self) -> str:
        cls = f' class="{esc(self.css_class)}"' if self.css_class else ""
        return f"<p{cls}>{esc(self.text)}</p>"


@dataclass
class BulletList(Block):
    items: Sequence[str]
    ordered: bool = False

    def html(self) -> str:
        tag = "ol" if self.ordered else "ul"
        return f"<{tag}>" + "".join(f"<li>{esc(i)}</li>" for i in self.items) + f"</{tag}>"


@dataclass
class Notice(Block):
    """A highlighted note (e.g. caveats of an estimate); ``kind`` info | caveat | demo."""

    text: str
    title: str | None = None
    kind: str = "info"

    def html(self) -> str:
        title = f"<strong>{esc(self.title)}</strong> " if self.title else ""
        return f'<div class="notice notice-{esc(self.kind)}" role="note">{title}{esc(self.text)}</div>'


@dataclass
class Section(Block):
    """A chapter or section: a heading and its blocks, inside ``<section aria-labelledby>``."""

    title: str
    blocks: list[Block] = field(default_factory=list)
    level: int = 2
    anchor: str | None = None
    #: print this section in the appendix (e.g. per-indicator diagnostics); on screen it stays in place
    print_appendix: bool = False

    def __post_init__(self) -> None:
        self.anchor = unique_anchor(self.anchor or slug(self.title))

    def add(self, *blocks: Block | None) -> Section:
        self.blocks.extend(b for b in blocks if b is not None)
        return self

    def html(self) -> str:
        anchor = self.anchor
        inner = "".join(b.html() for b in self.blocks)
        cls = ' class="print-appendix"' if self.print_appendix else ""
        return (f'<section{cls} aria-labelledby="{esc(anchor)}">'
                f"{Heading(self.title, self.level, anchor).html()}{inner}</section>")


@dataclass
class ColumnSpec:
    """How one column of a table is shown: label, format, and whether it holds a count of persons."""

    name: str
    label: str
    kind: str = "text"  # text | count | number | percent | share | interval
    decimals: int = 1


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    from ..csvsafe import neutralise_frame  # no formula injection into spreadsheets (OWASP)

    text = neutralise_frame(frame).to_csv(index=False, float_format="%.6g", lineterminator="\n")
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


class TableSink:
    """Where published tables go as CSV (one folder per report); ``None`` folder = nowhere."""

    def __init__(self, folder: str | Path | None) -> None:
        self.folder = Path(folder) if folder else None
        self.names: list[str] = []

    def write(self, name: str, frame: pd.DataFrame) -> None:
        if self.folder is None:
            return
        if name in self.names:
            raise ValueError(f"two tables of one report share the name '{name}'")
        self.names.append(name)
        _write_csv(frame, self.folder / f"{name}.csv")


@dataclass
class Table(Block):
    """A published table. ``data`` must already be disclosure-controlled (see :mod:`.publish`).

    ``columns`` says what to show and how; ``flags`` (same shape as ``data``, optional) holds the
    reason of each suppressed cell; ``row_header`` is the column shown as row header.
    """

    data: pd.DataFrame
    caption: str
    columns: Sequence[ColumnSpec]
    name: str | None = None
    sink: TableSink | None = None
    row_header: str | None = None
    flags: pd.DataFrame | None = None
    note: str | None = None
    max_rows: int = 200

    def __post_init__(self) -> None:
        missing = [c.name for c in self.columns if c.name not in self.data.columns]
        if missing:
            raise KeyError(f"table '{self.caption}': columns {missing} not in data {list(self.data.columns)}")
        if self.sink is not None and self.name:
            cols = [c.name for c in self.columns]
            out = self.data[cols].copy()
            if self.flags is not None:
                for c in cols:
                    if c in self.flags.columns and self.flags[c].notna().any():
                        out[f"{c}_flag"] = self.flags[c].values
            self.sink.write(self.name, out)

    def _cell(self, spec: ColumnSpec, value: Any, flag: Any) -> str:
        suppressed = isinstance(flag, str) and flag.startswith("gesperrt")
        kind_attr = ' data-kind="count"' if spec.kind == "count" else ""
        if suppressed:
            return (f'<td{kind_attr} class="num suppressed" title="{esc(flag)}">'
                    f'<span aria-hidden="true">{SUPPRESSED_SYMBOL}</span><span class="sr-only">{esc(flag)}</span></td>')
        if spec.kind == "year" or (spec.kind in ("text", "number") and YEAR_COLUMN.match(spec.name)
                                   and _is_num(value) and 1000 <= float(value) <= 2999):
            return f'<td class="num">{esc(format_year(value))}</td>' if spec.kind != "text" else \
                f"<td>{esc(format_year(value))}</td>"
        if spec.kind == "text" and _is_num(value) and float(value).is_integer():
            return f"<td>{esc(str(int(value)))}</td>"
        if spec.kind == "text":
            return f"<td>{esc(value if value is not None and not (isinstance(value, float) and math.isnan(value)) else '–')}</td>"
        if spec.kind == "count":
            text = format_number(value, integer=True)
        elif spec.kind == "percent":
            text = format_number(value, spec.decimals) + (" %" if _is_num(value) else "")
        else:
            text = format_number(value, spec.decimals)
        return f'<td{kind_attr} class="num">{esc(text)}</td>'

    def html(self) -> str:
        data = self.data.head(self.max_rows)
        head = "".join(f'<th scope="col">{esc(c.label)}</th>' for c in self.columns)
        rows = []
        for i, (_, row) in enumerate(data.iterrows()):
            cells = []
            for spec in self.columns:
                flag = None
                if self.flags is not None and spec.name in self.flags.columns:
                    flag = self.flags.iloc[i][spec.name]
                if spec.name == self.row_header:
                    v = row[spec.name]
                    shown = format_year(v) if (YEAR_COLUMN.match(spec.name) and _is_num(v)) else (
                        str(int(v)) if _is_num(v) and float(v).is_integer() else v)
                    cells.append(f'<th scope="row">{esc(shown)}</th>')
                else:
                    cells.append(self._cell(spec, row[spec.name], flag))
            rows.append("<tr>" + "".join(cells) + "</tr>")
        more = ""
        if len(self.data) > self.max_rows:
            more = f'<p class="table-note">{esc(text("report", "blocks.rows_shown", shown=self.max_rows, total=len(self.data)))}</p>'
        note = f'<p class="table-note">{esc(self.note)}</p>' if self.note else ""
        csv = (f'<p class="table-note">{esc(text("report", "blocks.csv_file", name=self.name))}</p>'
               if (self.name and self.sink and self.sink.folder) else "")
        return (f'<div class="table-wrap" role="region" tabindex="0" aria-label="{esc(self.caption)}">'
                f'<table><caption>{esc(self.caption)}</caption>'
                f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}{note}{csv}</div>")


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not (isinstance(v, float) and math.isnan(v))


@dataclass
class Figure(Block):
    """A figure with its text alternative and its data table.

    ``draw(ax)`` draws on a matplotlib Axes from the (already disclosure-controlled) table's data;
    the PNG is embedded as base64 so the report stays one self-contained file.
    """

    draw: Callable[[Any], None]
    alt: str
    caption: str
    table: Table
    width: float = 7.5
    height: float = 4.0

    def png(self) -> bytes:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from .figures import apply_style

        apply_style()
        fig, ax = plt.subplots(figsize=(self.width, self.height), dpi=110)
        try:
            self.draw(ax)
            fig.tight_layout()
            german_ticks(fig)
            buf = io.BytesIO()
            # the words drawn into the figure (titles, axis labels, ticks, legend, annotations) travel in
            # the PNG's text chunk, so that the reader-text scan can check them like the page's text
            fig.savefig(buf, format="png", metadata={"Software": None, "Text": " | ".join(drawn_texts(fig))})
            return buf.getvalue()
        finally:
            plt.close(fig)

    def html(self) -> str:
        data = base64.b64encode(self.png()).decode("ascii")
        return (f'<figure><img src="data:image/png;base64,{data}" alt="{esc(self.alt)}" width="{int(self.width * 110)}" '
                f'height="{int(self.height * 110)}"><figcaption>{esc(self.caption)}</figcaption>'
                f'<details class="figure-table"><summary>{esc(text("report", "blocks.figure_table", caption=self.caption))}</summary>'
                f"{self.table.html()}</details></figure>")


def german_ticks(fig: Any) -> None:
    """Numeric tick labels in German notation (decimal comma, Unicode minus kept): matplotlib's
    ScalarFormatter writes "2.5"; the ticks are frozen where they are and relabelled "2,5"."""
    from matplotlib.ticker import FixedFormatter, FixedLocator, ScalarFormatter

    fig.canvas.draw()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if not isinstance(axis.get_major_formatter(), ScalarFormatter):
                continue
            locs = list(axis.get_majorticklocs())
            labels = [t.get_text().replace(".", ",") for t in axis.get_majorticklabels()]
            if len(labels) != len(locs):
                continue
            lim = axis.get_view_interval()
            axis.set_major_locator(FixedLocator(locs))
            axis.set_major_formatter(FixedFormatter(labels))
            (ax.set_xlim if axis is ax.xaxis else ax.set_ylim)(*lim)
    fig.canvas.draw()  # the tick label texts now hold the German labels (read by drawn_texts)


def drawn_texts(fig: Any) -> list[str]:
    """Every non-empty text a matplotlib figure shows (tick labels, titles, legends, annotations)."""
    from matplotlib.text import Text

    return [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def blocks_html(blocks: Iterable[Block]) -> str:
    return "".join(b.html() for b in blocks)
