"""Statistical disclosure control for every published number: primary and secondary cell suppression.

Why
    Small counts in a Sozialraum identify people. The statistical offices and the Bundesagentur
    für Arbeit never publish counts of 1 or 2, nor anything from which they can be recalculated
    (from totals, sub-totals, other tables of the same report, or last year's report). The
    workbench publishes many tables per municipality; this package makes sure none of them reveals
    what the offices would hide.

Method (Hundepohl, Domingo-Ferrer, Franconi, Giessing, Nordholt, Spicer & de Wolf,
*Statistical Disclosure Control*, Wiley 2012, ch. 4 "Magnitude tabular data" and ch. 5
"Frequency tables")

1. **Primary suppression** (:mod:`.primary`): the frequency rule for counts (default: 1 and 2;
   configurable threshold; a true 0 is published unless asked otherwise), and for magnitude tables
   with known contributions the (n,k) dominance rule, the p % rule and a minimum number of
   contributors. Each sensitive cell gets *protection levels*; for counts the attacker's interval
   must contain ``[0, threshold]``.
2. **The table as a linear structure** (:mod:`.structure`): cells (interior and margins) and the
   relations ``total = sum of parts``: one- and two-dimensional tables with margins, hierarchical
   tables (Sozialraum within municipality), several linked tables sharing cells.
3. **Secondary suppression** (:mod:`.secondary`): further cells are hidden so that every sensitive
   cell keeps its protection interval. Heuristics: the sequential LP (network-flow) heuristic of
   Kelly, Golden & Assad (1992) / Fischetti & Salazar-González (2000) for any structure and, for
   large 2-D tables, the hypercube method of Repsilber (as in tau-argus' GHMITER), each followed by
   a clean-up pass that re-publishes redundant cells. For small tables the exact optimum by mixed-
   integer programming (``scipy.optimize.milp``); tau-argus' *modular* and *optimal* methods are
   the same ideas applied to sub-tables of a hierarchy and to the whole table (Benders).
4. **Proof by attack** (:mod:`.attack`): for every suppressed cell, the smallest and largest value
   it can take given everything published (linear programming with HiGHS, via ``highspy`` or
   ``scipy.optimize.linprog``). :meth:`SuppressionResult.audit` reports it per cell.
5. **Linked tables and consecutive reports** (:func:`suppress_linked`, :mod:`.tidy`): a cell
   that appears in several tables is one cell, suppressed in all; cells suppressed in last year's
   report stay suppressed (``forced`` / ``previous``), so differencing two annual reports reveals
   nothing the older one hid.

Limitations (documented, not hidden): the attacker model is the standard one (published cells,
additive relations, non-negativity); it does not model a respondent who knows his own
contribution to a cell with two contributors ("singleton" problem, Hundepohl et al. 2012,
sec. 4.4.4), nor rounding. Secondary cells need no protection of their own and get none beyond
what the patterns give them.

Why hand-written: no maintained Python library does cell suppression with margins. The maintained
tools are R packages (sdcTable, GaussSuppression of Statistics Norway) and tau-argus (Java/C++,
Windows); using them would add an R or Windows tool chain to a Python workbench. The Python SDC
packages address microdata (anonymisation of records), not tables with margins.

Entry points
    >>> import pandas as pd
    >>> from evaluation.disclosure import suppress
    >>> t = pd.DataFrame({"A": [1, 6, 7], "B": [5, 8, 13], "C": [9, 9, 18], "T": [15, 23, 38]},
    ...                  index=["x", "y", "T"])
    >>> r = suppress(t, totals="T")
    >>> bool(pd.isna(r.table.loc["x", "A"])), r.flags.loc["x", "A"]
    (True, 'gesperrt (primär)')
"""

from __future__ import annotations

from .attack import attack
from .primary import (Sensitivity, combine, contributor_rule, dominance_rule, frequency_rule,
                      p_percent_rule)
from .scan import SmallCount, scan_for_small_counts
from .secondary import default_weights, optimal_pattern, protect
from .structure import TableStructure
from .tables import LinkedTable, SuppressionResult, protect_structure, sensitivity_for, suppress, suppress_linked
from .tidy import suppress_indicator_values

__all__ = [
    "suppress",
    "SuppressionResult",
    "suppress_linked",
    "LinkedTable",
    "suppress_indicator_values",
    "scan_for_small_counts",
    "SmallCount",
    "attack",
    "TableStructure",
    "Sensitivity",
    "frequency_rule",
    "dominance_rule",
    "p_percent_rule",
    "contributor_rule",
    "combine",
    "protect",
    "protect_structure",
    "optimal_pattern",
    "default_weights",
    "sensitivity_for",
]
