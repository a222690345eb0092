"""Inference for few treated units: randomisation inference and the wild cluster bootstrap.

With five model municipalities, standard errors that rest on the treated units' own variation
(cluster-robust, influence function, multiplier bootstrap) are too small: the simulation in
``benchmarks/simulation_impact.py`` finds nominal 95 % intervals covering in 84-88 % of cases.
The remedies implemented:

* :func:`randomization_inference` - Fisher randomisation inference over the treatment
  assignment that respects timing: each draw gives the *observed* adoption dates to a random set
  of units (treated or comparison) and recomputes the staggered estimate (Callaway & Sant'Anna
  2021, simple aggregation by default). The p-value is the share of assignments with an estimate
  at least as far from the null as the observed one; the interval inverts the test of a constant
  effect ``tau`` (sharp null: ``y - tau * D`` has no effect), so it need not be symmetric.
  When the distinct assignments number no more than ``draws`` (e.g. one model municipality and 7
  comparison municipalities: 8 assignments) they are **enumerated exactly**, and the p-value is
  never below 1 / (number of distinct assignments); ``inference`` says which was done.
  (Fisher 1935; Conley & Taber 2011; MacKinnon & Webb 2020, "Randomization inference for
  difference-in-differences with few treated clusters", J. Econometrics 218(2).)
  Because without covariates the estimate is linear in the outcomes with coefficients that
  depend only on group sizes (which permutations keep), every draw costs O(number treated):
  1,000 draws on 10,800 units take well under a second.
* ``studentize=True`` - **heteroskedasticity-robust placebo inference** for one or several
  treated units, the reports' default: plain randomisation inference assumes the treated units
  are as noisy as the comparison units and under-covers badly when small model municipalities
  are noisier (the simulation: 56-77 % coverage with 2-3x noisier treated units). Each treated
  unit's contribution to the estimate is compared with the studentised contributions of the
  never-treated units given the same start (each divided by its own pre-period noise), rescaled
  to the treated unit's own pre-period noise (Ferman & Pinto 2019, "Inference in
  differences-in-differences with few treated groups and heteroskedasticity", REStat 101(3);
  Conley & Taber 2011). The interval is nearly scale-equivariant in the treated units' noise.
* :func:`wild_cluster_bootstrap` - the restricted (null-imposed) wild cluster bootstrap-t of the
  two-way fixed-effects coefficient with Webb's six-point weights (Cameron, Gelbach & Miller
  2008; Webb 2014; MacKinnon & Webb 2017), interval by test inversion. With very few treated
  clusters (one or two) it is known to fail (MacKinnon & Webb 2017): such results carry a note
  and ``headline_ok=False``.

:data:`DEFAULT_INFERENCE` names the method the reports use; it was chosen by the simulation
(see its docstring for the figures).

All are written by hand (no maintained Python package offers them for panels): the randomisation
inference needs the permutation of adoption dates, and the wild bootstrap is vectorised over
draws via the Frisch-Waugh-Lovell form of the two-way fixed-effects estimator.
"""

from __future__ import annotations

import itertools
import math
from typing import Any, Literal

import numpy as np
import pandas as pd

from evaluation.errors import EstimationError, InputError
from evaluation.impact._panel import Panel, wide_panel
from evaluation.impact.did import Aggregation, Control, aggregation_weights, build_plan, normalise_groups
from evaluation.impact.results import MIN_TREATED_WILD, ImpactResult, t_ci
from evaluation.results import check_alpha, merge_notes

#: Inference method the reports use for programme effects: randomisation/placebo inference,
#: studentised (``studentize=True``) wherever the model municipalities have at least 3
#: pre-programme years. Chosen by the simulation study in ``benchmarks/simulation_impact.py``
#: (figures in ``src/evaluation/data/impact_simulation.csv``; 500 replications per scenario, 5
#: treated of 130 municipalities with starts 2017-2019, 2012-2025, AR(1) errors rho = 0.5, noise
#: shrinking with population; 499 draws; measured 2026-12-02). Coverage of nominal 95 % intervals
#: for the pooled effect, model municipalities as noisy as their size predicts / 2x / 3x noisier
#: (constant effect 1.0): studentised placebo inference on the pre-period-mean DiD (the default)
#: 95.8 / 95.6 / 95.2 % (growing effect: 95.8 % at x1, 95.2 % at x3), on the Callaway &
#: Sant'Anna simple ATT 94.4 / 94.4 / 94.2 %; plain randomisation inference over the adoption
#: dates 96.6 / 76.6 / 58.6 % (pre-mean) and 95.8 / 72.8 / 56.0 % (att_gt) - it assumes the
#: treated units are as noisy as the pool; restricted wild cluster bootstrap (Webb) on TWFE
#: 95.4 / 94.0 / 93.6 %; cluster-robust TWFE 87.8 / 87.8 / 87.6 %; analytic influence function
#: 87.2 / 87.4 / 87.2 %. One model municipality alone (the smallest, 19,000 inhabitants):
#: studentised placebo inference 95.4 / 95.8 / 95.8 % (pre-mean DiD), 95.4 / 95.6 / 95.6 %
#: (att_gt). Randomisation/placebo inference is preferred over the wild bootstrap, which also
#: held for the pooled effect, because it works with the staggered estimators (TWFE mixes
#: already-treated units into the comparison when effects change over time) and for a single
#: treated municipality, where the wild cluster bootstrap is known to fail (MacKinnon & Webb 2017).
DEFAULT_INFERENCE: Literal["randomization"] = "randomization"

