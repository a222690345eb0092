"""Bürgerbefragung (population survey) microdata, population margins and survey indicators.

Data-generating process
-----------------------
1. **Finite population** per model municipality and wave (2018, 2021, 2024): every adult (18+) is a
   record. Adults = round(population_t * 0.84), split over the Sozialräume by their population shares.
   Within a Sozialraum: age group (area-specific Dirichlet around the municipality's age structure,
   whose 65+ share follows structure.csv), sex (w 50.5 %, m 49.35 %, d 0.15 %), disability with
   probability (5, 8, 15, 30 %) by age group times share_severely_disabled / 9.4. Persons are grouped
   in address clusters of 80 adults (the PSUs); each cluster has a random effect c ~ N(0, 1).
2. **Items** for every person (so the true population values are known exactly): each binary item is
   Bernoulli(p) with p (in percentage points) = municipality base + age effect + disability effect
   (+ sex effect) + sd_c * c + trend * (wave - 2018) + programme effect, clipped to [1, 99].
   Programme effects (ground_truth.json "effects"): ``einstellung`` positive (all adults), ``freizeit``
   (people with disabilities only), ``kenntnis`` (all adults), from the programme start on.
   ``einstellung`` 1-5: positive -> 4 or 5, else 1-3; ``barrieren`` 1-4: "oft" -> 3 (oft) or 4 (sehr oft),
   else 1 (nie) or 2 (selten); ``zufriedenheit_gesundheit`` 1-5 from a cut latent normal. Attitude scale:
   theta = 3 * (p_einstellung - 0.6) + N(0, 1), att_j = cut(lambda_j * theta + N(0, sigma_j^2)) at
   (-1.5, -0.5, 0.5, 1.5) to 1-5; att3 is reverse-worded (stored as 6 - cut). Its true Cronbach's alpha
   (att3 recoded) is computed on the whole synthetic population.
3. **Sample**: stratified by Sozialraum (stratum = area_id), two stages: m_h address clusters by simple
   random sampling (pi1 = m_h / M_h), then within a cluster Poisson sampling with pi2 = min(1, 25 * w_i /
   sum_c w), w_i = 3 for people with disabilities (oversampled ~3x), 1 otherwise; design_weight =
   1 / (pi1 * pi2). **Nonresponse** by age (22, 33, 45, 58 % response for 18-29 ... 65+, minus 4 points with a
   disability): the respondents over-represent older people, so raking matters. Item nonresponse:
   zufriedenheit_gesundheit 3 %, wahl 2 %, each att item 1 %.
4. **Survey indicators** (indicator_values, flag "gewichtet"): numerator/denominator = unweighted counts
   of respondents (in the indicator's subgroup with a valid answer), value = weighted estimate with the
   design weights raked (IPF) to the population margins age_group, sex, area_id and has_disability of
   the municipality x wave (a margin category without respondents is dropped and the other targets of
   that variable rescaled); Sozialraum rows use the same municipal raked weights on the area's domain.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import SURVEY_WAVES, largest_remainder, register
from .panel import SOURCE_SUFFIX

AGE_GROUPS = ("18-29", "30-44", "45-64", "65+")
SEXES = ("w", "m", "d")
ADULT_SHARE = 0.84
CLUSTER_SIZE = 80
N_TARGET = {"erlangen": 800, "rostock": 820, "schneverdingen": 570, "schwaebisch_gmuend": 650, "nieder_olm": 560}
RESPONSE = np.array([0.22, 0.33, 0.45, 0.58])
DISABILITY_BY_AGE = np.array([0.05, 0.08, 0.15, 0.30])

#: binary items: base (pp), age effects, disability effect, female effect, cluster sd, trend per year
BINARY = {
    "einstellung_pos": (60, (10, 4, 0, -12), 8, 2, 4, 0.4),
    "kontakt": (30, (4, 2, 0, -4), 30, 0, 4, 0.3),
    "freizeit": (58, (8, 3, 0, -10), -18, 0, 3, 0.2),
    "einsamkeit": (12, (4, 0, 0, 5), 14, 0, 2, 0.1),
    "sicherheit": (78, (0, 0, -2, -8), -10, -8, 4, 0.0),
    "wahl": (64, (-14, -4, 3, 9), -6, 0, 3, 0.0),
    "kenntnis": (12, (-2, 0, 1, 2), 6, 0, 2, 0.2),
    "barrieren_oft": (10, (0, 0, 2, 6), 35, 0, 3, -0.3),
}
#: which item carries which programme effect, and for whom ("all" or "disabled")
ITEM_EFFECTS = {"einstellung_pos": ("einstellung_inklusion", "all"),
                "freizeit": ("teilhabe_freizeit", "disabled"),
                "kenntnis": ("kenntnis_angebote", "all")}
ATT_LOADINGS = np.array([1.0, 0.9, 0.8, 1.0, 0.7])
ATT_SIGMAS = np.array([0.8, 0.9, 1.0, 0.8, 1.1])
CUTS = np.array([-1.5, -0.5, 0.5, 1.5])

#: survey indicators: item column, positive rule, subgroup (all | disabled | not_disabled), kind
SURVEY_INDICATORS = {
    "einstellung_inklusion": ("einstellung", lambda x: x >= 4, "all"),
    "kenntnis_angebote": ("kenntnis", lambda x: x == 1, "all"),
    "kontakt_mmb": ("kontakt", lambda x: x == 1, "not_disabled"),
    "wahrgenommene_barrieren": ("barrieren", lambda x: x >= 3, "disabled"),
    "einsamkeit": ("einsamkeit", lambda x: x == 1, "disabled"),
    "teilhabe_freizeit": ("freizeit", lambda x: x == 1, "disabled"),
    "sicherheitsgefuehl": ("sicherheit", lambda x: x == 1, "disabled"),
    "wahlbeteiligung_mb": ("wahl", lambda x: x == 1, "disabled"),
    "zufriedenheit_gesundheit": ("zufriedenheit_gesundheit", None, "disabled"),
}


def _population(mid, wave, areas_m, struct_row, type_, rng):
    """The adult population of one municipality in one wave as a dict of arrays."""
    adults = int(round(struct_row["population"] * ADULT_SHARE))
    shares = areas_m["population"].to_numpy(float)
    n_area = largest_remainder(adults, shares)
    s65 = min(0.45, struct_row["share_65plus"] / 100 / ADULT_SHARE)
    young = (0.24, 0.28, 0.48) if type_ == "grossstadt" else (0.19, 0.27, 0.54)
    base_age = np.array([*(np.array(young) * (1 - s65)), s65])
    area_idx = np.repeat(np.arange(len(n_area)), n_area)
    age = np.empty(adults, dtype=np.int64)
    start = 0
    for k in n_area:
        pa = rng.dirichlet(base_age * 300)
        age[start:start + k] = rng.choice(4, size=k, p=pa)
        start += k
    sex = rng.choice(3, size=adults, p=[0.505, 0.4935, 0.0015])
    pdis = np.clip(DISABILITY_BY_AGE[age] * struct_row["share_severely_disabled"] / 9.4, 0, 0.9)
    dis = (rng.random(adults) < pdis).astype(np.int64)
    # address clusters of ~80 adults within each area (the remainder joins the last cluster)
    cluster = np.empty(adults, dtype=np.int64)
    n_clusters = np.maximum(1, n_area // CLUSTER_SIZE)
    offset = 0
    start = 0
    for a, k in enumerate(n_area):
        cluster[start:start + k] = offset + np.minimum(np.arange(k) // CLUSTER_SIZE, n_clusters[a] - 1)
        offset += n_clusters[a]
        start += k
    c_eff = rng.standard_normal(offset)
    return dict(area=area_idx, age=age, sex=sex, dis=dis, cluster=cluster, c_eff=c_eff,
                n_clusters=n_clusters, n_area=n_area)


def _effect(eff: pd.DataFrame, indicator: str, mid: str, wave: int) -> float:
    r = eff[(eff["indicator_id"] == indicator) & (eff["municipality_id"] == mid)]
    if r.empty:
        return 0.0
    r = r.iloc[0]
    return float(r["level"] + r["slope"] * (wave - r["start"])) if wave >= r["start"] else 0.0


def _items(P, mid_offsets, wave, eff_by_item, rng):
    """Items for every person of one population; returns (items, p_einstellung, truth pieces)."""
    n = len(P["age"])
    out = {}
    probs = {}
    cf = {}
    c_person = P["c_eff"][P["cluster"]]
    female = P["sex"] == 0
    dis = P["dis"].astype(float)
    for item, (base, age_eff, dis_eff, w_eff, c_sd, trend) in BINARY.items():
        v0 = np.asarray(age_eff, dtype=float)[P["age"]]
        v0 += base + mid_offsets[item] + trend * (wave - 2018)
        v0 += dis_eff * dis
        if w_eff:
            v0 += w_eff * female
        v0 += c_sd * c_person
        e = eff_by_item.get(item, (0.0, "all"))
        E = e[0] * (P["dis"] == 1) if e[1] == "disabled" else np.full(n, e[0])
        p0 = np.clip(v0, 1, 99) / 100
        p = np.clip(v0 + E, 1, 99) / 100
        u = rng.random(n)
        out[item] = (u < p).astype(np.int64)
        probs[item] = p
        cf[item] = (p0, p, (u < p0).astype(np.int64))
    u2 = rng.random(n)
    pos = out.pop("einstellung_pos")
    out["einstellung"] = np.where(pos == 1, 4 + (u2 < 0.45), 1 + (u2 >= 0.15) + (u2 >= 0.5)).astype(np.int64)
    u3 = rng.random(n)
    oft = out.pop("barrieren_oft")
    out["barrieren"] = np.where(oft == 1, 3 + (u3 < 0.35), 1 + (u3 >= 0.55)).astype(np.int64)
    z = 0.3 + mid_offsets["zufriedenheit"] + 0.2 * (P["age"] == 3) - 0.35 * P["dis"] + rng.standard_normal(n)
    out["zufriedenheit_gesundheit"] = 1 + np.searchsorted(np.array([-1.6, -0.7, 0.2, 1.2]), z)
    theta = 3.0 * (probs["einstellung_pos"] - 0.6) + rng.standard_normal(n)
    for j in range(5):
        x = ATT_LOADINGS[j] * theta + ATT_SIGMAS[j] * rng.standard_normal(n)
        k = 1 + np.searchsorted(CUTS, x)
        out[f"att{j + 1}"] = (6 - k) if j == 2 else k
    return out, cf


def cronbach_alpha(items: np.ndarray) -> float:
    """Cronbach's alpha of an n x k matrix (complete rows)."""
    k = items.shape[1]
    var_items = items.var(axis=0, ddof=1).sum()
    var_total = items.sum(axis=1).var(ddof=1)
    return float(k / (k - 1) * (1 - var_items / var_total))


