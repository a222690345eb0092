"""The wording rule: how strong a claim an effect estimate supports (one function, tested).

:func:`classify_effect` turns an estimate and its diagnostics into a verdict; the report's words
come only from that verdict (``texts/report.yaml``, ``wirkung.verdict.*``), and the methods chapter
prints the same rule (``methoden.wording_rule``). The rule, in order:

1. **not_estimated** - no estimate (the reason is shown).
2. **not_interpretable** - a diagnostic *failed*: the comparison pool is not balanced on the
   pre-programme characteristics (more than ``balance_max_failures`` with |SMD| >= threshold after
   matching, Stuart 2010), the event study's joint pre-trend test is significant
   (p < ``pretrend_alpha``: the groups moved apart before the programme, so parallel trends is not
   credible; Roth 2022), or the synthetic control fits the pre-period perfectly (pre-RMSPE below
   ``perfect_fit_ratio`` x the comparison units' noise level, see
   :attr:`evaluation.impact.synth.SynthResult.noise_scale`: with many donors and few years a
   perfect fit is overfitting, Abadie 2021, sec. 7). The failing checks are named.
3. **robust** ("gesichert") - the interval excludes 0 **and** every diagnostic was run and passed
   **and** at least one programme-year band of the event study excludes 0 **and** the synthetic
   control does not contradict the sign (if its fit is usable).
4. **indication** ("Hinweis, nicht gesichert") - the interval excludes 0 but 3. does not hold in
   full (a diagnostic missing, all event-study bands include 0, or the synthetic control disagrees).
5. **unclear** - the interval includes 0.

:func:`direction` says whether the estimated change is an improvement given the indicator's
polarity (+1 higher is better, -1 lower is better, 0 context indicator without a direction).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

VERDICTS = ("robust", "indication", "unclear", "not_interpretable", "not_estimated")
#: diagnostic failures that make an estimate not interpretable
FAILURES = ("balance_failed", "pretrend_significant", "synth_perfect_fit")
#: reasons that keep a clear estimate from being called robust
CAVEATS = ("balance_missing", "pretrend_missing", "event_bands_include_zero", "synth_sign_disagrees",
           "synth_missing")


def _nan(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


@dataclass(frozen=True)
class Verdict:
    """``key``: one of :data:`VERDICTS`; ``reasons``: the failure/caveat keys behind it."""

    key: str
    reasons: tuple[str, ...] = ()


def classify_effect(estimate: float | None, ci_low: float | None, ci_high: float | None, *,
                    balance_ok: bool | None, pretrend_p: float | None, pretrend_alpha: float,
                    event_post_excludes_zero: bool | None, synth_fit: str | None,
                    synth_sign_agrees: bool | None) -> Verdict:
    """Classify one effect estimate (see the module docstring for the rule).

    Parameters
    ----------
    estimate, ci_low, ci_high: the estimate and its interval (None/NaN: not estimated).
    balance_ok: balance of the pool after matching passed (None: not checked).
    pretrend_p: p-value of the joint pre-trend test (None/NaN: not run).
    pretrend_alpha: below this the pre-trend is significant.
    event_post_excludes_zero: some programme-year band of the event study excludes 0 (None: not run).
    synth_fit: ``"ok"``, ``"poor"`` (pre-fit worse than the outcome's own spread: no check),
        ``"perfect"`` (overfit) or None (not run).
    synth_sign_agrees: the synthetic-control effect has the sign of the estimate (None: not run).

    >>> classify_effect(1.0, 0.5, 1.5, balance_ok=True, pretrend_p=0.6, pretrend_alpha=0.1,
    ...                 event_post_excludes_zero=True, synth_fit="ok", synth_sign_agrees=True).key
    'robust'
    >>> classify_effect(1.0, 0.5, 1.5, balance_ok=False, pretrend_p=0.6, pretrend_alpha=0.1,
    ...                 event_post_excludes_zero=True, synth_fit="ok", synth_sign_agrees=True)
    Verdict(key='not_interpretable', reasons=('balance_failed',))
    """
    if _nan(estimate) or _nan(ci_low) or _nan(ci_high):
        return Verdict("not_estimated")
    failures = []
    if balance_ok is False:
        failures.append("balance_failed")
    if not _nan(pretrend_p) and pretrend_p < pretrend_alpha:
        failures.append("pretrend_significant")
    if synth_fit == "perfect":
        failures.append("synth_perfect_fit")
    if failures:
        return Verdict("not_interpretable", tuple(failures))
    clear = ci_low > 0 or ci_high < 0
    if not clear:
        return Verdict("unclear")
    caveats = []
    if balance_ok is None:
        caveats.append("balance_missing")
    if _nan(pretrend_p):
        caveats.append("pretrend_missing")
    if event_post_excludes_zero is False:
        caveats.append("event_bands_include_zero")
    if synth_fit is None:
        caveats.append("synth_missing")
    elif synth_fit == "ok" and synth_sign_agrees is False:
        caveats.append("synth_sign_disagrees")
    if caveats:
        return Verdict("indication", tuple(caveats))
    return Verdict("robust")


def direction(estimate: float | None, polarity: int) -> str:
    """``improvement`` | ``worsening`` | ``neutral`` (context indicator) | ``none`` (zero or missing)."""
    if _nan(estimate) or estimate == 0:
        return "none"
    if polarity == 0:
        return "neutral"
    return "improvement" if (estimate > 0) == (polarity > 0) else "worsening"


#: unit of a *difference* of the indicator's values (shares differ in percentage points)
DIFFERENCE_UNIT = {"percent": "percentage_points", "per_1000": "per_1000", "count": "count", "score": "score"}


def difference_unit(unit: str) -> str:
    """The unit key of a difference of values in ``unit`` (``percent`` -> ``percentage_points``)."""
    return DIFFERENCE_UNIT.get(unit, unit)
