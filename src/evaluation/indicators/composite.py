"""Composite index of inclusion indicators, built and checked step by step (OECD/JRC Handbook 2008).

:class:`CompositeIndex` follows the steps of the OECD/JRC *Handbook on Constructing Composite
Indicators* (Nardo et al. 2008) and the COINr package (Becker et al. 2022):

1. **imputation** of missing values: ``"none"``, ``"mean"`` / ``"median"`` (per indicator and year),
   ``"group"`` (mean within a group of units, e.g. Bundesland or Gemeindetyp, falling back to the
   overall mean), ``"carry"`` (within the panel of each unit: last value carried forward, then the
   first value carried back);
2. **outlier treatment** (COINr's default rule): an indicator with |skewness| > 2 *and* (excess)
   kurtosis > 3.5 is winsorised, one extreme value at a time on the side of the skew, until the rule
   is met, at most ``max_winsorised`` values; if that is not enough the winsorising is undone and
   the indicator is log-transformed, ``log(x - min + (max - min) / 10)`` (mirrored for negative skew).
   Skipped before ``"goalposts"`` and ``"base_index"``, which are defined on the raw values;
3. **normalisation** with polarity (every indicator points "higher is better" afterwards):
   ``"minmax"`` onto ``range`` (default 0-100; 1-100 for geometric and harmonic aggregation, which
   need positive values), ``"zscore"``, ``"rank"`` (percentile rank onto ``range``), ``"goalposts"``
   (fixed worst/best values, clipped), ``"base_index"`` (value / own value in ``base_year`` × 100, as
   the Inklusionsbarometer Arbeit does; for polarity -1 the inverse ratio);
4. **weights** within each Lebensbereich: ``"equal"``, ``"expert"`` (column ``weight`` of the indicator
   table, summing to 1 within each Lebensbereich) or ``"pca"`` (squared loadings of the first
   principal component of the Lebensbereich's normalised indicators, which sum to 1); Lebensbereiche
   weighted equally or by ``domain_weights`` (summing to 1);
5. **aggregation** indicator → Lebensbereich → index by the weighted ``"arithmetic"``, ``"geometric"`` or
   ``"harmonic"`` mean. A missing indicator drops out and the other weights of its Lebensbereich are
   rescaled; a Lebensbereich with no value leaves the unit's index missing (listed in ``incomplete_``).

Panels: with a ``year`` column, the normalisation bounds, the outlier rule and the PCA weights are
taken from one reference slice (``base_year``, or all years pooled if it is None) and applied to
every year, so that a value means the same in every year (a fixed base).

``audit()`` gives the correlation structure (within and across Lebensbereiche), Cronbach's alpha
per Lebensbereich and flags (negative or collinear indicators); ``uncertainty()`` runs a Monte
Carlo over the methodological choices and the weights and returns rank intervals; ``sensitivity()``
splits the variance of the ranks into first-order and total shares per choice (Saltelli 2010,
Jansen 1999). The Monte Carlo is vectorised: a batch of draws is one matrix product.

Every step is recorded in ``steps_``; ``with_(normalisation="zscore")`` returns the same index
rebuilt with one change.

Written by hand, and why: no maintained Python package implements the OECD/JRC pipeline (COINr is
R only); the pieces that exist elsewhere are checked against them in the tests (weighted geometric
and harmonic means against ``scipy.stats.gmean``/``hmean``, skewness and kurtosis against
``scipy.stats``, PCA weights against ``numpy.linalg.eigh`` of the correlation matrix). The skewness,
ranking and aggregation are vectorised by hand because the Monte Carlo evaluates thousands of
variants of a 10,800 × 40 table and per-column library calls were the bottleneck.

Example
-------
>>> import pandas as pd
>>> ind = pd.DataFrame({"indicator_id": ["a", "b", "c"], "lebensbereich": ["arbeit", "arbeit", "bildung"],
...                     "polarity": [1, -1, 1]})
>>> data = pd.DataFrame({"a": [1.0, 2, 3], "b": [3.0, 2, 1], "c": [10.0, 30, 20]}, index=["x", "y", "z"])
>>> ci = CompositeIndex(ind).fit(data)
>>> ci.scores_.round(1).tolist()
[0.0, 75.0, 75.0]
>>> ci.with_(aggregation="geometric").ranks_.tolist()
[3, 1, 1]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import product
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..results import ResultMixin, result_frame
from ..survey.scales import cronbach_alpha_coefficient  # the one Cronbach formula (Cronbach 1951)
from ..texts import text
from ..vocabulary import LEBENSBEREICHE
from ._common import check_choice, require_columns, summary_block
from .sensitivity import SobolResult, sobol_indices

IMPUTATIONS = ("none", "mean", "median", "group", "carry")
OUTLIERS = ("auto", "none")
NORMALISATIONS = ("minmax", "zscore", "rank", "goalposts", "base_index")
WEIGHTINGS = ("equal", "expert", "pca")
AGGREGATIONS = ("arithmetic", "geometric", "harmonic")
_POWER = {"arithmetic": 1.0, "geometric": 0.0, "harmonic": -1.0}
_CONFIG_KEYS = ("imputation", "outliers", "normalisation", "range", "goalposts", "weights", "domain_weights",
                "aggregation", "base_year", "skew_limit", "kurtosis_limit", "max_winsorised")


# --------------------------------------------------------------------------- array helpers

def power_mean(x: np.ndarray, weights: np.ndarray, aggregation: str) -> np.ndarray:
    """Weighted arithmetic / geometric / harmonic mean along the last axis, ignoring NaN.

    Weights of missing values are dropped and the rest rescaled to sum to one. A row with no value
    gives NaN.

    >>> power_mean(np.array([[1.0, 4.0]]), np.array([0.5, 0.5]), "geometric").round(6).tolist()
    [2.0]
    """
    r = _POWER[aggregation]
    x = np.asarray(x, dtype=float)
    mask = np.isfinite(x)
    xt = _transform(np.where(mask, x, 1.0), r)
    num = np.where(mask, xt, 0.0) @ weights
    den = mask.astype(float) @ weights
    with np.errstate(invalid="ignore", divide="ignore"):
        out = _untransform(num / den, r)
    return np.where(den > 0, out, np.nan)


def _transform(x: np.ndarray, r: float) -> np.ndarray:
    if r == 1.0:
        return x
    if r == 0.0:
        return np.log(x)
    return 1.0 / x


def _untransform(x: np.ndarray, r: float) -> np.ndarray:
    if r == 1.0:
        return x
    if r == 0.0:
        return np.exp(x)
    return 1.0 / x


def _aggregate_draws(xn: np.ndarray, domain_of: np.ndarray, n_domains: int, w: np.ndarray, v: np.ndarray,
                     aggregation: str) -> np.ndarray:
    """Nested power-mean aggregation for a batch of weight draws.

    xn: (n × p) normalised values (NaN = missing); w: (p × B) indicator weights (each column sums
    to one within every domain); v: (D × B) domain weights. Returns the (B × n) index values
    (draw-major, so that ranking each draw works on contiguous rows).
    Because the same power mean is used at both levels, the index in the transformed space is the
    v-weighted sum of the domain means in the transformed space, which keeps everything a matrix
    product.
    """
    r = _POWER[aggregation]
    mask = np.isfinite(xn)
    xt = np.where(mask, _transform(np.where(mask, xn, 1.0), r), 0.0)
    out = np.empty((w.shape[1], xn.shape[0]))
    full = mask.all(axis=1)
    if full.all():
        # no missing value: the nested mean is one weighted sum with weights w_j * v_domain(j)
        out[:] = (w * v[domain_of]).T @ xt.T
    elif full.any():
        out[:, full] = (w * v[domain_of]).T @ xt[full].T
    part = ~full
    if part.any():
        xp, m = xt[part], mask[part].astype(float)
        acc = np.zeros((xp.shape[0], w.shape[1]))
        complete = np.ones((xp.shape[0], w.shape[1]), dtype=bool)
        for d in range(n_domains):
            cols = domain_of == d
            num = xp[:, cols] @ w[cols]
            den = m[:, cols] @ w[cols]
            has = den > 0
            complete &= has
            with np.errstate(invalid="ignore", divide="ignore"):
                acc += np.where(has, num / np.where(has, den, 1.0), 0.0) * v[d]
        out[:, part] = np.where(complete, acc, np.nan).T
    return _untransform(out, r)


def _rank_desc(scores: np.ndarray) -> np.ndarray:
    """Rank 1 = highest score, along axis 0, ties share the best rank ('min'); NaN -> NaN."""
    s = np.asarray(scores, dtype=float)
    if s.ndim == 1:
        return _rank_rows(s[None, :])[0]
    return _rank_rows(s.T).T


def _rank_rows(s: np.ndarray) -> np.ndarray:
    """Ranks within each row (draws × units): 1 = highest, ties share the best rank ('min'), NaN -> NaN.

    The same as ``DataFrame.rank(axis=1, ascending=False, method="min")``, vectorised with one
    argsort along contiguous rows (the Monte Carlo ranks thousands of draws). float32 output.
    """
    neg = np.where(np.isnan(s), np.inf, -s)
    order = np.argsort(neg, axis=1)
    srt = np.take_along_axis(neg, order, axis=1)
    n = s.shape[1]
    pos = np.arange(n, dtype=np.float32)[None, :]
    new = np.ones(srt.shape, dtype=bool)
    new[:, 1:] = srt[:, 1:] != srt[:, :-1]
    first = np.maximum.accumulate(np.where(new, pos, np.float32(0)), axis=1) + 1
    ranks = np.empty_like(first)
    np.put_along_axis(ranks, order, first, axis=1)
    ranks[np.isnan(s)] = np.nan
    return ranks


# --------------------------------------------------------------------------- results

@dataclass(frozen=True)
class AuditResult:
    """Statistical coherence of the index (OECD/JRC Handbook 2008, step 4; COINr ``get_corr_flags``).

    ``correlations``: Pearson correlations of the normalised indicators; ``indicator_vs_domain``:
    each indicator's correlation with its own Lebensbereich score and with the index;
    ``domain_correlations``: the Lebensbereich scores with each other and the index;
    ``cronbach``: alpha per Lebensbereich; ``flags``: one row per problem (kind "negative":
    r < ``negative_threshold`` within a Lebensbereich; "collinear": r > ``collinear_threshold``;
    "negative_with_domain": an indicator that correlates negatively with its own Lebensbereich).
    """

    correlations: pd.DataFrame
    indicator_vs_domain: pd.DataFrame
    domain_correlations: pd.DataFrame
    cronbach: pd.Series
    flags: pd.DataFrame
    n: int

    def summary(self) -> str:
        rows = [(f"alpha {k}", f"{v:.2f}" if np.isfinite(v) else "NA (one indicator)") for k, v in self.cronbach.items()]
        rows += [(f"flag {r.kind}", f"{r.indicator_1} / {r.indicator_2}: r = {r.r:.2f}") for r in self.flags.itertuples()]
        rows += [("units", self.n)]
        return summary_block("Audit of the composite index", rows)


@dataclass(frozen=True)
class UncertaintyResult(ResultMixin):
    """Monte Carlo uncertainty of the ranks (OECD/JRC Handbook 2008, step 7).

    ``ranks``: per unit the nominal rank, the median rank and the ``(alpha/2, 1 - alpha/2)``
    percentile interval of the rank over the draws; ``scores`` likewise for the index value;
    ``draws``: the choices of every draw; ``rank_draws``: (units × draws) ranks.
    """

    ranks: pd.DataFrame
    scores: pd.DataFrame
    draws: pd.DataFrame
    rank_draws: np.ndarray
    n_draws: int
    alpha: float
    method: str
    notes: tuple[str, ...] = ()

    # result interface (evaluation.results): per unit in summary_frame(); no single headline estimate
    estimate = se = ci_low = ci_high = p_value = property(lambda self: float("nan"))

    @property
    def n(self) -> int:
        return int(len(self.ranks))

    def summary_frame(self) -> pd.DataFrame:
        """One row per unit: ``estimate`` the index value with the ``1 - alpha`` interval over the
        draws, the nominal rank and its interval beside it."""
        sc = self.scores.reindex(self.ranks.index)
        base = {"se": float("nan"), "p_value": float("nan"), "n": self.n_draws, "method": self.method,
                "alpha": self.alpha, "notes": self.notes}
        return result_frame([dict(base, estimate=float(sc["index"].iloc[i]), ci_low=float(sc["low"].iloc[i]),
                                  ci_high=float(sc["high"].iloc[i]), unit=u, rank=self.ranks["rank"].iloc[i],
                                  rank_low=self.ranks["rank_low"].iloc[i], rank_high=self.ranks["rank_high"].iloc[i])
                             for i, u in enumerate(self.ranks.index)])

    def summary(self) -> str:
        width = (self.ranks["rank_high"] - self.ranks["rank_low"])
        return summary_block("Uncertainty analysis of the composite index", [
            ("draws", self.n_draws), ("units", len(self.ranks)),
            ("median rank interval width", f"{width.median():.1f}"),
            ("widest rank interval", f"{width.max():.0f}"), ("method", self.method)])


# --------------------------------------------------------------------------- the index

class CompositeIndex:
    """A composite index over indicators grouped in Lebensbereiche; see the module docstring.

    Parameters are the methodological choices; ``fit(data)`` does the work and sets the attributes:

    ``raw_`` (wide data, rows = unit or (unit, year)), ``imputed_``, ``treated_``, ``normalised_``,
    ``weights_`` (indicator weights within their Lebensbereich), ``domain_weights_``,
    ``domain_scores_``, ``scores_`` (the index), ``ranks_`` (1 = best, per year), ``treatment_``
    (per indicator: skewness, kurtosis, action), ``incomplete_`` (units without an index and why),
    ``steps_`` (every step with its method and what it did).

    ``indicators`` is a table with ``indicator_id``, ``lebensbereich``, ``polarity`` (+1 / -1; 0 is
    refused: a context indicator has no direction and does not belong in an index) and, for expert
    weights, ``weight``. The register table can be passed as it is.

    Returns
    -------
    CompositeIndex
        ``fit`` returns the fitted index itself (scikit-learn style); ``with_(**changes)`` a refitted
        copy with one choice changed; ``audit()`` an :class:`AuditResult`, ``uncertainty()`` an
        :class:`UncertaintyResult` (the result interface of :mod:`evaluation.results`).

    References
    ----------
    OECD/JRC (2008). *Handbook on Constructing Composite Indicators: Methodology and User Guide*.
    OECD Publishing. Becker, W. et al. (2022). COINr: an R package for developing composite
    indicators. *Journal of Open Source Software* 7(78), 4567.

    Examples
    --------
    >>> ind = pd.DataFrame({"indicator_id": ["a", "b", "c"], "lebensbereich": ["arbeit", "arbeit", "bildung"],
    ...                     "polarity": [1, -1, 1]})
    >>> data = pd.DataFrame({"a": [1.0, 2, 3], "b": [3.0, 2, 1], "c": [10.0, 20, 30]}, index=["x", "y", "z"])
    >>> CompositeIndex(ind).fit(data).ranks_.tolist()   # z best on every indicator (b points down)
    [3, 2, 1]
    """

    def __init__(self, indicators: pd.DataFrame, *, imputation: str = "none", outliers: str = "auto",
                 normalisation: str = "minmax", range: tuple[float, float] | None = None,
                 goalposts: Mapping[str, tuple[float, float]] | None = None, weights: str = "equal",
                 domain_weights: Mapping[str, float] | None = None, aggregation: str = "arithmetic",
                 base_year: int | None = None, skew_limit: float = 2.0, kurtosis_limit: float = 3.5,
                 max_winsorised: int = 5) -> None:
        self.indicators = indicators
        self.imputation = imputation
        self.outliers = outliers
        self.normalisation = normalisation
        self.range = range
        self.goalposts = goalposts
        self.weights = weights
        self.domain_weights = domain_weights
        self.aggregation = aggregation
        self.base_year = base_year
        self.skew_limit = skew_limit
        self.kurtosis_limit = kurtosis_limit
        self.max_winsorised = max_winsorised

    def __repr__(self) -> str:
        defaults = CompositeIndex(self.indicators).get_params()
        changed = {k: v for k, v in self.get_params().items() if v != defaults[k]}
        args = ", ".join(f"{k}={v!r}" for k, v in changed.items())
        return f"CompositeIndex(<{len(self.indicators)} indicators>{', ' + args if args else ''})"

    # ---------------------------------------------------------------- configuration
    def get_params(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in _CONFIG_KEYS}

    def _check_config(self) -> None:
        check_choice("imputation", self.imputation, IMPUTATIONS)
        check_choice("outliers", self.outliers, OUTLIERS)
        check_choice("normalisation", self.normalisation, NORMALISATIONS)
        check_choice("weights", self.weights, WEIGHTINGS)
        check_choice("aggregation", self.aggregation, AGGREGATIONS)
        if self.aggregation != "arithmetic" and self.normalisation == "zscore":
            raise InputError(f"{self.aggregation} aggregation needs positive values, z-scores are not",
                             column="normalisation", expected="'minmax', 'rank', 'goalposts' or 'base_index' "
                             "(or arithmetic aggregation)", found="zscore")
        lo, hi = self._range()
        if not lo < hi:
            raise InputError("the normalisation range must rise", column="range", expected="(low, high) with low < high",
                             found=self.range)
        if self.aggregation != "arithmetic" and lo <= 0 and self.normalisation in ("minmax", "rank", "goalposts"):
            raise InputError(f"{self.aggregation} aggregation needs a normalisation range above 0",
                             column="range", expected="e.g. (1, 100)", found=self.range)
        if self.normalisation == "base_index" and self.base_year is None:
            raise InputError("normalisation 'base_index' needs base_year", column="base_year",
                             expected="the year that is set to 100")

    def _range(self) -> tuple[float, float]:
        if self.range is not None:
            return (float(self.range[0]), float(self.range[1]))
        return (0.0, 100.0) if self.aggregation == "arithmetic" else (1.0, 100.0)

    def _meta(self) -> pd.DataFrame:
        meta = self.indicators
        require_columns(meta, ["indicator_id", "lebensbereich", "polarity"], "the indicator table")
        meta = meta.copy()
        meta["indicator_id"] = meta["indicator_id"].astype(str)
        if meta["indicator_id"].duplicated().any():
            raise InputError("an indicator is listed twice in the indicator table", column="indicator_id",
                             found=meta.loc[meta["indicator_id"].duplicated(), "indicator_id"].iloc[0])
        bad_pol = ~meta["polarity"].isin([1, -1])
        if bad_pol.any():
            raise InputError("every indicator in an index needs polarity +1 or -1 (0 is context only)",
                             column="polarity", row=str(meta.loc[bad_pol, "indicator_id"].iloc[0]),
                             expected="+1 or -1", found=meta.loc[bad_pol, "polarity"].iloc[0])
        if meta["lebensbereich"].isna().any():
            raise InputError("every indicator needs a Lebensbereich", column="lebensbereich",
                             expected=f"one of {list(LEBENSBEREICHE)}")
        return meta.set_index("indicator_id")

    def with_(self, **changes: Any) -> CompositeIndex:
        """The same index rebuilt with some choices changed (refitted on the same data if fitted).

        >>> # ci.with_(normalisation="zscore", aggregation="arithmetic")
        """
        unknown = set(changes) - set(_CONFIG_KEYS) - {"indicators"}
        if unknown:
            raise InputError("unknown setting for the composite index", expected=f"some of {list(_CONFIG_KEYS)}",
                             found=sorted(unknown))
        params = self.get_params() | {"indicators": self.indicators} | changes
        new = CompositeIndex(**params)
        if hasattr(self, "raw_"):
            new.fit(self._data_in, groups=self._groups_in, unit=self._unit_in)
        return new

    # ---------------------------------------------------------------- fit
    def fit(self, data: pd.DataFrame, groups: pd.Series | Mapping[str, str] | None = None,
            unit: str = "municipality_id") -> CompositeIndex:
        """Build the index.

        ``data`` is either tidy (columns ``unit``, ``indicator_id``, ``value`` and optionally
        ``year``; an ``indicator_values`` table works if ``area_id`` is constant or absent) or
        wide (one row per unit, one column per indicator; index = unit). ``groups`` maps each unit
        to its group for ``imputation="group"``.
        """
        self._check_config()
        meta = self._meta()
        self._data_in, self._groups_in, self._unit_in = data, groups, unit
        self._step_cache = {}
        wide = self._to_wide(data, unit, meta)
        self.raw_ = wide
        self.meta_ = meta.loc[list(wide.columns)]
        steps: list[dict[str, Any]] = []
        prepared = self._prepare(self.get_params(), steps)
        for key, value in prepared.items():
            setattr(self, key, value)
        self.steps_ = steps
        return self

    def _to_wide(self, data: pd.DataFrame, unit: str, meta: pd.DataFrame) -> pd.DataFrame:
        if not isinstance(data, pd.DataFrame):
            raise InputError("data must be a pandas DataFrame", found=type(data).__name__)
        if "indicator_id" in data.columns:
            require_columns(data, [unit, "indicator_id", "value"], "the indicator data")
            if "area_id" in data.columns and data["area_id"].nunique() > 1 and unit != "area_id":
                raise InputError("the data mix several area levels", column="area_id",
                                 expected="one level (e.g. whole-town rows, area_id == municipality_id)")
            idx = [unit, "year"] if "year" in data.columns else [unit]
            dup = data.duplicated(idx + ["indicator_id"])
            if dup.any():
                raise InputError("a unit has two values for one indicator and year", column="indicator_id",
                                 found=data.loc[dup, idx + ["indicator_id"]].iloc[0].tolist())
            wide = data.pivot(index=idx, columns="indicator_id", values="value")
            wide.columns = wide.columns.astype(str)
            wide.columns.name = None
            if "year" in idx:
                wide.index = wide.index.set_levels(wide.index.levels[0].astype(str), level=0)
        else:
            wide = data.copy()
            wide.columns = wide.columns.astype(str)
            if isinstance(wide.index, pd.MultiIndex):  # (unit, year)
                if wide.index.nlevels != 2:
                    raise InputError("a wide panel needs a two-level index (unit, year)", expected="(unit, year)",
                                     found=list(wide.index.names))
                wide.index = wide.index.set_levels(wide.index.levels[0].astype(str), level=0)
                wide.index = wide.index.set_names([unit, "year"])
            else:
                wide.index = wide.index.astype(str)
        unknown = [c for c in wide.columns if c not in meta.index]
        if unknown:
            raise InputError("data hold indicators missing from the indicator table", column="indicator_id",
                             expected="every indicator in the indicator table", found=unknown[:5])
        absent = [i for i in meta.index if i not in wide.columns]
        if absent:
            raise InputError("indicators of the indicator table have no data", column="indicator_id",
                             expected="a column / rows for every indicator", found=absent[:5])
        wide = wide[list(meta.index)].apply(pd.to_numeric, errors="raise").astype(float)
        all_missing = wide.columns[wide.isna().all()]
        if len(all_missing):
            raise InputError("an indicator is missing for every unit", column=str(all_missing[0]),
                             expected="at least some values (or drop it from the indicator table)")
        if len(wide) < 2:
            raise InputError("a composite index needs at least two units", expected=">= 2 rows", found=len(wide))
        return wide

    # the pipeline as a pure function of the settings (used by fit and the Monte Carlo)
    def _prepare(self, p: Mapping[str, Any], steps: list | None = None) -> dict[str, Any]:
        steps = [] if steps is None else steps
        meta = self.meta_
        wide = self.raw_
        panel = isinstance(wide.index, pd.MultiIndex)
        years = wide.index.get_level_values(-1) if panel else None
        if panel and p["base_year"] is not None:
            ref_mask = np.asarray(years == p["base_year"])
            if not ref_mask.any():
                raise InputError(f"base_year {p['base_year']} not in the data", column="base_year",
                                 expected=f"one of {sorted(set(years))}")
        else:
            ref_mask = np.ones(len(wide), dtype=bool)

        cache = self.__dict__.setdefault("_step_cache", {})
        key = (p["imputation"], p["outliers"], p["base_year"], p["skew_limit"], p["kurtosis_limit"], p["max_winsorised"],
               p["normalisation"] in ("goalposts", "base_index"))
        if key not in cache:
            imputed, n_imputed = self._impute(wide, p["imputation"], years)
            treated, treatment = self._treat(imputed, p, ref_mask)
            cache[key] = (imputed, n_imputed, treated, treatment)
        imputed, n_imputed, treated, treatment = cache[key]
        steps.append({"step": "imputation", "method": p["imputation"], "imputed": n_imputed})

        steps.append({"step": "outliers",
                      "method": p["outliers"] if p["normalisation"] not in ("goalposts", "base_index")
                      else f"none ({p['normalisation']} uses the raw values)",
                      "treated": {k: v for k, v in treatment["action"].items() if v != "none"}})

        normalised = self._normalise(treated, p, ref_mask, years)
        steps.append({"step": "normalisation", "method": p["normalisation"], "range": self._range_of(p),
                      "reference": "pooled" if p["base_year"] is None else p["base_year"]})

        domains = list(dict.fromkeys(meta["lebensbereich"]))
        w, pca_info = self._weights(normalised, p, ref_mask, domains)
        v = self._domain_weights(p, domains)
        steps.append({"step": "weights", "method": p["weights"], "weights": w.round(6).to_dict(),
                      "domain_weights": v.round(6).to_dict(), **pca_info})

        domain_of = np.array([domains.index(d) for d in meta["lebensbereich"]])
        x = normalised.to_numpy()
        agg = p["aggregation"]
        if agg != "arithmetic" and p["normalisation"] in ("minmax", "goalposts") and p["base_year"] is not None:
            # a fixed base: later years may fall below the base year's minimum; geometric and harmonic
            # means need positive values, so those are floored at the bottom of the range (and counted)
            low = self._range_of(p)[0]
            below = np.isfinite(x) & (x < low)
            if below.any():
                x = np.where(below, low, x)
                normalised = pd.DataFrame(x, index=normalised.index, columns=normalised.columns)
                steps.append({"step": "floor", "method": f"values below {low} set to {low} for {agg} aggregation",
                              "n_values": int(below.sum())})
        if agg != "arithmetic" and (x[np.isfinite(x)] <= 0).any():
            raise InputError(f"{agg} aggregation met a value <= 0 after normalisation", column="normalisation",
                             expected="positive normalised values (a range above 0, or arithmetic aggregation)")
        dom = np.column_stack([
            power_mean(x[:, domain_of == d], w.to_numpy()[domain_of == d], agg) for d in range(len(domains))])
        domain_scores = pd.DataFrame(dom, index=normalised.index, columns=domains)
        index = power_mean(dom, v.to_numpy(), agg)
        index = np.where(np.isnan(dom).any(axis=1), np.nan, index)
        scores = pd.Series(index, index=normalised.index, name="index")
        steps.append({"step": "aggregation", "method": agg, "levels": ["indicator", "lebensbereich", "index"]})
        if panel:
            ranks = scores.groupby(level=-1).rank(ascending=False, method="min")
        else:
            ranks = scores.rank(ascending=False, method="min")
        incomplete = domain_scores.isna()
        incomplete_units = incomplete[incomplete.any(axis=1)]
        incomplete_tbl = pd.DataFrame({
            "missing_lebensbereiche": [", ".join(c for c in incomplete.columns if row[c])
                                       for _, row in incomplete_units.iterrows()]}, index=incomplete_units.index)
        return {"imputed_": imputed, "treated_": treated, "treatment_": treatment, "normalised_": normalised,
                "weights_": w, "domain_weights_": v, "domain_scores_": domain_scores, "scores_": scores,
                "ranks_": ranks.astype("Int64"), "incomplete_": incomplete_tbl, "domains_": domains,
                "domain_of_": domain_of}

    def _range_of(self, p: Mapping[str, Any]) -> tuple[float, float]:
        if p["range"] is not None:
            return (float(p["range"][0]), float(p["range"][1]))
        return (0.0, 100.0) if p["aggregation"] == "arithmetic" else (1.0, 100.0)

    def _impute(self, wide: pd.DataFrame, method: str, years) -> tuple[pd.DataFrame, dict[str, int]]:
        missing = wide.isna()
        if method == "none" or not missing.any().any():
            return wide, {}
        panel = years is not None
        if method in ("mean", "median"):
            fill = wide.groupby(level=-1).transform(method) if panel else wide.fillna(getattr(wide, method)())
            out = wide.fillna(fill) if panel else fill
        elif method == "group":
            groups = self._groups_in
            if groups is None:
                raise InputError("imputation 'group' needs groups (unit -> group) in fit()", column="groups")
            units = wide.index.get_level_values(0) if panel else wide.index
            gmap = groups.copy() if isinstance(groups, pd.Series) else pd.Series(dict(groups))
            gmap.index = gmap.index.astype(str)
            g = pd.Series(np.asarray(units), index=wide.index).map(gmap)
            if g.isna().any():
                raise InputError("a unit has no group for imputation 'group'", column="groups",
                                 found=str(units[np.asarray(g.isna())][0]))
            keys = [g] + ([pd.Series(years, index=wide.index)] if panel else [])
            out = wide.fillna(wide.groupby(keys).transform("mean"))
            overall = wide.groupby(level=-1).transform("mean") if panel else wide.mean()
            out = out.fillna(overall)
        else:  # carry
            if not panel:
                raise InputError("imputation 'carry' needs a panel (a year column)", column="imputation",
                                 expected="data with years, or 'mean'/'median'/'group'")
            srt = wide.sort_index()
            out = srt.groupby(level=0).ffill()
            out = out.fillna(out.groupby(level=0).bfill()).loc[wide.index]
        counts = (missing & out.notna()).sum()
        return out, {k: int(v) for k, v in counts.items() if v}

    def _treat(self, x: pd.DataFrame, p: Mapping[str, Any], ref_mask: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
        rows = []
        out = x.copy()
        arr = x.to_numpy(float)
        sks, kus = skew_kurtosis(arr[ref_mask])
        # goalposts and base-period indices are defined on the raw values: no transformation before them
        active = p["outliers"] == "auto" and p["normalisation"] not in ("goalposts", "base_index")
        for j, col in enumerate(x.columns):
            sk, ku = float(sks[j]), float(kus[j])
            action, n_w = "none", 0
            if active and _fails(sk, ku, p):
                ref = arr[ref_mask, j]
                ref = ref[np.isfinite(ref)]
                vals = ref.copy()
                lo, hi = vals.min(), vals.max()
                side = 1 if sk > 0 else -1
                while _fails(*_skew_kurt(vals), p) and n_w < p["max_winsorised"]:
                    if side > 0:
                        top = vals.max()
                        below = vals[vals < top]
                        if below.size == 0:
                            break
                        n_w += int((vals == top).sum())
                        hi = below.max()
                        vals = np.minimum(vals, hi)
                    else:
                        bottom = vals.min()
                        above = vals[vals > bottom]
                        if above.size == 0:
                            break
                        n_w += int((vals == bottom).sum())
                        lo = above.min()
                        vals = np.maximum(vals, lo)
                if not _fails(*_skew_kurt(vals), p) and n_w <= p["max_winsorised"]:
                    action = "winsorised"
                    out[col] = x[col].clip(lower=lo, upper=hi)
                else:
                    action = "log"
                    mn, mx = ref.min(), ref.max()
                    shift = (mx - mn) / 10.0
                    if side > 0:
                        out[col] = np.log(x[col].clip(lower=mn) - mn + shift)
                    else:
                        out[col] = -np.log(mx - x[col].clip(upper=mx) + shift)
                    n_w = 0
            rows.append({"indicator_id": col, "skewness": sk, "kurtosis": ku, "action": action, "n_winsorised": n_w})
        treatment = pd.DataFrame(rows).set_index("indicator_id")
        return out, treatment

    def _normalise(self, x: pd.DataFrame, p: Mapping[str, Any], ref_mask: np.ndarray, years) -> pd.DataFrame:
        method = p["normalisation"]
        lo, hi = self._range_of(p)
        pol = self.meta_["polarity"].to_numpy(float)
        arr = x.to_numpy(float)
        ref = arr[ref_mask]
        if method in ("minmax", "zscore"):
            mn, mx = np.nanmin(ref, axis=0), np.nanmax(ref, axis=0)
            sd = np.nanstd(ref, axis=0, ddof=1)
            flat = ~(mx > mn) if method == "minmax" else ~(sd > 0)
            if flat.any():
                raise InputError("an indicator does not vary across units, so it cannot be normalised",
                                 column=str(x.columns[np.argmax(flat)]),
                                 expected="some variation (or drop the indicator)")
            if method == "minmax":
                share = (arr - mn) / (mx - mn)
                share = np.where(pol > 0, share, 1 - share)
                out = lo + share * (hi - lo)
            else:
                out = (arr - np.nanmean(ref, axis=0)) / sd * pol
        elif method == "rank":
            df = pd.DataFrame(arr * pol, index=x.index)
            grouped = df.groupby(level=-1) if years is not None else df
            r = grouped.rank(method="average")
            n = grouped.transform("count") if years is not None else df.count()
            share = (r - 1) / (n - 1).where(lambda s: s > 0)
            share = share.fillna(0.5).where(df.notna())
            out = lo + share.to_numpy() * (hi - lo)
        elif method == "goalposts":
            gp = p["goalposts"] or {}
            missing = [c for c in x.columns if c not in gp]
            if missing:
                raise InputError("goalposts missing for some indicators", column="goalposts",
                                 expected="(low, high) for every indicator", found=missing[:5])
            g = np.array([gp[c] for c in x.columns], dtype=float)
            if not (g[:, 1] > g[:, 0]).all():
                raise InputError("goalposts must be (low, high) with low < high", column="goalposts", found=dict(gp))
            share = (np.clip(arr, g[:, 0], g[:, 1]) - g[:, 0]) / (g[:, 1] - g[:, 0])
            share = np.where(pol > 0, share, 1 - share)
            out = lo + share * (hi - lo)
        else:  # base_index
            if years is None:
                raise InputError("normalisation 'base_index' needs a panel (a year column)", column="normalisation")
            base = x.xs(p["base_year"], level=-1)
            units = x.index.get_level_values(0)
            b = base.reindex(units).to_numpy(float)
            if (np.isnan(b) & ~np.isnan(arr)).any():
                raise InputError(f"a unit has no value in base year {p['base_year']}", column="value",
                                 expected="a base-year value for every unit (impute first)")
            if (b[np.isfinite(b)] <= 0).any() or (arr[np.isfinite(arr)] <= 0).any():
                raise InputError("a base-period index (= 100) needs positive values", column="value",
                                 expected="values > 0", found=float(np.nanmin(arr)))
            out = np.where(pol > 0, arr / b, b / arr) * 100.0
        return pd.DataFrame(out, index=x.index, columns=x.columns)

    def _weights(self, xn: pd.DataFrame, p: Mapping[str, Any], ref_mask: np.ndarray,
                 domains: list[str]) -> tuple[pd.Series, dict[str, Any]]:
        meta = self.meta_
        info: dict[str, Any] = {}
        if p["weights"] == "equal":
            w = 1.0 / meta.groupby("lebensbereich")["polarity"].transform("size")
        elif p["weights"] == "expert":
            if "weight" not in meta.columns:
                raise InputError("expert weights need a column 'weight' in the indicator table", column="weight")
            w = meta["weight"].astype(float)
            if w.isna().any() or (w < 0).any():
                raise InputError("expert weights must be given and >= 0", column="weight",
                                 found=w[w.isna() | (w < 0)].index.tolist())
            sums = w.groupby(meta["lebensbereich"]).sum()
            bad = sums[(sums - 1).abs() > 1e-6]
            if len(bad):
                raise InputError("expert weights must sum to 1 within each Lebensbereich", column="weight",
                                 row=str(bad.index[0]), expected="a sum of 1", found=round(float(bad.iloc[0]), 6))
        else:  # pca
            vals = {}
            loadings_sign = {}
            ref = xn[ref_mask]
            for d in domains:
                cols = list(meta.index[meta["lebensbereich"] == d])
                if len(cols) == 1:
                    vals[cols[0]] = 1.0
                    continue
                sub = ref[cols].dropna()
                if len(sub) < len(cols) + 1:
                    raise InputError(f"too few complete units for PCA weights in Lebensbereich '{d}'",
                                     column="weights", expected=f"more than {len(cols)} complete rows", found=len(sub))
                corr = np.corrcoef(sub.to_numpy(), rowvar=False)
                eigval, eigvec = np.linalg.eigh(corr)
                first = eigvec[:, -1] * np.sign(eigvec[:, -1].sum())
                for c, l in zip(cols, first):
                    vals[c] = float(l ** 2)
                    loadings_sign[c] = float(l)
                info.setdefault("explained_share", {})[d] = float(eigval[-1] / eigval.sum())
            neg = [c for c, l in loadings_sign.items() if l < 0]
            if neg:
                info["negative_loadings"] = neg
            w = pd.Series(vals).reindex(meta.index)
        w = pd.Series(np.asarray(w, float), index=meta.index, name="weight")
        return w, info

    def _domain_weights(self, p: Mapping[str, Any], domains: list[str]) -> pd.Series:
        dw = p["domain_weights"]
        if dw is None:
            return pd.Series(1.0 / len(domains), index=domains, name="weight")
        v = pd.Series({d: dw.get(d, np.nan) for d in domains}, dtype=float, name="weight")
        if v.isna().any() or (v < 0).any():
            raise InputError("every Lebensbereich needs a domain weight >= 0", column="domain_weights",
                             found=v[v.isna() | (v < 0)].index.tolist())
        extra = set(dw) - set(domains)
        if extra:
            raise InputError("domain weights for Lebensbereiche without indicators", column="domain_weights",
                             found=sorted(extra))
        if abs(v.sum() - 1) > 1e-6:
            raise InputError("domain weights must sum to 1", column="domain_weights", expected="a sum of 1",
                             found=round(float(v.sum()), 6))
        return v

    # ---------------------------------------------------------------- results
    def _check_fitted(self) -> None:
        if not hasattr(self, "scores_"):
            raise InputError("the index is not built yet: call fit(data) first")

    def _slice(self, year: int | None) -> np.ndarray:
        idx = self.normalised_.index
        if isinstance(idx, pd.MultiIndex):
            year = int(max(idx.get_level_values(-1))) if year is None else year
            sel = np.asarray(idx.get_level_values(-1) == year)
            if not sel.any():
                raise InputError(f"year {year} not in the data", column="year")
            return sel
        return np.ones(len(idx), dtype=bool)

    def results(self, year: int | None = None) -> pd.DataFrame:
        """One row per unit: Lebensbereich scores, index and rank (of ``year``, default the latest)."""
        self._check_fitted()
        sel = self._slice(year)
        out = self.domain_scores_[sel].copy()
        out["index"] = self.scores_[sel]
        out["rank"] = self.ranks_[sel]
        return out.sort_values("rank")

    def audit(self, year: int | None = None, negative_threshold: float = -0.4,
              collinear_threshold: float = 0.9) -> AuditResult:
        """Correlations, Cronbach's alpha and flags on the normalised indicators of ``year``."""
        self._check_fitted()
        sel = self._slice(year)
        xn = self.normalised_[sel]
        corr = xn.corr()
        lb = self.meta_["lebensbereich"]
        dom = self.domain_scores_[sel]
        idx = self.scores_[sel]
        ivd = pd.DataFrame({
            "lebensbereich": lb,
            "r_domain": [_pearson(xn[c].to_numpy(), dom[lb[c]].to_numpy()) for c in xn.columns],
            "r_index": [_pearson(xn[c].to_numpy(), idx.to_numpy()) for c in xn.columns],
        })
        dcorr = dom.assign(index=idx).corr()
        alpha = pd.Series({d: cronbach_alpha_coefficient(xn[list(lb.index[lb == d])]) for d in self.domains_}, name="cronbach_alpha")
        flags = []
        cols = list(xn.columns)
        for i, a in enumerate(cols):
            for b in cols[i + 1:]:
                r = corr.loc[a, b]
                same = lb[a] == lb[b]
                if same and r < negative_threshold:
                    flags.append(("negative", a, b, r))
                if r > collinear_threshold:
                    flags.append(("collinear", a, b, r))
        for c in cols:
            if ivd.loc[c, "r_domain"] < 0:
                flags.append(("negative_with_domain", c, lb[c], ivd.loc[c, "r_domain"]))
        flag_tbl = pd.DataFrame(flags, columns=["kind", "indicator_1", "indicator_2", "r"])
        return AuditResult(corr, ivd, dcorr, alpha, flag_tbl, int(sel.sum()))

    # ---------------------------------------------------------------- Monte Carlo
    def _choice_space(self, choices: Mapping[str, Sequence] | None) -> dict[str, list]:
        if choices is None:
            norm = [self.normalisation] + [n for n in ("minmax", "rank") if n != self.normalisation
                                           and self.normalisation not in ("base_index", "goalposts")]
            aggs = ["arithmetic"] if self.normalisation == "zscore" else \
                list(dict.fromkeys([self.aggregation, "arithmetic", "geometric"]))
            choices = {"normalisation": norm, "aggregation": aggs}
        space = {}
        allowed = {"imputation": IMPUTATIONS, "outliers": OUTLIERS, "normalisation": NORMALISATIONS,
                   "aggregation": AGGREGATIONS, "weights": WEIGHTINGS}
        for key, opts in choices.items():
            if key not in allowed:
                raise InputError("unknown choice for the uncertainty analysis", column=key,
                                 expected=f"some of {list(allowed)}")
            opts = list(opts)
            if not opts:
                raise InputError("a choice needs at least one option", column=key)
            for o in opts:
                check_choice(key, o, allowed[key])
            space[key] = opts
        if "zscore" in space.get("normalisation", []) and set(space.get("aggregation", [self.aggregation])) - {"arithmetic"}:
            raise InputError("z-scores cannot be combined with geometric or harmonic aggregation in the Monte Carlo",
                             column="normalisation", expected="drop 'zscore' or use arithmetic aggregation only")
        return space

    def _combo_inputs(self, space: dict[str, list], sel: np.ndarray) -> dict[tuple, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Normalised matrix, indicator and domain weights for every combination of the discrete choices."""
        keys = list(space)
        cache = {}
        for combo in product(*space.values()):
            p = self.get_params() | dict(zip(keys, combo))
            if any(a != "arithmetic" for a in space.get("aggregation", [self.aggregation])):
                p["range"] = p["range"] or (1.0, 100.0)  # one positive range for all draws keeps them comparable
            prep = self._prepare(p)
            cache[combo] = (prep["normalised_"].to_numpy()[sel], prep["weights_"].to_numpy(),
                            prep["domain_weights_"].to_numpy())
        return cache

    def _evaluate(self, u: np.ndarray, space: dict[str, list], cache, weight_noise: float) -> np.ndarray:
        """Index values (draws × units) for uniform draws ``u`` (draws × (k + p + D))."""
        keys = list(space)
        k = len(keys)
        p_ind = len(self.meta_)
        n_dom = len(self.domains_)
        level = np.column_stack([np.minimum((u[:, i] * len(space[key])).astype(int), len(space[key]) - 1)
                                 for i, key in enumerate(keys)]) if k else np.zeros((len(u), 0), int)
        mult_w = 1 - weight_noise + 2 * weight_noise * u[:, k:k + p_ind]          # draws × p
        mult_v = 1 - weight_noise + 2 * weight_noise * u[:, k + p_ind:k + p_ind + n_dom]
        n_units = next(iter(cache.values()))[0].shape[0]
        out = np.empty((len(u), n_units))
        combos = [tuple(space[key][lv] for key, lv in zip(keys, row)) for row in level]
        combo_arr = pd.Series(combos)
        onehot = np.eye(n_dom)[self.domain_of_]                                      # p × D
        for combo, idx in combo_arr.groupby(combo_arr).groups.items():
            idx = np.asarray(idx)
            xn, w0, v0 = cache[combo]
            w = (w0[None, :] * mult_w[idx]).T                                        # p × B
            w = w / (onehot @ (onehot.T @ w))                                        # renormalise within domain
            v = (v0[None, :] * mult_v[idx]).T
            v = v / v.sum(axis=0, keepdims=True)
            agg = dict(zip(keys, combo)).get("aggregation", self.aggregation)
            out[idx] = _aggregate_draws(xn, self.domain_of_, n_dom, w, v, agg)
        return out

    def uncertainty(self, n_draws: int = 1000, choices: Mapping[str, Sequence] | None = None,
                    weight_noise: float = 0.25, year: int | None = None, alpha: float = 0.1,
                    seed: int | None = 0, batch: int = 250) -> UncertaintyResult:
        """Monte Carlo over the methodological choices and the weights: rank intervals per unit.

        Each draw picks one option per entry of ``choices`` (default: normalisation in {the
        chosen one, minmax, rank}, aggregation in {the chosen one, arithmetic, geometric}) with
        equal probability, and multiplies every indicator weight and every Lebensbereich weight by
        an independent U(1 - weight_noise, 1 + weight_noise) factor (then rescaled to sum to one),
        as in COINr's ``get_sensitivity``. Ranks are computed among the units of ``year``; the
        interval is the (alpha/2, 1 - alpha/2) percentile interval of the rank over the draws.
        """
        self._check_fitted()
        if not 0 <= weight_noise < 1:
            raise InputError("weight_noise must lie in [0, 1)", column="weight_noise", found=weight_noise)
        if n_draws < 2:
            raise InputError("the uncertainty analysis needs at least 2 draws", column="n_draws", found=n_draws)
        space = self._choice_space(choices)
        sel = self._slice(year)
        cache = self._combo_inputs(space, sel)
        rng = np.random.default_rng(seed)
        d = len(space) + len(self.meta_) + len(self.domains_)
        u = rng.random((n_draws, d))
        n_units = int(sel.sum())
        ranks_t = np.empty((n_draws, n_units), dtype=np.float32)   # draws × units
        scores_t = np.empty((n_draws, n_units), dtype=np.float32)
        q_lo, q_hi = alpha / 2, 1 - alpha / 2
        for start in range(0, n_draws, batch):
            s = self._evaluate(u[start:start + batch], space, cache, weight_noise)
            ranks_t[start:start + batch] = _rank_rows(s)
            scores_t[start:start + batch] = s
        score_stats = _row_quantiles(np.ascontiguousarray(scores_t.T), [0.5, q_lo, q_hi])
        del scores_t
        ranks = np.ascontiguousarray(ranks_t.T)
        del ranks_t
        units = self.scores_.index[sel]
        labels = units.get_level_values(0) if isinstance(units, pd.MultiIndex) else units
        nominal = self.ranks_[sel].to_numpy()
        rq = _row_quantiles(ranks, [0.5, q_lo, q_hi])
        rank_tbl = pd.DataFrame({"rank": nominal, "rank_median": rq[:, 0], "rank_low": rq[:, 1],
                                 "rank_high": rq[:, 2]}, index=pd.Index(labels, name="unit"))
        score_tbl = pd.DataFrame({"index": self.scores_[sel].to_numpy(), "median": score_stats[:, 0],
                                  "low": score_stats[:, 1], "high": score_stats[:, 2]},
                                 index=pd.Index(labels, name="unit"))
        keys = list(space)
        draws = pd.DataFrame({key: [space[key][min(int(x * len(space[key])), len(space[key]) - 1)] for x in u[:, i]]
                              for i, key in enumerate(keys)})
        return UncertaintyResult(rank_tbl.sort_values("rank_median"), score_tbl, draws, ranks, n_draws, alpha,
                                 f"Monte Carlo over {keys} and weights ±{weight_noise:.0%} (OECD/JRC 2008)")

    def sensitivity(self, n: int = 500, choices: Mapping[str, Sequence] | None = None, weight_noise: float = 0.25,
                    year: int | None = None, seed: int | None = 0, output: str = "rank_shift") -> SobolResult:
        """First-order and total variance shares of each choice and of the weights (Saltelli/Jansen).

        ``output="rank_shift"`` analyses the mean absolute rank shift against the nominal ranks
        (COINr's summary measure); ``output="ranks"`` analyses every unit's rank (``by_output``
        holds one row per unit and factor, ``table`` their variance-weighted mean). The weights
        of all indicators and Lebensbereiche form one factor, ``"weights"``.
        """
        self._check_fitted()
        check_choice("output", output, ("rank_shift", "ranks"))
        space = self._choice_space(choices)
        sel = self._slice(year)
        cache = self._combo_inputs(space, sel)
        nominal = self.ranks_[sel].to_numpy(dtype=float)

        def model(u: np.ndarray) -> np.ndarray:
            r = _rank_rows(self._evaluate(u, space, cache, weight_noise))  # draws × units
            if output == "ranks":
                return r
            return np.nanmean(np.abs(r - nominal[None, :]), axis=1)

        factors = {key: 1 for key in space} | {"weights": len(self.meta_) + len(self.domains_)}
        res = sobol_indices(model, factors, n=n, seed=seed, batch=500)
        if res.by_output is not None:
            units = self.scores_.index[sel]
            labels = np.asarray(units.get_level_values(0) if isinstance(units, pd.MultiIndex) else units)
            res = replace(res, by_output=res.by_output.assign(output=labels[res.by_output["output"].to_numpy()]))
        return res

    def method_text(self, n_draws: int = 1000) -> str:
        """The German paragraph for the report's methods chapter, filled with this index's choices."""
        def word(kind: str, key: str) -> str:
            return text("indicators", f"composite.{kind}.{key}")

        return text("indicators", "method.composite", imputation=word("imputation", self.imputation),
                    normalisation=word("normalisation", self.normalisation), weights=word("weights", self.weights),
                    aggregation=word("aggregation", self.aggregation), n_draws=f"{n_draws:,}".replace(",", "."))

    def summary(self) -> str:
        self._check_fitted()
        rows = [(s["step"], s["method"]) for s in self.steps_]
        rows += [("indicators", len(self.meta_)), ("Lebensbereiche", len(self.domains_)),
                 ("units x periods", len(self.scores_)), ("without index", len(self.incomplete_))]
        return summary_block("Composite index (OECD/JRC Handbook 2008)", rows)


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation over the pairs where both values are present (NaN if < 3 pairs or no spread)."""
    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < 3:
        return float("nan")
    a, b = a[ok] - a[ok].mean(), b[ok] - b[ok].mean()
    den = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / den) if den > 0 else float("nan")


def _row_quantiles(a: np.ndarray, qs: Sequence[float]) -> np.ndarray:
    """Quantiles per row (n × len(qs)); rows with NaN use the NaN-aware (slow) path, the rest one call."""
    out = np.full((a.shape[0], len(qs)), np.nan)
    nan_rows = np.isnan(a).any(axis=1)
    if (~nan_rows).any():
        out[~nan_rows] = np.quantile(a[~nan_rows], qs, axis=1).T
    for i in np.flatnonzero(nan_rows):
        row = a[i][np.isfinite(a[i])]
        if row.size:
            out[i] = np.quantile(row, qs)
    return out


def skew_kurtosis(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bias-corrected sample skewness G1 and excess kurtosis G2 per column, ignoring NaN.

    The same numbers as ``scipy.stats.skew(bias=False)`` and ``scipy.stats.kurtosis(bias=False)``
    (Joanes & Gill 1998), computed for all columns at once; 0 where a column has fewer than 4
    values or no spread.
    """
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    n = np.isfinite(x).sum(axis=0).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = np.nanmean(x, axis=0)
        d = x - m
        m2 = np.nanmean(d**2, axis=0)
        m3 = np.nanmean(d**3, axis=0)
        m4 = np.nanmean(d**4, axis=0)
        g1 = m3 / m2**1.5
        g2 = m4 / m2**2 - 3
        sk = g1 * np.sqrt(n * (n - 1)) / (n - 2)
        ku = ((n + 1) * g2 + 6) * (n - 1) / ((n - 2) * (n - 3))
    ok = (n >= 4) & (m2 > 1e-300 * np.maximum(1.0, np.nanmax(np.abs(x), axis=0) ** 2))
    return np.where(ok, sk, 0.0), np.where(ok, ku, 0.0)


def _skew_kurt(x: np.ndarray) -> tuple[float, float]:
    sk, ku = skew_kurtosis(x)
    return float(sk[0]), float(ku[0])


def _fails(sk: float, ku: float, p: Mapping[str, Any]) -> bool:
    return abs(sk) > p["skew_limit"] and ku > p["kurtosis_limit"]
