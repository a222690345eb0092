"""Turn an executed report notebook into one self-contained, accessible HTML page (and a PDF).

Why not nbconvert's HTML exporter: its templates are built to show notebooks (prompts, code styles,
JavaScript for widgets, a dark/light theme) and need several overrides to yield a document with one
``<main>`` landmark, ``lang="de"``, a table of contents and a print layout. The report's content
already comes as semantic HTML from :mod:`evaluation.reporting.blocks`, so the exporter only has to
collect the ``text/html`` outputs of the code cells (never their source, never the parameter cells,
never stdout/stderr or markdown notes meant for notebook users) and wrap them in a Jinja2 page.

The page embeds everything (CSS, PNG figures as data URIs): one file that a council member can
open, mail or print. :func:`print_pdf` prints it with headless Chromium.

Print engine: headless Chromium over the DevTools protocol (``Page.printToPDF``), chosen over
WeasyPrint on purpose:

- **Tagged PDF** (structure tree, reading order, table and heading tags, alt texts of figures) comes
  from ``generateTaggedPDF`` and a PDF outline (bookmarks per heading) from ``generateDocumentOutline``;
  WeasyPrint writes tagged PDF only in recent versions and only partly, and a screen-reader user of the
  PDF needs the tags (issue 14, item 8). The browser that prints is the browser axe-core audits, so
  what was checked on screen is what is printed.
- **Page margins drawn by the engine**: ``displayHeaderFooter`` with ``headerTemplate`` and
  ``footerTemplate`` puts the demo notice (Musterdaten) into the top margin and "Seite n von N" into
  the bottom margin of every page, outside the content box, so they never cover text (the old
  ``position: fixed`` line did).
- **No new system stack**: Debian's ``chromium`` is already needed for the accessibility test and is
  driven with ``websocket-client`` (see :mod:`.accessibility`); WeasyPrint needs pango and its own
  CSS dialect. What WeasyPrint has and Chromium lacks is ``target-counter()`` for page numbers in
  the table of contents; we get them by printing twice: the first print carries an invisible marker
  in each chapter heading, ``pdftotext`` (Debian ``poppler-utils``, one call, pages split at form
  feeds) tells on which page each marker landed, the numbers are written into the printed table of
  contents (fixed-width slots, so the layout does not move) and the page is printed again.

Print layout rules (CSS in the template): A4, chapters flow on (no forced page break per chapter,
which left near-empty pages), headings kept with what follows (``break-after: avoid``), figures and
short tables never split, table header rows repeated, wide tables wrap their cells instead of being
clipped by the screen's scroll box. The data tables behind figures and long tables (more than
:data:`APPENDIX_ROWS` rows, e.g. the input checksums) are printed in an appendix
("Anhang") with a pointer in place; on screen they stay where they are."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import date
from html import escape as html_escape
from pathlib import Path
from typing import Any

import nbformat
from jinja2 import Environment, PackageLoader, select_autoescape

from .. import __version__
from ..errors import InputError
from ..texts import text

SKIP_TAGS = {"parameters", "injected-parameters", "remove-output", "no-report"}
_heading_re = re.compile(r'<h2 id="([^"]+)">(.*?)</h2>', re.DOTALL)
#: tables with more rows than this are printed in the appendix (on screen they stay in place)
APPENDIX_ROWS = 12
#: page margins of the print (mm): top, right, bottom, left; header and footer are drawn inside them
PAGE_MARGINS_MM = (16.0, 14.0, 16.0, 14.0)
_block_re = re.compile(r'(<figure>.*?</figure>)|(<div class="table-wrap"[^>]*>.*?</div>)', re.DOTALL)
_caption_re = re.compile(r"<caption>(.*?)</caption>", re.DOTALL)


@dataclass(frozen=True)
class ExportedReport:
    """What the exporter produced: the HTML text, the table of contents and the title."""

    html: str
    title: str
    toc: list[tuple[str, str]]


def collect_html(nb: nbformat.NotebookNode) -> str:
    """The ``text/html`` outputs of all code cells, in order, except cells tagged as parameters."""
    parts: list[str] = []
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & SKIP_TAGS:
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                raise InputError(f"the notebook stopped with {out.get('ename')}: {out.get('evalue')}")
            if out.get("output_type") in ("display_data", "execute_result"):
                data = out.get("data", {})
                if "text/html" in data:
                    content = data["text/html"]
                    parts.append("".join(content) if isinstance(content, list) else content)
    return "\n".join(parts)


def _environment() -> Environment:
    return Environment(loader=PackageLoader("evaluation.reporting", "templates"),
                       autoescape=select_autoescape(["html", "j2"]), keep_trailing_newline=True)


def print_appendix(body: str, *, start: int = 0) -> tuple[str, list[str]]:
    """Move figure data tables and long tables to a printed appendix.

    Returns the body with each moved table marked ``screen-only`` (shown on screen where it stands)
    plus a print-only pointer "Tabelle A<n> im Anhang", and the list of appendix entries (HTML).
    """
    entries: list[str] = []
    offset = start

    def pointer(n: int, caption: str) -> str:
        return f'<p class="print-only table-note">{text("report", "document.appendix_pointer", n=n, caption=caption)}</p>'

    def repl(m: re.Match) -> str:
        chunk = m.group(0)
        if m.group(1):  # a figure: its data table goes to the appendix
            d = re.search(r'<details class="figure-table">.*?</details>', chunk, re.DOTALL)
            if not d:
                return chunk
            table = re.search(r'<div class="table-wrap".*</div>', d.group(0), re.DOTALL)
            cap = _caption_re.search(d.group(0))
            if not table:
                return chunk
            n = offset + len(entries) + 1
            entries.append(_appendix_entry(n, table.group(0)))
            moved = d.group(0).replace('<details class="figure-table">', '<details class="figure-table screen-only">', 1)
            return chunk.replace(d.group(0), moved + pointer(n, cap.group(1) if cap else ""))
        rows = chunk.count("<tr>") - 1
        if rows <= APPENDIX_ROWS:
            return chunk
        n = offset + len(entries) + 1
        cap = _caption_re.search(chunk)
        entries.append(_appendix_entry(n, chunk))
        return chunk.replace('<div class="table-wrap"', '<div class="table-wrap screen-only"', 1) + pointer(
            n, cap.group(1) if cap else "")

    return _block_re.sub(repl, body), entries


def _appendix_entry(n: int, table_html: str) -> str:
    """One appendix table: caption prefixed "Tabelle A<n>:", no scroll box, no focus stop."""
    html = table_html.replace(' tabindex="0"', "", 1).replace(' role="region"', "", 1)
    return _caption_re.sub(lambda m: f"<caption>{text('report', 'document.appendix_label', n=n)} {m.group(1)}</caption>",
                           html, count=1)


def split_print_sections(body: str) -> tuple[str, list[str]]:
    """Take the sections marked ``print-appendix`` out of the printed main text.

    Returns the body, in which each such section is wrapped as ``screen-only`` (it stays where it is
    on screen), and the print copies, whose ids (and the ``aria-labelledby`` pointing to them) get the
    prefix ``druck-`` so that no id is used twice.
    """
    out: list[str] = []
    copies: list[str] = []
    pos = 0
    opener = '<section class="print-appendix"'
    while True:
        start = body.find(opener, pos)
        if start < 0:
            out.append(body[pos:])
            break
        depth, i = 0, start
        while True:  # the matching </section>: sections nest
            nxt_open, nxt_close = body.find("<section", i + 1), body.find("</section>", i + 1)
            if nxt_close < 0:
                raise ValueError("unbalanced <section> in the report body")
            if 0 <= nxt_open < nxt_close:
                depth, i = depth + 1, nxt_open
            elif depth:
                depth, i = depth - 1, nxt_close
            else:
                end = nxt_close + len("</section>")
                break
        chunk = body[start:end]
        # one pointer per run of moved sections (consecutive ones share it)
        note = (f'<p class="print-only table-note">{text("report", "document.appendix_moved_pointer")}</p>'
                if (not copies or body[pos:start].strip()) else "")
        out += [body[pos:start], note, f'<div class="screen-only">{chunk}</div>']
        copy = re.sub(r'\b(id|aria-labelledby)="([^"]+)"', r'\1="druck-\2"', chunk)
        copies.append(copy.replace(opener, "<section", 1))
        pos = end
    return "".join(out), copies


def render_page(body: str, *, title: str, demo: bool, subtitle: str | None = None,
                generated: str | None = None) -> ExportedReport:
    """Wrap report body HTML in the accessible page template (screen and print)."""
    toc = [(m.group(1), re.sub(r"<[^>]+>", "", m.group(2))) for m in _heading_re.finditer(body)]
    body, moved = split_print_sections(body)
    body, appendix = print_appendix(body)
    moved_html = []
    for chunk in moved:  # their figure tables continue the appendix numbering
        chunk, more = print_appendix(chunk, start=len(appendix))
        appendix += more
        moved_html.append(chunk)
    page = _environment().get_template("report.html.j2").render(
        title=title,
        subtitle=subtitle,
        body=body,
        toc=toc,
        demo=demo,
        appendix=appendix,
        moved=moved_html,
        t=lambda key, **kw: text("report", key, **kw),
        generated=generated or text("report", "document.generated", date=date.today().strftime("%d.%m.%Y"),
                                    version=__version__),
    )
    return ExportedReport(page, title, toc)


def export_notebook(notebook: str | Path | nbformat.NotebookNode, *, title: str, demo: bool,
                    subtitle: str | None = None, generated: str | None = None) -> ExportedReport:
    """Executed notebook (path or node) -> :class:`ExportedReport`."""
    nb = nbformat.read(str(notebook), as_version=4) if not isinstance(notebook, nbformat.NotebookNode) else notebook
    return render_page(collect_html(nb), title=title, demo=demo, subtitle=subtitle, generated=generated)


def write_atomic(path: str | Path, content: str | bytes) -> Path:
    """Write to a temporary file in the same folder, then rename: readers never see half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "wb") as fh:
            fh.write(content.encode("utf-8") if isinstance(content, str) else content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def chromium_binary() -> str | None:
    """Path of a headless-capable Chromium (Debian's ``chromium``), or None."""
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage"]


def _header_footer(title: str, demo: bool) -> tuple[str, str]:
    """Chromium header and footer templates: demo notice on top, title and "Seite n von N" below."""
    style = ('<div style="font-family: \'DejaVu Sans\', Arial, sans-serif; font-size: 7.5pt; width: 100%; '
             'margin: 0 14mm; color: #4a4a4a; display: flex; justify-content: space-between;">')
    notice = (f'<span style="color: #4d3300; font-weight: bold;">{html_escape(text("report", "document.demo_short"))}</span>'
              if demo else "<span></span>")
    header = f"{style}{notice}<span>{html_escape(title)}</span></div>"
    page = text("report", "document.page_of", page='<span class="pageNumber"></span>',
                pages='<span class="totalPages"></span>')
    footer = f"{style}<span>{html_escape(text('report', 'document.footer'))}</span><span>{page}</span></div>"
    return header, footer


def pdf_pages_text(pdf_path: str | Path) -> list[str]:
    """The text of each page of a PDF (``pdftotext -raw``, Debian poppler-utils), in page order."""
    binary = shutil.which("pdftotext")
    if binary is None:
        raise InputError("pdftotext not found: install the Debian package 'poppler-utils' (./wb test does)")
    proc = subprocess.run([binary, "-raw", "-enc", "UTF-8", str(pdf_path), "-"], check=False,
                          capture_output=True, timeout=120)
    if proc.returncode != 0:
        raise InputError(f"pdftotext could not read {Path(pdf_path).name}: {proc.stderr.decode(errors='replace')[-300:]}")
    pages = proc.stdout.decode("utf-8", errors="replace").split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


_MARK = "QQTOC{}QQ"
_MARK_SCRIPT = """(() => {
  const ids = [];
  document.querySelectorAll('nav.toc a[href^="#"]').forEach(a => {
    const id = a.getAttribute('href').slice(1); const h = document.getElementById(id);
    if (!h) return; const s = document.createElement('span'); s.className = 'toc-mark';
    s.textContent = 'QQTOC' + ids.length + 'QQ'; h.appendChild(s); ids.push(id);
  });
  return ids;
})()"""
_FILL_SCRIPT = """((pages) => {
  document.querySelectorAll('.toc-mark').forEach(s => s.remove());
  document.querySelectorAll('nav.toc a[href^="#"]').forEach(a => {
    const id = a.getAttribute('href').slice(1); const slot = a.parentElement.querySelector('.toc-page');
    if (slot && pages[id] !== undefined) slot.textContent = String(pages[id]);
  });
  return true;
})(__PAGES__)"""


def _print_once(dt: Any, header: str, footer: str) -> bytes:
    import base64

    top, right, bottom, left = (m / 25.4 for m in PAGE_MARGINS_MM)
    res = dt.call("Page.printToPDF", printBackground=True, preferCSSPageSize=True, displayHeaderFooter=True,
                  headerTemplate=header, footerTemplate=footer, marginTop=top, marginBottom=bottom,
                  marginLeft=left, marginRight=right, generateTaggedPDF=True, generateDocumentOutline=True)
    return base64.b64decode(res["data"])


def print_pdf(html_path: str | Path, pdf_path: str | Path, *, timeout: float = 180) -> Path:
    """Print an HTML report to a tagged A4 PDF with page numbers and a printed table of contents.

    Two passes (see the module docstring): the first finds the page of each chapter heading, the
    second prints with those numbers in the table of contents. The demo notice stands in the top
    margin of every page when the report is marked as Musterdaten (``data-demo`` on ``<html>``).
    """
    from .accessibility import browser_page, open_file

    html_path, pdf_path = Path(html_path).resolve(), Path(pdf_path)
    if not html_path.exists():
        raise InputError("report not found", file=html_path)
    try:
        with browser_page() as dt:
            open_file(dt, html_path, timeout=timeout)
            dt.call("Emulation.setEmulatedMedia", media="print")
            title = dt.evaluate("document.querySelector('h1') ? document.querySelector('h1').textContent : document.title")
            demo = bool(dt.evaluate("document.documentElement.dataset.demo === '1'"))
            header, footer = _header_footer(str(title or "").strip(), demo)
            ids = dt.evaluate(_MARK_SCRIPT) or []
            first = _print_once(dt, header, footer)
            pages: dict[str, int] = {}
            if ids:
                with tempfile.TemporaryDirectory(prefix="print-") as tmp:
                    probe = Path(tmp) / "pass1.pdf"
                    probe.write_bytes(first)
                    for number, page_text in enumerate(pdf_pages_text(probe), start=1):
                        for i, anchor in enumerate(ids):
                            if anchor not in pages and _MARK.format(i) in page_text:
                                pages[anchor] = number
            dt.evaluate(_FILL_SCRIPT.replace("__PAGES__", json.dumps(pages)))
            final = _print_once(dt, header, footer)
    except (OSError, RuntimeError, TimeoutError) as exc:
        raise InputError(f"Chromium could not print {html_path.name} to PDF: {exc}") from exc
    write_atomic(pdf_path, final)
    return pdf_path


#: printable width of an A4 page inside the margins, in CSS pixels (96 per inch)
PRINT_WIDTH_PX = int(round((210 - PAGE_MARGINS_MM[1] - PAGE_MARGINS_MM[3]) / 25.4 * 96))
_OVERFLOW_SCRIPT = """(() => {
  const w = document.documentElement.clientWidth, out = [];
  document.querySelectorAll('table, figure, pre').forEach(el => {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > w + 1) {
      const cap = el.querySelector('caption, figcaption');
      out.push((cap ? cap.textContent : el.tagName).slice(0, 80) + ' (' + Math.round(r.right) + ' px)');
    }
  });
  if (document.documentElement.scrollWidth > w + 1) out.push('page ' + document.documentElement.scrollWidth + ' px');
  return out;
})()"""


def print_overflow(html_path: str | Path, *, timeout: float = 120) -> list[str]:
    """What would stick out of the printed page: tables and figures wider than the printable width.

    Chromium does not cut such content off; it shrinks the *whole* print to fit, which makes every
    page's text smaller. The page is laid out with the print styles at the printable width of A4
    (:data:`PRINT_WIDTH_PX`); an empty list means nothing overflows.
    """
    from .accessibility import browser_page, open_file

    path = Path(html_path).resolve()
    with browser_page() as dt:
        dt.call("Emulation.setDeviceMetricsOverride", width=PRINT_WIDTH_PX, height=1000, deviceScaleFactor=1,
                mobile=False)
        open_file(dt, path, timeout=timeout)
        dt.call("Emulation.setEmulatedMedia", media="print")
        return list(dt.evaluate(_OVERFLOW_SCRIPT) or [])
