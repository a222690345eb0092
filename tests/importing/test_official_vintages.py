"""Official statistics from the shipped Regionaldatenbank tables: vintages, flags, Kreise, years, validate accepts."""

from __future__ import annotations

import numpy as np
import pytest

from evaluation.contracts import validate
from evaluation.dataset import load_dataset
from evaluation.errors import InputError
from evaluation.io.genesis import read_genesis
from evaluation.io.official import context_panel, read_vintages, to_indicator_values

from .conftest import REFERENCE, T13211, T21111


def _later_vintage(tmp_path):
    """A later download of 13211 (Stand 02.03.2022) with Erlangen's 2020 counts revised and one cell now secret."""
    text = (REFERENCE / T13211).read_bytes().decode("cp1252")
    old_2020 = "2020;09562;      Erlangen;2648;903;320;"
    old_2019 = "2019;09562;      Erlangen;2255;791;280;"
    assert old_2020 in text and old_2019 in text
    text = (text.replace(old_2020, "2020;09562;      Erlangen;2650;903;321;")
                .replace(old_2019, "2019;09562;      Erlangen;2255;.;280;")
                .replace("Stand: 17.08.2021 / 19:38:04", "Stand: 02.03.2022 / 10:00:00"))
    path = tmp_path / "13211_stand_2022.csv"
    path.write_bytes(text.encode("cp1252"))
    return path


def test_later_vintage_wins_and_revisions_are_listed(tmp_path):
    later = _later_vintage(tmp_path)
    merged, revisions = read_vintages([later, REFERENCE / T13211])  # listed in the wrong order: the Stand decides
    erl = merged[(merged["region_code"] == "09562")].set_index(["time", "variable"])
    assert erl.loc[(2020, "Arbeitslose | schwerbehindert"), "value"] == 321
    assert erl.loc[(2019, "Arbeitslose | Ausländer"), "flag"] == "." and np.isnan(erl.loc[(2019, "Arbeitslose | Ausländer"), "value"])
    assert erl.loc[(2018, "Arbeitslose"), "vintage"] == str(later)  # unchanged cells come from the later file too
    rev = revisions.set_index(["region_code", "time", "variable"])
    assert len(revisions) == 3
    assert (rev.loc[("09562", 2020, "Arbeitslose"), "old_value"], rev.loc[("09562", 2020, "Arbeitslose"), "new_value"]) == (2648, 2650)
    assert rev.loc[("09562", 2019, "Arbeitslose | Ausländer"), "new_flag"] == "."
    assert merged.attrs["genesis"]["stand"].startswith("02.03.2022")
    panel = context_panel([REFERENCE / T13211, later])
    v = panel.values.query("area_id == '09562' and year == 2020 and indicator_id == 'arbeitslose_sb'")
    assert v["value"].item() == 321


def test_context_panel_years_and_kreise_from_the_caller():
    panel = context_panel(REFERENCE / T13211, years=[2018, 2019, 2020], kreise=["09562", "09564"])
    assert sorted(panel.values["year"].unique()) == [2018, 2019, 2020]
    assert set(panel.regions.loc[panel.regions["group"] == "model", "code"]) == {"09562", "09564"}
    s = panel.summary("arbeitslose_sb_anteil")
    assert set(s["code"]) == {"09562", "09564"} and len(s) == 6
    # 13211, Nürnberg (09564) 2020: the share from the file's own counts
    raw = read_genesis(REFERENCE / T13211)
    n = raw[(raw["region_code"] == "09564") & (raw["time"] == 2020)].set_index("variable")["value"]
    got = s[(s["code"] == "09564") & (s["year"] == 2020)]["value"].item()
    assert got == pytest.approx(100 * n["Arbeitslose | schwerbehindert"] / n["Arbeitslose"])
    with pytest.raises(InputError, match="lacks the Kreise"):
        context_panel(REFERENCE / T13211, kreise=["09999"])
    with pytest.raises(InputError, match="lacks the years"):
        context_panel(REFERENCE / T13211, years=[2021])


def test_indicator_values_with_a_mapping_pass_validate(tmp_path):
    table = read_genesis(REFERENCE / T21111)
    v = to_indicator_values(table, "foerderschulbesuchsquote", regions={"09562": "erlangen"})
    assert v.loc[0, "area_id"] == "erlangen" and v.loc[0, "region_code"] == "09562"
    (tmp_path / "municipalities.csv").write_text(
        "municipality_id,name,ags,kind,state,population,group,programme_start\n"
        "erlangen,Erlangen,09562000,kreisfreie Stadt,Bayern,113292,model,2017\n", encoding="utf-8")
    v.to_csv(tmp_path / "indicator_values.csv", index=False)
    ds = load_dataset(tmp_path)  # no "unknown Sozialraum '09562'"
    assert ds.indicator_values.loc[0, "value"] == pytest.approx(100 * 528 / 13648)


