"""The whole documented choice of comparison municipalities in one call: :func:`choose_comparisons`.

For a notebook or the annual run: from the structure panel (and optionally the outcome indicator)
it derives the pre-period characteristics, fits the typology on the structural characteristics,
matches every model municipality against the applicants (structure plus, if an indicator is named,
its pre-period level and trend), computes the balance table and assembles the three pools (all
applicants, same type, matched). The result keeps every intermediate step so that each can be
shown or changed and rerun (the COINr idea of one object that records its steps).

The pre-period defaults to the structure panel's years before the earliest ``programme_start`` of
the model municipalities: nothing the programme could have changed enters the choice (Stuart 2010).

>>> # design = choose_comparisons(structure, municipalities, values=values, indicator_id="inklusionsanteil")
>>> # design.summary(); design.params("erlangen"); fig, table = design.love_plot("erlangen")
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evaluation.errors import InputError
from evaluation.results import ResultMixin, result_frame

from ._common import Plot
from .balance import balance_table, love_plot
from .characteristics import STRUCTURE_VARIABLES, outcome_trends, pre_period_characteristics
from .matching import ComparisonMatcher, MatchResult
from .sensitivity import comparison_pools
from .typology import Typology, TypologyResult


@dataclass(frozen=True, eq=False)
class ComparisonDesign(ResultMixin):
    """Every step of the choice: ``features`` (pre-period characteristics, one row per municipality),
    ``typology`` (None if not fitted), ``match``, ``balance`` (:func:`balance_table`), ``pools``
    (:func:`comparison_pools`), ``pre_years`` and the outcome ``indicator_id`` matched on (or None).

    Result interface (:mod:`evaluation.results`): ``estimate`` is the largest |SMD| after matching
    over all model municipalities and characteristics (balance is reached below the threshold,
    0.1 by default), ``n`` the matches; ``notes`` name the model municipalities whose balance failed.
    :meth:`summary_frame` has one row per model municipality."""

    features: pd.DataFrame
    typology: TypologyResult | None
    match: MatchResult
    balance: pd.DataFrame
    pools: pd.DataFrame
    pre_years: tuple[int, ...]
    indicator_id: str | None

    # result interface (evaluation.results): headline attributes; summary_frame() has one row per model municipality
    se = ci_low = ci_high = p_value = property(lambda self: float("nan"))
    alpha = property(lambda self: 0.05)

    method = property(lambda self: f"{self.match.method} matching, balance by standardised mean differences")

    @property
    def estimate(self) -> float:
        b = self.balance[self.balance["model_id"] != "all"]
        return float(b["smd_after"].abs().max()) if len(b) else float("nan")

    @property
    def n(self) -> int:
        return self.match.n

    @property
    def notes(self) -> tuple[str, ...]:
        b = self.balance[self.balance["model_id"] != "all"]
        out = []
        for mid, bm in b.groupby("model_id", sort=False):
            bad = int((~bm["balanced_after"].astype(bool)).sum())
            if bad:
                out.append(f"{mid}: {bad} of {len(bm)} characteristics not balanced after matching")
        return tuple(out) + self.match.notes

    def summary_frame(self) -> pd.DataFrame:
        """One row per model municipality: ``estimate`` its largest |SMD| after matching, ``n`` the
        matches; its type, mean distance and the balance counts beside them."""
        ms = self.match.summary_frame().set_index("model_id")
        b = self.balance[self.balance["model_id"] != "all"]
        rows = []
        for mid in self.match.model_ids:
            bm = b[b["model_id"] == mid]
            row = {"model_id": mid}
            if self.typology is not None:
                t = self.typology.labels.get(mid)
                row["type"] = None if t is None else int(t)
                row["type_name"] = None if t is None else self.typology.types.set_index("type").at[int(t), "name"]
            row.update({
                "n_matched": int(ms.at[mid, "n_matched"]), "shortfall": int(ms.at[mid, "shortfall"]),
                "mean_distance": float(ms.at[mid, "mean_distance"]),
                "balanced_after": int(bm["balanced_after"].sum()), "n_characteristics": int(len(bm)),
                "max_abs_smd_after": float(bm["smd_after"].abs().max()),
                "max_abs_smd_before": float(bm["smd_before"].abs().max()),
            })
            bad = int(len(bm)) - int(bm["balanced_after"].sum())
            rows.append(dict(row, estimate=row["max_abs_smd_after"], se=np.nan, ci_low=np.nan, ci_high=np.nan,
                             p_value=np.nan, n=row["n_matched"], method=self.method, alpha=self.alpha,
                             notes=(f"{bad} of {len(bm)} characteristics not balanced",) if bad else ()))
        return result_frame(rows)

    def params(self, model_id: str) -> dict:
        """The ``comparison`` section of ``model_id``'s parameter file (:meth:`MatchResult.to_params`)."""
        return self.match.to_params(model_id)

    def love_plot(self, model_id: str | None = None, **kwargs) -> Plot:
        """The Love plot of one model municipality (default: all pooled)."""
        return love_plot(self.balance, model_id=model_id, **kwargs)


