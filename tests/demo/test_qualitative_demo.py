"""The synthetic qualitative material: offsets, code book, coders and their known agreement."""

from __future__ import annotations

import numpy as np

from ._helpers import content, read, truth


def test_every_coding_text_equals_the_content_slice(demo):
    out = demo[0]
    cod = read(out, "qualitative/codings.csv")
    src = read(out, "qualitative/sources.csv").set_index("source_id")
    cache = {}
    for row in cod.itertuples():
        if row.source_id not in cache:
            cache[row.source_id] = content(out, src.loc[row.source_id, "file"])
        assert row.text == cache[row.source_id][int(row.start):int(row.end)]
    assert set(cod["source_id"]) == set(src.index)


def test_documents(demo):
    out = demo[0]
    src = read(out, "qualitative/sources.csv")
    assert src.groupby("municipality_id").size().between(8, 13).all()
    assert set(src["kind"]) == {"interview", "workshop", "begehung"}
    lengths = [len(content(out, f)) for f in src["file"]]
    assert min(lengths) >= 1500 and max(lengths) <= 7000
    # longitudinal cases: some case interviewed in 2 or 3 waves
    waves = src[src["kind"] == "interview"].groupby("case_id")["wave"].nunique()
    assert waves.max() >= 2 and (waves >= 2).sum() >= 10
    # pseudonymisation has work to do: an e-mail address and a phone number in the texts
    text = "".join(content(out, f) for f in src["file"])
    assert "@musterpost.example" in text and "Tel. 0" in text


def test_codebook(demo):
    cb = read(demo[0], "qualitative/codebook.csv")
    assert 25 <= len(cb) <= 40
    ids = set(cb["code_id"])
    assert set(cb["parent_id"].dropna()) <= ids
    depth = cb["path"].str.count("/") + 1
    assert depth.min() == 1 and depth.max() == 3
    cod = read(demo[0], "qualitative/codings.csv")
    assert set(cod["code_id"]) <= ids


def test_coder_b_and_agreement(demo):
    out = demo[0]
    cod = read(out, "qualitative/codings.csv")
    gt = truth(out)["coder_agreement"]
    a, b = cod[cod["coder"] == "A"], cod[cod["coder"] == "B"]
    assert set(b["source_id"]) <= set(gt["overlap_documents"])
    n_docs = cod["source_id"].nunique()
    assert 0.2 <= len(gt["overlap_documents"]) / n_docs <= 0.4
    ov = a[a["source_id"].isin(gt["overlap_documents"])]
    merged = ov.merge(b[["source_id", "start", "end", "code_id"]], on=["source_id", "start", "end"], how="left",
                      suffixes=("", "_b"))
    b_codes = merged["code_id_b"].fillna("kein Code")
    agree = float(np.mean(merged["code_id"] == b_codes))
    assert len(merged) == gt["n_units"]
    assert abs(agree - gt["realised_percent_agreement"]) < 1e-6
    assert abs(agree - gt["q"]) < 0.08  # the realised agreement is close to the process parameter
    assert abs(gt["expected_cohens_kappa"] - gt["realised_cohens_kappa"]) < 0.08
