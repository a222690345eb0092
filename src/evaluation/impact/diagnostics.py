"""Diagnostics for one headline effect: pre-trend test, event-study bands, synthetic-control fit.

A report may call an effect robust only when its interval excludes 0 *and* its diagnostics pass
(issue 13). :func:`diagnose_effect` computes, for one model municipality and one indicator, every
diagnostic the report needs, as result objects of :mod:`evaluation.results`:

* :class:`PretrendTest` - the joint test that all event-study leads are zero (randomisation
  inference over the comparison units by default, Wald chi-square with ``inference="analytic"``);
  ``passed`` is ``p_value >= cutoff`` (cutoff 0.1 by default: a pre-test with few units has little
  power, so a lenient level guards against missing a trend; Roth 2022, AER: Insights 4(3)).
* the :class:`~evaluation.impact.event_study.EventStudyResult` with yearly bands
  (``post_bands_exclude_zero``: whether any programme year's band excludes 0);
* the :class:`~evaluation.impact.synth.SynthResult` with ``pre_rmspe``, ``perfect_fit``
  (pre-period RMSPE below :data:`~evaluation.impact.synth.PERFECT_FIT_RATIO` times the noise
  level: overfit), ``poor_fit`` and ``sign_agrees(main estimate)``.

:class:`EffectDiagnostics` bundles them with ``passed`` and plain-language ``notes`` naming every
failed check; a diagnostic that cannot be computed (e.g. too few pre-periods) is recorded as a
note and counts as not passed, never silently as passed.

>>> from evaluation.impact.simulate import simulate_panel
>>> d = simulate_panel(n_units=30, seed=2).data
>>> one = d[(d.unit == "t1") | (d.first_treat == 0)]
>>> dx = diagnose_effect(one, "y", "unit", "year", "t1", 2017, draws=199)
>>> type(dx.pretrend.p_value)
<class 'float'>
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evaluation.errors import EstimationError, InputError
from evaluation.impact._panel import require_columns
from evaluation.impact.event_study import EventStudyResult, event_study
from evaluation.impact.synth import SynthResult, synthetic_control
from evaluation.results import ResultMixin, check_alpha, merge_notes

#: default cutoff of the pre-trend test: p below it counts as a significant pre-trend
PRETREND_CUTOFF: float = 0.1


@dataclass(frozen=True, eq=False)
class PretrendTest(ResultMixin):
    """Joint test that all event-study leads (years before the start) are zero.

    ``estimate`` is the test statistic (standardised sum of squared leads, or the Wald
    chi-square), ``p_value`` its p-value, ``n`` the number of leads tested; ``se``, ``ci_low``,
    ``ci_high`` are NaN. ``passed`` is ``p_value >= cutoff`` (None when there is no lead to test).
    """

    estimate: float
    p_value: float
    n: int
    method: str
    alpha: float
    cutoff: float = PRETREND_CUTOFF
    notes: tuple[str, ...] = ()
    se: float = float("nan")
    ci_low: float = float("nan")
    ci_high: float = float("nan")

    @property
    def passed(self) -> bool | None:
        if self.n == 0 or not np.isfinite(self.p_value):
            return None
        return bool(self.p_value >= self.cutoff)


def pretrend_test(es: EventStudyResult, cutoff: float = PRETREND_CUTOFF) -> PretrendTest:
    """The joint pre-trend test of an event study as a result object."""
    if not (0.0 < float(cutoff) < 1.0):
        raise InputError("pre-trend cutoff must be between 0 and 1", found=cutoff, expected="e.g. 0.1")
    notes = []
    if es.pretrend_df == 0:
        notes.append("no year before the start to test (no leads)")
    elif es.pretrend_p < cutoff:
        notes.append(f"significant pre-trend: joint test of the {es.pretrend_df} lead(s) p = {es.pretrend_p:.3f} "
                     f"< {cutoff:g}; parallel trends are doubtful, the estimate is not interpretable as an effect")
    if es.n_assignments is not None and es.pretrend_df and 1.0 / es.n_assignments > cutoff:
        notes.append(f"with {es.n_assignments} assignments the pre-trend test cannot reach p < {cutoff:g}: "
                     "it has no power here")
    return PretrendTest(estimate=float(es.pretrend_stat), p_value=float(es.pretrend_p), n=int(es.pretrend_df),
                        method=f"joint pre-trend test of the event-study leads; {es.inference}", alpha=es.alpha,
                        cutoff=float(cutoff), notes=tuple(notes))


@dataclass(frozen=True, eq=False)
class EffectDiagnostics:
    """Every diagnostic of one headline effect (see the module docstring).

    ``pretrend``, ``event_study``, ``synth`` are None when that diagnostic could not be computed
    (``notes`` says why). ``sign_agreement``: whether the synthetic control agrees in sign with
    the main estimate (None without a main estimate, or when either is ~0).
    """

    treated_unit: str
    treatment_time: int
    pretrend: PretrendTest | None
    event_study: EventStudyResult | None
    synth: SynthResult | None
    main_estimate: float | None
    sign_agreement: bool | None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def passed(self) -> bool:
        """True only when every diagnostic was computed and none failed: no significant
        pre-trend, no perfect or poor synthetic pre-fit, no sign contradiction."""
        if self.pretrend is None or self.synth is None or self.event_study is None:
            return False
        return bool(self.pretrend.passed is not False and not self.synth.perfect_fit and not self.synth.poor_fit
                    and self.sign_agreement is not False)

    @property
    def post_bands_exclude_zero(self) -> bool | None:
        """Whether any programme year's event-study band excludes 0 (None without an event study)."""
        return None if self.event_study is None else self.event_study.post_bands_exclude_zero

    def summary_frame(self) -> pd.DataFrame:
        """One row per diagnostic: diagnostic, passed, value, p_value, method, notes."""
        rows = []
        if self.pretrend is not None:
            rows.append({"diagnostic": "pretrend", "passed": self.pretrend.passed, "value": self.pretrend.estimate,
                         "p_value": self.pretrend.p_value, "method": self.pretrend.method,
                         "notes": "; ".join(self.pretrend.notes)})
        if self.event_study is not None:
            rows.append({"diagnostic": "event_study_post_bands_exclude_zero", "passed": None,
                         "value": float(self.event_study.post_bands_exclude_zero), "p_value": np.nan,
                         "method": self.event_study.method, "notes": "; ".join(self.event_study.notes)})
        if self.synth is not None:
            rows.append({"diagnostic": "synthetic_control_fit",
                         "passed": not (self.synth.perfect_fit or self.synth.poor_fit),
                         "value": self.synth.pre_rmspe, "p_value": self.synth.p_value, "method": self.synth.method,
                         "notes": "; ".join(self.synth.notes)})
            rows.append({"diagnostic": "synthetic_control_sign", "passed": self.sign_agreement,
                         "value": self.synth.estimate, "p_value": np.nan, "method": self.synth.method, "notes": ""})
        return pd.DataFrame(rows, columns=["diagnostic", "passed", "value", "p_value", "method", "notes"])

    def summary(self) -> str:
        head = f"EffectDiagnostics {self.treated_unit} (start {self.treatment_time}): passed = {self.passed}"
        return "\n".join([head] + [f"  - {n}" for n in self.notes])


