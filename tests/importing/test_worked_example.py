"""Worked example end to end (README "Eigene Daten"): evaluation import + evaluation run for Erlangen (Kreis 09562)
from the shipped Regionaldatenbank tables, the Pallant SPSS survey and the NVivo REFI-QDA export."""

from __future__ import annotations

import html
import re
import shutil

import pyreadstat
import pytest

from evaluation.cli import EXIT_OK, main

from .conftest import EXAMPLE, make_raw


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("eigene_daten")
    make_raw(root)
    shutil.copytree(EXAMPLE / "params", root / "params")
    return root


def test_import_validate_analyse(project, capsys, monkeypatch):
    from evaluation.analysis import analyse, load_inputs

    monkeypatch.chdir(project)
    assert main(["import", "--params", "params/erlangen.yaml"]) == EXIT_OK
    assert main(["validate", "--params", "params"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "gültig" in out and "Musterdaten" not in out
    params, dataset = load_inputs(project / "params" / "erlangen.yaml")
    a = analyse(params, dataset, parts=["survey", "official", "qualitative"])
    est = a.survey.estimates.set_index("item")
    # the team's own items with the mapping's labels; design weights 1: the share is the plain share of 4-5 answers
    raw, _ = pyreadstat.read_sav(str(project / "data" / "raw" / "befragung" / "pallant_survey.sav"), usecols=["op1"])
    assert est.loc["optimismus", "label"] == "Erwartet in unsicheren Zeiten meist das Beste"
    assert est.loc["optimismus", "estimate"] == pytest.approx(100 * raw["op1"].dropna().isin([4, 5]).mean())
    assert est.loc["optimismus", "n"] == raw["op1"].notna().sum()
    # Kontext: the years and Kreise of the parameter file; Regionaldatenbank 13211 Erlangen 2020: 320 of 2648
    t = a.official.table.set_index("year")
    assert list(t.index) == [2015, 2016, 2017, 2018, 2019, 2020]
    assert t.loc[2020, "count"] == 320 and t.loc[2020, "value"] == pytest.approx(100 * 320 / 2648)
    assert a.qualitative.n_codings == 303 and a.qualitative.n_documents == 2


@pytest.mark.slow
def test_run_makes_the_report(project, tmp_path, monkeypatch):
    monkeypatch.chdir(project)
    if not (project / "data" / "processed").exists():
        assert main(["import", "--params", "params/erlangen.yaml"]) == EXIT_OK
    code = main(["run", "--year", "2021", "--params", "params", "--out", str(tmp_path), "--jobs", "1", "--quiet"])
    assert code == EXIT_OK
    page = (tmp_path / "2021" / "erlangen.html").read_text(encoding="utf-8")
    words = html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))
    assert "Erwartet in unsicheren Zeiten meist das Beste" in words  # the team's own survey item
    assert "Datenlizenz Deutschland" in words and "13211-02-05-4" in words  # the real Kreis figures, attributed
    assert "Musterdaten" not in words and "liegt nicht vor" not in words
    assert "kein codiertes Material" not in words
