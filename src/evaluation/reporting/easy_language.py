"""A short summary in Leichte Sprache (easy-to-read German), generated from the report's numbers.

Rules applied (Netzwerk Leichte Sprache, *Regeln für Leichte Sprache*, 2013; BITV 2.0 § 4):
short sentences with one statement each, no percent signs (shares are said as "k von 100"),
whole numbers only, no abbreviations, numbers as digits. :func:`check_rules` checks generated
sentences against the rules that a program can check, and the tests run it on every report:

- at most :data:`MAX_WORDS` words; one statement (no "; ", no joined clauses);
- no percent, no decimals, no abbreviations;
- a colon only to introduce a whole sentence ("Das Programm will: Alle sollen ..."), never a list
  ("Es gibt: Rampen, Aufzüge und Schilder.") or a bare term ("Ein Beispiel: Inklusionsanteil.");
  lists are written as one sentence per item;
- an article before a kind of municipality ("in der Verbandsgemeinde Nieder-Olm", not "in
  Verbandsgemeinde Nieder-Olm");
- words of more than 4 syllables are split with a hyphen or a Mediopunkt ("Inklusions·anteil");
  names (of the municipality, the programme) are exempt, and :data:`WHOLE_WORDS` (words that
  Leichte-Sprache dictionaries keep whole, such as "Behinderungen").

Names with periods ("St. Ingbert", "Frankfurt a. M.") are not sentence ends: the names given to
:func:`check_rules` are set aside before any check, and a very short word with a period
("St.", "a.": a capital and at most one more letter, or one small letter) is read as part of a name, not as the end of a sentence. Syllables are counted by
vowel groups with the German diphthongs (ei, ai, au, eu, äu, ie) and doubled vowels as one, "qu" as a
consonant; this is the usual heuristic (cf. Bredel & Maaß 2016, *Leichte Sprache. Theoretische
Grundlagen*, ch. 6 on word length) and can be off by one for loan words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..texts import text

MAX_WORDS = 15
MAX_SYLLABLES = 4
#: words longer than 4 syllables that Leichte-Sprache texts keep whole (no compound to split)
WHOLE_WORDS = {"behinderung", "behinderungen", "behinderte", "behinderten"}
#: kinds of municipality that need an article after a preposition ("in der Stadt Erlangen")
MUNICIPALITY_KINDS = ["Verbandsgemeinde", "Samtgemeinde", "Gemeinde", "Stadt", "Hansestadt", "Universitätsstadt",
                      "Kreisstadt", "Große Kreisstadt", "Landeshauptstadt", "Marktgemeinde", "Markt", "Landkreis",
                      "Kreis", "Amt", "Stadtteil", "Ortsgemeinde"]
_KIND_AFTER_PREPOSITION = re.compile(
    r"\b(?:in|aus|für|von|bei|mit|nach|zu|über|durch|gegen|ohne|um)\s+(?:" + "|".join(MUNICIPALITY_KINDS) + r")\b")
_DIPHTHONGS = {"ei", "ai", "au", "eu", "äu", "ie", "aa", "ee", "oo", "ey", "ay"}
_VOWELS = set("aeiouäöüy")
_NAME_ABBREV = re.compile(r"(?<![\w.])(?:[A-ZÄÖÜ][a-zäöü]?|[a-zäöü])\.(?=\s+\S)")
_NAME_MARK = "Name"
_FORBIDDEN = [
    (re.compile(r"%|Prozent"), "percent sign or word 'Prozent' (say 'k von 100')"),
    (re.compile(r"\d+[.,]\d+"), "a decimal number (use whole numbers)"),
    (re.compile(r"\b(?:z\. ?B\.|bzw\.|ggf\.|ca\.|usw\.|d\. ?h\.)"), "an abbreviation"),
    (re.compile(r";"), "a semicolon (one statement per sentence)"),
]


@dataclass(frozen=True)
class EasySummary:
    sentences: list[str]

    def html(self) -> str:
        from .blocks import esc

        return '<div class="leichte-sprache" lang="de">' + "".join(f"<p>{esc(s)}</p>" for s in self.sentences) + "</div>"


def _t(key: str, **kw) -> str:
    return text("report", f"leichte_sprache.{key}", **kw)


def _count_sentence(k: int, key: str) -> str | None:
    if k == 0:
        return None
    return _t(f"{key}_one") if k == 1 else _t(f"{key}_many", k=k)


def easy_summary(*, name: str, programme: str, start: int, status_counts: dict[str, int],
                 achieved_example: str | None = None, n_measures: int | None = None,
                 attitude_share: float | None = None, demo: bool = False) -> EasySummary:
    """Sentences in Leichte Sprache from the report's figures (status counts, measures, survey share)."""
    s: list[str | None] = [_t("programme", name=name, programme=programme), _t("since", name=name, start=start),
                           _t("goal"), _t("goal2")]
    n = sum(status_counts.values())
    if n:
        s += [_t("targets_intro", name=name), _t("targets_count", n=n)]
        k = status_counts.get("achieved", 0)
        s.append(_t("achieved_none") if k == 0 else _t("achieved_one") if k == 1 else _t("achieved_many", k=k))
        s.append(_count_sentence(status_counts.get("on_track", 0), "on_track"))
        s.append(_count_sentence(status_counts.get("off_track", 0), "off_track"))
        s.append(_count_sentence(status_counts.get("not_assessable", 0), "unknown"))
        if achieved_example and k:
            example = _t("example_achieved", indicator=achieved_example)
            if not check_rules([example], names=[name, programme]):  # indicator names are rarely easy to read
                s.append(example)
    if n_measures:
        s.append(_t("measures", name=name, n=n_measures))
    if attitude_share is not None and attitude_share == attitude_share:
        s += [_t("survey", name=name), _t("survey_share", k=int(round(attitude_share)))]
    if demo:
        s += [_t("demo"), _t("demo2")]
    sentences = [x for x in s if x]
    problems = check_rules(sentences, names=[name, programme])
    if problems:
        raise ValueError("Leichte Sprache rules broken: " + "; ".join(problems))
    return EasySummary(sentences)


