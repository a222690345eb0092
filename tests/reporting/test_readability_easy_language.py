"""The Leichte-Sprache checker (issue 14, item 7; issue 17: names with periods)."""

from __future__ import annotations

import pytest

from evaluation.reporting.easy_language import check_rules, easy_summary, syllables


@pytest.mark.parametrize("word, n", [("Ziel", 1), ("Menschen", 2), ("Programm", 2), ("Inklusion", 4), ("Quelle", 2),
                                     ("Verbandsgemeinde", 5), ("Zusammenleben", 5), ("Leute", 2), ("Bäume", 2)])
def test_syllables(word, n):
    assert syllables(word) == n


@pytest.mark.parametrize("sentence, problem", [
    ("Es gibt: Rampen, Aufzüge und Schilder.", "colon for a list"),
    ("Ein Beispiel für ein erreichtes Ziel: Inklusionsanteil.", "colon before a bare term"),
    ("Das Programm gibt es in Verbandsgemeinde Nieder-Olm.", "lacks an article"),
    ("Die Stadt baut mehr Haltestellen für Rollstuhlfahrerinnen.", "long word"),
    ("Der Inklusionsanteil ist gestiegen.", "long word"),
])
def test_new_rules_find_violations(sentence, problem):
    found = check_rules([sentence], names=["Nieder-Olm"])
    assert any(problem in p for p in found), found


@pytest.mark.parametrize("sentence", [
    "Das Programm will: Alle Menschen sollen gut zusammen leben.",
    "Das Programm gibt es in der Verbands·gemeinde Nieder-Olm.",
    "Der Inklusions·anteil ist gestiegen.",
    "Menschen mit Behinderungen machen mit.",
    "Es gibt 23 Angebote.",
])
def test_good_sentences_pass(sentence):
    assert check_rules([sentence], names=["Nieder-Olm"]) == []


@pytest.mark.parametrize("name", ["St. Ingbert", "Frankfurt a. M.", "Halle (Saale)", "Neustadt a. d. Weinstraße"])
def test_period_in_a_municipality_name_is_not_a_sentence_end(name):
    sentence = f"{name} macht beim Programm mit."
    assert check_rules([sentence], names=[name]) == []
    # even without the name given, a short word with a period inside a sentence is no sentence end
    assert not any("more than one sentence" in p for p in check_rules([sentence]))
    s = easy_summary(name=name, programme="Kommune Inklusiv", start=2019, status_counts={"achieved": 2},
                     n_measures=4)
    assert any(name in x for x in s.sentences)


def test_two_sentences_still_found():
    assert any("more than one sentence" in p for p in check_rules(["Das ist gut. Das ist auch gut."]))
