"""The panel of official and local indicators (source_type official/local), 2012-2025.

Data-generating process (value units = the indicator's published unit: percent or per 1,000)
------------------------------------------------------------------------------------------
For unit i of latent type g(i), indicator k, year t::

    v0_ikt = L_ik + b_k,g(i) * (t - 2012) + s_kt + e_ikt          (counterfactual, value units)
    v_ikt  = v0_ikt + E_ikt                                         (E = programme effect)
    E_ikt  = level_ik + slope_ik * (t - start_i)   for model municipalities with t >= start_i, else 0

* ``L_ik``: unit level = indicator mean + type offset + N(0, sd_k) across units;
* ``b_k,g``: TYPE-specific linear trend (the reason why a pool of all applicants is a biased comparison);
* ``s_kt``: common year shock N(0, sd <= 0.1 value units);
* ``e_ikt``: idiosyncratic extra-binomial noise N(0, sd_k).
* proportions: numerator ~ Binomial(denominator, clip(v)/100); rates: numerator ~ Poisson(den *
  clip(v)/1000); counts (scale "log"): count ~ Poisson(mu0_it * exp(E_ikt)) with
  log mu0_it = log(pop_it * base_k) + L_ik + b_k,g * (t - 2012) + s_kt + e_ikt.
* denominators: round(f_ik * pop_it * ratio_k) (unit factor f_ik log-normal), e.g. Arbeitslose =
  0.5 * pop * unemployment_rate / 100; they do not depend on the effects.
* ``arbeitslose_sb`` (count) is the numerator of ``arbeitslose_sb_anteil``, so the effect on the share
  carries over to the count (listed as an induced effect in ground_truth.json).
* Sozialraum rows (model municipalities, spatial_level sozialraum): the denominator is split over the
  areas by population (largest remainder), each area has a fixed offset N(0, 6 pp), the area
  numerators are drawn and the municipality row is their sum.
* Comparison units are drawn with ``Generator.binomial``/``poisson``; model municipalities by inverse
  CDF from fixed uniforms, so switching the effects off changes exactly the model rows from the start
  year on and nothing else.
* The true effect in published units (``att_by_year``) is the expected difference with and without the
  effect given the latent state: clip(v) - clip(v0) (denominator-weighted over areas for Sozialraum
  indicators), and mu0 * (exp(E) - 1) for counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ._common import YEARS, largest_remainder, register

TYPES = ("grossstadt", "mittelstadt", "kleinstadt", "laendlich")


@dataclass(frozen=True)
class Spec:
    """Parameters of one official/local indicator's data-generating process."""

    kind: str                      # proportion | rate | count
    den: str | None                # denominator driver: pop | unemployed
    ratio: float                   # denominator = ratio * driver (count: base events per inhabitant)
    den_add: float = 0.0           # + constant (e.g. at least a few bus stops)
    den_sd: float = 0.15           # log-normal sd of the unit factor
    mean: float = 0.0              # mean unit level (value units; log units for counts)
    sd: float = 0.0                # sd of unit levels
    offset: tuple = (0, 0, 0, 0)   # type offsets (grossstadt, mittelstadt, kleinstadt, laendlich)
    trend: tuple = (0, 0, 0, 0)    # type-specific trend per year
    shock: float = 0.05            # sd of the common year shock (<= 0.1 value units)
    noise: float = 0.5             # sd of idiosyncratic noise
    lo: float = 0.5
    hi: float = 99.5
    first_year: int = 2012


