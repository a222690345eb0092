"""Wirkungsmonitoring workbench: evaluation of municipal inclusion programmes.

Data flows one way: read (:mod:`evaluation.io`) -> validate (:mod:`evaluation.contracts`) ->
model (:mod:`evaluation.indicators`, :mod:`evaluation.impact`, :mod:`evaluation.survey`,
:mod:`evaluation.qualitative`, :mod:`evaluation.process`) -> publish (:mod:`evaluation.reporting`,
:mod:`evaluation.batch`).
"""

__version__ = "0.2.0"  # the one version source: pyproject.toml reads it, CHANGELOG.md records it