def test_flags_survive_into_indicator_values():
    table = read_genesis(REFERENCE / T21111)
    v = to_indicator_values(table, "foerderschulbesuchsquote")
    flagged = v[v["flag"].notna()]
    assert len(flagged) > 0 and set(flagged["flag"]) <= {"-", ".", "x", "- | .", "x | -", "- | x", ". | -", "x | ."}
    validate(v, "indicator_values")


def test_custom_indicator_from_a_recipe(tmp_path):
    """A declared indicator (share of pupils at Förderschulen who are girls) with the same reader."""
    from evaluation.importing.recipes import parse_recipes
    from evaluation.importing.build import build_tables

    (tmp_path / "t.csv").write_bytes((REFERENCE / T21111).read_bytes())
    rf = parse_recipes({"tables": {"indicator_values": [{
        "reader": "genesis", "files": ["t.csv"], "indicators": ["inklusionsanteil"], "regions": {"09562": "erlangen"},
        "custom": {"inklusionsanteil": {"table": "21111",
                                        "numerator": {"variable": r"\| weiblich$", "dimensions": {"Schulart": "Förderschul"}},
                                        "denominator": {"variable": r"\| Insgesamt$", "dimensions": {"Schulart": "Förderschul"}},
                                        "scale": 100}}}]}}, root=tmp_path)
    tables, _, _ = build_tables(rf)
    row = tables["indicator_values"].iloc[0]
    raw = read_genesis(REFERENCE / T21111)
    sub = raw[(raw["region_code"] == "09562") & raw["Schulart"].astype(str).str.contains("Förderschul")]
    w = sub[sub["variable"].astype(str).str.endswith("| weiblich")]["value"].item()
    t = sub[sub["variable"].astype(str).str.endswith("| Insgesamt")]["value"].item()
    assert row["value"] == pytest.approx(100 * w / t) and row["denominator"] == t


def test_a_download_without_some_model_kreise(tmp_path):
    """A newer download may lack a model Kreis (reform, a Land-only table): only the required ones must be there."""
    text = (REFERENCE / T13211).read_bytes().decode("cp1252")
    lines = [ln for ln in text.splitlines(keepends=True) if ";13003;" not in ln]  # drop Rostock
    path = tmp_path / "ohne_rostock.csv"
    path.write_bytes("".join(lines).encode("cp1252"))
    panel = context_panel(path, required=["09562"])
    assert "13003" not in set(panel.regions["code"]) and "09562" in set(panel.regions["code"])
    with pytest.raises(InputError, match="13003"):
        context_panel(path)


def test_denominator_from_another_table(tmp_path):
    """Numerator and denominator from two downloads: here both are 13211 files, so the known truth is the
    built-in one-table share arbeitslose_sb_anteil (same counts, same flags)."""
    from evaluation.importing.build import build_tables
    from evaluation.importing.recipes import parse_recipes

    (tmp_path / "zaehler.csv").write_bytes((REFERENCE / T13211).read_bytes())
    (tmp_path / "nenner.csv").write_bytes((REFERENCE / T13211).read_bytes())
    regions = {"09562": "erlangen", "13003": "rostock"}
    rf = parse_recipes({"tables": {"indicator_values": [{
        "reader": "genesis", "files": ["zaehler.csv"], "indicators": ["arbeitslose_sb_anteil", "anteil_zwei_tabellen"],
        "regions": regions,
        "custom": {"anteil_zwei_tabellen": {"table": "13211", "scale": 100,
                                            "numerator": {"variable": r"^Arbeitslose \| schwerbehindert"},
                                            "denominator": {"variable": r"^Arbeitslose$"},
                                            "denominator_files": ["nenner.csv"]}}}]}}, root=tmp_path)
    assert {p.name for p in rf.raw_files()} == {"zaehler.csv", "nenner.csv"}
    iv = build_tables(rf)[0]["indicator_values"]
    one = iv[iv["indicator_id"] == "arbeitslose_sb_anteil"].set_index(["municipality_id", "year"]).sort_index()
    two = iv[iv["indicator_id"] == "anteil_zwei_tabellen"].set_index(["municipality_id", "year"]).sort_index()
    assert len(one) == len(two) == 12
    for col in ("numerator", "denominator", "value"):
        np.testing.assert_allclose(two[col].to_numpy(float), one[col].to_numpy(float))
    assert two.loc[("erlangen", 2020), "source"].count("13211") == 2  # numerator's and denominator's table named
