"""The comparison pool a plan uses: the same pool the report's impact estimate uses.

The parameter file's ``comparison`` section decides (``all``, ``list``, ``same_type`` or ``matched``);
the pool is built with :mod:`evaluation.comparison` exactly as the report's Wirkungsschätzung does:
pre-period structural characteristics of the five years before the start, nearest neighbours matched
exactly on the Gemeindetyp (never more neighbours than the type has), the whole Gemeindetyp when
fewer than :data:`MIN_POOL` are matched (the randomisation inference needs placebos). When the
analysis layer (:mod:`evaluation.analysis`) provides the pool of a municipality's results bundle,
pass that pool to :func:`evaluation.planning.plan.plan_municipality` instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

#: fewer matches than this: the whole Gemeindetyp is the pool (as in the report)
MIN_POOL = 5


@dataclass(frozen=True)
class Pool:
    """Comparison ids and how they were chosen (``rule``: all | list | same_type | matched | type_fallback)."""

    ids: tuple[str, ...]
    rule: str
    k: int | None = None


def planning_pool(params, municipalities: pd.DataFrame, structure: pd.DataFrame | None) -> Pool:
    """The comparison pool of ``params``' municipality (see the module docstring)."""
    c = params.comparison
    mid = params.municipality.id
    m = municipalities.assign(municipality_id=municipalities["municipality_id"].astype(str))
    all_ids = sorted(m.loc[m["group"] == "comparison", "municipality_id"])
    if c.pool == "list":
        return Pool(tuple(str(i) for i in c.municipalities), "list")
    if c.pool == "all" or structure is None or structure.empty:
        return Pool(tuple(all_ids), "all")
    from ..comparison.characteristics import pre_period_characteristics

    start = int(params.programme.start)
    features = pre_period_characteristics(structure, range(start - 5, start), variables=c.variables or None)
    if c.pool == "same_type":
        from ..comparison.typology import Typology

        labels = Typology(seed=c.seed).fit(features).labels_
        own = labels.get(mid)
        return Pool(tuple(i for i in all_ids if labels.get(i) == own), "same_type")
    from ..comparison.classes import gemeindetyp_series
    from ..comparison.matching import match_comparisons

    options: dict = {"distance": c.distance} if c.method == "nearest_neighbour" else {}
    k = c.k
    types = None
    if c.exact == "gemeindetyp":
        types = gemeindetyp_series(m)
        options["exact"] = types
        same = int((types.reindex(all_ids) == types.get(mid)).sum())
        k = max(1, min(k, same))
    result = match_comparisons(features, [mid], candidates=all_ids, method=c.method, k=k,
                               caliper=c.caliper if c.caliper is not None else "default", seed=c.seed, **options)
    chosen = [str(i) for i in result.chosen(mid)]
    if len(chosen) < MIN_POOL and types is not None:
        return Pool(tuple(i for i in all_ids if types.get(i) == types.get(mid)), "type_fallback", k)
    return Pool(tuple(chosen), "matched", k)


def report_pool(params, dataset, *, year: int | None = None, project_root=None) -> Pool:
    """The pool of the municipality's results bundle (:func:`evaluation.analysis.municipality.comparison_part`,
    the pool the annual report's estimates use); :func:`planning_pool` where the analysis layer is absent."""
    from pathlib import Path

    try:
        from ..analysis.inputs import Inputs
        from ..analysis.municipality import comparison_part
    except ImportError:  # pragma: no cover - the analysis layer ships with the package
        structure = dataset.extra("structure.csv") if (Path(dataset.folder) / "structure.csv").exists() else None
        return planning_pool(params, dataset.municipalities, structure)
    root = Path(project_root) if project_root else Path(dataset.folder).resolve().parent.parent
    comp = comparison_part(Inputs(params=params, dataset=dataset, year=int(year or params.report.year),
                                  project_root=root))
    return Pool(tuple(str(i) for i in comp.ids), str(comp.rule), getattr(comp, "k", None))