#: Point estimator of :func:`evaluation.impact.programme.estimate_programme_effects`: the DiD
#: against the mean of all pre-programme years. Same simulation: RMSE 0.39 (pooled) and 1.31
#: (smallest municipality alone) against 0.52 and 1.80 for the Callaway & Sant'Anna ATT, which
#: compares with the single year before the start; bias within simulation error for both.
#: It needs parallel trends over the whole pre-period (check with the event study).
DEFAULT_ESTIMATOR: Literal["pre_mean"] = "pre_mean"

#: Webb (2014) six-point weights: +-sqrt(1/2), +-1, +-sqrt(3/2), each with probability 1/6.
WEBB_WEIGHTS = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])


# --------------------------------------------------------------------------------------------
# randomisation inference
# --------------------------------------------------------------------------------------------


def linear_coefficients(g: np.ndarray, times: np.ndarray, control: Control, aggregation: Aggregation,
                        base_period: str = "varying"):
    """Coefficients C (groups x periods) with estimate = sum_i Y_i . C[G_i].

    Without covariates each ATT(g, t) is a difference of group means of long differences, and
    the aggregations are fixed weighted sums, so the aggregated estimate is linear in the
    outcomes with coefficients that depend only on the group sizes. Returns (C, plan).
    """
    plan = build_plan(g, times, control, base_period)
    a, _ = aggregation_weights(plan, aggregation)
    return coefficients_from_weights(plan, a, len(times)), plan


def coefficients_from_weights(plan, a: np.ndarray, n_times: int) -> np.ndarray:
    """Coefficients C (groups x periods) of the estimate ``a @ att`` over the cells of ``plan``."""
    times = np.arange(n_times)
    n_groups = len(plan.group_values)
    C = np.zeros((n_groups, len(times)))
    counts = plan.group_counts.astype(float)
    gi = np.searchsorted(plan.group_values, plan.group)
    for k in np.nonzero(a)[0]:
        w = a[k]
        t, b = plan.t_idx[k], plan.b_idx[k]
        C[gi[k], t] += w / counts[gi[k]]
        C[gi[k], b] -= w / counts[gi[k]]
        cm = plan.controls[k]
        n_c = counts[cm].sum()
        C[cm, t] -= w / n_c
        C[cm, b] += w / n_c
    return C


def pre_mean_coefficients(g: np.ndarray, times: np.ndarray):
    """Coefficients C of the difference-in-differences against the pre-period mean.

    For each start group g: (mean over t >= g minus mean over t < g of the group's mean outcome)
    minus the same difference for the never-treated units, aggregated with weights proportional
    to the group's treated unit-years (so every treated unit-year counts once, like the simple
    ATT). With one treated unit this is the two-way fixed-effects estimate; using all
    pre-periods instead of the single year before the start makes it much less noisy when the
    errors are not a random walk. Needs parallel trends over the whole pre-period.
    Returns (C, group_values, group_counts).
    """
    valid = ~np.isnan(g)
    gv, counts = np.unique(g[valid], return_counts=True)
    if 0 not in gv:
        raise EstimationError("no never-treated comparison units")
    C = np.zeros((len(gv), len(times)))
    tr = np.nonzero(gv > 0)[0]
    if len(tr) == 0:
        raise EstimationError("no treated unit with a pre-period in the panel")
    units_years = np.array([counts[j] * (times >= gv[j]).sum() for j in tr], dtype=float)
    a = units_years / units_years.sum()
    n0 = float(counts[0])
    for w, j in zip(a, tr):
        post = times >= gv[j]
        pre = ~post
        C[j, post] += w / (counts[j] * post.sum())
        C[j, pre] -= w / (counts[j] * pre.sum())
        C[0, post] -= w / (n0 * post.sum())
        C[0, pre] += w / (n0 * pre.sum())
    return C, gv, counts


