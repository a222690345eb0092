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

import pandas as pd

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
    """Sentences in Leichte Sprache, in groups with a short heading each (``groups``)."""

    sentences: list[str]
    groups: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def html(self) -> str:
        from .blocks import esc

        if not self.groups:
            return '<div class="leichte-sprache" lang="de">' + "".join(f"<p>{esc(s)}</p>" for s in self.sentences) + "</div>"
        body = "".join((f"<h4>{esc(h)}</h4>" if h else "") + "".join(f"<p>{esc(x)}</p>" for x in group) for h, group in self.groups)
        return f'<div class="leichte-sprache" lang="de">{body}</div>'


def _t(key: str, **kw) -> str:
    return text("report", f"leichte_sprache.{key}", **kw)


def _count_sentence(k: int | None, key: str, **kw) -> str | None:
    if not k:
        return None
    return _t(f"{key}_one", **kw) if k == 1 else _t(f"{key}_many", k=k, **kw)


#: kinds of municipality named with an article, and the article (feminine ones: "die Verbandsgemeinde")
_ARTICLE_KINDS = {"Verbandsgemeinde": ("die", "der"), "Samtgemeinde": ("die", "der"), "Gemeinde": ("die", "der"),
                  "Stadt": ("die", "der"), "Hansestadt": ("die", "der"), "Ortsgemeinde": ("die", "der"),
                  "Marktgemeinde": ("die", "der"), "Landkreis": ("der", "im"), "Kreis": ("der", "im"),
                  "Markt": ("der", "im"), "Amt": ("das", "im")}


def place_forms(name: str) -> tuple[str, str]:
    """(subject, "in ...") of a municipality name: "Erlangen" -> ("Erlangen", "in Erlangen");
    "Verbandsgemeinde Nieder-Olm" -> ("Die Verbandsgemeinde Nieder-Olm", "in der Verbandsgemeinde Nieder-Olm").

    >>> place_forms("Verbandsgemeinde Nieder-Olm")
    ('Die Verbandsgemeinde Nieder-Olm', 'in der Verbandsgemeinde Nieder-Olm')
    >>> place_forms("Landkreis Harburg")[1]
    'im Landkreis Harburg'
    """
    first = name.split()[0] if name.split() else ""
    if first in _ARTICLE_KINDS:
        article, dative = _ARTICLE_KINDS[first]
        inside = f"{dative} {name}" if dative == "im" else f"in {dative} {name}"
        return f"{article.capitalize()} {name}", inside
    return name, f"in {name}"


def easy_summary(*, name: str, programme: str, start: int, status_counts: dict[str, int],
                 achieved_example: str | None = None, n_measures: int | None = None,
                 attitude_share: float | None = None, demo: bool = False, n_running: int | None = None,
                 n_finished: int | None = None, n_cancelled: int | None = None,
                 effects: pd.DataFrame | None = None, kind: str | None = None) -> EasySummary:
    """Sentences in Leichte Sprache from the report's figures: what Inklusion is, what was done
    (measures in numbers), the targets, whether the programme helped (the effects' verdicts:
    ``robust`` = "sicher geholfen", ``indication`` = "vielleicht geholfen", a robust or indicated
    worsening = "schlechter geworden", the rest "können wir noch nicht sagen") and the survey share.

    ``effects``: the bundle's headline effects (columns ``verdict``, ``direction``).
    """
    subject, in_place = place_forms(name)
    in_cap = in_place[0].upper() + in_place[1:]
    groups: list[tuple[str, list[str | None]]] = []
    groups.append((_t("inclusion_heading"), [_t("inclusion1"), _t("inclusion2"), _t("inclusion3"), _t("inclusion4")]))
    groups.append((_t("programme_heading"), [_t("programme", subject=subject, programme=programme),
                                             _t("since", in_place=in_place, start=start), _t("goal")]))
    if n_measures:
        done: list[str | None] = [_t("measures_one", in_place_cap=in_cap) if n_measures == 1 else
                                  _t("measures_many", in_place_cap=in_cap, n=n_measures)]
        done += [_count_sentence(n_running, "running"), _count_sentence(n_finished, "finished"),
                 _count_sentence(n_cancelled, "cancelled")]
        groups.append((_t("done_heading"), done))
    n = sum(status_counts.values())
    if n:
        k = status_counts.get("achieved", 0)
        t: list[str | None] = [_t("targets_intro", subject=subject),
                               _t("targets_count_one") if n == 1 else _t("targets_count", n=n),
                               _t("achieved_none") if k == 0 else _t("achieved_one") if k == 1 else _t("achieved_many", k=k),
                               _count_sentence(status_counts.get("on_track", 0), "on_track"),
                               _count_sentence(status_counts.get("off_track", 0), "off_track"),
                               _count_sentence(status_counts.get("not_assessable", 0), "unknown")]
        if achieved_example and k:
            example = _t("example_achieved", indicator=achieved_example)
            if not check_rules([example], names=[name, programme]):  # indicator names are rarely easy to read
                t.append(example)
        groups.append((_t("targets_heading"), t))
    if effects is not None and len(effects) and "verdict" in effects.columns:
        v, d = effects["verdict"].astype(str), effects.get("direction", pd.Series("", index=effects.index)).astype(str)
        firm = v.isin(["robust", "indication"])
        worse = int((firm & (d == "worsening")).sum())
        sure = int(((v == "robust") & (d == "improvement")).sum())
        maybe = int(((v == "indication") & (d == "improvement")).sum())
        unknown = len(effects) - worse - sure - maybe
        h: list[str | None] = [_t("helped_intro_one") if len(effects) == 1 else _t("helped_intro_many", n=len(effects)),
                               _t("helped_compare"), _count_sentence(sure, "helped_sure"),
                               _count_sentence(maybe, "helped_maybe"), _count_sentence(worse, "helped_worse"),
                               _count_sentence(unknown, "helped_unknown")]
        if not sure:
            h.append(_t("helped_none"))
        groups.append((_t("helped_heading"), h))
    if attitude_share is not None and attitude_share == attitude_share:
        groups.append((_t("survey_heading"), [_t("survey", in_place=in_place),
                                              _t("survey_share", k=int(round(attitude_share)))]))
    if demo:
        groups.append(("", [_t("demo"), _t("demo2")]))
    clean = tuple((head, tuple(x for x in sents if x)) for head, sents in groups)
    sentences = [x for _, sents in clean for x in sents]
    problems = check_rules(sentences + [h for h, _ in clean if h], names=[name, programme])
    if problems:
        raise ValueError("Leichte Sprache rules broken: " + "; ".join(problems))
    return EasySummary(sentences, clean)


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
