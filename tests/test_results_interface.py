"""One result interface for every estimator (issue 13 item 5), checked for all of them at once.

Every estimator of indicators, impact, comparison, survey, qualitative and disclosure returns an
object with ``estimate, se, ci_low, ci_high, p_value, n, method, alpha, notes``, a text
``summary()`` and a ``summary_frame()`` whose first columns are :data:`RESULT_COLUMNS`
(as pyfixest's ``tidy()`` or statsmodels' results). ``alpha`` is the significance level, is
passed through to the result, and a confidence *level* (0.95) or a value outside (0, 0.5) is
refused by the one check :func:`evaluation.results.check_alpha`.

The known truths: a ``1 - alpha`` interval narrows when alpha grows (a 90 % interval lies inside
the 95 % one) and, for the published cases, the point estimate does not depend on alpha.
"""

from __future__ import annotations

import importlib
import inspect
import math
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from evaluation.errors import InputError
from evaluation.results import RESULT_COLUMNS, Estimate, check_alpha

# ----------------------------------------------------------------------------------- small data


def _panel(seed: int = 3) -> pd.DataFrame:
    """10 units x 6 years; units 0-2 treated from year 2004 (effect 2), the others never."""
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(10):
        g = 2004 if u < 3 else 0
        for t in range(2001, 2007):
            y = u * 0.5 + (t - 2001) * 0.3 + (2.0 if g and t >= g else 0.0) + rng.normal(0, 0.3)
            rows.append({"unit": f"u{u}", "time": t, "group": g, "y": y, "treated": int(u < 3),
                         "post": int(t >= 2004), "treat_post": int(u < 3 and t >= 2004)})
    return pd.DataFrame(rows)


