"""Frequencies, roll-ups, prevalence and case view on the synthetic German project (hand-counted)
and against a brute-force count on random data."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from evaluation.errors import InputError
from evaluation.qualitative.aggregate import case_view, code_frequencies, prevalence
from evaluation.qualitative.codebook import ancestors, code_paths, inherited_mapping


def _row(df, **keys):
    mask = np.ones(len(df), dtype=bool)
    for k, v in keys.items():
        mask &= (df[k] == v).to_numpy()
    return df[mask].iloc[0]


def test_codebook_helpers(synthetic):
    codebook, _, _ = synthetic
    assert code_paths(codebook).tolist()[:3] == ["Barrieren", "Barrieren/Aufzüge", "Barrieren/Bordsteine"]
    assert ancestors(codebook)["TEIL_SPORT"] == ["TEIL_SPORT", "TEIL"]
    m = inherited_mapping(codebook).set_index("code_id")
    assert m.loc["TEIL_SPORT", "lebensbereich"] == "freizeit" and m.loc["TEIL_SPORT", "wirkungsstufe"] == 5
    assert m.loc["TEIL_FEST", "wirkungsstufe"] == 3  # own value wins over the parent's
    bad = codebook.copy()
    bad.loc[0, "parent_id"] = "BARR_AUFZ"
    with pytest.raises(InputError, match="cycle"):
        ancestors(bad)


def test_frequencies_and_rollup(synthetic):
    codebook, sources, codings = synthetic
    f = code_frequencies(codings, sources)
    assert _row(f, municipality_id="erlangen", year=2021, code_id="BARR_AUFZ")["segments"] == 2
    assert _row(f, municipality_id="erlangen", year=2021, code_id="BARR")["segments"] == 1
    assert _row(f, municipality_id="erlangen", year=2021, code_id="BARR_AUFZ")["words"] == 16  # 2 segments x 8 words; the emoji is no word
    r = code_frequencies(codings, sources, codebook, rollup=True)
    # BARR on d1: anna's BARR and BARR_AUFZ are the same segment (counted once), ben's is another
    assert _row(r, municipality_id="erlangen", year=2021, code_id="BARR")["segments"] == 2
    assert _row(r, municipality_id="erlangen", year=2021, code_id="TEIL")["segments"] == 2
    assert _row(r, municipality_id="rostock", year=2023, code_id="TEIL")["segments"] == 2
    assert _row(r, municipality_id="rostock", year=2023, code_id="TEIL")["documents"] == 1


def test_levels_lebensbereich_and_wirkungsstufe(synthetic):
    codebook, sources, codings = synthetic
    lb = code_frequencies(codings, sources, codebook, by=["municipality_id"], level="lebensbereich")
    alltag = _row(lb, municipality_id="rostock", lebensbereich="alltag")
    assert alltag["segments"] == 3 and alltag["documents"] == 2
    assert _row(lb, municipality_id="rostock", lebensbereich="freizeit")["segments"] == 2
    ws = code_frequencies(codings, sources, codebook, by=["municipality_id"], level="wirkungsstufe")
    assert _row(ws, municipality_id="erlangen", wirkungsstufe=6)["segments"] == 5
    assert ws["wirkungsstufe"].dtype == "Int64"


def _wilson(k, n, z=1.959963984540054):
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def test_prevalence_counts_uncoded_documents(synthetic):
    codebook, sources, codings = synthetic
    p = prevalence(codings, sources, codebook)
    r = _row(p, municipality_id="rostock", year=2022, code_id="BARR")
    assert (r["n_units"], r["k_units"], r["share"]) == (2, 1, 0.5)  # d5 has no coding but was analysed
    assert (r["ci_low"], r["ci_high"]) == pytest.approx(_wilson(1, 2))  # Wilson (1927) score interval
    zero = _row(p, municipality_id="rostock", year=2022, code_id="TEIL")
    assert zero["k_units"] == 0 and zero["share"] == 0.0  # a true zero, listed
    assert len(p) == 4 * len(codebook)  # 4 municipality-years x all codes
    cases = prevalence(codings, sources, codebook, unit="case", by=[])
    assert _row(cases, code_id="ARB")["n_units"] == 1 and _row(cases, code_id="ARB")["share"] == 1.0


def test_case_view(synthetic):
    codebook, sources, codings = synthetic
    v = case_view(codings, sources, codebook)
    assert len(v) == 2 * len(codebook)
    assert _row(v, case_id="fall_mueller", year=2021, code_id="BARR_AUFZ")["segments"] == 2
    later = _row(v, case_id="fall_mueller", year=2023, code_id="TEIL_FEST")
    assert later["segments"] == 0 and not later["present"]
    assert _row(v, case_id="fall_mueller", year=2023, code_id="ARB")["present"]


def test_unknown_document_is_an_error(synthetic):
    codebook, sources, codings = synthetic
    with pytest.raises(InputError, match="missing from the sources table"):
        code_frequencies(codings, sources[sources["source_id"] != "d1"])


CODEBOOK = pd.DataFrame({
    "code_id": ["R1", "R1a", "R1a_i", "R1b", "R2", "R2a"],
    "parent_id": [None, "R1", "R1a", "R1", None, "R2"],
    "name": ["Eins", "Eins a", "Eins a i", "Eins b", "Zwei", "Zwei a"],
})


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_rollup_matches_brute_force(seed):
    codebook = CODEBOOK
    rng = np.random.default_rng(seed)
    n = 60
    codings = pd.DataFrame({"source_id": rng.choice(["a", "b", "c"], n), "code_id": rng.choice(codebook["code_id"], n),
                            "coder": rng.choice(["x", "y"], n), "start": rng.integers(0, 5, n) * 10})
    codings["end"] = codings["start"] + 10
    codings["text"] = "wort " * 3
    sources = pd.DataFrame({"source_id": ["a", "b", "c"], "municipality_id": "m", "year": [2020, 2020, 2021]})
    got = code_frequencies(codings, sources, codebook, rollup=True).set_index(["year", "code_id"])["segments"]
    anc = ancestors(codebook)
    year = dict(zip(sources["source_id"], sources["year"]))
    expected: dict = {}
    for r in codings.itertuples():
        for a in anc[r.code_id]:
            expected.setdefault((year[r.source_id], a), set()).add((r.source_id, r.coder, r.start, r.end))
    assert {k: len(v) for k, v in expected.items()} == got.to_dict()
