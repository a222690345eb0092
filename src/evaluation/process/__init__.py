"""Process monitoring: the measures of the action plan, the network, participation, Index rounds.

* :mod:`.measures` -- ``inventory``, ``inventory_overview``, ``key_figures``, ``crosstab``;
* :mod:`.network` -- ``network_summary`` (size, density, sector mix, coordination office, ties
  between administration and civil society), ``sector_mix``, ``centrality``, ``network_turnover``;
* :mod:`.participation` -- ``participation_summary``, ``participation_by_kind``;
* :mod:`.index_inklusion` -- ``index_structure``, ``index_rounds``, ``index_change`` (ordinal, no score).
"""
