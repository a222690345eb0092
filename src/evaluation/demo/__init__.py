"""The Musterdaten generator: synthetic demo data with a known ground truth.

``generate(out_dir, seed=20251, scale="default")`` writes every table of the workbench's data
contracts for the five Kommune-Inklusiv model municipalities and a fictional comparison pool, the
survey microdata, process tables, qualitative material and ``ground_truth.json`` (true effects,
unbiased comparison pools, coder agreement, survey population values). See the module docstrings of
:mod:`evaluation.demo.panel`, :mod:`~evaluation.demo.survey`, :mod:`~evaluation.demo.process` and
:mod:`~evaluation.demo.qualitative` for the data-generating processes.
"""

from .generate import SCALES, generate

__all__ = ["generate", "SCALES"]
