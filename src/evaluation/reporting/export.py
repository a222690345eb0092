"""Turn an executed report notebook into one self-contained, accessible HTML page (and a PDF).

Why not nbconvert's HTML exporter: its templates are built to show notebooks (prompts, code styles,
JavaScript for widgets, a dark/light theme) and need several overrides to yield a document with one
``<main>`` landmark, ``lang="de"``, a table of contents and a print layout. The report's content
already comes as semantic HTML from :mod:`evaluation.reporting.blocks`, so the exporter only has to
collect the ``text/html`` outputs of the code cells (never their source, never the parameter cells,
never stdout/stderr or markdown notes meant for notebook users) and wrap them in a Jinja2 page.

The page embeds everything (CSS, PNG figures as data URIs): one file that a council member can
open, mail or print. :func:`print_pdf` prints it with headless Chromium.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import nbformat
from jinja2 import Environment, PackageLoader, select_autoescape

from .. import __version__
from ..errors import InputError
from ..texts import text

SKIP_TAGS = {"parameters", "injected-parameters", "remove-output", "no-report"}
_heading_re = re.compile(r'<h2 id="([^"]+)">(.*?)</h2>', re.S)


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


def render_page(body: str, *, title: str, demo: bool, subtitle: str | None = None,
                generated: str | None = None) -> ExportedReport:
    """Wrap report body HTML in the accessible page template."""
    toc = [(m.group(1), re.sub(r"<[^>]+>", "", m.group(2))) for m in _heading_re.finditer(body)]
    page = _environment().get_template("report.html.j2").render(
        title=title,
        subtitle=subtitle,
        body=body,
        toc=toc,
        demo=demo,
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


def print_pdf(html_path: str | Path, pdf_path: str | Path, *, timeout: float = 120) -> Path:
    """Print an HTML report to PDF with headless Chromium (A4, backgrounds, no browser header/footer)."""
    binary = chromium_binary()
    if binary is None:
        raise InputError("headless Chromium not found: install the Debian package 'chromium' for the PDF print")
    html_path, pdf_path = Path(html_path).resolve(), Path(pdf_path)
    with tempfile.TemporaryDirectory(prefix="chromium-", ignore_cleanup_errors=True) as profile:
        tmp_pdf = Path(profile) / "out.pdf"
        cmd = [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--no-pdf-header-footer",
               f"--print-to-pdf={tmp_pdf}", html_path.as_uri()]
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout, text=True)
        if proc.returncode != 0 or not tmp_pdf.exists() or tmp_pdf.stat().st_size == 0:
            raise InputError(f"Chromium could not print {html_path.name} to PDF: {proc.stderr.strip()[-400:]}")
        write_atomic(pdf_path, tmp_pdf.read_bytes())
    return pdf_path
