"""Simulated municipalities with known latent types, for the comparison tests.

Data-generating process (the known truth the tests check against)
-----------------------------------------------------------------
Four latent types with distinct structure (means; log-normal sizes, normal shares):

=============  ==========  =======  ======  =====  =====  ======
type           population  density  65plus  unemp  sbd    tax
=============  ==========  =======  ======  =====  =====  ======
grossstadt        250,000    2,000    20.0    8.0   10.5   1,400
mittelstadt        50,000      600    22.0    6.0    9.0   1,100
kleinstadt         12,000      180    24.0    4.5    8.0     850
laendlich           3,000       70    26.0    3.0    7.0     700
=============  ==========  =======  ======  =====  =====  ======

One model municipality per type (ids ``model_<type>``), programme start 2017. The applicants are
unbalanced across types (many rural ones), and the outcome's trend differs by type::

    y_it = L_i + b_type(i) * (t - 2012) + s_t + e_it + tau * 1[i model, t >= 2017]

with ``b = (0.8, 0.4, 0.0, -0.4)`` per year, ``tau = 2.0``, ``e ~ N(0, 0.15)``. A pool of all
applicants therefore has the wrong trend for every model municipality (biased difference-in-differences);
a same-type or well-matched pool has the right one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

TYPES = ("grossstadt", "mittelstadt", "kleinstadt", "laendlich")
PROFILE = {
    #            pop      dens   65+   unemp sbd   tax
    "grossstadt": (250_000, 2_000, 20.0, 8.0, 10.5, 1400.0),
    "mittelstadt": (50_000, 600, 22.0, 6.0, 9.0, 1100.0),
    "kleinstadt": (12_000, 180, 24.0, 4.5, 8.0, 850.0),
    "laendlich": (3_000, 70, 26.0, 3.0, 7.0, 700.0),
}
TREND = {"grossstadt": 0.8, "mittelstadt": 0.4, "kleinstadt": 0.0, "laendlich": -0.4}
TAU = 2.0
START = 2017
YEARS = list(range(2012, 2024))
VARIABLES = ["population", "density", "share_65plus", "unemployment_rate", "share_severely_disabled",
             "tax_revenue_per_capita"]


@dataclass
class Sim:
    municipalities: pd.DataFrame
    structure: pd.DataFrame
    values: pd.DataFrame
    types: pd.Series  # latent type per municipality
    tau: float = TAU

    @property
    def model_ids(self) -> list[str]:
        return self.municipalities.loc[self.municipalities["group"] == "model", "municipality_id"].tolist()


def simulate(n_per_type=(12, 20, 30, 45), seed: int = 7) -> Sim:
    rng = np.random.default_rng(seed)
    rows, types = [], {}
    for t, n in zip(TYPES, n_per_type):
        for j in range(n + 1):
            mid = f"model_{t}" if j == 0 else f"{t[:2]}{j:03d}"
            types[mid] = t
            rows.append({"municipality_id": mid, "group": "model" if j == 0 else "comparison"})
    munis = pd.DataFrame(rows)
    munis["name"] = munis["municipality_id"]
    munis["ags"] = [f"{i:08d}" for i in range(1, len(munis) + 1)]
    munis["kind"] = "Gemeinde"
    munis["state"] = "Bayern"
    munis["programme_start"] = np.where(munis["group"] == "model", START, np.nan)
    type_s = pd.Series(types)
    # structure panel: type profile x unit effect, slight drift
    struct_rows = []
    level = {}
    shocks = rng.normal(0, 0.05, len(YEARS))
    for mid in munis["municipality_id"]:
        t = types[mid]
        pop, dens, old, unemp, sbd, tax = PROFILE[t]
        u = dict(population=pop * np.exp(rng.normal(0, 0.25)), density=dens * np.exp(rng.normal(0, 0.25)),
                 share_65plus=old + rng.normal(0, 0.8), unemployment_rate=unemp + rng.normal(0, 0.5),
                 share_severely_disabled=sbd + rng.normal(0, 0.4), tax_revenue_per_capita=tax + rng.normal(0, 60))
        for year in YEARS:
            struct_rows.append({"municipality_id": mid, "year": year,
                                **{v: (u[v] * (1 + 0.002 * (year - 2012)) if v in ("population", "density")
                                       else u[v] + rng.normal(0, 0.05)) for v in VARIABLES}})
        level[mid] = 20 + rng.normal(0, 1.0)
    structure = pd.DataFrame(struct_rows).assign(population=lambda d: d["population"].round())
    vals = []
    model = set(munis.loc[munis["group"] == "model", "municipality_id"])
    for mid in munis["municipality_id"]:
        for k, year in enumerate(YEARS):
            y = level[mid] + TREND[types[mid]] * (year - 2012) + shocks[k] + rng.normal(0, 0.15)
            if mid in model and year >= START:
                y += TAU
            vals.append({"municipality_id": mid, "area_id": mid, "year": year, "indicator_id": "outcome",
                         "numerator": np.nan, "denominator": np.nan, "value": y, "source": "sim", "flag": None})
    return Sim(munis, structure, pd.DataFrame(vals), type_s)


@pytest.fixture(scope="session")
def sim() -> Sim:
    return simulate()


@pytest.fixture(scope="session")
def features(sim: Sim) -> pd.DataFrame:
    from evaluation.comparison import pre_period_characteristics

    return pre_period_characteristics(sim.structure, range(2012, START), VARIABLES)
