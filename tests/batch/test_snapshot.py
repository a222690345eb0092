"""The validated snapshot of a data folder: same numbers as validating in the notebook, refused when stale."""

from __future__ import annotations

import shutil

import pytest

from evaluation.batch import run_annual
from evaluation.dataset import load_dataset
from evaluation.errors import ContractError, InputError
from evaluation.params import load_params
from evaluation.reporting.snapshot import Snapshot, folder_hash, load_snapshot, write_snapshot

pytestmark = [pytest.mark.xdist_group("batch"), pytest.mark.notebook]


@pytest.fixture(scope="module")
def dataset(demo_folder):
    return load_dataset(demo_folder)


@pytest.mark.slow  # over 30 s (--durations, 2 shared cores)
def test_snapshot_run_gives_byte_identical_csvs_and_html(demo_folder, make_params, tmp_path):
    """Fast path (snapshot + shared index + papermill in a forked warm worker) against the reference
    path (the notebook validates the folder and computes the index itself, in its own Jupyter kernel)."""
    params = make_params({"erlangen": demo_folder})
    ref = run_annual(params, 2025, tmp_path / "ref", executor="serial", overview=False, progress=False,
                     snapshot=False)
    fast = run_annual(params, 2025, tmp_path / "fast", jobs=1, overview=False, progress=False)
    assert ref["reports"]["erlangen"]["status"] == "ok", ref["reports"]["erlangen"]
    assert fast["reports"]["erlangen"]["status"] == "ok", fast["reports"]["erlangen"]
    assert (ref["snapshot"], ref["engine"], fast["snapshot"], fast["engine"]) == (False, "kernel", True, "inprocess")

    a = {p.name: p.read_bytes() for p in (tmp_path / "ref" / "2025" / "erlangen" / "tabellen").glob("*.csv")}
    b = {p.name: p.read_bytes() for p in (tmp_path / "fast" / "2025" / "erlangen" / "tabellen").glob("*.csv")}
    assert len(a) > 10 and {"index_raenge.csv", "index_lebensbereiche.csv"} <= a.keys()
    assert a.keys() == b.keys()
    assert [k for k in a if a[k] != b[k]] == []
    html_a = (tmp_path / "ref" / "2025" / "erlangen.html").read_text(encoding="utf-8")
    html_b = (tmp_path / "fast" / "2025" / "erlangen.html").read_text(encoding="utf-8")
    assert html_a == html_b


def test_inprocess_engine_needs_the_local_pool(demo_folder, make_params, tmp_path):
    with pytest.raises(InputError, match="in-process engine"):
        run_annual(make_params({"erlangen": demo_folder}), 2025, tmp_path, executor="serial", engine="inprocess",
                   progress=False)


def test_context_from_snapshot_uses_the_shared_index_of_its_seed(dataset, demo_folder, make_params, tmp_path,
                                                                 monkeypatch):
    import yaml

    import evaluation.analysis.inputs as inputs_module

    from evaluation.analysis import fitted_index, load_inputs

    params = make_params({"erlangen": demo_folder})
    seed = load_params(params / "erlangen.yaml").comparison.seed
    sentinel = ("index", "uncertainty", 2024)
    snap = Snapshot(dataset=dataset, folder=str(demo_folder), input_hash=folder_hash(demo_folder),
                    index={(2025, seed): sentinel, (2025, seed + 1): ("another seed",)})
    path = write_snapshot(snap, tmp_path / "s.pkl")

    def no_validation(*args, **kwargs):
        raise AssertionError("load_inputs validated the data folder despite the snapshot")

    monkeypatch.setattr(inputs_module, "load_dataset", no_validation)
    p, ds = load_inputs(params / "erlangen.yaml", snapshot=path)
    assert fitted_index(ds, p, 2025) == sentinel  # the analysis finds the parent's result in its own cache
    assert ds.indicator_values.equals(dataset.indicator_values)
    assert p.municipality.id == "erlangen" and ds.is_synthetic

    raw = yaml.safe_load((params / "erlangen.yaml").read_text(encoding="utf-8"))
    raw["comparison"]["seed"] = seed + 2  # no shared result for this seed: the chapter computes its own
    raw["municipality"]["id"] = "atlantis"  # and a municipality the data do not know
    (params / "atlantis.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ContractError, match="'atlantis' of the parameter files is not in municipalities.csv"):
        load_inputs(params / "atlantis.yaml", snapshot=path)
    raw["municipality"]["id"] = "erlangen"
    (params / "atlantis.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    _, other = load_inputs(params / "atlantis.yaml", snapshot=path)
    assert "_index_cache" not in other.__dict__


def test_snapshot_refused_when_the_data_changed(dataset, demo_folder, tmp_path):
    copy = tmp_path / "demo"
    shutil.copytree(demo_folder, copy)
    snap = Snapshot(dataset=dataset, folder=str(copy), input_hash=folder_hash(copy))
    path = write_snapshot(snap, tmp_path / "s.pkl")
    assert load_snapshot(path).input_hash == snap.input_hash
    with pytest.raises(InputError, match="snapshot of"):
        load_snapshot(path, folder=demo_folder)  # a snapshot of another folder
    with open(copy / "measures.csv", "a", encoding="utf-8") as fh:
        fh.write("\n")
    with pytest.raises(InputError, match="changed after its snapshot"):
        load_snapshot(path)
    with pytest.raises(InputError, match="not found"):
        load_snapshot(tmp_path / "missing.pkl")
