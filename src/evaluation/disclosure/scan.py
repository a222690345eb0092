"""Scan a generated report for published counts below the threshold (a last line of defence).

The report marks every count cell as ``<td data-kind="count">``; :func:`scan_for_small_counts`
reads those cells (HTML) and returns every one whose number is ``0 < n < threshold`` (and ``0``
with ``include_zero``). Suppressed cells show the symbol ``.`` (or ``–``, ``x``) and are skipped.
For plain text (no such cells) every integer that stands alone in a table-like line is read.

>>> html = '<table><tr><td data-kind="count">2</td><td data-kind="count">.</td><td>1,5 %</td></tr></table>'
>>> [f.text for f in scan_for_small_counts(html, threshold=3)]
['2']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

__all__ = ["scan_for_small_counts", "SmallCount"]

_NUMBER = re.compile(r"^[+-]?\d{1,3}(?:[.\u202f\u00a0 ]\d{3})*(?:,\d+)?$|^[+-]?\d+(?:[.,]\d+)?$")


@dataclass(frozen=True)
class SmallCount:
    """A count cell that should not have been published: its text, value and line in the document."""

    text: str
    value: float
    line: int


def _parse_number(s: str) -> float | None:
    s = s.strip().replace("\u00a0", " ")
    if not s or not _NUMBER.match(s):
        return None
    if "," in s:  # German: 1.234,5
        s = s.replace(".", "").replace(" ", "").replace("\u202f", "").replace(",", ".")
    else:
        # a dot followed by exactly three digits is a thousands separator in German output
        s = s.replace(" ", "").replace("\u202f", "")
        if re.fullmatch(r"[+-]?\d{1,3}(\.\d{3})+", s):
            s = s.replace(".", "")
    try:
        return float(s)
    except ValueError:
        return None


class _CountCells(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.cells: list[tuple[str, int]] = []
        self._depth = 0  # >0 while inside a count cell
        self._buf: list[str] = []
        self._line = 0
        self.n_count_cells = 0

    def handle_starttag(self, tag, attrs):
        if self._depth:
            self._depth += 1 if tag in ("td", "th") else 0
            return
        if tag in ("td", "th") and dict(attrs).get("data-kind") == "count":
            self._depth = 1
            self._buf = []
            self._line = self.getpos()[0]
            self.n_count_cells += 1

    def handle_endtag(self, tag):
        if self._depth and tag in ("td", "th"):
            self._depth -= 1
            if self._depth == 0:
                self.cells.append(("".join(self._buf), self._line))

    def handle_data(self, data):
        if self._depth:
            self._buf.append(data)


def scan_for_small_counts(html_or_text: str, threshold: float = 3, *, include_zero: bool = False) -> list[SmallCount]:
    """Every published count in ``html_or_text`` with ``0 < value < threshold``.

    In HTML, only cells marked ``data-kind="count"`` are read (rates, percentages and years are
    not counts). Text without such cells is read line by line: every stand-alone integer token
    separated by ``|``, tabs or two or more spaces counts (a plain-text or Markdown table).
    An empty list means the document passes.
    """
    found: list[SmallCount] = []

    def check(raw: str, line: int) -> None:
        v = _parse_number(raw)
        if v is None:
            return
        if (0 < v < threshold) or (include_zero and v == 0):
            found.append(SmallCount(raw.strip(), v, line))

    parser = _CountCells()
    parser.feed(html_or_text)
    parser.close()
    if parser.n_count_cells:
        for raw, line in parser.cells:
            check(raw, line)
        return found
    if re.search(r"<\s*(html|table|td|body|div|p)\b", html_or_text, re.I):
        return found  # HTML without count cells: nothing marked as a count
    for lineno, line in enumerate(html_or_text.splitlines(), start=1):
        if "|" not in line and "\t" not in line and not re.search(r"\S {2,}\S", line):
            continue
        for tok in re.split(r"\||\t| {2,}", line):
            tok = tok.strip()
            if re.fullmatch(r"[+-]?\d[\d.\u202f\u00a0 ]*", tok):
                check(tok, lineno)
    return found
