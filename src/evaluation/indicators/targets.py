"""Target attainment: baseline (Basiswert) -> target (Sollwert) -> latest value, with a status.

**Attainment share** = (latest - baseline) / (target - baseline): the share of the way from the
baseline to the target already travelled. It is polarity-aware by construction (for a "lower is
better" indicator both differences are negative); 1 = target reached, < 0 = worse than the baseline.

**Status rule** (the same rule, in German, is ``text("indicators", "method.attainment")``). With
``d`` = polarity (+1 higher is better, -1 lower is better):

1. *nicht bewertbar* (``not_assessable``): polarity 0 (a context indicator), or baseline, target or
   latest value missing, or the latest value is not from a year after the baseline year.
2. A *hold* target (``d * (target - baseline) <= 0``: keep a level rather than improve it):
   *erreicht* unless the latest value is demonstrably worse than the target (its interval lies
   entirely on the bad side of the target), else *nicht auf Kurs*.
3. *erreicht* (``achieved``): the latest value is at or beyond the target (``d * (latest - target) >= 0``,
   an attainment share of 100 % or more). The reason tells whether its confidence interval excludes the
   baseline on the good side (``target_reached``: the improvement is larger than the noise) or not
   (``target_reached_within_noise``: reached, but the change is within the noise, said so in the
   report). Without an interval (a mean without standard error) the point value decides
   (``target_reached_point_only``) and ``interval_used`` is False.
4. *nicht auf Kurs* (``off_track``) if the target year has been reached or passed.
5. *auf Kurs* (``on_track``) if the trend since the baseline year (log-linear quasi-Poisson for
   counts and rates, linear for proportions and means, see :mod:`evaluation.indicators.trends`),
   projected to the target year, reaches the target; with fewer than three yearly values, if the
   attainment share is at least the share of the time elapsed (the straight path).
6. *nicht auf Kurs* otherwise.

Example
-------
>>> r = attainment(baseline=20.0, target=30.0, latest=31.0, polarity=1, latest_ci=(27.5, 34.6),
...                baseline_year=2017, target_year=2025, year=2023)
>>> r.status, round(r.share, 2)
('achieved', 1.1)
>>> attainment(20.0, 30.0, 31.0, 1, latest_ci=(18.0, 44.0), baseline_year=2017, target_year=2025, year=2023).reason
'target_reached_within_noise'
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import EstimationError, InputError
from ..texts import text
from ._common import KINDS, UNIT_SCALE, check_choice, fmt, require_columns, summary_block
from .rates import add_intervals
from .trends import fit_trend

STATUSES = ("achieved", "on_track", "off_track", "not_assessable")


@dataclass(frozen=True)
class AttainmentResult:
    """Attainment of one indicator's target. ``status`` is one of :data:`STATUSES`; ``label`` its German
    word; ``reason`` a key of ``reason.*`` in ``texts/indicators.yaml`` (``reason_text`` in German)."""

    baseline: float
    target: float
    latest: float
    ci_low: float
    ci_high: float
    share: float
    projection: float
    projection_ci: tuple[float, float]
    status: str
    reason: str
    interval_used: bool
    polarity: int
    baseline_year: int | None
    target_year: int | None
    year: int | None
    method: str = "polarity-aware attainment share; status respects the interval (see module docstring)"

    @property
    def label(self) -> str:
        return text("indicators", f"status.{self.status}")

    @property
    def reason_text(self) -> str:
        return text("indicators", f"reason.{self.reason}")

    def summary(self) -> str:
        return summary_block("Target attainment", [
            ("baseline", f"{fmt(self.baseline)} ({self.baseline_year})"),
            ("latest", f"{fmt(self.latest)} [{fmt(self.ci_low)}, {fmt(self.ci_high)}] ({self.year})"),
            ("target", f"{fmt(self.target)} ({self.target_year})"), ("polarity", self.polarity),
            ("attainment share", fmt(self.share)),
            ("projection to target year", f"{fmt(self.projection)} [{fmt(self.projection_ci[0])}, {fmt(self.projection_ci[1])}]"),
            ("status", f"{self.status} ({self.label})"), ("reason", self.reason_text)])


def _nan(x) -> bool:
    return x is None or (isinstance(x, (float, np.floating)) and not np.isfinite(x))


def attainment(baseline: float | None, target: float | None, latest: float | None, polarity: int, *,
               latest_ci: tuple[float, float] | None = None, baseline_year: int | None = None,
               target_year: int | None = None, year: int | None = None, projection: float | None = None,
               projection_ci: tuple[float, float] | None = None) -> AttainmentResult:
    """Attainment share and status of one indicator (rule in the module docstring).

    ``latest_ci`` is the confidence interval of the latest value (from
    :func:`~evaluation.indicators.rates.add_intervals`); ``projection`` the trend's value in the
    target year. Years are optional, but without them the deadline and path checks are skipped.
    """
    check_choice("polarity", polarity, (1, -1, 0))
    nan = float("nan")
    lo, hi = (nan, nan) if latest_ci is None else (float(latest_ci[0]), float(latest_ci[1]))
    has_ci = latest_ci is not None and np.isfinite(lo) and np.isfinite(hi)
    if has_ci and not (lo <= hi):
        raise InputError("the interval of the latest value is reversed", column="ci_low", expected="ci_low <= ci_high",
                         found=(lo, hi))
    pci = projection_ci if projection_ci is not None else (nan, nan)
    proj = nan if projection is None else float(projection)

    def result(status: str, reason: str, share: float = nan) -> AttainmentResult:
        return AttainmentResult(nan if _nan(baseline) else float(baseline), nan if _nan(target) else float(target),
                                nan if _nan(latest) else float(latest), lo, hi, share, proj,
                                (float(pci[0]), float(pci[1])), status, reason, bool(has_ci), int(polarity),
                                baseline_year, target_year, year)

    if polarity == 0:
        return result("not_assessable", "context_indicator")
    if _nan(target):
        return result("not_assessable", "no_target")
    if _nan(baseline):
        return result("not_assessable", "no_baseline")
    if _nan(latest):
        return result("not_assessable", "no_latest")
    if year is not None and baseline_year is not None and year <= baseline_year:
        return result("not_assessable", "no_time_elapsed")
    d = polarity
    if d * (target - baseline) <= 0:  # hold target
        worst_case_good = (hi if d > 0 else lo) if has_ci else latest
        if d * (worst_case_good - target) >= 0:
            return result("achieved", "hold_met")
        return result("off_track", "hold_missed")
    share = (latest - baseline) / (target - baseline)
    if d * (latest - target) >= 0:
        # at or beyond the target (share >= 100 %) is always "erreicht"; the reason says whether the
        # change since the baseline is larger than the noise
        if not has_ci:
            return result("achieved", "target_reached_point_only", share)
        unfavourable = lo if d > 0 else hi
        if d * (unfavourable - baseline) > 0:
            return result("achieved", "target_reached", share)
        return result("achieved", "target_reached_within_noise", share)
    if year is not None and target_year is not None and year >= target_year:
        return result("off_track", "deadline_passed", share)
    if not _nan(projection):
        if d * (proj - target) >= 0:
            return result("on_track", "projection_reaches", share)
        return result("off_track", "projection_misses", share)
    if year is not None and baseline_year is not None and target_year is not None:
        elapsed = (year - baseline_year) / (target_year - baseline_year)
        if share >= elapsed:
            return result("on_track", "path_reached", share)
        return result("off_track", "path_missed", share)
    return result("not_assessable", "no_time_elapsed", share)


def _projection(series: pd.DataFrame, kind: str, scale: float, baseline_year: int, year: int,
                target_year: int) -> tuple[float, tuple[float, float]]:
    s = series[(series["year"] >= baseline_year) & (series["year"] <= year)]
    nan = float("nan")
    try:
        if kind in ("count", "rate") and "numerator" in s and s["numerator"].notna().sum() >= 3:
            expo = s["denominator"] if kind == "rate" else None
            tr = fit_trend(s["year"], s["numerator"], exposure=expo, family="quasipoisson",
                           scale=scale if kind == "rate" else 1.0)
        else:
            tr = fit_trend(s["year"], s["value"], family="linear")
    except (InputError, EstimationError):
        return nan, (nan, nan)
    p = tr.predict([target_year]).iloc[0]
    return float(p["fitted"]), (float(p["ci_low"]), float(p["ci_high"]))


def attainment_table(values: pd.DataFrame, targets: pd.DataFrame, register_table: pd.DataFrame, year: int,
                     municipality_id: str | None = None, area_id: str | None = None,
                     alpha: float = 0.05) -> pd.DataFrame:
    """Target attainment per indicator (and municipality) for the evaluation ``year``.

    ``values``: an ``indicator_values`` table. Whole-town rows (``area_id == municipality_id``) are
    used unless ``area_id`` names a Sozialraum. ``targets``: indicator_id, baseline_year, baseline
    (may be NaN: then the value in baseline_year is used), target, target_year, and optionally
    municipality_id (else the targets apply to every municipality in ``values``, or to
    ``municipality_id``). ``register_table``: indicator_id, name, unit, polarity, wirkungsstufe,
    lebensbereich, kind.

    The latest value is the last one in or before ``year``; its interval comes from
    :func:`~evaluation.indicators.rates.add_intervals` with the indicator's kind (Wilson for
    proportions, exact Poisson for counts and rates; means need a column ``se``, otherwise they are
    judged on the point value and ``interval_used`` is False). Returns one row per indicator and
    municipality with baseline, latest and its interval, target, share, projection, status
    (English key), status_label (German) and reason.
    """
    require_columns(values, ["municipality_id", "area_id", "year", "indicator_id", "value"], "indicator_values")
    require_columns(targets, ["indicator_id", "baseline_year", "target", "target_year"], "the targets table")
    require_columns(register_table, ["indicator_id", "name", "unit", "polarity", "wirkungsstufe", "lebensbereich",
                                     "kind"], "the register table")
    reg = register_table.copy()
    reg["indicator_id"] = reg["indicator_id"].astype(str)
    reg = reg.set_index("indicator_id")
    unknown = sorted(set(targets["indicator_id"].astype(str)) - set(reg.index))
    if unknown:
        raise InputError("targets for indicators that are not in the register", column="indicator_id",
                         expected="indicators of the register", found=unknown[:5])
    bad_kind = reg.loc[~reg["kind"].isin(KINDS)]
    if len(bad_kind):
        raise InputError("unknown kind in the register table", column="kind", row=str(bad_kind.index[0]),
                         expected=f"one of {list(KINDS)}", found=bad_kind["kind"].iloc[0])
    data = values.copy()
    data["municipality_id"] = data["municipality_id"].astype(str)
    data["area_id"] = data["area_id"].astype(str)
    data = data[data["area_id"] == (area_id if area_id is not None else data["municipality_id"])]
    if municipality_id is not None:
        data = data[data["municipality_id"] == str(municipality_id)]
    tgt = targets.copy()
    tgt["indicator_id"] = tgt["indicator_id"].astype(str)
    if "baseline" not in tgt:
        tgt["baseline"] = np.nan
    if "municipality_id" in tgt.columns:
        tgt["municipality_id"] = tgt["municipality_id"].astype(str)
        if municipality_id is not None:
            tgt = tgt[tgt["municipality_id"] == str(municipality_id)]
    else:
        munis = [str(municipality_id)] if municipality_id is not None else sorted(data["municipality_id"].unique())
        tgt = tgt.merge(pd.DataFrame({"municipality_id": munis}), how="cross")
    rows = []
    for t in tgt.itertuples(index=False):
        meta = reg.loc[t.indicator_id]
        kind, unit = str(meta["kind"]), str(meta["unit"])
        scale = UNIT_SCALE.get(unit, 1.0)
        series = data[(data["municipality_id"] == t.municipality_id) & (data["indicator_id"] == t.indicator_id)
                      & (data["year"] <= year)].sort_values("year")
        row = {"municipality_id": t.municipality_id, "indicator_id": t.indicator_id, "name": meta["name"],
               "unit": unit, "kind": kind, "polarity": int(meta["polarity"]),
               "wirkungsstufe": int(meta["wirkungsstufe"]), "lebensbereich": meta["lebensbereich"],
               "baseline_year": int(t.baseline_year), "target_year": int(t.target_year), "target": float(t.target)}
        has = series[series["value"].notna() | (series["numerator"].notna() if "numerator" in series else False)]
        if has.empty:
            res = attainment(t.baseline, t.target, None, int(meta["polarity"]))
            rows.append(row | _row_from(res, None, "no_data"))
            continue
        with_ci = published_intervals(has, kind, unit, alpha)
        last = with_ci.iloc[-1]
        base_val = t.baseline
        if _nan(base_val):
            at_base = with_ci[with_ci["year"] == t.baseline_year]
            base_val = float(at_base["estimate"].iloc[0]) if len(at_base) else float("nan")
        ci = (last["ci_low"], last["ci_high"]) if np.isfinite(last["ci_low"]) else None
        if int(meta["polarity"]) != 0:
            proj, pci = _projection(has, kind, scale, int(t.baseline_year), year, int(t.target_year))
        else:
            proj, pci = float("nan"), (float("nan"), float("nan"))
        res = attainment(base_val, float(t.target), float(last["estimate"]), int(meta["polarity"]), latest_ci=ci,
                         baseline_year=int(t.baseline_year), target_year=int(t.target_year),
                         year=int(last["year"]), projection=None if not np.isfinite(proj) else proj,
                         projection_ci=pci)
        rows.append(row | _row_from(res, int(last["year"])))
    cols = ["municipality_id", "indicator_id", "name", "unit", "kind", "polarity", "wirkungsstufe", "lebensbereich",
            "baseline_year", "baseline", "latest_year", "latest", "ci_low", "ci_high", "interval_used", "target_year",
            "target", "share", "projection", "projection_low", "projection_high", "status", "status_label", "reason",
            "reason_text"]
    return pd.DataFrame(rows, columns=cols)


def published_intervals(values: pd.DataFrame, kind: str, unit: str, alpha: float = 0.05) -> pd.DataFrame:
    """Intervals around the *published* value of each row (``estimate`` = ``value``).

    A published share may be weighted (a survey raked to the population) and then differs from
    numerator / denominator; the report shows the published value, so the interval is the Wilson
    interval of that share with the denominator as sample size (an effective number of cases, the
    design effect ignored) rather than an interval around the unweighted share. Counts and rates,
    and shares equal to their counts, get the usual interval of
    :func:`~evaluation.indicators.rates.add_intervals`.
    """
    scale = UNIT_SCALE.get(unit, 1.0)
    v = values.copy()
    if kind == "proportion" and {"numerator", "denominator", "value"} <= set(v.columns):
        den = pd.to_numeric(v["denominator"], errors="coerce")
        val = pd.to_numeric(v["value"], errors="coerce")
        weighted = den.gt(0) & val.notna()
        v.loc[weighted, "numerator"] = val[weighted] / scale * den[weighted]
    out = _intervals(v, kind, scale, alpha)
    if "value" in out.columns:
        has = pd.to_numeric(out["value"], errors="coerce").notna()
        out.loc[has, "estimate"] = out.loc[has, "value"].astype(float)
    if "numerator" in values.columns:
        out["numerator"] = values["numerator"].to_numpy()
    return out


def _intervals(series: pd.DataFrame, kind: str, scale: float, alpha: float) -> pd.DataFrame:
    if kind == "mean":
        if "se" in series.columns:
            return add_intervals(series, "mean", alpha=alpha)
        out = series.copy()
        out["estimate"] = out["value"].astype(float)
        out["ci_low"] = out["ci_high"] = np.nan
        return out
    if kind == "count":
        return add_intervals(series, "count", alpha=alpha, scale=1.0)
    return add_intervals(series, kind, alpha=alpha, scale=scale)


def _row_from(res: AttainmentResult, latest_year: int | None, reason: str | None = None) -> dict:
    reason = reason or res.reason
    return {"baseline": res.baseline, "latest_year": latest_year, "latest": res.latest, "ci_low": res.ci_low,
            "ci_high": res.ci_high, "interval_used": res.interval_used, "share": res.share,
            "projection": res.projection, "projection_low": res.projection_ci[0], "projection_high": res.projection_ci[1],
            "status": res.status, "status_label": res.label, "reason": reason,
            "reason_text": text("indicators", f"reason.{reason}")}