def syllables(word: str) -> int:
    """Number of syllables of a German word (vowel groups; diphthongs and doubled vowels count once).

    >>> [syllables(w) for w in ["Inklusion", "Verbandsgemeinde", "Quelle", "Ziele", "Inklusionsanteil"]]
    [4, 5, 2, 2, 6]
    """
    w = word.lower().replace("qu", "qv")
    n, prev = 0, ""
    for ch in w:
        if ch in _VOWELS:
            if not (prev in _VOWELS and prev + ch in _DIPHTHONGS):
                n += 1
            prev = ch if not (prev in _VOWELS and prev + ch in _DIPHTHONGS) else ""
        else:
            prev = ch
    return n


def _set_aside_names(sentence: str, names: list[str]) -> str:
    for name in sorted(names, key=len, reverse=True):
        if name:
            sentence = sentence.replace(name, _NAME_MARK)
    return sentence


def check_rules(sentences: list[str], *, names: list[str] | tuple[str, ...] = ()) -> list[str]:
    """Rule violations a program can find (see the module docstring); ``names`` are proper names
    (municipality, programme) that are exempt from the word rules and may contain periods."""
    problems = []
    for original in sentences:
        sentence = _set_aside_names(original, list(names))
        words = sentence.split()
        if len(words) > MAX_WORDS:
            problems.append(f"'{original}' has {len(words)} words (at most {MAX_WORDS})")
        for pattern, what in _FORBIDDEN:
            if pattern.search(sentence):
                problems.append(f"'{original}' contains {what}")
        ends = _NAME_ABBREV.sub(_NAME_MARK, sentence)
        if ends.count(".") + ends.count("!") + ends.count("?") > 1 and not ends.endswith(":"):
            problems.append(f"'{original}' holds more than one sentence")
        if re.search(r",\s*(und|aber|weil|dass|wenn|obwohl|die|der|das)\b", sentence):
            problems.append(f"'{original}' joins clauses (one statement per sentence)")
        if ":" in sentence:
            after = sentence.split(":", 1)[1].strip().rstrip(".!?")
            if "," in after or re.search(r"\b(?:und|oder)\b", after) and len(after.split()) <= 6 and not re.search(
                    r"\b[a-zäöüß]{2,}\b", after.replace(" und ", " ").replace(" oder ", " ")):
                problems.append(f"'{original}' uses a colon for a list (write one sentence per item)")
            elif len(after.split()) < 3 or not re.search(r"\b[a-zäöüß]{2,}\b", after):
                problems.append(f"'{original}' has a colon before a bare term (say it in a whole sentence)")
        m = _KIND_AFTER_PREPOSITION.search(sentence)
        if m:
            problems.append(f"'{original}' lacks an article before '{m.group(0).split()[-1]}' (e.g. 'in der ...')")
        for token in re.findall(r"[A-Za-zÄÖÜäöüß·\-]+", sentence):
            if token == _NAME_MARK or token.lower() in WHOLE_WORDS:
                continue
            long_parts = [p for p in re.split(r"[-·]", token) if syllables(p) > MAX_SYLLABLES]
            if long_parts:
                problems.append(f"'{original}' has the long word '{token}' ({syllables(long_parts[0])} syllables): "
                                "split it with a hyphen or a Mediopunkt")
    return problems
