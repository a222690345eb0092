"""Parameter files and the indicator register."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from evaluation.errors import InputError
from evaluation.params import load_all_params, load_params, parse_params
from evaluation.register import load_register
from evaluation.vocabulary import LEBENSBEREICHE, WIRKUNGSSTUFEN

ROOT = Path(__file__).resolve().parents[2]
PARAMS = ROOT / "params"

MODEL_AGS = {
    "erlangen": ["09562000"],
    "rostock": ["13003000"],
    "schneverdingen": ["03358019"],
    "schwaebisch_gmuend": ["08136065"],
    "nieder_olm": ["07339017", "07339031", "07339032", "07339042", "07339047", "07339054", "07339057", "07339067"],
}


def test_five_model_municipalities_with_their_ags():
    params = load_all_params(PARAMS)
    assert {k: v.municipality.ags for k, v in params.items()} == MODEL_AGS
    for p in params.values():
        assert p.report.year == 2025 and p.programme.start >= 2017 and p.targets


def raw_erlangen() -> dict:
    return yaml.safe_load((PARAMS / "erlangen.yaml").read_text(encoding="utf-8"))


def test_misspelled_key_names_key_and_allowed_keys():
    raw = raw_erlangen()
    raw["comparison"]["pol"] = raw["comparison"].pop("pool")
    with pytest.raises(InputError) as info:
        parse_params(raw, source="erlangen.yaml")
    msg = str(info.value)
    assert "unknown key 'pol'" in msg and "'pool'" in msg and "erlangen.yaml" in msg


def test_misspelled_target_key():
    raw = raw_erlangen()
    raw["targets"]["inklusionsanteil"]["sollwert"] = 50
    with pytest.raises(InputError) as info:
        parse_params(raw, source="x.yaml")
    assert "sollwert" in str(info.value) and "target_year" in str(info.value)


def test_ags_written_as_number_is_refused():
    raw = raw_erlangen()
    raw["municipality"]["ags"] = [9562000]
    with pytest.raises(InputError, match="leading zero"):
        parse_params(raw)


def test_target_for_unknown_indicator(tmp_path):
    raw = raw_erlangen()
    raw["targets"]["inklusionsquote"] = {"baseline_year": 2016, "target": 1, "target_year": 2025}
    path = tmp_path / "erlangen.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError, match="inklusionsquote"):
        load_params(path)


def test_target_year_before_baseline():
    raw = raw_erlangen()
    raw["targets"]["inklusionsanteil"] = {"baseline_year": 2020, "target": 1, "target_year": 2019}
    with pytest.raises(InputError, match="target_year"):
        parse_params(raw)


def test_missing_section_and_bad_yaml(tmp_path):
    raw = raw_erlangen()
    del raw["programme"]
    with pytest.raises(InputError, match="missing key 'programme'"):
        parse_params(raw)
    bad = tmp_path / "bad.yaml"
    bad.write_text("municipality: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError, match="not valid YAML"):
        load_params(bad)


def test_duplicate_municipality_in_two_files(tmp_path):
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text((PARAMS / "erlangen.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(InputError, match="used by two parameter files"):
        load_all_params(tmp_path)


def test_register_covers_every_lebensbereich_and_step():
    reg = load_register()
    assert len(reg) >= 30
    t = reg.table
    assert set(t["lebensbereich"]) == set(LEBENSBEREICHE)
    assert set(t["wirkungsstufe"]) == set(WIRKUNGSSTUFEN)
    for field in ["definition", "unit", "polarity", "source", "spatial_level"]:
        assert t[field].notna().all(), field
    # the official, survey and process indicators the issue names
    for required in ["arbeitslose_sb", "arbeitslose_sb_anteil", "foerderschulbesuchsquote", "inklusionsanteil",
                     "eingliederungshilfe_je_1000", "einstellung_inklusion", "wahrgenommene_barrieren",
                     "teilhabe_freizeit", "massnahmen_umgesetzt", "teilnehmende_veranstaltungen",
                     "anteil_teilnehmende_mb", "netzwerkpartner", "geschulte_fachkraefte"]:
        assert required in reg, required
    assert (t.loc[t["kind"].isin(["proportion", "rate"]), "denominator"].notna()).all()


def test_register_joins_targets():
    reg = load_register()
    params = load_params(PARAMS / "erlangen.yaml")
    targets = reg.targets(params)
    assert set(targets["indicator_id"]) == set(params.targets)
    row = targets.set_index("indicator_id").loc["arbeitslose_sb_anteil"]
    assert row["polarity"] == -1 and row["target"] == params.targets["arbeitslose_sb_anteil"].target


def test_register_rejects_unknown_field(tmp_path):
    path = tmp_path / "reg.yaml"
    path.write_text("x:\n  name: X\n  definition: d\n  unit: count\n  kind: count\n  polarity: 1\n  source_type: local\n"
                    "  source: s\n  spatial_level: gemeinde\n  wirkungsstufe: 2\n  lebensbereich: alltag\n  polaritaet: 1\n",
                    encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_register(path)
    assert "polaritaet" in str(info.value) and "polarity" in str(info.value)


def test_register_rejects_unknown_lebensbereich_and_missing_denominator(tmp_path):
    path = tmp_path / "reg.yaml"
    path.write_text("x:\n  name: X\n  definition: d\n  unit: percent\n  kind: proportion\n  polarity: 1\n  source_type: local\n"
                    "  source: s\n  spatial_level: gemeinde\n  wirkungsstufe: 2\n  lebensbereich: wohnen\n", encoding="utf-8")
    with pytest.raises(InputError, match="Lebensbereich"):
        load_register(path)
    with pytest.raises(InputError, match="unknown indicator"):
        load_register()["nope"]
