"""Small German synthetic coded project for the qualitative tests (built in memory, no files)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

TEXTS = {
    "d1": "Interview mit Frau Anna Müller, Beirat Inklusion.\r\nDer Aufzug am Bahnhof ist seit Monaten kaputt 😞.\r\n"
          "Seit dem Stadtteilfest kennen sich die Nachbarn besser.",
    "d2": "Workshop-Protokoll: Die Teilnehmenden wünschen Leichte Sprache auf der Website.\n"
          "Die Schulbegleitung klappt gut, sagt Herr Jonas Weber (jonas.weber@example.org).",
    "d3": "Begehung im Quartier: Bordsteine sind nicht abgesenkt. Die Beratung ist unter 09131 86-1234 erreichbar.",
    "d4": "Interview: Ich arbeite jetzt im Café – das hätte ich nie gedacht 🎉. Der Aufzug funktioniert wieder.",
    "d5": "Protokoll ohne Codierung: kurze Notiz.",
    "d6": "Fokusgruppe: Mehr Menschen mit Behinderung gehen zum Sportverein; das Stadtteilfest war barrierefrei.",
}

CODEBOOK = pd.DataFrame({
    "code_id": ["BARR", "BARR_AUFZ", "BARR_BORD", "TEIL", "TEIL_FEST", "TEIL_SPORT", "ARB", "BILD", "KOMM"],
    "parent_id": [None, "BARR", "BARR", None, "TEIL", "TEIL", None, None, None],
    "name": ["Barrieren", "Aufzüge", "Bordsteine", "Teilhabe", "Feste", "Sport", "Arbeit", "Schule", "Kommunikation"],
    "path": [None] * 9,
    "lebensbereich": ["alltag", None, None, "freizeit", None, None, "arbeit", "bildung", "partizipation"],
    "wirkungsstufe": [6, None, None, 5, 3, None, 6, 3, 2],
})

SOURCES = pd.DataFrame({
    "source_id": list(TEXTS),
    "source_name": ["Interview Müller 2021", "Workshop 2021", "Begehung 2022", "Interview Müller 2023",
                    "Notiz 2022", "Fokusgruppe 2023"],
    "text": list(TEXTS.values()),
    "municipality_id": ["erlangen", "erlangen", "rostock", "erlangen", "rostock", "rostock"],
    "year": [2021, 2021, 2022, 2023, 2022, 2023],
    "case_id": ["fall_mueller", None, None, "fall_mueller", None, None],
    "kind": ["interview", "workshop", "begehung", "interview", "protokoll", "fokusgruppe"],
})


def _span(doc: str, phrase: str) -> tuple[int, int]:
    i = TEXTS[doc].index(phrase)
    return i, i + len(phrase)


SEGMENTS = [  # doc, phrase, code, coder
    ("d1", "Der Aufzug am Bahnhof ist seit Monaten kaputt 😞.", "BARR_AUFZ", "anna"),
    ("d1", "Der Aufzug am Bahnhof ist seit Monaten kaputt 😞.", "BARR_AUFZ", "ben"),
    ("d1", "Der Aufzug am Bahnhof ist seit Monaten kaputt 😞.", "BARR", "anna"),
    ("d1", "Seit dem Stadtteilfest kennen sich die Nachbarn besser.", "TEIL_FEST", "anna"),
    ("d1", "Seit dem Stadtteilfest kennen sich die Nachbarn besser", "TEIL_FEST", "ben"),
    ("d2", "Die Teilnehmenden wünschen Leichte Sprache auf der Website.", "KOMM", "anna"),
    ("d2", "Die Schulbegleitung klappt gut, sagt Herr Jonas Weber (jonas.weber@example.org).", "BILD", "anna"),
    ("d2", "Die Schulbegleitung klappt gut", "BILD", "ben"),
    ("d3", "Bordsteine sind nicht abgesenkt.", "BARR_BORD", "anna"),
    ("d3", "Bordsteine sind nicht abgesenkt.", "BARR_BORD", "ben"),
    ("d3", "Die Beratung ist unter 09131 86-1234 erreichbar.", "KOMM", "ben"),
    ("d4", "Ich arbeite jetzt im Café – das hätte ich nie gedacht 🎉.", "ARB", "anna"),
    ("d4", "Ich arbeite jetzt im Café – das hätte ich nie gedacht 🎉.", "ARB", "ben"),
    ("d4", "Der Aufzug funktioniert wieder.", "BARR_AUFZ", "anna"),
    ("d6", "Mehr Menschen mit Behinderung gehen zum Sportverein", "TEIL_SPORT", "anna"),
    ("d6", "das Stadtteilfest war barrierefrei.", "TEIL_FEST", "anna"),
    ("d6", "das Stadtteilfest war barrierefrei.", "BARR", "anna"),
]


def make_codings() -> pd.DataFrame:
    rows = []
    for doc, phrase, code, coder in SEGMENTS:
        s, e = _span(doc, phrase)
        rows.append({"project": "Musterprojekt", "source_id": doc, "source_name": SOURCES.set_index("source_id").loc[doc, "source_name"],
                     "case_id": SOURCES.set_index("source_id").loc[doc, "case_id"], "coder": coder, "code_id": code,
                     "start": s, "end": e, "text": phrase})
    df = pd.DataFrame(rows)
    df["case_id"] = df["case_id"].astype(object).where(df["case_id"].notna(), np.nan)
    return df


@pytest.fixture
def synthetic():
    """(codebook, sources, codings) of a small German coded project."""
    return CODEBOOK.copy(), SOURCES.copy(), make_codings()
