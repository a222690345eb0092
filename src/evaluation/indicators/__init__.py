"""Indicator models: rates with intervals, small areas, trends, target attainment, composite index.

* :mod:`~evaluation.indicators.rates` — Wilson / Clopper-Pearson / exact Poisson intervals, differences
  between years and areas (Newcombe, MOVER), vectorised over the ``indicator_values`` table
  (:func:`~evaluation.indicators.rates.add_intervals`).
* :mod:`~evaluation.indicators.small_area` — empirical-Bayes shrinkage of Sozialraum rates
  (Poisson-gamma after Clayton & Kaldor 1987, beta-binomial), small areas flagged instead of ranked.
* :mod:`~evaluation.indicators.trends` — log-linear and linear trends, interrupted time series with
  Newey-West errors and simulated small-sample critical values.
* :mod:`~evaluation.indicators.targets` — baseline -> target -> latest value, attainment share and a
  status that respects the interval.
* :mod:`~evaluation.indicators.composite` — :class:`CompositeIndex` after the OECD/JRC Handbook (2008),
  with audit, Monte Carlo uncertainty and Sobol sensitivity analysis
  (:mod:`~evaluation.indicators.sensitivity`).
"""

from .composite import CompositeIndex
from .rates import add_intervals, add_intervals_by_register, compare_areas, compare_years, poisson_interval, proportion_interval
from .small_area import shrink_areas
from .targets import attainment, attainment_table
from .trends import fit_trend, interrupted_time_series, its_table, trend_table

__all__ = [
    "CompositeIndex", "add_intervals", "add_intervals_by_register", "compare_areas", "compare_years", "poisson_interval", "proportion_interval",
    "shrink_areas", "attainment", "attainment_table", "fit_trend", "interrupted_time_series", "its_table", "trend_table",
]
