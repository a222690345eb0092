"""Quotes safe and sourced (issue 14, item 6): small places masked in sensitive quotes, each quote
with source kind, pseudonymous role and year; the joint display says whether the strands agree."""

from __future__ import annotations

import pandas as pd
import pytest

from evaluation.errors import InputError
from evaluation.qualitative.joint_display import agreement_rule, joint_display
from evaluation.qualitative.quotes import (
    DEFAULT_PLACE_THRESHOLD,
    pseudonymise,
    quote_sources,
    select_quotes,
    small_places,
)
from evaluation.texts import text

PLACE = text("qualitative", "pseudonym.place")
AREAS = pd.DataFrame({"name": ["Innenstadt", "Tennenlohe", "Frauenaurach"], "population": [13_705, 6_623, 12_670]})


def test_threshold_default_and_small_places():
    assert DEFAULT_PLACE_THRESHOLD == 10_000
    assert small_places(AREAS) == ["Tennenlohe"]
    assert small_places(AREAS, threshold=13_000) == ["Tennenlohe", "Frauenaurach"]
    assert small_places(AREAS, threshold=0) == []


@pytest.mark.parametrize("quote", [
    "Am Bahnhof in Tennenlohe gibt es keinen Aufzug, mit dem Rollstuhl komme ich nicht hinunter.",
    "Seit meine Tochter blind ist, meiden wir den Markt in Tennenlohe.",
    "In Tennenloher Straßen? Nein: in Tennenlohe fehlt ein Blindenleitsystem für Menschen mit Sehbehinderung.",
    "Der Pflegegrad 3 reicht in Tennenlohes Wohngruppe nicht.",
])
def test_small_place_masked_when_a_disability_or_aid_is_mentioned(quote):
    out = pseudonymise(quote, places=small_places(AREAS))
    assert "Tennenlohe " not in out and "Tennenlohes" not in out and "Tennenlohe," not in out
    assert PLACE in out


def test_place_kept_without_sensitive_word_and_large_area_kept():
    assert pseudonymise("In Tennenlohe gibt es ein neues Café.", places=small_places(AREAS)) == \
        "In Tennenlohe gibt es ein neues Café."
    q = "In der Innenstadt fehlt mit dem Rollstuhl jeder Weg."
    assert pseudonymise(q, places=small_places(AREAS)) == q  # 13.705 residents: above the threshold


def test_musterdaten_rollstuhl_quote_loses_its_small_place(demo_folder):
    from evaluation.dataset import load_dataset

    ds = load_dataset(demo_folder, municipality_ids=["erlangen"])
    areas = ds.tables["areas"]
    codings = ds.codings
    hits = codings[codings["text"].str.contains("Rollstuhl", na=False) & codings["text"].str.contains("Tennenlohe", na=False)]
    assert len(hits), "the Musterdaten should hold the Tennenlohe/Rollstuhl quote of the issue"
    q = select_quotes(hits, per_code=5, min_words=3, max_words=80,
                      places=small_places(areas[areas["municipality_id"] == "erlangen"]))
    assert not q["text"].str.contains("Tennenlohe").any()
    assert q["text"].str.contains(PLACE, regex=False).all()


def _sources():
    return pd.DataFrame({
        "source_id": ["e-int01-2018", "e-int01-2024", "e-int02-2018", "e-ws01", "e-beg01"],
        "kind": ["interview", "interview", "interview", "workshop", "begehung"],
        "municipality_id": ["e"] * 5, "year": [2018, 2024, 2018, 2020, 2022],
        "case_id": ["e-fall-mueller", "e-fall-mueller", "e-fall-aaa", None, None],
    })


def test_quote_sources_kind_pseudonymous_role_and_year():
    quotes = pd.DataFrame({"source_id": ["e-int01-2024", "e-int01-2018", "e-int02-2018", "e-ws01", "e-beg01"],
                           "text": ["a", "b", "c", "d", "e"]})
    out = quote_sources(quotes, _sources())
    assert list(out["year"]) == [2024, 2018, 2018, 2020, 2022]
    assert list(out["source_kind"]) == ["Interview", "Interview", "Interview", "Protokoll Zukunftswerkstatt",
                                        "Sozialraumbegehung"]
    # the same case keeps its number across waves; numbers follow case-id order, not the quote order
    assert out["role"].iloc[0] == out["role"].iloc[1] == "befragte Person 2"
    assert out["role"].iloc[2] == "befragte Person 1"
    assert not out["role"].str.contains("mueller|fall", case=False).any()
    assert out["source_label"].iloc[0] == "Interview, befragte Person 2, 2024"


def test_quote_of_unknown_document_is_an_error():
    with pytest.raises(InputError, match="sources table"):
        quote_sources(pd.DataFrame({"source_id": ["x"], "text": ["t"]}), _sources())


def test_agreement_rule_cases():
    assert agreement_rule(["erreicht", "auf Kurs"], {"W.2": 2}, {"W.2": 1})[2] == "agree"
    assert agreement_rule(["nicht auf Kurs"], {"B.1": 4}, {"B.1": -1})[2] == "agree"
    assert agreement_rule(["erreicht"], {"B.1": 4}, {"B.1": -1})[2] == "contradict"
    assert agreement_rule(["erreicht"], {}, {})[2] == "single"
    assert agreement_rule(["nicht bewertbar"], {"B.1": 1}, {"B.1": -1})[2] == "single"
    # documents weigh: 3 documents with a hindering code outweigh 1 with a facilitating one
    assert agreement_rule(["auf Kurs"], {"B.1": 3, "W.2": 1}, {"B.1": -1, "W.2": 1})[:2] == (1, -1)
    assert agreement_rule(["auf Kurs"], {"X": 3}, {})[2] == "mixed"  # codes without valence


def test_joint_display_has_agreement_column():
    codebook = pd.DataFrame({"code_id": ["B.1", "W.2"], "parent_id": [None, None], "name": ["Bauliche Barrieren", "Handeln"],
                             "lebensbereich": ["alltag", "familie"], "wirkungsstufe": [6, 5],
                             "valence": ["hinderlich", "förderlich"]})
    indicators = pd.DataFrame({"indicator_id": ["i1", "i2", "i3"], "name": ["Haltestellen", "Kontakte", "Wohnen"],
                               "lebensbereich": ["alltag", "familie", "arbeit"], "wirkungsstufe": [6, 5, 6],
                               "status": ["erreicht", "erreicht", "nicht auf Kurs"], "value": [1.0, 2.0, 3.0]})
    sources = pd.DataFrame({"source_id": ["d1", "d2"]})
    codings = pd.DataFrame({"source_id": ["d1", "d2", "d1"], "code_id": ["B.1", "B.1", "W.2"],
                            "text": ["Am Bahnhof fehlt der Aufzug immer noch, seit Jahren schon.",
                                     "Die Rampe am Rathaus ist zu steil für viele Leute hier.",
                                     "Die Busfahrer warten inzwischen, bis alle sitzen, das ist neu."]})
    jd = joint_display(indicators, codings, sources, codebook, min_words=3)
    by = jd.set_index("lebensbereich")["agreement"]
    assert by["alltag"] == text("qualitative", "agreement.contradict")  # reached, but barriers in 2 documents
    assert by["familie"] == text("qualitative", "agreement.agree")
    assert by["arbeit"] == text("qualitative", "agreement.single")
