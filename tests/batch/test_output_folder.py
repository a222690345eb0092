"""The output folder: one run at a time, leftovers of a killed run removed, reports and manifest committed together."""

from __future__ import annotations

import json
import os

import pytest

from evaluation.batch import OutputFolder
from evaluation.batch import outdir as outdir_module
from evaluation.errors import InputError

pytestmark = [pytest.mark.xdist_group("batch")]


def _stage(out: OutputFolder, key: str, html: str, table: str) -> dict:
    work = out.work / key
    (work / "tabellen").mkdir(parents=True)
    (work / "page.html").write_text(html, encoding="utf-8")
    (work / "tabellen" / "t.csv").write_text(table, encoding="utf-8")
    return {"key": key, "kind": "municipality", "status": "ok", "staged": str(work),
            "html": str(out.path / f"{key}.html"), "tables_dir": str(out.path / key / "tabellen")}


def test_second_holder_refused_with_folder_and_pid(tmp_path):
    with OutputFolder(tmp_path / "2025"):
        with pytest.raises(InputError) as err:
            OutputFolder(tmp_path / "2025").__enter__()
        assert str(tmp_path / "2025") in str(err.value) and f"process {os.getpid()}" in str(err.value)
    with OutputFolder(tmp_path / "2025"):  # released at the end
        pass


def test_leftovers_of_a_killed_run_are_removed(tmp_path):
    year = tmp_path / "2025"
    left = year / ".work-abc123" / "snapshots"
    left.mkdir(parents=True)
    (left / "data-0.pkl").write_bytes(b"microdata")
    (year / ".erlangen.html.x.tmp").write_text("half", encoding="utf-8")
    (year / "erlangen" / "tabellen.old").mkdir(parents=True)
    with OutputFolder(year) as out:
        assert [p.name for p in year.glob(".work-*")] == [out.work.name]
        assert not list(year.rglob("*.pkl")) and not list(year.rglob("*.tmp")) and not list(year.rglob("*.old"))
        assert oct(out.work.stat().st_mode & 0o777) == "0o700"
    assert not list(year.glob(".work-*"))


def test_commit_publishes_reports_and_manifest_together(tmp_path):
    year = tmp_path / "2025"
    year.mkdir()
    (year / "erlangen.html").write_text("old", encoding="utf-8")
    (year / "failed").mkdir()
    (year / "failed" / "erlangen.ipynb").write_text("{}", encoding="utf-8")
    with OutputFolder(year) as out:
        r = _stage(out, "erlangen", "new", "a\n1\n")
        (out.work / "erlangen" / "page.pdf").write_bytes(b"%PDF-1.7")  # what run_job's --pdf print stages
        assert (year / "erlangen.html").read_text(encoding="utf-8") == "old"  # nothing published while staged
        out.commit([r], json.dumps({"run": 2}))
    assert (year / "erlangen.html").read_text(encoding="utf-8") == "new"
    assert (year / "erlangen" / "tabellen" / "t.csv").read_text(encoding="utf-8") == "a\n1\n"
    assert json.loads((year / "manifest.json").read_text(encoding="utf-8")) == {"run": 2}
    assert (year / "erlangen.pdf").read_bytes() == b"%PDF-1.7"
    assert not (year / "failed").exists()  # the report succeeded: the old failure's notebook is gone


def test_commit_interrupted_half_way_is_completed_by_the_next_start(tmp_path, monkeypatch):
    """The run dies after the first rename of its commit: the next start rolls the commit forward, so the
    manifest and the reports it lists are published together (never the new page beside the old manifest)."""
    year = tmp_path / "2025"
    year.mkdir()
    (year / "erlangen.html").write_text("old", encoding="utf-8")
    (year / "rostock.html").write_text("old", encoding="utf-8")
    (year / "manifest.json").write_text('{"run": 1}', encoding="utf-8")
    real_replace = os.replace
    calls = []

    def dying_replace(src, dst):
        calls.append(dst)
        if str(dst).endswith("rostock.html"):
            raise KeyboardInterrupt  # the process is stopped in the middle of the commit
        return real_replace(src, dst)

    with pytest.raises(KeyboardInterrupt):
        with OutputFolder(year) as out:
            results = [_stage(out, "erlangen", "new", "a\n"), _stage(out, "rostock", "new", "b\n")]
            monkeypatch.setattr(outdir_module.os, "replace", dying_replace)
            out.commit(results, json.dumps({"run": 2}))
    monkeypatch.setattr(outdir_module.os, "replace", real_replace)
    assert (year / "erlangen.html").read_text(encoding="utf-8") == "new"
    assert (year / "rostock.html").read_text(encoding="utf-8") == "old"
    assert json.loads((year / "manifest.json").read_text(encoding="utf-8")) == {"run": 1}
    with OutputFolder(year) as out:
        assert any("interrupted commit" in line for line in out.recovered)
    assert (year / "rostock.html").read_text(encoding="utf-8") == "new"
    assert (year / "rostock" / "tabellen" / "t.csv").read_text(encoding="utf-8") == "b\n"
    assert json.loads((year / "manifest.json").read_text(encoding="utf-8")) == {"run": 2}
    assert not list(year.glob(".work-*"))
