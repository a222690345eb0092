"""Trends and interrupted time series: against statsmodels, simulations with known truth, the Musterdaten."""

import json

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from evaluation.errors import InputError
from evaluation.indicators.trends import (
    fit_trend, hac_critical_values, hac_se_matrix, interrupted_time_series, trend_table,
)

YEARS = np.arange(2008, 2024)


def _ar1(rng, n, rho, sd=1.0):
    e = np.empty(n)
    e[0] = rng.normal(0, sd / np.sqrt(1 - rho**2))
    for i in range(1, n):
        e[i] = rho * e[i - 1] + rng.normal(0, sd)
    return e


def test_linear_trend_equals_statsmodels_ols():
    # reference: statsmodels OLS on (1, year - first)
    rng = np.random.default_rng(0)
    y = 10 + 0.4 * (YEARS - 2008) + rng.normal(0, 1, len(YEARS))
    r = fit_trend(YEARS, y, family="linear")
    ref = sm.OLS(y, sm.add_constant(YEARS - 2008.0)).fit()
    assert r.slope == pytest.approx(ref.params[1])
    assert r.ci == pytest.approx(tuple(ref.conf_int()[1]))
    pred = r.predict([2030])
    assert pred["fitted"].iloc[0] == pytest.approx(ref.params[0] + ref.params[1] * 22)


def test_poisson_rate_trend_recovers_annual_change():
    # simulation with known truth: rate grows 5% a year; quasi-Poisson interval covers it
    rng = np.random.default_rng(1)
    pop = np.full(len(YEARS), 20000.0)
    counts = rng.poisson(pop * 0.004 * 1.05 ** (YEARS - 2008))
    r = fit_trend(YEARS, counts, exposure=pop, family="quasipoisson", scale=1000)
    assert r.annual_change_ci[0] < 0.05 < r.annual_change_ci[1]
    ref = sm.GLM(counts, sm.add_constant(YEARS - 2008.0), family=sm.families.Poisson(), exposure=pop).fit(scale="X2")
    assert r.slope == pytest.approx(ref.params[1])
    if ref.scale >= 1:
        assert r.se == pytest.approx(ref.bse[1])
    p = r.predict([2008])
    assert p["fitted"].iloc[0] == pytest.approx(np.exp(ref.params[0]) * 1000)
    nb = fit_trend(YEARS, counts, exposure=pop, family="negbin", scale=1000)
    assert nb.annual_change == pytest.approx(r.annual_change, abs=0.01)


def test_hac_se_matches_statsmodels():
    # reference: statsmodels OLS cov_type="HAC" (Newey-West, Bartlett, use_correction=True)
    rng = np.random.default_rng(2)
    post = (YEARS >= 2017).astype(float)
    X = np.column_stack([np.ones(len(YEARS)), YEARS - 2008, post, (YEARS - 2017) * post])
    y = X @ [5, 0.2, 1, 0.3] + _ar1(rng, len(YEARS), 0.5)
    ref = sm.OLS(y, X).fit(cov_type="HAC", cov_kwds={"maxlags": 2, "use_correction": True})
    ours = hac_se_matrix(X, ref.resid[:, None], 2)[:, 0]
    np.testing.assert_allclose(ours, ref.bse, rtol=1e-10)
    cv = hac_critical_values(X, 2)
    assert (cv > 2.0).all()  # wider than the normal quantile for 16 years


def test_its_exact_on_noise_free_series():
    y = 50 + 0.5 * (YEARS - 2008) + 3 * (YEARS >= 2017) + 1.0 * (YEARS - 2017) * (YEARS >= 2017)
    r = interrupted_time_series(YEARS, y + np.tile([1e-3, -1e-3], 8), start=2017)
    assert r.level_change == pytest.approx(3.0, abs=0.01)
    assert r.slope_change == pytest.approx(1.0, abs=0.01)
    assert r.pre_slope == pytest.approx(0.5, abs=0.01)
    eff = r.effects.set_index("year")["effect"]
    assert eff[2020] == pytest.approx(3 + 3 * 1.0, abs=0.02)
    assert "Newey-West" in r.summary()


