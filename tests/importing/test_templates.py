"""Excel templates: German headers, drop-down lists, explanation sheet; import errors name sheet and cell."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from evaluation.cli import EXIT_OK, main
from evaluation.contracts import validate
from evaluation.errors import InputError
from evaluation.importing import TEMPLATES, read_template, write_template


@pytest.mark.parametrize("kind", sorted(TEMPLATES))
def test_template_layout(kind, tmp_path):
    spec = TEMPLATES[kind]
    path = write_template(kind, tmp_path)
    wb = load_workbook(path)
    assert wb.sheetnames[0] == spec.sheet and "Erläuterung" in wb.sheetnames
    ws = wb[spec.sheet]
    headers = [c.value for c in ws[1]]
    assert headers == [c.header + (" *" if c.required else "") for c in spec.columns]
    lists = [c for c in spec.columns if c.kind == "choice"]
    validations = ws.data_validations.dataValidation
    assert sum(v.type == "list" for v in validations) == len(lists)
    explained = [wb["Erläuterung"].cell(row=i, column=1).value for i in range(5, 5 + len(spec.columns))]
    assert explained == [c.header for c in spec.columns]


def _fill(path, rows):
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    for r, row in enumerate(rows, start=2):
        for c, v in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=v)
    wb.save(path)


def test_measures_round_trip_and_cell_errors(tmp_path):
    path = write_template("measures", tmp_path)
    good = ["erlangen", "erlangen-m01", "Peer-Beratung", "Gleichstellungsstelle", "AWO", "Menschen mit Behinderungen",
            None, "Familie und soziales Netz", 2018, "laufend", "4 – Zielgruppen verändern Bewusstsein bzw. Fähigkeiten"]
    rows = [good] + [[*good[:1], f"erlangen-m{i:02d}", *good[2:]] for i in range(2, 13)]
    _fill(path, rows)
    df = read_template(path)
    assert len(df) == 12 and df.loc[0, "lebensbereich"] == "familie" and df.loc[0, "wirkungsstufe"] == 4
    validate(df, "measures")
    bad = list(good)
    bad[1], bad[8], bad[9] = "erlangen-m13", "2018/19", "in Planung"
    _fill(path, rows + [bad])  # the 13th data row is row 14 of the sheet
    with pytest.raises(InputError) as info:
        read_template(path)
    text = str(info.value)
    assert "Maßnahmen!J14: 'in Planung' is not an allowed Status" in text and "geplant, laufend" in text
    assert "Maßnahmen!I14: '2018/19' is not a whole number" in text


def test_required_cell_and_missing_header(tmp_path):
    path = write_template("events", tmp_path)
    _fill(path, [["erlangen", "e1", None, 2020, "Schulung", None]])
    with pytest.raises(InputError, match=r"Veranstaltungen!F2: 'Teilnehmende' is empty"):
        read_template(path)
    wb = load_workbook(path)
    wb.worksheets[0].cell(row=1, column=6, value="TN")
    wb.save(path)
    with pytest.raises(InputError, match="missing column 'Teilnehmende'"):
        read_template(path)


def test_cli_template(tmp_path, capsys):
    assert main(["template", "network", "index", "--out", str(tmp_path)]) == EXIT_OK
    assert (tmp_path / "Netzwerk.xlsx").is_file() and (tmp_path / "Index-für-Inklusion.xlsx").is_file()
    assert "Vorlage" in capsys.readouterr().out


def test_template_recipe_feeds_the_import(tmp_path):
    from evaluation.importing import run_import

    path = write_template("events", tmp_path)
    _fill(path, [["erlangen", "e1", None, 2020, "Schulung", 12, 3, 2]])
    (tmp_path / "k.csv").write_text("municipality_id,name,ags,kind,state,population,group,programme_start\n"
                                    "erlangen,Erlangen,09562000,Stadt,Bayern,113292,model,2017\n", encoding="utf-8")
    (tmp_path / "iv.csv").write_text("municipality_id,area_id,year,indicator_id,numerator,denominator,value,source,flag\n"
                                     "erlangen,erlangen,2020,arbeitslose_sb,320,,320,BA,\n", encoding="utf-8")
    (tmp_path / "sources.yaml").write_text(
        "tables:\n  municipalities: [{reader: table, file: k.csv}]\n  indicator_values: [{reader: table, file: iv.csv}]\n"
        f"  events: [{{reader: template, file: {path.name}}}]\n", encoding="utf-8")
    run_import(tmp_path / "sources.yaml", tmp_path / "out")
    assert (tmp_path / "out" / "events.csv").read_text(encoding="utf-8").splitlines()[1] == "erlangen,e1,,2020,schulung,12,3,2"
