"""Impact estimation against comparison municipalities, honest with five treated units.

Modules
-------
* :mod:`~evaluation.impact.did` - ``did_2x2``, ``twfe``, ``att_gt`` (Callaway & Sant'Anna 2021)
  with simple / dynamic / group aggregations, analytic or multiplier-bootstrap SEs.
* :mod:`~evaluation.impact.event_study` - ``event_study``: leads and lags, joint pre-trend test
  (import it from the module: a package-level name would shadow the module).
* :mod:`~evaluation.impact.synth` - ``synthetic_control`` (Abadie, Diamond & Hainmueller 2010)
  with in-space placebos.
* :mod:`~evaluation.impact.inference` - ``randomization_inference`` (re-assigning the observed
  start years), ``wild_cluster_bootstrap`` (restricted, Webb weights) and
  ``DEFAULT_INFERENCE``, the reports' method chosen by simulation.
* :mod:`~evaluation.impact.diagnostics` - ``diagnose_effect``: pre-trend test, event-study bands,
  synthetic-control fit (perfect / poor pre-fit, sign agreement) for one headline effect.
* :mod:`~evaluation.impact.programme` - ``estimate_programme_effects`` on the contract tables.
* :mod:`~evaluation.impact.simulate` - Musterdaten-shaped panels with known effects and the
  coverage study.
* :mod:`~evaluation.impact.results` - the result dataclass ``ImpactResult`` (the interface of
  :mod:`evaluation.results`; ``headline_ok`` False and a note when an analytic or cluster
  interval rests on fewer than ``MIN_TREATED_ANALYTIC`` treated units).
"""

from evaluation.impact.diagnostics import EffectDiagnostics, PretrendTest, diagnose_effect
from evaluation.impact.did import att_gt, did_2x2, twfe
from evaluation.impact.inference import DEFAULT_INFERENCE, randomization_inference, wild_cluster_bootstrap
from evaluation.impact.programme import estimate_programme_effects
from evaluation.impact.results import ImpactResult
from evaluation.impact.synth import synthetic_control

__all__ = [
    "DEFAULT_INFERENCE",
    "EffectDiagnostics",
    "ImpactResult",
    "PretrendTest",
    "att_gt",
    "diagnose_effect",
    "did_2x2",
    "estimate_programme_effects",
    "randomization_inference",
    "synthetic_control",
    "twfe",
    "wild_cluster_bootstrap",
]