def test_its_coverage_under_autocorrelation():
    # simulation with known truth: level +2, slope +0.5 from 2017, AR(1) errors rho = 0.4.
    # With simulated critical values the 95% intervals cover about 92% (t-based HAC: about 76%).
    rng = np.random.default_rng(3)
    n_sim, hit_level, hit_slope = 150, 0, 0
    for _ in range(n_sim):
        y = 20 + 0.3 * (YEARS - 2008) + 2 * (YEARS >= 2017) + 0.5 * (YEARS - 2017) * (YEARS >= 2017)
        r = interrupted_time_series(YEARS, y + _ar1(rng, len(YEARS), 0.4), start=2017)
        hit_level += r.level_ci[0] <= 2 <= r.level_ci[1]
        hit_slope += r.slope_ci[0] <= 0.5 <= r.slope_ci[1]
    assert hit_level / n_sim > 0.85
    assert hit_slope / n_sim > 0.82


def test_its_poisson_recovers_log_level_change():
    rng = np.random.default_rng(4)
    hits = 0
    for _ in range(40):
        mu = 200 * np.exp(0.02 * (YEARS - 2008) + 0.25 * (YEARS >= 2017))
        r = interrupted_time_series(YEARS, rng.poisson(mu), start=2017, family="poisson")
        hits += r.level_ci[0] <= 0.25 <= r.level_ci[1]
    assert hits >= 34


def test_its_bad_input():
    with pytest.raises(InputError, match="3 years before"):
        interrupted_time_series([2015, 2016, 2017, 2018, 2019], [1, 2, 3, 4, 5], start=2016)
    with pytest.raises(InputError, match="twice"):
        interrupted_time_series([2015, 2015, 2016, 2017, 2018, 2019], [1, 2, 3, 4, 5, 6], start=2017)
    with pytest.raises(InputError, match="whole counts"):
        fit_trend([2015, 2016, 2017], [1.5, 2, 3], family="poisson")
    assert fit_trend([2015, 2016, 2017], [10.5, 12.0, 13.5], family="quasipoisson").annual_change > 0
    with pytest.raises(InputError, match=">= 0"):
        fit_trend([2015, 2016, 2017], [-1.0, 2, 3], family="quasipoisson")
    with pytest.raises(InputError, match="at least 3"):
        fit_trend([2015, 2016, 2017], [1.0, np.nan, 3], family="linear")


def test_trend_table_per_series():
    rows = []
    for m in ("a", "b"):
        for y in range(2015, 2024):
            rows.append((m, m, y, "q", 10.0 + y - 2015, 100.0, 10.0 + y - 2015))
    rows.append(("c", "c", 2023, "q", 5.0, 100.0, 5.0))
    v = pd.DataFrame(rows, columns=["municipality_id", "area_id", "year", "indicator_id", "numerator", "denominator",
                                    "value"])
    t = trend_table(v, "proportion")
    assert t.set_index("municipality_id").loc["a", "annual_change"] == pytest.approx(1.0)
    assert t.set_index("municipality_id").loc["c", "note"] != ""


@pytest.fixture(scope="module")
def musterdaten(demo_folder):
    out = demo_folder  # the session's Musterdaten, seed 20251 (tests/conftest.py)
    iv = pd.read_csv(out / "indicator_values.csv", comment="#",
                     dtype={"municipality_id": str, "area_id": str, "indicator_id": str})
    truth = json.loads((out / "ground_truth.json").read_text(encoding="utf-8"))
    return iv, truth


