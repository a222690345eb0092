"""Parameter files: a named file that does not exist is an error at load and validate time; the context section."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from evaluation.cli import EXIT_BAD_INPUT, main
from evaluation.errors import InputError
from evaluation.params import load_all_params, load_params, parse_params

ROOT = Path(__file__).resolve().parents[2]


def _write(folder: Path, **changes) -> Path:
    raw = yaml.safe_load((ROOT / "params" / "erlangen.yaml").read_text(encoding="utf-8"))
    for k, v in changes.items():
        raw.setdefault(k, {}).update(v) if isinstance(v, dict) else raw.__setitem__(k, v)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "erlangen.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_shipped_parameter_files_name_existing_files():
    params = load_all_params(ROOT / "params")
    for p in params.values():
        assert all(f.is_file() for f in p.context_files())


def test_missing_official_table_is_an_error(tmp_path, capsys):
    path = _write(tmp_path / "params", data={"official_context": "data/reference/13211_gibt_es_nicht.csv"})
    with pytest.raises(InputError, match="file named at 'data.official_context' not found"):
        load_params(path)
    code = main(["validate", "--params", str(tmp_path / "params"), "--data", str(tmp_path / "nodata")])
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT and "13211_gibt_es_nicht.csv" in err


def test_missing_recipe_file_and_context_files(tmp_path):
    path = _write(tmp_path / "params", data={"official_context": None}, sources={"recipes": "data/raw/fehlt.yaml"},
                  context={"files": ["data/raw/a.csv"]})
    with pytest.raises(InputError) as info:
        load_params(path)
    assert "sources.recipes" in str(info.value) and "context.files[0]" in str(info.value)


def test_context_section():
    raw = yaml.safe_load((ROOT / "params" / "erlangen.yaml").read_text(encoding="utf-8"))
    raw["context"] = {"years": [2019, 2020], "kreise": ["09564"]}
    p = parse_params(raw)
    assert p.context.years == [2019, 2020] and p.context_kreise() == ["09562", "09564"]
    raw["context"] = {"kreise": [9564]}
    with pytest.raises(InputError, match="quote it"):
        parse_params(raw)
    raw["context"] = {"kreis": ["09564"]}
    with pytest.raises(InputError, match="unknown key 'kreis'"):
        parse_params(raw)
