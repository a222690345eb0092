"""Survey weights: design weights, raking to population margins, trimming, Kish's effective n.

* :func:`design_weights` -- the inverse inclusion probability of a stratified sample,
  ``N_h / n_h`` (Lohr 2019, ch. 3; Kish 1965, ch. 11).
* :func:`rake` -- raking ratio estimation / iterative proportional fitting (Deming & Stephan 1940):
  the weights are multiplied, margin by margin, by ``target / weighted sample total`` until every
  weighted margin meets its population total. Margins may be joint (``"age_group:sex"`` rakes to
  the cross-classification age x sex) so that "age x sex x Sozialraum" is one or several margins,
  as the population statistics provide them. Convergence is tracked per cycle (the largest relative
  deviation of any margin cell) and a run that does not converge raises :class:`RakingError`
  carrying the diagnostics, never a silently half-calibrated weight.
* :func:`trim_weights` -- caps extreme weights and spreads the excess over the untrimmed weights so
  the weighted total is kept (Potter 1990; Valliant, Dever & Kreuter 2018, ch. 14).
* :func:`kish_effective_n` -- ``n_eff = (sum w)^2 / sum w^2`` and the design effect due to unequal
  weighting ``deff_w = n / n_eff = 1 + CV^2`` (Kish 1965, sec. 11.7).

Raking is written by hand on integer category codes with ``numpy.bincount``: it is a few lines, the
library alternatives (samplics' ``SampleWeight.rake``) work on the same idea but do not give the
per-cycle diagnostics and are slower on a million respondents (see ``benchmarks/bench_survey.py``).

Example
-------
>>> import pandas as pd
>>> sample = pd.DataFrame({"sex": ["w", "w", "m"], "age": ["jung", "alt", "alt"]})
>>> margins = {"sex": {"w": 60, "m": 40}, "age": {"jung": 30, "alt": 70}}
>>> r = rake(sample, margins)
>>> [round(x, 2) for x in r.weights]
[30.0, 30.0, 40.0]
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import EstimationError, InputError, Problem
from ..results import ResultMixin

JOINT_SEP = ":"


class RakingError(EstimationError):
    """Raking did not converge; ``result`` holds the diagnostics of the last cycle."""

    def __init__(self, message: str, result: RakingResult) -> None:
        super().__init__(message)
        self.result = result


@dataclass(frozen=True)
class KishResult(ResultMixin):
    """Kish's effective sample size: ``n_eff = (sum w)^2 / sum w^2``; ``deff = n / n_eff``.

    Result interface (:mod:`evaluation.results`): ``estimate`` is ``n_eff``; ``n`` the respondents;
    ``se``, ``ci_low``, ``ci_high``, ``p_value`` NaN (a closed formula of the weights, no sampling
    model); ``alpha`` 0.05 by convention.
    """

    n: int
    n_eff: float
    deff: float
    cv: float
    method: str = "Kish (1965) effective sample size for unequal weights"
    notes: tuple[str, ...] = ()

    # result interface (evaluation.results): the estimate is the effective sample size the weights leave
    se = ci_low = ci_high = p_value = property(lambda self: float("nan"))
    alpha = property(lambda self: 0.05)

    @property
    def estimate(self) -> float:
        return self.n_eff

    def summary(self) -> str:
        return (f"{self.method}\n  n = {self.n}, n_eff = {self.n_eff:.1f}, "
                f"deff_w = {self.deff:.3f}, CV(w) = {self.cv:.3f}")


@dataclass(frozen=True)
class RakingResult(ResultMixin):
    """Raked weights and how the raking went.

    Result interface (:mod:`evaluation.results`): ``estimate`` is the effective sample size of the
    raked weights (``kish.n_eff``), ``n`` the respondents; ``notes`` say when raking did not
    converge or dropped empty margin cells.

    ``weights`` is aligned with the sample's index. ``margins`` has one row per margin cell:
    variable, category, target (population), n (respondents), weighted (raked total), rel_error.
    ``history`` is the largest relative margin deviation after each cycle.
    """

    weights: pd.Series
    converged: bool
    iterations: int
    max_rel_error: float
    history: tuple[float, ...]
    margins: pd.DataFrame
    adjustment_min: float
    adjustment_max: float
    kish: KishResult
    tol: float
    dropped: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["variable", "category",
                                                                                "population"]))
    method: str = "raking ratio / iterative proportional fitting (Deming & Stephan 1940)"

    # result interface (evaluation.results): the estimate is the effective sample size the weights leave
    se = ci_low = ci_high = p_value = property(lambda self: float("nan"))
    alpha = property(lambda self: 0.05)

    @property
    def estimate(self) -> float:
        return self.kish.n_eff

    @property
    def n(self) -> int:
        return self.kish.n

    @property
    def notes(self) -> tuple[str, ...]:
        out = [] if self.converged else [f"raking did not converge after {self.iterations} cycle(s) "
                                         f"(largest relative margin deviation {self.max_rel_error:.2e})"]
        if len(self.dropped):
            out.append("empty margin cells dropped: " + ", ".join(f"{r.variable} = {r.category}"
                                                                   for r in self.dropped.itertuples()))
        return tuple(out)

    def summary(self) -> str:
        state = "converged" if self.converged else "NOT converged"
        note = ""
        if len(self.dropped):
            cells = ", ".join(f"{r.variable} = {r.category}" for r in self.dropped.itertuples())
            note = f"\n  empty margin cells dropped (their population spread over the variable's other cells): {cells}"
        return (f"{self.method}\n  {state} after {self.iterations} cycle(s); largest relative margin "
                f"deviation {self.max_rel_error:.2e} (tolerance {self.tol:.0e})\n"
                f"  adjustment factors (raked / start weight): {self.adjustment_min:.3f} .. {self.adjustment_max:.3f}\n"
                f"  {self.kish.summary().splitlines()[1].strip()}" + note)


@dataclass(frozen=True)
class TrimResult(ResultMixin):
    """Trimmed weights: ``n_upper``/``n_lower`` weights were set to the cap/floor; total kept.

    Result interface (:mod:`evaluation.results`): ``estimate`` is the effective sample size after
    trimming, ``n`` the respondents.
    """

    weights: pd.Series
    upper: float | None
    lower: float | None
    n_upper: int
    n_lower: int
    iterations: int
    kish_before: KishResult
    kish_after: KishResult
    method: str = "weight trimming with redistribution of the excess (Potter 1990)"
    notes: tuple[str, ...] = ()

    # result interface (evaluation.results): the estimate is the effective sample size the weights leave
    se = ci_low = ci_high = p_value = property(lambda self: float("nan"))
    alpha = property(lambda self: 0.05)

    @property
    def estimate(self) -> float:
        return self.kish_after.n_eff

    @property
    def n(self) -> int:
        return self.kish_after.n

    def summary(self) -> str:
        return (f"{self.method}\n  cap {self.upper}, floor {self.lower}: {self.n_upper} weight(s) capped, "
                f"{self.n_lower} raised, {self.iterations} pass(es)\n"
                f"  n_eff {self.kish_before.n_eff:.1f} -> {self.kish_after.n_eff:.1f}")


def _check_weights(w: pd.Series | np.ndarray, name: str = "weight", file: str | None = None) -> np.ndarray:
    arr = np.asarray(w, dtype=float)
    bad = ~np.isfinite(arr) | (arr <= 0)
    if bad.any():
        index = w.index if isinstance(w, pd.Series) else np.arange(len(arr))
        rows = np.flatnonzero(bad)
        problems = [Problem("weight is missing, zero or negative", file, index[i], name,
                            "a weight > 0", float(arr[i])) for i in rows[:50]]
        raise InputError(f"{len(rows)} weight(s) <= 0 or missing in '{name}'", file=file, problems=problems)
    return arr


def kish_effective_n(weights: pd.Series | np.ndarray) -> KishResult:
    """Kish's effective sample size and design effect due to unequal weighting (Kish 1965, 11.7).

    >>> kish_effective_n([1, 1, 1, 1]).n_eff
    4.0
    >>> round(kish_effective_n([1, 1, 1, 3]).deff, 3)
    1.333
    """
    w = _check_weights(pd.Series(np.asarray(weights, dtype=float)))
    n = len(w)
    if n == 0:
        raise InputError("no weights given", expected="at least one weight")
    n_eff = w.sum() ** 2 / np.sum(w**2)
    cv = float(w.std(ddof=0) / w.mean())
    return KishResult(n=n, n_eff=float(n_eff), deff=float(n / n_eff), cv=cv)


def design_weights(sample: pd.DataFrame, stratum: str, population: Mapping[Any, float] | pd.Series) -> pd.Series:
    """Design weights ``N_h / n_h`` of a stratified simple random sample (Lohr 2019, sec. 3.2).

    ``population`` maps each stratum to its population size ``N_h``. Every stratum in the sample must
    have a population size and ``N_h >= n_h``.

    >>> s = pd.DataFrame({"stratum": ["a", "a", "b"]})
    >>> design_weights(s, "stratum", {"a": 100, "b": 50}).tolist()
    [50.0, 50.0, 50.0]
    """
    if stratum not in sample.columns:
        raise InputError("stratum column not in the sample", column=stratum, expected="an existing column")
    pop = {str(k): float(v) for k, v in dict(population).items()}
    keys = sample[stratum].astype(str)
    n_h = keys.value_counts()
    problems = []
    for h, n in n_h.items():
        if h not in pop:
            problems.append(Problem("stratum has no population size", None, None, stratum,
                                    f"one of {sorted(pop)}", h))
        elif not np.isfinite(pop[h]) or pop[h] < n:
            problems.append(Problem(f"population size smaller than the {n} sampled units", None, None, stratum,
                                    f"N_h >= n_h for stratum {h}", pop[h]))
    if problems:
        raise InputError("design weights cannot be formed", problems=problems)
    return (keys.map(pop) / keys.map(n_h)).astype(float).rename("design_weight")


def _category_string(v: Any) -> str:
    """A sample value as a category id: 1.0 -> '1', text stays text."""
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


def margins_from_table(table: pd.DataFrame, *, municipality_id: str | None = None,
                       year: int | None = None) -> dict[str, dict[str, float]]:
    """Turn a ``population_margins`` table into ``{variable: {category: population}}``.

    Filter to one municipality and year first when the table holds several.
    """
    need = {"variable", "category", "population"}
    if not need <= set(table.columns):
        raise InputError("population margins table lacks columns", column=", ".join(sorted(need - set(table.columns))),
                         expected="columns municipality_id, year, variable, category, population")
    t = table
    if municipality_id is not None:
        t = t[t["municipality_id"].astype(str) == str(municipality_id)]
    if year is not None:
        t = t[t["year"].astype(int) == int(year)]
    if t.empty:
        raise InputError("no population margins for this municipality and year", column="municipality_id, year",
                         expected="rows in the population_margins table", found=(municipality_id, year))
    for key in ("municipality_id", "year"):
        if key in t.columns and t[key].nunique() > 1:
            raise InputError(f"margins for several values of {key}; pick one", column=key,
                             expected=f"one {key} (pass {key}=...)", found=sorted(t[key].astype(str).unique())[:5])
    dup = t.duplicated(["variable", "category"])
    if dup.any():
        r = t[dup].iloc[0]
        raise InputError("margin cell given twice", row=t.index[dup][0], column="category",
                         expected="each variable/category once", found=(r["variable"], r["category"]))
    out: dict[str, dict[str, float]] = {}
    for r in t.itertuples(index=False):
        out.setdefault(str(r.variable), {})[str(r.category)] = float(r.population)
    return out


def _codes_for_margin(sample: pd.DataFrame, variable: str, targets: Mapping[str, float],
                      file: str | None, allow_empty: bool = False) -> np.ndarray:
    """Index of every respondent's margin cell (factorise each column, then look the few combinations up)."""
    cols = variable.split(JOINT_SEP)
    missing_cols = [c for c in cols if c not in sample.columns]
    if missing_cols:
        raise InputError("raking variable not in the sample", file=file, column=", ".join(missing_cols),
                         expected=f"a column of the survey data for margin '{variable}'")
    codes_list, uniques_list = [], []
    for c in cols:
        codes, uniques = pd.factorize(sample[c], use_na_sentinel=True)
        if (codes < 0).any():
            first = sample.index[codes < 0][:5].tolist()
            raise InputError(f"{int((codes < 0).sum())} respondent(s) have no value for raking variable '{c}' "
                             f"(first rows {first}); impute or drop them before raking",
                             file=file, row=first[0], column=c, expected="a category of the margin")
        codes_list.append(np.asarray(codes, dtype=np.int64))
        uniques_list.append([_category_string(u) for u in uniques])
    shape = tuple(len(u) for u in uniques_list)
    combined = np.ravel_multi_index(tuple(codes_list), shape) if len(cols) > 1 else codes_list[0]
    cats = list(targets)
    position = {c: i for i, c in enumerate(cats)}
    combos = [JOINT_SEP.join(parts) for parts in itertools.product(*uniques_list)]
    lookup = np.array([position.get(k, -1) for k in combos], dtype=np.int64)
    codes = lookup[combined]
    if (codes < 0).any():
        present = np.unique(combined[codes < 0])
        unknown = sorted(combos[i] for i in present)
        first = sample.index[np.flatnonzero(codes < 0)[0]]
        raise InputError(f"sample categories of '{variable}' that the margin lacks: {unknown[:10]}",
                         file=file, row=first, column=variable,
                         expected=f"categories among the margin's {cats[:12]}", found=unknown[0])
    counts = np.bincount(codes, minlength=len(cats))
    empty = [cats[i] for i in np.flatnonzero(counts == 0)]
    if empty and not allow_empty:
        raise InputError(f"margin '{variable}' has categories no respondent falls into: {empty[:10]} "
                         "(collapse them with a neighbouring category before raking)",
                         file=file, column=variable, expected="at least one respondent per margin category",
                         found=empty[0])
    return codes


