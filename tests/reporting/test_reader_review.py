"""Defects found by reading the 2025 demo reports as a council member, a methodologist and a
screen-reader user (review of issues 13 and 14); each test keeps one of them from coming back.

* Kreis names from the Regionaldatenbank ("Mainz-Bingen, Landkreis", "Erlangen") were put after a
  fixed "im": "im Erlangen", "im Mainz-Bingen, Landkreis".
* The caption of the effects figure said that an interval clear of the null line "zeigt eine
  gesicherte Wirkung" - against the wording rule (robust only when the diagnostics pass too).
* Alt texts: the target-attainment bar chart was announced as a "Punktdiagramm"; the overview's
  forest plot said "in Prozentpunkte".
* Print: table cells could break inside any word, so narrow tables printed "201|5", "Stuf|e".
"""

from __future__ import annotations

import importlib
import re
import shutil
import subprocess

import pandas as pd
import pytest

from evaluation.texts import text

kontext_module = importlib.import_module("evaluation.reporting.chapters.kontext")


# -- Kreis names in sentences -----------------------------------------------------------------------
@pytest.mark.parametrize(("raw", "name", "phrase"), [
    ("Erlangen", "Erlangen", "in Erlangen"),
    ("Kreisfreie Stadt Rostock, Hansestadt", "Rostock", "in Rostock"),
    ("Heidekreis, Landkreis", "Heidekreis", "im Heidekreis"),
    ("Ostalbkreis, Landkreis", "Ostalbkreis", "im Ostalbkreis"),
    ("Mainz-Bingen, Landkreis", "Landkreis Mainz-Bingen", "im Landkreis Mainz-Bingen"),
    ("Landkreis Rostock", "Landkreis Rostock", "im Landkreis Rostock"),
])
def test_kreis_names_read_as_german(raw, name, phrase):
    """The five model municipalities' Kreise as table 13211-02-05-4 spells them."""
    assert kontext_module.kreis_forms(raw) == (name, phrase)


def test_every_kreis_of_the_real_table_gets_a_phrase_without_comma(fixture_path):
    """All 400 Kreis names of the real Regionaldatenbank file: no comma, no "im" before a bare city."""
    path = fixture_path("genesis/regionalstatistik_13211-02-05-4_2015-2020.csv")
    names = set()
    for line in path.read_bytes().decode("latin-1").splitlines():
        parts = line.split(";")
        if len(parts) > 3 and re.fullmatch(r"\d{4}", parts[0]) and re.fullmatch(r"\d{5}", parts[1]):
            names.add(parts[2].strip())
    assert len(names) > 350
    for raw in names:
        name, phrase = kontext_module.kreis_forms(raw)
        assert "," not in name and "," not in phrase, raw
        assert phrase.endswith(name) and phrase.split()[0] in ("in", "im"), raw
        if phrase.startswith("im "):  # "im" only before a Kreis, never before a city's bare name
            assert "kreis" in phrase.lower() or phrase.startswith("im Landkreis"), raw


def test_kreis_caption_template_takes_the_phrase():
    caption = text("report", "kontext.official_caption_kreis", kreis_in="in Erlangen")
    assert "in Erlangen und in allen anderen Kreisen" in caption and "im in" not in caption
    assert caption.startswith("Kreisebene")


# -- wording of the effects -------------------------------------------------------------------------
def test_effects_figure_caption_does_not_call_an_interval_alone_robust():
    caption = text("report", "wirkung.estimates_fig_caption")
    assert "zeigen eine gesicherte Wirkung" not in caption
    assert "Prüfungen" in caption  # robust = interval excludes 0 AND the diagnostics pass


# -- alt texts ----------------------------------------------------------------------------------------
def test_attainment_alt_names_the_chart_type_drawn():
    """figures.attainment_bars draws bars (barh); the alt text must not say 'Punktdiagramm'."""
    assert text("report", "treppe.attainment_alt", n=3, summary="x").startswith("Balkendiagramm")


def test_forest_alt_unit_reads_as_german():
    alt = text("report", "overview.forest_alt", indicator="Inklusionsanteil", n=3, unit="Prozentpunkte",
               values="Erlangen: 7,20")
    assert "in Prozentpunkte " not in alt and "Prozentpunkte" in alt