def test_its_recovers_musterdaten_ground_truth(musterdaten):
    """Every injected additive effect ('scale' == 'value') on a whole-town panel series: the ITS level
    interval should hold the true effect in the start year, the slope interval the true slope, at
    about the nominal rate (95% intervals, 25 series)."""
    iv, truth = musterdaten
    level_hits, slope_hits, year_hits, n = 0, 0, [], 0
    for e in truth["effects"]:
        if e["scale"] != "value":
            continue
        s = iv[(iv.indicator_id == e["indicator_id"]) & (iv.municipality_id == e["municipality_id"])
               & (iv.area_id == e["municipality_id"])].sort_values("year")
        if s["value"].notna().sum() < 10:
            continue  # survey items: only three waves
        r = interrupted_time_series(s["year"], s["value"], start=e["start"])
        att = {int(k): v for k, v in e["att_by_year"].items()}
        n += 1
        level_hits += r.level_ci[0] <= att[e["start"]] <= r.level_ci[1]
        slope_hits += r.slope_ci[0] <= e["slope"] <= r.slope_ci[1]
        eff = r.effects.set_index("year")
        year_hits += [eff.loc[y, "ci_low"] <= a <= eff.loc[y, "ci_high"] for y, a in att.items() if y in eff.index]
    assert n >= 20
    assert level_hits / n >= 0.85
    assert slope_hits / n >= 0.85
    assert np.mean(year_hits) >= 0.85


def test_its_poisson_on_musterdaten_counts(musterdaten):
    """Count effects ('scale' == 'log': the expected count is multiplied by exp(level + slope * t)):
    the segmented Poisson model's log-scale intervals should hold the true level and slope. Five
    small series (often < 10 events a year), so at least 4 of 5 are required, not all."""
    iv, truth = musterdaten
    hits_level = hits_slope = n = 0
    for e in truth["effects"]:
        if e["scale"] != "log":
            continue
        s = iv[(iv.indicator_id == e["indicator_id"]) & (iv.municipality_id == e["municipality_id"])
               & (iv.area_id == e["municipality_id"])].sort_values("year")
        r = interrupted_time_series(s["year"], s["numerator"], start=e["start"], family="poisson")
        n += 1
        hits_level += r.level_ci[0] <= e["level"] <= r.level_ci[1]
        hits_slope += r.slope_ci[0] <= e["slope"] <= r.slope_ci[1]
    assert n >= 5
    assert hits_level >= n - 1 and hits_slope >= n - 1


def test_its_p_values_consistent_with_intervals():
    # the simulated p-value is below alpha exactly when the simulated-critical-value interval excludes 0
    rng = np.random.default_rng(9)
    agree = 0
    for _ in range(40):
        y = 10 + 0.2 * (YEARS - 2008) + rng.choice([0.0, 2.0]) * (YEARS >= 2017) + _ar1(rng, len(YEARS), 0.3)
        r = interrupted_time_series(YEARS, y, start=2017)
        excludes = r.level_ci[0] > 0 or r.level_ci[1] < 0
        agree += excludes == (r.level_p < 0.05)
    assert agree >= 39  # ties at the boundary of the simulated quantile may differ once
    t = interrupted_time_series(YEARS, y, start=2017, critical="t")
    assert t.level_p == pytest.approx(float(t.model_result.pvalues[2]))


def test_its_table_uses_kind_and_programme_start(musterdaten):
    from evaluation.indicators.trends import its_table
    from evaluation.register import load_register

    iv, truth = musterdaten
    munis = pd.DataFrame({"municipality_id": ["erlangen", "rostock", "vergleich"],
                          "programme_start": [2017, 2018, None]})
    sub = iv[iv.indicator_id.isin(["auszubildende_mb", "foerderschulbesuchsquote"])]
    out = its_table(sub, munis, load_register().table)
    assert set(out.municipality_id) == {"erlangen", "rostock"}
    fam = out.set_index(["municipality_id", "indicator_id"])["family"]
    assert fam[("erlangen", "auszubildende_mb")] == "poisson"
    assert fam[("erlangen", "foerderschulbesuchsquote")] == "linear"
    row = out.set_index(["municipality_id", "indicator_id"]).loc[("rostock", "foerderschulbesuchsquote")]
    ref = iv[(iv.municipality_id == "rostock") & (iv.area_id == "rostock")
             & (iv.indicator_id == "foerderschulbesuchsquote")].sort_values("year")
    direct = interrupted_time_series(ref["year"], ref["value"], start=2018)
    assert row["level_change"] == pytest.approx(direct.level_change)
