"""Choosing comparison municipalities: typology, matching, balance, sensitivity (issue 10).

Every impact estimate is only as good as its comparison municipalities. This package makes the
choice documented and reproducible, for each model municipality separately:

1. :mod:`.characteristics`: pre-period structural characteristics and outcome trends per municipality;
2. :mod:`.typology`: municipality types from standardised characteristics (Ward 1963 or k-means;
   k chosen by silhouette or Caliński & Harabasz 1974), described in German words;
3. :mod:`.matching`: nearest neighbours (Mahalanobis / Euclidean) or propensity score with calipers;
   :meth:`MatchResult.to_params` gives the parameter file's ``comparison`` section;
4. :mod:`.balance`: standardised mean differences before and after matching (Austin 2009), the
   Love plot, pre-period trends of the model municipality beside its comparison group;
5. :mod:`.sensitivity`: the impact estimate for alternative pools side by side;
6. :mod:`.design`: all of it in one call, :func:`choose_comparisons`, keeping every step.

>>> from evaluation.comparison import Typology, ComparisonMatcher, balance_table
>>> ComparisonMatcher(k=3).k
3
"""

from ._common import OKABE_ITO, ComparisonWarning, Plot
from .balance import (
    balance_table, love_plot, pre_trend_plot, pre_trend_slopes, pre_trends, smd_denominator,
    standardised_mean_difference,
)
from .design import ComparisonDesign, choose_comparisons
from .characteristics import outcome_trends, pre_period_characteristics, town_panel
from .matching import ComparisonMatcher, MatchResult, comparison_params, match_comparisons
from .sensitivity import comparison_pools, pool_sensitivity, sensitivity_plot
from .typology import Typology, TypologyResult, bbsr_size_class, describe_profile

__all__ = [
    "OKABE_ITO", "ComparisonWarning", "Plot",
    "balance_table", "love_plot", "pre_trend_plot", "pre_trend_slopes", "pre_trends", "smd_denominator",
    "standardised_mean_difference",
    "ComparisonDesign", "choose_comparisons",
    "outcome_trends", "pre_period_characteristics", "town_panel",
    "ComparisonMatcher", "MatchResult", "comparison_params", "match_comparisons",
    "comparison_pools", "pool_sensitivity", "sensitivity_plot",
    "Typology", "TypologyResult", "bbsr_size_class", "describe_profile",
]