def count_assignments(n_units: int, label_counts: list[int]) -> int:
    """Number of distinct assignments of the treated labels to ``n_units`` units: the
    multinomial coefficient n! / (n_0! n_1! ...), with ``label_counts`` the number of units per
    treated label (the rest, n_0, untreated)."""
    n_tr = int(sum(label_counts))
    total = math.comb(n_units, n_tr)
    rest = n_tr
    for c in label_counts:
        total *= math.comb(rest, int(c))
        rest -= int(c)
    return total


def _count(n: int) -> str:
    """A count of assignments in words: exact up to 10^9, else its order of magnitude."""
    return str(n) if n < 10**9 else f"about 10^{int(math.log10(n))}"


def _assignments(N: int, treated_labels: np.ndarray, draws: int, rng: np.random.Generator
                 ) -> tuple[np.ndarray, np.ndarray, bool]:
    """Unit indices (draws x n_tr) and the labels they get: every distinct assignment when there
    are at most ``draws`` of them (``exact=True``), else ``draws`` random ones."""
    n_tr = len(treated_labels)
    _, counts = np.unique(treated_labels, return_counts=True)
    M = count_assignments(N, counts.tolist())
    if M <= draws:
        label_orders = sorted(set(itertools.permutations(treated_labels.tolist())))
        sel, lab = [], []
        for units in itertools.combinations(range(N), n_tr):
            for order in label_orders:
                sel.append(units)
                lab.append(order)
        return np.array(sel, dtype=np.int64).reshape(-1, n_tr), np.array(lab).reshape(-1, n_tr), True
    if n_tr * 4 < N:
        keys = rng.random((draws, N))
        sel_r = np.argpartition(keys, n_tr - 1, axis=1)[:, :n_tr]
    else:
        sel_r = np.argsort(rng.random((draws, N)), axis=1)[:, :n_tr]
    labels = treated_labels[np.argsort(rng.random((draws, n_tr)), axis=1)]
    return sel_r, labels, False


def _permuted_estimates(H: np.ndarray, gidx: np.ndarray, draws: int, rng: np.random.Generator,
                        chunk: int = 100, return_exact: bool = False):
    """Estimates for the re-assignments of the observed group labels.

    ``H`` is (units x groups x k): the contribution of unit i if it belonged to group j (for k
    outcome matrices at once). Each assignment picks as many units as are treated and gives them
    the observed first-treatment groups. When the distinct assignments number at most ``draws``
    they are enumerated exactly (the observed one among them); otherwise ``draws`` random ones
    are drawn. Returns assignments x k estimates (and, with ``return_exact``, whether exact).
    """
    treated_labels = gidx[gidx > 0]
    n_tr = len(treated_labels)
    base = H[:, 0, :].sum(axis=0)
    N = H.shape[0]
    if n_tr > N:
        raise EstimationError(f"randomization inference: {n_tr} treated units but only {N} candidate units")
    sel_all, lab_all, exact = _assignments(N, treated_labels, draws, rng)
    out = np.empty((len(sel_all), H.shape[2]))
    for start in range(0, len(sel_all), chunk):
        sel, labels = sel_all[start : start + chunk], lab_all[start : start + chunk]
        delta = H[sel, labels, :] - H[sel, 0, :]
        out[start : start + len(sel)] = base + delta.sum(axis=1)
    return (out, exact) if return_exact else out


def _ri_pvalue(est: float, a_obs: float, perm: np.ndarray, q: np.ndarray, tau: np.ndarray,
               exact: bool = False) -> np.ndarray:
    """Two-sided randomisation p-values of H0: effect = tau (vector).

    With random draws the observed assignment is counted once more, (1 + #{|T*| >= |T|}) / (1 + B);
    with exact enumeration (the observed assignment among the M) it is #{|T*| >= |T|} / M. Either
    way p >= 1 / (number of distinct assignments)."""
    obs = np.abs(est - tau * a_obs)  # len(tau)
    stat = np.abs(perm[None, :] - tau[:, None] * q[None, :])  # len(tau) x draws
    tol = 1e-12 * (1 + obs[:, None])
    hits = (stat >= obs[:, None] - tol).sum(axis=1)
    if exact:
        return np.maximum(hits, 1) / perm.shape[0]
    return (1 + hits) / (1 + perm.shape[0])


