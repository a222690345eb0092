"""Result objects of the impact estimators.

Every estimator returns a small frozen dataclass with the result interface of
:mod:`evaluation.results` (``estimate, se, ci_low, ci_high, p_value, n, method, alpha, notes``;
``summary()`` text, ``summary_frame()`` a DataFrame) plus the older names the reporting code
uses: ``p``, ``ci``, ``n_treated``, ``n_control``, ``inference``, ``details``. ``method`` is the
estimator and the inference actually used (e.g. ``"att_gt simple aggregation ...; exact
randomisation inference over adoption dates, 8 assignments"``), ``estimator`` and ``inference``
the two parts; the identifying assumptions come in German words for the report
(``texts/impact.yaml``).

``estimate`` is in the units of the outcome (for a rate per 1,000 inhabitants the effect is in
rate points per 1,000). Where inference is by randomisation or bootstrap, ``se`` is the standard
deviation of the reference distribution and ``ci`` comes from inverting the test, so the interval
need not be symmetric around the estimate.

Few treated units: analytic and cluster-robust intervals need more treated clusters than a
programme with five model municipalities has (:data:`MIN_TREATED_ANALYTIC`, with the references);
such results carry a note and ``headline_ok=False``, and the reports show the randomisation
interval instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from evaluation.results import ResultMixin
from evaluation.texts import text

#: keys of ``texts/impact.yaml`` -> the assumptions every difference-in-differences type
#: estimate rests on.
DID_ASSUMPTIONS: tuple[str, ...] = (
    "assumptions.parallel_trends",
    "assumptions.no_anticipation",
    "assumptions.no_spillover",
)
SYNTH_ASSUMPTIONS: tuple[str, ...] = (
    "assumptions.synthetic_fit",
    "assumptions.no_anticipation",
    "assumptions.no_spillover",
)


def assumption_texts(keys: tuple[str, ...]) -> tuple[str, ...]:
    """The German sentences for the assumption ``keys`` (see ``texts/impact.yaml``)."""
    return tuple(text("impact", k) for k in keys)


#: Fewest treated units (clusters) for which an analytic interval - the influence-function SE of
#: ``att_gt``, the cluster-robust (CR1) SE of ``did_2x2`` / ``twfe``, the multiplier bootstrap - is
#: shown without a warning. Cluster-robust variance estimates rest on the treated clusters' own
#: scores; with few treated clusters they are biased down and t tests over-reject (Cameron,
#: Gelbach & Miller 2008, "Bootstrap-based improvements for inference with clustered errors",
#: REStat 90(3); MacKinnon & Webb 2017, "Wild bootstrap inference for wildly different cluster
#: sizes", J. Appl. Econometrics 32(2); Conley & Taber 2011: with a fixed number of treated
#: groups the DiD estimator is not even consistent). The workbench's own simulation
#: (``benchmarks/simulation_impact.py``: 5 treated of 130) finds 84-88 % coverage of nominal 95 %
#: analytic intervals. Below this number the result carries a note and ``headline_ok`` is False.
MIN_TREATED_ANALYTIC: int = 10

#: Fewest treated clusters for the restricted wild cluster bootstrap: with one treated cluster
#: its interval is uninformative (MacKinnon & Webb 2017, Sec. 5: the restricted bootstrap
#: under-rejects and its intervals become extremely wide or unbounded with one or two treated
#: clusters).
MIN_TREATED_WILD: int = 3


class IntervalMixin:
    """``ci_low``, ``ci_high`` and ``covers`` for any result with a ``ci`` pair."""

    ci: tuple[float, float]

    @property
    def ci_low(self) -> float:
        return float(self.ci[0])

    @property
    def ci_high(self) -> float:
        return float(self.ci[1])

    def covers(self, value: float) -> bool:
        """Whether ``value`` lies inside the confidence interval (bounds included)."""
        return bool(self.ci[0] <= value <= self.ci[1])


@dataclass(frozen=True, eq=False)
class ImpactResult(IntervalMixin, ResultMixin):
    """One effect estimate with its uncertainty (the result interface of :mod:`evaluation.results`).

    Attributes
    ----------
    estimate : float
        The estimated average effect on the treated, in outcome units (a rate per 1,000 gives
        rate points per 1,000; a share in per cent gives percentage points).
    se : float
        Its standard error (analytic, bootstrap, or the spread of the randomisation/placebo
        distribution - then a descriptive spread, the interval does not use it).
    ci : tuple of float
        ``(low, high)`` confidence interval at level ``1 - alpha``; also ``ci_low``/``ci_high``.
    p : float
        Two-sided p-value for the null of no effect (also ``p_value``). For randomisation
        inference it is never below 1 / (number of distinct assignments).
    n_treated, n_control : int
        Treated and comparison units (clusters) used; ``n`` is their sum.
    estimator : str
        The point estimator in English, e.g. ``"att_gt simple aggregation (Callaway & Sant'Anna 2021)"``.
    inference : str
        How ``se``/``ci``/``p`` were actually obtained, e.g. ``"exact randomisation inference,
        8 assignments"`` or ``"t-based placebo prediction interval, 7 placebo units"``.
    alpha : float
        The significance level of ``ci``.
    assumptions : tuple of str
        The identifying assumptions in German, ready for the report.
    table : DataFrame or None
        Optional detail table (event-time or group effects of an aggregation).
    details : dict
        Anything else worth keeping (draws, seed, the reference distribution, ``notes``).
    notes : tuple of str
        Plain-language notes: dropped units, fallbacks, too few treated units, exact fits.
    headline_ok : bool
        False when the interval must not be shown as the headline interval (e.g. an analytic
        interval with fewer than :data:`MIN_TREATED_ANALYTIC` treated units); ``notes`` says why.

    ``method`` is ``"<estimator>; <inference>"``: the method actually used, in words.
    """

    estimate: float
    se: float
    ci: tuple[float, float]
    p: float
    n_treated: int
    n_control: int
    estimator: str
    inference: str
    alpha: float = 0.05
    assumptions: tuple[str, ...] = field(default_factory=lambda: assumption_texts(DID_ASSUMPTIONS))
    table: pd.DataFrame | None = None
    details: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    headline_ok: bool = True

    @property
    def method(self) -> str:
        """Estimator and inference actually used, e.g. ``"att_gt ...; exact randomisation inference, 8 assignments"``."""
        return f"{self.estimator}; {self.inference}"

    @property
    def p_value(self) -> float:
        return float(self.p)

    @property
    def n(self) -> int:
        return int(self.n_treated) + int(self.n_control)

    def caveats(self) -> tuple[str, ...]:
        """German sentences for the report: how the interval was obtained and, with ten or fewer
        treated units, the warning that single municipalities can move the estimate; when the
        interval must not be the headline interval (``headline_ok`` False), that too."""
        out = inference_caveats(self.inference, self.n_treated)
        return out if self.headline_ok else out + (text("impact", "caveats.not_headline"),)

    def summary_frame(self) -> pd.DataFrame:
        """One row: the :data:`~evaluation.results.RESULT_COLUMNS`, then n_treated, n_control,
        estimator, inference, headline_ok."""
        row = self._result_row()
        row.update(n_treated=self.n_treated, n_control=self.n_control, estimator=self.estimator,
                   inference=self.inference, headline_ok=self.headline_ok)
        return pd.DataFrame([row])

    def __repr__(self) -> str:  # short and readable in a notebook
        return (
            f"ImpactResult({self.estimator}: estimate={self.estimate:.4g}, se={self.se:.4g}, "
            f"ci=({self.ci_low:.4g}, {self.ci_high:.4g}), p={self.p:.3g}, "
            f"treated={self.n_treated}, comparison={self.n_control}, inference={self.inference})"
        )


def few_treated_note(n_treated: int, what: str, minimum: int = MIN_TREATED_ANALYTIC) -> str | None:
    """The note for an analytic / cluster-based interval with fewer than ``minimum`` treated units."""
    if n_treated >= minimum:
        return None
    return (f"{what} with {n_treated} treated unit(s): fewer than {minimum} treated clusters, so the "
            "interval is too narrow and must not be the headline interval (Cameron, Gelbach & Miller 2008; "
            "MacKinnon & Webb 2017); use randomisation inference (evaluation.impact.inference)")


def t_ci(estimate: float, se: float, dof: int, alpha: float) -> tuple[tuple[float, float], float]:
    """t interval with ``dof`` degrees of freedom and the two-sided p-value (NaN when ``se`` is 0)."""
    from scipy import stats

    tcrit = stats.t.ppf(1 - alpha / 2, dof)
    p = float(2 * stats.t.sf(abs(estimate / se), dof)) if se > 0 else float("nan")
    return (estimate - tcrit * se, estimate + tcrit * se), p


def normal_ci(estimate: float, se: float, alpha: float) -> tuple[tuple[float, float], float]:
    """Wald interval and two-sided p-value under a normal reference distribution."""
    from scipy import stats

    if not np.isfinite(se) or se <= 0:
        return (float("nan"), float("nan")), float("nan")
    z = stats.norm.ppf(1 - alpha / 2)
    p = 2 * stats.norm.sf(abs(estimate / se))
    return (estimate - z * se, estimate + z * se), float(p)


def inference_key(inference: str) -> str:
    """The key in ``texts/impact.yaml`` of the German sentence for an ``inference`` label: the
    report names the method actually used (a t-based placebo prediction interval is not called a
    permutation test)."""
    label = (inference or "").lower()
    if "prediction interval" in label:
        return "inference.prediction_interval"
    if "studentized" in label or "studentised" in label:
        return "inference.studentized"
    if "rmspe" in label:
        return "inference.placebo"
    if "exact randomi" in label:
        return "inference.exact_randomization"
    if "randomi" in label or "permut" in label:
        return "inference.randomization"
    if "wild" in label:
        return "inference.wild_bootstrap"
    if "multiplier" in label:
        return "inference.multiplier_bootstrap"
    return "inference.analytic"


def inference_sentence(result: Any) -> str:
    """German sentence(s) for the report: how ``result``'s interval was obtained and, for
    randomisation inference, how many assignments it rests on (so the smallest possible p)."""
    out = text("impact", inference_key(getattr(result, "inference", "")))
    n_assign = (getattr(result, "details", None) or {}).get("n_assignments") or getattr(result, "n_assignments", None)
    if n_assign:
        out += " " + text("impact", "inference.n_assignments", n=int(n_assign),
                          p_min=f"{1 / int(n_assign):.3f}".replace(".", ","))
    return out


def inference_caveats(inference: str, n_treated: int) -> tuple[str, ...]:
    """German caveats (``texts/impact.yaml``) matching an ``inference`` label."""
    out = [text("impact", inference_key(inference))]
    if n_treated <= 10:
        out.append(text("impact", "caveats.few_treated", n_treated=n_treated))
    return tuple(out)