def _default_pre_years(structure: pd.DataFrame, municipalities: pd.DataFrame) -> tuple[int, ...]:
    if "programme_start" not in municipalities.columns:
        raise InputError("municipalities table lacks 'programme_start'; give pre_years", column="programme_start")
    starts = pd.to_numeric(municipalities.loc[municipalities["group"] == "model", "programme_start"], errors="coerce")
    if starts.isna().all():
        raise InputError("no model municipality has a programme_start; give pre_years", column="programme_start",
                         expected="the first programme year of each model municipality")
    first = int(starts.min())
    years = sorted(int(y) for y in pd.unique(structure["year"]) if int(y) < first)
    if not years:
        raise InputError(f"the structure panel has no year before the first programme start {first}", column="year",
                         expected=f"years before {first}")
    return tuple(years)


def choose_comparisons(
    structure: pd.DataFrame,
    municipalities: pd.DataFrame,
    *,
    values: pd.DataFrame | None = None,
    indicator_id: str | None = None,
    pre_years: Iterable[int] | None = None,
    variables: Sequence[str] | None = None,
    typology: Typology | None = None,
    fit_typology: bool = True,
    matcher: ComparisonMatcher | None = None,
    threshold: float = 0.1,
) -> ComparisonDesign:
    """Choose comparison municipalities for every model municipality, documented step by step.

    ``structure``: panel ``municipality_id, year, <characteristics>``; ``municipalities``: contract
    table (``group`` model|comparison, ``programme_start``); ``values`` + ``indicator_id``: match also
    on the indicator's pre-period level and trend; ``variables``: structural characteristics
    (default the Musterdaten ones present); ``typology``/``matcher``: configured estimators (defaults
    ``Typology()`` and ``ComparisonMatcher()``); ``fit_typology=False`` skips the typology (no
    same-type pool). Candidates are the applicants (``group == "comparison"``).
    """
    for col in ("municipality_id", "group"):
        if col not in municipalities.columns:
            raise InputError(f"municipalities table lacks column '{col}'", column=col)
    munis = municipalities.assign(municipality_id=municipalities["municipality_id"].astype(str))
    years = tuple(sorted({int(y) for y in pre_years})) if pre_years is not None else \
        _default_pre_years(structure, munis)
    if variables is None:
        variables = [v for v in STRUCTURE_VARIABLES if v in structure.columns]
    structural = pre_period_characteristics(structure, years, variables)
    features = structural
    if indicator_id is not None:
        if values is None:
            raise InputError("indicator_id given without values", expected="the indicator_values table")
        features = structural.join(outcome_trends(values, indicator_id, years), how="left")
    models = munis.loc[munis["group"] == "model", "municipality_id"].tolist()
    applicants = munis.loc[munis["group"] == "comparison", "municipality_id"].tolist()
    if not models:
        raise InputError("no model municipality", column="group", expected="at least one row with group 'model'")
    typ_result = None
    types = None
    if fit_typology:
        typ = (typology if typology is not None else Typology()).fit(structural.loc[
            structural.index.isin(models + applicants)])
        typ_result = typ.result_
        types = typ.labels_
    match = (matcher if matcher is not None else ComparisonMatcher()).fit(features, models, applicants).result_
    balance = balance_table(features, match, threshold=threshold)
    pools = comparison_pools(munis, types=types, match=match)
    return ComparisonDesign(features=features, typology=typ_result, match=match, balance=balance, pools=pools,
                            pre_years=years, indicator_id=indicator_id)