SPECS: dict[str, Spec] = {
    "arbeitslose_sb_anteil": Spec("proportion", "unemployed", 1.0, den_sd=0.05, mean=6.2, sd=0.8,
                                  offset=(0.3, 0.0, -0.2, -0.3), trend=(0.08, 0.06, -0.02, 0.0), shock=0.08,
                                  noise=0.15, lo=0.5, hi=30),
    "beschaeftigungsquote_sb": Spec("proportion", "pop", 0.28, den_sd=0.2, mean=4.6, sd=0.5,
                                    trend=(0.02, 0.01, 0.0, -0.01), shock=0.05, noise=0.08, lo=0.5, hi=20),
    "foerderschulbesuchsquote": Spec("proportion", "pop", 0.088, den_sd=0.08, mean=4.3, sd=0.8,
                                     offset=(0.2, 0.1, 0.0, -0.2), trend=(-0.08, -0.06, 0.0, -0.01),
                                     shock=0.05, noise=0.1, lo=0.5, hi=15),
    "inklusionsanteil": Spec("proportion", "pop", 0.088 * 0.075, den_sd=0.1, mean=40.0, sd=7.0,
                             offset=(3, 1, -1, -3), trend=(1.4, 1.0, 0.2, 0.4), shock=0.1, noise=1.0,
                             lo=5, hi=95),
    "inklusive_kitas": Spec("proportion", "pop", 1 / 1100, den_add=2, den_sd=0.2, mean=38.0, sd=8.0,
                            trend=(1.0, 0.8, 0.6, 0.5), shock=0.1, noise=1.5, lo=2, hi=98),
    "ambulant_wohnen_anteil": Spec("proportion", "pop", 0.0115 * 0.4, den_sd=0.15, mean=52.0, sd=7.0,
                                   offset=(4, 2, -2, -4), trend=(1.2, 1.0, 0.8, 0.6), shock=0.1, noise=1.5,
                                   lo=5, hi=95),
    "pflege_zuhause_anteil": Spec("proportion", "pop", 0.052, den_sd=0.1, mean=80.0, sd=3.0,
                                  offset=(-1, 0, 0.5, 1), trend=(0.3, 0.3, 0.25, 0.2), shock=0.05, noise=0.4,
                                  lo=50, hi=97),
    "barrierefreie_haltestellen": Spec("proportion", "pop", 1 / 260, den_add=10, den_sd=0.15, mean=22.0,
                                       sd=7.0, offset=(4, 2, -2, -4), trend=(1.8, 1.5, 0.5, 0.7), shock=0.1,
                                       noise=1.0, lo=1, hi=99),
    "barrierefreie_arztpraxen": Spec("proportion", "pop", 1 / 900, den_add=2, den_sd=0.15, mean=28.0, sd=6.0,
                                     trend=(0.8, 0.7, 0.5, 0.4), shock=0.1, noise=1.5, lo=1, hi=99),
    "familienentlastung": Spec("proportion", "pop", 0.0035, den_sd=0.2, mean=30.0, sd=6.0,
                               trend=(0.6, 0.5, 0.4, 0.3), shock=0.1, noise=2.0, lo=1, hi=99),
    "inklusive_sportvereine": Spec("proportion", "pop", 1 / 650, den_add=3, den_sd=0.15, mean=18.0, sd=5.0,
                                   offset=(3, 1, -1, -2), trend=(0.8, 0.6, 0.1, 0.2), shock=0.1, noise=1.5,
                                   lo=1, hi=99),
    "barrierefreie_wahllokale": Spec("proportion", "pop", 1 / 1300, den_add=3, den_sd=0.15, mean=62.0,
                                     sd=10.0, trend=(0.8, 0.8, 0.6, 0.5), shock=0.1, noise=1.5, lo=5, hi=99.5),
    "eingliederungshilfe_je_1000": Spec("rate", "pop", 1.0, den_sd=0.0, mean=10.5, sd=1.5,
                                        trend=(0.15, 0.12, 0.10, 0.08), shock=0.05, noise=0.15, lo=3, hi=30),
    "wfbm_uebergaenge": Spec("rate", "pop", 0.0035, den_sd=0.2, mean=4.0, sd=1.5, trend=(0.05, 0.05, 0.04, 0.03),
                             shock=0.1, noise=0.5, lo=0.2, hi=40),
    "beratungen_eutb": Spec("rate", "pop", 1.0, den_sd=0.0, mean=3.5, sd=1.0, trend=(0.10, 0.08, 0.06, 0.05),
                            shock=0.05, noise=0.3, lo=0.2, hi=30, first_year=2018),
    "auszubildende_mb": Spec("count", "pop", 9e-5, mean=0.0, sd=0.25, trend=(0.02, 0.01, -0.02, -0.01),
                             shock=0.03, noise=0.1),
    "gewaltschutz_beratungen": Spec("count", "pop", 1.1e-4, mean=0.0, sd=0.3, trend=(0.04, 0.04, 0.03, 0.03),
                                    shock=0.03, noise=0.1),
}
DERIVED_COUNTS = {"arbeitslose_sb": "arbeitslose_sb_anteil"}  # count = numerator of the share

