"""Illustrative quotes per code, pseudonymised before they can reach a report.

:func:`pseudonymise` replaces, in this order, e-mail addresses, German telephone numbers
(``+49 …``, ``0049 …``, ``(0 30) …``, ``030/…``, ``0171-…``, ``09131 86-1234``) and the names of
persons (from the case list and a configurable list; a full name and each of its parts of three
or more letters, with a genitive *s*) by the placeholders in ``texts/qualitative.yaml``
(``[Name]``, ``[E-Mail-Adresse]``, ``[Telefonnummer]``). It is a safeguard for names the team knows
of, not a guarantee against every identifying detail: quotes still need a human read.

:func:`select_quotes` picks per code the segments whose length is closest to a readable quote
(``min_words``..``max_words``), deterministically, and returns them pseudonymised.

>>> pseudonymise("Frau Anna Müller (anna.mueller@example.org, 0171 2345678) sagt: Müllers Idee", names=["Anna Müller"])
'Frau [Name] ([E-Mail-Adresse], [Telefonnummer]) sagt: [Name] Idee'
"""

from __future__ import annotations

import re
from typing import Iterable, Sequence

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


def pseudonymise(value: str, names: Iterable[str] = (), *, split_names: bool = True) -> str:
    """``value`` with e-mail addresses, German phone numbers and the given person names replaced."""
    if not isinstance(value, str):
        return value
    out = EMAIL.sub(_text("qualitative", "pseudonym.email"), value)
    out = PHONE.sub(_text("qualitative", "pseudonym.phone"), out)
    pattern = _name_patterns(names, split_names)
    if pattern is not None:
        out = pattern.sub(_text("qualitative", "pseudonym.name"), out)
    return out


class Pseudonymiser:
    """Reusable pseudonymiser for many texts (the name pattern is compiled once)."""

    def __init__(self, names: Iterable[str] = (), *, split_names: bool = True) -> None:
        self.pattern = _name_patterns(list(names), split_names)
        self.name = _text("qualitative", "pseudonym.name")
        self.email = _text("qualitative", "pseudonym.email")
        self.phone = _text("qualitative", "pseudonym.phone")

    def __call__(self, value):
        if not isinstance(value, str):
            return value
        out = PHONE.sub(self.phone, EMAIL.sub(self.email, value))
        return self.pattern.sub(self.name, out) if self.pattern is not None else out


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
) -> pd.DataFrame:
    """Up to ``per_code`` pseudonymised quotes per code.

    Returns ``code_id, rank, source_id, start, end, words, text, truncated``. Segments between
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
    pseudo = Pseudonymiser(list(names) + names_from_cases(cases))
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
    return top[["code_id", "rank", "source_id", "start", "end", "words", "text", "truncated"]].reset_index(drop=True)


__all__ = ["pseudonymise", "Pseudonymiser", "select_quotes", "names_from_cases", "EMAIL", "PHONE"]
