"""Design-based estimates for stratified, clustered samples with Taylor-linearised standard errors.

A :class:`SurveyDesign` holds the survey data with its design: weights, strata, primary sampling
units (PSUs, nested within strata) and, optionally, a finite population correction. Estimates:

* :meth:`SurveyDesign.mean` -- the weighted (Hajek/ratio) mean ``sum w y / sum w``; a proportion is
  the mean of a 0/1 variable (:meth:`SurveyDesign.proportion`, logit interval by default);
* :meth:`SurveyDesign.total` -- the Horvitz-Thompson total ``sum w y``;
* domain estimates (e.g. people with and without disabilities, each Sozialraum) are computed on the
  *whole* design with the domain indicator, never by subsetting the data, so that the domain's
  random sample size is accounted for (Lohr 2019, sec. 4.3 and 9.1);
* :meth:`SurveyDesign.table` -- many items by many domains in one vectorised pass;
* :meth:`SurveyDesign.difference` and :func:`wave_difference` -- the difference between two domains
  or two survey waves, with its Taylor standard error (including the covariance when the waves share
  PSUs, zero covariance for independent samples).

Variance estimator (Lohr 2019, sec. 9.1; Wolter 2007, ch. 6; the "with-replacement" ultimate-cluster
estimator of Stata ``svy`` and R ``survey``): the linearised variable of the ratio mean is
``z_i = w_i (y_i - ybar) / sum w``; with ``t_hi`` its total in PSU ``i`` of stratum ``h``,

    v(ybar) = sum_h (1 - f_h) * n_h / (n_h - 1) * sum_i (t_hi - tbar_h)^2,

where ``n_h`` is the number of PSUs in stratum ``h`` and ``f_h = n_h / N_h`` the PSU sampling
fraction (``f_h = 0`` without ``fpc``). Intervals use Student's t with ``#PSUs - #strata`` degrees of
freedom. The results agree with samplics' ``TaylorEstimator`` (checked in the tests).

The estimator is written with ``numpy.bincount`` rather than calling samplics because samplics is
archived (no longer maintained), slow on the benchmark's 50 items x 20 domains, and does not return
the difference between waves with its covariance.

Example
-------
>>> import pandas as pd
>>> df = pd.DataFrame({"stratum": ["a"] * 4 + ["b"] * 4, "psu": list("11223344"),
...                    "design_weight": [10.0] * 4 + [20.0] * 4, "y": [1, 0, 1, 1, 0, 0, 1, 0]})
>>> est = SurveyDesign(df).mean("y")
>>> round(est.estimate, 4), round(est.se, 4), est.df
(0.4167, 0.1863, 2)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse, stats

from ..errors import EstimationError, InputError, Problem
from ..results import ResultMixin, check_alpha

LONELY_PSU = ("error", "certainty", "adjust")


@dataclass(frozen=True)
class DesignEstimate(ResultMixin):
    """One design-based estimate (the result interface of :mod:`evaluation.results`).

    ``estimate`` with standard error ``se``, interval ``ci_low``-``ci_high`` at ``1 - alpha``, ``n``
    respondents with a valid value in the domain, ``df`` design degrees of freedom, ``deff`` the
    design effect (design variance / variance of a simple random sample of the same size drawn with
    replacement, Kish 1965; with an fpc it therefore includes the factor 1 - f),
    ``p_value`` (two-sided t test of estimate = 0; for differences only, NaN otherwise), and ``method``.
    """

    variable: str
    domain: str | None
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    n: int
    df: int
    deff: float
    alpha: float
    method: str
    p_value: float = float("nan")
    notes: tuple[str, ...] = ()

    @property
    def ci(self) -> tuple[float, float]:
        return (self.ci_low, self.ci_high)

    def summary(self) -> str:
        dom = f" [{self.domain}]" if self.domain else ""
        p = f", p = {self.p_value:.4f}" if self.p_value is not None and np.isfinite(self.p_value) else ""
        lines = [f"{self.method}\n  {self.variable}{dom}: {self.estimate:.4f} (SE {self.se:.4f}), "
                 f"{1 - self.alpha:.0%} CI {self.ci_low:.4f} .. {self.ci_high:.4f}; n = {self.n}, "
                 f"df = {self.df}, deff = {self.deff:.2f}{p}"]
        return "\n".join(lines + [f"  note: {n}" for n in self.notes])


def _t_interval(est: np.ndarray, se: np.ndarray, df: int, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    q = stats.t.ppf(1 - alpha / 2, df) if df > 0 else np.nan
    return est - q * se, est + q * se


def _logit_interval(p: np.ndarray, se: np.ndarray, df: int, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Interval on the logit scale, back-transformed (Korn & Graubard 1999; R svyciprop 'logit')."""
    q = stats.t.ppf(1 - alpha / 2, df) if df > 0 else np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        lg = np.log(p / (1 - p))
        s = se / (p * (1 - p))
        lo = 1 / (1 + np.exp(-(lg - q * s)))
        hi = 1 / (1 + np.exp(-(lg + q * s)))
    edge = (p <= 0) | (p >= 1)
    lo = np.where(edge, p, lo)
    hi = np.where(edge, p, hi)
    return lo, hi


