"""Joint display: quantitative indicators beside qualitative codes, per Lebensbereich and
Wirkungsstufe.

A joint display (Guetterman, Fetters & Creswell 2015) puts the two strands of a mixed-methods
evaluation side by side on a shared grid, here the impact logic: for each life area
(Lebensbereich) and step of the Wirkungstreppe, the indicators with their status, the qualitative
codes mapped to the same cell with the share of documents in which they occur, and one
pseudonymised illustrative quote. The report renders the returned tidy table; German labels come
from :mod:`evaluation.vocabulary`.

Inputs: ``indicators`` with indicator_id, name, lebensbereich, wirkungsstufe, status, value (from
the indicator module); ``codings``, ``sources`` (the analysed documents: the denominator of the
document share) and ``codebook`` as in :mod:`evaluation.qualitative.aggregate`.

Do the strands agree? (column ``agreement``; :func:`agreement_rule`) The rule, per cell:

1. *Quantitative direction* from the target status of the cell's indicators: each "erreicht" or
   "auf Kurs" counts +1, each "nicht auf Kurs" -1, "nicht bewertbar" and unknown statuses 0; the sign
   of the sum is the direction (0: no assessable indicator, or as many good as bad).
2. *Qualitative direction* from the codes' valence (codebook column ``valence``: +1 a code that
   records a facilitating finding, e.g. "Verändertes Handeln"; -1 a hindering one, e.g. "Bauliche
   Barrieren"; 0 or empty neutral), weighted by the number of documents in which the code occurs in the
   cell; the sign of the sum is the direction.
3. "nur eine Quelle" when only one strand has a finding (a direction other than 0 on one side and no
   coded documents or no assessable indicator on the other); "Befunde stimmen überein" when both
   directions are equal and non-zero; "Befunde widersprechen sich" when they are opposite;
   "Befunde uneinheitlich" when both strands have material but at least one is balanced (sum 0),
   including codes without a valence.

This is the "confirmation / discordance / expansion" coding of joint displays (Fetters, Curry &
Creswell 2013, *Health Services Research* 48(6):2134-2156) made mechanical so that it can be tested;
it does not replace reading the quotes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import InputError
from ..texts import text
from ..vocabulary import LEBENSBEREICHE, WIRKUNGSSTUFEN
from .codebook import inherited_mapping
from .quotes import select_quotes

COLUMNS = ["lebensbereich", "lebensbereich_label", "wirkungsstufe", "wirkungsstufe_label", "indicators",
           "n_indicators", "codes", "segments", "documents", "n_documents", "document_share", "quote",
           "quote_code_id", "quote_source_id", "quant_direction", "qual_direction", "agreement"]

#: status words (German labels and codes) -> contribution to the quantitative direction
STATUS_DIRECTION = {"erreicht": 1, "achieved": 1, "auf Kurs": 1, "on_track": 1,
                    "nicht auf Kurs": -1, "off_track": -1, "nicht bewertbar": 0, "not_assessable": 0}
_VALENCE_WORDS = {"förderlich": 1, "positiv": 1, "+": 1, "+1": 1, "1": 1, "hinderlich": -1, "negativ": -1, "-": -1,
                  "-1": -1, "neutral": 0, "0": 0}


def _valence(value) -> int:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return 0
    if isinstance(value, (int, float, np.integer, np.floating)):
        return int(np.sign(value))
    return _VALENCE_WORDS.get(str(value).strip().lower(), 0)


def agreement_rule(statuses: Sequence[str], code_documents: dict[str, int], valence: dict[str, int]) -> tuple[int, int, str]:
    """(quantitative direction, qualitative direction, agreement key) of one cell; see the module docstring.

    ``statuses``: target status of each indicator in the cell; ``code_documents``: code -> documents
    with the code in the cell; ``valence``: code -> +1 / -1 / 0. Keys: agree, contradict, single, mixed.

    >>> agreement_rule(["erreicht"], {"W.2": 3}, {"W.2": 1})
    (1, 1, 'agree')
    >>> agreement_rule(["nicht auf Kurs"], {"W.2": 3}, {"W.2": 1})
    (-1, 1, 'contradict')
    >>> agreement_rule([], {"B.1": 2}, {"B.1": -1})
    (0, -1, 'single')
    >>> agreement_rule(["auf Kurs", "nicht auf Kurs"], {"B.1": 2}, {"B.1": -1})
    (0, -1, 'mixed')
    """
    q_sum = sum(STATUS_DIRECTION.get(str(s), 0) for s in statuses)
    assessable = any(STATUS_DIRECTION.get(str(s), 0) != 0 for s in statuses)
    quant = int(np.sign(q_sum))
    qual_sum = sum(valence.get(c, 0) * k for c, k in code_documents.items())
    has_qual = sum(code_documents.values()) > 0
    qual = int(np.sign(qual_sum))
    if not (assessable and has_qual):
        return quant, qual, "single"
    if quant != 0 and qual != 0:
        return quant, qual, "agree" if quant == qual else "contradict"
    return quant, qual, "mixed"


def joint_display(
    indicators: pd.DataFrame,
    codings: pd.DataFrame,
    sources: pd.DataFrame,
    codebook: pd.DataFrame,
    *,
    names: Sequence[str] = (),
    cases: pd.DataFrame | None = None,
    min_words: int = 8,
    max_words: int = 50,
    valence: dict[str, int] | None = None,
    places: Sequence[str] = (),
) -> pd.DataFrame:
    """One row per (lebensbereich, wirkungsstufe) cell that has an indicator or a coded segment.

    Columns: lebensbereich, lebensbereich_label, wirkungsstufe, wirkungsstufe_label,
    indicators ("name (status)" joined by "; "), n_indicators, codes (code names with their
    document share in % joined by "; ", most frequent first), segments, documents (documents
    with any code of the cell), n_documents (all analysed documents), document_share, quote
    (pseudonymised), quote_code_id, quote_source_id. Cells are ordered as the vocabulary orders
    the life areas, then by step; codes without a mapping are left out (they belong to no cell).
    """
    need_ind = ["indicator_id", "name", "lebensbereich", "wirkungsstufe", "status"]
    missing = [c for c in need_ind if c not in indicators.columns]
    if missing:
        raise InputError(f"indicator table lacks column(s) {missing}", column=missing[0],
                         expected=f"columns {need_ind + ['value']}")
    bad = indicators["lebensbereich"].notna() & ~indicators["lebensbereich"].isin(list(LEBENSBEREICHE))
    if bad.any():
        raise InputError("unknown Lebensbereich in the indicator table", column="lebensbereich",
                         row=int(np.flatnonzero(bad.to_numpy())[0]), expected=f"one of {list(LEBENSBEREICHE)}",
                         found=indicators.loc[bad, "lebensbereich"].iloc[0])
    for col in ("source_id", "code_id"):
        if col not in codings.columns:
            raise InputError(f"codings lack column '{col}'", column=col, expected="the codings contract")
    ind = indicators.copy()
    ind["wirkungsstufe"] = pd.to_numeric(ind["wirkungsstufe"], errors="coerce").astype("Int64")

    mapping = inherited_mapping(codebook)
    names_by_code = dict(zip(codebook["code_id"].astype(str), codebook["name"].astype(str)))
    cod = codings.merge(mapping, on="code_id", how="left", suffixes=("_orig", ""))
    cod = cod[cod["lebensbereich"].notna() & cod["wirkungsstufe"].notna()]
    analysed = sources["source_id"].nunique()
    unknown = ~cod["source_id"].isin(set(sources["source_id"]))
    if unknown.any():
        raise InputError("coding refers to a document missing from the sources table", column="source_id",
                         expected="every coded document in sources", found=cod.loc[unknown, "source_id"].iloc[0])

    cells = pd.concat([ind[["lebensbereich", "wirkungsstufe"]].dropna(),
                       cod[["lebensbereich", "wirkungsstufe"]]], ignore_index=True).drop_duplicates()
    order_lb = {k: i for i, k in enumerate(LEBENSBEREICHE)}
    cells = cells.assign(_o=cells["lebensbereich"].map(order_lb)).sort_values(["_o", "wirkungsstufe"]).drop(columns="_o")

    if valence is None:
        valence = ({str(c): _valence(v) for c, v in zip(codebook["code_id"], codebook["valence"])}
                   if "valence" in codebook.columns else {})
    words = {k: text("qualitative", f"agreement.{k}") for k in ("agree", "contradict", "single", "mixed")}
    quotes = select_quotes(cod, per_code=1, min_words=min_words, max_words=max_words, names=names, cases=cases,
                           places=places) \
        if len(cod) else pd.DataFrame(columns=["code_id", "text", "source_id", "words"])
    rows = []
    for lb, ws in cells.itertuples(index=False):
        i_cell = ind[(ind["lebensbereich"] == lb) & (ind["wirkungsstufe"] == ws)]
        c_cell = cod[(cod["lebensbereich"] == lb) & (cod["wirkungsstufe"] == ws)]
        ind_text = "; ".join(f"{n} ({s})" if isinstance(s, str) and s else str(n)
                             for n, s in zip(i_cell["name"], i_cell["status"]))
        per_code = c_cell.groupby("code_id")["source_id"].nunique().sort_values(ascending=False, kind="stable")
        codes_text = "; ".join(f"{names_by_code.get(c, c)} ({100 * k / analysed:.0f} %)" for c, k in per_code.items()) \
            if analysed else ""
        docs = c_cell["source_id"].nunique()
        q = quotes[quotes["code_id"].isin(per_code.index)]
        if len(q):
            # the quote of the most widespread code of the cell that has one
            q = q.assign(_r=q["code_id"].map({c: i for i, c in enumerate(per_code.index)})).sort_values("_r").iloc[0]
        quant, qual, key = agreement_rule(list(i_cell["status"]), {str(c): int(k) for c, k in per_code.items()}, valence)
        rows.append({
            "lebensbereich": lb, "lebensbereich_label": LEBENSBEREICHE.get(lb, lb),
            "wirkungsstufe": int(ws), "wirkungsstufe_label": WIRKUNGSSTUFEN.get(int(ws), str(ws)),
            "indicators": ind_text or np.nan, "n_indicators": len(i_cell),
            "codes": codes_text or np.nan, "segments": len(c_cell), "documents": docs, "n_documents": analysed,
            "document_share": docs / analysed if analysed else np.nan,
            "quote": q["text"] if len(q) else np.nan,
            "quote_code_id": q["code_id"] if len(q) else np.nan,
            "quote_source_id": q["source_id"] if len(q) else np.nan,
            "quant_direction": quant, "qual_direction": qual, "agreement": words[key],
        })
    out = pd.DataFrame(rows, columns=COLUMNS)
    out["wirkungsstufe"] = out["wirkungsstufe"].astype("Int64")
    return out


__all__ = ["joint_display", "agreement_rule", "STATUS_DIRECTION"]
