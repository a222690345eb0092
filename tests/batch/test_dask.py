"""The annual run on a Dask cluster (a LocalCluster started here: processes, 2 workers, 127.0.0.1).

The workers read the notebooks, parameter files, data folder and snapshot by path and write the
reports into the output folder: on one machine that holds by itself; a real cluster needs them on a
shared file system (see :func:`evaluation.batch.run_annual`).
"""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.xdist_group("batch"), pytest.mark.notebook]


@pytest.mark.slow  # over 30 s (--durations, 2 shared cores)
def test_run_annual_on_a_local_dask_cluster(demo_folder, make_params, tmp_path):
    distributed = pytest.importorskip("distributed")
    from evaluation.batch import run_annual

    params = make_params({"erlangen": demo_folder, "schneverdingen": demo_folder})
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=":0", silence_logs=40) as cluster:
        manifest = run_annual(params, 2025, tmp_path, executor=cluster.scheduler_address, overview=False,
                              progress=False)
    reports = manifest["reports"]
    assert manifest["executor"].startswith("tcp://127.0.0.1")
    assert manifest["engine"] == "kernel"  # Dask workers run many tasks: a kernel per notebook
    for key in ("erlangen", "schneverdingen"):
        assert reports[key]["status"] == "ok", reports[key]
        html = (tmp_path / "2025" / f"{key}.html").read_text(encoding="utf-8")
        assert '<html lang="de"' in html and "Musterdaten" in html and '<h2 id="kurzfassung">' in html
        assert list((tmp_path / "2025" / key / "tabellen").glob("*.csv"))
    assert manifest["status"] == "ok"
    assert not list((tmp_path / "2025").glob(".work-*"))