def reliability_flag(n: np.ndarray | int, cv: np.ndarray | float, *, min_n: int = 30, cv_caution: float = 0.166,
                     cv_unreliable: float = 0.333) -> np.ndarray:
    """Publication flag of an estimate from its respondents ``n`` and coefficient of variation ``cv``.

    Returns the symbols of the German Zeichenerklärung: ``"/"`` (not reliable enough: fewer than
    ``min_n`` respondents or CV above ``cv_unreliable``), ``"()"`` (limited reliability: CV between
    ``cv_caution`` and ``cv_unreliable``) or ``""``. The default CV limits 16.6 % and 33.3 % are
    Statistics Canada's release guidelines for survey estimates; set your own where an office
    prescribes others. For shares near 0 the CV is large by construction; judge those by the interval.

    >>> reliability_flag(np.array([100, 100, 20]), np.array([0.05, 0.2, 0.05])).tolist()
    ['', '()', '/']
    """
    n = np.asarray(n)
    cv = np.asarray(cv, dtype=float)
    out = np.where((n < min_n) | ~np.isfinite(cv) | (cv > cv_unreliable), "/",
                   np.where(cv > cv_caution, "()", ""))
    return out.astype(object)


class SurveyDesign:
    """A stratified, clustered sample with weights: the basis of every design-based estimate.

    Parameters
    ----------
    data : one row per respondent (e.g. the ``survey_responses`` table of one wave, or several
        waves for :func:`wave_difference`).
    weight : weight column (design or raked weights), all > 0.
    strata : stratum column, or None for an unstratified design.
    psu : PSU (cluster) column, or None when each respondent is its own PSU. PSU ids are taken as
        nested within strata (the same id in two strata is two PSUs).
    fpc : optional column with either the number of PSUs in the stratum's population (values > 1)
        or the PSU sampling fraction (values <= 1), constant within a stratum, as in R ``survey``.
    lonely_psu : what to do with a stratum that has a single PSU: "error" (default), "certainty"
        (treat it as self-representing, no variance contribution) or "adjust" (centre it at the mean
        of all PSU totals, R's ``survey.lonely.psu = "adjust"``).
    calibration : the margins the weights were raked or post-stratified to (column names; a joint
        margin as ``"age_group:sex"``), e.g. ``list(raking_result.margins["variable"].unique())``.
        The linearised variable is then replaced by its residual from the weighted regression on the
        margin indicators, so the variance reflects that the weighted margins are fixed
        (Deville & Särndal 1992; Lohr 2019, sec. 11.6; R ``survey::calibrate``). Without it the raked
        weights are treated as fixed design weights, which is usually conservative.
    """

    def __init__(self, data: pd.DataFrame, *, weight: str = "design_weight", strata: str | None = "stratum",
                 psu: str | None = "psu", fpc: str | None = None, lonely_psu: str = "error",
                 calibration: Sequence[str] | None = None, file: str | None = None) -> None:
        if lonely_psu not in LONELY_PSU:
            raise InputError("unknown lonely_psu rule", column="lonely_psu", expected=f"one of {LONELY_PSU}",
                             found=lonely_psu)
        for col in (weight, strata, psu, fpc):
            if col is not None and col not in data.columns:
                raise InputError("design column not in the data", file=file, column=col,
                                 expected=f"a column among {list(data.columns)[:15]}")
        self.data = data
        self.weight, self.strata, self.psu, self.fpc, self.lonely_psu = weight, strata, psu, fpc, lonely_psu
        self.file = file
        w = pd.to_numeric(data[weight], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(w) | (w <= 0)
        if bad.any():
            rows = np.flatnonzero(bad)
            raise InputError(f"{len(rows)} weight(s) missing, zero or negative", file=file,
                             problems=[Problem("weight is missing, zero or negative", file, data.index[i], weight,
                                               "a weight > 0", float(w[i])) for i in rows[:50]])
        self.w = w
        n = len(data)
        if n == 0:
            raise InputError("the survey data are empty", file=file, expected="respondents")
        for col in (strata, psu):
            if col is not None and data[col].isna().any():
                i = int(np.flatnonzero(data[col].isna().to_numpy())[0])
                raise InputError("design variable is missing", file=file, row=data.index[i], column=col,
                                 expected="a stratum / PSU id for every respondent")
        h_key = data[strata].astype(str).to_numpy() if strata else np.zeros(n, dtype=object)
        h_codes, h_uniques = pd.factorize(h_key, sort=True)
        if psu:
            p_codes, p_uniques = pd.factorize(data[psu].astype(str).to_numpy())
            g_codes, _ = pd.factorize(np.asarray(h_codes, dtype=np.int64) * (len(p_uniques) + 1) + p_codes)
        else:
            g_codes = np.arange(n)
        g_codes = np.asarray(g_codes)
        G = int(g_codes.max()) + 1
        H = len(h_uniques)
        g_stratum = np.zeros(G, dtype=np.int64)
        g_stratum[g_codes] = h_codes
        n_h = np.bincount(g_stratum, minlength=H).astype(float)
        self.n, self.G, self.H = n, G, H
        self.g_codes, self.g_stratum, self.n_h = g_codes, g_stratum, n_h
        self.strata_labels = [str(x) for x in h_uniques]
        self.S = sparse.csr_matrix((np.ones(G), (g_stratum, np.arange(G))), shape=(H, G))
        self.calibration = list(calibration) if calibration else []
        self._X = None
        if self.calibration:
            blocks = []
            for var in self.calibration:
                cols = var.split(":")
                for c in cols:
                    if c not in data.columns:
                        raise InputError("calibration variable not in the data", file=file, column=c,
                                         expected="a raking margin's column")
                    if data[c].isna().any():
                        i = int(np.flatnonzero(data[c].isna().to_numpy())[0])
                        raise InputError("calibration variable is missing", file=file, row=data.index[i],
                                         column=c, expected="a category for every respondent")
                key = data[cols].astype(str).agg(":".join, axis=1) if len(cols) > 1 else data[cols[0]]
                codes, uniq = pd.factorize(key)
                blocks.append((np.asarray(codes, dtype=np.int64), len(uniq)))
            # X is one-hot per margin, so X'WX, X'W e and the PSU totals of W X are bincounts
            offsets = np.cumsum([0] + [m for _, m in blocks])
            p_all = int(offsets[-1])
            xtwx = np.zeros((p_all, p_all))
            PX = np.zeros((G, p_all))
            for (ci, mi), oi in zip(blocks, offsets):
                PX[:, oi:oi + mi] = np.bincount(g_codes * mi + ci, weights=self.w, minlength=G * mi).reshape(G, mi)
                for (cj, mj), oj in zip(blocks, offsets):
                    xtwx[oi:oi + mi, oj:oj + mj] = np.bincount(ci * mj + cj, weights=self.w,
                                                               minlength=mi * mj).reshape(mi, mj)
            self._X = blocks
            self._X_offsets = offsets
            self._PX = PX
            self._XtWX_pinv = np.linalg.pinv(xtwx)
        f_h = np.zeros(H)
        if fpc is not None:
            fv = pd.to_numeric(data[fpc], errors="coerce")
            per = pd.DataFrame({"h": h_codes, "f": fv}).groupby("h")["f"].agg(["min", "max"])
            if fv.isna().any() or (per["min"] != per["max"]).any() or (fv <= 0).any():
                raise InputError("finite population correction must be a positive value, constant within each stratum",
                                 file=file, column=fpc, expected="N_h (PSUs in the population) or a fraction in (0, 1]")
            vals = per["min"].to_numpy()
            f_h = np.where(vals <= 1, vals, n_h / vals)
            if (f_h > 1 + 1e-12).any():
                h = int(np.flatnonzero(f_h > 1)[0])
                raise InputError("more PSUs sampled than the population has", file=file, column=fpc,
                                 expected=f">= {int(n_h[h])} PSUs in stratum {self.strata_labels[h]}", found=vals[h])
        self.f_h = f_h
        lonely = n_h == 1
        if lonely.any() and lonely_psu == "error":
            names = [self.strata_labels[i] for i in np.flatnonzero(lonely)][:10]
            raise EstimationError(f"stratum/strata {names} have a single PSU, so their variance cannot be "
                                  "estimated; collapse strata or pass lonely_psu='certainty' or 'adjust'")
        with np.errstate(divide="ignore", invalid="ignore"):
            c = np.where(lonely, 1.0, n_h / (n_h - 1)) * (1 - f_h)
        if lonely_psu == "certainty":
            c = np.where(lonely, 0.0, c)
        self._c = c
        self._lonely = lonely
        self.df = int(G - H) if not (lonely.all()) else int(G - 1)
        self.method = ("Taylor linearisation, " + ("stratified " if strata else "") +
                       ("clustered " if psu else "") + "design" + (" with fpc" if fpc else "") +
                       (f", weights calibrated to {', '.join(self.calibration)}" if self.calibration else "") +
                       " (Lohr 2019, ch. 9)")

    @classmethod
    def from_survey_responses(cls, responses: pd.DataFrame, *, weight: str = "design_weight",
                              fpc: str | None = None, lonely_psu: str = "error",
                              calibration: Sequence[str] | None = None,
                              file: str | None = None) -> SurveyDesign:
        """A design from a ``survey_responses`` table, validated against its data contract first.

        ``weight`` may name a raked weight column added to the table (e.g. ``"weight"``).
        """
        from ..contracts import validate

        data = validate(responses, "survey_responses", file=file)
        return cls(data, weight=weight, strata="stratum", psu="psu", fpc=fpc, lonely_psu=lonely_psu,
                   calibration=calibration, file=file)

    # ------------------------------------------------------------------ core
    def _variance(self, T: np.ndarray) -> np.ndarray:
        """Variance of the column totals of the linearised variable; ``T`` is PSUs x columns."""
        ST = self.S @ T
        M = ST / self.n_h[:, None]
        if self._lonely.any() and self.lonely_psu == "adjust":
            grand = T.sum(axis=0) / self.G
            M[self._lonely] = grand
        D = T - M[self.g_stratum]
        SS = self.S @ (D * D)
        return self._c @ SS

    def _numeric(self, y: str | pd.Series) -> tuple[str, np.ndarray]:
        if isinstance(y, str):
            if y not in self.data.columns:
                raise InputError("item not in the survey data", file=self.file, column=y,
                                 expected=f"a column among {list(self.data.columns)[:15]}")
            s = self.data[y]
            name = y
        else:
            s = pd.Series(np.asarray(y), index=self.data.index) if not isinstance(y, pd.Series) else y
            name = str(s.name or "y")
            if len(s) != self.n:
                raise InputError("variable has a different length than the data", column=name,
                                 expected=f"{self.n} values", found=len(s))
        if s.dtype == bool or str(s.dtype) == "boolean":
            s = s.astype("Float64")
        if not pd.api.types.is_numeric_dtype(s):
            conv = pd.to_numeric(s, errors="coerce")
            bad = conv.isna() & s.notna()
            if bad.any():
                i = int(np.flatnonzero(bad.to_numpy())[0])
                raise InputError("item is not numeric", file=self.file, row=s.index[i], column=name,
                                 expected="a number (recode labelled answers first)", found=s.iloc[i])
            s = conv
        return name, s.astype(float).to_numpy()

    def _domain_codes(self, by: str | Sequence[str] | pd.Series | None) -> tuple[np.ndarray, list[str]]:
        if by is None:
            return np.zeros(self.n, dtype=np.int64), ["all"]
        if isinstance(by, pd.Series):
            key = by
        else:
            cols = [by] if isinstance(by, str) else list(by)
            for c in cols:
                if c not in self.data.columns:
                    raise InputError("domain variable not in the data", file=self.file, column=c,
                                     expected="an existing column")
            if len(cols) == 1:
                key = self.data[cols[0]].astype("string")
            else:
                parts = self.data[cols].astype("string")
                key = parts[cols[0]].str.cat([parts[c] for c in cols[1:]], sep=" | ")  # NA in any part -> NA
        codes, uniques = pd.factorize(key, sort=True)  # NaN domain -> -1 (excluded)
        return np.asarray(codes, dtype=np.int64), [str(u) for u in uniques]

    def _means(self, y: np.ndarray, k: np.ndarray, K: int, kind: str) -> dict[str, np.ndarray]:
        valid = (k >= 0) & np.isfinite(y)
        kv, yv, wv, gv = k[valid], y[valid], self.w[valid], self.g_codes[valid]
        W = np.bincount(kv, weights=wv, minlength=K)
        Y = np.bincount(kv, weights=wv * yv, minlength=K)
        nk = np.bincount(kv, minlength=K)
        if kind == "total":
            est = Y
            z = wv * yv
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                est = Y / W
                z = wv * (yv - est[kv]) / W[kv]
        T = np.bincount(gv * K + kv, weights=z, minlength=self.G * K).reshape(self.G, K)
        if self._X is not None:
            # residuals of e = z / w from the w-weighted regression on the margin indicators (all rows):
            # PSU totals of w * (e - X B) = T - (P W X) B with B = (X'WX)^+ X'W e
            XtWe = np.vstack([np.bincount(codes[valid] * K + kv, weights=z, minlength=m * K).reshape(m, K)
                              for codes, m in self._X])
            T = T - self._PX @ (self._XtWX_pinv @ XtWe)
        var = self._variance(T)
        # simple-random-sampling variance of the same estimator, for the design effect
        with np.errstate(divide="ignore", invalid="ignore"):
            mu = Y / W
            s2 = np.bincount(kv, weights=wv * (yv - mu[kv]) ** 2, minlength=K) / W * nk / (nk - 1)
            v_srs = s2 / nk if kind != "total" else (W ** 2) * s2 / nk
            deff = var / v_srs
        return {"est": est, "var": var, "n": nk, "T": T, "deff": deff}

    # ------------------------------------------------------------------ public
    def table(self, items: str | Iterable[str], by: str | Sequence[str] | None = None, *,
              kind: str = "mean", alpha: float = 0.05, ci_method: str | None = None) -> pd.DataFrame:
        """Estimates for every item in every domain of ``by`` (plus nothing else): a tidy table.

        Columns: item, domain, estimate, se, ci_low, ci_high, n, df, deff, cv (se / |estimate|), flag
        (:func:`reliability_flag` with its defaults: "/", "()" or ""), method. ``kind`` is
        "mean", "proportion" (item must be 0/1; logit interval unless ``ci_method="wald"``) or
        "total". Respondents with a missing item value or domain are left out of that estimate.
        """
        alpha = check_alpha(alpha)
        if kind not in {"mean", "proportion", "total"}:
            raise InputError("unknown estimate kind", column="kind", expected="mean, proportion or total", found=kind)
        ci_method = ci_method or ("logit" if kind == "proportion" else "wald")
        items = [items] if isinstance(items, str) else list(items)
        k, labels = self._domain_codes(by)
        K = len(labels)
        frames = []
        for item in items:
            name, y = self._numeric(item)
            if kind == "proportion":
                vals = np.unique(y[np.isfinite(y)])
                if not np.isin(vals, [0.0, 1.0]).all():
                    raise InputError("a proportion needs a 0/1 item (use category_shares for categories)",
                                     file=self.file, column=name, expected="values 0 and 1", found=vals[:5].tolist())
            r = self._means(y, k, K, kind)
            se = np.sqrt(r["var"])
            est = r["est"]
            if ci_method == "logit":
                lo, hi = _logit_interval(est, se, self.df, alpha)
            else:
                lo, hi = _t_interval(est, se, self.df, alpha)
            frames.append(pd.DataFrame({
                "item": name, "domain": labels if by is not None else [None] * K, "estimate": est, "se": se,
                "ci_low": lo, "ci_high": hi, "n": r["n"], "df": self.df, "deff": r["deff"],
                "method": f"{kind}, {self.method}, {ci_method} interval"}))
        out = pd.concat(frames, ignore_index=True)
        empty = out["n"] == 0
        out.loc[empty, ["estimate", "se", "ci_low", "ci_high", "deff"]] = np.nan
        with np.errstate(divide="ignore", invalid="ignore"):
            cv = (out["se"] / out["estimate"].abs()).to_numpy()
        out.insert(out.columns.get_loc("method"), "cv", cv)
        out.insert(out.columns.get_loc("method"), "flag", reliability_flag(out["n"].to_numpy(), cv))
        return out

    def _single(self, y, domain, kind, alpha, ci_method) -> DesignEstimate:
        if domain is None:
            row = self.table(y, None, kind=kind, alpha=alpha, ci_method=ci_method).iloc[0]
            dom_label = None
        else:
            col, value = domain
            _, labels = self._domain_codes(col)
            key = str(value)
            if key not in labels:
                raise InputError("domain value not in the data", file=self.file, column=str(col),
                                 expected=f"one of {labels[:12]}", found=value)
            t = self.table(y, col, kind=kind, alpha=alpha, ci_method=ci_method)
            row = t[t["domain"] == key].iloc[0]
            dom_label = f"{col} = {key}"
        if row["n"] == 0:
            raise EstimationError(f"no valid values of '{row['item']}' in the domain {dom_label}")
        return DesignEstimate(variable=str(row["item"]), domain=dom_label, estimate=float(row["estimate"]),
                              se=float(row["se"]), ci_low=float(row["ci_low"]), ci_high=float(row["ci_high"]),
                              n=int(row["n"]), df=int(row["df"]), deff=float(row["deff"]), alpha=alpha,
                              method=str(row["method"]))

    def mean(self, y: str, *, domain: tuple[str, Any] | None = None, alpha: float = 0.05) -> DesignEstimate:
        """Weighted mean of ``y`` (in ``domain = (column, value)`` if given) with Taylor SE."""
        return self._single(y, domain, "mean", alpha, "wald")

    def proportion(self, y: str, *, domain: tuple[str, Any] | None = None, alpha: float = 0.05,
                   ci_method: str = "logit") -> DesignEstimate:
        """Weighted share of a 0/1 item; ``ci_method`` "logit" (default, stays in [0, 1]) or "wald"."""
        return self._single(y, domain, "proportion", alpha, ci_method)

    def total(self, y: str, *, domain: tuple[str, Any] | None = None, alpha: float = 0.05) -> DesignEstimate:
        """Horvitz-Thompson total ``sum w y`` (weights must be expansion weights)."""
        return self._single(y, domain, "total", alpha, "wald")

    def category_shares(self, item: str, by: str | Sequence[str] | None = None, *,
                        alpha: float = 0.05, labels: dict | None = None) -> pd.DataFrame:
        """Weighted share of each answer category of ``item`` (per domain), logit intervals.

        Columns as in :meth:`table` plus ``category`` (and ``label`` when ``labels`` maps codes to text).
        """
        if item not in self.data.columns:
            raise InputError("item not in the survey data", file=self.file, column=item, expected="an existing column")
        s = self.data[item]
        cats = sorted(s.dropna().unique().tolist(), key=lambda v: (isinstance(v, str), v))
        frames = []
        for c in cats:
            ind = pd.Series(np.where(s.isna(), np.nan, (s == c).astype(float)), index=self.data.index, name=item)
            t = self.table([ind], by, kind="proportion", alpha=alpha)
            t.insert(1, "category", c)
            if labels is not None:
                key = int(c) if isinstance(c, float) and float(c).is_integer() else c
                t.insert(2, "label", labels.get(key))
            frames.append(t)
        return pd.concat(frames, ignore_index=True)

    def difference(self, y: str, by: str, a: Any, b: Any, *, kind: str = "mean",
                   alpha: float = 0.05) -> DesignEstimate:
        """Estimate in domain ``by = b`` minus estimate in ``by = a``, with the Taylor SE of the difference.

        The covariance between the two domain estimates (shared PSUs) is included; for domains
        that share no PSU it is zero.
        """
        alpha = check_alpha(alpha)
        name, yv = self._numeric(y)
        k, labels = self._domain_codes(by)
        for v in (a, b):
            if str(v) not in labels:
                raise InputError("domain value not in the data", file=self.file, column=str(by),
                                 expected=f"one of {labels[:12]}", found=v)
        ia, ib = labels.index(str(a)), labels.index(str(b))
        r = self._means(yv, k, len(labels), "total" if kind == "total" else "mean")
        if r["n"][ia] == 0 or r["n"][ib] == 0:
            raise EstimationError(f"no valid values of '{name}' in {by} = {a if r['n'][ia] == 0 else b}")
        est = float(r["est"][ib] - r["est"][ia])
        Td = (r["T"][:, ib] - r["T"][:, ia])[:, None]
        se = float(np.sqrt(self._variance(Td)[0]))
        lo, hi = _t_interval(np.array(est), np.array(se), self.df, alpha)
        p = float(2 * stats.t.sf(abs(est / se), self.df)) if se > 0 else np.nan
        v_srs = sum(r["var"][i] / r["deff"][i] for i in (ia, ib))
        return DesignEstimate(variable=name, domain=f"{by}: {b} - {a}", estimate=est, se=se, ci_low=float(lo),
                              ci_high=float(hi), n=int(r["n"][ia] + r["n"][ib]), df=self.df,
                              deff=float(se**2 / v_srs) if v_srs > 0 else np.nan, alpha=alpha,
                              method=f"difference of {kind}s, {self.method}", p_value=p)


    def difference_table(self, items: str | Iterable[str], compare: str, a: Any, b: Any, *,
                         by: str | Sequence[str] | None = None, kind: str = "mean",
                         alpha: float = 0.05) -> pd.DataFrame:
        """Differences ``compare = b`` minus ``compare = a`` for many items, within each domain of ``by``.

        Columns: item, domain, estimate_a, estimate_b, difference, se, ci_low, ci_high, p_value,
        n_a, n_b, df, method. The covariance through shared PSUs is included, as in :meth:`difference`.
        """
        alpha = check_alpha(alpha)
        if kind not in {"mean", "proportion", "total"}:
            raise InputError("unknown estimate kind", column="kind", expected="mean, proportion or total", found=kind)
        items = [items] if isinstance(items, str) else list(items)
        if compare not in self.data.columns:
            raise InputError("comparison variable not in the data", file=self.file, column=compare,
                             expected="an existing column")
        cmp_key = self.data[compare].astype("string")
        for v in (a, b):
            if not (cmp_key == str(v)).any():
                raise InputError("comparison value not in the data", file=self.file, column=compare,
                                 expected=f"one of {sorted(cmp_key.dropna().unique().tolist())[:12]}", found=v)
        within, labels = self._domain_codes(by)
        side = np.where(cmp_key == str(a), 0, np.where(cmp_key == str(b), 1, -1))
        side = np.where(pd.isna(cmp_key).to_numpy(), -1, side)
        K = len(labels)
        k = np.where((within >= 0) & (side >= 0), within * 2 + side, -1)
        q = stats.t.ppf(1 - alpha / 2, self.df) if self.df > 0 else np.nan
        frames = []
        for item in items:
            name, y = self._numeric(item)
            r = self._means(y, k, 2 * K, "total" if kind == "total" else "mean")
            est = r["est"].reshape(K, 2)
            n = r["n"].reshape(K, 2)
            Td = r["T"][:, 1::2] - r["T"][:, 0::2]
            se = np.sqrt(self._variance(Td))
            diff = est[:, 1] - est[:, 0]
            with np.errstate(divide="ignore", invalid="ignore"):
                p = 2 * stats.t.sf(np.abs(diff / se), self.df)
            empty = (n[:, 0] == 0) | (n[:, 1] == 0)
            frame = pd.DataFrame({"item": name, "domain": labels if by is not None else [None] * K,
                                  "estimate_a": est[:, 0], "estimate_b": est[:, 1], "difference": diff, "se": se,
                                  "ci_low": diff - q * se, "ci_high": diff + q * se, "p_value": p,
                                  "n_a": n[:, 0], "n_b": n[:, 1], "df": self.df,
                                  "method": f"difference of {kind}s ({compare}: {b} - {a}), {self.method}"})
            frame.loc[empty, ["estimate_a", "estimate_b", "difference", "se", "ci_low", "ci_high", "p_value"]] = np.nan
            frame.loc[n[:, 0] == 0, "estimate_a"] = np.nan
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)


