"""Event study: effects by year relative to the programme start, with a joint pre-trend test.

The event-time effects are the dynamic aggregation of the Callaway & Sant'Anna (2021)
group-time effects: theta(e) is the group-size weighted mean of ATT(g, g + e). For e < 0 (leads)
each ATT(g, t) compares period t with t - 1 (the R ``did`` default ``base_period="varying"``),
so the leads are placebo effects that should be near zero under parallel trends and no
anticipation; e >= 0 are the effects in the start year and after.

The joint pre-trend test is a Wald test of all leads being zero, W = theta_pre' V^-1 theta_pre
(chi-square with as many degrees of freedom as leads), V from the influence function. With few
treated units (the five model municipalities) use ``inference="randomization"``: then the
observed start years are handed, ``draws`` times, to random comparison municipalities; each
event-time interval is the estimate +- the (1 - alpha) quantile of the placebo estimates'
absolute deviations (Conley & Taber 2011), and the pre-trend p-value is the share of placebo
assignments with a standardised sum of squared leads at least as large as observed. With one
treated unit (a single model municipality) the placebo effects are by default studentised: each
comparison unit's placebo effects are divided by its own pre-period noise and multiplied by the
model municipality's (``studentize="auto"``). Without it, a small municipality noisier than the
pool makes the pre-trend test reject a true null most of the time (simulation in
tests/impact/test_impact_small_pools.py: 100 % false alarms at 3x noise, 10 % studentised at
level 0.1; yearly band coverage 40 % vs 94 %). The noise scale comes from the year-to-year
changes of the pre-period gap, so that a linear pre-trend does not inflate it and hide itself.
All assignments are enumerated when they number at most ``draws``; p-values are never below
1 / (number of assignments).

``table`` has the columns the report plots: event_time, estimate, se, ci_low, ci_high
(plus n_groups).

>>> from evaluation.impact.simulate import simulate_panel
>>> sim = simulate_panel(seed=4)
>>> es = event_study(sim.data, "y", "unit", "year", "first_treat", inference="randomization", draws=199)
>>> list(es.table.columns)[:5]
['event_time', 'estimate', 'se', 'ci_low', 'ci_high']
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from evaluation.errors import EstimationError, InputError
from evaluation.impact._panel import wide_panel
from evaluation.impact.did import Control, att_gt_panel, build_plan, normalise_groups
from evaluation.impact.inference import _permuted_estimates, coefficients_from_weights
from evaluation.impact.results import DID_ASSUMPTIONS, ImpactResult, assumption_texts, few_treated_note
from evaluation.results import ResultMixin, check_alpha, merge_notes


@dataclass(frozen=True, eq=False)
class EventStudyResult(ResultMixin):
    """Event-time effects, the joint pre-trend test and the overall post-period effect.

    table: event_time, estimate, se, ci_low, ci_high, p_value, n_groups (one row per event time;
        the interval is pointwise at level 1 - alpha, the p-value of "no effect in that year").
    pretrend_stat, pretrend_df, pretrend_p: the joint test that all leads are zero.
    overall: mean of the post-period event-time effects (``aggregate("dynamic")``).

    The result-interface attributes (``estimate``, ``se``, ``ci_low``, ...) are those of
    ``overall``; :meth:`summary_frame` has one row per event time.
    """

    table: pd.DataFrame
    pretrend_stat: float
    pretrend_df: int
    pretrend_p: float
    overall: ImpactResult
    inference: str
    n_treated: int
    n_control: int
    estimator: str = "event study, dynamic aggregation of ATT(g,t) (Callaway & Sant'Anna 2021)"
    assumptions: tuple[str, ...] = field(default_factory=lambda: assumption_texts(DID_ASSUMPTIONS))
    alpha: float = 0.05
    notes: tuple[str, ...] = ()
    n_assignments: int | None = None

    @property
    def method(self) -> str:
        return f"{self.estimator}; {self.inference}"

    @property
    def estimate(self) -> float:
        return float(self.overall.estimate)

    @property
    def se(self) -> float:
        return float(self.overall.se)

    @property
    def ci_low(self) -> float:
        return float(self.overall.ci_low)

    @property
    def ci_high(self) -> float:
        return float(self.overall.ci_high)

    @property
    def p_value(self) -> float:
        return float(self.overall.p)

    @property
    def n(self) -> int:
        return self.n_treated + self.n_control

    def pretest(self, cutoff: float = 0.1):
        """The joint pre-trend test as a :class:`~evaluation.impact.diagnostics.PretrendTest`."""
        from evaluation.impact.diagnostics import pretrend_test

        return pretrend_test(self, cutoff)

    @property
    def post_bands_exclude_zero(self) -> bool:
        """Whether at least one post-period (event time >= 0) interval excludes 0."""
        t = self.table[self.table["event_time"] >= 0]
        return bool(((t["ci_low"] > 0) | (t["ci_high"] < 0)).any())

    def summary_frame(self) -> pd.DataFrame:
        """One row per event time: the result columns, then event_time and n_groups."""
        t = self.table
        frame = pd.DataFrame({
            "estimate": t["estimate"], "se": t["se"], "ci_low": t["ci_low"], "ci_high": t["ci_high"],
            "p_value": t["p_value"], "n": self.n, "method": self.method, "alpha": self.alpha,
            "notes": "; ".join(self.notes),
        })
        return pd.concat([frame, t[["event_time", "n_groups"]]], axis=1)

    def caveats(self) -> tuple[str, ...]:
        """German sentences for the report: the pre-trend test and the inference caveats."""
        from evaluation.impact.results import inference_caveats
        from evaluation.texts import text

        out = list(inference_caveats(self.inference, self.n_treated))
        if np.isfinite(self.pretrend_p):
            out.append(text("impact", "caveats.pretrend", p=f"{self.pretrend_p:.2f}".replace(".", ",")))
        return tuple(out)



def event_study(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    group: str,
    control: Control = "never",
    *,
    min_e: int | None = None,
    max_e: int | None = None,
    inference: str = "analytic",
    draws: int = 999,
    seed: int | None = 0,
    alpha: float = 0.05,
    unbalanced: str = "error",
    studentize: bool | str = "auto",
) -> EventStudyResult:
    """Leads and lags relative to the programme start (``group`` = first treated period).

    ``inference``: ``"analytic"`` (influence function, Wald chi-square pre-test) or
    ``"randomization"`` (re-assign the observed start years, ``draws`` times, seeded).
    ``min_e``/``max_e`` restrict the event times reported and tested.
    ``studentize`` (randomisation inference only): ``"auto"`` (default) studentises when there is
    one treated unit with at least 3 pre-periods - every comparison unit in turn is the placebo
    and its placebo effects are divided by its own pre-period noise and multiplied by the
    treated unit's, so that the bands and the pre-trend test stay honest when a small model
    municipality is noisier than the pool; ``True`` requires it, ``False`` switches it off.
    """
    alpha = check_alpha(alpha)
    if inference not in ("analytic", "randomization"):
        raise InputError("inference must be 'analytic' or 'randomization'", found=inference)
    if studentize not in (True, False, "auto"):
        raise InputError("studentize must be True, False or 'auto'", found=studentize)
    panel = wide_panel(df, outcome, unit, time, group, unbalanced=unbalanced, what="event_study")
    res = att_gt_panel(panel, control, alpha=alpha)
    plan = res.plan
    e_all = plan.event_time
    es = np.unique(e_all)
    if min_e is not None:
        es = es[es >= min_e]
    if max_e is not None:
        es = es[es <= max_e]
    if len(es) == 0:
        raise EstimationError("event_study: no event time in the requested range")
    counts = plan.group_counts[np.searchsorted(plan.group_values, plan.group)].astype(float)
    A = np.zeros((len(es), len(plan.group)))
    for i, ev in enumerate(es):
        m = e_all == ev
        A[i, m] = counts[m] / counts[m].sum()
    att = res.table["att"].to_numpy()
    theta = A @ att
    n_groups = np.array([int((e_all == ev).sum()) for ev in es])
    overall = res.aggregate("dynamic")
    if max_e is not None or min_e is not None:
        post = es >= 0
        overall_est = float(theta[post].mean()) if post.any() else float("nan")
    else:
        overall_est = overall.estimate
    leads = es < 0
    extra_notes: list[str] = []
    if inference == "analytic":
        g_valid = np.nan_to_num(res.g, nan=-1.0)
        from evaluation.impact.did import _wif

        n_used = float((~np.isnan(res.g)).sum())
        infs = []
        for i, ev in enumerate(es):
            m = e_all == ev
            w = _wif(g_valid, plan.group[m], n_used)
            infs.append(res.influence[:, m] @ A[i, m] + w @ att[m])
        IF = np.column_stack(infs)
        V = IF.T @ IF / n_used**2
        se = np.sqrt(np.diag(V))
        z = stats.norm.ppf(1 - alpha / 2)
        lo, hi = theta - z * se, theta + z * se
        with np.errstate(divide="ignore", invalid="ignore"):
            p_pt = np.where(se > 0, 2 * stats.norm.sf(np.abs(theta / se)), np.nan)
        n_assign = None
        k = int(leads.sum())
        if k:
            Vl = V[np.ix_(leads, leads)]
            W = float(theta[leads] @ np.linalg.pinv(Vl) @ theta[leads])
            p_pre = float(stats.chi2.sf(W, k))
        else:
            W, p_pre = float("nan"), float("nan")
        inf_label = "analytic influence function, normal pointwise intervals"
        few = few_treated_note(res.n_treated, "analytic event-study interval")
        if few:
            extra_notes.append(few)
    else:
        g, _ = normalise_groups(panel.g, panel.times)
        keep = ~np.isnan(g)
        y, g = panel.y[keep], g[keep]
        gidx = np.searchsorted(plan.group_values, g)
        never = np.nonzero(gidx == 0)[0]
        n_tr = int((g > 0).sum())
        if len(never) <= n_tr:
            raise EstimationError("event_study: randomization inference needs more comparison than treated units")
        # the placebo panel: comparison units only, n_tr of them in the treated groups (the
        # coefficients depend only on the group sizes, so which ones does not matter here)
        g_pl = np.zeros(len(never))
        g_pl[:n_tr] = g[g > 0]
        plan_pl = build_plan(g_pl, panel.times, control, "varying")
        if not (np.array_equal(plan_pl.group, plan.group) and np.array_equal(plan_pl.time, plan.time)):
            raise EstimationError("event_study: placebo panel has different group-time cells")  # pragma: no cover
        Cs = np.stack([coefficients_from_weights(plan_pl, A[i], len(panel.times)) for i in range(len(es))])
        Hy = np.einsum("nt,egt->nge", y[never], Cs)  # N_comparison x groups x E
        # placebo assignments among the never-treated units only: event-time effects differ by
        # e, so a sharp null of one constant effect does not hold; drawing the placebo units
        # from the comparison pool keeps the treated units' effects out of the reference
        # distribution (Conley & Taber 2011). The interval is est +- the (1 - alpha) quantile
        # of the placebo estimates' absolute deviation from their mean.
        gi = int(np.searchsorted(panel.times, g[g > 0].min())) if n_tr else 0
        do_stud = (studentize is True or (studentize == "auto" and n_tr == 1 and gi >= 3))
        scale_obs, scales = 1.0, None
        if do_stud:
            if n_tr != 1 or gi < 3:
                raise InputError("event_study: studentize=True needs one treated unit with at least 3 pre-periods",
                                 found=f"{n_tr} treated, {gi} pre-periods", expected="1 treated, >= 3 pre-periods")
            # every comparison unit in turn as the placebo (exact), its placebo effects divided by
            # its own pre-period noise and multiplied by the model municipality's: honest bands
            # when a small model municipality is noisier than the pool (Ferman & Pinto 2019)
            Yn = y[never]
            J = len(never)
            others = (Yn.sum(axis=0)[None, :] - Yn) / (J - 1)
            # noise scale from the year-to-year changes of the pre-period gap, so that a linear
            # pre-trend (which the test must detect) does not inflate the scale and hide itself
            scales = np.std(np.diff((Yn - others)[:, :gi], axis=1), axis=1, ddof=1)
            i_tr = int(np.nonzero(g > 0)[0][0])
            scale_obs = float(np.std(np.diff(y[i_tr, :gi] - Yn.mean(axis=0)[:gi]), ddof=1))
            lab = int(gidx[i_tr])
            base = Hy[:, 0, :].sum(axis=0)
            perm = base[None, :] + Hy[:, lab, :] - Hy[:, 0, :]
            okj = scales > 0
            if scale_obs <= 0 or okj.sum() < 2:
                raise EstimationError("event_study: no pre-period variation to studentise with")
            if not okj.all():
                extra_notes.append(f"{int((~okj).sum())} comparison unit(s) without pre-period variation left out "
                                   "as placebos")
            perm = perm[okj] / scales[okj, None] * scale_obs
            exact = True
        else:
            perm, exact = _permuted_estimates(Hy, gidx, draws, np.random.default_rng(seed), return_exact=True)
        B = len(perm)
        n_assign = B + 1  # the placebo assignments and the observed one
        se = perm.std(axis=0, ddof=1)
        dev = np.abs(perm - perm.mean(axis=0))
        c = np.quantile(dev, 1 - alpha, axis=0)
        lo, hi = theta - c, theta + c
        obs_dev = np.abs(theta - perm.mean(axis=0))
        p_pt = (1 + (dev >= obs_dev[None, :] - 1e-12).sum(axis=0)) / (1 + B)
        if 1.0 / n_assign > alpha:
            extra_notes.append(
                f"only {B} placebo assignment(s) among the comparison units: the smallest attainable p-value is "
                f"1/{n_assign} = {1 / n_assign:.3f} > alpha = {alpha:g}, so the yearly bands are the widest placebo "
                "deviations and no pre-trend can be detected at this level")
        k = int(leads.sum())
        if k:
            # leads carry no treatment (q = 0): compare the standardised sum of squared leads
            pl = perm[:, leads]
            sd = pl.std(axis=0, ddof=1)
            sd[sd == 0] = 1.0
            W = float(((theta[leads] / sd) ** 2).sum())
            Wp = ((pl / sd) ** 2).sum(axis=1)
            p_pre = float((1 + (Wp >= W - 1e-12).sum()) / (1 + B))
        else:
            W, p_pre = float("nan"), float("nan")
        inf_label = (f"studentized exact randomisation inference, observed start year given to each comparison "
                     f"unit in turn, placebo effects rescaled to the model municipality's pre-period noise, "
                     f"{n_assign} assignments" if do_stud else
                     f"exact randomisation inference, observed start years given to every set of comparison "
                     f"units, {n_assign} assignments" if exact else
                     f"randomisation inference, observed start years given to random comparison units "
                     f"({B} draws, seed {seed})")
    table = pd.DataFrame({"event_time": es.astype(int), "estimate": theta, "se": se, "ci_low": lo,
                          "ci_high": hi, "p_value": p_pt, "n_groups": n_groups})
    if overall_est != overall.estimate:
        overall = ImpactResult(estimate=overall_est, se=float("nan"), ci=(float("nan"), float("nan")),
                               p=float("nan"), n_treated=overall.n_treated, n_control=overall.n_control,
                               estimator=overall.estimator + f", event times {min_e}..{max_e}",
                               inference="none (restricted window)", alpha=alpha,
                               notes=("no interval for the overall effect of a restricted event-time window",))
    return EventStudyResult(
        table=table,
        pretrend_stat=W,
        pretrend_df=int(leads.sum()),
        pretrend_p=p_pre,
        overall=overall,
        inference=inf_label,
        n_treated=res.n_treated,
        n_control=res.n_control,
        alpha=alpha,
        notes=merge_notes(res.notes, extra_notes),
        n_assignments=n_assign,
    )
