"""The analysis layer: every number of a report computed once, in the library (issue 13).

``analyse(params, dataset, year=...)`` returns a :class:`MunicipalityAnalysis`, ``analyse_overview``
an :class:`OverviewAnalysis`; the report chapters (:mod:`evaluation.reporting.chapters`) only render
these bundles. In JupyterLab the same way::

    from evaluation.analysis import analyse, load_inputs
    params, dataset = load_inputs("params/erlangen.yaml")
    a = analyse(params, dataset, year=2025)
    a.effects.table        # effects with inference, diagnostics and verdict
    a.unavailable()        # parts that could not be computed, with the reason
    a.save("erlangen-2025"); MunicipalityAnalysis.load("erlangen-2025")

The computing modules are imported on first use, so importing the bundle types (as reporting
does) pulls in no estimator.
"""

from __future__ import annotations

from typing import Any

from .bundle import (Comparison, Effects, Index, Indicators, Meta, MunicipalityAnalysis, OfficialContext,
                     OverviewAnalysis, Part, Participants, Process, Qualitative, Survey, Targets)
from .wording import Verdict, classify_effect, direction

__all__ = ["analyse", "analyse_overview", "load_inputs", "survey_items", "fitted_index", "MunicipalityAnalysis",
           "OverviewAnalysis", "Part", "Meta", "Indicators", "Targets", "Comparison", "Effects", "Survey",
           "Participants", "Process", "Qualitative", "Index", "OfficialContext", "Verdict", "classify_effect",
           "direction"]


def analyse(*args: Any, **kwargs: Any) -> MunicipalityAnalysis:
    """See :func:`evaluation.analysis.municipality.analyse`."""
    from .municipality import analyse as _analyse

    return _analyse(*args, **kwargs)


def analyse_overview(*args: Any, **kwargs: Any) -> OverviewAnalysis:
    """See :func:`evaluation.analysis.overview.analyse_overview`."""
    from .overview import analyse_overview as _f

    return _f(*args, **kwargs)


def load_inputs(*args: Any, **kwargs: Any):
    """See :func:`evaluation.analysis.inputs.load_inputs`."""
    from .inputs import load_inputs as _f

    return _f(*args, **kwargs)


def survey_items(params, dataset) -> list[tuple[str, int | None]]:
    """See :func:`evaluation.analysis.municipality.survey_items`."""
    from .municipality import survey_items as _f

    return _f(params, dataset)


def fitted_index(dataset, params, year: int):
    """See :func:`evaluation.analysis.municipality.fitted_index`."""
    from .municipality import fitted_index as _f

    return _f(dataset, params, year)
