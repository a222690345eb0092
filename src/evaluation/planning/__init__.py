"""Impact-oriented planning (Wirkungsorientierte Planung): what can the monitoring detect, is the target within reach?

Before a measure starts: the minimum detectable effect (MDE) of every indicator, by placebo
simulation on the real panel with the report's own estimator and inference (Burlig, Preonas &
Woerman 2020) and a closed-form approximation beside it; whether a target (Sollwert) is reached by
the pre-start trend alone or needs an effect the monitoring could not tell from noise; and how many
respondents each Sozialraum needs in the next survey wave.

Modules
-------
* :mod:`~evaluation.planning.power` - ``simulate_mde``, ``placebo_panels``, ``power_at``, the tests
  ``default_test`` (vectorised report test), ``programme_test`` (the report's estimate per panel),
  ``estimator_test`` (any estimator), result ``MDEResult``;
* :mod:`~evaluation.planning.formula` - ``bpw_mde`` (BPW 2020), ``mckenzie_did_variance`` (McKenzie
  2012), ``share_change_mde``, ``sample_size_for_precision``;
* :mod:`~evaluation.planning.feasibility` - ``target_feasibility`` -> ``FeasibilityResult``;
* :mod:`~evaluation.planning.survey` - ``last_wave_design``, ``survey_mde``, ``wave_plan``, ``kish_deff``;
* :mod:`~evaluation.planning.plan` - ``plan_municipality`` / ``plan_from_files`` -> ``MunicipalityPlan``;
* :mod:`~evaluation.planning.pool` - ``report_pool`` (the results bundle's pool), ``planning_pool``;
* :mod:`~evaluation.planning.runner` - ``run_plans`` (``evaluation plan --year Y``).
"""

from .feasibility import VERDICTS, FeasibilityResult, target_feasibility
from .formula import bpw_mde, mckenzie_did_variance, sample_size_for_precision, share_change_mde
from .plan import MunicipalityPlan, plan_from_files, plan_municipality
from .power import MDEResult, default_test, estimator_test, placebo_panels, power_at, programme_test, simulate_mde
from .survey import kish_deff, last_wave_design, survey_mde, wave_plan

__all__ = [
    "VERDICTS", "FeasibilityResult", "MDEResult", "MunicipalityPlan",
    "bpw_mde", "default_test", "estimator_test", "kish_deff", "last_wave_design", "mckenzie_did_variance",
    "placebo_panels", "plan_from_files", "plan_municipality", "power_at", "programme_test",
    "sample_size_for_precision", "share_change_mde", "simulate_mde", "survey_mde", "target_feasibility",
    "wave_plan",
]