def diagnose_effect(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    treated_unit,
    treatment_time: int,
    *,
    pool: list | None = None,
    main_estimate: float | None = None,
    inference: str = "randomization",
    draws: int = 999,
    seed: int | None = 0,
    alpha: float = 0.05,
    pretrend_cutoff: float = PRETREND_CUTOFF,
    synth_v: str = "equal",
) -> EffectDiagnostics:
    """Pre-trend test, event study and synthetic control for one model municipality.

    Parameters
    ----------
    df : DataFrame
        Long panel (one row per unit and period) with ``outcome``, ``unit``, ``time``; the units
        are ``treated_unit`` and its comparison units (``pool``, default: every other unit).
        Units with gaps are left out of the event study (said in its notes) and of the donor pool.
    treated_unit, treatment_time
        The model municipality and its first programme period.
    main_estimate : float, optional
        The headline estimate (e.g. ``ImpactResult.estimate``) to check the synthetic control's
        sign against.
    inference : {"randomization", "analytic"}
        Inference of the event study and the pre-trend test.
    draws, seed, alpha
        Randomisation draws (exact enumeration when there are fewer assignments), seed, level.
    pretrend_cutoff : float
        p below this counts as a significant pre-trend (default 0.1).
    synth_v : {"equal", "optimize"}
        V of the synthetic control.
    """
    alpha = check_alpha(alpha)
    require_columns(df, [outcome, unit, time], "diagnose_effect")
    ids = df[unit]
    if treated_unit not in set(ids):
        raise InputError("diagnose_effect: treated unit not in the table", column=unit, found=treated_unit)
    keep = ids.isin([treated_unit, *pool]) if pool is not None else pd.Series(True, index=df.index)
    panel = df.loc[keep, [unit, time, outcome]].copy()
    panel["_first_treat"] = np.where(panel[unit] == treated_unit, int(treatment_time), 0)
    notes: list[str] = []
    es = pre = sc = None
    try:
        es = event_study(panel, outcome, unit, time, "_first_treat", inference=inference, draws=draws, seed=seed,
                         alpha=alpha, unbalanced="drop")
        pre = pretrend_test(es, pretrend_cutoff)
        notes += list(pre.notes)
        if not es.post_bands_exclude_zero:
            notes.append("no programme year's event-study band excludes 0")
    except (EstimationError, InputError) as err:
        notes.append(f"event study / pre-trend test not possible: {str(err).splitlines()[0]}")
    try:
        sc = synthetic_control(panel, outcome, unit, time, treated_unit, int(treatment_time), v=synth_v, seed=seed or 0,
                               alpha=alpha)
        notes += [n for n in sc.notes if "fit" in n]
    except (EstimationError, InputError) as err:
        notes.append(f"synthetic control not possible: {str(err).splitlines()[0]}")
    agree = None
    if sc is not None and main_estimate is not None and np.isfinite(main_estimate):
        agree = sc.sign_agrees(float(main_estimate))
        if agree is False:
            notes.append(f"the synthetic control's effect ({sc.estimate:.3g}) contradicts the main estimate "
                         f"({float(main_estimate):.3g}) in sign")
    return EffectDiagnostics(treated_unit=treated_unit, treatment_time=int(treatment_time), pretrend=pre,
                             event_study=es, synth=sc, main_estimate=None if main_estimate is None else float(main_estimate),
                             sign_agreement=agree, notes=merge_notes(notes))
