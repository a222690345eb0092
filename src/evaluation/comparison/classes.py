"""The Gemeindetyp used for exact matching: association or BBSR size class.

Municipal associations (Verbandsgemeinde, Samtgemeinde, Amt, Verwaltungsgemeinschaft) form their own
rural type; every other municipality gets its size class after the BBSR's Stadt- und Gemeindetypen
(Großstadt from 100,000 inhabitants, Mittelstadt from 20,000, Kleinstadt from 5,000, else Landgemeinde).
Matching exactly on this type before nearest neighbours on structure keeps a city from being compared
with rural associations whose trends differ (Stuart 2010, sec. 3.1: exact matching on key covariates).

>>> gemeindetyp("kreisfreie Stadt", 113_000), gemeindetyp("Verbandsgemeinde", 34_000)
('grossstadt', 'laendlich')
"""

from __future__ import annotations

import pandas as pd

from .typology import bbsr_size_class

ASSOCIATION_KINDS = ("Verbandsgemeinde", "Samtgemeinde", "Amt", "Verwaltungsgemeinschaft", "Gemeindeverwaltungsverband")


def gemeindetyp(kind: str | None, population: float) -> str:
    """'laendlich' for an association, else the BBSR size class key of ``population``."""
    if kind is not None and any(str(kind).startswith(a) for a in ASSOCIATION_KINDS):
        return "laendlich"
    return bbsr_size_class(float(population))


def gemeindetyp_series(municipalities: pd.DataFrame) -> pd.Series:
    """The Gemeindetyp of every municipality (index municipality_id)."""
    m = municipalities.set_index(municipalities["municipality_id"].astype(str))
    return pd.Series([gemeindetyp(k, p) for k, p in zip(m["kind"], m["population"])], index=m.index, name="gemeindetyp")