def rake(weights: np.ndarray, groups: dict[str, np.ndarray], targets: dict[str, dict], tol=1e-10, max_iter=500):
    """Iterative proportional fitting of ``weights`` to population ``targets`` per variable."""
    w = weights.astype(float).copy()
    prepared = []
    for var, codes in groups.items():
        tg = {k: v for k, v in targets[var].items() if np.any(codes == k)}
        total = sum(targets[var].values())
        s = sum(tg.values())
        prepared.append((codes, {k: v * total / s for k, v in tg.items()}))
    for _ in range(max_iter):
        change = 0.0
        for codes, tg in prepared:
            for k, t in tg.items():
                m = codes == k
                cur = w[m].sum()
                f = t / cur
                change = max(change, abs(f - 1))
                w[m] *= f
        if change < tol:
            break
    return w


def make_survey(munis, structure, areas, eff, rng_pop, rng_sample, rng_items, effects=True):
    """survey_responses, population_margins, survey indicator rows and the survey ground truth."""
    reg = register()
    model = munis[munis["group"] == "model"]
    st = structure.set_index(["municipality_id", "year"])
    responses, margins, ind_rows = [], [], []
    truth = {"population_values": {}, "counterfactual_values": {}, "att": {}}
    alpha_items = []
    alpha_by_muni = {}
    for _, m in model.iterrows():
        mid = m["municipality_id"]
        areas_m = areas[areas["municipality_id"] == mid].reset_index(drop=True)
        area_ids = areas_m["area_id"].to_numpy()
        offsets = {item: 4.0 * rng_pop.standard_normal() for item in BINARY}
        offsets["zufriedenheit"] = 0.2 * rng_pop.standard_normal()
        muni_alpha = []
        for wave in SURVEY_WAVES:
            P = _population(mid, wave, areas_m, st.loc[(mid, wave)], m["type"], rng_pop)
            eff_by_item = {}
            for item, (ind, who) in ITEM_EFFECTS.items():
                eff_by_item[item] = (_effect(eff, ind, mid, wave) if effects else 0.0, who)
            items, cf = _items(P, offsets, wave, eff_by_item, rng_items)
            # ground truth on the finite population
            pv, cv, att = {}, {}, {}
            dis = P["dis"] == 1
            subsets = {"all": np.ones(len(dis), bool), "disabled": dis, "not_disabled": ~dis}
            for ind, (col, rule, sub) in SURVEY_INDICATORS.items():
                mask = subsets[sub]
                if rule is None:
                    pv[ind] = float(items[col][mask].mean())
                    continue
                pv[ind] = float(100 * rule(items[col][mask]).mean())
            for item, (ind, _who) in ITEM_EFFECTS.items():
                p0, p, y0 = cf[item]
                mask = subsets["disabled" if ind == "teilhabe_freizeit" else "all"]
                cv[ind] = float(100 * y0[mask].mean())
                att[ind] = float(100 * (p[mask] - p0[mask]).mean())
            truth["population_values"].setdefault(mid, {})[str(wave)] = pv
            truth["counterfactual_values"].setdefault(mid, {})[str(wave)] = cv
            truth["att"].setdefault(mid, {})[str(wave)] = att
            A = np.column_stack([items[f"att{j}"] if j != 3 else 6 - items["att3"] for j in range(1, 6)])
            alpha_items.append(A)
            muni_alpha.append(A)
            # margins
            for var, codes, cats in (("age_group", P["age"], AGE_GROUPS), ("sex", P["sex"], SEXES),
                                     ("area_id", P["area"], area_ids), ("has_disability", P["dis"], ("0", "1"))):
                counts = np.bincount(codes, minlength=len(cats))
                for c, k in zip(cats, counts):
                    if k > 0:
                        margins.append(dict(municipality_id=mid, year=wave, variable=var, category=str(c),
                                            population=float(k)))
            # sample
            resp = _sample(mid, wave, P, items, area_ids, rng_sample)
            responses.append(resp)
            ind_rows.append(_indicators(mid, wave, resp, P, area_ids, reg))
        alpha_by_muni[mid] = cronbach_alpha(np.vstack(muni_alpha).astype(float))
    truth["design"] = {
        "strata": "Sozialraum (stratum = area_id)",
        "stage1": "simple random sample of address clusters (~80 adults each) per stratum, pi1 = m_h / M_h",
        "stage2": "Poisson sampling within a cluster, pi2 = min(1, 25 * w_i / sum_cluster w), w_i = 3 with a "
                  "disability, 1 otherwise (oversampling ~3x)",
        "design_weight": "1 / (pi1 * pi2)",
        "response_rate_by_age_group": dict(zip(AGE_GROUPS, RESPONSE.tolist())),
        "response_rate_disability_shift": -0.04,
        "item_nonresponse": {"zufriedenheit_gesundheit": 0.03, "wahl": 0.02, "att1..att5": 0.01},
        "target_respondents": N_TARGET,
        "raking": "design weights raked (IPF, tolerance 1e-10) to the margins age_group, sex, area_id, "
                  "has_disability of the municipality x wave; a category without respondents is dropped",
    }
    truth["cronbach_alpha"] = cronbach_alpha(np.vstack(alpha_items).astype(float))
    truth["cronbach_alpha_by_municipality"] = alpha_by_muni
    resp = pd.concat(responses, ignore_index=True)
    marg = pd.DataFrame(margins)
    inds = pd.concat(ind_rows, ignore_index=True)
    return resp, marg, inds, truth


