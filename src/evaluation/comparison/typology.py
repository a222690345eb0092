"""A typology of municipalities from their structural characteristics before the programme.

In the spirit of the *Demographietypen* of Bertelsmann's Wegweiser Kommune, municipalities are
grouped into a few types of similar structure, so that a model municipality can be compared with
municipalities "of its kind". The steps, each recorded in the result:

1. skewed sizes (population, density, area, counts) are log-transformed, then every characteristic
   is standardised to mean 0 and standard deviation 1 (z-scores), so that no unit dominates;
   constant characteristics are dropped with a warning (no information, cannot be standardised);
2. clustering by Ward's minimum-variance method (Ward 1963; hierarchical, the classic choice for
   regional typologies) or by k-means (MacQueen 1967; k-means++ start, several restarts, for very
   many municipalities: Ward needs memory quadratic in their number);
3. the number of types ``k`` is chosen within ``k_range`` by the stated criterion: by default the
   Calinski-Harabasz index (Caliński & Harabasz 1974; the best of 30 stopping rules in Milligan &
   Cooper 1985), or the mean silhouette width (Rousseeuw 1987; computed on a seeded random sample of
   at most ``silhouette_sample`` municipalities for large n), which tends to prefer k = 2 when the
   types lie along one gradient (large and dense ... small and sparse). All three indices (with
   Davies-Bouldin) are shown in ``k_selection``. Ties go to the smaller k;
4. the types are numbered by their mean of the first characteristic, highest first (with population
   first: type 1 holds the largest municipalities), so the numbering does not depend on the
   clustering's arbitrary labels;
5. every type is described in German words generated from its profile (mean z-score per
   characteristic): characteristics at least ``threshold`` standard deviations from the average are
   named, strongest first, "deutlich" from ``strong`` SD on, e.g. "größer und dichter besiedelt als der
   Durchschnitt, höherer Anteil Älterer". Where population is among the characteristics, the type is
   also named by the BBSR size class (Großstadt >= 100,000 inhabitants, Mittelstadt >= 20,000,
   Kleinstadt >= 5,000, Landgemeinde below) most of its members belong to.

>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(1)
>>> big = pd.DataFrame({"population": rng.lognormal(12, 0.2, 20), "density": rng.lognormal(7, 0.2, 20)})
>>> small = pd.DataFrame({"population": rng.lognormal(9, 0.2, 20), "density": rng.lognormal(4, 0.2, 20)})
>>> X = pd.concat([big, small], ignore_index=True).set_axis([f"m{i}" for i in range(40)])
>>> typ = Typology(k_range=(2, 4), seed=1).fit(X)
>>> typ.result_.k
2
>>> typ.result_.types["description"].iloc[0]
'größer und dichter besiedelt als der Durchschnitt'
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from evaluation.errors import InputError
from evaluation.texts import text
from evaluation.results import ResultMixin, result_frame

from ._common import DEFAULT_LOG, ComparisonWarning, drop_constant, feature_table, log_transform, variable_phrase

Method = Literal["ward", "kmeans"]
Criterion = Literal["silhouette", "calinski_harabasz"]

#: BBSR Stadt- und Gemeindetypen by inhabitants: (lower bound, key in texts/comparison.yaml)
BBSR_SIZE_CLASSES: tuple[tuple[float, str], ...] = (
    (100_000, "grossstadt"), (20_000, "mittelstadt"), (5_000, "kleinstadt"), (0, "landgemeinde"),
)


def bbsr_size_class(population: float) -> str:
    """The BBSR size class key of a municipality with ``population`` inhabitants.

    >>> bbsr_size_class(208_000), bbsr_size_class(19_000)
    ('grossstadt', 'kleinstadt')
    """
    if not np.isfinite(population) or population < 0:
        raise InputError("population must be a non-negative number", column="population", found=population)
    for bound, key in BBSR_SIZE_CLASSES:
        if population >= bound:
            return key
    return "landgemeinde"  # pragma: no cover


def describe_profile(z: pd.Series, *, threshold: float = 0.5, strong: float = 1.0, max_terms: int = 3) -> str:
    """German words for a profile of mean z-scores (one per characteristic).

    Characteristics with ``|z| >= threshold`` are named, largest ``|z|`` first, at most ``max_terms``;
    ``|z| >= strong`` adds "deutlich". Comparative adjectives ("größer", "dichter besiedelt") are
    joined with "und" and followed by "als der Durchschnitt"; noun phrases ("höherer Anteil Älterer")
    follow after a comma.

    >>> describe_profile(pd.Series({"population": 0.8, "density": 0.6, "share_65plus": 0.7}))
    'größer und dichter besiedelt als der Durchschnitt, höherer Anteil Älterer'
    """
    z = z.dropna()
    chosen = z[z.abs() >= threshold]
    chosen = chosen.reindex(chosen.abs().sort_values(ascending=False, kind="stable").index)[:max_terms]
    if chosen.empty:
        return text("comparison", "types.average")
    adjectives, nouns = [], []
    for var, val in chosen.items():
        kind, words = variable_phrase(str(var), int(np.sign(val)))
        if abs(val) >= strong:
            words = f"{text('comparison', 'types.strong')} {words}"
        (adjectives if kind == "adjective" else nouns).append(words)
    and_ = text("comparison", "types.and")
    parts = []
    if adjectives:
        joined = adjectives[0] if len(adjectives) == 1 else ", ".join(adjectives[:-1]) + f" {and_} {adjectives[-1]}"
        parts.append(f"{joined} {text('comparison', 'types.than_average')}")
    parts.extend(nouns)
    return ", ".join(parts)


@dataclass(frozen=True, eq=False)
class TypologyResult(ResultMixin):
    """A fitted typology.

    Attributes
    ----------
    labels: type number (1..k) per municipality (index ``municipality_id``); excluded ones absent.
    k: number of types chosen; method, criterion: how; seed: random seed used (k-means, silhouette sample).
    k_selection: one row per candidate k: ``k, silhouette, calinski_harabasz, davies_bouldin,
        smallest_type, chosen``.
    types: one row per type: ``type, name, n, size_class, description``.
    profiles: tidy, one row per type and characteristic: ``type, variable, mean, median, mean_z``
        (``mean_z`` on the transformed, standardised scale that the clustering used).
    variables: characteristics used; dropped_variables: constant ones left out; log: those log-transformed.
    excluded: municipalities left out for missing characteristics (``missing="drop"``).

    Result interface (:mod:`evaluation.results`): ``estimate`` is the mean silhouette width of the
    chosen k (how well separated the types are, -1..1), ``n`` the municipalities typed; ``notes``
    name excluded municipalities. :meth:`summary_frame` has one row per type (``n`` its size).
    """

    labels: pd.Series
    k: int
    method: str
    criterion: str
    seed: int
    k_selection: pd.DataFrame
    types: pd.DataFrame
    profiles: pd.DataFrame
    variables: tuple[str, ...]
    dropped_variables: tuple[str, ...]
    log: tuple[str, ...]
    excluded: tuple[str, ...] = ()
    details: dict = field(default_factory=dict)

    # result interface (evaluation.results): headline attributes; summary_frame() has one row per type
    se = ci_low = ci_high = p_value = property(lambda self: float("nan"))
    alpha = property(lambda self: 0.05)

    @property
    def estimate(self) -> float:
        ks = self.k_selection
        row = ks[ks["k"] == self.k]
        return float(row["silhouette"].iloc[0]) if len(row) and "silhouette" in ks else float("nan")

    @property
    def n(self) -> int:
        return int(len(self.labels))

    @property
    def notes(self) -> tuple[str, ...]:
        return (f"left out for missing characteristics: {', '.join(self.excluded)}",) if self.excluded else ()

    def summary_frame(self) -> pd.DataFrame:
        """One row per type: name, size (``n``), German description and the mean of every characteristic."""
        means = self.profiles.pivot(index="type", columns="variable", values="mean")[list(self.variables)]
        table = self.types.set_index("type").join(means).reset_index()
        return result_frame([{**{str(k): v for k, v in r.items()}, "estimate": np.nan, "se": np.nan,
                              "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan,
                              "method": f"{self.method} ({self.criterion})", "alpha": self.alpha, "notes": ()}
                             for r in table.to_dict("records")])

    def description(self, type_: int) -> str:
        """The German description of type ``type_``."""
        row = self.types[self.types["type"] == type_]
        if row.empty:
            raise InputError(f"there is no type {type_}", expected=f"a type in 1..{self.k}", found=type_)
        return str(row["description"].iloc[0])

    def method_text(self) -> str:
        """The sentence for the report's methods chapter (German)."""
        from ._common import variable_label

        return text("comparison", "types.method_sentence",
                    variables=", ".join(variable_label(v) for v in self.variables),
                    method=text("comparison", f"types.methods.{self.method}"), k=self.k,
                    criterion=text("comparison", f"types.criteria.{self.criterion}"))

    def members(self, type_: int) -> list[str]:
        """The municipality ids of type ``type_``."""
        return sorted(self.labels.index[self.labels == type_].tolist())