# -- print: words stay whole in narrow tables -------------------------------------------------------
def _page(wide_table: bool) -> str:
    from evaluation.reporting.blocks import ColumnSpec, Table
    from evaluation.reporting.export import render_page

    years = pd.DataFrame({"year": [2015, 2016], "count": [280, 272],
                          "long": ["Arbeitslose schwerbehinderte Menschen im Jahresdurchschnitt"] * 2,
                          "a": [11.7, 11.5], "b": [6.8, 6.7], "c": [5.5, 5.5]})
    narrow = Table(data=years, caption="Schmale Tabelle", columns=[
        ColumnSpec("year", "Jahr"), ColumnSpec("count", "Arbeitslose schwerbehinderte Menschen", "count"),
        ColumnSpec("long", "Stufe"), ColumnSpec("a", "Erlangen (%)", "number"),
        ColumnSpec("b", "Median aller anderen Kreise (%)", "number"), ColumnSpec("c", "25. Perzentil (%)", "number")],
        row_header="year")
    para = "<p>" + "Ein Absatz zum Messen der Schriftgröße. " * 8 + "</p>"
    body = f'<section><h2 id="a">Schmal</h2>{para}{narrow.html()}</section>'
    if wide_table:
        cols = {f"k{i}": [f"Vergleichskommunenmerkmal{i}", "Förderschulbesuchsquote"] for i in range(13)}
        wide = Table(data=pd.DataFrame(cols), caption="Breite Tabelle",
                     columns=[ColumnSpec(f"k{i}", f"Spalte{i}") for i in range(13)])
        body += f'<section><h2 id="b">Breit</h2>{wide.html()}</section>'
    return render_page(body, title="Drucktest", demo=True).html


