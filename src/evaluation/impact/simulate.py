"""Simulated municipal panels with a known programme effect.

Shaped like the Musterdaten: five model municipalities with staggered programme starts
(2017-2019) among about 130 municipalities, years 2012-2025, an indicator like a rate per 1,000
inhabitants with municipality and year effects, AR(1) errors and noise that shrinks with the
municipality's size (a rate from small counts is noisier):

    y_it = alpha_i + lambda_t + tau_it * D_it + e_it,
    e_it = rho * e_i,t-1 + u_it,  sd(e_it) = m_i * sqrt(sigma0^2 + sigma1^2 * 50,000 / population_i),
    (m_i = ``treated_noise`` for the model municipalities, 1 otherwise: model municipalities that
    are noisier than their population predicts, e.g. small towns with volatile registers),
    tau_it = effect + slope * (t - start_i)   for t >= start_i.

The true simple ATT (the target of ``att_gt(...).aggregate("simple")`` with one unit per start
year, and of the per-municipality estimates) is the mean of tau_it over the treated unit-years.

>>> sim = simulate_panel(seed=3)
>>> sim.data.shape
(1820, 6)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: populations of the five Kommune-Inklusiv model municipalities (rounded, 2017)
MODEL_POPULATIONS: tuple[int, ...] = (111_000, 208_000, 19_000, 60_000, 34_000)
MODEL_STARTS: tuple[int, ...] = (2017, 2017, 2018, 2019, 2019)


@dataclass(frozen=True, eq=False)
class SimulatedPanel:
    """``data``: long panel with unit, year, y, first_treat (0 = never), treated (0/1), population.
    ``att``: true average effect over treated unit-years; ``att_by_unit``: per treated unit;
    ``tau``: the true effect per treated unit and year (long table)."""

    data: pd.DataFrame
    att: float
    att_by_unit: dict[str, float]
    tau: pd.DataFrame


def simulate_panel(
    n_units: int = 130,
    years: tuple[int, int] = (2012, 2025),
    starts: tuple[int, ...] = MODEL_STARTS,
    populations: tuple[int, ...] = MODEL_POPULATIONS,
    effect: float = 1.0,
    slope: float = 0.0,
    rho: float = 0.5,
    sigma0: float = 0.5,
    sigma1: float = 1.0,
    unit_sd: float = 5.0,
    year_sd: float = 1.0,
    seed: int | np.random.Generator | None = None,
    treated_noise: float = 1.0,
) -> SimulatedPanel:
    """One simulated panel; ``n_units`` includes the treated ones (units ``t1..t5`` first)."""
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    n_tr = len(starts)
    if len(populations) != n_tr:
        raise ValueError("one population per treated unit needed")
    n_c = n_units - n_tr
    yrs = np.arange(years[0], years[1] + 1)
    T = len(yrs)
    # comparison municipalities: log-uniform 15,000 - 250,000 inhabitants
    pop_c = np.exp(rng.uniform(np.log(15_000), np.log(250_000), n_c))
    pop = np.concatenate([np.asarray(populations, float), pop_c])
    sd = np.sqrt(sigma0**2 + sigma1**2 * 50_000 / pop)
    sd[:n_tr] *= treated_noise
    alpha = rng.normal(20.0, unit_sd, n_units)
    lam = np.cumsum(rng.normal(0.1, year_sd, T))
    u = rng.normal(size=(n_units, T))
    e = np.empty_like(u)
    e[:, 0] = u[:, 0]
    scale = np.sqrt(1 - rho**2)
    for t in range(1, T):
        e[:, t] = rho * e[:, t - 1] + scale * u[:, t]
    e *= sd[:, None]
    g = np.concatenate([np.asarray(starts, float), np.zeros(n_c)])
    D = (g[:, None] > 0) & (yrs[None, :] >= g[:, None])
    tau = np.where(D, effect + slope * (yrs[None, :] - g[:, None]), 0.0)
    y = alpha[:, None] + lam[None, :] + tau + e
    ids = np.array([f"t{i + 1}" for i in range(n_tr)] + [f"c{i + 1:03d}" for i in range(n_c)])
    data = pd.DataFrame(
        {
            "unit": np.repeat(ids, T),
            "year": np.tile(yrs, n_units),
            "y": y.ravel(),
            "first_treat": np.repeat(g, T).astype(int),
            "treated": D.ravel().astype(int),
            "population": np.repeat(np.round(pop).astype(int), T),
        }
    )
    tau_long = pd.DataFrame({"unit": np.repeat(ids[:n_tr], T), "year": np.tile(yrs, n_tr),
                             "tau": tau[:n_tr].ravel(), "treated": D[:n_tr].ravel()})
    tau_long = tau_long[tau_long["treated"]].drop(columns="treated").reset_index(drop=True)
    by_unit = tau_long.groupby("unit")["tau"].mean().to_dict()
    return SimulatedPanel(data=data, att=float(tau_long["tau"].mean()), att_by_unit=by_unit, tau=tau_long)


# --------------------------------------------------------------------------------------------
# coverage study
# --------------------------------------------------------------------------------------------

#: the methods compared by :func:`coverage_study`
STUDY_METHODS: tuple[str, ...] = (
    "att_gt + randomization inference",
    "att_gt + analytic influence function",
    "att_gt + multiplier bootstrap",
    "twfe + cluster-robust (CR1, t(G-1))",
    "twfe + wild cluster bootstrap (WCR, Webb)",
    "single municipality + randomization inference",
    "single municipality + studentized randomization inference",
    "pre-mean DiD + randomization inference",
    "single municipality, pre-mean DiD + studentized randomization inference",
    "att_gt + studentized randomization inference",
    "pre-mean DiD + studentized randomization inference",
)

#: key of each study method in ``texts/impact.yaml`` (``simulation.methods.<key>``, German label)
STUDY_METHOD_KEYS: dict[str, str] = dict(zip(STUDY_METHODS, (
    "att_gt_ri", "att_gt_analytic", "att_gt_bootstrap", "twfe_cr1", "twfe_wild", "single_ri",
    "single_studentized", "pre_mean_ri", "single_pre_mean_studentized", "att_gt_studentized",
    "pre_mean_studentized",
)))


def coverage_study(
    reps: int = 500,
    seed: int = 20170101,
    draws: int = 999,
    wild_draws: int = 399,
    alpha: float = 0.05,
    single_unit: str = "t3",
    methods: tuple[str, ...] | None = None,
    **panel_kw,
) -> pd.DataFrame:
    """Bias, RMSE and coverage of the 1 - alpha intervals over ``reps`` simulated panels.

    For randomisation inference and the wild bootstrap, coverage is the share of replications
    whose test does not reject the true effect - by construction the coverage of the interval
    obtained by inverting the test (and much cheaper than computing the interval). The
    "single municipality" row estimates the effect of one model municipality (``single_unit``)
    against the comparison pool alone, as :func:`evaluation.impact.programme.estimate_programme_effects`
    does. Returns one row per method: method, reps, truth, bias, rmse, coverage, mean_width
    (NaN where the interval was not computed). ``methods`` restricts the study to some of
    :data:`STUDY_METHODS` (all by default).
    """
    from evaluation.results import check_alpha

    alpha = check_alpha(alpha)
    methods = STUDY_METHODS if methods is None else tuple(methods)
    unknown = set(methods) - set(STUDY_METHODS)
    if unknown:
        raise ValueError(f"unknown methods {sorted(unknown)}; choose from {STUDY_METHODS}")
    from evaluation.impact._panel import Panel
    from evaluation.impact.did import att_gt_panel
    from evaluation.impact.inference import _WildBootstrap, randomization_inference_panel

    rng = np.random.default_rng(seed)
    rows: dict[str, list[tuple[float, float, bool, float]]] = {m: [] for m in STUDY_METHODS}
    from scipy import stats

    for _ in range(reps):
        sim = simulate_panel(seed=rng, **panel_kw)
        d = sim.data
        wide = d.pivot(index="unit", columns="year", values="y")
        g = d.groupby("unit")["first_treat"].first().reindex(wide.index).to_numpy(float)
        times = wide.columns.to_numpy()
        panel = Panel(y=wide.to_numpy(float), g=g, units=wide.index.to_numpy(), times=times)
        truth = sim.att
        rs = int(rng.integers(0, 2**31))
        M = STUDY_METHODS
        if M[0] in methods:
            ri = randomization_inference_panel(panel, draws=draws, seed=rs, alpha=alpha)
            rows[M[0]].append((ri.estimate, truth, ri.covers(truth), ri.ci_high - ri.ci_low))
        if M[1] in methods:
            agg = att_gt_panel(panel).aggregate("simple")
            rows[M[1]].append((agg.estimate, truth, agg.covers(truth), agg.ci_high - agg.ci_low))
        if M[2] in methods:
            aggb = att_gt_panel(panel, se="bootstrap", draws=199, seed=rs).aggregate("simple")
            rows[M[2]].append((aggb.estimate, truth, aggb.covers(truth), aggb.ci_high - aggb.ci_low))
        if M[3] in methods or M[4] in methods:
            D = ((g[:, None] > 0) & (times[None, :] >= g[:, None])).astype(float)
            wb = _WildBootstrap(panel.y, D, wild_draws, rs, "webb")
            G = panel.y.shape[0]
            tc = stats.t.ppf(1 - alpha / 2, G - 1)
            if M[3] in methods:
                rows[M[3]].append((wb.tau, truth, abs(wb.tau - truth) <= tc * wb.se, 2 * tc * wb.se))
            if M[4] in methods:
                rows[M[4]].append((wb.tau, truth, wb.pvalue(truth) > alpha, float("nan")))
        if M[5] in methods or M[6] in methods:
            # one model municipality against the comparison pool only
            keep = (panel.units == single_unit) | (g == 0)
            single = Panel(y=panel.y[keep], g=g[keep], units=panel.units[keep], times=times)
            t1 = sim.att_by_unit[single_unit]
            if M[5] in methods:
                r1 = randomization_inference_panel(single, draws=draws, seed=rs, alpha=alpha)
                rows[M[5]].append((r1.estimate, t1, r1.covers(t1), r1.ci_high - r1.ci_low))
            if M[6] in methods:
                r2 = randomization_inference_panel(single, alpha=alpha, studentize=True)
                rows[M[6]].append((r2.estimate, t1, r2.covers(t1), r2.ci_high - r2.ci_low))
        if M[7] in methods:
            r3 = randomization_inference_panel(panel, draws=draws, seed=rs, alpha=alpha, estimator="pre_mean")
            rows[M[7]].append((r3.estimate, truth, r3.covers(truth), r3.ci_high - r3.ci_low))
        if M[8] in methods:
            keep = (panel.units == single_unit) | (g == 0)
            single = Panel(y=panel.y[keep], g=g[keep], units=panel.units[keep], times=times)
            t1 = sim.att_by_unit[single_unit]
            r4 = randomization_inference_panel(single, alpha=alpha, studentize=True, estimator="pre_mean")
            rows[M[8]].append((r4.estimate, t1, r4.covers(t1), r4.ci_high - r4.ci_low))
        for j, est_name in ((9, "att_gt"), (10, "pre_mean")):
            if M[j] in methods:
                r5 = randomization_inference_panel(panel, draws=draws, seed=rs, alpha=alpha, estimator=est_name,
                                                   studentize=True)
                rows[M[j]].append((r5.estimate, truth, r5.covers(truth), r5.ci_high - r5.ci_low))
    out = []
    for m, vals in rows.items():
        if not vals:
            continue
        est, tru, cov, wid = (np.array(v, dtype=float) for v in zip(*vals))
        err = est - tru
        out.append({"method": m, "reps": len(vals), "truth": float(tru.mean()), "bias": float(err.mean()),
                    "rmse": float(np.sqrt((err**2).mean())), "coverage": float(cov.mean()),
                    "mean_width": float(np.nanmean(wid)) if np.isfinite(wid).any() else float("nan")})
    return pd.DataFrame(out)