def rake(
    sample: pd.DataFrame,
    margins: Mapping[str, Mapping[str, float]] | pd.DataFrame,
    *,
    weight: str | pd.Series | None = "design_weight",
    max_iter: int = 100,
    tol: float = 1e-6,
    total_tolerance: float = 1e-3,
    on_failure: str = "raise",
    empty_categories: str = "error",
    file: str | None = None,
) -> RakingResult:
    """Rake weights to population margins (Deming & Stephan 1940; Lohr 2019, sec. 8.6.2).

    Parameters
    ----------
    sample : survey data with one column per raking variable (values are compared as text ids).
    margins : ``{variable: {category: population}}`` or a ``population_margins`` table already
        filtered to one municipality and year (see :func:`margins_from_table`). A joint margin is
        named ``"var1:var2"`` with categories ``"a:b"``.
    weight : start weights (a column name, a Series, or None for equal start weights). A column
        named ``design_weight`` that is absent means equal weights as well.
    max_iter, tol : at most ``max_iter`` cycles; converged when every margin cell's relative
        deviation ``|weighted - target| / target`` is below ``tol``.
    total_tolerance : margins must describe the same population: their totals may differ by at
        most this relative amount (otherwise raking cannot converge and :class:`InputError` says so).
    on_failure : "raise" (default: :class:`RakingError` with diagnostics) or "return" (the
        result with ``converged=False``, for inspection).
    empty_categories : "error" (default): a margin category without any respondent raises
        :class:`InputError`, because no weight can represent it. "drop": such a cell is dropped and
        the other targets of that margin are scaled up so the margin keeps its total (the people
        of the empty cell are then represented by the other cells of that variable, a visible
        assumption recorded in ``RakingResult.dropped``). Collapsing categories is usually better.

    Returns :class:`RakingResult`; the weights sum to the population total.
    """
    if on_failure not in {"raise", "return"}:
        raise InputError("unknown on_failure", column="on_failure", expected="'raise' or 'return'", found=on_failure)
    if isinstance(margins, pd.DataFrame):
        margins = margins_from_table(margins)
    if not margins:
        raise InputError("no margins given", expected="at least one population margin")
    n = len(sample)
    if n == 0:
        raise InputError("the sample is empty", file=file, expected="respondents to weight")
    if weight is None or (isinstance(weight, str) and weight == "design_weight" and weight not in sample.columns):
        w0 = np.ones(n)
    elif isinstance(weight, str):
        if weight not in sample.columns:
            raise InputError("weight column not in the sample", file=file, column=weight, expected="an existing column")
        w0 = _check_weights(sample[weight], weight, file)
    else:
        w0 = _check_weights(pd.Series(np.asarray(weight, dtype=float), index=sample.index), "weight", file)
    targets: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    names = list(margins)
    totals = []
    if empty_categories not in {"error", "drop"}:
        raise InputError("unknown empty_categories rule", column="empty_categories",
                         expected="'error' or 'drop'", found=empty_categories)
    dropped: list[tuple[str, str, float]] = []
    used: dict[str, dict[str, float]] = {}
    for var in names:
        cell = {str(k): float(v) for k, v in margins[var].items()}
        bad = [k for k, v in cell.items() if not np.isfinite(v) or v <= 0]
        if bad:
            raise InputError(f"margin '{var}' has non-positive or missing population values", column=var,
                             expected="population > 0 in every cell", found=bad[:5])
        c = _codes_for_margin(sample, var, cell, file, allow_empty=empty_categories == "drop")
        counts = np.bincount(c, minlength=len(cell))
        if (counts == 0).any():
            keys = list(cell)
            total = sum(cell.values())
            kept = {k: v for k, v, m in zip(keys, cell.values(), counts) if m > 0}
            dropped.extend((var, k, cell[k]) for k, m in zip(keys, counts) if m == 0)
            scale = total / sum(kept.values())
            cell = {k: v * scale for k, v in kept.items()}
            c = _codes_for_margin(sample, var, cell, file)
        used[var] = cell
        codes.append(c)
        targets.append(np.array(list(cell.values())))
        totals.append(targets[-1].sum())
    if max(totals) - min(totals) > total_tolerance * max(totals):
        raise InputError("the margins add up to different population totals: "
                         + ", ".join(f"{v} = {t:,.0f}" for v, t in zip(names, totals)),
                         column="population", expected=f"equal totals (relative difference <= {total_tolerance})")
    w = w0.copy()
    history: list[float] = []
    err = np.inf
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 (it is the iteration count after the loop)
        for c, t in zip(codes, targets):
            current = np.bincount(c, weights=w, minlength=len(t))
            w *= (t / current)[c]
        err = max(float(np.max(np.abs(np.bincount(c, weights=w, minlength=len(t)) - t) / t))
                  for c, t in zip(codes, targets))
        history.append(err)
        if err < tol:
            break
    converged = bool(err < tol)
    rows = []
    for var, c, t in zip(names, codes, targets):
        wt = np.bincount(c, weights=w, minlength=len(t))
        cnt = np.bincount(c, minlength=len(t))
        for cat, target, k, x in zip(used[var], t, cnt, wt):
            rows.append({"variable": var, "category": str(cat), "target": target, "n": int(k),
                         "weighted": x, "rel_error": (x - target) / target})
    ratio = w / w0
    result = RakingResult(
        weights=pd.Series(w, index=sample.index, name="weight"), converged=converged, iterations=it,
        max_rel_error=err, history=tuple(history), margins=pd.DataFrame(rows),
        adjustment_min=float(ratio.min()), adjustment_max=float(ratio.max()),
        kish=kish_effective_n(w), tol=tol,
        dropped=pd.DataFrame(dropped, columns=["variable", "category", "population"]))
    if not converged and on_failure == "raise":
        worst = result.margins.loc[result.margins["rel_error"].abs().idxmax()]
        raise RakingError(
            f"raking did not converge after {max_iter} cycles: the largest margin deviation is "
            f"{err:.2e} (tolerance {tol:.0e}) in {worst['variable']} = {worst['category']}. Joint and single "
            "margins may contradict each other or sparse cells may force extreme weights; collapse "
            "categories, check that the margins describe the same population, or raise max_iter.", result)
    return result


