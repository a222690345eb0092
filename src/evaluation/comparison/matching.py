"""Matching: for each model municipality, the comparison municipalities most like it before the programme.

Two methods (Stuart 2010, "Matching methods for causal inference", sections 3-4):

``"nearest_neighbour"``
    the ``k`` candidates nearest to the model municipality in the space of standardised pre-period
    characteristics (skewed sizes on the log scale, then z-scores over model municipalities and
    candidates together). ``distance="euclidean"`` (default) on the z-scores, or ``"mahalanobis"``
    (Rubin 1980), which also divides out the correlation of the characteristics. Mahalanobis is not
    the default on purpose: municipal characteristics are strongly correlated *because* of the
    municipality type (large, dense, rich, more unemployment go together), and Mahalanobis shrinks
    exactly that common direction to one standard deviation, so small idiosyncratic differences
    decide the match and municipalities of another type are chosen (the simulation in
    ``tests/comparison`` shows it: Euclidean picks 10 of 10 of the model's own type, Mahalanobis
    about half). Include the
    pre-period outcome level and trend (:func:`~evaluation.comparison.characteristics.outcome_trends`)
    among the characteristics to match on the outcome's history as well.
``"propensity_score"``
    a logistic regression of "is a model municipality" on the standardised characteristics
    (Rosenbaum & Rubin 1983; L2-penalised, which keeps the fit finite with a handful of model
    municipalities), then the ``k`` candidates nearest on the logit of the score. With five treated
    units the score is estimated from very little; prefer nearest neighbours unless the pool is large
    and the characteristics many.

**Distances and calipers** are on one scale for both methods so that ``caliper`` reads the same:

* nearest neighbour: the distance divided by sqrt(p) (p characteristics): a root-mean-square
  difference in standard deviations per characteristic; default caliper 0.5;
* propensity score: the absolute difference in the logit of the score divided by its standard
  deviation; default caliper 0.2 (Austin 2011, "Optimal caliper widths for propensity-score matching").

Candidates beyond the caliper are not used. A model municipality with fewer than ``k`` candidates
inside the caliper keeps those it has (a :class:`ComparisonWarning` and the ``shortfall`` column of
:meth:`MatchResult.summary` say so); with fewer than ``min_matches`` it is an
:class:`~evaluation.errors.EstimationError` that names the municipality and its nearest distance.

**Documented handling of bad input**: a model municipality lacking a characteristic is an
:class:`~evaluation.errors.InputError` naming it and the characteristic; a *candidate* lacking one is
left out (warning, listed in ``result.excluded``); a constant characteristic is dropped (warning,
listed in ``result.dropped_variables``); fewer eligible candidates than ``k`` is an ``InputError``.

Matching is with replacement by default (a candidate may serve several model municipalities, which
keeps each match as close as possible; Stuart 2010, 3.1). ``replace=False`` matches greedily, the
model municipality with the farthest k-th neighbour first. Exact ties in distance are broken by a
random order drawn from ``seed``, so a run is reproducible.

>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> X = pd.DataFrame({"population": rng.lognormal(10, 1, 60), "share_65plus": rng.normal(22, 3, 60)},
...                  index=[f"m{i:02d}" for i in range(60)])
>>> m = ComparisonMatcher(k=3, caliper=None).fit(X, ["m00", "m01"])
>>> m.result_.summary_frame()[["model_id", "n_matched"]].to_dict("records")
[{'model_id': 'm00', 'n_matched': 3}, {'model_id': 'm01', 'n_matched': 3}]
>>> sorted(m.result_.to_params("m00"))
['caliper', 'k', 'method', 'municipalities', 'pool', 'seed', 'variables']
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from evaluation.errors import EstimationError, InputError
from evaluation.texts import text
from evaluation.results import ResultMixin, result_frame

from ._common import (
    DEFAULT_LOG, ComparisonWarning, as_id_list, drop_constant, feature_table, log_transform, require_complete,
    variable_label,
)

Method = Literal["nearest_neighbour", "propensity_score"]
DEFAULT_CALIPER = {"nearest_neighbour": 1.0, "propensity_score": 0.2}


@dataclass(frozen=True, eq=False)
class MatchResult(ResultMixin):
    """The comparison municipalities chosen for each model municipality, and how.

    Attributes
    ----------
    matches: tidy, one row per (model municipality, chosen comparison municipality): ``model_id,
        comparison_id, rank`` (1 = nearest), ``distance`` (on the caliper scale, see the module
        docstring) and ``weight`` (1 / number matched to that model municipality).
    candidates: tidy, every eligible candidate per model municipality with its ``distance`` (before the
        caliper): ``model_id, comparison_id, distance``; the pool *before* matching.
    model_ids: the model municipalities; method, distance_metric, k, caliper, replace, seed: the choice.
    variables: characteristics matched on (after dropping constant ones); dropped_variables: dropped.
    excluded: candidates left out for a missing characteristic.
    exact: name of the exact-matching variable, if any.
    propensity: logit of the propensity score per municipality (propensity method only).

    Result interface (:mod:`evaluation.results`): ``estimate`` is the mean distance of the chosen
    matches (on the caliper scale), ``n`` the matches; ``notes`` name model municipalities with
    fewer than ``k`` matches. :meth:`summary_frame` has one row per model municipality.
    """

    matches: pd.DataFrame
    candidates: pd.DataFrame
    model_ids: tuple[str, ...]
    method: str
    distance_metric: str
    k: int
    caliper: float | None
    replace: bool
    seed: int
    variables: tuple[str, ...]
    dropped_variables: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    exact: str | None = None
    propensity: pd.Series | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def chosen(self, model_id: str) -> list[str]:
        """The comparison municipality ids chosen for ``model_id``, nearest first."""
        self._check_model(model_id)
        m = self.matches[self.matches["model_id"] == model_id].sort_values("rank")
        return m["comparison_id"].tolist()

    def pools(self) -> dict[str, list[str]]:
        """``{model_id: [comparison ids]}`` for every model municipality."""
        return {mid: self.chosen(mid) for mid in self.model_ids}

    def weights(self, model_id: str | None = None) -> pd.Series:
        """Weight of each comparison municipality (index ``comparison_id``).

        For one model municipality: 1/n for each of its n matches. For all (``None``): the sum over
        model municipalities, so that each model municipality's comparison group counts as much as
        one model municipality (the ATT weights of matching with replacement, Stuart 2010, 3.1.2).
        """
        m = self.matches if model_id is None else self.matches[self.matches["model_id"] == model_id]
        if model_id is not None:
            self._check_model(model_id)
        return m.groupby("comparison_id")["weight"].sum()

    # result interface (evaluation.results): headline attributes; summary_frame() has one row per model municipality
    se = ci_low = ci_high = p_value = property(lambda self: float("nan"))
    alpha = property(lambda self: 0.05)

    @property
    def estimate(self) -> float:
        return float(self.matches["distance"].mean()) if len(self.matches) else float("nan")

    @property
    def n(self) -> int:
        return int(len(self.matches))

    @property
    def notes(self) -> tuple[str, ...]:
        counts = self.matches.groupby("model_id").size()
        return tuple(f"{mid}: {int(counts.get(mid, 0))} of k = {self.k} matches within the caliper"
                     for mid in self.model_ids if int(counts.get(mid, 0)) < self.k)

    def summary_frame(self) -> pd.DataFrame:
        """One row per model municipality: ``estimate`` the mean distance of its matches, ``n`` the
        matches; candidates, max and next distance, shortfall against k beside them."""
        rows: list[dict[str, Any]] = []
        by_model = dict(tuple(self.candidates.groupby("model_id", sort=False)))
        empty = self.candidates.iloc[:0]
        for mid in self.model_ids:
            m = self.matches[self.matches["model_id"] == mid]
            c = by_model.get(mid, empty)
            rows.append({
                "model_id": mid, "n_candidates": int(len(c)), "n_matched": int(len(m)), "k": self.k,
                "shortfall": int(self.k - len(m)), "mean_distance": float(m["distance"].mean()) if len(m) else np.nan,
                "max_distance": float(m["distance"].max()) if len(m) else np.nan,
                "next_distance": float(c["distance"].nsmallest(len(m) + 1).iloc[-1])
                if len(c) > len(m) else np.nan,
                "caliper": self.caliper, "method": self.method,
            })
        return result_frame([dict(r, estimate=r["mean_distance"], se=np.nan, ci_low=np.nan, ci_high=np.nan,
                                  p_value=np.nan, n=r["n_matched"], alpha=self.alpha,
                                  notes=(f"{r['n_matched']} of k = {self.k} matches",) if int(r["shortfall"]) > 0 else ())
                             for r in rows])

    def to_params(self, model_id: str) -> dict[str, Any]:
        """The ``comparison`` section of ``model_id``'s parameter file, as a plain dict.

        Keys: ``pool`` ("matched"), ``municipalities`` (the chosen ids), ``method``, ``k``,
        ``caliper`` (None for none), ``variables``, ``seed``: exactly the keys
        :class:`evaluation.params.Comparison` accepts; only builtin types (safe for ``yaml.safe_dump``).
        """
        self._check_model(model_id)
        return {
            "pool": "matched",
            "municipalities": [str(i) for i in self.chosen(model_id)],
            "method": str(self.method),
            "k": int(self.k),
            "caliper": None if self.caliper is None else float(self.caliper),
            "variables": [str(v) for v in self.variables],
            "seed": int(self.seed),
        }

    def method_text(self, model_id: str, model_name: str | None = None) -> str:
        """German sentence for the report: who was matched how on what."""
        self._check_model(model_id)
        distance = (text("comparison", f"matching.distances.{self.distance_metric}")
                    if self.method == "nearest_neighbour" else "")
        method = text("comparison", f"matching.methods.{self.method}", distance=distance)
        caliper = text("comparison", "matching.no_caliper") if self.caliper is None \
            else f"{self.caliper:g}".replace(".", ",")
        return text("comparison", "matching.method_sentence", model=model_name or model_id,
                    n=len(self.chosen(model_id)), method=method, k=self.k, caliper=caliper,
                    variables=", ".join(variable_label(v) for v in self.variables))

    def _check_model(self, model_id: str) -> None:
        if model_id not in self.model_ids:
            raise InputError(f"'{model_id}' is not a model municipality of this matching",
                             expected=f"one of {list(self.model_ids)}", found=model_id)


def _whitener(Z: np.ndarray, metric: str) -> np.ndarray:
    """Matrix W such that Euclidean distance of Z @ W is the requested distance on Z."""
    p = Z.shape[1]
    if metric == "euclidean":
        return np.eye(p)
    cov = np.atleast_2d(np.cov(Z, rowvar=False))
    vals, vecs = np.linalg.eigh(cov)
    keep = vals > max(vals.max(), 0) * 1e-10
    # generalised inverse for linearly dependent characteristics
    return vecs[:, keep] / np.sqrt(vals[keep])


class ComparisonMatcher:
    """Choose comparison municipalities for each model municipality (see the module docstring).

    Parameters
    ----------
    method: ``"nearest_neighbour"`` or ``"propensity_score"``.
    k: comparison municipalities wanted per model municipality.
    caliper: largest distance allowed, on the scale described above; ``"default"`` is 0.5 for nearest
        neighbours and 0.2 for the propensity score; ``None`` for no caliper.
    distance: ``"euclidean"`` (default) or ``"mahalanobis"`` (nearest neighbour only; see above).
    variables: characteristics to match on (default: all numeric columns of the table).
    log: characteristics compared on the log scale (default: sizes such as population, density).
    replace: match with replacement (default) or greedily without.
    exact: a column of the feature table (or a Series by municipality id) that must agree exactly,
        e.g. the typology's ``type`` or the Land; its values are not a matching characteristic.
    min_matches: fewer matches than this for a model municipality is an ``EstimationError``.
    seed: seed of the random order that breaks exact ties in distance.
    """

    def __init__(
        self,
        method: Method = "nearest_neighbour",
        *,
        k: int = 10,
        caliper: float | None | Literal["default"] = "default",
        distance: Literal["euclidean", "mahalanobis"] = "euclidean",
        variables: Sequence[str] | None = None,
        log: Sequence[str] = DEFAULT_LOG,
        replace: bool = True,
        exact: str | pd.Series | None = None,
        min_matches: int = 1,
        seed: int = 20251,
    ) -> None:
        self.method = method
        self.k = k
        self.caliper = caliper
        self.distance = distance
        self.variables = variables
        self.log = log
        self.replace = replace
        self.exact = exact
        self.min_matches = min_matches
        self.seed = seed

    @classmethod
    def from_params(cls, params: Mapping[str, Any] | Any, **overrides: Any) -> ComparisonMatcher:
        """A matcher configured from a parameter file's ``comparison`` section (dict or pydantic model)."""
        p = params.model_dump() if hasattr(params, "model_dump") else dict(params)
        kw: dict[str, Any] = {"method": p.get("method", "nearest_neighbour"), "k": int(p.get("k", 10)),
                              "caliper": p.get("caliper", "default"), "seed": int(p.get("seed", 20251))}
        if p.get("variables"):
            kw["variables"] = list(p["variables"])
        kw.update(overrides)
        return cls(**kw)

    def _check_config(self) -> float | None:
        if self.method not in DEFAULT_CALIPER:
            raise InputError(f"unknown matching method {self.method!r}", expected=f"one of {list(DEFAULT_CALIPER)}")
        if self.distance not in ("mahalanobis", "euclidean"):
            raise InputError(f"unknown distance {self.distance!r}", expected="'mahalanobis' or 'euclidean'")
        if not isinstance(self.k, (int, np.integer)) or self.k < 1:
            raise InputError(f"k={self.k!r} comparison municipalities", expected="a whole number >= 1")
        if not (1 <= self.min_matches <= self.k):
            raise InputError(f"min_matches={self.min_matches} outside 1..k={self.k}", expected="1 <= min_matches <= k")
        caliper = DEFAULT_CALIPER[self.method] if isinstance(self.caliper, str) and self.caliper == "default" \
            else self.caliper
        if caliper is not None and not (float(caliper) > 0):
            raise InputError(f"caliper={caliper!r}", expected="a positive number, 'default' or None")
        return None if caliper is None else float(caliper)

    def fit(
        self,
        features: pd.DataFrame,
        model_ids: Iterable[str] | str,
        candidates: Iterable[str] | None = None,
    ) -> ComparisonMatcher:
        """Match every model municipality in ``model_ids`` against the candidates.

        ``features``: feature table (index or column ``municipality_id``), e.g. from
        :func:`~evaluation.comparison.characteristics.pre_period_characteristics` joined with
        :func:`~evaluation.comparison.characteristics.outcome_trends`. ``candidates``: the eligible
        comparison municipalities (e.g. the applicants, ``group == "comparison"``); default every
        municipality in ``features`` that is not a model municipality. Model municipalities are never
        candidates.
        """
        caliper = self._check_config()
        models = as_id_list(model_ids, what="model municipality")
        exact_values: pd.Series | None = None
        exact_name: str | None = None
        table_in = features.set_index("municipality_id") if "municipality_id" in features.columns else features
        table_in = table_in.set_axis(table_in.index.astype(str))
        if self.exact is not None:
            if isinstance(self.exact, str):
                if self.exact not in table_in.columns:
                    raise InputError(f"exact-matching column '{self.exact}' not in the characteristics", column=self.exact)
                exact_values, exact_name = table_in[self.exact], self.exact
            else:
                exact_values = self.exact.copy()
                exact_values.index = exact_values.index.astype(str)
                exact_name = str(self.exact.name or "exact")
        variables = self.variables
        if variables is None:
            variables = [c for c in table_in.columns if c != exact_name
                         and pd.api.types.is_numeric_dtype(table_in[c]) and not pd.api.types.is_bool_dtype(table_in[c])]
        X = feature_table(table_in, variables, what="matching characteristics")
        require_complete(X, models)
        model_set = set(models)
        if candidates is None:
            pool = [i for i in X.index if i not in model_set]
        else:
            pool = list(dict.fromkeys(str(c) for c in candidates if str(c) not in model_set))
            known = set(X.index)
            unknown = [c for c in pool if c not in known]
            if unknown:
                raise InputError(f"candidate '{unknown[0]}' is not in the characteristics table "
                                 f"({len(unknown)} unknown)", row=unknown[0], column="municipality_id",
                                 expected="every candidate to have a row of characteristics")
        has_gap = X.isna().any(axis=1)
        incomplete = [c for c in pool if has_gap[c]] if has_gap.any() else []
        if incomplete:
            warnings.warn(f"matching: {len(incomplete)} candidate(s) without all characteristics left out "
                          f"(e.g. {incomplete[:5]})", ComparisonWarning, stacklevel=2)
            gap_set = set(incomplete)
            pool = [c for c in pool if c not in gap_set]
        if exact_values is not None:
            miss = [i for i in models + pool if i not in exact_values.index or pd.isna(exact_values.get(i))]
            if miss:
                raise InputError(f"municipality '{miss[0]}' has no value for the exact-matching variable "
                                 f"'{exact_name}'", row=miss[0], column=exact_name, expected="a value for every municipality")
        X = X.loc[models + pool]
        X, dropped = drop_constant(X, context="matching")
        used = tuple(X.columns)
        Xt = log_transform(X, [v for v in self.log if v in used])
        Z = ((Xt - Xt.mean()) / Xt.std(ddof=0)).to_numpy()
        n_models = len(models)
        propensity = None
        details: dict[str, Any] = {}
        if self.method == "nearest_neighbour":
            emb = Z @ _whitener(Z, self.distance)
            scale = np.sqrt(len(used))
        else:
            from sklearn.linear_model import LogisticRegression

            y = np.r_[np.ones(n_models), np.zeros(len(pool))]
            lr = LogisticRegression(C=1.0, max_iter=5000).fit(Z, y)
            logit = lr.decision_function(Z)
            propensity = pd.Series(logit, index=X.index, name="propensity_logit")
            sd = float(np.std(logit, ddof=0))
            if not sd > 0:
                raise EstimationError("the propensity score does not vary: the characteristics do not separate "
                                      "model municipalities from the candidates")
            emb, scale = logit[:, None], sd
            details["coefficients"] = dict(zip(used, map(float, lr.coef_[0])))
            details["intercept"] = float(lr.intercept_[0])
            details["logit_sd"] = sd

        rng = np.random.default_rng(self.seed)
        tiebreak = rng.permutation(len(pool))
        pool_arr = np.array(pool, dtype=object)
        cand_rows, per_model = [], {}
        for i, mid in enumerate(models):
            eligible = np.ones(len(pool), dtype=bool)
            if exact_values is not None:
                eligible = exact_values.reindex(pool).to_numpy() == exact_values[mid]
            if eligible.sum() < self.k:
                where = f" with {exact_name} = {exact_values[mid]!r}" if exact_values is not None else ""
                raise InputError(f"model municipality '{mid}' has only {int(eligible.sum())} eligible candidate(s)"
                                 f"{where}, fewer than the k={self.k} requested", row=mid,
                                 expected=f"at least k={self.k} candidates (lower k, or widen the pool)",
                                 found=int(eligible.sum()))
            d = np.sqrt(((emb[n_models:] - emb[i]) ** 2).sum(axis=1)) / scale
            idx = np.flatnonzero(eligible)
            order = idx[np.lexsort((tiebreak[idx], d[idx]))]
            per_model[mid] = (order, d)
            cand_rows.append((i, order, d[order]))

        taken: set[int] = set()
        visit = list(models)
        if not self.replace:  # hardest first: farthest k-th neighbour
            visit.sort(key=lambda m: -per_model[m][1][per_model[m][0][self.k - 1]])
        rows = []
        for mid in visit:
            order, d = per_model[mid]
            if not self.replace:
                order = np.array([j for j in order if j not in taken], dtype=int)
            inside = order if caliper is None else order[d[order] <= caliper + 1e-12]
            chosen = inside[: self.k]
            if not self.replace:
                taken.update(chosen.tolist())
            cal_txt = "none" if caliper is None else f"{caliper:g}"
            if len(chosen) < self.min_matches:
                nearest = float(d[order[0]]) if len(order) else float("nan")
                raise EstimationError(
                    f"model municipality '{mid}': {len(chosen)} candidate(s) within the caliper {cal_txt}, "
                    f"fewer than min_matches={self.min_matches}; the nearest candidate is at {nearest:.3g}. "
                    "Widen the caliper, match on fewer characteristics or widen the pool.")
            if len(chosen) < self.k:
                warnings.warn(f"matching: model municipality '{mid}' has only {len(chosen)} of k={self.k} "
                              f"candidates within the caliper {cal_txt}", ComparisonWarning, stacklevel=2)
            for r, j in enumerate(chosen, start=1):
                rows.append({"model_id": mid, "comparison_id": pool[j], "rank": r, "distance": float(d[j]),
                             "weight": 1.0 / len(chosen)})
        matches = pd.DataFrame(rows, columns=["model_id", "comparison_id", "rank", "distance", "weight"])
        matches["_o"] = matches["model_id"].map({m: i for i, m in enumerate(models)})
        matches = matches.sort_values(["_o", "rank"]).drop(columns="_o").reset_index(drop=True)
        self.result_ = MatchResult(
            matches=matches, candidates=_candidate_table(models, pool_arr, cand_rows), model_ids=tuple(models),
            method=self.method, distance_metric=self.distance if self.method == "nearest_neighbour" else "propensity",
            k=int(self.k), caliper=caliper, replace=bool(self.replace), seed=int(self.seed), variables=used,
            dropped_variables=tuple(dropped), excluded=tuple(incomplete), exact=exact_name,
            propensity=propensity, details=details,
        )
        return self


def _candidate_table(models: list[str], pool_arr: np.ndarray, parts: list) -> pd.DataFrame:
    """Tidy ``model_id, comparison_id, distance``, built from arrays in one go (fast for many models)."""
    if not parts:
        return pd.DataFrame({"model_id": [], "comparison_id": [], "distance": []})
    model_arr = np.array(models, dtype=object)
    return pd.DataFrame({
        "model_id": np.repeat(model_arr[[i for i, _, _ in parts]], [len(o) for _, o, _ in parts]),
        "comparison_id": pool_arr[np.concatenate([o for _, o, _ in parts])],
        "distance": np.concatenate([d for _, _, d in parts]),
    })


def comparison_params(result: MatchResult, model_id: str) -> dict[str, Any]:
    """The parameter file's ``comparison`` section for ``model_id`` (see :meth:`MatchResult.to_params`)."""
    return result.to_params(model_id)


def match_comparisons(
    features: pd.DataFrame,
    model_ids: Iterable[str] | str,
    candidates: Iterable[str] | None = None,
    **config: Any,
) -> MatchResult:
    """Functional shortcut: ``ComparisonMatcher(**config).fit(features, model_ids, candidates).result_``."""
    return ComparisonMatcher(**config).fit(features, model_ids, candidates).result_
