"""YAML alias bombs and huge quoted values: refused quickly with a short message (issue 17).

Before the fix a seven-level alias bomb of a few hundred bytes was expanded by pydantic and quoted
whole in ``Problem.found``: a 34.7 MB message, 3-4 GB and minutes for one more level.
"""

from __future__ import annotations

import pytest

from evaluation.errors import InputError, Problem
from evaluation.yamlfile import parse_yaml


def _bomb(levels: int, width: int = 9) -> str:
    lines = ["a0: &a0 [" + ",".join(['"lol"'] * width) + "]"]
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines) + f"\nmunicipality: *a{levels}\n"


@pytest.mark.parametrize("levels", [6, 9])
def test_alias_bomb_in_a_parameter_file_is_refused_within_bounds(tmp_path, bounded, levels):
    path = tmp_path / "bomb.yaml"
    path.write_text(_bomb(levels), encoding="utf-8")
    out = bounded.run(f"from evaluation.params import load_params\n_result = load_params({str(path)!r})",
                      timeout=60, memory_mb=1500)
    bounded.input_error(out, "bomb.yaml", "alias", "100,000")
    assert out.raw["message_length"] < 1000
    assert out.problems[0]["row"] is not None  # names the line of the offending anchor


def test_a_document_within_the_limit_still_reads():
    assert parse_yaml("base: &b {k: 1}\none: *b\ntwo: *b\n", "ok.yaml") == {
        "base": {"k": 1}, "one": {"k": 1}, "two": {"k": 1}}


def test_recursive_alias_is_an_input_error():
    with pytest.raises(InputError, match="refers to itself"):
        parse_yaml("a: &a [1, *a]\n", "loop.yaml")


def test_alias_count_limit():
    text = "x: &x 1\nl: [" + ", ".join(["*x"] * 20) + "]\n"
    with pytest.raises(InputError, match="more than 10 aliases") as err:
        parse_yaml(text, "many.yaml", max_aliases=10)
    assert err.value.problems[0].row == 2


def test_large_value_quoted_in_an_error_is_cut(tmp_path, bounded):
    # a list of 20,000 items is under the node limit but must not be quoted whole
    path = tmp_path / "big.yaml"
    path.write_text("municipality: [" + ",".join(["lol"] * 20_000) + "]\nprogramme: {start: 2017}\n"
                    "report: {year: 2025}\n", encoding="utf-8")
    out = bounded.run(f"from evaluation.params import load_params\n_result = load_params({str(path)!r})",
                      timeout=60, memory_mb=1500)
    bounded.input_error(out, "big.yaml", "municipality")
    assert out.raw["message_length"] < 2000


def test_problem_quotes_are_bounded_in_length_and_work():
    nested: list = ["lol"] * 9
    for _ in range(12):  # 9**13 items if expanded: only a bounded repr can quote it
        nested = [nested] * 9
    text = str(Problem("bad value", "f.yaml", 3, "municipality", "a mapping", nested))
    assert len(text) < 400 and text.startswith("f.yaml, row 3, column 'municipality': bad value")
    assert len(str(Problem("x" * 100_000))) < 1000


def test_parameter_file_that_is_too_large_is_refused(tmp_path):
    from evaluation.yamlfile import read_yaml

    path = tmp_path / "huge.yaml"
    path.write_text("a: " + "x" * 2000 + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="too large"):
        read_yaml(path, "parameter file", max_bytes=1000)