def _invert(pfun, est: float, scale: float, alpha: float) -> tuple[float, float]:
    """Confidence set {tau: p(tau) > alpha} as an interval (grid, then bisection at the edges)."""
    if not np.isfinite(scale) or scale <= 0:
        scale = max(abs(est), 1.0) * 1e-3
    width = 12.0 * scale
    grid = np.linspace(est - width, est + width, 2401)
    p = pfun(grid)
    acc = p > alpha
    if not acc.any():
        return est, est
    i_lo, i_hi = np.nonzero(acc)[0][[0, -1]]
    lo = -np.inf if i_lo == 0 else _bisect(pfun, grid[i_lo - 1], grid[i_lo], alpha)
    hi = np.inf if i_hi == len(grid) - 1 else _bisect(pfun, grid[i_hi + 1], grid[i_hi], alpha)
    return float(lo), float(hi)


def _bisect(pfun, rejected: float, accepted: float, alpha: float, iters: int = 40) -> float:
    for _ in range(iters):
        mid = 0.5 * (rejected + accepted)
        if pfun(np.array([mid]))[0] > alpha:
            accepted = mid
        else:
            rejected = mid
    return accepted


def _studentized_placebos(y: np.ndarray, g: np.ndarray, times: np.ndarray, C: np.ndarray, gidx: np.ndarray,
                          min_pre: int = 3):
    """Per treated unit: its contribution to the estimate, its pre-period noise scale, and the
    placebo contributions and scales of every never-treated unit given the same start.

    With never-treated comparison units every estimator here is ``sum_i c_i . (y_i - ybar_C)``
    over the treated units i (``c_i`` = row ``C[G_i]``). For treated unit i the scale ``s_i`` is
    the standard deviation of its pre-period gap to the comparison mean (the periods before its
    own start); for comparison unit j given i's start, the placebo contribution is
    ``c_i . (y_j - ybar_{C without j})`` and its scale ``s_j(i)`` likewise against the others.
    Returns (contrib (n_tr,), D-contrib (n_tr,), scale (n_tr,), P (n_tr x J), S (n_tr x J)).
    """
    ctrl = np.nonzero(gidx == 0)[0]
    tr = np.nonzero(g > 0)[0]
    J = len(ctrl)
    if J < 2:
        raise EstimationError("studentized randomization inference needs at least 2 comparison units")
    Yc = y[ctrl]  # J x T
    sum_c = Yc.sum(axis=0)
    mean_c = sum_c / J
    others = (sum_c[None, :] - Yc) / (J - 1)  # J x T: mean of the other comparison units
    contrib, a_vals, scale, P, S = [], [], [], [], []
    for i in tr:
        c = C[gidx[i]]
        gi = int(np.searchsorted(times, g[i]))
        if gi < min_pre:
            raise EstimationError(
                f"studentized randomization inference needs at least {min_pre} pre-periods per treated unit "
                f"(a treated unit starting in {int(g[i])} has {gi})")
        d_i = (times >= g[i]).astype(float)
        contrib.append(float(c @ (y[i] - mean_c)))
        a_vals.append(float(c @ d_i))
        scale.append(float(np.std(y[i, :gi] - mean_c[:gi], ddof=1)))
        P.append((Yc - others) @ c)
        S.append(np.std((Yc - others)[:, :gi], axis=1, ddof=1))
    return np.array(contrib), np.array(a_vals), np.array(scale), np.vstack(P), np.vstack(S)


