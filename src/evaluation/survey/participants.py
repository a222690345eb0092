"""Questionnaires of people who took part in a measure: reach, acceptance and perceived benefit.

Each measure's participant questionnaire answers three steps of the Wirkungstreppe:

* step 2 *Zielgruppen werden erreicht* -- share of respondents who belong to the target group
  (``in_target_group``) and share of respondents with a disability (``has_disability``);
* step 3 *Zielgruppen akzeptieren die Angebote* -- share satisfied (``satisfaction`` >= 4 on the 1-5
  scale, "top-two box") and the mean satisfaction;
* step 4 *Bewusstsein bzw. Fähigkeiten verändern sich* -- share reporting a benefit (``benefit`` >= 4)
  and the mean perceived benefit.

Participant questionnaires per measure are small. Every share therefore carries a Wilson score
interval (Wilson 1927), which keeps its coverage for small n and shares near 0 or 1 where the Wald
interval fails (Brown, Cai & DasGupta 2001); means carry a t interval. Rows with fewer than
``min_n`` (default 5) valid answers are flagged ``small_n`` so that a report can suppress or caveat
them. These are descriptive figures of the people who answered, not of all participants:
``n`` is the number of valid answers, and there is no correction for non-response.

Example
-------
>>> import pandas as pd
>>> r = pd.DataFrame({"municipality_id": "m", "measure_id": "m1", "respondent_id": ["1", "2", "3"],
...                   "year": 2022, "in_target_group": [True, True, False], "has_disability": [True, False, None],
...                   "satisfaction": [5, 4, 2], "benefit": [4, 3, None]})
>>> t = participant_summary(r)
>>> t.loc[t.indicator == "acceptance", ["n", "count", "share", "small_n"]].values.tolist()
[[3, 2, 0.6666666666666666, True]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ..contracts import validate
from ..errors import InputError
from ..indicators.rates import wilson_interval  # the one Wilson interval of the workbench

#: indicator -> (source column, Wirkungsstufe, kind, threshold for "yes")
INDICATORS: dict[str, tuple[str, int, str, float | None]] = {
    "reach_target_group": ("in_target_group", 2, "share", None),
    "reach_disability": ("has_disability", 2, "share", None),
    "acceptance": ("satisfaction", 3, "share", 4),
    "mean_satisfaction": ("satisfaction", 3, "mean", None),
    "benefit": ("benefit", 4, "share", 4),
    "mean_benefit": ("benefit", 4, "mean", None),
}

COLUMNS = ["indicator", "wirkungsstufe", "n", "count", "share", "mean", "ci_low", "ci_high", "small_n", "method"]


def participant_summary(responses: pd.DataFrame, *, by: Sequence[str] = ("municipality_id", "measure_id"),
                        min_n: int = 5, level: float = 0.95, top_box: int = 4,
                        file: str | None = None) -> pd.DataFrame:
    """Reach, acceptance and benefit per measure (or any grouping ``by``), one row per indicator.

    Columns: the ``by`` columns, indicator, wirkungsstufe, n (valid answers), count (yes answers for
    shares), share, mean, ci_low, ci_high (Wilson for shares, t for means), small_n (n < ``min_n``),
    method. A share is NaN (never 0) when nobody answered the question. ``top_box`` is the lowest
    answer that counts as satisfied / benefited (default 4 on the 1-5 scale).
    """
    data = validate(responses, "participant_responses", file=file)
    by = list(by)
    missing = [c for c in by if c not in data.columns]
    if missing:
        raise InputError("grouping column not in the participant responses", file=file,
                         column=", ".join(missing), expected="columns of the participant_responses table")
    if not 1 <= top_box <= 5:
        raise InputError("top_box outside the answer scale", column="top_box", expected="1..5", found=top_box)
    rows = []
    for key, g in data.groupby(by, sort=True, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        for ind, (col, step, kind, _) in INDICATORS.items():
            s = g[col].dropna()
            n = int(len(s))
            row = dict(zip(by, key))
            row.update(indicator=ind, wirkungsstufe=step, n=n, small_n=n < min_n)
            if kind == "share":
                yes = s.astype(bool) if col in ("in_target_group", "has_disability") else (s.astype(float) >= top_box)
                count = int(yes.sum())
                lo, hi = wilson_interval(count, n, alpha=1 - level)
                row.update(count=count if n else np.nan, share=count / n if n else np.nan, mean=np.nan, ci_low=lo, ci_high=hi,
                           method="share with Wilson score interval (Wilson 1927)")
            else:
                x = s.astype(float).to_numpy()
                m = float(x.mean()) if n else np.nan
                if n >= 2:
                    half = stats.t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / np.sqrt(n)
                    lo, hi = max(m - half, 1.0), min(m + half, 5.0)  # clipped to the answer scale
                else:
                    lo = hi = np.nan
                row.update(count=np.nan, share=np.nan, mean=m, ci_low=lo, ci_high=hi,
                           method="mean of the 1-5 answers with t interval (clipped to 1..5)")
            rows.append(row)
    out = pd.DataFrame(rows, columns=by + COLUMNS)
    out["count"] = out["count"].astype("Int64")
    return out


def participant_overview(responses: pd.DataFrame, measures: pd.DataFrame | None = None, *, min_n: int = 5,
                         level: float = 0.95, file: str | None = None) -> pd.DataFrame:
    """One row per measure: respondents and the three steps' shares side by side (wide), for a report.

    Columns: municipality_id, measure_id, (title), n_respondents, reach_target_group, reach_disability,
    acceptance, benefit (shares), the Wilson bounds of each as ``<indicator>_ci_low/high``, and
    small_n. With ``measures`` the measure titles are joined in.
    """
    long = participant_summary(responses, min_n=min_n, level=level, file=file)
    shares = long[long["indicator"].isin(["reach_target_group", "reach_disability", "acceptance", "benefit"])]
    keys = ["municipality_id", "measure_id"]
    wide = shares.pivot(index=keys, columns="indicator", values=["share", "ci_low", "ci_high"])
    wide.columns = [ind if stat == "share" else f"{ind}_{stat}" for stat, ind in wide.columns]
    inds = ["reach_target_group", "reach_disability", "acceptance", "benefit"]
    wide = wide[[f"{i}{suffix}" for i in inds for suffix in ("", "_ci_low", "_ci_high") if f"{i}{suffix}" in wide.columns]]
    wide = wide.reset_index()
    n_resp = validate(responses, "participant_responses", file=file).groupby(keys).size().rename("n_respondents")
    wide = wide.merge(n_resp.reset_index(), on=keys, how="left")
    wide["small_n"] = wide["n_respondents"] < min_n
    if measures is not None:
        # an absent optional measures.csv arrives as an empty placeholder: nothing to validate, no titles
        m = validate(measures, "measures") if len(measures) else measures
        m = m.reindex(columns=keys + ["title"])
        wide = wide.merge(m, on=keys, how="left")
    order = keys + (["title"] if measures is not None else []) + ["n_respondents"]
    return wide[order + [c for c in wide.columns if c not in order]]
