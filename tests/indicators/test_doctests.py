"""The runnable examples in the docstrings of evaluation.indicators stay correct."""

import doctest
import importlib

import pytest

MODULES = ["rates", "small_area", "trends", "targets", "composite", "sensitivity"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(f"evaluation.indicators.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
