"""The plan of a Musterdaten municipality and its report: every section says Musterdaten, the figure
has its text alternative and data table, the report module computes nothing, the notebook is clean."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def plan(demo_folder):
    from evaluation.planning.plan import plan_from_files

    return plan_from_files(ROOT / "params" / "nieder_olm.yaml", data_folder=demo_folder)


def test_plan_tables(plan):
    t = plan.indicators.set_index("indicator_id")
    assert plan.demo and len(plan.pool.ids) >= 3
    # every target of the parameter file is in the table, with a verdict from the documented set
    from evaluation.planning.feasibility import VERDICTS

    targets = t[t["target"].notna()]
    assert len(targets) == 10 and set(targets["verdict"]) <= set(VERDICTS)
    # panel indicators with a target get a projection, an MDE and the closed form beside it
    for ind in ("arbeitslose_sb_anteil", "inklusionsanteil", "foerderschulbesuchsquote", "barrierefreie_haltestellen"):
        row = t.loc[ind]
        assert np.isfinite(row["projection"]) and row["mde"] > 0 and row["closed_form"] > 0
        assert row["projection_low"] <= row["projection"] <= row["projection_high"]
        assert row["n_pre"] == 7  # Nieder-Olm starts 2019: 2012-2018
    # verdict consistent with its rule
    for r in targets.itertuples():
        if r.verdict == "not_detectable":
            assert 0 < r.needed_effect < r.mde
        if r.verdict == "detectable":
            assert r.needed_effect >= r.mde
        if r.verdict == "reachable_without_effect":
            assert r.needed_effect <= 0
    # Sozialraum MDEs exist for the Sozialraum indicators, and are larger than the whole town's
    assert set(plan.areas["indicator_id"]) == {"barrierefreie_haltestellen", "barrierefreie_wahllokale"}
    assert (plan.areas["mde"] > plan.areas["town_mde"]).mean() > 0.5
    assert not plan.survey.empty and (plan.survey["deff_used"] > 0).all()


def test_report_sections(plan, tmp_path):
    from evaluation.reporting import planning as rp
    from evaluation.reporting.blocks import TableSink

    sink = TableSink(tmp_path)
    sections = rp.report_sections(plan, sink)
    for sec in sections:
        html = sec.html()
        assert "Musterdaten" in html, sec.title
    body = "".join(s.html() for s in sections)
    assert '<img src="data:image/png;base64,' in body and 'alt="Punktdiagramm' in body
    assert "<summary>Tabelle zur Abbildung" in body
    for word in ("Basiswert", "Sollwert", "Trend im Zieljahr", "Kleinste nachweisbare Wirkung", "Bewertung"):
        assert word in body
    assert not re.search(r"\b(nan|inf|None)\b", body)  # no raw NaN, inf or None reaches the reader
    assert (tmp_path / "planung_ziele.csv").exists() and (tmp_path / "planung_mde.csv").exists()
    # what a reader sees (text, alt texts, texts drawn in the figure): no raw identifiers, English
    # decimals, float years or plural slips (the reports' own scanner)
    from evaluation.reporting.accessibility import scan_report_html
    from evaluation.reporting.export import render_page

    page = tmp_path / "plan.html"
    page.write_text(render_page(body, title=rp.title(plan), demo=plan.demo).html, encoding="utf-8")
    assert scan_report_html(page) == []


def test_reporting_module_computes_nothing():
    src = (ROOT / "src" / "evaluation" / "reporting" / "planning.py").read_text(encoding="utf-8")
    imported = set()
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, ast.ImportFrom):
            imported.add(("." * node.level) + (node.module or ""))
        elif isinstance(node, ast.Import):
            imported.update(a.name for a in node.names)
    assert imported <= {"__future__", "math", "typing", "numpy", "pandas", "matplotlib.ticker", "..texts", ".blocks",
                        ".figures"}, imported


def test_notebook_clean():
    nb = json.loads((ROOT / "notebooks" / "planning_report.ipynb").read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    assert sum("parameters" in c.get("metadata", {}).get("tags", []) for c in code) == 1
    assert all("".join(c["source"]).startswith(("report.", "from evaluation")) for c in code[1:])


def test_cli_has_plan():
    from evaluation.cli import build_parser

    args = build_parser().parse_args(["plan", "--year", "2025", "--only", "erlangen"])
    assert args.year == 2025 and args.only == ["erlangen"]


@pytest.mark.slow
def test_plan_command_writes_report(demo_folder, tmp_path):
    from evaluation.planning.runner import run_plans

    summary = run_plans(ROOT / "params", 2025, tmp_path, only=["schneverdingen"], data_folder=demo_folder)
    entry = summary["reports"]["schneverdingen"]
    assert entry["status"] == "ok", entry
    html = Path(entry["html"]).read_text(encoding="utf-8")
    assert Path(entry["html"]) == tmp_path / "2025" / "planung" / "schneverdingen.html"
    assert 'lang="de"' in html and html.count("Musterdaten") >= 7
    assert "Wirkungsorientierte Planung 2025: Schneverdingen" in html
