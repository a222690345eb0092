"""Sensitivity of the impact estimate to the choice of comparison municipalities.

The same effect is estimated once per comparison pool and shown side by side, so a reader sees how
much the answer depends on the pool (the "robustness to the control group" check of Stuart 2010,
section 6.3, and of the applied difference-in-differences literature):

* ``"all"``: every applicant that did not become a model municipality (``group == "comparison"``);
  simple, but biased when the applicants differ in type and the outcome trends differ by type;
* ``"same_type"``: the applicants of the model municipality's type (:class:`~evaluation.comparison.typology.Typology`);
* ``"matched"``: the nearest neighbours (:class:`~evaluation.comparison.matching.ComparisonMatcher`);
* any further named pool (e.g. ``"list"``, a pool fixed by hand in the parameter file).

Pools are a tidy table ``pool, model_id, comparison_id`` (:func:`comparison_pools`). The estimator
is the impact issue's, run for one model municipality against one pool at a time:

* ``"randomization"`` (default), ``"synthetic_control"``, ``"analytic"``:
  :func:`evaluation.impact.programme.estimate_programme_effects` with that ``method`` and the pool
  as ``pool`` - the very estimate the report shows, so the table answers "what would the report
  say with this pool?" (``estimator_options`` such as ``draws`` and ``seed`` are passed on);
* ``"twfe"``: ``evaluation.impact.did.twfe`` (unit and year fixed effects, treatment from the
  model municipality's programme start), fast, for exploration;
* ``"did_2x2"``: the two-period contrast of pre- and post-period means (``did_2x2``; equal to the
  TWFE estimate on a balanced panel with one start year);
* any callable ``f(panel, model_id, start) -> ImpactResult``, where ``panel`` has columns
  ``municipality_id, year, value, treated, post, D``.

>>> import pandas as pd
>>> munis = pd.DataFrame({"municipality_id": ["m", "a", "b"], "group": ["model", "comparison", "comparison"]})
>>> comparison_pools(munis, types=pd.Series({"m": 1, "a": 1, "b": 2})).to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
[{'pool': 'all', 'model_id': 'm', 'comparison_id': 'a'}, {'pool': 'all', 'model_id': 'm', 'comparison_id': 'b'},
 {'pool': 'same_type', 'model_id': 'm', 'comparison_id': 'a'}]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from evaluation.errors import EstimationError, InputError
from evaluation.texts import text

from ._common import OKABE_ITO, Plot
from .characteristics import town_panel
from .matching import MatchResult

POOL_ORDER = ("all", "same_type", "matched", "list")


def _munis(municipalities: pd.DataFrame) -> pd.DataFrame:
    for col in ("municipality_id", "group"):
        if col not in municipalities.columns:
            raise InputError(f"municipalities table lacks column '{col}'", column=col,
                             expected="the municipalities contract (municipality_id, group, programme_start, ...)")
    m = municipalities.copy()
    m["municipality_id"] = m["municipality_id"].astype(str)
    bad = m[~m["group"].isin(["model", "comparison"])]
    if len(bad):
        raise InputError(f"unknown group '{bad['group'].iloc[0]}'", row=bad["municipality_id"].iloc[0],
                         column="group", expected="'model' or 'comparison'")
    return m.set_index("municipality_id")


def comparison_pools(
    municipalities: pd.DataFrame,
    *,
    types: pd.Series | None = None,
    match: MatchResult | None = None,
    model_ids: Iterable[str] | None = None,
    extra: Mapping[str, Mapping[str, Iterable[str]]] | None = None,
) -> pd.DataFrame:
    """The comparison pools per model municipality as a tidy table ``pool, model_id, comparison_id``.

    ``types``: type per municipality (e.g. ``Typology.fit(...).labels_``, or the typology's
    ``predict`` for the model municipalities) for the ``same_type`` pool; a model municipality without
    a type is an :class:`InputError`. ``match``: a :class:`MatchResult` for the ``matched`` pool.
    ``extra``: further pools ``{name: {model_id: [ids]}}``. ``model_ids``: default all with
    ``group == "model"``.
    """
    m = _munis(municipalities)
    models = [str(i) for i in (model_ids if model_ids is not None else m.index[m["group"] == "model"])]
    if not models:
        raise InputError("no model municipality", column="group", expected="at least one row with group 'model'")
    applicants = m.index[m["group"] == "comparison"].tolist()
    rows: list[tuple[str, str, str]] = []
    for mid in models:
        rows += [("all", mid, c) for c in applicants]
    if types is not None:
        t = types.copy()
        t.index = t.index.astype(str)
        for mid in models:
            if mid not in t.index or pd.isna(t[mid]):
                raise InputError(f"model municipality '{mid}' has no type", row=mid, column="type",
                                 expected="a type for every model municipality (use Typology.predict)")
            same = [c for c in applicants if c in t.index and t[c] == t[mid]]
            if not same:
                raise InputError(f"no applicant shares the type {t[mid]!r} of model municipality '{mid}'", row=mid,
                                 column="type", expected="at least one comparison municipality of the same type")
            rows += [("same_type", mid, c) for c in same]
    if match is not None:
        for mid in models:
            if mid in match.model_ids:
                rows += [("matched", mid, c) for c in match.chosen(mid)]
    for name, pools in (extra or {}).items():
        for mid, ids in pools.items():
            rows += [(str(name), str(mid), str(c)) for c in ids]
    return pd.DataFrame(rows, columns=["pool", "model_id", "comparison_id"])


def _as_pool_table(pools: pd.DataFrame | Mapping[str, Mapping[str, Iterable[str]]]) -> pd.DataFrame:
    if isinstance(pools, pd.DataFrame):
        need = {"pool", "model_id", "comparison_id"}
        if not need <= set(pools.columns):
            raise InputError("pool table lacks columns", expected=f"columns {sorted(need)}",
                             found=list(pools.columns))
        return pools.astype({"pool": str, "model_id": str, "comparison_id": str})
    rows = [(str(p), str(mid), str(c)) for p, d in pools.items() for mid, ids in d.items() for c in ids]
    return pd.DataFrame(rows, columns=["pool", "model_id", "comparison_id"])


PROGRAMME_METHODS = ("randomization", "synthetic_control", "analytic")


def _estimator(method: str | Callable, values: pd.DataFrame, municipalities: pd.DataFrame, indicator_id: str,
               options: Mapping[str, Any]) -> Callable[[pd.DataFrame, str, int], Any]:
    if callable(method):
        return method
    if method in PROGRAMME_METHODS:
        from evaluation.impact.programme import estimate_programme_effects

        def programme(panel: pd.DataFrame, mid: str, start: int):
            ids = set(panel["municipality_id"])
            munis = municipalities[municipalities["municipality_id"].isin(ids)]
            comp = [c for c in munis.loc[munis["municipality_id"] != mid, "municipality_id"]]
            munis = munis.assign(group=np.where(munis["municipality_id"] == mid, "model", "comparison"))
            vals = values[values["municipality_id"].astype(str).isin(ids)]
            eff = estimate_programme_effects(vals, munis, indicator_id, method=method, pool=comp, **options)
            return eff.results[mid]

        return programme
    if method == "twfe":
        from evaluation.impact.did import twfe

        return lambda panel, mid, start: twfe(panel, "value", "municipality_id", "year", "D")
    if method == "did_2x2":
        from evaluation.impact.did import did_2x2

        def did(panel: pd.DataFrame, mid: str, start: int):
            means = panel.groupby(["municipality_id", "post"], as_index=False).agg(
                value=("value", "mean"), treated=("treated", "first"))
            return did_2x2(means, "value", "treated", "post")

        return did
    raise InputError(f"unknown estimation method {method!r}",
                     expected=f"one of {[*PROGRAMME_METHODS, 'twfe', 'did_2x2']} or a callable")


def pool_sensitivity(
    values: pd.DataFrame,
    municipalities: pd.DataFrame,
    indicator_id: str,
    pools: pd.DataFrame | Mapping[str, Mapping[str, Iterable[str]]],
    *,
    method: str | Callable = "randomization",
    years: Iterable[int] | None = None,
    **estimator_options: Any,
) -> pd.DataFrame:
    """The impact estimate of each model municipality, once per comparison pool (tidy).

    Each estimate uses the model municipality (treated from its ``programme_start``) and only the
    comparison municipalities of that pool, on the whole-town values of ``indicator_id``
    (restricted to ``years`` if given). Rows: ``model_id, pool, n_comparison, estimate, se, ci_low,
    ci_high, p, method, difference_to_matched`` (the estimate minus the matched pool's, where there
    is one). Pools are listed in the order all, same_type, matched, then any others.
    """
    m = _munis(municipalities)
    if "programme_start" not in m.columns:
        raise InputError("municipalities table lacks column 'programme_start'", column="programme_start",
                         expected="the start year of every model municipality")
    table = _as_pool_table(pools)
    if table.empty:
        raise InputError("no comparison pool given", expected="rows pool, model_id, comparison_id")
    wide = town_panel(values, indicator_id)
    if years is not None:
        wide = wide.reindex(columns=sorted({int(y) for y in years}))
    long = wide.stack(future_stack=True).rename("value").reset_index()
    long = long.dropna(subset=["value"])
    m_reset = m.reset_index()
    values_used = values[values["indicator_id"].astype(str) == str(indicator_id)]
    if years is not None:
        values_used = values_used[values_used["year"].astype(int).isin(set(int(y) for y in years))]
    est_fn = _estimator(method, values_used, m_reset, indicator_id, estimator_options)
    rows = []
    for (pool, mid), grp in table.groupby(["pool", "model_id"], sort=False):
        if mid not in m.index:
            raise InputError(f"model municipality '{mid}' not in the municipalities table", row=mid,
                             column="municipality_id")
        start = m.at[mid, "programme_start"]
        if pd.isna(start):
            raise InputError(f"model municipality '{mid}' has no programme_start", row=mid, column="programme_start",
                             expected="a year")
        start = int(start)
        comp = [c for c in grp["comparison_id"].unique() if c != mid]
        panel = long[long["municipality_id"].isin([mid, *comp])].copy()
        if mid not in set(panel["municipality_id"]):
            raise InputError(f"model municipality '{mid}' has no values of '{indicator_id}'", row=mid,
                             column="municipality_id")
        panel["treated"] = (panel["municipality_id"] == mid).astype(int)
        panel["post"] = (panel["year"] >= start).astype(int)
        panel["D"] = panel["treated"] * panel["post"]
        n_comp = int(panel.loc[panel["treated"] == 0, "municipality_id"].nunique())
        row = {"model_id": mid, "pool": pool, "n_comparison": n_comp}
        try:
            res = est_fn(panel, mid, start)
            row.update(estimate=float(res.estimate), se=float(res.se), ci_low=float(res.ci[0]),
                       ci_high=float(res.ci[1]), p=float(res.p), method=str(res.method), note="")
        except EstimationError as err:  # e.g. an empty pool: shown, not fatal for the other pools
            row.update(estimate=np.nan, se=np.nan, ci_low=np.nan, ci_high=np.nan, p=np.nan,
                       method=str(method) if not callable(method) else getattr(method, "__name__", "custom"),
                       note=str(err))
        rows.append(row)
    out = pd.DataFrame(rows)
    rank = {p: i for i, p in enumerate(POOL_ORDER)}
    model_order = {mm: i for i, mm in enumerate(dict.fromkeys(table["model_id"]))}
    out = out.sort_values(["model_id", "pool"], key=lambda s: s.map(model_order) if s.name == "model_id"
                          else s.map(lambda p: rank.get(p, len(rank)))).reset_index(drop=True)
    matched = out[out["pool"] == "matched"].set_index("model_id")["estimate"]
    out["difference_to_matched"] = out["estimate"] - out["model_id"].map(matched)
    out.insert(2, "pool_label", out["pool"].map(_pool_label))
    out.attrs["indicator_id"] = str(indicator_id)
    return out


def _pool_label(pool: str) -> str:
    try:
        return text("comparison", f"sensitivity.pools.{pool}")
    except KeyError:
        return pool


def sensitivity_plot(table: pd.DataFrame, *, indicator_label: str | None = None, names: Mapping[str, str] | None = None,
                     ax: Any = None) -> Plot:
    """Dot-and-interval plot of :func:`pool_sensitivity`: one row per model municipality and pool,
    pools told apart by Okabe-Ito colour *and* marker shape. Returns :class:`Plot`."""
    import matplotlib.pyplot as plt

    if table.empty:
        raise InputError("the sensitivity table is empty", expected="rows from pool_sensitivity()")
    names = dict(names or {})
    pools = list(dict.fromkeys(table["pool"]))
    colours = [OKABE_ITO[c] for c in ("orange", "bluish_green", "blue", "vermillion", "reddish_purple", "sky_blue")]
    markers = ["o", "^", "s", "D", "v", "P"]
    models = list(dict.fromkeys(table["model_id"]))
    if ax is None:
        fig, ax = plt.subplots(figsize=(7.0, 0.55 * len(models) * max(len(pools), 1) * 0.5 + 1.8))
    else:
        fig = ax.figure
    step = 0.8 / max(len(pools), 1)
    for j, pool in enumerate(pools):
        sub = table[table["pool"] == pool]
        y = np.array([models.index(mid) for mid in sub["model_id"]]) - 0.4 + step * (j + 0.5)
        ax.errorbar(sub["estimate"], y, xerr=[sub["estimate"] - sub["ci_low"], sub["ci_high"] - sub["estimate"]],
                    fmt=markers[j % len(markers)], color=colours[j % len(colours)], capsize=3,
                    label=_pool_label(pool))
    ax.axvline(0, color="#666666", linewidth=0.8)
    ax.set_yticks(range(len(models)), [names.get(mid, mid) for mid in models])
    ax.invert_yaxis()
    ax.set_xlabel(text("comparison", "sensitivity.xlabel"))
    label = indicator_label or str(table.attrs.get("indicator_id", ""))
    ax.set_title(f"{text('comparison', 'sensitivity.title')}: {label}")
    ax.legend(fontsize=8, frameon=True)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    fig.tight_layout()
    fmt = lambda x: f"{x:.2f}".replace(".", ",")  # noqa: E731
    alt = text("comparison", "sensitivity.alt_text", indicator=label, n_models=len(models), n_pools=len(pools),
               low=fmt(table["estimate"].min()), high=fmt(table["estimate"].max()))
    return Plot(fig, table.copy(), alt)
