"""The Kurzfassung at a glance and the overview that compares (issue 14, items 1, 4 and 7),
checked on the session's annual run (Erlangen, Schneverdingen and their overview)."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from lxml import html as lxml_html

from evaluation.texts import section, text

pytestmark = [pytest.mark.xdist_group("reports"), pytest.mark.notebook]


def _doc(path):
    return lxml_html.fromstring(path.read_text(encoding="utf-8"))


def _kurzfassung(doc):
    return doc.xpath("//section[@aria-labelledby='kurzfassung']")[0]


def test_targets_table_at_a_glance_matches_the_target_chapter(annual_run):
    _, out = annual_run
    doc = _doc(out / "erlangen.html")
    kz = _kurzfassung(doc)
    table = kz.xpath(".//table")[0]
    heads = [th.text_content() for th in table.xpath(".//thead//th")]
    assert heads == [text("report", f"kurzfassung.col_{k}") for k in
                     ("indicator", "baseline", "latest", "target", "status", "trend")]
    glance = pd.read_csv(out / "erlangen" / "tabellen" / "kurzfassung_ziele.csv")
    chapter = pd.read_csv(out / "erlangen" / "tabellen" / "zielerreichung.csv")
    assert sorted(glance["name"]) == sorted(chapter["name"])
    words = dict(zip(chapter["name"], chapter["status_label"]))
    for r in glance.itertuples():  # symbol + the same status word as the target chapter
        assert r.status_text.endswith(words[r.name]), (r.name, r.status_text, words[r.name])
        assert r.trend_text in {text("report", f"kurzfassung.trend_{k}") for k in ("better", "worse", "same", "unknown")}
    # the first thing after the heading: intro sentence, then the targets (first printed page)
    first_blocks = [el.tag for el in kz.iterchildren()][:4]
    assert first_blocks[:2] == ["h2", "p"] and "div" in first_blocks


def test_kurzfassung_has_effects_caveats_questions_metadata_and_glossary(annual_run):
    _, out = annual_run
    kz = _kurzfassung(_doc(out / "erlangen.html"))
    heads = [h.text_content() for h in kz.xpath(".//h3")]
    for key in ("effects_heading", "caveats_heading", "meaning_heading", "meta_heading", "glossary_heading"):
        assert text("report", f"kurzfassung.{key}") in heads, key
    body = kz.text_content()
    for term in ("Kish", "Caliper", "SMD", "Jaccard", "DiD"):
        assert term in body, term
    assert "Belastbarkeit:" in body and "Zitiervorschlag" in body
    assert "Wissenschaftliche Begleitung Kommune Inklusiv" in body  # institution from the parameter file
    assert "haben 1 ihr" not in body and "(n)" not in body


def test_leichte_sprache_explains_inclusion_measures_and_effect(annual_run):
    _, out = annual_run
    doc = _doc(out / "erlangen.html")
    box = doc.xpath("//div[contains(@class,'leichte-sprache')]")[0].text_content()
    assert text("report", "leichte_sprache.inclusion1") in box
    assert re.search(r"gab es \d+ Angebote", box)
    assert text("report", "leichte_sprache.helped_heading") in box


def test_overview_compares_in_one_order(annual_run):
    _, out = annual_run
    doc = _doc(out / "overview.html")
    page = doc.text_content()
    assert text("report", "overview.heading_reading") in page
    figures = doc.xpath("//figure")
    forests = [f for f in figures if "geschätzte Wirkung je Modellkommune" in f.xpath("string(figcaption)")]
    assert forests, "no forest plot"
    orders = [[th.text_content() for th in f.xpath(".//tbody/tr/th")] for f in forests]
    assert all(o == sorted(o, key=str.casefold) for o in orders), orders
    # the effects table: unit and direction, no method column repeated per row
    est = pd.read_csv(out / "overview" / "tabellen" / "uebersicht_wirkung.csv")
    assert {"unit_label", "better_word", "direction_word"} <= set(est.columns)
    assert "method_label" not in est.columns
    # the index league holds the model municipalities only
    league = pd.read_csv(out / "overview" / "tabellen" / "uebersicht_index.csv")
    models = set(pd.read_csv(out / "overview" / "tabellen" / "uebersicht_zielerreichung.csv")["municipality"])
    assert len(league) and set(league["municipality"]) <= models


def test_glossary_terms_defined():
    terms = section("report", "glossary")
    assert len(terms) >= 10 and all(len(v) > 30 for v in terms.values())
