"""Survey indicators: what the next wave can detect, and how many respondents a Sozialraum needs.

The Bürgerbefragung has no comparison municipalities, so a survey indicator's MDE is the smallest
change of the share between the last wave and the next one that a test at level ``alpha`` detects
with the required power, for independent samples (:func:`evaluation.planning.formula.share_change_mde`).
The design enters through the design effect of the last wave, per Sozialraum and for the whole
municipality:

* ``deff``: the design effect of the share estimated by Taylor linearisation on the last wave's
  stratified, clustered sample with its design weights (:class:`evaluation.survey.design.SurveyDesign`;
  Kish 1965, sec. 8.2: variance of the design over the variance of a simple random sample of the same
  size) - it includes weighting, clustering and stratification;
* ``kish_deff``: Kish's (1965, sec. 11.7) approximation for unequal weights alone,
  ``1 + cv(w)^2 = n sum w^2 / (sum w)^2``, shown beside it and used when the design-based estimate
  is not available (fewer than two PSUs in the domain).

The design-based ``deff`` is used where it can be estimated (a value below 1, a gain from
stratification, is kept as estimated); Kish's weighting effect only where it cannot.

Sample sizes (:func:`wave_plan`): respondents needed in each Sozialraum for a ``1 - alpha``
interval of the share of half-width ``half_width`` (e.g. +-5 percentage points), ``n = deff z^2 p (1 -
p) / h^2`` (Cochran 1977, eq. 4.2), and the MDE the next wave would have with that many.

``SURVEY_ITEMS`` maps the register's survey indicators to the questionnaire's columns (the
workbench's standard Bürgerbefragung, as in the Musterdaten and the survey chapter): column, the
answer codes that count as "yes", and the subgroup the share refers to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import EstimationError, InputError
from ..results import check_alpha
from .formula import sample_size_for_precision, share_change_mde

#: indicator_id -> (column, answer codes counted as "yes", subgroup: "all" | "disabled" | "not_disabled")
SURVEY_ITEMS: dict[str, tuple[str, tuple[float, ...], str]] = {
    "einstellung_inklusion": ("einstellung", (4, 5), "all"),
    "kenntnis_angebote": ("kenntnis", (1,), "all"),
    "kontakt_mmb": ("kontakt", (1,), "not_disabled"),
    "wahrgenommene_barrieren": ("barrieren", (3, 4), "disabled"),
    "einsamkeit": ("einsamkeit", (1,), "disabled"),
    "teilhabe_freizeit": ("freizeit", (1,), "disabled"),
    "sicherheitsgefuehl": ("sicherheit", (1,), "disabled"),
    "wahlbeteiligung_mb": ("wahl", (1,), "disabled"),
}

COLUMNS = ["indicator_id", "subgroup", "area_id", "wave", "n", "share", "deff", "kish_deff", "deff_used"]
_SUBGROUP = {"all": None, "disabled": 1, "not_disabled": 0}


def kish_deff(weights: np.ndarray) -> float:
    """Kish's design effect of unequal weighting, ``n sum w^2 / (sum w)^2`` (= 1 + cv^2)."""
    w = np.asarray(weights, dtype=float)
    w = w[np.isfinite(w) & (w > 0)]
    if len(w) == 0:
        return float("nan")
    return float(len(w) * np.sum(w**2) / np.sum(w) ** 2)


def _item(responses: pd.DataFrame, column: str, codes: Sequence[float]) -> pd.Series:
    x = pd.to_numeric(responses[column], errors="coerce")
    return x.isin([float(c) for c in codes]).astype(float).where(x.notna())