def _sample(mid, wave, P, items, area_ids, rng):
    n_target = N_TARGET[mid] + int(rng.integers(-40, 41))
    n_area = P["n_area"]
    alloc = n_area ** 0.7
    m_h = np.maximum(3, np.round(alloc / alloc.sum() * n_target / 10)).astype(int)
    m_h = np.minimum(m_h, P["n_clusters"])
    first = np.concatenate([[0], np.cumsum(P["n_clusters"])[:-1]])
    chosen, pi1 = [], []
    for a in range(len(n_area)):
        sel = np.sort(rng.choice(P["n_clusters"][a], size=m_h[a], replace=False)) + first[a]
        chosen.append(sel)
        pi1.append(np.full(m_h[a], m_h[a] / P["n_clusters"][a]))
    chosen = np.concatenate(chosen)
    pi1_c = np.zeros(int(P["n_clusters"].sum()))
    pi1_c[chosen] = np.concatenate(pi1)
    in_sel = np.isin(P["cluster"], chosen)
    idx = np.flatnonzero(in_sel)
    w = np.where(P["dis"][idx] == 1, 3.0, 1.0)
    wsum = np.bincount(P["cluster"][idx], weights=w, minlength=len(pi1_c))
    pi2 = np.minimum(1.0, 25.0 * w / wsum[P["cluster"][idx]])
    drawn = rng.random(len(idx)) < pi2
    rho = RESPONSE[P["age"][idx]] - 0.04 * P["dis"][idx]
    responded = rng.random(len(idx)) < rho
    keep = drawn & responded
    r = idx[keep]
    weight = 1.0 / (pi1_c[P["cluster"][r]] * pi2[keep])
    df = pd.DataFrame({
        "respondent_id": [f"{mid}-{wave}-{i + 1:04d}" for i in range(len(r))],
        "municipality_id": mid,
        "area_id": area_ids[P["area"][r]],
        "wave": wave,
        "stratum": area_ids[P["area"][r]],
        "psu": [f"{area_ids[P['area'][j]]}-c{P['cluster'][j]:04d}" for j in r],
        "design_weight": weight,
        "has_disability": P["dis"][r],
        "age_group": np.asarray(AGE_GROUPS, dtype=object)[P["age"][r]],
        "sex": np.asarray(SEXES, dtype=object)[P["sex"][r]],
    })
    for col in ("einstellung", "barrieren", "freizeit", "kontakt", "einsamkeit", "sicherheit",
                "zufriedenheit_gesundheit", "wahl", "kenntnis", "att1", "att2", "att3", "att4", "att5"):
        vals = items[col][r].astype(float)
        miss = {"zufriedenheit_gesundheit": 0.03, "wahl": 0.02}.get(col, 0.01 if col.startswith("att") else 0.0)
        u = rng.random(len(r))
        if miss:
            vals[u < miss] = np.nan
        df[col] = _int_nan(vals)
    return df