def _survey() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    n = 60
    return pd.DataFrame({"stratum": np.repeat(["a", "b"], n // 2), "psu": [f"p{i // 5}" for i in range(n)],
                         "design_weight": rng.uniform(5, 15, n), "y": rng.normal(3, 1, n),
                         "d": (rng.random(n) < 0.4).astype(float), "wave": np.tile([1, 2], n // 2)})


def _items() -> pd.DataFrame:
    rng = np.random.default_rng(2)
    latent = rng.normal(size=80)
    return pd.DataFrame({f"i{k}": np.clip(np.round(3 + latent + rng.normal(0, 0.7, 80)), 1, 5) for k in range(4)})


def _ratings() -> np.ndarray:
    rng = np.random.default_rng(4)
    truth = rng.integers(0, 3, 40)
    return np.vstack([np.where(rng.random(40) < 0.8, truth, rng.integers(0, 3, 40)) for _ in range(3)]).astype(float)


def _features() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"population": rng.lognormal(10, 1, 40), "share_65plus": rng.normal(22, 3, 40)},
                        index=[f"m{i:02d}" for i in range(40)])


# ----------------------------------------------------------------------------------- estimators

def _impact(name: str) -> Callable:
    def run(alpha: float = 0.05):
        did = importlib.import_module("evaluation.impact.did")
        df = _panel()
        if name == "did_2x2":
            return did.did_2x2(df, "y", "treated", "post", alpha=alpha)
        if name == "twfe":
            return did.twfe(df, "y", "unit", "time", "treat_post", alpha=alpha)
        if name == "att_gt":
            return did.att_gt(df, "y", "unit", "time", "group", alpha=alpha)
        if name == "event_study":
            es = importlib.import_module("evaluation.impact.event_study")
            return es.event_study(df, "y", "unit", "time", "group", alpha=alpha)
        synth = importlib.import_module("evaluation.impact.synth")
        one = df[(df["unit"] == "u0") | (df["group"] == 0)]
        return synth.synthetic_control(one, "y", "unit", "time", "u0", 2004, alpha=alpha, starts=1, v_starts=1)
    return run


def _rates(name: str) -> Callable:
    from evaluation.indicators import rates

    return {
        "proportion_interval": lambda alpha=0.05: rates.proportion_interval(3, 41, alpha=alpha),
        "poisson_interval": lambda alpha=0.05: rates.poisson_interval(7, 2300, alpha=alpha),
        "proportion_difference": lambda alpha=0.05: rates.proportion_difference(56, 70, 48, 80, alpha=alpha),
        "rate_difference": lambda alpha=0.05: rates.rate_difference(30, 10_000, 12, 9_000, alpha=alpha),
    }[name]


def _fit_trend(alpha=0.05):
    from evaluation.indicators.trends import fit_trend

    return fit_trend(np.arange(2010, 2020), 10 + 0.5 * np.arange(10) + np.sin(np.arange(10)), alpha=alpha)


def _its(alpha=0.05):
    from evaluation.indicators.trends import interrupted_time_series

    years = np.arange(2008, 2022)
    values = 10 + 0.2 * (years - 2008) + 3 * (years >= 2015) + np.cos(years)
    return interrupted_time_series(years, values, start=2015, alpha=alpha)


def _shrinkage(alpha=0.05):
    from evaluation.indicators.small_area import poisson_gamma

    return poisson_gamma([3, 5, 10, 2, 7], [1000, 2000, 1500, 800, 1200], alpha=alpha)


def _beta_binomial(alpha=0.05):
    from evaluation.indicators.small_area import beta_binomial

    return beta_binomial([3, 9, 10, 2, 7], [40, 50, 45, 38, 60], alpha=alpha)


def _sobol(alpha=None):
    from evaluation.indicators.sensitivity import sobol_indices

    return sobol_indices(lambda u: u[:, 0] + 2 * u[:, 1], {"a": 1, "b": 1}, n=128)


def _cronbach(alpha=0.05):
    from evaluation.survey.scales import cronbach_alpha

    items = _items()
    return cronbach_alpha(items, list(items.columns), alpha=alpha)


def _design(kind: str) -> Callable:
    def run(alpha=0.05):
        from evaluation.survey.design import SurveyDesign

        d = SurveyDesign(_survey())
        if kind == "mean":
            return d.mean("y", alpha=alpha)
        if kind == "proportion":
            return d.proportion("d", alpha=alpha)
        return d.difference("y", "wave", 1, 2, alpha=alpha)
    return run


def _kish(alpha=None):
    from evaluation.survey.weights import kish_effective_n

    return kish_effective_n([1.0, 2.0, 1.5, 3.0, 1.0])


def _rake(alpha=None):
    from evaluation.survey.weights import rake

    sample = pd.DataFrame({"sex": ["w", "w", "m", "m", "w"], "age": ["jung", "alt", "alt", "jung", "alt"],
                           "design_weight": 1.0})
    return rake(sample, {"sex": {"w": 60, "m": 40}, "age": {"jung": 30, "alt": 70}})


def _trim(alpha=None):
    from evaluation.survey.weights import trim_weights

    return trim_weights(pd.Series([1.0, 1.0, 1.2, 0.9, 8.0, 1.1]), upper=3.0)


def _agreement(name: str) -> Callable:
    def run(alpha=0.05):
        from evaluation.qualitative import agreement as ag

        data = _ratings()
        if name == "krippendorff_alpha":
            return ag.krippendorff_alpha(data, n_boot=200, alpha=alpha)
        if name == "fleiss_kappa":
            return ag.fleiss_kappa(data, n_boot=200, alpha=alpha)
        if name == "cohens_kappa":
            return ag.cohens_kappa(data[0], data[1], alpha=alpha)
        if name == "percent_agreement":
            return ag.percent_agreement(data, alpha=alpha)
        return ag.brennan_prediger(data, alpha=alpha)
    return run


def _segments(alpha=None):
    from evaluation.qualitative.agreement import segment_agreement

    codings = pd.DataFrame({"source_id": ["s1"] * 4, "code_id": ["c1", "c1", "c2", "c2"],
                            "coder": ["a", "b", "a", "b"], "start": [0, 1, 10, 30], "end": [20, 20, 25, 40]})
    return segment_agreement(codings, min_overlap=0.5)


def _matching(alpha=None):
    from evaluation.comparison import ComparisonMatcher

    return ComparisonMatcher(k=3, caliper=None).fit(_features(), ["m00", "m01"]).result_


def _typology(alpha=None):
    import warnings

    from evaluation.comparison import Typology

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Typology(k_range=(2, 3), seed=1).fit(_features()).result_


def _suppression(alpha=None):
    from evaluation.disclosure import suppress

    table = pd.DataFrame({"A": [2, 10, 12], "B": [8, 1, 9], "total": [10, 11, 21]}, index=["x", "y", "total"])
    return suppress(table, totals="total")


#: name -> (factory, accepts alpha). Factories that accept alpha are called with alpha=0.05 and 0.1.
ESTIMATORS: dict[str, tuple[Callable, bool]] = {
    **{f"indicators.rates.{n}": (_rates(n), True) for n in
       ("proportion_interval", "poisson_interval", "proportion_difference", "rate_difference")},
    "indicators.trends.fit_trend": (_fit_trend, True),
    "indicators.trends.interrupted_time_series": (_its, True),
    "indicators.small_area.poisson_gamma": (_shrinkage, True),
    "indicators.small_area.beta_binomial": (_beta_binomial, True),
    "indicators.sensitivity.sobol_indices": (_sobol, False),
    "survey.scales.cronbach_alpha": (_cronbach, True),
    "survey.design.mean": (_design("mean"), True),
    "survey.design.proportion": (_design("proportion"), True),
    "survey.design.difference": (_design("difference"), True),
    "survey.weights.kish_effective_n": (_kish, False),
    "survey.weights.rake": (_rake, False),
    "survey.weights.trim_weights": (_trim, False),
    **{f"qualitative.agreement.{n}": (_agreement(n), True) for n in
       ("krippendorff_alpha", "fleiss_kappa", "cohens_kappa", "percent_agreement", "brennan_prediger")},
    "qualitative.agreement.segment_agreement": (_segments, False),
    "comparison.matching": (_matching, False),
    "comparison.typology": (_typology, False),
    "disclosure.suppress": (_suppression, False),
    **{f"impact.{n}": (_impact(n), True) for n in ("did_2x2", "twfe", "att_gt", "event_study", "synthetic_control")},
}

_cache: dict[tuple[str, float], object] = {}


def _result(name: str, alpha: float = 0.05):
    factory, with_alpha = ESTIMATORS[name]
    key = (name, alpha)
    if key not in _cache:
        _cache[key] = factory(alpha=alpha) if with_alpha else factory()
    return _cache[key]


def _finite_or_nan(x) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)


# ----------------------------------------------------------------------------------- the checks

@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_result_has_the_nine_attributes_and_both_summaries(name):
    r = _result(name)
    assert isinstance(r, Estimate), f"{type(r).__name__} lacks part of the result interface"
    for attr in ("estimate", "se", "ci_low", "ci_high", "p_value"):
        assert _finite_or_nan(getattr(r, attr)), f"{name}.{attr} = {getattr(r, attr)!r} is not a number"
    lo, hi = float(r.ci_low), float(r.ci_high)
    assert math.isnan(lo) or math.isnan(hi) or lo <= hi, (lo, hi)
    p = float(r.p_value)
    assert math.isnan(p) or 0.0 <= p <= 1.0, p
    assert _finite_or_nan(r.n) and float(r.n) >= 0
    assert isinstance(r.method, str) and r.method.strip(), "method must say in words what was done"
    assert check_alpha(r.alpha) == r.alpha
    assert isinstance(r.notes, tuple) and all(isinstance(s, str) for s in r.notes)
    text = r.summary()
    assert isinstance(text, str) and text.strip()
    frame = r.summary_frame()
    assert isinstance(frame, pd.DataFrame) and len(frame) >= 1
    assert tuple(frame.columns[: len(RESULT_COLUMNS)]) == RESULT_COLUMNS
    if len(frame) == 1:  # a one-estimate result: the frame is the attributes
        row = frame.iloc[0]
        for attr in ("estimate", "se", "ci_low", "ci_high", "p_value"):
            a, b = float(row[attr]), float(getattr(r, attr))
            assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b), attr
        assert row["method"] == r.method and row["alpha"] == r.alpha