class Typology:
    """Cluster municipalities into types on standardised pre-period characteristics.

    Parameters
    ----------
    k: a fixed number of types, or ``None`` to choose it within ``k_range`` by ``criterion``.
    k_range: ``(smallest, largest)`` k tried (both included).
    method: ``"ward"`` (Ward 1963) or ``"kmeans"``; Ward needs O(n²) memory (1.1 GB peak for 10,800
        municipalities, see benchmarks/bench_comparison.py), k-means O(n) (0.3 GB).
    criterion: ``"calinski_harabasz"`` (default; Caliński & Harabasz 1974) or ``"silhouette"`` (Rousseeuw 1987).
    variables: characteristics to use (default: all numeric columns of the table given to ``fit``).
    log: characteristics compared on the log scale (default: sizes such as population and density).
    seed: random seed for k-means restarts and the silhouette sample (reproducible types).
    silhouette_sample: above this many municipalities the silhouette is computed on a seeded sample.
    min_type_size: a k whose smallest type has fewer members is not chosen (default 1: any k).
    missing: ``"raise"`` (default) an error naming the municipality and characteristic, or ``"drop"``
        those municipalities (listed in ``result_.excluded``, no type).
    threshold, strong, max_terms: wording of the descriptions, see :func:`describe_profile`.
    size_classes: name types by the BBSR size class of their members (needs ``population``);
        ``"auto"`` does so when population is a characteristic. Set False for Kreise.
    n_threads: OpenMP threads for k-means (default 1: for a few thousand municipalities thread start-up
        costs more than it saves, and on a shared machine many threads slow everything down
        twentyfold); ``None`` leaves scikit-learn's default.
    n_init: k-means restarts per k (the best of ``n_init`` k-means++ starts is kept).
    """

    def __init__(
        self,
        k: int | None = None,
        *,
        k_range: tuple[int, int] = (2, 8),
        method: Method = "ward",
        criterion: Criterion = "calinski_harabasz",
        variables: Sequence[str] | None = None,
        log: Sequence[str] = DEFAULT_LOG,
        seed: int = 0,
        silhouette_sample: int = 3000,
        min_type_size: int = 1,
        missing: Literal["raise", "drop"] = "raise",
        threshold: float = 0.5,
        strong: float = 1.0,
        max_terms: int = 3,
        size_classes: bool | Literal["auto"] = "auto",
        n_threads: int | None = 1,
        n_init: int = 10,
    ) -> None:
        self.k = k
        self.k_range = k_range
        self.method = method
        self.criterion = criterion
        self.variables = variables
        self.log = log
        self.seed = seed
        self.silhouette_sample = silhouette_sample
        self.min_type_size = min_type_size
        self.missing = missing
        self.threshold = threshold
        self.strong = strong
        self.max_terms = max_terms
        self.size_classes = size_classes
        self.n_threads = n_threads
        self.n_init = n_init

    # -- checks ---------------------------------------------------------------------------------
    def _check_config(self, n: int) -> list[int]:
        if self.method not in ("ward", "kmeans"):
            raise InputError(f"unknown clustering method {self.method!r}", expected="'ward' or 'kmeans'")
        if self.criterion not in ("silhouette", "calinski_harabasz"):
            raise InputError(f"unknown criterion {self.criterion!r}", expected="'silhouette' or 'calinski_harabasz'")
        if self.missing not in ("raise", "drop"):
            raise InputError(f"unknown missing={self.missing!r}", expected="'raise' or 'drop'")
        if self.k is not None:
            if int(self.k) < 1 or int(self.k) > n:
                raise InputError(f"k={self.k} types for {n} municipalities", expected=f"1 <= k <= {n}")
            return [int(self.k)]
        lo, hi = int(self.k_range[0]), int(self.k_range[1])
        if lo < 2 or hi < lo:
            raise InputError(f"k_range={self.k_range} is not a range of at least 2 types",
                             expected="(smallest, largest) with 2 <= smallest <= largest")
        hi = min(hi, n - 1)
        if hi < lo:
            raise InputError(f"{n} municipalities are too few to choose among {lo}..{self.k_range[1]} types",
                             expected=f"at least {lo + 1} municipalities (the silhouette needs k < n)")
        return list(range(lo, hi + 1))

    # -- fitting --------------------------------------------------------------------------------
    def fit(self, features: pd.DataFrame) -> Typology:
        """Fit on a feature table (one row per municipality, index or column ``municipality_id``)."""
        from sklearn.cluster import KMeans
        from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

        raw = feature_table(features, self.variables, what="typology characteristics")
        incomplete = raw.index[raw.isna().any(axis=1)]
        if len(incomplete):
            if self.missing == "raise":
                mid = incomplete[0]
                col = raw.columns[raw.loc[mid].isna().to_numpy()][0]
                raise InputError(f"municipality '{mid}' has no value for '{col}' ({len(incomplete)} municipalities "
                                 "incomplete); impute, drop the characteristic, or use missing='drop'",
                                 row=mid, column=col, expected="a number for every characteristic")
            warnings.warn(f"typology: {len(incomplete)} municipalities without all characteristics left out "
                          f"(e.g. {list(incomplete[:5])})", ComparisonWarning, stacklevel=2)
            raw = raw.drop(index=incomplete)
        ks = self._check_config(len(raw))
        raw, dropped = drop_constant(raw, context="typology")
        variables = tuple(raw.columns)
        logged = tuple(v for v in self.log if v in variables)
        transformed = log_transform(raw, logged)
        self.mean_ = transformed.mean().to_numpy()
        self.scale_ = transformed.std(ddof=0).to_numpy()
        Z = (transformed.to_numpy() - self.mean_) / self.scale_
        n = len(Z)

        tree = None
        if self.method == "ward" and ks != [1]:
            from scipy.cluster.hierarchy import linkage

            tree = linkage(Z, method="ward")

        def cluster(k: int) -> np.ndarray:
            if k == 1:
                return np.zeros(n, dtype=int)
            if self.method == "ward":
                from scipy.cluster.hierarchy import fcluster

                return fcluster(tree, k, criterion="maxclust") - 1
            if self.n_threads is None:
                return KMeans(n_clusters=k, n_init=self.n_init, random_state=self.seed).fit_predict(Z)
            from threadpoolctl import threadpool_limits

            with threadpool_limits(limits=int(self.n_threads), user_api="openmp"):
                return KMeans(n_clusters=k, n_init=self.n_init, random_state=self.seed).fit_predict(Z)

        rows, partitions = [], {}
        for k in ks:
            lab = cluster(k)
            partitions[k] = lab
            n_found = len(np.unique(lab))
            sizes = np.bincount(lab)
            row = {"k": k, "n_types_found": n_found, "smallest_type": int(sizes[sizes > 0].min()),
                   "silhouette": np.nan, "calinski_harabasz": np.nan, "davies_bouldin": np.nan}
            if 2 <= n_found < n:
                sample = self.silhouette_sample if n > self.silhouette_sample else None
                row["silhouette"] = float(silhouette_score(Z, lab, sample_size=sample, random_state=self.seed))
                row["calinski_harabasz"] = float(calinski_harabasz_score(Z, lab))
                row["davies_bouldin"] = float(davies_bouldin_score(Z, lab))
            rows.append(row)
        sel = pd.DataFrame(rows)
        if len(ks) == 1:
            k_best = ks[0]
        else:
            ok = sel[(sel["smallest_type"] >= self.min_type_size) & (sel["n_types_found"] == sel["k"])
                     & sel[self.criterion].notna()]
            if ok.empty:
                raise InputError(f"no k in {ks} gives types of at least {self.min_type_size} municipalities",
                                 expected="a smaller min_type_size or another k_range")
            best = ok[self.criterion].max()
            k_best = int(ok.loc[np.isclose(ok[self.criterion], best, rtol=1e-12, atol=0), "k"].min())
        sel["chosen"] = sel["k"] == k_best
        lab = partitions[k_best]

        # number types by their mean of the first characteristic, highest first
        n_types = int(lab.max()) + 1
        first_means = np.array([Z[lab == j, 0].mean() for j in range(n_types)])
        order = np.argsort(-first_means, kind="stable")
        relabel = np.empty(n_types, dtype=int)
        relabel[order] = np.arange(1, n_types + 1)
        types_arr = relabel[lab]
        self.centres_ = np.vstack([Z[types_arr == t].mean(axis=0) for t in range(1, n_types + 1)])

        labels = pd.Series(types_arr, index=raw.index, name="type")
        prof_rows, type_rows = [], []
        use_size = (self.size_classes is True or (self.size_classes == "auto" and "population" in variables))
        if use_size and "population" not in variables:
            raise InputError("size_classes=True needs 'population' among the characteristics", column="population")
        for t in range(1, n_types + 1):
            members = labels.index[labels == t]
            zt = pd.Series(self.centres_[t - 1], index=list(variables))
            for v in variables:
                prof_rows.append({"type": t, "variable": v, "mean": float(raw.loc[members, v].mean()),
                                  "median": float(raw.loc[members, v].median()), "mean_z": float(zt[v])})
            desc = describe_profile(zt, threshold=self.threshold, strong=self.strong, max_terms=self.max_terms)
            size_class, name = None, text("comparison", "types.name", number=t)
            if use_size:
                classes = raw.loc[members, "population"].map(bbsr_size_class)
                counts = classes.value_counts()
                order_keys = [key for _, key in BBSR_SIZE_CLASSES]
                top = max(counts.index, key=lambda c: (counts[c], -order_keys.index(c)))
                size_class = str(top)
                name = text("comparison", "types.name_with_size", number=t,
                            size_class=text("comparison", f"types.plural.{size_class}"))
            type_rows.append({"type": t, "name": name, "n": int(len(members)), "size_class": size_class,
                              "description": desc})
        self.labels_ = labels
        self.result_ = TypologyResult(
            labels=labels, k=n_types, method=self.method, criterion=self.criterion, seed=int(self.seed),
            k_selection=sel[["k", "silhouette", "calinski_harabasz", "davies_bouldin", "smallest_type", "chosen"]],
            types=pd.DataFrame(type_rows), profiles=pd.DataFrame(prof_rows), variables=variables,
            dropped_variables=tuple(dropped), log=logged, excluded=tuple(map(str, incomplete)),
            details={"n_municipalities": int(n)},
        )
        return self

    def predict(self, features: pd.DataFrame) -> pd.Series:
        """Assign municipalities (also ones not in the fit) to the type with the nearest centre.

        Uses the fit's log-transform and standardisation; a municipality lacking a characteristic
        raises :class:`InputError` naming it.
        """
        from ._common import require_complete

        if not hasattr(self, "result_"):
            raise InputError("the typology is not fitted yet", expected="Typology(...).fit(features) first")
        variables = list(self.result_.variables)
        raw = feature_table(features, variables, what="characteristics to type")
        require_complete(raw, raw.index, role="municipality")
        Z = (log_transform(raw, self.result_.log).to_numpy() - self.mean_) / self.scale_
        d = ((Z[:, None, :] - self.centres_[None, :, :]) ** 2).sum(axis=2)
        return pd.Series(d.argmin(axis=1) + 1, index=raw.index, name="type")