def trim_weights(
    weights: pd.Series | np.ndarray,
    *,
    upper: float | None = None,
    lower: float | None = None,
    relative: bool = True,
    max_iter: int = 100,
) -> TrimResult:
    """Cap weights at ``upper`` (and raise them to ``lower``), keeping the weighted total.

    With ``relative=True`` (default) the bounds are multiples of the mean weight, e.g.
    ``upper=3.5`` caps at 3.5 x mean (a common rule, Potter 1990). The excess above the cap is spread
    proportionally over the weights that are not capped; this is repeated because redistribution can
    push further weights over the cap. Raking margins are no longer met exactly after trimming; rake
    again if needed ("trim and rake").

    >>> r = trim_weights(pd.Series([1.0, 1.0, 1.0, 9.0]), upper=2.0)
    >>> r.weights.round(2).tolist(), float(r.weights.sum())
    ([2.0, 2.0, 2.0, 6.0], 12.0)
    """
    s = weights if isinstance(weights, pd.Series) else pd.Series(np.asarray(weights, dtype=float))
    w = _check_weights(s, str(s.name or "weight")).copy()
    total = w.sum()
    mean = w.mean()
    hi = upper * mean if (upper is not None and relative) else upper
    lo = lower * mean if (lower is not None and relative) else lower
    if hi is not None and lo is not None and lo >= hi:
        raise InputError("lower bound not below upper bound", column="lower", expected=f"< {hi}", found=lo)
    if hi is not None and hi * len(w) < total:
        raise InputError("the cap is too low to keep the weighted total", column="upper",
                         expected=f">= mean weight {mean:.4g}", found=hi)
    if lo is not None and lo * len(w) > total:
        raise InputError("the floor is too high to keep the weighted total", column="lower",
                         expected=f"<= mean weight {mean:.4g}", found=lo)
    capped = np.zeros(len(w), bool)
    floored = np.zeros(len(w), bool)
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 (it is the iteration count after the loop)
        changed = False
        if hi is not None:
            over = (w > hi * (1 + 1e-12)) & ~capped
            if over.any():
                capped |= over
                changed = True
        if lo is not None:
            under = (w < lo * (1 - 1e-12)) & ~floored
            if under.any():
                floored |= under
                changed = True
        fixed = capped | floored
        if hi is not None:
            w[capped] = hi
        if lo is not None:
            w[floored] = lo
        free = ~fixed
        if free.any():
            w[free] *= (total - w[fixed].sum()) / w[free].sum()
        if not changed:
            break
    return TrimResult(weights=pd.Series(w, index=s.index, name=s.name), upper=hi, lower=lo,
                      n_upper=int(capped.sum()), n_lower=int(floored.sum()), iterations=it,
                      kish_before=kish_effective_n(s), kish_after=kish_effective_n(w))
