"""Municipalities, their structural panel and the Sozialräume of the model municipalities.

Data-generating process
-----------------------
* Five model municipalities with their real ids, names, AGS, kinds, states, Kreis codes and approximate
  populations (reference year 2023), and a comparison pool of fictional applicants (124 at default
  scale, the programme had 129 applicants; about 10,800 at national scale). Every municipality belongs
  to one latent **type**: ``grossstadt``, ``mittelstadt``, ``kleinstadt`` or ``laendlich`` (rural
  Gemeinde or association: Verbandsgemeinde, Samtgemeinde, Amt). The type drives the size, the
  structure and the indicator trends (see :mod:`evaluation.demo.panel`).
* The type is observable (:func:`observed_class`): Gemeinde or association (Verbandsgemeinde,
  Samtgemeinde, Amt) -> laendlich, else the size class of the 2023 population (>= 100,000 Großstadt,
  >= 20,000 Mittelstadt, smaller Kleinstadt), like the BBSR Stadt- und Gemeindetyp.
* Comparison AGS: a real state prefix, a 3-digit Kreis part, and a Gemeinde number 900-999 (no real
  Gemeinde uses these numbers); ``kreis`` is the first five digits.
* ``structure.csv``: population_t = population_2023 * exp(g_type * (t - 2023) + small noise);
  share_65plus, unemployment_rate (higher in the east and in big cities, a common cycle: falling to
  2019, Covid bump 2020), share_severely_disabled, tax_revenue_per_capita: type mean + unit effect +
  type-specific drift.
* Sozialräume: fixed names per model municipality, population shares Dirichlet around fixed weights,
  split of the 2023 population by largest remainder (so they sum exactly to the municipality's).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import YEARS, largest_remainder

TYPES = ("grossstadt", "mittelstadt", "kleinstadt", "laendlich")
TYPE_LABELS = {
    "grossstadt": "Großstadt",
    "mittelstadt": "Mittelstadt",
    "kleinstadt": "Kleinstadt",
    "laendlich": "ländliche Gemeinde / Verbandsgemeinde",
}
REFERENCE_YEAR = 2023

STATES = {
    "01": "Schleswig-Holstein", "02": "Hamburg", "03": "Niedersachsen", "04": "Bremen",
    "05": "Nordrhein-Westfalen", "06": "Hessen", "07": "Rheinland-Pfalz", "08": "Baden-Württemberg",
    "09": "Bayern", "10": "Saarland", "11": "Berlin", "12": "Brandenburg",
    "13": "Mecklenburg-Vorpommern", "14": "Sachsen", "15": "Sachsen-Anhalt", "16": "Thüringen",
}
EAST = {"12", "13", "14", "15", "16"}
CITY_STATES = {"02", "04", "11"}

#: comparison pool of the default scale: municipalities per state (sum 124)
POOL_BY_STATE = {"09": 20, "05": 20, "08": 16, "03": 14, "06": 9, "07": 8, "14": 6, "01": 5, "12": 5,
                 "16": 4, "15": 4, "13": 4, "10": 3, "11": 2, "02": 2, "04": 2}
#: national scale: roughly the real number of Gemeinden per state (sum about 10,800)
NATIONAL_BY_STATE = {"09": 2056, "07": 2301, "08": 1101, "03": 941, "01": 1106, "16": 605, "15": 218,
                     "12": 413, "13": 726, "14": 418, "05": 396, "06": 421, "10": 52, "11": 12, "02": 7,
                     "04": 4}

MODEL = [
    dict(municipality_id="erlangen", name="Erlangen", ags="09562000", kind="kreisfreie Stadt",
         state="Bayern", population=113_292, programme_start=2017, kreis="09562", type="grossstadt",
         area_km2=76.95),
    dict(municipality_id="rostock", name="Rostock", ags="13003000", kind="kreisfreie Stadt",
         state="Mecklenburg-Vorpommern", population=209_061, programme_start=2018, kreis="13003",
         type="grossstadt", area_km2=181.44),
    dict(municipality_id="schneverdingen", name="Schneverdingen", ags="03358019", kind="Stadt",
         state="Niedersachsen", population=18_954, programme_start=2017, kreis="03358", type="kleinstadt",
         area_km2=234.76),
    dict(municipality_id="schwaebisch_gmuend", name="Schwäbisch Gmünd", ags="08136065",
         kind="Große Kreisstadt", state="Baden-Württemberg", population=61_216, programme_start=2018,
         kreis="08136", type="mittelstadt", area_km2=113.78),
    dict(municipality_id="nieder_olm", name="Verbandsgemeinde Nieder-Olm",
         ags="07339017;07339031;07339032;07339042;07339047;07339054;07339057;07339067",
         kind="Verbandsgemeinde", state="Rheinland-Pfalz", population=34_115, programme_start=2019,
         kreis="07339", type="laendlich", area_km2=70.52),
]
MODEL_IDS = [m["municipality_id"] for m in MODEL]

AREAS = {
    "erlangen": ["Innenstadt", "Büchenbach", "Bruck", "Anger", "Röthelheimpark", "Tennenlohe",
                 "Frauenaurach", "Sieglitzhof"],
    "rostock": ["Stadtmitte", "Südstadt", "Reutershagen", "Lütten Klein", "Evershagen", "Groß Klein",
                "Lichtenhagen", "Dierkow", "Toitenwinkel", "Warnemünde"],
    "schneverdingen": ["Kernstadt", "Heber", "Insel", "Lünzen", "Wintermoor"],
    "schwaebisch_gmuend": ["Innenstadt", "Hardt", "Oststadt", "Weststadt", "Bettringen", "Straßdorf",
                           "Rehnenhof-Wetzgau"],
    "nieder_olm": ["Nieder-Olm", "Essenheim", "Jugenheim", "Klein-Winternheim", "Ober-Olm", "Sörgenloch",
                   "Stadecken-Elsheim", "Zornheim"],
}
#: rough relative sizes of the Sozialräume (Dirichlet mean)
AREA_WEIGHTS = {
    "erlangen": [14, 17, 13, 12, 9, 6, 8, 11],
    "rostock": [10, 11, 9, 8, 8, 7, 8, 7, 7, 5],
    "schneverdingen": [55, 10, 12, 10, 13],
    "schwaebisch_gmuend": [16, 14, 17, 15, 14, 10, 14],
    "nieder_olm": [31, 10, 8, 12, 12, 4, 13, 10],
}

_ROOTS = ["Anselm", "Birkwald", "Dornhag", "Elmsried", "Falkmoor", "Ginsterhal", "Haselbrunn", "Ilmfried",
          "Kranichsee", "Lerchwinkel", "Mistelau", "Nesselried", "Otterfurt", "Quendel", "Rabenhorst",
          "Schlehen", "Tannwied", "Ulmenhag", "Vogelsried", "Wachold", "Zeisigmoor", "Amselgrund",
          "Brombeer", "Distelhof", "Erlenquell", "Fichtmoos", "Hollerbach", "Immenried", "Kiebitzhal",
          "Lindwurm", "Mohnfeld", "Nachtigall", "Pappelried", "Reiherbruch", "Salbeiwang", "Weidmoos"]
_SUFFIXES = ["hausen", "stadt", "dorf", "heim", "berg", "feld", "ingen", "au", "bach", "hagen", "rode",
             "weiler"]

_TYPE_POP = {  # log-normal: median, sigma, bounds
    "grossstadt": (170_000, 0.45, 100_000, 650_000),
    "mittelstadt": (42_000, 0.45, 20_000, 99_000),
    "kleinstadt": (12_500, 0.35, 5_000, 19_999),
    "laendlich": (14_000, 0.55, 2_500, 45_000),
}
_TYPE_DENSITY = {"grossstadt": (2000, 0.3), "mittelstadt": (650, 0.4), "kleinstadt": (170, 0.4),
                 "laendlich": (140, 0.45)}
_TYPE_SHARES = {"default": (0.10, 0.30, 0.32, 0.28), "national": (0.008, 0.06, 0.23, 0.702)}


ASSOCIATION_KINDS = ("Verbandsgemeinde", "Samtgemeinde", "Amt", "Gemeinde")


def observed_class(population: int, kind: str) -> str:
    """The latent type as it is observable: rural Gemeinde/association, else the size class in 2023."""
    if kind in ASSOCIATION_KINDS:
        return "laendlich"
    if population >= 100_000:
        return "grossstadt"
    if population >= 20_000:
        return "mittelstadt"
    return "kleinstadt"


def _fictional_names(n: int, rng: np.random.Generator) -> list[str]:
    combos = [r + s for r in _ROOTS for s in _SUFFIXES if not r.lower().endswith(s[:2])]
    if n > len(combos):  # national scale: add a qualifier
        quals = ["", "Ober", "Nieder", "Alt", "Neu", "Groß", "Klein", "Hinter", "Vorder", "Mittel",
                 "Unter", "West", "Ost", "Nord", "Süd", "Hoch", "Tief", "Sankt ", "Bad ", "Markt ",
                 "Burg", "Wald", "See", "Berg", "Heide", "Moor", "Tal", "Kirch"]
        combos = [q + (c if q.endswith(" ") or not q else c.lower()) for q in quals for c in combos]
    idx = rng.permutation(len(combos))[:n]
    return [combos[i] for i in idx]


def _kind_for(type_: str, state: str, rng: np.random.Generator) -> tuple[str, str]:
    """(kind, name prefix) for a fictional municipality."""
    if state in CITY_STATES:
        return ("Bezirk", "Bezirk ") if state != "04" else ("Stadtgemeinde", "")
    if type_ == "grossstadt":
        return "kreisfreie Stadt", ""
    if type_ == "mittelstadt":
        if state in {"08", "09", "14"}:
            return "Große Kreisstadt", ""
        return "Stadt", ""
    if type_ == "kleinstadt":
        return "Stadt", ""
    assoc = {"07": "Verbandsgemeinde", "15": "Verbandsgemeinde", "03": "Samtgemeinde", "01": "Amt",
             "12": "Amt", "13": "Amt"}
    if state in assoc and rng.random() < 0.7:
        return assoc[state], assoc[state] + " "
    return "Gemeinde", ""


def make_municipalities(rng: np.random.Generator, scale: str = "default") -> pd.DataFrame:
    """municipalities.csv: the five model municipalities and the fictional comparison pool.

    Columns: the contract's plus ``kreis`` (5-digit Kreis code), ``type`` (latent type) and
    ``area_km2``. Comparison ids are ``k001``..``k124`` (``k00001``.. at national scale).
    """
    by_state = POOL_BY_STATE if scale == "default" else NATIONAL_BY_STATE
    n = sum(by_state.values())
    states = np.concatenate([np.repeat(s, k) for s, k in by_state.items()])
    states = states[rng.permutation(n)]
    # latent type: city states get big-city types; elsewhere by the scale's shares
    types = rng.choice(np.array(TYPES), size=n, p=np.array(_TYPE_SHARES[scale]))
    cs = np.isin(states, list(CITY_STATES))
    types[cs] = np.where(rng.random(cs.sum()) < 0.5, "grossstadt", "mittelstadt")
    pops = np.empty(n)
    area = np.empty(n)
    for t in TYPES:
        m = types == t
        med, sig, lo, hi = _TYPE_POP[t]
        pops[m] = np.clip(np.exp(np.log(med) + sig * rng.standard_normal(m.sum())), lo, hi)
        dmed, dsig = _TYPE_DENSITY[t]
        area[m] = pops[m] / np.exp(np.log(dmed) + dsig * rng.standard_normal(m.sum()))
    names = _fictional_names(n, rng)
    width = 3 if scale == "default" else 5
    rows = []
    kreis_next: dict[str, int] = {}
    gem_next: dict[str, int] = {}
    for i in range(n):
        st = str(states[i])
        kind, prefix = _kind_for(str(types[i]), st, rng)
        if st in CITY_STATES:
            kreis = st + "000"
        else:
            # a new Kreis every 8 (default) / 90 (national) municipalities of the state
            per = 8 if scale == "default" else 90
            k = kreis_next.get(st, 0)
            kreis_next[st] = k + 1
            kreis = st + f"{1 + (k // per) // 60}{11 + (k // per) % 60:02d}"
        g = gem_next.get(kreis, 900)
        if g > 999:
            raise RuntimeError("ran out of Gemeinde numbers 900-999")
        gem_next[kreis] = g + 1
        rows.append(dict(municipality_id=f"k{i + 1:0{width}d}", name=prefix + names[i], ags=f"{kreis}{g:03d}",
                         kind=kind, state=STATES[st], population=int(round(pops[i])), group="comparison",
                         programme_start=pd.NA, kreis=kreis, type=str(types[i]), area_km2=round(float(area[i]), 2)))
    model = [dict(m, group="model") for m in MODEL]
    df = pd.DataFrame(model + rows)
    df["programme_start"] = df["programme_start"].astype("Int64")
    df["population"] = df["population"].astype("int64")
    cols = ["municipality_id", "name", "ags", "kind", "state", "population", "group", "programme_start",
            "kreis", "type", "area_km2"]
    return df[cols]


def make_structure(munis: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """structure.csv: one row per municipality and year 2012-2025 (vectorised).

    population_t = round(population_2023 * exp(g_i * (t - 2023) + e_it)), g_i = type growth + unit noise;
    the other characteristics are type mean + unit effect + drift + small yearly noise.
    """
    n, T = len(munis), len(YEARS)
    types = munis["type"].to_numpy()
    east = munis["ags"].str[:2].isin(EAST).to_numpy()
    growth = pd.Series(types).map({"grossstadt": 0.005, "mittelstadt": 0.002, "kleinstadt": 0.0,
                                   "laendlich": -0.001}).to_numpy() + 0.003 * rng.standard_normal(n)
    dt = (YEARS - REFERENCE_YEAR)[None, :]
    noise = 0.002 * rng.standard_normal((n, T))
    noise[:, YEARS == REFERENCE_YEAR] = 0.0
    pop = np.round(munis["population"].to_numpy()[:, None] * np.exp(growth[:, None] * dt + noise))
    s65 = (pd.Series(types).map({"grossstadt": 19.0, "mittelstadt": 21.0, "kleinstadt": 23.0,
                                 "laendlich": 22.0}).to_numpy() + 2.5 * east + 1.5 * rng.standard_normal(n))
    s65 = s65[:, None] + 0.2 * (YEARS - 2012)[None, :] + 0.1 * rng.standard_normal((n, T))
    cycle = np.array([0.0, -0.1, -0.3, -0.5, -0.7, -0.9, -1.1, -1.3, -0.6, -0.8, -1.1, -1.0, -0.8, -0.7])
    unemp = (5.0 + 2.2 * east + pd.Series(types).map({"grossstadt": 1.2, "mittelstadt": 0.6, "kleinstadt": 0.0,
                                                      "laendlich": -0.6}).to_numpy()
             + 1.0 * rng.standard_normal(n))
    unemp = np.clip(unemp[:, None] * (1 + cycle[None, :] / 6.5) + 0.15 * rng.standard_normal((n, T)), 1.5, None)
    ssd = 9.4 + 0.8 * rng.standard_normal(n)
    ssd = ssd[:, None] + 0.05 * (YEARS - 2012)[None, :] + 0.05 * rng.standard_normal((n, T))
    tax = (pd.Series(types).map({"grossstadt": 1250.0, "mittelstadt": 1080.0, "kleinstadt": 930.0,
                                 "laendlich": 820.0}).to_numpy() * (1 - 0.18 * east)
           * np.exp(0.15 * rng.standard_normal(n)))
    tax = tax[:, None] * 1.03 ** (YEARS - 2012)[None, :] * np.exp(0.03 * rng.standard_normal((n, T)))
    area = munis["area_km2"].to_numpy()[:, None] * np.ones((1, T))
    out = pd.DataFrame({
        "municipality_id": np.repeat(munis["municipality_id"].to_numpy(), T),
        "year": np.tile(YEARS, n).astype("int64"),
        "population": pop.ravel().astype("int64"),
        "area_km2": np.round(area.ravel(), 2),
        "density": np.round(pop.ravel() / area.ravel(), 1),
        "share_65plus": np.round(s65.ravel(), 2),
        "unemployment_rate": np.round(unemp.ravel(), 2),
        "share_severely_disabled": np.round(ssd.ravel(), 2),
        "tax_revenue_per_capita": np.round(tax.ravel(), 0),
    })
    return out


def make_areas(munis: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """areas.csv: Sozialräume of the model municipalities; populations sum to the 2023 population."""
    rows = []
    for mid in MODEL_IDS:
        names = AREAS[mid]
        w = np.array(AREA_WEIGHTS[mid], dtype=float)
        shares = rng.dirichlet(w / w.sum() * 200)
        total = int(munis.loc[munis["municipality_id"] == mid, "population"].iloc[0])
        pops = largest_remainder(total, shares, minimum=500)
        for name, p in zip(names, pops):
            rows.append(dict(municipality_id=mid, area_id=f"{mid}-{_slug(name)}", name=name, population=int(p)))
    return pd.DataFrame(rows)


def _slug(name: str) -> str:
    s = name.lower()
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"), (" ", "_"), ("-", "_")):
        s = s.replace(a, b)
    return s
