"""Primary suppression: which cells are sensitive, and how much protection each needs.

Each rule returns a :class:`Sensitivity`: a boolean mask of sensitive cells, the rule that made
each cell sensitive, and the *protection levels* (Hundepohl et al. 2012, sec. 4.2 and 4.3): after
suppression an attacker who knows every published cell, every published margin and that counts are
non-negative must not be able to narrow a sensitive cell ``a`` to anything smaller than
``[a - lower, a + upper]``.

Frequency rule (count tables)
    A count ``0 < a < threshold`` is sensitive (default ``threshold=3``: counts of 1 and 2 are
    never published, the practice of the Bundesagentur für Arbeit and the statistical offices).
    A true 0 is not sensitive unless ``suppress_zero=True``. Protection: ``lower = a`` and
    ``upper = threshold - a``, i.e. the attacker's interval must contain ``[0, threshold]``: he can
    neither exclude that the cell is empty nor that it is at or above the threshold, and the
    interval is at least ``threshold`` wide.

(n,k) dominance rule (magnitude tables, contributions given)
    Sensitive if the ``n`` largest contributions exceed ``k`` % of the cell total ``X``.
    Protection ``upper = lower = (100/k)·(x_1+...+x_n) - X`` (the amount by which the cell would
    have to be larger for the rule to be satisfied; the lower level is capped at ``X``).

p % rule (magnitude tables)
    Sensitive if ``X - x_1 - x_2 < (p/100)·x_1``: the second-largest contributor could estimate
    the largest to within p %. Protection ``upper = lower = (p/100)·x_1 - (X - x_1 - x_2)``.

Minimum number of contributors (magnitude tables)
    A cell with ``0 < contributors < min_contributors`` is sensitive; protection is
    ``range_pct`` % of the cell value both ways (tau-argus' "frequency range").

>>> import numpy as np
>>> s = frequency_rule(np.array([0, 1, 2, 3, 7]), threshold=3)
>>> s.mask.tolist(), s.lower.tolist(), s.upper.tolist()
([False, True, True, False, False], [0.0, 1.0, 2.0, 0.0, 0.0], [0.0, 2.0, 1.0, 0.0, 0.0])
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import InputError

__all__ = ["Sensitivity", "frequency_rule", "dominance_rule", "p_percent_rule", "contributor_rule", "combine"]


@dataclass
class Sensitivity:
    """Sensitive cells and their protection levels (arrays aligned with the cells)."""

    mask: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    rule: np.ndarray  # object array: rule name per cell ('' if not sensitive)

    @classmethod
    def none(cls, n: int) -> Sensitivity:
        return cls(np.zeros(n, bool), np.zeros(n), np.zeros(n), np.full(n, "", dtype=object))


def frequency_rule(values: np.ndarray, threshold: float = 3, *, suppress_zero: bool = False) -> Sensitivity:
    """Counts below ``threshold`` (and above 0 unless ``suppress_zero``) are sensitive.

    Protection levels make the attacker's interval contain ``[0, threshold]`` (see module text).
    """
    if threshold <= 0:
        raise InputError("threshold must be positive", column="threshold", expected="> 0", found=threshold)
    v = np.asarray(values, dtype=float)
    small = v < threshold
    mask = small & ((v > 0) | (suppress_zero & (v == 0)))
    lower = np.where(mask, v, 0.0)
    upper = np.where(mask, threshold - v, 0.0)
    rule = np.where(mask, "frequency", "").astype(object)
    return Sensitivity(mask, lower, upper, rule)


def _sorted_contributions(contributions: Sequence[float], key: Hashable) -> np.ndarray:
    c = np.asarray(contributions, dtype=float)
    if np.any(~np.isfinite(c)):
        raise InputError("contribution is missing", row=str(key), column="contributions", expected="finite numbers",
                         found="NaN")
    if np.any(c < 0):
        raise InputError("negative contribution", row=str(key), column="contributions", expected="values >= 0",
                         found=float(c[c < 0][0]))
    return np.sort(c)[::-1]


def _check_total(key: Hashable, c: np.ndarray, value: float) -> None:
    if not np.isclose(c.sum(), value, rtol=1e-9, atol=1e-6):
        raise InputError("contributions do not add up to the cell value", row=str(key), column="contributions",
                         expected=f"{value:g}", found=f"{c.sum():g}")


def dominance_rule(
    keys: Sequence[Hashable], values: np.ndarray, contributions: Mapping[Hashable, Sequence[float]],
    n: int = 1, k: float = 75.0,
) -> Sensitivity:
    """(n,k) dominance rule on cells with given contributions (other cells: not sensitive)."""
    if not (0 < k <= 100) or n < 1:
        raise InputError("invalid (n,k) dominance parameters", column="dominance", expected="n >= 1, 0 < k <= 100",
                         found=(n, k))
    out = Sensitivity.none(len(keys))
    for i, key in enumerate(keys):
        if key not in contributions:
            continue
        c = _sorted_contributions(contributions[key], key)
        _check_total(key, c, values[i])
        total = c.sum()
        top = c[:n].sum()
        if total > 0 and top > k / 100.0 * total:
            need = 100.0 / k * top - total
            out.mask[i] = True
            out.upper[i] = need
            out.lower[i] = min(need, total)
            out.rule[i] = "dominance"
    return out


def p_percent_rule(
    keys: Sequence[Hashable], values: np.ndarray, contributions: Mapping[Hashable, Sequence[float]], p: float = 10.0,
) -> Sensitivity:
    """p % rule on cells with given contributions (other cells: not sensitive)."""
    if p <= 0:
        raise InputError("p must be positive", column="p", expected="> 0", found=p)
    out = Sensitivity.none(len(keys))
    for i, key in enumerate(keys):
        if key not in contributions:
            continue
        c = _sorted_contributions(contributions[key], key)
        _check_total(key, c, values[i])
        total = c.sum()
        if total <= 0:
            continue
        x1 = c[0]
        x2 = c[1] if len(c) > 1 else 0.0
        need = p / 100.0 * x1 - (total - x1 - x2)
        if need > 0:
            out.mask[i] = True
            out.upper[i] = need
            out.lower[i] = min(need, total)
            out.rule[i] = "p_percent"
    return out


def contributor_rule(
    keys: Sequence[Hashable], values: np.ndarray, contributions: Mapping[Hashable, Sequence[float]],
    min_contributors: int = 3, range_pct: float = 30.0,
) -> Sensitivity:
    """Magnitude cells with fewer than ``min_contributors`` (non-zero) contributors are sensitive."""
    out = Sensitivity.none(len(keys))
    for i, key in enumerate(keys):
        if key not in contributions:
            continue
        c = _sorted_contributions(contributions[key], key)
        _check_total(key, c, values[i])
        m = int(np.count_nonzero(c))
        if 0 < m < min_contributors:
            out.mask[i] = True
            out.upper[i] = out.lower[i] = range_pct / 100.0 * values[i]
            out.rule[i] = "frequency"
    return out


def combine(*parts: Sensitivity) -> Sensitivity:
    """Union of several rules: a cell is sensitive if any rule says so; protection is the maximum."""
    out = Sensitivity.none(len(parts[0].mask))
    for s in parts:
        take = s.mask & ~out.mask
        out.rule[take] = s.rule[take]
        out.mask |= s.mask
        out.lower = np.maximum(out.lower, s.lower)
        out.upper = np.maximum(out.upper, s.upper)
    return out