def _print(tmp_path, name: str, wide_table: bool) -> tuple[str, float]:
    """(layout text, mean height of the word 'Schriftgröße' in the paragraph) of the printed page."""
    from evaluation.reporting.export import print_pdf

    html = tmp_path / f"{name}.html"
    html.write_text(_page(wide_table), encoding="utf-8")
    pdf = print_pdf(html, tmp_path / f"{name}.pdf")
    layout = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                            check=True).stdout
    bbox = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    h = [float(m.group(2)) - float(m.group(1))
         for m in re.finditer(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">Schriftgröße', bbox)]
    assert h, "paragraph not found in the PDF"
    return layout, sum(h) / len(h)


@pytest.mark.browser
def test_print_keeps_years_and_short_words_whole_without_shrinking_the_page(tmp_path):
    """Narrow tables: '2015', 'Jahr', 'Stufe' stay on one line (no break inside a word). A 13-column
    table of long words must not make Chromium scale the whole document down (it does when a
    table's smallest width exceeds the page): the text is as large as without that table."""
    from evaluation.reporting.export import chromium_binary

    if chromium_binary() is None or shutil.which("pdftotext") is None:
        pytest.skip("headless Chromium or pdftotext missing")
    layout, plain_height = _print(tmp_path, "narrow", wide_table=False)
    for word in ("2015", "2016", "Jahr", "Stufe"):
        assert re.search(rf"(?<!\w){word}(?!\w)", layout), f"'{word}' broken across lines in a narrow table"
    _, wide_height = _print(tmp_path, "wide", wide_table=True)
    assert abs(wide_height - plain_height) / plain_height < 0.03, (plain_height, wide_height)


# -- Kurzfassung: direction of an effect whose interval includes 0 -------------------------------------
def _fake_bundle(effects: pd.DataFrame, name: str = "Verbandsgemeinde Nieder-Olm"):
    from types import SimpleNamespace

    return SimpleNamespace(effects=SimpleNamespace(error=None, headline=lambda: effects),
                           comparison=SimpleNamespace(n_pool=7, error=None), meta=SimpleNamespace(name=name))


def test_kurzfassung_effect_direction_is_qualified_like_the_wirkung_chapter():
    """Nieder-Olm 2025: the Kurzfassung called +8,14 (-8,14 bis 24,43) 'das ist eine Verbesserung'
    while the Wirkung chapter said only the point estimate shows one."""
    from evaluation.reporting.context import ReportContext

    kf = importlib.import_module("evaluation.reporting.chapters.kurzfassung")
    effects = pd.DataFrame([
        {"name": "Inklusionsanteil", "estimate": 8.14, "ci_low": -8.14, "ci_high": 24.43, "unit_label": "Prozentpunkte",
         "direction": "improvement", "verdict": "not_interpretable"},
        {"name": "Haltestellen", "estimate": 16.39, "ci_low": 8.02, "ci_high": 24.75, "unit_label": "Prozentpunkte",
         "direction": "improvement", "verdict": "not_interpretable"}])
    html = kf.effects_section(ReportContext(_fake_bundle(effects))).html()
    uncertain = text("report", "wirkung.direction_uncertain", direction=text("report", "wirkung.direction.improvement"))
    first, second = html.split("<li>")[1:3]
    assert uncertain in first and "das ist eine Verbesserung" not in first
    assert uncertain not in second and text("report", "wirkung.direction.improvement") in second


def test_kurzfassung_names_the_municipality_with_its_article():
    kf = importlib.import_module("evaluation.reporting.chapters.kurzfassung")
    assert text("report", "kurzfassung.intro", name=kf.for_name("Verbandsgemeinde Nieder-Olm"), year=2025,
                programme="Kommune Inklusiv", start=2019).startswith(
        "Dieser Bericht fasst die Wirkungsbeobachtung für die Verbandsgemeinde Nieder-Olm")
    assert kf.for_name("Erlangen") == "Erlangen"


# -- overview ------------------------------------------------------------------------------------------
def test_overview_sentences_name_municipalities_with_their_article():
    """'Die meisten Ziele erreicht haben Erlangen und Verbandsgemeinde Nieder-Olm' and 'Am häufigsten
    nicht auf Kurs ist Erlangen: Zahl der Indikatoren nicht auf Kurs: 6.' (two colons) in 2025."""
    from evaluation.reporting import overview

    assert overview._subject("Verbandsgemeinde Nieder-Olm") == "die Verbandsgemeinde Nieder-Olm"
    assert overview._subject("Erlangen") == "Erlangen"
    sentence = text("report", "overview.interp_off_track", names="Erlangen", k=6, verb="hat")
    assert sentence.count(":") == 0 and "6" in sentence


def test_overview_names_every_municipality_tied_for_most_off_track(monkeypatch):
    """2025: Erlangen, Rostock, Schneverdingen and Nieder-Olm each had 6 targets off track; the
    overview named Erlangen alone."""
    from types import SimpleNamespace

    from evaluation.reporting import overview

    counts = pd.DataFrame({"municipality": ["Erlangen", "Rostock", "Schwäbisch Gmünd", "Verbandsgemeinde Nieder-Olm"],
                           "achieved": [3, 2, 4, 3], "on_track": [0, 1, 0, 0], "off_track": [6, 6, 5, 6],
                           "not_assessable": [1, 1, 1, 1]})
    monkeypatch.setattr(overview, "status_counts", lambda _octx: counts)
    sentences = overview.interpretation(SimpleNamespace(contexts=[]))
    off = [x for x in sentences if "nicht auf Kurs (6)" in x]
    assert off == ["Die meisten Indikatoren nicht auf Kurs (6) haben Erlangen, Rostock und die Verbandsgemeinde "
                   "Nieder-Olm."], sentences


# -- sources table ------------------------------------------------------------------------------------
def test_every_register_level_and_source_reads_as_german():
    """The sources table showed 'kreis', 'gemeinde', 'sozialraum' and 'Musterdaten-Item barrieren'."""
    from evaluation.register import load_register

    reg = load_register().table
    for level in set(reg["spatial_level"]):
        label = text("report", f"levels.{level}")
        assert label[0].isupper() and label != level
    assert text("report", "levels.kreis") == "Kreisebene"
    assert not reg["source"].astype(str).str.contains("Item").any()


# -- targets: a suppressed baseline says so --------------------------------------------------------------
def test_suppressed_baseline_is_named_not_a_bare_dash():
    """Erlangen 'Umgesetzte Maßnahmen des Aktionsplans': Basiswert '–', status 'nicht auf Kurs', no reason."""
    from types import SimpleNamespace

    from evaluation.reporting.context import ReportContext

    kf = importlib.import_module("evaluation.reporting.chapters.kurzfassung")
    table = pd.DataFrame([{"name": "Umgesetzte Maßnahmen des Aktionsplans", "status": "off_track",
                           "status_label": "nicht auf Kurs", "baseline": float("nan"), "baseline_year": 2017,
                           "latest": 60.9, "latest_year": 2025, "ci_low": 40.8, "ci_high": 77.8, "target": 85.0,
                           "target_year": 2025, "polarity": 1, "reason": "baseline_suppressed"}])
    bundle = SimpleNamespace(targets=SimpleNamespace(table=table, error=None))
    view = kf.targets_view(ReportContext(bundle))
    assert view["baseline_text"].iloc[0] == text("report", "kurzfassung.baseline_suppressed", year=2017)
    assert "gesperrt" in view["baseline_text"].iloc[0]


# -- planning report: quiet console, ids per page --------------------------------------------------------
@pytest.mark.slow
def test_plan_runs_quietly_and_each_page_starts_its_own_ids(demo_folder, tmp_path, capfd):
    """`evaluation plan` printed ipykernel's 'Kernel is running over TCP without encryption' once per
    municipality (a kernel process each); in this process, the second page's headings got '-2' ids."""
    from pathlib import Path

    from evaluation.planning.runner import run_plans

    root = Path(__file__).resolve().parents[2]
    summary = run_plans(root / "params", 2025, tmp_path, only=["erlangen", "nieder_olm"], data_folder=demo_folder)
    assert all(e["status"] == "ok" for e in summary["reports"].values()), summary
    out, err = capfd.readouterr()
    assert "IPKernelApp" not in out + err and "WARNING" not in out + err
    second = Path(summary["reports"]["nieder_olm"]["html"]).read_text(encoding="utf-8")
    assert 'id="worum-es-geht"' in second and 'id="worum-es-geht-2"' not in second


def test_development_word_follows_the_values_shown():
    """Schneverdingen Förderschulbesuchsquote: '3,5 (2016)' -> '3,5 (2025)' was called 'besser'."""
    kf = importlib.import_module("evaluation.reporting.chapters.kurzfassung")
    assert kf.better_worse({"latest": 3.47, "baseline": 3.52, "polarity": -1}) == text("report", "kurzfassung.trend_same")
    assert kf.better_worse({"latest": 3.3, "baseline": 3.52, "polarity": -1}) == text("report", "kurzfassung.trend_better")


# -- articles before a kind of municipality in the main text -------------------------------------------
def test_main_text_names_the_verbandsgemeinde_with_its_article():
    """'Die Wirkungsschätzung vergleicht die Entwicklung in Verbandsgemeinde Nieder-Olm', 'Sozialräume
    von Verbandsgemeinde Nieder-Olm', 'Verbandsgemeinde Nieder-Olm liegt auf Rang 13' (2025 reports)."""
    vg = "Verbandsgemeinde Nieder-Olm"
    assert "Entwicklung in der Verbandsgemeinde Nieder-Olm seit" in text(
        "report", "wirkung.intro", name=vg, start=2019, n=7, pool="x")
    assert text("report", "kontext.areas_caption", name=vg) == "Sozialräume der Verbandsgemeinde Nieder-Olm"
    assert text("report", "kontext.areas_caption", name="Erlangen") == "Sozialräume von Erlangen"
    assert text("report", "index.rank_text", name=vg, rank=13, n=129, low=2, high=14).startswith(
        "Die Verbandsgemeinde Nieder-Olm liegt auf Rang 13")
    assert "in der Verbandsgemeinde Nieder-Olm fand" in text("report", "befragung.intro", name=vg, waves="2018")
    assert text("planning", "areas.caption", name=vg).endswith("in der Verbandsgemeinde Nieder-Olm")


# -- Index für Inklusion: areas with their title ----------------------------------------------------------
def test_index_inklusion_areas_carry_their_title(demo_folder):
    """The self-assessment table showed bare 'A', 'B', 'C' and 'A1 ... C2' with no explanation."""
    from types import SimpleNamespace

    from evaluation.process.index_inklusion import index_change
    from evaluation.reporting.context import ReportContext

    index_section = importlib.import_module("evaluation.reporting.chapters.netzwerk").index_section
    resp = pd.read_csv(demo_folder / "index_responses.csv", comment="#")
    resp = resp[resp["municipality_id"] == "erlangen"]
    ch = index_change(resp).merge(resp[["area", "area_name"]].drop_duplicates("area"), on="area")
    ch = ch.assign(agree_from=100 * ch["share_agree_from"], agree_to=100 * ch["share_agree_to"],
                   change=100 * ch["change_share_agree"])
    html = index_section(ReportContext(SimpleNamespace(process=SimpleNamespace(index_inklusion=ch)))).html()
    assert "A – Inklusive Kulturen schaffen" in html
    assert text("report", "netzwerk.index_theme_note") in html
