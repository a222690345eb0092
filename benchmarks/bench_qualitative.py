"""Benchmark of the qualitative module: time and peak memory.

1. A generated REFI-QDA project (200 German-like documents, 100,000 codings, 2 coders, 60 codes
   in a hierarchy mapped to Lebensbereiche and Wirkungsstufen) written as .qdpx, read back, and
   aggregated (frequencies with roll-up, prevalence, co-occurrence, segment agreement).
2. Krippendorff's alpha on 100,000 units x 5 coders (10 % missing) beside the `krippendorff`
   package on the same data (nominal, ordinal, interval).

Run: .venv/bin/python benchmarks/bench_qualitative.py
"""

from __future__ import annotations

import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

from evaluation.io.refi import project_from_tables, read_project, write_project
from evaluation.qualitative.agreement import krippendorff_alpha, segment_agreement
from evaluation.qualitative.aggregate import code_frequencies, prevalence
from evaluation.qualitative.cooccurrence import cooccurrence

WORDS = ("Inklusion Barriere Aufzug Bahnhof Schule Verein Teilhabe Beratung Quartier Nachbarschaft Arbeit "
         "Café Begegnung Rampe Sprache Leichte Gebärde Fest Sport Rat Beirat Stadt Kommune Angebot Hilfe "
         "Zugang Weg Bus Haltestelle Wohnung Pflege Familie Kinder Jugend über größer schön 😀").split()


def _rss_mib() -> float:
    """Peak resident set size of this process so far (high-water mark), MiB."""
    import resource
    import sys
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def measure(label, fn, traced: bool = False):
    """Time ``fn``; memory as the process's peak RSS so far, and with ``traced`` also the peak of
    memory allocated during the step (tracemalloc; slows allocation-heavy Python code, so only
    used for the numpy-bound steps)."""
    if traced:
        tracemalloc.start()
    t = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t
    extra = ""
    if traced:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        extra = f"   step peak {peak / 2**20:7.1f} MiB"
    print(f"{label:<62s} {dt:8.2f} s   process peak RSS {_rss_mib():7.0f} MiB{extra}", flush=True)
    return out


def make_tables(n_docs=200, n_codings=100_000, seed=0):
    rng = np.random.default_rng(seed)
    lebens = ["familie", "bildung", "arbeit", "alltag", "gesundheit", "freizeit", "sicherheit", "partizipation"]
    rows = []
    for top in range(10):
        rows.append({"code_id": f"K{top:02d}", "parent_id": None, "name": f"Thema {top}",
                     "lebensbereich": lebens[top % 8], "wirkungsstufe": 1 + top % 7})
        for sub in range(5):
            rows.append({"code_id": f"K{top:02d}_{sub}", "parent_id": f"K{top:02d}", "name": f"Unterthema {top}.{sub}",
                         "lebensbereich": None, "wirkungsstufe": 1 + (top + sub) % 7})
    codebook = pd.DataFrame(rows)
    codebook["path"] = None
    texts = []
    for _d in range(n_docs):
        words = rng.choice(WORDS, 3000)
        breaks = np.where(rng.random(3000) < 0.05, "\r\n", " ")
        texts.append("".join(w + b for w, b in zip(words, breaks)))
    sources = pd.DataFrame({"source_id": [f"doc{d:03d}" for d in range(n_docs)],
                            "source_name": [f"Interview {d}" for d in range(n_docs)], "text": texts,
                            "municipality_id": rng.choice(["erlangen", "rostock", "schneverdingen", "gmuend", "nieder_olm"], n_docs),
                            "year": rng.integers(2018, 2024, n_docs), "case_id": [f"fall{d % 40}" for d in range(n_docs)]})
    doc = rng.integers(0, n_docs, n_codings)
    lengths = np.array([len(t) for t in texts])
    seg_len = rng.integers(20, 400, n_codings)
    start = (rng.random(n_codings) * (lengths[doc] - seg_len)).astype(int)
    end = start + seg_len
    leaf = codebook["code_id"][codebook["parent_id"].notna()].to_numpy()
    codings = pd.DataFrame({"project": "bench", "source_id": sources["source_id"].to_numpy()[doc],
                            "source_name": None, "case_id": None, "coder": rng.choice(["anna", "ben"], n_codings),
                            "code_id": rng.choice(leaf, n_codings), "start": start, "end": end})
    codings["text"] = [texts[d][s:e] for d, s, e in zip(doc, start, end)]
    return codebook, sources, codings


def main():
    print("qualitative benchmark (wall time; memory: process peak RSS, and per-step tracemalloc peak where shown)")
    t0 = time.perf_counter()
    codebook, sources, codings = make_tables()
    print(f"{'generate 200 documents, 100,000 codings':<62s} {time.perf_counter() - t0:8.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.qdpx"
        project = measure("project_from_tables (validates every coding's text)",
                          lambda: project_from_tables(codebook, sources, codings, name="bench"))
        measure("write_project -> .qdpx", lambda: write_project(project, path))
        print(f"  .qdpx size {path.stat().st_size / 2**20:.1f} MiB")
        p = measure("read_project (.qdpx, 100,000 codings, auto positions)", lambda: read_project(path))
    assert len(p.codings) == len(codings)
    meta = p.source_table()
    cb = p.codebook
    measure("code_frequencies municipality x year x code, roll-up",
            lambda: code_frequencies(p.codings, meta, cb, rollup=True))
    measure("code_frequencies to Lebensbereich", lambda: code_frequencies(p.codings, meta, cb, level="lebensbereich"))
    measure("prevalence (documents, roll-up, Wilson intervals)", lambda: prevalence(p.codings, meta, cb))
    measure("co-occurrence, overlapping segments", lambda: cooccurrence(p.codings, mode="overlap"))
    measure("co-occurrence, same document", lambda: cooccurrence(p.codings, mode="document"))
    measure("segment agreement anna vs ben (90 % overlap)", lambda: segment_agreement(p.codings, "anna", "ben"))

    import krippendorff

    rng = np.random.default_rng(1)
    truth = rng.integers(1, 6, 100_000)
    data = np.where(rng.random((5, 100_000)) < 0.8, truth, rng.integers(1, 6, (5, 100_000))).astype(float)
    data[rng.random(data.shape) < 0.1] = np.nan
    print("Krippendorff's alpha, 100,000 units x 5 coders, 10 % missing")
    for level in ("nominal", "ordinal", "interval"):
        ours = measure(f"  evaluation krippendorff_alpha ({level}, no bootstrap)",
                       lambda: krippendorff_alpha(data, level, n_boot=0), traced=True)
        ref = measure(f"  krippendorff.alpha ({level})",
                      lambda: krippendorff.alpha(reliability_data=data, level_of_measurement=level), traced=True)
        print(f"    alpha {ours.estimate:.6f} vs {ref:.6f} (difference {abs(ours.estimate - ref):.1e})")
    measure("  evaluation krippendorff_alpha (nominal, 1000 bootstrap replications)",
            lambda: krippendorff_alpha(data, "nominal", n_boot=1000), traced=True)


if __name__ == "__main__":
    main()
