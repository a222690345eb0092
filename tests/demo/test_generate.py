"""Generation as a whole: files, determinism, synthetic notices, contracts, atomic output."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

from evaluation.contracts import validate
from evaluation.demo import generate
from evaluation.errors import InputError

from ._helpers import NOTICE, read
from .conftest import SEED

EXPECTED = [
    "municipalities.csv", "structure.csv", "areas.csv", "indicator_values.csv", "survey_responses.csv",
    "population_margins.csv", "participant_responses.csv", "measures.csv", "network_edges.csv", "events.csv",
    "index_responses.csv", "qualitative/codebook.csv", "qualitative/sources.csv", "qualitative/codings.csv",
    "ground_truth.json", "README.md",
]
CONTRACT_OF = {
    "municipalities.csv": "municipalities", "areas.csv": "areas", "indicator_values.csv": "indicator_values",
    "survey_responses.csv": "survey_responses", "population_margins.csv": "population_margins",
    "participant_responses.csv": "participant_responses", "measures.csv": "measures",
    "network_edges.csv": "network_edges", "events.csv": "events", "index_responses.csv": "index_responses",
    "qualitative/codebook.csv": "codebook", "qualitative/codings.csv": "codings",
}


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_all_files_written_and_returned(demo):
    out, paths, _ = demo
    for name in EXPECTED:
        assert (out / name).is_file(), name
        assert paths[name] == out / name
    texts = list((out / "qualitative" / "texts").glob("*.txt"))
    assert 40 <= len(texts) <= 65
    assert set(paths) == set(_files(out))


def test_default_generation_is_fast_enough(demo):
    # the brief asks < 30 s; allow head-room for a CPU shared by several test runs
    assert demo[2] < 60


def test_same_seed_gives_identical_bytes(demo, demo_again):
    a, b = _files(demo[0]), _files(demo_again)
    assert a.keys() == b.keys()
    different = [k for k in a if a[k] != b[k]]
    assert different == []


def test_other_seed_gives_other_data(demo, demo_other_seed):
    a, b = _files(demo[0]), _files(demo_other_seed)
    assert "stale.csv" not in b  # the old folder was replaced as a whole
    assert not any(p.name.startswith(".demo.") for p in demo_other_seed.parent.iterdir())  # no temp folders
    for name in ["indicator_values.csv", "survey_responses.csv", "structure.csv", "municipalities.csv",
                 "measures.csv", "network_edges.csv", "qualitative/codings.csv"]:
        body_a = a[name].split(b"\n", 1)[1]
        body_b = b[name].split(b"\n", 1)[1]
        assert body_a != body_b, name


@pytest.mark.parametrize("name", sorted(CONTRACT_OF))
def test_table_passes_contract(demo, name):
    df = read(demo[0], name)
    validate(df, CONTRACT_OF[name], file=name)


def test_every_file_carries_the_notice(demo):
    out = demo[0]
    line = NOTICE.format(seed=SEED)
    for path in sorted(out.rglob("*")):
        if not path.is_file():
            continue
        if path.suffix == ".qdpx":  # the REFI-QDA export: the project itself says it is synthetic
            from evaluation.io.refi import read_project

            assert "Musterdaten" in read_project(path).name and "synthetisch" in read_project(path).name
            continue
        text = path.read_text(encoding="utf-8")
        if path.suffix in (".csv", ".txt"):
            assert text.split("\n", 1)[0] == line, path
            assert not text.split("\n", 2)[1].startswith("#"), path  # exactly ONE comment line
        elif path.suffix == ".json":
            assert json.loads(text)["_hinweis"] == line[2:], path
        elif path.name == "README.md":
            assert line[2:] in text
            assert "start" in text and "end" in text and "exklusiv" in text
        else:  # pragma: no cover - no other file kinds expected
            pytest.fail(f"unexpected file {path}")


def test_csv_formatting(demo):
    out = demo[0]
    raw = (out / "indicator_values.csv").read_text(encoding="utf-8")
    assert "\r" not in raw
    first = raw.split("\n")[2].split(",")
    assert first[4].isdigit() and first[5].isdigit()  # counts without decimals
    mun = (out / "municipalities.csv").read_text(encoding="utf-8")
    assert ",09562000," in mun and ",03358019," in mun  # leading zeros kept


def test_generation_is_atomic(tmp_path, monkeypatch):
    gen = importlib.import_module("evaluation.demo.generate")  # the module (the package exports the function)

    target = tmp_path / "demo"
    target.mkdir()
    (target / "old.txt").write_text("alt", encoding="utf-8")

    def boom(*args, **kwargs):
        raise RuntimeError("simulated failure")

    monkeypatch.setattr(gen, "make_survey", boom)  # after the first files are written
    with pytest.raises(RuntimeError, match="simulated"):
        gen.generate(target, seed=3)
    # the old folder is untouched and no temporary folder is left behind
    assert sorted(p.name for p in target.iterdir()) == ["old.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo"]


def test_bad_arguments():
    with pytest.raises(InputError, match="scale"):
        generate("/nonexistent/never", scale="europe")
    with pytest.raises(InputError, match="seed"):
        generate("/nonexistent/never", seed="abc")