def _studentized_inference(y, g, times, C, gidx, draws, rng, alpha):
    """Heteroskedasticity-robust placebo inference for few treated units (see
    :func:`randomization_inference`, ``studentize=True``). Returns a dict of results."""
    contrib, a_vals, scale, P, S = _studentized_placebos(y, g, times, C, gidx)
    est, A = float(contrib.sum()), float(a_vals.sum())
    n_tr, J = P.shape
    notes: list[str] = []
    if (scale <= 1e-12 * (1 + np.abs(y).max())).any():
        raise EstimationError(
            "studentized randomization inference: a treated unit's pre-period gap to the comparison mean "
            "has no variation (exact fit; e.g. a constant outcome), so its noise cannot be estimated")
    ok = (S > 0).all(axis=0)
    if not ok.all():
        notes.append(f"{int((~ok).sum())} comparison unit(s) without pre-period variation left out as placebos")
        P, S = P[:, ok], S[:, ok]
        J = P.shape[1]
    if J < 2:
        raise EstimationError("studentized randomization inference: fewer than 2 usable placebo units")
    # rho_i: spread of the studentised placebo contributions for treated unit i's start; the
    # estimated standard error of the pooled estimate is sqrt(sum_i (rho_i s_i)^2)
    rho = (P / S).std(axis=1, ddof=1)
    se_hat = float(np.sqrt(((rho * scale) ** 2).sum()))
    M = math.perm(J, n_tr)
    exact = M <= draws
    if exact:
        sel = np.array(list(itertools.permutations(range(J), n_tr)), dtype=np.int64).reshape(-1, n_tr)
    else:
        keys = rng.random((draws, J))
        sel = np.argpartition(keys, n_tr - 1, axis=1)[:, :n_tr] if n_tr < J else np.argsort(keys, axis=1)
        # order the chosen units by their random keys: a uniformly random pairing with the treated
        order = np.argsort(np.take_along_axis(keys, sel, axis=1), axis=1)
        sel = np.take_along_axis(sel, order, axis=1)
    rows = np.arange(n_tr)[None, :]
    # studentised pooled statistic of every placebo assignment: the placebo units' contributions
    # over their own estimated standard error (Ferman & Pinto 2019: placebo residuals rescaled by
    # each unit's variance; with one treated unit the post/pre comparison of ADH 2010)
    T_star = P[rows, sel].sum(axis=1) / np.sqrt((((S[rows, sel]) * rho[None, :]) ** 2).sum(axis=1))
    B = len(T_star)
    absT = np.abs(T_star)

    def pfun(tau: np.ndarray) -> np.ndarray:
        obs = np.abs(est - np.asarray(tau, float) * A) / se_hat
        tol = 1e-12 * (1 + obs[:, None])
        return (1 + (absT[None, :] >= obs[:, None] - tol).sum(axis=1)) / (1 + B)

    n_assign = B + 1 if exact else M + 1
    small_pool = n_assign < 1.0 / alpha
    if small_pool:
        from scipy import stats as _st

        half = float(_st.t.ppf(1 - alpha / 2, J - 1) * np.sqrt(1 + 1 / J) * se_hat)
        ci = tuple(sorted(((est - half) / A, (est + half) / A)))
        label = (f"t-based placebo prediction interval, {J} placebo units; p-value from exact randomisation "
                 f"inference, {n_assign} assignments")
        notes.append(
            f"with {J} comparison unit(s) the smallest attainable randomisation p-value is 1/{n_assign} = "
            f"{1 / n_assign:.3f} > alpha = {alpha:g}, so the rank test cannot reject at this level; the interval "
            "is a t-based placebo prediction interval instead (assumes normally distributed studentised "
            "placebo effects), the p-value stays the exact randomisation p-value")
    else:
        q = float(np.quantile(absT, 1 - alpha))
        # the interval inverts the same rank test that gives p (so 0 is outside iff p <= alpha)
        ci = _invert(pfun, est / A, q * se_hat / max(abs(A), 1e-12), alpha)
        label = (f"studentized exact randomisation inference, {n_assign} assignments" if exact else
                 f"studentized randomisation inference, {B} random placebo assignments of {_count(n_assign)}")
    return {"estimate": est / A if A != 0 else est, "A": A, "ci": ci,
            "p": float(pfun(np.array([0.0]))[0]), "pfun": pfun, "se": se_hat / abs(A),
            "label": label, "notes": notes, "draws": B, "exact": exact, "n_assignments": n_assign,
            "distribution": T_star * se_hat, "scale": scale}