def last_wave_design(responses: pd.DataFrame, municipality_id: str, *, items: Mapping[str, tuple] | None = None,
                     alpha: float = 0.05) -> pd.DataFrame:
    """Share, respondents and design effects of the last wave per indicator and Sozialraum.

    ``responses``: the ``survey_responses`` contract table (any municipalities; ``wave``, ``area_id``,
    ``stratum``, ``psu``, ``design_weight``, ``has_disability`` and the item columns). Returns one row
    per indicator and area (``area_id`` = the municipality for the whole town): indicator_id, subgroup
    (whom the share counts: all | disabled | not_disabled), area_id,
    wave, n (respondents of the subgroup with an answer), share (weighted, fraction), deff (design-based,
    of that domain), kish_deff, deff_used (the municipality's design-based deff of the indicator, also for
    its Sozialräume, whose own estimates rest on too few PSUs; Kish's where none can be estimated).
    """
    from ..survey.design import SurveyDesign

    alpha = check_alpha(alpha)
    items = dict(SURVEY_ITEMS if items is None else items)
    need = ["municipality_id", "wave", "area_id", "design_weight", "stratum", "psu"]
    missing = [c for c in need if c not in responses.columns]
    if missing:
        raise InputError("survey responses lack design columns", column=missing[0], expected=f"columns {need}")
    r = responses[responses["municipality_id"].astype(str) == str(municipality_id)]
    if r.empty:
        raise EstimationError(f"no survey responses for municipality {municipality_id!r}")
    wave = int(pd.to_numeric(r["wave"]).max())
    r = r[pd.to_numeric(r["wave"]) == wave].reset_index(drop=True)
    dis = pd.to_numeric(r["has_disability"], errors="coerce") if "has_disability" in r.columns else None
    derived = {}
    for ind, (column, codes, subgroup) in items.items():
        if column not in r.columns:
            continue
        sub = _SUBGROUP[subgroup]
        if sub is not None and dis is None:
            continue
        y = _item(r, column, codes)
        derived[ind] = y if sub is None or dis is None else y.where((dis == sub).to_numpy())
    if not derived:
        return pd.DataFrame(columns=COLUMNS)
    data = r.assign(**{f"_plan_{k}": v for k, v in derived.items()}, _plan_area=r["area_id"].astype(str))
    design = SurveyDesign(data, weight="design_weight", strata="stratum", psu="psu", lonely_psu="adjust")
    cols = [f"_plan_{k}" for k in derived]
    whole = design.table(cols, None, kind="proportion").assign(domain=str(municipality_id))
    by_area = design.table(cols, "_plan_area", kind="proportion")
    w = data["design_weight"].to_numpy(float)
    rows = []
    for est in pd.concat([whole, by_area], ignore_index=True).to_dict("records"):
        ind = str(est["item"]).removeprefix("_plan_")
        area = str(est["domain"])
        in_dom = data[str(est["item"])].notna().to_numpy().copy()
        if area != str(municipality_id):
            in_dom &= (data["_plan_area"] == area).to_numpy()
        kd = kish_deff(w[in_dom])
        deff = float(est["deff"])
        used = deff if np.isfinite(deff) and deff > 0 else kd
        rows.append({"indicator_id": ind, "subgroup": items[ind][2], "area_id": area, "wave": wave, "n": int(est["n"]),
                     "share": float(est["estimate"]), "deff": deff, "kish_deff": kd, "deff_used": used})
    out = pd.DataFrame(rows, columns=COLUMNS)
    # a Sozialraum's own design effect rests on a few dozen respondents and a handful of PSUs and
    # scatters widely; planning uses the municipality's design effect of the same indicator there
    town = out[out["area_id"] == str(municipality_id)].set_index("indicator_id")["deff_used"]
    area_rows = out["area_id"] != str(municipality_id)
    out.loc[area_rows, "deff_used"] = out.loc[area_rows, "indicator_id"].map(town).fillna(
        out.loc[area_rows, "kish_deff"]).to_numpy()
    return out


def survey_mde(design_table: pd.DataFrame, *, alpha: float = 0.05, power: float = 0.8,
               next_n: Mapping[str, float] | float | None = None) -> pd.DataFrame:
    """MDE (percentage points) of the change to the next wave, per row of :func:`last_wave_design`.

    ``next_n``: respondents of the next wave (per area id, or one factor applied to the last wave's
    n if a float below 10, or None for the same n as the last wave).
    """
    alpha = check_alpha(alpha)
    out = design_table.copy()
    if next_n is None:
        n2 = out["n"].astype(float)
    elif isinstance(next_n, Mapping):
        n2 = out["area_id"].map(lambda a: float(next_n.get(a, np.nan)))
    else:
        n2 = out["n"].astype(float) * float(next_n)
    out["n_next"] = n2
    out["mde"] = [100 * share_change_mde(min(max(p, 0.0), 1.0) if np.isfinite(p) else 0.5, n1, m, deff=d,
                                          alpha=alpha, power=power)
                  for p, n1, m, d in zip(out["share"], out["n"].astype(float), n2, out["deff_used"])]
    return out


def wave_plan(design_table: pd.DataFrame, *, half_width: float = 0.05, alpha: float = 0.05, power: float = 0.8,
              population: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Respondents needed per Sozialraum and indicator for a ``+- half_width`` interval of the share.

    Adds ``n_needed`` (with the last wave's deff and share; p = 0.5 where no share was estimated),
    ``mde`` (percentage points, next wave as large as the last) and ``mde_needed`` (next wave with
    ``n_needed`` respondents), and ``precision_now`` (the half-width, in percentage points, the last
    wave's n gives).
    """
    from scipy import stats

    alpha = check_alpha(alpha)
    if not 0 < half_width < 0.5:
        raise InputError("half_width is a fraction, e.g. 0.05 for +-5 percentage points", found=half_width)
    out = survey_mde(design_table, alpha=alpha, power=power)
    z = stats.norm.ppf(1 - alpha / 2)
    p = out["share"].where(out["share"].between(0, 1), 0.5).fillna(0.5)
    pop = population or {}
    out["n_needed"] = [sample_size_for_precision(pp, half_width, deff=d, alpha=alpha, population=pop.get(a))
                       for pp, d, a in zip(p, out["deff_used"], out["area_id"])]
    out["mde_needed"] = [100 * share_change_mde(pp, n1, n2, deff=d, alpha=alpha, power=power)
                         for pp, n1, n2, d in zip(p, out["n"].astype(float), out["n_needed"].astype(float),
                                                  out["deff_used"])]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["precision_now"] = 100 * z * np.sqrt(out["deff_used"] * p * (1 - p) / out["n"].astype(float))
    out["half_width"] = 100 * half_width
    return out
