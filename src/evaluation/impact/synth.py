"""Synthetic control for one model municipality (Abadie, Diamond & Hainmueller 2010).

The synthetic municipality is the convex combination of comparison municipalities (weights
``w >= 0``, ``sum w = 1``) that best reproduces the treated one before the programme start:

    w* = argmin (X1 - X0 w)' V (X1 - X0 w)  on the simplex,

where X stacks the pre-period outcomes (every pre-period year) and, optionally, the pre-period
means of predictor columns, each row standardised by its spread across units. ``V`` is
diagonal: equal weights by default, or (``v="optimize"``) chosen to minimise the pre-period
outcome MSPE of the resulting synthetic control (the nested optimisation of ADH 2010). The
weights are found from several starting points: scipy's non-negative least squares (sum
constraint as a heavily weighted extra row), then accelerated projected-gradient runs (written
here because they are vectorised over starts and fast for 100+ donors, where SLSQP takes
seconds) from that solution, uniform weights, the closest single donor and random Dirichlet
draws, with an SLSQP polish for small donor pools; the best is kept, so the result does not
hinge on one start.

Inference is by in-space placebos: every comparison municipality in turn is treated as if it
had started the programme (donor pool: the other comparison municipalities; the model
municipality is never a donor), and ``placebo_p`` is the rank of the model municipality's
post/pre RMSPE ratio among all ratios, (1 + #{placebo ratio >= own}) / (1 + #placebos). The
interval ``ci`` inverts that test for a constant effect (Firpo & Possebom 2018): the weights
depend only on the pre-period, so subtracting ``tau`` from the post-period outcomes of the model
municipality shifts its post gaps by ``-tau`` and leaves the placebos unchanged.

Limitation: with many more donors than pre-periods (e.g. 125 comparison municipalities and five
years before a 2017 start) the synthetic unit can match the pre-period exactly (pre RMSPE 0).
The post/pre ratio then only says that the post-period gap is not zero, and the placebo p-value
and interval are not informative; ``SynthResult.perfect_fit`` flags it (pre-period RMSPE below
:data:`PERFECT_FIT_RATIO` times the pool's noise level), ``notes`` and
:meth:`SynthResult.caveats` say so, and ``sign_agrees`` checks the sign against a main estimate.

``v="optimize"`` is checked on a simulated panel with a known optimum (pre-RMSPE 0 at weights
0.7 / 0.3, decoy predictors that equal V cannot ignore; tests/impact/test_impact_small_pools.py):
the ADH Basque data are not shipped because no copy with a licence that allows it is available
(R ``Synth`` is GPL; the pysyncon wheel does not include the data). Prefer fewer, similar
donors (``pool``), predictors with an optimised ``V``, or the difference-in-differences with
randomisation inference (:mod:`evaluation.impact.programme`).

Why the weights are optimised here instead of with a package: no maintained Python package
offers ADH's estimator with placebo inference on a plain data frame; the simplex-constrained
least-squares problem is small and scipy solves it directly.

Example
-------
>>> from evaluation.impact.simulate import simulate_panel
>>> sim = simulate_panel(n_units=40, seed=2, effect=3.0)
>>> res = synthetic_control(sim.data, "y", "unit", "year", "t1", 2017)
>>> float(round(res.weights.sum(), 6))
1.0
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize

from evaluation.errors import EstimationError, InputError
from evaluation.impact._panel import check_ids, numeric_column, require_columns
from evaluation.impact.results import SYNTH_ASSUMPTIONS, IntervalMixin, assumption_texts
from evaluation.results import ResultMixin, check_alpha, merge_notes


#: A synthetic control whose pre-period RMSPE is below this share of the idiosyncratic noise
#: level of the pool (see :attr:`SynthResult.noise_scale`) fits the noise, not the structure:
#: flagged as a perfect pre-fit / overfit (Abadie 2021, J. Econ. Lit. 59(2), Sec. 7: a close
#: pre-fit is only reassuring when it is not achieved by interpolating noise with many donors).
PERFECT_FIT_RATIO: float = 0.1

#: pre-period RMSPE above this multiple of the noise level: a poor fit
POOR_FIT_RATIO: float = 2.0


@dataclass(frozen=True, eq=False)
class SynthResult(IntervalMixin, ResultMixin):
    """Synthetic-control fit for one treated unit (the result interface of :mod:`evaluation.results`).

    weights: donor -> weight (non-negative, sum 1), sorted descending.
    gap: period -> treated minus synthetic outcome (pre and post).
    synthetic: period -> synthetic outcome.
    pre_rmspe, post_rmspe: root mean squared gap before / from the start.
    att (= estimate): mean post-period gap, in outcome units.
    placebo_p (= p, p_value): rank p-value of the post/pre RMSPE ratio among in-space placebos,
        never below 1 / (1 + number of placebos).
    ci: constant effects not rejected by the placebo test at level alpha (Firpo & Possebom 2018).
    se: standard deviation of the placebos' mean post gaps (a descriptive spread, not a model SE).
    placebos: one row per placebo unit (unit, pre_rmspe, post_rmspe, ratio, att).
    v: the diagonal of V (predictor importances) used.
    noise_scale: the pool's idiosyncratic noise level (median over units of the SD of the
        year-to-year changes of their gap to the cross-sectional mean, / sqrt 2).
    notes: dropped donors, exact or poor fits, too few placebos.
    """

    treated_unit: str
    treatment_time: int
    weights: pd.Series
    gap: pd.Series
    synthetic: pd.Series
    pre_rmspe: float
    post_rmspe: float
    att: float
    placebo_p: float
    ci: tuple[float, float]
    se: float
    placebos: pd.DataFrame
    v: pd.Series
    n_control: int
    alpha: float = 0.05
    estimator: str = "synthetic control (Abadie, Diamond & Hainmueller 2010)"
    inference: str = "in-space placebos, rank of post/pre RMSPE ratio"
    assumptions: tuple[str, ...] = field(default_factory=lambda: assumption_texts(SYNTH_ASSUMPTIONS))
    noise_scale: float = float("nan")
    notes: tuple[str, ...] = ()
    v_loss: float = float("nan")

    @property
    def method(self) -> str:
        return f"{self.estimator}; {self.inference}"

    @property
    def estimate(self) -> float:
        return self.att

    @property
    def p(self) -> float:
        return self.placebo_p

    @property
    def p_value(self) -> float:
        return self.placebo_p

    @property
    def n_treated(self) -> int:
        return 1

    @property
    def n(self) -> int:
        return 1 + int(self.n_control)

    @property
    def fit_ratio(self) -> float:
        """Pre-period RMSPE relative to the pool's noise level (NaN when that is 0)."""
        return float(self.pre_rmspe / self.noise_scale) if self.noise_scale > 0 else float("nan")

    @property
    def perfect_fit(self) -> bool:
        """True when the pre-period fit is (near) exact relative to the outcome's noise: the
        synthetic unit interpolates noise (overfit), the placebo test says little."""
        if not np.isfinite(self.noise_scale) or self.noise_scale <= 0:
            return bool(self.pre_rmspe <= 1e-9)
        return bool(self.pre_rmspe < PERFECT_FIT_RATIO * self.noise_scale)

    @property
    def poor_fit(self) -> bool:
        """True when the pre-period RMSPE exceeds :data:`POOR_FIT_RATIO` times the noise level."""
        return bool(np.isfinite(self.noise_scale) and self.noise_scale > 0
                    and self.pre_rmspe > POOR_FIT_RATIO * self.noise_scale)

    def sign_agrees(self, estimate: float, tol: float | None = None) -> bool | None:
        """Whether the synthetic-control effect has the sign of ``estimate`` (e.g. the main DiD).

        None when either is within ``tol`` of 0 (default: 1 % of the noise level), where a sign
        is not meaningful."""
        tol = 0.01 * self.noise_scale if tol is None and np.isfinite(self.noise_scale) else (tol or 0.0)
        if abs(self.att) <= tol or abs(float(estimate)) <= tol:
            return None
        return bool(np.sign(self.att) == np.sign(float(estimate)))

    def caveats(self, poor_fit_ratio: float = 0.5) -> tuple[str, ...]:
        """German sentences for the report: the placebo inference, and a poor-fit warning when
        the pre-period RMSPE exceeds ``poor_fit_ratio`` times the spread of the treated unit's
        pre-period outcomes, or an exact-fit warning for a perfect pre-fit."""
        from evaluation.texts import text

        out = [text("impact", "inference.placebo")]
        pre = self.gap.index < self.treatment_time
        spread = float((self.gap[pre] + self.synthetic[pre]).std())
        if (spread > 0 and self.pre_rmspe > poor_fit_ratio * spread) or self.poor_fit:
            out.append(text("impact", "caveats.poor_fit", rmspe=f"{self.pre_rmspe:.3g}".replace(".", ",")))
        if self.perfect_fit:
            out.append(text("impact", "caveats.exact_fit"))
        return tuple(out)

    def summary_frame(self) -> pd.DataFrame:
        """One row: the result columns, then treated_unit, treatment_time, pre_rmspe, post_rmspe,
        noise_scale, perfect_fit, poor_fit, n_donors_weighted, n_control."""
        row = self._result_row()
        row.update({
            "treated_unit": self.treated_unit, "treatment_time": self.treatment_time,
            "pre_rmspe": self.pre_rmspe, "post_rmspe": self.post_rmspe, "noise_scale": self.noise_scale,
            "perfect_fit": self.perfect_fit, "poor_fit": self.poor_fit,
            "n_donors_weighted": int((self.weights > 1e-3).sum()), "n_control": self.n_control,
        })
        return pd.DataFrame([row])


