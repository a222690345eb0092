"""Design-based estimates: checked against samplics' TaylorEstimator (NHANES II, 31 strata x 2 PSUs)
and against the textbook formulas for simple random and stratified random sampling (Lohr 2019,
eq. 2.12 and 3.3)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from evaluation.errors import EstimationError, InputError
from evaluation.survey.design import SurveyDesign, wave_difference


@pytest.fixture(scope="module")
def samplics():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pytest.importorskip("samplics", reason="samplics is the reference package of the test extras (pip install -e .[test])")


@pytest.fixture(scope="module")
def nhanes(samplics):
    return samplics.load_nhanes2()["data"]


def _reference(samplics, param, d, y, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = samplics.TaylorEstimator(param)
        est.estimate(y=d[y], samp_weight=d["finalwgt"], stratum=d["stratid"], psu=d["psuid"], remove_nan=True, **kw)
    return est


def test_mean_and_domain_means_match_samplics(samplics, nhanes):
    design = SurveyDesign(nhanes, weight="finalwgt", strata="stratid", psu="psuid")
    for y in ("zinc", "highbp"):
        ours = design.mean(y)
        ref = _reference(samplics, samplics.PopParam.mean, nhanes, y)
        assert ours.estimate == pytest.approx(ref.point_est, rel=1e-12)
        assert ours.se == pytest.approx(ref.stderror, rel=1e-10)
        assert ours.ci_low == pytest.approx(ref.lower_ci, rel=1e-10)
        assert ours.df == 31
    ref = _reference(samplics, samplics.PopParam.mean, nhanes, "zinc", domain=nhanes["race"])
    table = design.table("zinc", "race")
    for dom in ("1", "2", "3"):
        row = table[table["domain"] == dom].iloc[0]
        key = int(dom)
        assert row["estimate"] == pytest.approx(ref.point_est[key], rel=1e-12)
        assert row["se"] == pytest.approx(ref.stderror[key], rel=1e-9)
        assert row["ci_high"] == pytest.approx(ref.upper_ci[key], rel=1e-9)
    # the single-domain call agrees with the table
    assert design.mean("zinc", domain=("race", 2)).se == pytest.approx(ref.stderror[2], rel=1e-9)


def test_proportion_logit_interval_and_total_match_samplics(samplics, nhanes):
    design = SurveyDesign(nhanes, weight="finalwgt", strata="stratid", psu="psuid")
    ours = design.proportion("highbp")
    ref = _reference(samplics, samplics.PopParam.prop, nhanes, "highbp")
    assert ours.estimate == pytest.approx(ref.point_est[1], rel=1e-12)
    assert ours.se == pytest.approx(ref.stderror[1], rel=1e-10)
    assert ours.ci == pytest.approx((ref.lower_ci[1], ref.upper_ci[1]), rel=1e-8)
    tot = design.total("highbp")
    ref = _reference(samplics, samplics.PopParam.total, nhanes, "highbp")
    assert tot.estimate == pytest.approx(ref.point_est, rel=1e-12)
    assert tot.se == pytest.approx(ref.stderror, rel=1e-9)


def test_simple_random_sample_with_fpc_is_the_textbook_formula():
    """Lohr (2019) eq. 2.12: SE(ybar) = sqrt((1 - n/N) s^2 / n) for an SRS of n from N."""
    y = np.array([3.0, 5, 4, 6, 2, 7, 5, 4, 3, 6])
    N = 40
    df = pd.DataFrame({"y": y, "w": N / len(y), "fpc": N, "stratum": "1", "psu": [str(i) for i in range(10)]})
    est = SurveyDesign(df, weight="w", strata=None, psu=None, fpc="fpc").mean("y")
    assert est.estimate == pytest.approx(y.mean())
    assert est.se == pytest.approx(np.sqrt((1 - 10 / 40) * y.var(ddof=1) / 10))
    assert est.df == 9
    assert est.deff == pytest.approx(1 - 10 / 40)  # deff is against SRS *with* replacement


def test_stratified_random_sample_is_the_textbook_formula():
    """Lohr (2019) eq. 3.3: V(ybar_str) = sum (N_h/N)^2 (1 - n_h/N_h) s_h^2 / n_h."""
    rng = np.random.default_rng(11)
    sizes = {"a": (8, 100), "b": (12, 300), "c": (5, 40)}
    frames = []
    for h, (n_h, N_h) in sizes.items():
        frames.append(pd.DataFrame({"stratum": h, "psu": [f"{h}{i}" for i in range(n_h)],
                                    "y": rng.normal(10 + len(h), 2, n_h), "w": N_h / n_h, "N": N_h}))
    df = pd.concat(frames, ignore_index=True)
    est = SurveyDesign(df, weight="w", fpc="N").mean("y")
    N = sum(N_h for _, N_h in sizes.values())
    expect_mean = sum(N_h / N * df.loc[df.stratum == h, "y"].mean() for h, (_, N_h) in sizes.items())
    expect_var = sum((N_h / N) ** 2 * (1 - n_h / N_h) * df.loc[df.stratum == h, "y"].var(ddof=1) / n_h
                     for h, (n_h, N_h) in sizes.items())
    assert est.estimate == pytest.approx(expect_mean)
    assert est.se == pytest.approx(np.sqrt(expect_var))
    assert est.df == len(df) - 3
    # sampling fractions instead of population sizes give the same answer
    df["f"] = df["w"] ** -1
    assert SurveyDesign(df, weight="w", fpc="f").mean("y").se == pytest.approx(est.se)


@pytest.fixture
def two_waves():
    rng = np.random.default_rng(5)
    rows = []
    for wave in (2019, 2022):
        for h in ("nord", "sued"):
            for c in range(6):
                effect = rng.normal(0, 0.3)
                for _i in range(8):
                    rows.append({"wave": wave, "stratum": h, "psu": f"{h}-{c}", "design_weight": rng.uniform(5, 15),
                                 "has_disability": bool(rng.random() < 0.2),
                                 "y": float(rng.normal(3 + 0.4 * (wave == 2022) + effect, 1))})
    return pd.DataFrame(rows)


def test_wave_difference_of_independent_samples_adds_variances(two_waves):
    d = wave_difference(two_waves, "y", from_wave=2019, to_wave=2022)
    e0 = SurveyDesign(two_waves[two_waves.wave == 2019]).mean("y")
    e1 = SurveyDesign(two_waves[two_waves.wave == 2022]).mean("y")
    assert d.estimate == pytest.approx(e1.estimate - e0.estimate)
    assert d.se == pytest.approx(np.sqrt(e0.se**2 + e1.se**2))
    assert d.df == 24 - 4 and d.ci_low < d.estimate < d.ci_high and 0 <= d.p_value <= 1


def test_wave_difference_with_shared_psus_uses_the_covariance(two_waves):
    """The same respondents answering identically in both waves: no change and no variance of the change."""
    first = two_waves[two_waves.wave == 2019]
    panel = pd.concat([first, first.assign(wave=2022)], ignore_index=True)
    shared = wave_difference(panel, "y", from_wave=2019, to_wave=2022, independent=False)
    assert shared.estimate == pytest.approx(0.0, abs=1e-12) and shared.se == pytest.approx(0.0, abs=1e-12)
    indep = wave_difference(panel, "y", from_wave=2019, to_wave=2022, independent=True)
    assert indep.se > 0.05


def test_domain_difference_people_with_and_without_disabilities(two_waves):
    first = two_waves[two_waves.wave == 2019]
    design = SurveyDesign(first)
    diff = design.difference("y", "has_disability", False, True)
    m1 = design.mean("y", domain=("has_disability", True)).estimate
    m0 = design.mean("y", domain=("has_disability", False)).estimate
    assert diff.estimate == pytest.approx(m1 - m0)
    # linearity: the difference's SE from the joint PSU totals, computed here by hand
    w, y, dis = first["design_weight"].to_numpy(), first["y"].to_numpy(), first["has_disability"].to_numpy()
    z = np.where(dis, w * (y - m1) / w[dis].sum(), -w * (y - m0) / w[~dis].sum())
    t = pd.Series(z).groupby([first["stratum"].to_numpy(), first["psu"].to_numpy()]).sum()
    var = sum(len(g) / (len(g) - 1) * ((g - g.mean()) ** 2).sum() for _, g in t.groupby(level=0))
    assert diff.se == pytest.approx(np.sqrt(var))


def test_missing_item_values_and_domain_estimation_without_subsetting(two_waves):
    d = two_waves[two_waves.wave == 2019].copy()
    d.loc[d.index[:10], "y"] = np.nan
    design = SurveyDesign(d)
    est = design.mean("y")
    valid = d.dropna(subset=["y"])
    assert est.estimate == pytest.approx(np.average(valid["y"], weights=valid["design_weight"]))
    assert est.n == len(valid)


def test_table_many_items_and_category_shares(two_waves):
    d = two_waves[two_waves.wave == 2019].copy()
    d["q"] = np.resize([1, 2, 3, 2], len(d))
    d["flag"] = (d["y"] > 3).astype(float)
    design = SurveyDesign(d)
    t = design.table(["y", "q"], by="stratum")
    assert len(t) == 4 and set(t["domain"]) == {"nord", "sued"}
    p = design.table("flag", kind="proportion")
    assert 0 <= p["ci_low"].iloc[0] < p["estimate"].iloc[0] < p["ci_high"].iloc[0] <= 1
    shares = design.category_shares("q", by="stratum", labels={1: "nie", 2: "selten", 3: "oft"})
    assert shares.groupby("domain")["estimate"].sum().round(12).tolist() == [1.0, 1.0]
    assert set(shares["label"]) == {"nie", "selten", "oft"}
    with pytest.raises(InputError, match="0/1 item"):
        design.table("q", kind="proportion")


def test_bad_design_input():
    d = pd.DataFrame({"stratum": ["a", "a", "b"], "psu": ["1", "2", "3"], "design_weight": [1.0, 0.0, 2.0],
                      "y": [1.0, 2.0, 3.0]})
    with pytest.raises(InputError, match="weight is missing, zero or negative") as err:
        SurveyDesign(d)
    assert "row 1" in str(err.value)
    d["design_weight"] = 1.0
    with pytest.raises(EstimationError, match="single PSU"):
        SurveyDesign(d)
    certain = SurveyDesign(d, lonely_psu="certainty").mean("y")
    adjusted = SurveyDesign(d, lonely_psu="adjust").mean("y")
    assert adjusted.se > certain.se > 0
    with pytest.raises(InputError, match="not in the data"):
        SurveyDesign(d, weight="gewicht")
    d["text"] = ["x", "y", "z"]
    with pytest.raises(InputError, match="not numeric"):
        SurveyDesign(d, lonely_psu="certainty").mean("text")


def test_poststratified_weights_give_the_textbook_poststratification_variance():
    """Post-stratification (Lohr 2019, sec. 4.4; Särndal, Swensson & Wretman 1992, sec. 7.6): with
    weights N_g / n_g the linearised variance is n/(n-1) * sum_g W_g^2 (n_g - 1)/n_g * s_g^2 / n_g,
    i.e. the within-post-stratum variance only; treated as fixed weights, the between part stays in."""
    rng = np.random.default_rng(21)
    n = 300
    g = rng.choice(["jung", "mittel", "alt"], n, p=[0.5, 0.3, 0.2])
    y = rng.normal(0, 1, n) + np.select([g == "jung", g == "mittel"], [1.0, 3.0], 6.0)
    N_g = {"jung": 3000.0, "mittel": 4000.0, "alt": 3000.0}
    n_g = pd.Series(g).value_counts()
    df = pd.DataFrame({"g": g, "y": y, "w": [N_g[x] / n_g[x] for x in g]})
    cal = SurveyDesign(df, weight="w", strata=None, psu=None, calibration=["g"]).mean("y")
    N = sum(N_g.values())
    expect = n / (n - 1) * sum((N_g[h] / N) ** 2 * (n_g[h] - 1) / n_g[h] * df.y[df.g == h].var(ddof=1) / n_g[h]
                               for h in N_g)
    assert cal.estimate == pytest.approx(sum(N_g[h] / N * df.y[df.g == h].mean() for h in N_g))
    assert cal.se == pytest.approx(np.sqrt(expect), rel=1e-10)
    fixed = SurveyDesign(df, weight="w", strata=None, psu=None).mean("y")
    assert fixed.se > 2 * cal.se
    assert "calibrated to g" in cal.method


def test_raked_weights_make_the_calibrated_margins_exact():
    """A share that the weights were raked to has no sampling variance left (Deville & Särndal 1992)."""
    from evaluation.survey.weights import rake

    rng = np.random.default_rng(8)
    n = 1500
    d = pd.DataFrame({"stratum": rng.integers(0, 5, n).astype(str), "psu": rng.integers(0, 20, n).astype(str),
                      "sex": rng.choice(["w", "m"], n), "age": rng.choice(["a", "b", "c"], n),
                      "design_weight": rng.uniform(1, 3, n)})
    d["weight"] = rake(d, {"sex": {"w": 600, "m": 400}, "age": {"a": 300, "b": 300, "c": 400}}).weights
    d["is_w"] = (d["sex"] == "w").astype(float)
    d["y"] = 2 * d["is_w"] + rng.normal(0, 1, n)
    cal = SurveyDesign(d, weight="weight", calibration=["sex", "age"])
    assert cal.mean("is_w").se == pytest.approx(0.0, abs=1e-12)
    assert cal.total("is_w").se == pytest.approx(0.0, abs=1e-9)
    fixed = SurveyDesign(d, weight="weight")
    assert fixed.mean("is_w").se > 0.005
    assert cal.mean("y").se < fixed.mean("y").se
    with pytest.raises(InputError, match="calibration variable not in the data"):
        SurveyDesign(d, weight="weight", calibration=["bildung"])


def test_wave_differences_table_agrees_with_single_differences(two_waves):
    from evaluation.survey.design import wave_differences

    d = two_waves.assign(dis=two_waves["has_disability"].astype(float))
    t = wave_differences(d, ["y", "dis"], from_wave=2019, to_wave=2022)
    for item in ("y", "dis"):
        one = wave_difference(d, item, from_wave=2019, to_wave=2022)
        row = t[t["item"] == item].iloc[0]
        assert row["difference"] == pytest.approx(one.estimate) and row["se"] == pytest.approx(one.se)
        assert row["p_value"] == pytest.approx(one.p_value)
    by = wave_differences(d, "y", from_wave=2019, to_wave=2022, by="stratum", independent=False)
    # the same contrast through a combined wave|stratum column and SurveyDesign.difference
    d["ws"] = d["wave"].astype(str) + "|" + d["stratum"]
    design = SurveyDesign(d)
    one = design.difference("y", "ws", "2019|nord", "2022|nord")
    row = by[by["domain"] == "nord"].iloc[0]
    assert row["difference"] == pytest.approx(one.estimate) and row["se"] == pytest.approx(one.se)
    sub = d[(d.stratum == "nord") & (d.wave == 2019)]
    assert row["estimate_a"] == pytest.approx(np.average(sub["y"], weights=sub["design_weight"]))


def test_domains_crossed_from_two_columns_leave_out_missing_values():
    d = pd.DataFrame({"stratum": ["a"] * 4 + ["b"] * 4, "psu": list("11223344"), "design_weight": 1.0,
                      "y": np.arange(8.0), "sex": ["w", "m", None, "w", "m", "w", "m", "m"],
                      "dis": [1, 0, 1, 0, 1, 0, 1, 0]})
    t = SurveyDesign(d).table("y", by=["sex", "dis"]).set_index("domain")
    assert list(t.index) == ["m | 0", "m | 1", "w | 0", "w | 1"]
    assert t.loc["m | 0", "estimate"] == 4.0 and t.loc["w | 1", "n"] == 1 and t["n"].sum() == 7


def test_reliability_flags_in_tables():
    """Statistics Canada release rule: CV > 33.3 % not reliable ('/'), 16.6-33.3 % caution ('()')."""
    from evaluation.survey.design import reliability_flag

    assert reliability_flag([100, 100, 100, 10], [0.10, 0.20, 0.40, 0.01]).tolist() == ["", "()", "/", "/"]
    d = pd.DataFrame({"stratum": ["a"] * 40 + ["b"] * 40, "psu": [str(i // 4) for i in range(80)],
                      "design_weight": 1.0, "y": np.resize([1.0, 2.0, 3.0, 10.0], 80),
                      "g": ["x"] * 70 + ["y"] * 10})
    t = SurveyDesign(d).table("y", by="g").set_index("domain")
    assert t.loc["y", "flag"] == "/"  # 10 respondents
    assert t.loc["x", "cv"] == pytest.approx(t.loc["x", "se"] / t.loc["x", "estimate"])