def _wave_design(data: pd.DataFrame, wave: str, waves: tuple[Any, Any], independent: bool, weight: str,
                 strata: str | None, psu: str | None, fpc: str | None, lonely_psu: str,
                 calibration: Sequence[str] | None) -> SurveyDesign:
    if wave not in data.columns:
        raise InputError("wave column not in the data", column=wave, expected="an existing column")
    d = data[data[wave].isin(list(waves))].copy()
    for v in waves:
        if not (d[wave] == v).any():
            raise InputError("wave not in the data", column=wave,
                             expected=f"one of {sorted(data[wave].dropna().unique().tolist())}", found=v)
    if independent:
        key = d[wave].astype(str)
        d["_stratum_wave"] = key + "\x1f" + (d[strata].astype(str) if strata else "")
        strata = "_stratum_wave"
    if calibration:  # each wave was raked to its own margins
        calibration = [f"{wave}:{c}" for c in calibration]
    return SurveyDesign(d, weight=weight, strata=strata, psu=psu, fpc=fpc, lonely_psu=lonely_psu,
                        calibration=calibration)


def wave_differences(data: pd.DataFrame, items: str | Iterable[str], *, wave: str = "wave", from_wave: Any,
                     to_wave: Any, by: str | Sequence[str] | None = None, independent: bool = True,
                     weight: str = "design_weight", strata: str | None = "stratum", psu: str | None = "psu",
                     fpc: str | None = None, lonely_psu: str = "error", calibration: Sequence[str] | None = None,
                     kind: str = "mean", alpha: float = 0.05) -> pd.DataFrame:
    """Change from ``from_wave`` to ``to_wave`` for many items (and domains ``by``) as a tidy table.

    Same design rules as :func:`wave_difference`; columns as in :meth:`SurveyDesign.difference_table`
    with ``estimate_a`` the earlier and ``estimate_b`` the later wave.
    """
    alpha = check_alpha(alpha)
    design = _wave_design(data, wave, (from_wave, to_wave), independent, weight, strata, psu, fpc, lonely_psu,
                          calibration)
    out = design.difference_table(items, wave, from_wave, to_wave, by=by, kind=kind, alpha=alpha)
    out["method"] = out["method"] + ("; waves as independent samples" if independent
                                     else "; waves share PSUs (covariance included)")
    return out


