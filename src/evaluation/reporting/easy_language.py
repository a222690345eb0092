"""A short summary in Leichte Sprache (easy-to-read German), generated from the report's numbers.

Rules applied (Netzwerk Leichte Sprache, *Regeln für Leichte Sprache*, 2013; BITV 2.0 § 4):
short sentences with one statement each, no percent signs (shares are said as "k von 100"),
whole numbers only, no abbreviations, numbers as digits. :func:`check_rules` checks generated
sentences against the rules that a program can check, and the tests run it on every report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..texts import text

MAX_WORDS = 15
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
            s.append(_t("example_achieved", indicator=achieved_example))
    if n_measures:
        s.append(_t("measures", name=name, n=n_measures))
    if attitude_share is not None and attitude_share == attitude_share:
        s += [_t("survey", name=name), _t("survey_share", k=int(round(attitude_share)))]
    if demo:
        s += [_t("demo"), _t("demo2")]
    sentences = [x for x in s if x]
    problems = check_rules(sentences)
    if problems:
        raise ValueError("Leichte Sprache rules broken: " + "; ".join(problems))
    return EasySummary(sentences)


def check_rules(sentences: list[str]) -> list[str]:
    """Rule violations a program can find: too long, percent signs, decimals, abbreviations, two statements."""
    problems = []
    for sentence in sentences:
        words = sentence.split()
        if len(words) > MAX_WORDS:
            problems.append(f"'{sentence}' has {len(words)} words (at most {MAX_WORDS})")
        for pattern, what in _FORBIDDEN:
            if pattern.search(sentence):
                problems.append(f"'{sentence}' contains {what}")
        if sentence.count(".") + sentence.count("!") + sentence.count("?") > 1 and not sentence.endswith(":"):
            problems.append(f"'{sentence}' holds more than one sentence")
        if re.search(r",\s*(und|aber|weil|dass|wenn|obwohl|die|der|das)\b", sentence):
            problems.append(f"'{sentence}' joins clauses (one statement per sentence)")
    return problems
