"""No raw names or float years anywhere a reader sees (issue 14, item 5).

Every HTML page of the session's annual run (text, alt texts, labels, and the words drawn into each
figure, which travel in the PNG's text chunk) and every published CSV is scanned with
:func:`evaluation.reporting.accessibility.scan_report_html` / :func:`scan_table_csv` for snake_case
identifiers, years written as floats ("2018.0") or with a thousands separator ("2.016"), English
library strings ("NaN", "None", "True"), unresolved plurals ("Kommune(n)") and number/noun slips
("1 ihr Ziel", "1 Interviews").
"""

from __future__ import annotations

import pytest

from evaluation.reporting.accessibility import reader_text_problems, scan_report_html, scan_table_csv

pytestmark = [pytest.mark.xdist_group("reports"), pytest.mark.notebook]


@pytest.mark.parametrize("bad", [
    "Legende: einstellung_pos", "Welle 2018.0", "seit 2.016", "Wert: NaN", "Anzahl: None", "1 Modellkommune(n)",
    "haben 1 ihr Ziel erreicht", "1 Interviews und 8 Begehungen", "8 Interview", "Zielerreichung True",
])
def test_scanner_finds_each_kind(bad):
    assert reader_text_problems(bad), bad


@pytest.mark.parametrize("good", [
    "Welle 2018", "1 Begehung, 8 Interviews", "Daten: qualitativ_zitate.csv", "im letzten Jahr 1.219 Teilnahmen",
    "113.292 Einwohnerinnen und Einwohner", "Mehr unter https://www.example.org/a_b", "Nonne", "keine Werte",
])
def test_scanner_leaves_good_text(good):
    assert reader_text_problems(good) == [], reader_text_problems(good)


def test_every_report_page_reads_clean(annual_run):
    _, out = annual_run
    pages = sorted(out.glob("*.html"))
    assert len(pages) >= 3
    problems = [p for page in pages for p in scan_report_html(page)]
    assert not problems, f"{len(problems)} findings, e.g. " + "\n".join(problems[:8])


def test_every_published_table_reads_clean(annual_run):
    _, out = annual_run
    csvs = sorted(out.glob("*/tabellen/*.csv"))
    assert len(csvs) > 20
    problems = [p for f in csvs for p in scan_table_csv(f)]
    assert not problems, f"{len(problems)} findings, e.g. " + "\n".join(problems[:8])


def test_figures_carry_their_drawn_words(annual_run):
    """The scan sees legends and ticks: every figure PNG holds its drawn texts."""
    import base64
    import io
    import re

    from PIL import Image

    _, out = annual_run
    html = (out / "erlangen.html").read_text(encoding="utf-8")
    pngs = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    assert pngs
    for data in pngs:
        with Image.open(io.BytesIO(base64.b64decode(data))) as im:
            assert im.text.get("Text"), "a figure without its drawn texts"