def wave_difference(data: pd.DataFrame, y: str, *, wave: str = "wave", from_wave: Any, to_wave: Any,
                    independent: bool = True, weight: str = "design_weight", strata: str | None = "stratum",
                    psu: str | None = "psu", fpc: str | None = None, lonely_psu: str = "error",
                    calibration: Sequence[str] | None = None, kind: str = "mean",
                    alpha: float = 0.05) -> DesignEstimate:
    """Change of a weighted mean (or share) from ``from_wave`` to ``to_wave`` with its interval.

    ``independent=True`` (default): the waves are separate samples (a new cross-section each time);
    strata are then taken per wave so the covariance is zero and ``v(diff) = v1 + v2`` (Lohr 2019,
    sec. 9.1). ``independent=False``: the waves re-use the same PSUs (a panel of areas or the same
    respondents); the covariance between waves through shared PSUs is estimated (Kish 1965,
    sec. 12.4), which usually narrows the interval. ``calibration`` names the margins each wave's
    weights were raked to (they are taken per wave).
    """
    alpha = check_alpha(alpha)
    design = _wave_design(data, wave, (from_wave, to_wave), independent, weight, strata, psu, fpc, lonely_psu,
                          calibration)
    res = design.difference(y, wave, from_wave, to_wave, kind=kind, alpha=alpha)
    design_kind = "independent samples" if independent else "shared PSUs (covariance included)"
    return DesignEstimate(variable=res.variable, domain=f"{wave} {to_wave} - {from_wave}", estimate=res.estimate,
                          se=res.se, ci_low=res.ci_low, ci_high=res.ci_high, n=res.n, df=res.df, deff=res.deff,
                          alpha=alpha, method=f"{res.method}; waves as {design_kind}", p_value=res.p_value)