def _int_nan(vals: np.ndarray) -> pd.Series:
    return pd.Series(pd.array(np.where(np.isnan(vals), np.nan, vals), dtype="Float64")).astype("Int64")


def _indicators(mid, wave, resp, P, area_ids, reg):
    groups = {
        "age_group": resp["age_group"].to_numpy(), "sex": resp["sex"].to_numpy(),
        "area_id": resp["area_id"].to_numpy(), "has_disability": resp["has_disability"].astype(str).to_numpy(),
    }
    targets = {
        "age_group": {c: float(k) for c, k in zip(AGE_GROUPS, np.bincount(P["age"], minlength=4))},
        "sex": {c: float(k) for c, k in zip(SEXES, np.bincount(P["sex"], minlength=3)) if k > 0},
        "area_id": {c: float(k) for c, k in zip(area_ids, P["n_area"])},
        "has_disability": {c: float(k) for c, k in zip(("0", "1"), np.bincount(P["dis"], minlength=2))},
    }
    w = rake(resp["design_weight"].to_numpy(), groups, targets)
    dis = resp["has_disability"].to_numpy() == 1
    subsets = {"all": np.ones(len(dis), bool), "disabled": dis, "not_disabled": ~dis}
    rows = []
    domains = [(mid, np.ones(len(resp), bool))] + [(a, resp["area_id"].to_numpy() == a) for a in area_ids]
    for ind, (col, rule, sub) in SURVEY_INDICATORS.items():
        x = resp[col].to_numpy(dtype=float, na_value=np.nan)
        valid = ~np.isnan(x)
        for area, dom in domains:
            mask = dom & subsets[sub] & valid
            n = int(mask.sum())
            if n == 0:
                continue
            if rule is None:
                num = np.nan
                value = float(np.sum(w[mask] * x[mask]) / np.sum(w[mask]))
            else:
                pos = rule(x[mask])
                num = float(pos.sum())
                value = float(100 * np.sum(w[mask] * pos) / np.sum(w[mask]))
            rows.append(dict(municipality_id=mid, area_id=area, year=wave, indicator_id=ind, numerator=num,
                             denominator=float(n), value=value, source=reg[ind].source + SOURCE_SUFFIX,
                             flag="gewichtet"))
    return pd.DataFrame(rows)
