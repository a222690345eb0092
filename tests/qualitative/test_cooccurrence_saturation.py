"""Co-occurrence against a brute-force pair count; saturation curve."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from evaluation.qualitative.cooccurrence import cooccurrence
from evaluation.qualitative.saturation import saturation


def _random_codings(seed, n=40):
    rng = np.random.default_rng(seed)
    start = rng.integers(0, 200, n)
    return pd.DataFrame({"source_id": rng.choice(["d1", "d2"], n), "code_id": rng.choice(list("ABCD"), n),
                         "start": start, "end": start + rng.integers(1, 40, n)}).drop_duplicates(
        ["source_id", "code_id", "start", "end"])


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), distance=st.integers(0, 30))
def test_overlap_and_proximity_match_brute_force(seed, distance):
    df = _random_codings(seed)
    for mode in ("overlap", "proximity"):
        got = cooccurrence(df, mode=mode, distance=distance).set_index(["code_a", "code_b"])["count"].to_dict()
        expected: dict = {}
        for r1, r2 in itertools.combinations(df.itertuples(), 2):
            if r1.source_id != r2.source_id or r1.code_id == r2.code_id:
                continue
            gap = max(r1.start, r2.start) - min(r1.end, r2.end)  # < 0: overlap
            ok = gap < 0 if mode == "overlap" else gap <= distance
            if ok:
                for a, b in ((r1.code_id, r2.code_id), (r2.code_id, r1.code_id)):
                    expected[(a, b)] = expected.get((a, b), 0) + 1
        assert got == expected


def test_document_mode_and_jaccard(synthetic):
    _, _, codings = synthetic
    co = cooccurrence(codings, mode="document")
    r = co[(co["code_a"] == "BARR") & (co["code_b"] == "TEIL_FEST")].iloc[0]
    # BARR in d1, d6; TEIL_FEST in d1, d6 -> both in 2 documents, Jaccard 2 / (2 + 2 - 2) = 1
    assert (r["count"], r["n_a"], r["n_b"], r["jaccard"]) == (2, 2, 2, 1.0)
    seg = cooccurrence(codings, mode="overlap", codes=["BARR", "BARR_AUFZ", "ARB"], include_self=True)
    pair = seg[(seg["code_a"] == "BARR") & (seg["code_b"] == "BARR_AUFZ")].iloc[0]
    assert pair["count"] == 1 and pair["jaccard"] == pytest.approx(1 / (2 + 2 - 1))
    none = seg[(seg["code_a"] == "ARB") & (seg["code_b"] == "BARR")].iloc[0]
    assert none["count"] == 0 and none["jaccard"] == 0
    assert len(seg) == 9  # full symmetric grid with the diagonal, ready for a heat map


def test_saturation_curve(synthetic):
    _, sources, codings = synthetic
    s = saturation(codings, sources=sources)
    assert s["source_id"].tolist() == list(sources["source_id"])
    assert s["new_codes"].tolist() == [3, 2, 1, 1, 0, 1]  # d3 adds BARR_BORD only (KOMM seen in d2)
    assert s["cumulative_codes"].iloc[-1] == codings["code_id"].nunique() == 8
    assert s["share_of_total"].iloc[-1] == 1.0
    perm = saturation(codings, sources=sources, n_permutations=200)
    assert perm["cumulative_codes"].iloc[-1] == pytest.approx(8)
    assert (np.diff(perm["cumulative_codes"]) >= 0).all()
    assert (perm["cumulative_low"] <= perm["cumulative_codes"]).all()
