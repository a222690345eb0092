"""The annual run end to end on the Musterdaten: reports, tables, manifest, isolation, accessibility."""

from __future__ import annotations

import json
import re

import pytest

from evaluation.disclosure import scan_for_small_counts
from evaluation.reporting.export import chromium_binary

pytestmark = [pytest.mark.xdist_group("reports"), pytest.mark.notebook]

CHAPTERS = ["Kurzfassung", "Kontext", "Wirkungstreppe", "Befragung", "Netzwerk und Beteiligung",
            "Qualitative Befunde", "Wirkungsschätzung", "Index", "Daten und Methoden"]


def test_reports_written_and_failure_isolated(annual_run):
    manifest, out = annual_run
    reports = manifest["reports"]
    assert reports["erlangen"]["status"] == "ok", reports["erlangen"]
    assert reports["schneverdingen"]["status"] == "ok", reports["schneverdingen"]
    assert reports["overview"]["status"] == "ok", reports["overview"]
    # the broken parameter file fails alone, with an error that names the key
    assert reports["rostock"]["status"] == "failed" and "pol" in reports["rostock"]["error"]
    assert manifest["status"] == "failed"
    for name in ("erlangen.html", "schneverdingen.html", "overview.html", "manifest.json"):
        assert (out / name).exists(), name
    assert not list(out.glob(".work-*")) and not list(out.glob("*.tmp"))


def test_manifest_records_inputs_versions_and_timings(annual_run):
    manifest, out = annual_run
    on_disk = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk["year"] == 2025
    assert any(k.endswith("indicator_values.csv") for k in on_disk["inputs"])
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in on_disk["inputs"].values())
    assert {"pandas", "papermill", "evaluation"} <= set(on_disk["packages"])
    assert "commit" in on_disk["git"]
    assert on_disk["reports"]["erlangen"]["seconds"] > 0
    assert on_disk["parameters"]["erlangen"]["municipality"]["ags"] == ["09562000"]


def test_html_has_chapters_no_code_and_demo_label(annual_run):
    _, out = annual_run
    html = (out / "erlangen.html").read_text(encoding="utf-8")
    assert re.search(r'<html lang="de"[ >]', html)
    for chapter in CHAPTERS:
        assert re.search(rf"<h2 id=\"[^\"]+\">{re.escape(chapter)}</h2>", html), chapter
    # no code cells, no injected parameters, no tracebacks
    for forbidden in ["ReportContext.open", "params_file =", "Traceback", "injected-parameters", "jp-InputArea"]:
        assert forbidden not in html, forbidden
    # report text is German: no English estimator or inference strings from the library
    for report in out.glob("*.html"):
        text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", report.read_text(encoding="utf-8"))
        for english in ["difference-in-differences", "never-treated", "placebo units", "randomization inference",
                        "synthetic control (", "comparison"]:
            assert english not in text, (report.name, english)
    assert html.count("Musterdaten") >= 2
    # headings in order: no level skipped
    levels = [int(x) for x in re.findall(r"<h([1-6])[ >]", html)]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:])), levels
    # every figure has a text alternative and its table
    figures = re.findall(r"<figure>(.*?)</figure>", html, re.S)
    assert figures
    for fig in figures:
        assert re.search(r'<img [^>]*alt="[^"]{20,}"', fig) and "<table>" in fig


def test_every_figure_table_written_as_csv(annual_run):
    _, out = annual_run
    tables = sorted((out / "erlangen" / "tabellen").glob("*.csv"))
    html = (out / "erlangen.html").read_text(encoding="utf-8")
    named = set(re.findall(r"Daten: ([\w\-]+)\.csv", html))
    assert named and named <= {t.stem for t in tables}


def test_no_published_count_below_threshold(annual_run):
    _, out = annual_run
    for report in out.glob("*.html"):
        found = scan_for_small_counts(report.read_text(encoding="utf-8"), threshold=3)
        assert not found, f"{report.name}: {found[:5]}"


@pytest.mark.slow  # over 30 s (--durations, 2 shared cores)
def test_second_run_gives_identical_csvs(annual_run, params_dir, tmp_path):
    from evaluation.batch import run_annual

    _, out = annual_run
    manifest = run_annual(params_dir, 2025, tmp_path, only=["erlangen"], overview=False, progress=False, jobs=1)
    assert manifest["reports"]["erlangen"]["status"] == "ok", manifest["reports"]["erlangen"]
    first = {p.name: p.read_bytes() for p in (out / "erlangen" / "tabellen").glob("*.csv")}
    second = {p.name: p.read_bytes() for p in (tmp_path / "2025" / "erlangen" / "tabellen").glob("*.csv")}
    assert first.keys() == second.keys()
    different = [k for k in first if first[k] != second[k]]
    assert not different, different


@pytest.mark.browser
def test_reports_pass_axe_wcag21_aa(annual_run):
    if chromium_binary() is None:
        pytest.skip("headless Chromium is not installed (./wb test installs the Debian package 'chromium')")
    from evaluation.reporting.accessibility import audit_html, serious

    _, out = annual_run
    for name in ("erlangen.html", "overview.html"):
        bad = serious(audit_html(out / name))
        assert not bad, f"{name}: {bad}"


@pytest.mark.browser
def test_pdf_print(annual_run, tmp_path):
    if chromium_binary() is None:
        pytest.skip("headless Chromium is not installed (./wb test installs the Debian package 'chromium')")
    from evaluation.reporting.export import print_pdf

    _, out = annual_run
    pdf = print_pdf(out / "erlangen.html", tmp_path / "erlangen.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 50_000
