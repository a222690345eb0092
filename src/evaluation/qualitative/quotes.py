"""Illustrative quotes per code, pseudonymised before they can reach a report.

:func:`pseudonymise` replaces, in this order, e-mail addresses, German telephone numbers
(``+49 …``, ``0049 …``, ``(0 30) …``, ``030/…``, ``0171-…``, ``09131 86-1234``) and the names of
persons (from the case list and a configurable list; a full name and each of its parts of three
or more letters, with a genitive *s*) by the placeholders in ``texts/qualitative.yaml``
(``[Name]``, ``[E-Mail-Adresse]``, ``[Telefonnummer]``). It is a safeguard for names the team knows
of, not a guarantee against every identifying detail: quotes still need a human read.

Place plus health detail identifies: "in Tennenlohe" with "Rollstuhl" points to a few people in a
district of 6.623 residents. So a quote that mentions a disability, an impairment or an aid (the word
list ``sensitive_terms`` in ``texts/qualitative.yaml``) also has the names of small areas replaced by
``[Ort]``: every Sozialraum (or place) with fewer residents than a threshold (parameter
``report.quote_place_min_population``, default 10.000; :func:`small_places`). The value is a choice of
the team, stated in the parameter file; the rule is a safeguard, not a formal disclosure guarantee.

:func:`quote_sources` adds to each quote what a reader needs to weigh it: the kind of source
(interview, workshop protocol, Sozialraum walk), a pseudonymous role ("befragte Person 2": the running
number of the case within the municipality, never the case id or a job title) and the year.

:func:`select_quotes` picks per code the segments whose length is closest to a readable quote
(``min_words``..``max_words``), deterministically, and returns them pseudonymised.

>>> pseudonymise("Frau Anna Müller (anna.mueller@example.org, 0171 2345678) sagt: Müllers Idee", names=["Anna Müller"])
'Frau [Name] ([E-Mail-Adresse], [Telefonnummer]) sagt: [Name] Idee'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from ..errors import InputError
from ..texts import text as _text

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}(?![\w-])")
PHONE = re.compile(
    r"(?<![\w+])"
    r"(?:(?:\+|00)\s?49[\s\-/]?(?:\(0\)[\s\-/]?)?|\(0\s?|0)"   # country code, or trunk 0 (maybe in brackets)
    r"[1-9]\d(?:\s?\d){0,3}\)?"                                # area / mobile prefix (2-5 digits)
    r"(?:[\s\-/]?\d){4,10}"                                    # subscriber number, grouped freely
    r"(?![\w])"
)


def _name_patterns(names: Iterable[str], split: bool) -> re.Pattern | None:
    variants: set[str] = set()
    for n in names:
        if not isinstance(n, str) or not n.strip():
            continue
        n = " ".join(n.split())
        variants.add(n)
        if split:
            variants.update(p for p in re.split(r"[\s\-]+", n) if len(p) >= 3 and p[0].isupper())
    if not variants:
        return None
    alts = sorted(variants, key=len, reverse=True)  # longest first: the full name before its parts
    body = "|".join(r"\s+".join(map(re.escape, v.split(" "))) for v in alts)
    return re.compile(rf"(?<!\w)(?:{body})(?:s|'s|’s)?(?!\w)")


DEFAULT_PLACE_THRESHOLD = 10_000


def sensitive_terms() -> list[str]:
    """The words that make a quote sensitive (disability, impairment, aid), from ``texts/qualitative.yaml``."""
    return [t.strip() for t in _text("qualitative", "sensitive_terms").split(",") if t.strip()]


def _sensitive_pattern(terms: Iterable[str] | None) -> re.Pattern | None:
    terms = [t for t in (sensitive_terms() if terms is None else terms) if t]
    if not terms:
        return None
    return re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.IGNORECASE)


def _place_pattern(places: Iterable[str]) -> re.Pattern | None:
    alts = sorted({" ".join(p.split()) for p in places if isinstance(p, str) and p.strip()}, key=len, reverse=True)
    if not alts:
        return None
    body = "|".join(r"\s+".join(map(re.escape, a.split(" "))) for a in alts)
    return re.compile(rf"(?<!\w)(?:{body})(?:s)?(?!\w)")


def small_places(areas: pd.DataFrame | None, threshold: int = DEFAULT_PLACE_THRESHOLD, *, name: str = "name",
                 population: str = "population") -> list[str]:
    """Names of the areas (Sozialräume, districts, member towns) with fewer than ``threshold`` residents.

    An area without a population figure counts as small (unknown size is not a reason to name it).

    >>> small_places(pd.DataFrame({"name": ["Innenstadt", "Tennenlohe", "Neu"], "population": [13705, 6623, None]}))
    ['Tennenlohe', 'Neu']
    """
    if areas is None or areas.empty or name not in areas.columns:
        return []
    pop = pd.to_numeric(areas[population], errors="coerce") if population in areas.columns else \
        pd.Series(np.nan, index=areas.index)
    small = pop.isna() | (pop < threshold)
    return [str(n) for n in areas.loc[small, name].tolist() if isinstance(n, str) and n.strip()]


def pseudonymise(value: str, names: Iterable[str] = (), *, split_names: bool = True, places: Iterable[str] = (),
                 sensitive: Iterable[str] | None = None) -> str:
    """``value`` with e-mail addresses, German phone numbers and the given person names replaced;
    in a quote that mentions a disability or an aid (``sensitive``, default: the word list of
    ``texts/qualitative.yaml``) also the names in ``places`` (the small areas, :func:`small_places`).

    >>> pseudonymise("Am Bahnhof in Tennenlohe brauche ich mit dem Rollstuhl Hilfe.", places=["Tennenlohe"])
    'Am Bahnhof in [Ort] brauche ich mit dem Rollstuhl Hilfe.'
    >>> pseudonymise("In Tennenlohe gibt es ein neues Café.", places=["Tennenlohe"])
    'In Tennenlohe gibt es ein neues Café.'
    """
    return Pseudonymiser(names, split_names=split_names, places=places, sensitive=sensitive)(value)


class Pseudonymiser:
    """Reusable pseudonymiser for many texts (the patterns are compiled once)."""

    def __init__(self, names: Iterable[str] = (), *, split_names: bool = True, places: Iterable[str] = (),
                 sensitive: Iterable[str] | None = None) -> None:
        self.pattern = _name_patterns(list(names), split_names)
        self.places = _place_pattern(list(places))
        self.sensitive = _sensitive_pattern(sensitive) if self.places is not None else None
        self.name = _text("qualitative", "pseudonym.name")
        self.email = _text("qualitative", "pseudonym.email")
        self.phone = _text("qualitative", "pseudonym.phone")
        self.place = _text("qualitative", "pseudonym.place")

    def __call__(self, value):
        if not isinstance(value, str):
            return value
        out = PHONE.sub(self.phone, EMAIL.sub(self.email, value))
        if self.pattern is not None:
            out = self.pattern.sub(self.name, out)
        if self.places is not None and self.sensitive is not None and self.sensitive.search(value):
            out = self.places.sub(self.place, out)
        return out


def quote_sources(quotes: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """``quotes`` (with ``source_id``) plus ``source_kind`` (German label), ``role`` (pseudonymous) and
    ``year`` from the sources table, and ``source_label`` ("Interview, befragte Person 2, 2021").

    The role of an interview is the running number of its case among the municipality's interviewed
    cases (by case id order), so the same person keeps the same number across waves while nothing of
    the case id, the name or the job reaches the report. An optional ``role`` column in the sources
    table (a role category chosen by the team, e.g. "Selbstvertretung") is shown before the number.
    """
    if "source_id" not in quotes.columns:
        raise InputError("quotes lack column 'source_id'", column="source_id", expected="the output of select_quotes")
    need = ["source_id", "kind", "year"]
    missing = [c for c in need if c not in sources.columns]
    if missing:
        raise InputError(f"sources lack column(s) {missing}", column=missing[0],
                         expected="qualitative/sources.csv with source_id, kind, year, case_id")
    src = sources.drop_duplicates("source_id").set_index("source_id")
    numbers: dict[str, int] = {}
    if "case_id" in src.columns:
        interviews = src[(src["kind"] == "interview") & src["case_id"].notna()]
        group = interviews["municipality_id"] if "municipality_id" in interviews.columns else pd.Series("", index=interviews.index)
        for _, ids in interviews.groupby(group)["case_id"]:
            for k, case in enumerate(sorted(set(ids.astype(str))), start=1):
                numbers[case] = k
    out = quotes.copy()
    kinds, roles, years, labels = [], [], [], []
    for sid in out["source_id"]:
        if sid not in src.index:
            raise InputError("a quote's document is missing from the sources table", column="source_id",
                             expected="every quoted document in qualitative/sources.csv", found=sid)
        row = src.loc[sid]
        kind = str(row["kind"]) if str(row["kind"]) in ("interview", "workshop", "begehung") else "other"
        kind_label = _text("qualitative", f"source_kinds.{kind}")
        case_of_row = row.get("case_id") if "case_id" in src.columns else None
        role = _text("qualitative", f"roles.{kind}", k=numbers.get(str(case_of_row), "")).strip()
        given = row.get("role") if "role" in src.columns else None
        if isinstance(given, str) and given.strip():
            role = f"{given.strip()} ({role})" if kind == "interview" else given.strip()
        year = int(row["year"]) if pd.notna(row["year"]) else pd.NA
        kinds.append(kind_label)
        roles.append(role)
        years.append(year)
        labels.append(_text("qualitative", "quote_source", kind=kind_label, role=role,
                            year=year if year is not pd.NA else "–"))
    out["source_kind"], out["role"], out["year"], out["source_label"] = kinds, roles, years, labels
    out["year"] = out["year"].astype("Int64")
    return out


def names_from_cases(cases: pd.DataFrame | None, column: str = "name") -> list[str]:
    """Person names from a case list (column ``name``), skipping missing values."""
    if cases is None or column not in cases.columns:
        return []
    return [n for n in cases[column].tolist() if isinstance(n, str) and n.strip()]


def select_quotes(
    codings: pd.DataFrame,
    *,
    per_code: int = 1,
    min_words: int = 8,
    max_words: int = 60,
    names: Sequence[str] = (),
    cases: pd.DataFrame | None = None,
    codes: Sequence[str] | None = None,
    places: Sequence[str] = (),
    sources: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Up to ``per_code`` pseudonymised quotes per code.

    Returns ``code_id, rank, source_id, start, end, words, text, truncated``; with ``sources`` also
    ``source_kind, role, year, source_label`` (:func:`quote_sources`). ``places``: names of small
    areas, masked in quotes that mention a disability or an aid (:func:`small_places`). Segments between
    ``min_words`` and ``max_words`` words are preferred, those nearest the middle of the range
    first (ties: source_id, start); a code with only longer segments gets the shortest one cut
    after ``max_words`` words and marked ``[…]``. Person names come from ``names`` and from the
    ``name`` column of ``cases``.
    """
    for col in ("code_id", "text", "source_id"):
        if col not in codings.columns:
            raise InputError(f"codings lack column '{col}'", column=col, expected="columns code_id, source_id, text")
    if min_words > max_words:
        raise InputError("min_words exceeds max_words", column="min_words", expected=f"<= {max_words}", found=min_words)
    df = codings[codings["text"].map(lambda t: isinstance(t, str) and t.strip() != "")].copy()
    if codes is not None:
        df = df[df["code_id"].isin(list(codes))]
    df["words"] = df["text"].str.count(r"\S+")
    df = df.drop_duplicates(["code_id", "text"])
    target = (min_words + max_words) / 2
    inside = (df["words"] >= min_words) & (df["words"] <= max_words)
    df["_tier"] = np.where(inside, 0, np.where(df["words"] > max_words, 1, 2))
    df["_dist"] = np.where(df["_tier"] == 0, (df["words"] - target).abs(),
                           np.where(df["_tier"] == 1, df["words"], -df["words"]))
    sort_cols = ["code_id", "_tier", "_dist", "source_id"] + (["start"] if "start" in df.columns else [])
    df = df.sort_values(sort_cols, kind="stable")
    top = df.groupby("code_id", sort=True).head(per_code).copy()
    top["rank"] = top.groupby("code_id").cumcount() + 1
    pseudo = Pseudonymiser(list(names) + names_from_cases(cases), places=places)
    marker = _text("qualitative", "pseudonym.truncated")

    def cut(t: str) -> tuple[str, bool]:
        tokens = re.findall(r"\S+\s*", t.strip())
        if len(tokens) <= max_words:
            return t.strip(), False
        return "".join(tokens[:max_words]).rstrip() + marker, True

    cut_texts = [cut(t) for t in top["text"]]
    top["text"] = [pseudo(t) for t, _ in cut_texts]
    top["truncated"] = [c for _, c in cut_texts]
    for col in ("start", "end"):
        if col not in top.columns:
            top[col] = pd.NA
    out = top[["code_id", "rank", "source_id", "start", "end", "words", "text", "truncated"]].reset_index(drop=True)
    return quote_sources(out, sources) if sources is not None else out


__all__ = ["pseudonymise", "Pseudonymiser", "select_quotes", "names_from_cases", "small_places", "sensitive_terms",
           "quote_sources", "DEFAULT_PLACE_THRESHOLD", "EMAIL", "PHONE"]
