"""Result objects of the impact estimators.

Every estimator returns a small frozen dataclass in the style of statsmodels' results: the point
estimate, its standard error, a confidence interval, a p-value (for the null of no effect), the
number of treated and comparison units, the method that produced it and the identifying
assumptions in German words for the report (from ``texts/impact.yaml``).

``estimate`` is in the units of the outcome (for a rate per 1,000 inhabitants the effect is in
rate points per 1,000). Where inference is by randomisation or bootstrap, ``se`` is the standard
deviation of the reference distribution and ``ci`` comes from inverting the test, so the interval
need not be symmetric around the estimate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

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
class ImpactResult(IntervalMixin):
    """One effect estimate with its uncertainty.

    Attributes
    ----------
    estimate: the estimated average effect on the treated, in outcome units.
    se: its standard error (analytic, bootstrap or spread of the randomisation distribution).
    ci: ``(low, high)`` confidence interval at level ``1 - alpha``.
    p: two-sided p-value for the null hypothesis of no effect.
    n_treated, n_control: number of treated and comparison units (clusters) used.
    method: short English name of the estimator, e.g. ``"att_gt simple (Callaway & Sant'Anna 2021)"``.
    inference: how ``se``/``ci``/``p`` were obtained, e.g. ``"analytic influence function"``.
    assumptions: the identifying assumptions in German, ready for the report.
    table: optional detail table (group-time effects, event-time effects, ...).
    details: anything else worth keeping (number of draws, seed, notes on dropped units).
    """

    estimate: float
    se: float
    ci: tuple[float, float]
    p: float
    n_treated: int
    n_control: int
    method: str
    inference: str
    alpha: float = 0.05
    assumptions: tuple[str, ...] = field(default_factory=lambda: assumption_texts(DID_ASSUMPTIONS))
    table: pd.DataFrame | None = None
    details: dict[str, Any] = field(default_factory=dict)


    def caveats(self) -> tuple[str, ...]:
        """German sentences for the report: how the interval was obtained and, with ten or fewer
        treated units, the warning that single municipalities can move the estimate."""
        return inference_caveats(self.inference, self.n_treated)

    def summary(self) -> pd.DataFrame:
        """One-row table: estimate, se, ci_low, ci_high, p, n_treated, n_control, method, inference."""
        return pd.DataFrame(
            [
                {
                    "estimate": self.estimate,
                    "se": self.se,
                    "ci_low": self.ci_low,
                    "ci_high": self.ci_high,
                    "p": self.p,
                    "n_treated": self.n_treated,
                    "n_control": self.n_control,
                    "method": self.method,
                    "inference": self.inference,
                }
            ]
        )

    def __repr__(self) -> str:  # short and readable in a notebook
        return (
            f"ImpactResult({self.method}: estimate={self.estimate:.4g}, se={self.se:.4g}, "
            f"ci=({self.ci_low:.4g}, {self.ci_high:.4g}), p={self.p:.3g}, "
            f"treated={self.n_treated}, comparison={self.n_control}, inference={self.inference})"
        )


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


def inference_caveats(inference: str, n_treated: int) -> tuple[str, ...]:
    """German caveats (``texts/impact.yaml``) matching an ``inference`` label."""
    label = inference.lower()
    if "randomization" in label or "placebo" in label:
        key = "inference.randomization"
    elif "wild" in label:
        key = "inference.wild_bootstrap"
    else:
        key = "inference.analytic"
    out = [text("impact", key)]
    if n_treated <= 10:
        out.append(text("impact", "caveats.few_treated", n_treated=n_treated))
    return tuple(out)