def noise_level(Y: np.ndarray) -> float:
    """Idiosyncratic noise of a (periods x units) block: the median over units of the SD of the
    year-to-year changes of each unit's gap to the cross-sectional mean, divided by sqrt(2)
    (for white noise the SD of a difference is sqrt 2 times the noise SD)."""
    if Y.shape[0] < 3 or Y.shape[1] < 2:
        return float("nan")
    gaps = Y - Y.mean(axis=1, keepdims=True)
    d = np.diff(gaps, axis=0)
    return float(np.median(d.std(axis=0, ddof=1)) / np.sqrt(2.0))


def _nnls_simplex(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Simplex-constrained least squares via NNLS with the sum constraint as a heavy extra row."""
    J = A.shape[1]
    scale = max(float(np.abs(A).max()), float(np.abs(b).max()), 1.0)
    big = 1e3 * scale
    w, _ = optimize.nnls(np.vstack([A, np.full((1, J), big)]), np.concatenate([b, [big]]), maxiter=50 * J)
    s = w.sum()
    return w / s if s > 0 else np.full(J, 1.0 / J)


def _project_simplex(V: np.ndarray) -> np.ndarray:
    """Euclidean projection of each column of V onto the probability simplex (Duchi et al. 2008)."""
    J = V.shape[0]
    U = -np.sort(-V, axis=0)
    css = np.cumsum(U, axis=0) - 1.0
    idx = np.arange(1, J + 1)[:, None]
    cond = U - css / idx > 0
    rho = J - 1 - np.argmax(cond[::-1], axis=0)
    theta = css[rho, np.arange(V.shape[1])] / (rho + 1)
    return np.maximum(V - theta[None, :], 0.0)


def _projected_gradient(AtA: np.ndarray, Atb: np.ndarray, W0: np.ndarray, iters: int = 3000,
                        tol: float = 1e-12) -> np.ndarray:
    """Accelerated projected gradient (FISTA, Beck & Teboulle 2009) on the simplex, one column per start."""
    L = 2.0 * float(np.linalg.eigvalsh(AtA)[-1]) + 1e-12
    W, Z, t = W0.copy(), W0.copy(), 1.0
    for _ in range(iters):
        G = 2.0 * (AtA @ Z - Atb[:, None])
        W_new = _project_simplex(Z - G / L)
        t_new = 0.5 * (1 + np.sqrt(1 + 4 * t * t))
        Z = W_new + ((t - 1) / t_new) * (W_new - W)
        if np.abs(W_new - W).max() < tol:
            W = W_new
            break
        W, t = W_new, t_new
    return W


def simplex_weights(x1: np.ndarray, X0: np.ndarray, v: np.ndarray | None = None, starts: int = 3,
                    seed: int = 0, polish: bool = True) -> tuple[np.ndarray, float]:
    """argmin_w (x1 - X0 w)' diag(v) (x1 - X0 w) over the simplex; best of several solutions.

    x1: (k,) treated characteristics; X0: (k, J) donors. Candidates: the NNLS solution (the sum
    constraint as a heavily weighted extra row) and, with ``polish``, accelerated projected
    gradient runs started from it, from uniform weights, from the nearest single donor and from
    ``starts - 3`` random Dirichlet draws (SLSQP polishes the best when there are at most 40
    donors; for more, SLSQP's dense subproblems are too slow). The candidate with the smallest
    loss is kept. Returns (w, loss).
    """
    k, J = X0.shape
    vv = np.ones(k) if v is None else np.asarray(v, float)
    if J == 1:
        w = np.ones(1)
        r = x1 - X0 @ w
        return w, float(r @ (vv * r))
    A = X0 * np.sqrt(vv)[:, None]
    b = x1 * np.sqrt(vv)
    AtA, Atb, btb = A.T @ A, A.T @ b, b @ b

    def f(w):
        return float(w @ AtA @ w - 2 * Atb @ w + btb)

    def grad(w):
        return 2 * (AtA @ w - Atb)

    w_nnls = _nnls_simplex(A, b)
    best_w, best_f = w_nnls, f(w_nnls)
    if not polish:
        return best_w, max(best_f, 0.0)
    rng = np.random.default_rng(seed)
    single = np.zeros(J)
    single[np.argmin(((A - b[:, None]) ** 2).sum(axis=0))] = 1.0
    inits = [w_nnls, np.full(J, 1.0 / J), single]
    inits += [rng.dirichlet(np.ones(J)) for _ in range(max(starts - 3, 0))]
    W0 = np.column_stack(inits[: max(starts, 1)])
    W = _projected_gradient(AtA, Atb, W0)
    for j in range(W.shape[1]):
        fw = f(W[:, j])
        if fw < best_f:
            best_w, best_f = W[:, j], fw
    if J <= 40:  # small problems: also let SLSQP polish the best solution
        cons = ({"type": "eq", "fun": lambda w: w.sum() - 1.0, "jac": lambda w: np.ones_like(w)},)
        sol = optimize.minimize(f, best_w, jac=grad, method="SLSQP", bounds=[(0.0, 1.0)] * J,
                                constraints=cons, options={"maxiter": 300, "ftol": 1e-12})
        w = np.clip(sol.x, 0, None)
        if w.sum() > 0 and f(w / w.sum()) < best_f:
            best_w, best_f = w / w.sum(), f(w / w.sum())
    return best_w, max(best_f, 0.0)


def _fit(y1: np.ndarray, Y0: np.ndarray, pre: np.ndarray, P1: np.ndarray | None, P0: np.ndarray | None,
         v: np.ndarray | None, starts: int, seed: int) -> np.ndarray:
    x1 = y1[pre]
    X0 = Y0[pre]
    if P1 is not None:
        x1 = np.concatenate([x1, P1])
        X0 = np.vstack([X0, P0])
    w, _ = simplex_weights(x1, X0, v, starts=starts, seed=seed)
    return w


def _standardise(X: np.ndarray) -> np.ndarray:
    """Rows standardised by their spread across units (columns), as in ADH's Synth."""
    sd = X.std(axis=1, keepdims=True)
    sd[sd == 0] = 1.0
    return X / sd


def synthetic_control(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    treated_unit,
    treatment_time: int,
    *,
    predictors: list[str] | None = None,
    v: str = "equal",
    pool: list | None = None,
    placebos: bool = True,
    starts: int = 3,
    seed: int = 0,
    alpha: float = 0.05,
    end_time: int | None = None,
    placebo_polish: bool = False,
    outcome_periods: str | list | None = "all",
    v_starts: int = 8,
) -> SynthResult:
    """Synthetic control for ``treated_unit`` whose programme started in ``treatment_time``.

    Parameters
    ----------
    df: long panel; comparison units (``pool``, default: every other unit) must be observed in
        every period (units with gaps are dropped from the pool, said in ``notes``).
    treatment_time: the first programme period, a whole period of the panel.
    predictors: optional columns whose pre-period means enter X besides the pre-period outcomes.
    v: ``"equal"`` (all rows of X weigh the same) or ``"optimize"``: the diagonal V that
        minimises the pre-period outcome MSPE of the resulting synthetic control (the nested
        optimisation of Abadie & Gardeazabal 2003 / ADH 2010), searched from ``v_starts``
        starting points (equal weights, each row alone, outcome rows only, random draws) with
        Nelder-Mead steps of order one in log-V and a Powell polish; the best V is kept. The
        placebos reuse that V.
    pool: donor units; never includes the treated unit. Other model municipalities must be left
        out by the caller (their outcomes carry their own effects).
    starts: number of starts for the model municipality's weights (NNLS solution, uniform,
        nearest donor, then random Dirichlet draws); the best solution is kept.
    alpha: significance level of the placebo interval (0 < alpha < 0.5).
    placebo_polish: also polish the placebo fits with SLSQP (slower; NNLS alone solves the
        convex problem to high accuracy).
    end_time: last period used (default: all).
    outcome_periods: pre-period outcomes that enter X as rows: ``"all"`` (default), a list of
        periods, or None (predictors only, as in ADH's published specifications).
    """
    alpha = check_alpha(alpha)
    cols = [outcome, unit, time] + list(predictors or [])
    require_columns(df, cols, "synthetic_control")
    check_ids(df, unit, "synthetic_control")
    if v not in ("equal", "optimize"):
        raise InputError("v must be 'equal' or 'optimize'", found=v)
    try:
        tt = float(treatment_time)
    except (TypeError, ValueError):
        raise InputError("synthetic_control: treatment_time must be a period (a whole number)",
                         found=treatment_time, expected="e.g. 2017") from None
    if not np.isfinite(tt) or tt != round(tt):
        raise InputError("synthetic_control: treatment_time must be a whole period", found=treatment_time,
                         expected="e.g. 2017, not 2013.5")
    treatment_time = int(tt)
    if outcome_periods is None and not predictors:
        raise InputError("synthetic_control: outcome_periods=None needs predictors", expected="predictors=[...]")
    data = df[cols].copy()
    data[outcome] = numeric_column(data, outcome, "synthetic_control")
    tvals = numeric_column(data, time, "synthetic_control")
    if np.isnan(tvals).any() or not np.all(tvals == np.round(tvals)):
        raise InputError("synthetic_control: periods must be whole numbers", column=time, expected="integers")
    data[time] = tvals.astype(np.int64)
    for c in predictors or []:
        data[c] = numeric_column(data, c, "synthetic_control")
    if end_time is not None:
        data = data[data[time] <= end_time]
    if data.duplicated([unit, time]).any():
        raise InputError("synthetic_control: a unit is observed more than once in a period", column=unit,
                         expected="one row per unit and period")
    wide = data.pivot(index=unit, columns=time, values=outcome).sort_index(axis=1)
    if treated_unit not in wide.index:
        raise InputError("synthetic_control: treated unit not in the table", column=unit, found=treated_unit)
    times = wide.columns.to_numpy()
    if treatment_time not in set(times.tolist()):
        raise InputError("synthetic_control: treatment_time is not one of the panel's periods",
                         found=treatment_time, expected=f"one of {times.tolist()}")
    pre = times < treatment_time
    if pre.sum() < 2:
        raise EstimationError(
            f"synthetic_control: unit {treated_unit!r} has {int(pre.sum())} period(s) before the start "
            f"{treatment_time}; at least 2 pre-periods are needed"
        )
    if (~pre).sum() == 0:
        raise EstimationError(f"synthetic_control: no period from the start {treatment_time} on")
    y1 = wide.loc[treated_unit].to_numpy(float)
    if np.isnan(y1).any():
        raise InputError(f"synthetic_control: the treated unit {treated_unit!r} lacks the outcome in some period",
                         column=outcome, expected="a complete series for the treated unit")
    donors = [u for u in (pool if pool is not None else wide.index) if u != treated_unit]
    missing = [u for u in donors if u not in wide.index]
    if missing:
        raise InputError("synthetic_control: pool units not in the table", found=missing[:5])
    notes: list[str] = []
    donor_wide = wide.loc[donors]
    complete = ~donor_wide.isna().any(axis=1)
    if not complete.all():
        gone = donor_wide.index[~complete].tolist()
        notes.append(f"{len(gone)} donor(s) with missing periods left out of the pool: "
                     f"{', '.join(map(str, gone[:10]))}{' ...' if len(gone) > 10 else ''}")
    donor_wide = donor_wide[complete]
    if len(donor_wide) == 0:
        raise EstimationError("synthetic_control: no comparison unit with a complete series")
    Y0 = donor_wide.to_numpy(float).T  # T x J
    names = donor_wide.index.to_numpy()
    all_pre = np.column_stack([y1, Y0])[pre]
    if float(np.ptp(all_pre)) == 0.0:
        notes.append("the outcome is constant before the start in every unit: any weights fit exactly, the "
                     "synthetic control and its placebo test carry no information")

    # predictors: pre-period means per unit
    P_all = None
    if predictors:
        pre_rows = data[data[time] < treatment_time]
        means = pre_rows.groupby(unit)[list(predictors)].mean()
        means = means.reindex([treated_unit] + list(names))
        if means.isna().any().any():
            raise InputError("synthetic_control: predictors missing before the start for some units",
                             expected="pre-period values for every predictor")
        P_all = means.to_numpy(float).T  # p x (1+J)
    if outcome_periods is None:
        out_rows = np.zeros(pre.sum(), dtype=bool)
    elif isinstance(outcome_periods, str):
        if outcome_periods != "all":
            raise InputError("outcome_periods must be 'all', a list of periods or None", found=outcome_periods)
        out_rows = np.ones(pre.sum(), dtype=bool)
    else:
        wanted = {int(t) for t in outcome_periods}
        out_rows = np.isin(times[pre], list(wanted))
        if not out_rows.any():
            raise InputError("synthetic_control: none of outcome_periods is a pre-period",
                             found=sorted(wanted)[:5], expected=f"some of {times[pre].tolist()}")
    # standardise all rows of X over treated + donors
    X_all = np.vstack([all_pre[out_rows]] + ([P_all] if P_all is not None else []))
    Xs = _standardise(X_all)
    x1s, X0s = Xs[:, 0], Xs[:, 1:]
    k = Xs.shape[0]
    v_loss = float("nan")
    if v == "optimize" and k > 1:
        vdiag, v_loss = _optimise_v(x1s, X0s, y1[pre], Y0[pre], starts, seed, v_starts=v_starts,
                                    outcome_row_sd=X_all.std(axis=1)[: int(out_rows.sum())])
    else:
        vdiag = np.full(k, 1.0 / k)
        if v == "optimize":
            notes.append("v='optimize' with a single row in X: V is trivially 1")
    w, _ = simplex_weights(x1s, X0s, vdiag, starts=starts, seed=seed)
    synth = Y0 @ w
    gap = y1 - synth
    pre_rmspe = float(np.sqrt(np.mean(gap[pre] ** 2)))
    post_rmspe = float(np.sqrt(np.mean(gap[~pre] ** 2)))
    att = float(gap[~pre].mean())
    noise = noise_level(np.column_stack([y1, Y0])[pre])

    # floor for the pre-period RMSPE in the ratio: with many donors and few pre-periods the fit
    # can be exact (pre RMSPE 0); a tiny floor keeps such ratios finite and comparable
    floor = 1e-6 * float(np.nanstd(np.column_stack([y1, Y0]))) + 1e-12
    placebo_rows = []
    if placebos and len(names) >= 2:
        for j in range(len(names)):
            others = np.delete(np.arange(len(names)), j)
            xj = X0s[:, j]
            wj, _ = simplex_weights(xj, X0s[:, others], vdiag, seed=seed, polish=placebo_polish)
            gj = Y0[:, j] - Y0[:, others] @ wj
            pr = float(np.sqrt(np.mean(gj[pre] ** 2)))
            po = float(np.sqrt(np.mean(gj[~pre] ** 2)))
            placebo_rows.append({"unit": names[j], "pre_rmspe": pr, "post_rmspe": po,
                                 "ratio": po / max(pr, floor), "att": float(gj[~pre].mean()),
                                 "_post_gaps": gj[~pre]})
    ptab = pd.DataFrame(placebo_rows)
    n_assign = len(ptab) + 1
    if len(ptab):
        ratios = ptab["ratio"].to_numpy()
        own_ratio = post_rmspe / max(pre_rmspe, floor)
        placebo_p = float((1 + (ratios >= own_ratio - 1e-12).sum()) / (1 + len(ratios)))
        ci = _invert_placebo(gap, pre, ratios, alpha, max(pre_rmspe, floor))
        se = float(ptab["att"].std(ddof=1))
        ptab = ptab.drop(columns="_post_gaps")
        if 1.0 / n_assign > alpha:
            notes.append(f"only {len(ptab)} placebo unit(s): the smallest attainable placebo p-value is 1/{n_assign} = "
                         f"{1 / n_assign:.3f} > alpha = {alpha:g}; the interval is unbounded")
    else:
        placebo_p, ci, se = float("nan"), (float("nan"), float("nan")), float("nan")
        notes.append("no placebo inference (fewer than 2 donors or placebos=False)")
    if float(np.ptp(np.column_stack([y1, Y0]))) == 0.0:
        placebo_p, ci = float("nan"), (float("nan"), float("nan"))
        notes.append("the outcome is the same in every unit and period: no placebo p-value and no interval")
    labels = [f"outcome {t}" for t in times[pre][out_rows]] + list(predictors or [])
    res = SynthResult(
        treated_unit=treated_unit,
        treatment_time=int(treatment_time),
        weights=pd.Series(w, index=names, name="weight").sort_values(ascending=False),
        gap=pd.Series(gap, index=times, name="gap"),
        synthetic=pd.Series(synth, index=times, name="synthetic"),
        pre_rmspe=pre_rmspe,
        post_rmspe=post_rmspe,
        att=att,
        placebo_p=placebo_p,
        ci=ci,
        se=se,
        placebos=ptab,
        v=pd.Series(vdiag, index=labels, name="v"),
        n_control=len(names),
        alpha=alpha,
        inference=(f"in-space placebos, rank of post/pre RMSPE ratio, {n_assign} assignments"
                   f"{', V optimised' if v == 'optimize' else ''}"),
        noise_scale=noise,
        v_loss=v_loss,
    )
    fit_notes = []
    if res.perfect_fit:
        fit_notes.append(
            f"perfect pre-period fit (pre-RMSPE {pre_rmspe:.3g}, below {PERFECT_FIT_RATIO:g} x the noise level "
            f"{noise:.3g}) with {len(names)} donors and {int(pre.sum())} pre-periods: the synthetic control "
            "interpolates noise (overfit); its effect and placebo p-value are not interpretable")
    elif res.poor_fit:
        fit_notes.append(f"poor pre-period fit (pre-RMSPE {pre_rmspe:.3g} > {POOR_FIT_RATIO:g} x the noise level "
                         f"{noise:.3g}): the synthetic control does not reproduce the treated unit before the start")
    object.__setattr__(res, "notes", merge_notes(notes, fit_notes))
    return res


def _invert_placebo(gap: np.ndarray, pre: np.ndarray, ratios: np.ndarray, alpha: float,
                    pre_rmspe: float) -> tuple[float, float]:
    """Constant effects tau with rank p-value > alpha (Firpo & Possebom 2018)."""
    post_gap = gap[~pre]
    att = post_gap.mean()

    def pval(tau: np.ndarray) -> np.ndarray:
        post = np.sqrt(((post_gap[None, :] - tau[:, None]) ** 2).mean(axis=1))
        own = post / pre_rmspe
        return (1 + (ratios[None, :] >= own[:, None] - 1e-12).sum(axis=1)) / (1 + len(ratios))

    scale = max(float(np.std(post_gap)), pre_rmspe, abs(float(att)), 1e-9)
    grid = np.linspace(att - 30 * scale, att + 30 * scale, 6001)
    acc = pval(grid) > alpha
    if not acc.any():
        return float(att), float(att)
    idx = np.nonzero(acc)[0]
    lo = -np.inf if idx[0] == 0 else grid[idx[0]]
    hi = np.inf if idx[-1] == len(grid) - 1 else grid[idx[-1]]
    # refine edges
    for side in (0, 1):
        if side == 0 and np.isfinite(lo):
            a, b = grid[idx[0] - 1], grid[idx[0]]
        elif side == 1 and np.isfinite(hi):
            a, b = grid[idx[-1] + 1], grid[idx[-1]]
        else:
            continue
        for _ in range(40):
            m = 0.5 * (a + b)
            if pval(np.array([m]))[0] > alpha:
                b = m
            else:
                a = m
        if side == 0:
            lo = b
        else:
            hi = b
    return float(lo), float(hi)


def _optimise_v(x1s: np.ndarray, X0s: np.ndarray, y1pre: np.ndarray, Y0pre: np.ndarray, starts: int,
                seed: int, v_starts: int = 8, outcome_row_sd: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """Diagonal V minimising the pre-period outcome MSPE of w(V) (Abadie & Gardeazabal 2003; ADH 2010).

    The nested problem is not convex in V and flat in many directions, so a single local search
    from equal weights stalls (scipy's default Nelder-Mead steps of 0.00025 in log-V barely move).
    V is parametrised as softmax(theta); each start runs Nelder-Mead with an initial simplex of
    unit steps in theta and a Powell polish. Starts: equal V; each row of X alone (nearly all
    weight on it); the outcome rows only, weighted by their variance (which makes the V-weighted
    loss the outcome MSPE itself: the global optimum when every pre-period outcome is a row);
    then random Dirichlet draws, ``v_starts`` in all (at least the structured ones). The inner
    weights use the NNLS simplex solver. Returns (V, MSPE of the best V).
    """
    k = len(x1s)
    rng = np.random.default_rng(seed)

    def to_v(theta):
        e = np.exp(np.clip(theta - theta.max(), -50, 0))
        return e / e.sum()

    def loss_v(vv):
        w, _ = simplex_weights(x1s, X0s, vv, seed=seed, polish=False)
        r = y1pre - Y0pre @ w
        return float(r @ r) / len(r)

    def loss(theta):
        return loss_v(to_v(theta))

    cands: list[np.ndarray] = [np.full(k, 1.0 / k)]
    if outcome_row_sd is not None and len(outcome_row_sd):
        vo = np.full(k, 1e-8)
        vo[: len(outcome_row_sd)] = np.maximum(outcome_row_sd, 1e-12) ** 2
        cands.append(vo / vo.sum())
    for i in range(k):
        vi = np.full(k, 0.02 / max(k - 1, 1))
        vi[i] = 0.98
        cands.append(vi)
    n_random = max(v_starts - len(cands), 2)
    cands += [rng.dirichlet(np.ones(k)) for _ in range(n_random)]
    # screen all starts cheaply, then search from the most promising ones
    scored = sorted(((loss_v(c), i) for i, c in enumerate(cands)))
    best_v, best_f = cands[scored[0][1]], scored[0][0]
    n_search = max(min(v_starts, len(cands)), 1)
    for _, i in scored[:n_search]:
        theta0 = np.log(np.maximum(cands[i], 1e-12))
        simplex = np.vstack([theta0] + [theta0 + np.eye(k)[j] * 1.0 for j in range(k)])
        sol = optimize.minimize(loss, theta0, method="Nelder-Mead",
                                options={"maxiter": 100 * k, "xatol": 1e-3, "fatol": 1e-12,
                                         "initial_simplex": simplex})
        x = sol.x
        if k <= 30:
            sol2 = optimize.minimize(loss, x, method="Powell", options={"maxiter": 20 * k, "xtol": 1e-3, "ftol": 1e-12})
            if sol2.fun < sol.fun:
                x = sol2.x
        f = loss(x)
        if f < best_f:
            best_v, best_f = to_v(x), f
    return best_v, best_f
