"""The printed report (issue 14, item 2): nothing cut off, page numbers, printed table of contents,
demo notice in the margin, a tagged PDF, and a page budget.

The PDF is printed from the session's Erlangen report with :func:`evaluation.reporting.export.print_pdf`
(headless Chromium, two passes); its text is read back with ``pdftotext`` (Debian poppler-utils).
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from lxml import html as lxml_html

from evaluation.reporting.export import chromium_binary, pdf_pages_text

pytestmark = [pytest.mark.xdist_group("reports"), pytest.mark.notebook, pytest.mark.browser]

#: page budget of a municipality's report: the main text (up to the appendix) and the whole print
MAIN_TEXT_PAGES = 20
TOTAL_PAGES = 50  # the appendix holds every figure table and long table, so it may grow


def _norm(s: str) -> str:
    return re.sub(r"\s+", "", s).replace("\u00ad", "")


@pytest.fixture(scope="module")
def printed(annual_run, tmp_path_factory):
    if chromium_binary() is None or shutil.which("pdftotext") is None:
        pytest.skip("headless Chromium or pdftotext missing (./wb test installs 'chromium' and 'poppler-utils')")
    from evaluation.reporting.export import print_pdf

    _, out = annual_run
    html_path = out / "erlangen.html"
    pdf = print_pdf(html_path, tmp_path_factory.mktemp("pdf") / "erlangen.pdf")
    return html_path, pdf, pdf_pages_text(pdf)


def test_every_table_cell_is_in_the_pdf(printed):
    """Each cell of each table in the HTML (screen tables and figure data tables) is printed somewhere:
    the old print clipped wide tables at the scroll box (joint display without its quote column)."""
    html_path, _, pages = printed
    doc = lxml_html.fromstring(html_path.read_text(encoding="utf-8"))
    full = _norm("".join(pages))
    tables = doc.xpath("//table")
    assert len(tables) > 10
    missing = [(t.xpath("string(caption)")[:60], cell.text_content()[:60])
               for t in tables for cell in t.xpath(".//td|.//th")
               if _norm(cell.text_content()) and _norm(cell.text_content()) not in full]
    assert not missing, f"{len(missing)} cells not printed, e.g. {missing[:5]}"


def test_page_budget_and_appendix(printed):
    _, _, pages = printed
    assert len(pages) <= TOTAL_PAGES, len(pages)
    appendix = [i for i, p in enumerate(pages, start=1) if i > 1 and re.search(r"^Anhang: ", p, re.M)]
    assert appendix, "the printed appendix is missing"
    main_text = appendix[0] - 1
    assert main_text <= MAIN_TEXT_PAGES, f"main text has {main_text} pages (budget {MAIN_TEXT_PAGES})"


def test_page_numbers_and_demo_notice_in_every_margin(printed):
    _, _, pages = printed
    n = len(pages)
    for i, page in enumerate(pages, start=1):
        assert f"Seite {i} von {n}" in page, i
        assert "MUSTERDATEN" in page, i
    # the notice stands in the margin: never inside a text line of the content
    body_lines = [ln for p in pages for ln in p.splitlines() if "MUSTERDATEN" in ln]
    assert all(ln.startswith("MUSTERDATEN") for ln in body_lines), body_lines[:3]


def test_printed_table_of_contents_has_the_right_page_numbers(printed):
    html_path, _, pages = printed
    doc = lxml_html.fromstring(html_path.read_text(encoding="utf-8"))
    labels = [a.text_content().strip() for a in doc.xpath("//nav[contains(@class,'toc')]//a")]
    assert "Kurzfassung" in labels and "Anhang: Tabellen" in labels
    toc = re.sub(r"\s+", " ", pages[0])  # long entries wrap onto a second line
    previous = 1
    for label in labels:
        m = re.search(rf"\d+\. {re.escape(label)} (\d+)", toc)
        assert m, (label, toc[:600])
        page = int(m.group(1))
        assert page >= previous, (label, page)
        # the heading really stands on that page
        assert label in re.sub(r"\s+", " ", pages[page - 1]), (label, page)
        previous = page


def test_pdf_is_tagged_with_an_outline(printed):
    _, pdf, _ = printed
    if shutil.which("pdfinfo") is None:
        pytest.skip("pdfinfo missing")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Tagged:\s+yes", info, re.M), info
    raw = pdf.read_bytes()
    assert b"/Outlines" in raw and b"/Lang" in raw
    # the structure tree (Chromium's generateTaggedPDF) has headings, tables with header cells, and
    # figures that carry their alternative text (/Alt), so a screen reader gets what the HTML gives
    struct = subprocess.run(["pdfinfo", "-struct", str(pdf)], capture_output=True, text=True, check=True).stdout
    for tag in ("H1", "H2", "Table", "TH", "TD", "Figure", "L", "LI"):
        assert re.search(rf"^\s+{tag}\b", struct, re.M), tag
    assert raw.count(b"/Alt") >= struct.count("Figure\n") // 2 > 0


def test_nothing_wider_than_the_printed_page(printed):
    """Chromium shrinks the whole print when one table is too wide: every table must fit A4 width."""
    from evaluation.reporting.export import print_overflow

    html_path, _, _ = printed
    assert print_overflow(html_path) == []


def test_first_page_holds_the_summary_at_a_glance(printed):
    """Page 1: title, table of contents, the Kurzfassung and the start of its targets table."""
    from evaluation.texts import text

    _, _, pages = printed
    first = re.sub(r"\s+", " ", pages[0])
    caption = text("report", "kurzfassung.targets_caption", name="Erlangen", year=2025)
    assert "Kurzfassung" in first and caption[:40] in first, first[:800]
    assert text("report", "kurzfassung.col_status") in first
