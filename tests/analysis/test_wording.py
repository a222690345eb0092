"""The wording rule (evaluation.analysis.wording.classify_effect) on hand-made cases with a known answer."""

from __future__ import annotations

import math

import pytest

from evaluation.analysis.wording import classify_effect, difference_unit, direction

OK = dict(balance_ok=True, pretrend_p=0.5, pretrend_alpha=0.1, event_post_excludes_zero=True, synth_fit="ok",
          synth_sign_agrees=True)


def test_robust_only_when_interval_excludes_zero_and_every_check_passes():
    assert classify_effect(2.0, 1.0, 3.0, **OK).key == "robust"
    assert classify_effect(-2.0, -3.0, -1.0, **OK).key == "robust"
    assert classify_effect(2.0, -0.5, 4.0, **OK).key == "unclear"


@pytest.mark.parametrize("change, reason", [
    ({"balance_ok": False}, "balance_failed"),
    ({"pretrend_p": 0.03}, "pretrend_significant"),
    ({"synth_fit": "perfect"}, "synth_perfect_fit"),
])
def test_a_failed_diagnostic_makes_the_estimate_not_interpretable_and_is_named(change, reason):
    v = classify_effect(2.0, 1.0, 3.0, **(OK | change))
    assert v.key == "not_interpretable" and reason in v.reasons
    # also when the interval includes zero: a failed check is never hidden behind "unclear"
    assert classify_effect(2.0, -1.0, 3.0, **(OK | change)).key == "not_interpretable"


@pytest.mark.parametrize("change, reason", [
    ({"balance_ok": None}, "balance_missing"),
    ({"pretrend_p": math.nan}, "pretrend_missing"),
    ({"event_post_excludes_zero": False}, "event_bands_include_zero"),
    ({"synth_fit": None}, "synth_missing"),
    ({"synth_sign_agrees": False}, "synth_sign_disagrees"),
])
def test_a_clear_estimate_without_full_support_is_only_an_indication(change, reason):
    v = classify_effect(2.0, 1.0, 3.0, **(OK | change))
    assert v.key == "indication" and v.reasons == (reason,)


def test_poor_synthetic_fit_is_no_check_and_no_veto():
    assert classify_effect(2.0, 1.0, 3.0, **(OK | {"synth_fit": "poor", "synth_sign_agrees": False})).key == "robust"


def test_no_estimate():
    assert classify_effect(math.nan, math.nan, math.nan, **OK).key == "not_estimated"
    assert classify_effect(None, None, None, **OK).key == "not_estimated"


def test_direction_follows_polarity_and_units_of_differences():
    assert direction(-0.3, -1) == "improvement" and direction(0.3, -1) == "worsening"
    assert direction(0.3, 1) == "improvement" and direction(0.3, 0) == "neutral" and direction(0.0, 1) == "none"
    assert difference_unit("percent") == "percentage_points" and difference_unit("per_1000") == "per_1000"


def test_the_rule_as_applied_in_the_bundle(erlangen_bundle):
    # every row's verdict is what the rule gives for its own diagnostics (no second rule anywhere)
    e = erlangen_bundle.effects.table.dropna(subset=["estimate"])
    alpha = erlangen_bundle.meta.choices["analysis"]["pretrend_alpha"]
    for r in e.itertuples():
        v = classify_effect(r.estimate, r.ci_low, r.ci_high, balance_ok=r.balance_ok, pretrend_p=r.pretrend_p,
                            pretrend_alpha=alpha, event_post_excludes_zero=r.event_post_excludes_zero,
                            synth_fit=r.synth_fit, synth_sign_agrees=r.synth_sign_agrees)
        assert (v.key, ";".join(v.reasons)) == (r.verdict, r.reasons)
        if r.verdict == "robust":
            assert r.ci_low > 0 or r.ci_high < 0
