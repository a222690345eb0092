"""The shipped Regionaldatenbank tables: unchanged (hashes in data/reference/provenance.json), named by the parameter files."""

from __future__ import annotations

import hashlib
import json

from evaluation.io.genesis import read_genesis
from evaluation.io.official import MODEL_KREISE
from evaluation.params import load_all_params

from .conftest import ROOT

REF = ROOT / "data" / "reference"


def test_provenance_matches_the_files():
    record = json.loads((REF / "provenance.json").read_text(encoding="utf-8"))
    files = {r["file"]: r for r in record["files"]}
    assert set(files) == {f"regionalstatistik/{p.name}" for p in (REF / "regionalstatistik").glob("*.csv")}
    for rel, r in files.items():
        assert hashlib.sha256((REF / rel).read_bytes()).hexdigest() == r["sha256"], rel
        assert "Namensnennung" in r["licence"]
        t = read_genesis(REF / rel)
        assert t.attrs["genesis"]["table"] == r["table"] and t.attrs["genesis"]["stand"] == r["stand"]
        assert set(MODEL_KREISE) <= set(t["region_code"])


def test_parameter_files_use_the_shipped_table():
    for p in load_all_params(ROOT / "params").values():
        files = p.context_files()
        assert files and all(f.resolve().is_relative_to(REF.resolve()) for f in files)