def randomization_inference_panel(
    panel: Panel,
    *,
    control: Control = "never",
    aggregation: Aggregation = "simple",
    draws: int = 999,
    seed: int | None = 0,
    alpha: float = 0.05,
    null: float | None = None,
    studentize: bool = False,
    estimator: str = "att_gt",
) -> ImpactResult:
    """:func:`randomization_inference` on a checked wide panel."""
    alpha = check_alpha(alpha)
    if draws < 99:
        raise InputError("randomization inference needs at least 99 draws", found=draws, expected=">= 99")
    if estimator not in ("att_gt", "pre_mean"):
        raise InputError("estimator must be 'att_gt' or 'pre_mean'", found=estimator)
    g, notes = normalise_groups(panel.g, panel.times)
    notes = list(panel.notes) + list(notes)
    keep = ~np.isnan(g)
    y, g = panel.y[keep], g[keep]
    if estimator == "att_gt":
        if studentize and control != "never":
            raise InputError("studentize=True needs control='never' (placebos are drawn from the never-treated units)",
                             found=control, expected="'never'")
        C, plan = linear_coefficients(g, panel.times, control, aggregation)
        group_values, group_counts = plan.group_values, plan.group_counts
        n_c = int(plan.group_counts[plan.controls.any(axis=0)].sum())
        method = f"att_gt {aggregation} aggregation (Callaway & Sant'Anna 2021), control={control}"
    else:
        C, group_values, group_counts = pre_mean_coefficients(g, panel.times)
        n_c = int(group_counts[0])
        method = "difference-in-differences against the pre-period mean, never-treated comparison"
    if n_c == 0:
        raise EstimationError("randomization inference: no comparison units")
    gidx = np.searchsorted(group_values, g)
    n_tr = int((g > 0).sum())
    _check_exact_fit(y, g, panel.times)
    rng = np.random.default_rng(seed)
    if studentize:
        r = _studentized_inference(y, g, panel.times, C, gidx, draws, rng, alpha)
        notes += r["notes"]
        pfun = r["pfun"]
        est = r["estimate"]
        p0, ci, spread, label = r["p"], r["ci"], r["se"], r["label"]
        details = {"draws": r["draws"], "seed": seed, "exact": r["exact"], "n_assignments": r["n_assignments"],
                   "distribution": r["distribution"], "scale": r["scale"], "studentized": True}
        if null is not None:
            details["p_null"] = float(pfun(np.array([float(null)]))[0])
    else:
        D = ((g[:, None] > 0) & (panel.times[None, :] >= g[:, None])).astype(float)
        Y2 = np.stack([y, D], axis=2)  # N x T x 2
        H = np.einsum("ntk,gt->ngk", Y2, C)  # N x groups x 2
        rows = np.arange(len(g))
        est, a_obs = H[rows, gidx, :].sum(axis=0)
        perm_all, exact = _permuted_estimates(H, gidx, draws, rng, return_exact=True)
        perm, q = perm_all[:, 0], perm_all[:, 1]

        def pfun(tau: np.ndarray) -> np.ndarray:
            return _ri_pvalue(est, a_obs, perm, q, np.asarray(tau, float), exact=exact)

        counts = [int(c) for c in np.unique(g[g > 0], return_counts=True)[1]]
        n_assign = count_assignments(len(g), counts)
        p0 = float(pfun(np.array([0.0]))[0])
        spread = float(np.std(perm - est * q, ddof=1))
        ci = _invert(pfun, float(est), spread, alpha)
        label = (f"exact randomisation inference over adoption dates, {n_assign} assignments" if exact else
                 f"randomisation inference over adoption dates, {draws} random draws of {_count(n_assign)} assignments "
                 f"(seed {seed})")
        if n_assign < 1.0 / alpha:
            notes.append(f"only {n_assign} distinct assignments: the smallest attainable p-value is 1/{n_assign} = "
                         f"{1 / n_assign:.3f} > alpha = {alpha:g}, so no effect can be significant at this level "
                         "and the interval is unbounded or very wide")
        if n_tr < len(g) and n_tr > 0:
            notes.append("plain randomisation inference assumes the treated units are as noisy as the comparison "
                         "units; with smaller (noisier) model municipalities use studentize=True")
        details = {"draws": len(perm), "seed": seed, "exact": exact, "n_assignments": n_assign,
                   "distribution": perm - est * q, "studentized": False}
        if null is not None:
            details["p_null"] = float(pfun(np.array([float(null)]))[0])
    details["notes"] = tuple(notes)
    return ImpactResult(
        estimate=float(est),
        se=spread,
        ci=(float(ci[0]), float(ci[1])),
        p=p0,
        n_treated=n_tr,
        n_control=n_c,
        estimator=method,
        inference=label,
        alpha=alpha,
        details=details,
        notes=merge_notes(notes),
    )


def _check_exact_fit(y: np.ndarray, g: np.ndarray, times: np.ndarray) -> None:
    """Refuse an outcome without any variation beyond unit and period effects (e.g. constant):
    every estimate and placebo is then 0 and a test would report a spurious exact result."""
    resid = y - y.mean(axis=1, keepdims=True) - y.mean(axis=0, keepdims=True) + y.mean()
    scale = max(float(np.abs(y).max()), 1.0)
    if float(np.abs(resid).max()) <= 1e-10 * scale:
        raise EstimationError(
            "randomization inference: the outcome has no variation beyond unit and period effects (e.g. it is "
            "constant); every placebo estimate equals the observed one exactly, so there is nothing to test")


