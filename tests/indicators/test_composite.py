"""CompositeIndex: each step against a hand computation or a reference, and the bad-input rules."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from evaluation.errors import InputError
from evaluation.indicators.composite import CompositeIndex, power_mean
from evaluation.survey.scales import cronbach_alpha_coefficient
from evaluation.indicators.sensitivity import sobol_indices

LB = ["familie", "bildung", "arbeit"]


def make_meta(p_per=2, polarity=None):
    ids = [f"i{j}" for j in range(p_per * len(LB))]
    pol = polarity or [1, -1] * (len(ids) // 2)
    return pd.DataFrame({"indicator_id": ids, "lebensbereich": np.repeat(LB, p_per), "polarity": pol})


def make_panel(n_units=25, years=(2019, 2020, 2021), seed=0, missing=0.0):
    rng = np.random.default_rng(seed)
    meta = make_meta()
    rows = []
    for u in range(n_units):
        f = rng.normal()
        for y in years:
            for _j, (iid, pol) in enumerate(zip(meta.indicator_id, meta.polarity)):
                v = 50 + 8 * f * pol + rng.normal(0, 4) + (y - years[0])
                rows.append((f"m{u:02d}", y, iid, np.nan if rng.random() < missing else v))
    return meta, pd.DataFrame(rows, columns=["municipality_id", "year", "indicator_id", "value"])


def test_minmax_equal_arithmetic_by_hand():
    meta = make_meta()
    rng = np.random.default_rng(1)
    wide = pd.DataFrame(rng.normal(size=(10, 6)), columns=meta.indicator_id, index=[f"u{i}" for i in range(10)])
    ci = CompositeIndex(meta, outliers="none").fit(wide)
    x = wide.to_numpy()
    share = (x - x.min(0)) / (x.max(0) - x.min(0))
    share[:, 1::2] = 1 - share[:, 1::2]  # polarity -1
    expected = (share * 100).reshape(10, 3, 2).mean(axis=2).mean(axis=1)
    np.testing.assert_allclose(ci.scores_.to_numpy(), expected)
    assert ci.ranks_.tolist() == list(pd.Series(expected).rank(ascending=False, method="min").astype(int))
    assert [s["step"] for s in ci.steps_] == ["imputation", "outliers", "normalisation", "weights", "aggregation"]


def test_geometric_and_harmonic_match_scipy():
    # reference: scipy.stats.gmean / hmean with weights
    x = np.array([[2.0, 8.0, 5.0]])
    w = np.array([0.2, 0.3, 0.5])
    assert power_mean(x, w, "geometric")[0] == pytest.approx(stats.gmean(x[0], weights=w))
    assert power_mean(x, w, "harmonic")[0] == pytest.approx(stats.hmean(x[0], weights=w))
    assert np.isnan(power_mean(np.array([[np.nan, np.nan, np.nan]]), w, "arithmetic")[0])
    # a missing value drops out and the weights are rescaled
    assert power_mean(np.array([[np.nan, 8.0, 5.0]]), w, "arithmetic")[0] == pytest.approx((0.3 * 8 + 0.5 * 5) / 0.8)


def test_with_regenerates_with_one_change_and_zscore():
    meta, data = make_panel()
    ci = CompositeIndex(meta).fit(data)
    z = ci.with_(normalisation="zscore")
    assert z.normalisation == "zscore" and ci.normalisation == "minmax"
    xn = z.normalised_
    raw = ci.treated_
    ref = (raw - raw.mean()) / raw.std(ddof=1) * meta.set_index("indicator_id").polarity
    np.testing.assert_allclose(xn.to_numpy(), ref.to_numpy(), atol=1e-12)
    assert z.steps_[2]["method"] == "zscore"


def test_panel_fixed_base_and_base_index():
    meta, data = make_panel()
    ci = CompositeIndex(meta, base_year=2019).fit(data)
    base = ci.normalised_.xs(2019, level="year")
    assert base.min().min() == pytest.approx(0) and base.max().max() == pytest.approx(100)
    # everyone improves by +1 a year in the raw data: positive-polarity indicators rise in later years
    later = ci.normalised_.xs(2021, level="year")["i0"].mean()
    assert later > base["i0"].mean()
    bi = ci.with_(normalisation="base_index")
    b = bi.normalised_
    np.testing.assert_allclose(b.xs(2019, level="year").to_numpy(), 100.0)
    u0 = data[(data.municipality_id == "m00") & (data.indicator_id == "i1")].set_index("year")["value"]
    assert b.loc[("m00", 2021), "i1"] == pytest.approx(100 * u0[2019] / u0[2021])  # polarity -1: inverse ratio


def test_imputation_methods():
    meta, data = make_panel(missing=0.1, seed=3)
    with pytest.raises(InputError):
        wide = data[data.year == 2019].pivot(index="municipality_id", columns="indicator_id", values="value")
        CompositeIndex(meta, imputation="carry").fit(wide)  # no panel: nothing to carry
    for method in ("mean", "median", "carry"):
        ci = CompositeIndex(meta, imputation=method).fit(data)
        assert ci.imputed_.notna().all().all() or method == "carry"
        assert ci.steps_[0]["imputed"]
    m = CompositeIndex(meta, imputation="mean").fit(data)
    wide = m.raw_
    miss = wide["i0"].isna()
    year_mean = wide["i0"].groupby(level="year").transform("mean")
    np.testing.assert_allclose(m.imputed_.loc[miss, "i0"], year_mean[miss])
    groups = {f"m{u:02d}": ("a" if u < 12 else "b") for u in range(25)}
    g = CompositeIndex(meta, imputation="group").fit(data, groups=groups)
    assert g.imputed_.notna().all().all()
    none = CompositeIndex(meta).fit(data)
    # a single missing indicator drops out within its Lebensbereich; a whole missing Lebensbereich leaves no index
    whole_lb_missing = none.raw_.isna().T.groupby(meta.set_index("indicator_id").lebensbereich).all().any()
    assert (none.scores_.isna() == whole_lb_missing).all()
    assert whole_lb_missing.sum() < len(whole_lb_missing)


def test_outlier_rule_winsorises_then_logs():
    rng = np.random.default_rng(5)
    meta = pd.DataFrame({"indicator_id": ["a", "b", "c"], "lebensbereich": ["arbeit"] * 3, "polarity": [1, 1, 1]})
    a = rng.normal(50, 5, 60)
    a[0] = 200.0  # one outlier: winsorising fixes it
    b = rng.lognormal(0, 1.6, 60)  # heavy tail: too many points, log instead
    c = rng.normal(0, 1, 60)
    wide = pd.DataFrame({"a": a, "b": b, "c": c}, index=[f"u{i}" for i in range(60)])
    ci = CompositeIndex(meta).fit(wide)
    t = ci.treatment_
    assert t.loc["a", "action"] == "winsorised" and t.loc["a", "n_winsorised"] == 1
    assert ci.treated_["a"].max() == pytest.approx(np.sort(a)[-2])
    assert t.loc["b", "action"] == "log"
    assert t.loc["c", "action"] == "none"
    sk = stats.skew(ci.treated_["a"], bias=False)
    assert abs(sk) <= 2 or stats.kurtosis(ci.treated_["a"], bias=False) <= 3.5


def test_weights_expert_and_pca():
    meta, data = make_panel()
    expert = meta.assign(weight=[0.7, 0.3, 0.5, 0.5, 0.1, 0.9])
    ci = CompositeIndex(expert, weights="expert", domain_weights={"familie": 0.5, "bildung": 0.25, "arbeit": 0.25}).fit(data)
    d = ci.domain_scores_.iloc[0]
    xn = ci.normalised_.iloc[0]
    assert d["familie"] == pytest.approx(0.7 * xn["i0"] + 0.3 * xn["i1"])
    assert ci.scores_.iloc[0] == pytest.approx(0.5 * d["familie"] + 0.25 * d["bildung"] + 0.25 * d["arbeit"])
    pca = CompositeIndex(meta, weights="pca").fit(data)
    # reference: squared loadings of the first eigenvector of the correlation matrix (numpy)
    sub = pca.normalised_[["i0", "i1"]]
    val, vec = np.linalg.eigh(np.corrcoef(sub.to_numpy(), rowvar=False))
    np.testing.assert_allclose(pca.weights_[["i0", "i1"]].to_numpy(), vec[:, -1] ** 2, atol=1e-10)
    assert pca.weights_.groupby(meta.set_index("indicator_id").lebensbereich).sum().tolist() == pytest.approx([1, 1, 1])


def test_cronbach_alpha_spearman_brown():
    # simulation with known truth: k parallel items with inter-item correlation r have
    # alpha = k r / (1 + (k - 1) r) (standardised alpha, Spearman-Brown)
    rng = np.random.default_rng(7)
    k, r, n = 4, 0.5, 40000
    f = rng.normal(size=(n, 1))
    items = np.sqrt(r) * f + np.sqrt(1 - r) * rng.normal(size=(n, k))
    assert cronbach_alpha_coefficient(items) == pytest.approx(k * r / (1 + (k - 1) * r), abs=0.01)


def test_audit_flags_negative_and_collinear():
    rng = np.random.default_rng(2)
    n = 80
    f = rng.normal(size=n)
    meta = pd.DataFrame({"indicator_id": ["a", "b", "c", "d"], "lebensbereich": ["arbeit", "arbeit", "arbeit", "bildung"],
                         "polarity": [1, 1, 1, 1]})
    wide = pd.DataFrame({"a": f + 0.05 * rng.normal(size=n), "b": f + 0.05 * rng.normal(size=n),
                         "c": -f + 0.3 * rng.normal(size=n), "d": rng.normal(size=n)}, index=[f"u{i}" for i in range(n)])
    audit = CompositeIndex(meta, outliers="none").fit(wide).audit()
    kinds = set(zip(audit.flags.kind, audit.flags.indicator_1, audit.flags.indicator_2))
    assert ("collinear", "a", "b") in kinds
    assert ("negative", "a", "c") in kinds
    assert np.isnan(audit.cronbach["bildung"])  # a single indicator has no alpha
    assert audit.correlations.loc["a", "b"] == pytest.approx(np.corrcoef(wide.a, wide.b)[0, 1], abs=1e-6)
    assert "alpha" in audit.summary()


def test_uncertainty_and_sensitivity_shapes_and_determinism():
    meta, data = make_panel(n_units=15)
    ci = CompositeIndex(meta).fit(data)
    u1 = ci.uncertainty(n_draws=200, seed=4)
    u2 = ci.uncertainty(n_draws=200, seed=4)
    pd.testing.assert_frame_equal(u1.ranks, u2.ranks)
    r = u1.ranks
    assert (r.rank_low <= r.rank_median).all() and (r.rank_median <= r.rank_high).all()
    assert u1.rank_draws.shape == (15, 200)
    # every draw's ranks are a permutation of 1..n (no ties in continuous data)
    assert (np.sort(u1.rank_draws, axis=0) == np.arange(1, 16)[:, None]).all()
    assert set(u1.draws.columns) == {"normalisation", "aggregation"}
    # one draw evaluated through the Monte Carlo path equals fit() with the same choices
    space = {"normalisation": ["rank"], "aggregation": ["geometric"]}
    cache = ci._combo_inputs(space, ci._slice(None))
    u = np.full((1, 2 + 6 + 3), 0.5)  # weight multipliers exactly 1
    mc = ci._evaluate(u, space, cache, weight_noise=0.25)[0]
    ref = ci.with_(normalisation="rank", aggregation="geometric", range=(1.0, 100.0)).results(2021)
    np.testing.assert_allclose(np.sort(mc), np.sort(ref["index"].to_numpy()), rtol=1e-10)
    s = ci.sensitivity(n=64, seed=1)
    assert list(s.table.factor) == ["normalisation", "aggregation", "weights"]
    assert s.n_evaluations == 64 * 5
    per_unit = ci.sensitivity(n=16, seed=1, output="ranks").by_output
    assert set(per_unit["output"]) == {f"m{u:02d}" for u in range(15)}


def test_sobol_ishigami_published_values():
    # Ishigami & Homma (1990), a = 7, b = 0.1: analytic S = (0.3139, 0.4424, 0), ST = (0.5576, 0.4424, 0.2437)
    def ishigami(u):
        x = -np.pi + 2 * np.pi * u
        return np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])

    res = sobol_indices(ishigami, {"x1": 1, "x2": 1, "x3": 1}, n=40000, seed=3)
    np.testing.assert_allclose(res.table.first_order, [0.3139, 0.4424, 0.0], atol=0.03)
    np.testing.assert_allclose(res.table.total, [0.5576, 0.4424, 0.2437], atol=0.03)


@pytest.mark.parametrize("change, match", [
    (dict(normalisation="zscore", aggregation="geometric"), "positive values"),
    (dict(aggregation="geometric", range=(0, 100)), "above 0"),
    (dict(normalisation="base_index"), "base_year"),
    (dict(normalisation="softmax"), "unknown normalisation"),
])
def test_bad_configuration(change, match):
    meta, data = make_panel(n_units=5)
    with pytest.raises(InputError, match=match):
        CompositeIndex(meta, **change).fit(data)


def test_bad_data():
    meta, data = make_panel(n_units=6)
    flat = data.copy()
    flat.loc[flat.indicator_id == "i2", "value"] = 3.0
    with pytest.raises(InputError, match="does not vary"):
        CompositeIndex(meta).fit(flat)
    allnan = data.copy()
    allnan.loc[allnan.indicator_id == "i3", "value"] = np.nan
    with pytest.raises(InputError, match="missing for every unit"):
        CompositeIndex(meta).fit(allnan)
    with pytest.raises(InputError, match="sum to 1"):
        CompositeIndex(meta.assign(weight=0.4), weights="expert").fit(data)
    with pytest.raises(InputError, match="sum to 1"):
        CompositeIndex(meta, domain_weights={"familie": 0.5, "bildung": 0.5, "arbeit": 0.5}).fit(data)
    neg = data.copy()
    neg.loc[0, "value"] = -5.0
    with pytest.raises(InputError, match="positive"):
        CompositeIndex(meta, normalisation="base_index", base_year=2019, outliers="none").fit(neg)
    with pytest.raises(InputError, match="polarity"):
        CompositeIndex(meta.assign(polarity=0)).fit(data)
    with pytest.raises(InputError, match="missing from the indicator table"):
        CompositeIndex(meta.iloc[:-1]).fit(data)


def test_missing_lebensbereich_leaves_index_missing_and_listed():
    meta, data = make_panel(n_units=6, years=(2020,))
    d = data.copy()
    d.loc[(d.municipality_id == "m01") & d.indicator_id.isin(["i0", "i1"]), "value"] = np.nan
    ci = CompositeIndex(meta).fit(d)
    assert np.isnan(ci.scores_.loc[("m01", 2020)])
    assert ci.incomplete_.loc[("m01", 2020), "missing_lebensbereiche"] == "familie"
    assert pd.isna(ci.ranks_.loc[("m01", 2020)])


def test_carry_imputation_values_and_zscore_uncertainty_defaults():
    meta, data = make_panel(n_units=8)
    d = data.copy()
    mask = (d.municipality_id == "m03") & (d.indicator_id == "i0")
    v2019 = d.loc[mask & (d.year == 2019), "value"].iloc[0]
    v2021 = d.loc[mask & (d.year == 2021), "value"].iloc[0]
    d.loc[mask & (d.year.isin([2019, 2020])), "value"] = np.nan
    ci = CompositeIndex(meta, imputation="carry").fit(d)
    assert ci.imputed_.loc[("m03", 2020), "i0"] == pytest.approx(v2021)  # leading gap: first value carried back
    d2 = data.copy()
    d2.loc[mask & (d2.year == 2020), "value"] = np.nan
    ci2 = CompositeIndex(meta, imputation="carry").fit(d2)
    assert ci2.imputed_.loc[("m03", 2020), "i0"] == pytest.approx(v2019)  # last value carried forward
    z = CompositeIndex(meta, normalisation="zscore").fit(data).uncertainty(n_draws=30)
    assert set(z.draws["aggregation"]) == {"arithmetic"}


def test_goalposts_use_raw_values_without_outlier_treatment():
    rng = np.random.default_rng(5)
    meta = pd.DataFrame({"indicator_id": ["a", "b"], "lebensbereich": ["arbeit", "bildung"], "polarity": [1, -1]})
    a = rng.normal(50, 5, 60)
    a[0] = 200.0
    wide = pd.DataFrame({"a": a, "b": rng.normal(10, 2, 60)}, index=[f"u{i}" for i in range(60)])
    ci = CompositeIndex(meta, normalisation="goalposts", goalposts={"a": (0, 100), "b": (0, 20)}).fit(wide)
    assert (ci.treatment_["action"] == "none").all()
    assert ci.normalised_.loc["u0", "a"] == pytest.approx(100.0)  # clipped at the upper goalpost
    assert ci.normalised_.loc["u1", "b"] == pytest.approx((20 - wide.loc["u1", "b"]) / 20 * 100)


def test_wide_panel_input_and_method_text():
    meta, data = make_panel(n_units=6)
    wide = data.pivot_table(index=["municipality_id", "year"], columns="indicator_id", values="value")
    a = CompositeIndex(meta).fit(data)
    b = CompositeIndex(meta).fit(wide)
    np.testing.assert_allclose(a.scores_.to_numpy(), b.scores_.to_numpy())
    t = CompositeIndex(meta, aggregation="geometric").method_text(1000)
    assert "geometrisches Mittel" in t and "1.000" in t


def test_sensitivity_known_truth_single_active_choice():
    # known truth: only the aggregation varies (no weight noise, one normalisation), so it explains all
    # the variance of the rank shift and the other factors none
    meta, data = make_panel(n_units=20)
    ci = CompositeIndex(meta).fit(data)
    s = ci.sensitivity(n=128, choices={"normalisation": ["minmax"], "aggregation": ["arithmetic", "harmonic"]},
                       weight_noise=0.0, seed=2).table.set_index("factor")
    assert s.loc["aggregation", "total"] == pytest.approx(1.0, abs=0.15)
    assert s.loc["aggregation", "first_order"] == pytest.approx(1.0, abs=0.2)
    assert s.loc["normalisation", "total"] == 0 and s.loc["weights", "total"] == 0