ALPHA_ESTIMATORS = sorted(n for n, (_, with_alpha) in ESTIMATORS.items() if with_alpha)


@pytest.mark.parametrize("name", ALPHA_ESTIMATORS)
def test_alpha_reaches_the_result_and_narrows_the_interval(name):
    r05, r10 = _result(name, 0.05), _result(name, 0.10)
    assert r05.alpha == 0.05 and r10.alpha == 0.10
    assert float(r10.estimate) == pytest.approx(float(r05.estimate), nan_ok=True)
    if all(np.isfinite([r05.ci_low, r05.ci_high, r10.ci_low, r10.ci_high])):
        assert r05.ci_low <= r10.ci_low + 1e-9 and r10.ci_high <= r05.ci_high + 1e-9


@pytest.mark.parametrize("bad", [0.95, 1.5, 0.0, -0.1, float("nan"), "0.05x"])
@pytest.mark.parametrize("name", ALPHA_ESTIMATORS)
def test_a_confidence_level_or_nonsense_is_refused_as_alpha(name, bad):
    factory, _ = ESTIMATORS[name]
    with pytest.raises(InputError, match="alpha"):
        factory(alpha=bad)


OWN_MODULES = [
    "evaluation.indicators.rates", "evaluation.indicators.trends", "evaluation.indicators.small_area",
    "evaluation.indicators.composite", "evaluation.survey.design", "evaluation.survey.scales",
    "evaluation.survey.weights", "evaluation.qualitative.agreement", "evaluation.qualitative.aggregate",
    "evaluation.process.index_inklusion", "evaluation.process.participation", "evaluation.comparison.matching",
    "evaluation.comparison.sensitivity", "evaluation.comparison.balance", "evaluation.disclosure.tables",
    "evaluation.impact.did", "evaluation.impact.synth", "evaluation.impact.event_study",
    "evaluation.impact.inference", "evaluation.impact.programme",
]


@pytest.mark.parametrize("module", OWN_MODULES)
def test_no_confidence_level_parameters(module):
    """``alpha`` everywhere: no ``level`` / ``conf_level`` / ``level_ci`` for the interval's level."""
    mod = importlib.import_module(module)
    bad = []
    for fname, obj in vars(mod).items():
        if getattr(obj, "__module__", None) != module or fname.startswith("_"):
            continue
        funcs = [obj] if inspect.isfunction(obj) else [m for n, m in vars(obj).items()
                                                       if inspect.isfunction(m) and not n.startswith("_")] \
            if inspect.isclass(obj) else []
        for f in funcs:
            for p in inspect.signature(f).parameters.values():
                if p.name in {"conf_level", "level_ci", "ci_level", "confidence", "confidence_level"} or (
                        p.name == "level" and isinstance(p.default, float)):
                    bad.append(f"{f.__qualname__}({p.name}=...)")
    assert bad == [], f"use alpha=: {bad}"