def randomization_inference(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    group: str,
    *,
    control: Control = "never",
    aggregation: Aggregation = "simple",
    draws: int = 999,
    seed: int | None = 0,
    alpha: float = 0.05,
    unbalanced: str = "error",
    null: float | None = None,
    studentize: bool = False,
    estimator: str = "att_gt",
) -> ImpactResult:
    """Staggered ATT with randomisation inference over the adoption dates.

    The estimate is ``att_gt(...).aggregate(aggregation).estimate``. Each of ``draws`` draws
    hands the observed first-treatment periods to a random set of units and recomputes it; ``p``
    is the two-sided randomisation p-value for "no effect", ``ci`` the set of constant effects
    not rejected at level ``alpha`` (test inversion), ``se`` the standard deviation of the
    randomisation distribution. ``null`` adds ``details["p_null"]``, the p-value at that value.
    The test is exact when assignment is as good as random across units; it assumes that the
    comparison units' noise is comparable to the treated units' (MacKinnon & Webb 2020).

    ``estimator="pre_mean"`` replaces the Callaway & Sant'Anna estimate (programme years against
    the single year before the start) by the difference-in-differences against the mean of all
    pre-programme years (see :func:`pre_mean_coefficients`), never-treated comparison only.

    ``studentize=True`` (one or several treated units; never-treated comparison only) is the
    heteroskedasticity-robust placebo inference (Ferman & Pinto 2019): every treated unit i's
    contribution to the estimate, ``c_i . (y_i - ybar_C)``, is compared with the studentised
    placebo contributions ``Z_j`` of the comparison units given i's start (each divided by its
    pre-period noise, the SD of its gap to the other comparison units' mean before the start),
    multiplied by i's own pre-period noise ``s_i``: the reference distribution of the estimation
    error is that of ``sum_i s_i Z_{j_i}`` over assignments of distinct placebo units j_i. All
    assignments are enumerated when there are at most ``draws`` of them (one treated unit: the J
    comparison units, J + 1 assignments with the observed one); p = (1 + #{|E*| >= |est|}) /
    (1 + #assignments). This keeps the interval honest when small model municipalities are
    noisier than the pool (simulation: 94-96 % coverage with 1-3x noise). With too few
    assignments for the rank test to reject at ``alpha`` (one treated unit and fewer than
    1/alpha - 1 comparison units, e.g. 7 or 12) the interval is the placebo prediction interval
    with a t(J-1) quantile, the p-value stays the exact rank p-value, and ``inference`` and
    ``notes`` say so. Needs at least 3 pre-periods per treated unit.

    >>> from evaluation.impact.simulate import simulate_panel
    >>> sim = simulate_panel(seed=1, effect=2.0)
    >>> r = randomization_inference(sim.data, "y", "unit", "year", "first_treat", draws=199)
    >>> r.covers(2.0)
    True
    """
    panel = wide_panel(df, outcome, unit, time, group, unbalanced=unbalanced, what="randomization_inference")
    return randomization_inference_panel(panel, control=control, aggregation=aggregation, draws=draws,
                                         seed=seed, alpha=alpha, null=null, studentize=studentize,
                                         estimator=estimator)


# --------------------------------------------------------------------------------------------
# wild cluster bootstrap
# --------------------------------------------------------------------------------------------


def _two_way_demean(x: np.ndarray) -> np.ndarray:
    return x - x.mean(axis=1, keepdims=True) - x.mean(axis=0, keepdims=True) + x.mean()


class _WildBootstrap:
    """Restricted wild cluster bootstrap-t for tau in the balanced TWFE model (vectorised)."""

    def __init__(self, y: np.ndarray, D: np.ndarray, draws: int, seed: int | None, weights: str):
        self.N, self.T = y.shape
        self.yt = _two_way_demean(y)
        self.Dt = _two_way_demean(D)
        self.sdd = float((self.Dt**2).sum())
        if self.sdd <= 0:
            raise EstimationError("wild cluster bootstrap: the treatment has no variation after fixed effects")
        self.tau = float((self.Dt * self.yt).sum() / self.sdd)
        G, n, k = self.N, self.N * self.T, self.T
        self.c = G / (G - 1) * (n - 1) / (n - k)
        rng = np.random.default_rng(seed)
        if weights == "webb":
            self.W = WEBB_WEIGHTS[rng.integers(0, 6, size=(draws, G))]
        elif weights == "rademacher":
            self.W = rng.choice([-1.0, 1.0], size=(draws, G))
        else:
            raise InputError("weights must be 'webb' or 'rademacher'", found=weights)
        self.dd = (self.Dt**2).sum(axis=1)
        resid = self.yt - self.tau * self.Dt
        self.se = float(np.sqrt(self.c * ((self.Dt * resid).sum(axis=1) ** 2).sum()) / self.sdd)

    def pvalue(self, tau0: float) -> float:
        t_obs = (self.tau - tau0) / self.se
        ur = self.yt - tau0 * self.Dt
        base = (self.Dt * ur).sum(axis=1)  # N
        delta = self.W @ base / self.sdd  # B
        m = self.W @ ur / self.N  # B x T
        scores = self.W * base[None, :] - m @ self.Dt.T - delta[:, None] * self.dd[None, :]
        se_b = np.sqrt(self.c * (scores**2).sum(axis=1)) / self.sdd
        t_b = delta / se_b
        return float((1 + (np.abs(t_b) >= abs(t_obs)).sum()) / (1 + len(t_b)))


