"""The command line: --help everywhere, validate with clear messages and exit codes, no bare tracebacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluation.cli import EXIT_BAD_INPUT, EXIT_OK, build_parser, main

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("command", [[], ["demo-data"], ["validate"], ["run"], ["fetch-genesis"]])
def test_help_on_every_command(command, capsys):
    with pytest.raises(SystemExit) as info:
        main([*command, "--help"])
    assert info.value.code == 0
    assert "usage: evaluation" in capsys.readouterr().out


def test_every_subcommand_is_registered():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert {"demo-data", "validate", "run", "fetch-genesis"} <= set(sub.choices)


def test_validate_reports_problems_with_exit_code(tmp_path, capsys):
    params = tmp_path / "params"
    params.mkdir()
    text = (ROOT / "params" / "erlangen.yaml").read_text(encoding="utf-8").replace("pool: matched", "pol: matched")
    (params / "erlangen.yaml").write_text(text, encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir()
    (data / "municipalities.csv").write_text(
        "municipality_id,name,ags,kind,state,population,group,programme_start\n"
        "erlangen,Erlangen,9562000,kreisfreie Stadt,Bayern,113000,model,2017\n", encoding="utf-8")
    (data / "indicator_values.csv").write_text(
        "municipality_id,area_id,year,indicator_id,numerator,denominator,value,source,flag\n"
        "erlangen,erlangen,2020,arbeitslose_sb_anteil,900,800,,BA,\n", encoding="utf-8")
    code = main(["validate", "--params", str(params), "--data", str(data)])
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT
    assert "unknown key 'pol'" in err and "municipalities.csv" in err and "leading zero" in err
    assert "numerator <= denominator" in err and "Traceback" not in err


def test_validate_ok_on_valid_folder(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    (data / "municipalities.csv").write_text(
        "# Musterdaten: synthetisch\nmunicipality_id,name,ags,kind,state,population,group,programme_start\n"
        "erlangen,Erlangen,09562000,kreisfreie Stadt,Bayern,113000,model,2017\n", encoding="utf-8")
    (data / "indicator_values.csv").write_text(
        "municipality_id,area_id,year,indicator_id,numerator,denominator,value,source,flag\n"
        "erlangen,erlangen,2020,arbeitslose_sb_anteil,50,800,6.25,BA,\n", encoding="utf-8")
    params = tmp_path / "params"
    params.mkdir()
    # the copied file names the shipped official table relative to the project root: point it there
    (params / "erlangen.yaml").write_text((ROOT / "params" / "erlangen.yaml").read_text(encoding="utf-8").replace(
        "official_context: data/", f"official_context: {ROOT}/data/"), encoding="utf-8")
    code = main(["validate", "--params", str(params), "--data", str(data)])
    out = capsys.readouterr().out
    assert code == EXIT_OK, out
    assert "Musterdaten" in out


def test_run_with_missing_params_folder_is_a_clear_error(tmp_path, capsys):
    code = main(["run", "--year", "2025", "--params", str(tmp_path / "nope"), "--out", str(tmp_path / "r"), "--quiet"])
    assert code == EXIT_BAD_INPUT
    assert "no parameter files" in capsys.readouterr().err
