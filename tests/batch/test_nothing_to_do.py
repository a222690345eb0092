"""A run that would do nothing is an error (exit 2) naming what was asked and what exists, not 'ok'."""

from __future__ import annotations

import pytest

from evaluation.batch import run_annual
from evaluation.cli import main
from evaluation.errors import InputError

pytestmark = [pytest.mark.xdist_group("batch")]


@pytest.fixture
def params(make_params, tmp_path):
    return make_params({"erlangen": tmp_path / "data", "schneverdingen": tmp_path / "data"})


def test_year_without_parameter_files(params, tmp_path, capsys):
    with pytest.raises(InputError, match=r"no parameter file for the year 2099.*2025"):
        run_annual(params, 2099, tmp_path / "reports", progress=False)
    assert not (tmp_path / "reports").exists()  # refused before anything is written
    code = main(["run", "--year", "2099", "--params", str(params), "--out", str(tmp_path / "reports"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "2099" in err and "2025" in err


def test_unknown_municipality_suggests_the_close_one(params, tmp_path, capsys):
    with pytest.raises(InputError) as err:
        run_annual(params, 2025, tmp_path / "reports", only=["erlangn"], progress=False)
    text = str(err.value)
    assert "'erlangn'" in text and "did you mean 'erlangen'" in text and "schneverdingen" in text
    code = main(["run", "--year", "2025", "--params", str(params), "--out", str(tmp_path / "reports"),
                 "--only", "erlangn", "--quiet"])
    assert code == 2 and "erlangen" in capsys.readouterr().err
    assert not (tmp_path / "reports").exists()


def test_municipality_of_another_year(make_params, tmp_path):
    import yaml

    folder = make_params({"erlangen": tmp_path / "data", "rostock": tmp_path / "data"})
    spec = yaml.safe_load((folder / "rostock.yaml").read_text(encoding="utf-8"))
    spec["report"]["year"] = 2024
    (folder / "rostock.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError, match=r"'rostock' is for the year 2024, not 2025"):
        run_annual(folder, 2025, tmp_path / "reports", only=["rostock"], progress=False)
