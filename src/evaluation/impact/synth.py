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
and interval are not informative; :meth:`SynthResult.caveats` says so. Prefer fewer, similar
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
from evaluation.impact._panel import numeric_column, require_columns
from evaluation.impact.results import IntervalMixin, SYNTH_ASSUMPTIONS, assumption_texts


@dataclass(frozen=True, eq=False)
class SynthResult(IntervalMixin):
    """Synthetic-control fit for one treated unit.

    weights: donor -> weight (non-negative, sum 1), sorted descending.
    gap: period -> treated minus synthetic outcome (pre and post).
    synthetic: period -> synthetic outcome.
    pre_rmspe, post_rmspe: root mean squared gap before / from the start.
    att (= estimate): mean post-period gap, in outcome units.
    placebo_p (= p): rank p-value of the post/pre RMSPE ratio among in-space placebos.
    ci: constant effects not rejected by the placebo test at level alpha (Firpo & Possebom 2018).
    se: standard deviation of the placebos' mean post gaps (a descriptive spread, not a model SE).
    placebos: one row per placebo unit (unit, pre_rmspe, post_rmspe, ratio, att).
    v: the diagonal of V (predictor importances) used.
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
    method: str = "synthetic control (Abadie, Diamond & Hainmueller 2010)"
    inference: str = "in-space placebos, rank of post/pre RMSPE ratio"
    assumptions: tuple[str, ...] = field(default_factory=lambda: assumption_texts(SYNTH_ASSUMPTIONS))

    @property
    def estimate(self) -> float:
        return self.att

    @property
    def p(self) -> float:
        return self.placebo_p

    @property
    def n_treated(self) -> int:
        return 1


    def caveats(self, poor_fit_ratio: float = 0.5) -> tuple[str, ...]:
        """German sentences for the report: the placebo inference, and a poor-fit warning when
        the pre-period RMSPE exceeds ``poor_fit_ratio`` times the spread of the treated unit's
        pre-period outcomes."""
        from evaluation.texts import text

        out = [text("impact", "inference.placebo")]
        pre = self.gap.index < self.treatment_time
        spread = float((self.gap[pre] + self.synthetic[pre]).std())
        if spread > 0 and self.pre_rmspe > poor_fit_ratio * spread:
            out.append(text("impact", "caveats.poor_fit", rmspe=f"{self.pre_rmspe:.3g}".replace(".", ",")))
        if spread > 0 and self.pre_rmspe < 1e-4 * spread:
            out.append(text("impact", "caveats.exact_fit"))
        return tuple(out)

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame([{
            "treated_unit": self.treated_unit, "treatment_time": self.treatment_time,
            "estimate": self.att, "ci_low": self.ci[0], "ci_high": self.ci[1], "p": self.placebo_p,
            "pre_rmspe": self.pre_rmspe, "post_rmspe": self.post_rmspe,
            "n_donors_weighted": int((self.weights > 1e-3).sum()), "n_control": self.n_control,
            "method": self.method, "inference": self.inference,
        }])


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
) -> SynthResult:
    """Synthetic control for ``treated_unit`` whose programme started in ``treatment_time``.

    Parameters
    ----------
    df: long panel; comparison units (``pool``, default: every other unit) must be observed in
        every period (units with gaps are dropped from the pool and noted).
    predictors: optional columns whose pre-period means enter X besides the pre-period outcomes.
    v: ``"equal"`` (all rows of X weigh the same) or ``"optimize"`` (diagonal V chosen to minimise
        the pre-period outcome MSPE; the placebos reuse that V).
    pool: donor units; never includes the treated unit. Other model municipalities must be left
        out by the caller (their outcomes carry their own effects).
    starts: number of SLSQP starts for the model municipality's weights (NNLS solution, uniform,
        nearest donor, then random Dirichlet draws); the best solution is kept.
    placebo_polish: also polish the placebo fits with SLSQP (slower; NNLS alone solves the
        convex problem to high accuracy).
    end_time: last period used (default: all).
    """
    cols = [outcome, unit, time] + list(predictors or [])
    require_columns(df, cols, "synthetic_control")
    if v not in ("equal", "optimize"):
        raise InputError("v must be 'equal' or 'optimize'", found=v)
    data = df[cols].copy()
    data[outcome] = numeric_column(data, outcome, "synthetic_control")
    data[time] = numeric_column(data, time, "synthetic_control").astype(np.int64)
    if end_time is not None:
        data = data[data[time] <= end_time]
    if data.duplicated([unit, time]).any():
        raise InputError("synthetic_control: a unit is observed more than once in a period", column=unit,
                         expected="one row per unit and period")
    wide = data.pivot(index=unit, columns=time, values=outcome).sort_index(axis=1)
    if treated_unit not in wide.index:
        raise InputError("synthetic_control: treated unit not in the table", column=unit, found=treated_unit)
    times = wide.columns.to_numpy()
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
    donor_wide = wide.loc[donors]
    complete = ~donor_wide.isna().any(axis=1)
    donor_wide = donor_wide[complete]
    if len(donor_wide) == 0:
        raise EstimationError("synthetic_control: no comparison unit with a complete series")
    Y0 = donor_wide.to_numpy(float).T  # T x J
    names = donor_wide.index.to_numpy()

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
    # standardise all rows of X over treated + donors
    X_all = np.vstack([np.column_stack([y1, Y0])[pre]] + ([P_all] if P_all is not None else []))
    Xs = _standardise(X_all)
    x1s, X0s = Xs[:, 0], Xs[:, 1:]
    k = Xs.shape[0]
    if v == "optimize" and P_all is not None:
        vdiag = _optimise_v(x1s, X0s, y1[pre], Y0[pre], starts, seed)
    else:
        vdiag = np.full(k, 1.0 / k)
    w, _ = simplex_weights(x1s, X0s, vdiag, starts=starts, seed=seed)
    synth = Y0 @ w
    gap = y1 - synth
    pre_rmspe = float(np.sqrt(np.mean(gap[pre] ** 2)))
    post_rmspe = float(np.sqrt(np.mean(gap[~pre] ** 2)))
    att = float(gap[~pre].mean())

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
    if len(ptab):
        ratios = ptab["ratio"].to_numpy()
        own_ratio = post_rmspe / max(pre_rmspe, floor)
        placebo_p = float((1 + (ratios >= own_ratio - 1e-12).sum()) / (1 + len(ratios)))
        ci = _invert_placebo(gap, pre, ratios, alpha, max(pre_rmspe, floor))
        se = float(ptab["att"].std(ddof=1))
        ptab = ptab.drop(columns="_post_gaps")
    else:
        placebo_p, ci, se = float("nan"), (float("nan"), float("nan")), float("nan")
    labels = [f"outcome {t}" for t in times[pre]] + list(predictors or [])
    return SynthResult(
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
    )


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
                seed: int) -> np.ndarray:
    """Diagonal V minimising the pre-period outcome MSPE (ADH 2010), softmax-parametrised, Nelder-Mead."""
    k = len(x1s)

    def to_v(theta):
        e = np.exp(theta - theta.max())
        return e / e.sum()

    def loss(theta):
        w, _ = simplex_weights(x1s, X0s, to_v(theta), seed=seed, polish=False)
        r = y1pre - Y0pre @ w
        return float(r @ r)

    best = None
    for theta0 in (np.zeros(k), np.random.default_rng(seed).normal(size=k)):
        sol = optimize.minimize(loss, theta0, method="Nelder-Mead", options={"maxiter": 200 * k, "xatol": 1e-4, "fatol": 1e-10})
        if best is None or sol.fun < best.fun:
            best = sol
    return to_v(best.x)
