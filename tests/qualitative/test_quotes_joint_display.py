"""Pseudonymised quotes and the joint display."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaluation.errors import InputError
from evaluation.qualitative.joint_display import joint_display
from evaluation.qualitative.quotes import pseudonymise, select_quotes
from evaluation.texts import text


@pytest.mark.parametrize("raw", [
    "+49 9131 86-1234", "+49 (0) 30 1234567", "0049 171 2345678", "030/1234567", "(030) 123 456",
    "0171-2345678", "09131 861234",
])
def test_german_phone_numbers_replaced(raw):
    assert pseudonymise(f"Ruf an: {raw}.") == f"Ruf an: {text('qualitative', 'pseudonym.phone')}."


@pytest.mark.parametrize("kept", ["Im Jahr 2021 kamen 1234 Leute", "PLZ 91054 Erlangen", "am 01.02.2020 um 10 Uhr",
                                  "Fläche 12,5 m²", "Drucksache 19/12345"])
def test_numbers_that_are_no_phone_kept(kept):
    assert pseudonymise(kept) == kept


def test_names_and_emails():
    out = pseudonymise("Herr Jonas Weber (jonas.weber@example.org) und Frau Webers Kollegin; Weberei bleibt.",
                       names=["Jonas Weber"])
    assert out == "Herr [Name] ([E-Mail-Adresse]) und Frau [Name] Kollegin; Weberei bleibt."


def test_select_quotes_pseudonymised(synthetic):
    _, _, codings = synthetic
    cases = pd.DataFrame({"case_id": ["fall_mueller"], "name": ["Anna Müller"]})
    q = select_quotes(codings, min_words=3, max_words=12, names=["Jonas Weber"], cases=cases)
    assert q["code_id"].is_unique and set(q["code_id"]) == set(codings["code_id"])
    joined = " ".join(q["text"])
    for secret in ("Weber", "jonas.weber@example.org", "86-1234", "Müller"):
        assert secret not in joined
    bild = q.set_index("code_id").loc["BILD"]
    # 9 words lie nearer the middle of 3..12 than 4 words: the longer segment, pseudonymised
    assert bild["words"] == 9 and bild["text"] == "Die Schulbegleitung klappt gut, sagt Herr [Name] ([E-Mail-Adresse])."
    short = select_quotes(codings, codes=["BILD"], min_words=1, max_words=3)
    assert short["text"].item() == "Die Schulbegleitung klappt" + text("qualitative", "pseudonym.truncated")
    assert short["truncated"].item()
    with pytest.raises(InputError):
        select_quotes(codings, min_words=10, max_words=5)


def test_joint_display(synthetic):
    codebook, sources, codings = synthetic
    indicators = pd.DataFrame({
        "indicator_id": ["I1", "I2", "I3"],
        "name": ["Barrierefreie Haltestellen", "Beschäftigte in Inklusionsbetrieben", "Teilnahme Sportvereine"],
        "lebensbereich": ["alltag", "arbeit", "gesundheit"], "wirkungsstufe": [6, 6, 5],
        "status": ["auf Kurs", "nicht auf Kurs", "keine Daten"], "value": [0.4, 0.1, np.nan],
    })
    jd = joint_display(indicators, codings, sources, codebook, names=["Jonas Weber", "Anna Müller"])
    cells = list(zip(jd["lebensbereich"], jd["wirkungsstufe"]))
    assert cells == [("bildung", 3), ("arbeit", 6), ("alltag", 6), ("gesundheit", 5), ("freizeit", 3),
                     ("freizeit", 5), ("partizipation", 2)]  # vocabulary order, then step
    alltag = jd.iloc[2]
    assert alltag["indicators"] == "Barrierefreie Haltestellen (auf Kurs)"
    # alltag/6 codes: Barrieren (d1, d6), Aufzüge (d1, d4), Bordsteine (d3): 4 of 6 documents
    assert alltag["documents"] == 4 and alltag["document_share"] == pytest.approx(4 / 6)
    assert alltag["codes"].startswith("Barrieren (33 %)") or alltag["codes"].startswith("Aufzüge (33 %)")
    assert isinstance(alltag["quote"], str) and alltag["quote_code_id"] in {"BARR", "BARR_AUFZ", "BARR_BORD"}
    gesundheit = jd[jd["lebensbereich"] == "gesundheit"].iloc[0]
    assert gesundheit["documents"] == 0 and pd.isna(gesundheit["quote"]) and pd.isna(gesundheit["codes"])
    bildung = jd[jd["lebensbereich"] == "bildung"].iloc[0]
    assert "Weber" not in bildung["quote"] and pd.isna(bildung["indicators"])
    assert alltag["lebensbereich_label"].startswith("Alltägliche Lebensführung")
    bad = indicators.assign(lebensbereich=["wohnen", "arbeit", "gesundheit"])
    with pytest.raises(InputError, match="unknown Lebensbereich"):
        joint_display(bad, codings, sources, codebook)