#: programme effects: indicator -> (scale, level, slope) before the per-municipality multipliers
EFFECTS: dict[str, tuple[str, float, float]] = {
    "arbeitslose_sb_anteil": ("value", -0.4, -0.15),
    "foerderschulbesuchsquote": ("value", -0.25, -0.10),
    "inklusionsanteil": ("value", 3.0, 1.0),
    "barrierefreie_haltestellen": ("value", 4.0, 2.5),
    "inklusive_sportvereine": ("value", 3.0, 1.5),
    "auszubildende_mb": ("log", 0.15, 0.05),
    # survey indicators (generated in evaluation.demo.survey)
    "einstellung_inklusion": ("value", 4.0, 1.0),
    "teilhabe_freizeit": ("value", 5.0, 1.2),
    "kenntnis_angebote": ("value", 10.0, 2.0),
}

SOURCE_SUFFIX = " (fiktive Werte); Musterdaten"


def effect_parameters(munis: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Heterogeneous effect sizes: level * U(0.5, 1.5), slope * U(0.5, 1.5) per indicator x model municipality."""
    model = munis[munis["group"] == "model"]
    rows = []
    for ind, (scale, level, slope) in EFFECTS.items():
        ml = rng.uniform(0.5, 1.5, len(model))
        ms = rng.uniform(0.5, 1.5, len(model))
        for j, (_, m) in enumerate(model.iterrows()):
            rows.append(dict(indicator_id=ind, municipality_id=m["municipality_id"], start=int(m["programme_start"]),
                             scale=scale, level=round(level * ml[j], 4), slope=round(slope * ms[j], 4)))
    return pd.DataFrame(rows)


def effect_matrix(eff: pd.DataFrame, indicator_id: str, munis: pd.DataFrame, years=YEARS) -> np.ndarray:
    """E[i, t] in the effect's scale (value units or log), zero outside model municipalities / before start."""
    out = np.zeros((len(munis), len(years)))
    sub = eff[eff["indicator_id"] == indicator_id]
    pos = {m: i for i, m in enumerate(munis["municipality_id"])}
    yrs = np.asarray(years)
    for _, r in sub.iterrows():
        i = pos.get(r["municipality_id"])
        if i is None:
            continue
        on = yrs >= r["start"]
        out[i, on] = r["level"] + r["slope"] * (yrs[on] - r["start"])
    return out


def make_panel(munis: pd.DataFrame, structure: pd.DataFrame, areas: pd.DataFrame | None, eff: pd.DataFrame,
               rng_params: np.random.Generator, rng_comp: np.random.Generator, rng_model: np.random.Generator,
               effects: bool = True, sozialraum: bool = True) -> tuple[pd.DataFrame, dict]:
    """Official and local indicator values for all municipalities (+ Sozialraum rows for model ones).

    Returns (indicator_values rows, truth) where truth[indicator][municipality] = {year: att} in
    published units (model municipalities, years from the start).
    """
    reg = register()
    cats = categories(munis, areas)
    n, T = len(munis), len(YEARS)
    ids = munis["municipality_id"].to_numpy()
    types = munis["type"].to_numpy()
    tidx = np.array([TYPES.index(t) for t in types])
    is_model = (munis["group"] == "model").to_numpy()
    st = structure.set_index(["municipality_id", "year"]).loc[
        pd.MultiIndex.from_product([ids, YEARS])]
    pop = st["population"].to_numpy(float).reshape(n, T)
    unemployed = 0.5 * pop * st["unemployment_rate"].to_numpy(float).reshape(n, T) / 100
    frames = []
    truth: dict[str, dict] = {}
    induced: dict[str, dict] = {}
    dyear = (YEARS - 2012)[None, :].astype(float)
    for ind, sp in SPECS.items():
        info = reg[ind]
        # latent state: drawn for every unit in a fixed order, independent of the effects
        L = sp.mean + np.asarray(sp.offset)[tidx] + sp.sd * rng_params.standard_normal(n)
        f = np.exp(sp.den_sd * rng_params.standard_normal(n))
        shock = sp.shock * rng_params.standard_normal(T)
        e = sp.noise * rng_params.standard_normal((n, T))
        v0 = L[:, None] + np.asarray(sp.trend)[tidx][:, None] * dyear + shock[None, :] + e
        E = effect_matrix(eff, ind, munis) if effects else np.zeros((n, T))
        driver = pop if sp.den == "pop" else unemployed
        u_model = rng_model.random((is_model.sum(), T))
        if sp.kind == "count":
            mu0 = pop * sp.ratio * np.exp(v0)
            mu = mu0 * np.exp(E)
            num = np.empty((n, T))
            num[~is_model] = rng_comp.poisson(mu[~is_model])
            num[is_model] = stats.poisson.ppf(_safe(u_model), mu[is_model])
            den = np.full((n, T), np.nan)
            value = num.copy()
            att = mu0 * (np.exp(E) - 1)
        else:
            den = np.maximum(1.0, np.round(f[:, None] * driver * sp.ratio + sp.den_add))
            scale = info.scale
            p0 = np.clip(v0, sp.lo, sp.hi)
            p = np.clip(v0 + E, sp.lo, sp.hi)
            att = p - p0
            num = np.empty((n, T))
            if sp.kind == "proportion":
                num[~is_model] = rng_comp.binomial(den[~is_model].astype(np.int64), p[~is_model] / scale)
                num[is_model] = stats.binom.ppf(_safe(u_model), den[is_model], p[is_model] / scale)
            else:
                num[~is_model] = rng_comp.poisson(den[~is_model] * p[~is_model] / scale)
                num[is_model] = stats.poisson.ppf(_safe(u_model), den[is_model] * p[is_model] / scale)
            value = num / den * scale
        area_rows = None
        if sozialraum and info.spatial_level == "sozialraum" and sp.kind == "proportion" and areas is not None:
            area_rows, num_m, att_m = _sozialraum(ind, sp, info.scale, munis, areas, den, v0, E, rng_params,
                                                  rng_model, cats)
            for i_m, mid in enumerate(ids[is_model]):
                i = np.flatnonzero(ids == mid)[0]
                num[i] = num_m[i_m]
                att[i] = att_m[i_m]
            value = num / den * info.scale
        df = _rows(ids, ids, ind, num, den, value, info.source, cats)
        if sp.first_year > YEARS[0]:
            df = df[df["year"] >= sp.first_year]
        frames.append(df)
        if area_rows is not None:
            frames.append(area_rows)
        if ind in EFFECTS and effects:
            truth[ind] = _att_dict(eff, ind, ids, att)
        for dname, src in DERIVED_COUNTS.items():
            if src == ind:
                dinfo = reg[dname]
                frames.append(_rows(ids, ids, dname, num, np.full((n, T), np.nan), num.copy(), dinfo.source, cats))
                if ind in EFFECTS and effects:
                    induced[dname] = _att_dict(eff, ind, ids, att * den / info.scale)
    out = pd.concat(frames, ignore_index=True)
    return out, {"effects": truth, "induced": induced}


def _att_dict(eff, ind, ids, att) -> dict:
    res = {}
    for _, r in eff[eff["indicator_id"] == ind].iterrows():
        i = int(np.flatnonzero(ids == r["municipality_id"])[0])
        res[r["municipality_id"]] = {int(y): float(att[i, k]) for k, y in enumerate(YEARS) if y >= r["start"]}
    return res


def _sozialraum(ind, sp, scale, munis, areas, den, v0, E, rng_params, rng_model, cats):
    """Area-level numerators for one model-municipality indicator; returns rows, municipality sums, att."""
    ids = munis["municipality_id"].to_numpy()
    model_ids = munis.loc[munis["group"] == "model", "municipality_id"].tolist()
    rows, nums, atts = [], [], []
    for mid in model_ids:
        i = int(np.flatnonzero(ids == mid)[0])
        a = areas[areas["municipality_id"] == mid]
        k = len(a)
        shares = a["population"].to_numpy(float)
        delta = 6.0 * rng_params.standard_normal(k)
        u = rng_model.random((k, len(YEARS)))
        den_a = np.stack([largest_remainder(int(d), shares, minimum=1) for d in den[i]], axis=1).astype(float)
        p0 = np.clip(v0[i][None, :] + delta[:, None], sp.lo, sp.hi)
        p = np.clip(v0[i][None, :] + delta[:, None] + E[i][None, :], sp.lo, sp.hi)
        num_a = stats.binom.ppf(_safe(u), den_a, p / scale)
        val = num_a / den_a * scale
        df = _rows(np.full(k, mid, dtype=object), a["area_id"].to_numpy(), ind, num_a, den_a, val,
                   register()[ind].source, cats)
        rows.append(df)
        nums.append(num_a.sum(axis=0))
        atts.append(((p - p0) * den_a).sum(axis=0) / den_a.sum(axis=0))
    return pd.concat(rows, ignore_index=True), nums, atts


def _safe(u: np.ndarray) -> np.ndarray:
    return np.clip(u, 1e-12, 1 - 1e-12)


def categories(munis: pd.DataFrame, areas: pd.DataFrame | None) -> dict[str, pd.CategoricalDtype]:
    """Shared categorical dtypes of the indicator table's text columns (memory at national scale)."""
    reg = register()
    ids = set(munis["municipality_id"]) | (set(areas["area_id"]) if areas is not None else set())
    return {
        "id": pd.CategoricalDtype(sorted(ids)),
        "indicator": pd.CategoricalDtype(sorted(reg.ids)),
        "source": pd.CategoricalDtype(sorted({reg[i].source + SOURCE_SUFFIX for i in reg.ids})),
        "flag": pd.CategoricalDtype(["", "gewichtet"]),
    }


def _rows(muni_ids, area_ids, ind, num, den, value, source, cats) -> pd.DataFrame:
    n, T = num.shape
    size = n * T

    def const(dtype, v):
        return pd.Categorical.from_codes(np.full(size, dtype.categories.get_loc(v)), dtype=dtype)

    return pd.DataFrame({
        "municipality_id": pd.Categorical(np.repeat(np.asarray(muni_ids, dtype=object), T), dtype=cats["id"]),
        "area_id": pd.Categorical(np.repeat(np.asarray(area_ids, dtype=object), T), dtype=cats["id"]),
        "year": np.tile(YEARS, n).astype("int64"),
        "indicator_id": const(cats["indicator"], ind),
        "numerator": num.ravel(),
        "denominator": den.ravel(),
        "value": value.ravel(),
        "source": const(cats["source"], source + SOURCE_SUFFIX),
        "flag": const(cats["flag"], ""),
    })
