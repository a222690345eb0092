"""The Musterdaten's coded material (evaluation.demo, built in memory): export to REFI-QDA and
recovery of the generator's true intercoder agreement."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from evaluation.io.refi import project_from_tables, read_project, write_project
from evaluation.qualitative.agreement import cohens_kappa, percent_agreement, segment_agreement
from evaluation.qualitative.aggregate import code_frequencies, prevalence
from evaluation.qualitative.quotes import select_quotes

SEED = 20251


@pytest.fixture(scope="module")
def demo():
    demo_mod = importlib.import_module("evaluation.demo.qualitative")
    from evaluation.demo._common import rng_for
    from evaluation.demo.municipalities import make_areas, make_municipalities

    munis = make_municipalities(rng_for(SEED, "municipalities"), "default")
    areas = make_areas(munis, rng_for(SEED, "areas"))
    cb, sources, docs, codings, truth = demo_mod.make_qualitative(munis, areas, rng_for(SEED, "qualitative"),
                                                                   rng_for(SEED, "coders"))
    sources = sources.assign(text=sources["source_id"].map(docs)).drop(columns=["file"])
    return cb, sources, codings, truth


def test_musterdaten_export_validates_and_round_trips(demo, fixture_path, tmp_path):
    cb, sources, codings, _ = demo
    project = project_from_tables(cb, sources, codings, name="Musterdaten Kommune Inklusiv")
    path = write_project(project, tmp_path / "musterdaten.qdpx", schema=fixture_path("refi/schema/Project-mrt2019.xsd"))
    back = read_project(path)
    assert len(back.codings) == len(codings) and len(back.codes) == len(cb)
    assert sorted(back.codings["text"]) == sorted(codings["text"])
    meta = back.source_table().set_index("source_name")
    orig = sources.set_index("source_name")
    assert (meta.loc[orig.index, "municipality_id"] == orig["municipality_id"]).all()
    assert (meta.loc[orig.index, "case_id"].fillna("-") == orig["case_id"].fillna("-")).all()
    assert set(back.codes["lebensbereich"].dropna()) == set(cb["lebensbereich"].dropna())


def test_true_agreement_recovered(demo):
    """The generator's realised agreement (units: coder A's segments in the overlap documents, B's
    category its code on the same span or 'kein Code') is what our coefficients compute."""
    _, _, codings, truth = demo
    a = codings[codings["coder"] == "A"]
    b = codings[codings["coder"] == "B"]
    units = a[a["source_id"].isin(truth["overlap_documents"])]
    b_code = b.set_index(["source_id", "start", "end"])["code_id"]
    b_cat = [b_code.get((s, st, e), "kein Code") for s, st, e in zip(units["source_id"], units["start"], units["end"])]
    assert len(units) == truth["n_units"]
    kappa = cohens_kappa(units["code_id"].to_numpy(), np.array(b_cat, dtype=object))
    pa = percent_agreement(np.vstack([units["code_id"].to_numpy(dtype=object), np.array(b_cat, dtype=object)]))
    assert kappa.estimate == pytest.approx(truth["realised_cohens_kappa"], abs=1e-6)
    assert pa.estimate == pytest.approx(truth["realised_percent_agreement"], abs=1e-6)
    # the expected (population) kappa lies inside the interval
    assert kappa.ci[0] < truth["expected_cohens_kappa"] < kappa.ci[1]
    seg = segment_agreement(codings[codings["source_id"].isin(truth["overlap_documents"])], "A", "B")
    # B recodes A's spans exactly, so segment agreement = share of A's segments with the same code from B
    assert seg.table["agreed_a"].sum() == sum(x == y for x, y in zip(units["code_id"], b_cat))


def test_musterdaten_aggregates_and_quotes(demo):
    cb, sources, codings, _ = demo
    coder_a = codings[codings["coder"] == "A"]
    freq = code_frequencies(coder_a, sources, cb, level="lebensbereich")
    assert freq["segments"].sum() >= len(coder_a)  # each segment once per life area
    prev = prevalence(coder_a, sources, cb, by=["municipality_id"])
    assert prev["share"].between(0, 1).all() and (prev["n_units"] > 0).all()
    quotes = select_quotes(coder_a, min_words=6, max_words=40)
    assert quotes["text"].str.contains("@").sum() == 0