def wild_cluster_bootstrap(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    treated: str,
    *,
    draws: int = 999,
    seed: int | None = 0,
    weights: str = "webb",
    alpha: float = 0.05,
    null: float | None = None,
    unbalanced: str = "error",
    interval: bool = True,
) -> ImpactResult:
    """TWFE estimate with the restricted wild cluster bootstrap-t (clusters = units).

    ``treated`` is the 0/1 programme indicator per unit and period (absorbing). The bootstrap
    imposes the null when generating the samples (WCR; Cameron, Gelbach & Miller 2008), draws
    Webb (2014) six-point weights per unit, and compares the cluster-robust t statistic with its
    bootstrap distribution; ``ci`` inverts the test by bisection. ``se`` is the conventional
    cluster-robust standard error. Needs a balanced panel. ``interval=False`` skips the
    inversion (faster; ``ci`` is then NaN) - useful in simulations, where coverage equals
    the share of non-rejections of the true value (``null``, ``details["p_null"]``).
    """
    alpha = check_alpha(alpha)
    panel = wide_panel(df, outcome, unit, time, treated=treated, unbalanced=unbalanced, what="wild_cluster_bootstrap")
    g = panel.g
    if (g > 0).sum() == 0:
        raise EstimationError("wild cluster bootstrap: no treated unit")
    if (g == 0).sum() == 0:
        raise EstimationError("wild cluster bootstrap: no comparison units (all units are treated at some point)")
    if ((g > 0) & (g <= panel.times[0])).any():
        raise EstimationError("wild cluster bootstrap: a treated unit has no pre-period (treated from the first period)")
    D = ((g[:, None] > 0) & (panel.times[None, :] >= g[:, None])).astype(float)
    wb = _WildBootstrap(panel.y, D, draws, seed, weights)
    p0 = wb.pvalue(0.0)
    ci = (float("nan"), float("nan"))
    if interval:
        ci = (_search_bound(wb, -1, alpha), _search_bound(wb, +1, alpha))
    details: dict[str, Any] = {"draws": draws, "seed": seed, "weights": weights, "notes": panel.notes}
    if null is not None:
        details["p_null"] = wb.pvalue(float(null))
    n_tr = int((g > 0).sum())
    notes = list(panel.notes)
    few = n_tr < MIN_TREATED_WILD
    if few:
        notes.append(
            f"wild cluster bootstrap with {n_tr} treated cluster(s): with fewer than {MIN_TREATED_WILD} treated "
            "clusters the restricted wild bootstrap is not informative (its interval is extremely wide or "
            "unbounded; MacKinnon & Webb 2017) and must not be the headline interval; use studentized "
            "randomisation inference")
    return ImpactResult(
        estimate=wb.tau,
        se=wb.se,
        ci=ci,
        p=p0,
        n_treated=n_tr,
        n_control=int((g == 0).sum()),
        estimator="twfe (two-way fixed effects)",
        inference=f"wild cluster bootstrap-t, restricted, {weights} weights ({draws} draws, seed {seed})",
        alpha=alpha,
        details=details,
        notes=merge_notes(notes),
        headline_ok=not few,
    )


def _search_bound(wb: _WildBootstrap, side: int, alpha: float) -> float:
    step = 2.0 * wb.se if wb.se > 0 else 1.0
    inner = wb.tau
    outer = wb.tau + side * step
    for _ in range(30):
        if wb.pvalue(outer) <= alpha:
            break
        inner, outer = outer, wb.tau + side * (abs(outer - wb.tau) * 2)
    else:
        return side * np.inf
    for _ in range(30):
        mid = 0.5 * (inner + outer)
        if wb.pvalue(mid) > alpha:
            inner = mid
        else:
            outer = mid
    return float(inner)


def conventional_ci(estimate: float, se: float, dof: int, alpha: float = 0.05) -> tuple[float, float]:
    """t interval, for comparison in the simulation."""
    return t_ci(estimate, se, dof, check_alpha(alpha))[0]
