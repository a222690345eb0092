"""Rounds of the Kommunaler Index für Inklusion: structure, ordinal self-assessments, change.

The *Kommunaler Index für Inklusion* (Montag Stiftung Jugend und Gesellschaft, 2011) is a
self-assessment: groups of a municipality rate questions, grouped into themes within areas, and
repeat the exercise in rounds. The ``index_responses`` table holds one rating (1-4, higher = the
statement applies more) per respondent group, question and round. The handbook's question texts are
copyrighted, so only their structure (area -> theme -> question id) is used here.

Ratings are ordinal. This module therefore reports **distributions**, medians and the share of
ratings 3-4 (*trifft eher/voll zu*) per round, never a mean "index score" that could be taken for an
official value. Change between two rounds (:func:`index_change`) is given as

* the change in the share of ratings 3-4 with Newcombe's (1998, method 10) hybrid score interval for
  the difference of two independent proportions, and
* Cliff's delta (Cliff 1993), ``P(later > earlier) - P(later < earlier)`` over all pairs of ratings,
  an ordinal effect size from -1 to +1.

Caveat (stated in the report text): ratings of the same group on several questions are not
independent, and rounds are treated as independent samples; the intervals are a guide, not a test.

Example
-------
>>> import pandas as pd
>>> r = pd.DataFrame({"municipality_id": "m", "round": [1, 1, 2, 2], "year": [2019, 2019, 2022, 2022],
...                   "area": "A", "theme": "A1", "question_id": "A1.1", "respondent_group": "verwaltung",
...                   "rating": [2, 3, 3, 4]})
>>> t = index_rounds(r, level="area")
>>> t["median"].tolist(), t["share_agree"].tolist()
([2.5, 3.5], [0.5, 1.0])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..contracts import validate
from ..errors import InputError, Problem
from ..indicators.rates import proportion_difference, wilson_interval
from ..results import check_alpha

LEVELS = {"area": ["area"], "theme": ["area", "theme"], "question": ["area", "theme", "question_id"]}
RATINGS = (1, 2, 3, 4)


def _prepare(responses: pd.DataFrame, file: str | None) -> pd.DataFrame:
    data = validate(responses, "index_responses", file=file)
    # one question belongs to one theme and one area
    struct = data[["municipality_id", "question_id", "area", "theme"]].drop_duplicates()
    dup = struct[struct.duplicated(["municipality_id", "question_id"], keep=False)]
    if len(dup):
        problems = [Problem("question sits under more than one area/theme", file, None, "question_id",
                            "one area and theme per question", f"{q}: {sorted(set(g['area'] + ' / ' + g['theme']))}")
                    for q, g in dup.groupby("question_id")]
        raise InputError("inconsistent Index structure", file=file, problems=problems)
    rounds = data.groupby(["municipality_id", "round"])["year"].nunique()
    if (rounds > 1).any():
        m, r = rounds[rounds > 1].index[0]
        raise InputError("a round spans several years", file=file, column="year",
                         expected="one year per municipality and round", found=(m, r))
    return data


def index_structure(responses: pd.DataFrame, *, file: str | None = None) -> pd.DataFrame:
    """The area -> theme -> question tree with the rounds each question was rated in.

    Columns: municipality_id, area, theme, question_id, rounds (e.g. "1, 2"), ratings (count).
    """
    data = _prepare(responses, file)
    g = data.groupby(["municipality_id", "area", "theme", "question_id"], sort=True)
    out = g.agg(rounds=("round", lambda s: ", ".join(map(str, sorted(set(s))))),
                ratings=("rating", "count")).reset_index()
    return out


def _describe(r: pd.Series) -> dict:
    r = r.dropna().astype(int)
    n = len(r)
    row: dict[str, float] = {"n": n}
    for k in RATINGS:
        row[f"share_{k}"] = float((r == k).sum() / n) if n else np.nan
    row["median"] = float(np.median(r)) if n else np.nan
    agree = int((r >= 3).sum())
    row["share_agree"] = agree / n if n else np.nan
    row["agree_ci_low"], row["agree_ci_high"] = wilson_interval(agree, n)
    return row


def index_rounds(responses: pd.DataFrame, *, level: str = "theme", by_group: bool = False,
                 file: str | None = None) -> pd.DataFrame:
    """Distribution of the ratings per round at the ``level`` area, theme or question.

    Columns: municipality_id, round, year, the level's keys (and respondent_group with
    ``by_group=True``), n (ratings given), n_missing (questions left unrated), share_1 .. share_4,
    median, share_agree (ratings 3-4) with its Wilson interval (agree_ci_low, agree_ci_high).
    """
    if level not in LEVELS:
        raise InputError("unknown level", column="level", expected=f"one of {list(LEVELS)}", found=level)
    data = _prepare(responses, file)
    keys = ["municipality_id", "round", "year"] + LEVELS[level] + (["respondent_group"] if by_group else [])
    rows = []
    for key, g in data.groupby(keys, sort=True, dropna=False):
        row = dict(zip(keys, key))
        row.update(_describe(g["rating"]))
        row["n_missing"] = int(g["rating"].isna().sum())
        rows.append(row)
    cols = keys + ["n", "n_missing"] + [f"share_{k}" for k in RATINGS] + ["median", "share_agree",
                                                                          "agree_ci_low", "agree_ci_high"]
    return pd.DataFrame(rows)[cols]


def cliffs_delta(before: Sequence[float], after: Sequence[float]) -> float:
    """Cliff's delta ``P(after > before) - P(after < before)`` over all pairs (Cliff 1993).

    >>> cliffs_delta([1, 2], [2, 3])
    0.75
    """
    a = np.asarray(before, dtype=float)
    b = np.asarray(after, dtype=float)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if len(a) == 0 or len(b) == 0:
        return np.nan
    # counts per rating value make this O(k^2) instead of O(n1 * n2)
    va, ca = np.unique(a, return_counts=True)
    vb, cb = np.unique(b, return_counts=True)
    sign = np.sign(vb[:, None] - va[None, :])
    return float((cb[:, None] * ca[None, :] * sign).sum() / (len(a) * len(b)))


def index_change(responses: pd.DataFrame, *, level: str = "theme", from_round: int | None = None,
                 to_round: int | None = None, alpha: float = 0.05, file: str | None = None) -> pd.DataFrame:
    """Change between two rounds per area/theme/question (default: the first and the last round).

    Columns: municipality_id, the level's keys, round_from, round_to, n_from, n_to, median_from,
    median_to, share_agree_from, share_agree_to, change_share_agree (later minus earlier round, as a
    share) with its ``1 - alpha`` Newcombe (1998) hybrid score interval (change_ci_low, change_ci_high;
    :func:`evaluation.indicators.rates.proportion_difference`), cliffs_delta. Units rated in only one
    of the rounds are kept with NaN change (never 0).
    """
    alpha = check_alpha(alpha)
    if level not in LEVELS:
        raise InputError("unknown level", column="level", expected=f"one of {list(LEVELS)}", found=level)
    data = _prepare(responses, file)
    rows = []
    for mun, d in data.groupby("municipality_id", sort=True):
        rounds = sorted(d["round"].unique().tolist())
        r0 = rounds[0] if from_round is None else int(from_round)
        r1 = rounds[-1] if to_round is None else int(to_round)
        for r in (r0, r1):
            if r not in rounds:
                raise InputError(f"round {r} not in the data of {mun}", file=file, column="round",
                                 expected=f"one of {rounds}", found=r)
        if r0 == r1:
            raise InputError(f"{mun} has only one round to compare", file=file, column="round",
                             expected="two different rounds", found=r0)
        keys = LEVELS[level]
        for key, g in d.groupby(keys, sort=True):
            key = key if isinstance(key, tuple) else (key,)
            a = g.loc[g["round"] == r0, "rating"].dropna().astype(int)
            b = g.loc[g["round"] == r1, "rating"].dropna().astype(int)
            if len(a) and len(b):  # the round rated later minus the earlier one
                change = proportion_difference(int((b >= 3).sum()), len(b), int((a >= 3).sum()), len(a),
                                               alpha=alpha, scale=1.0)
                diff, lo, hi = change.estimate, change.ci_low, change.ci_high
            else:
                diff = lo = hi = float("nan")
            rows.append({"municipality_id": mun, **dict(zip(keys, key)), "round_from": r0, "round_to": r1,
                         "n_from": len(a), "n_to": len(b),
                         "median_from": float(np.median(a)) if len(a) else np.nan,
                         "median_to": float(np.median(b)) if len(b) else np.nan,
                         "share_agree_from": float((a >= 3).mean()) if len(a) else np.nan,
                         "share_agree_to": float((b >= 3).mean()) if len(b) else np.nan,
                         "change_share_agree": diff, "change_ci_low": lo, "change_ci_high": hi,
                         "cliffs_delta": cliffs_delta(a, b)})
    return pd.DataFrame(rows)
