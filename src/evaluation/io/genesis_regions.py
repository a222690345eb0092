"""Region codes of German official statistics: level from the code, names without indentation.

The Regionaldatenbank and GENESIS-Online identify regions by the Amtlicher Gemeindeschlüssel
(AGS) and its prefixes, or the Regionalschlüssel (ARS):

=======================  ====================  =========================================
code                     level                 example
=======================  ====================  =========================================
``DG``                   Deutschland           ``DG`` Deutschland
2 digits                 Land                  ``09`` Bayern (Berlin ``11`` and Hamburg
                                               ``02`` are Land and kreisfreie Stadt at once)
3 digits                 Regierungsbezirk      ``095`` Mittelfranken (also "Stat. Region")
5 digits                 Kreis                 ``09562`` Erlangen, kreisfreie Stadt
8 digits (AGS)           Gemeinde              ``08136088`` Schwäbisch Gmünd
9 digits                 Gemeindeverband       ``073395003`` Verbandsgemeinde Nieder-Olm
12 digits (ARS)          Gemeinde              ``081360088088``
=======================  ====================  =========================================

Codes stay strings: ``09562`` is not the number 9562. Names in classic tables are indented with
spaces to show the hierarchy; the indentation is layout, not part of the name.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DEUTSCHLAND = "Deutschland"
LAND = "Land"
REGIERUNGSBEZIRK = "Regierungsbezirk"
KREIS = "Kreis"
GEMEINDEVERBAND = "Gemeindeverband"
GEMEINDE = "Gemeinde"

LEVELS: tuple[str, ...] = (DEUTSCHLAND, LAND, REGIERUNGSBEZIRK, KREIS, GEMEINDEVERBAND, GEMEINDE)

_LEVEL_BY_LENGTH = {2: LAND, 3: REGIERUNGSBEZIRK, 5: KREIS, 8: GEMEINDE, 9: GEMEINDEVERBAND, 12: GEMEINDE}

#: the Länder by their two-digit code (for tables whose only region is named in the title)
LAENDER: dict[str, str] = {
    "01": "Schleswig-Holstein", "02": "Hamburg", "03": "Niedersachsen", "04": "Bremen",
    "05": "Nordrhein-Westfalen", "06": "Hessen", "07": "Rheinland-Pfalz", "08": "Baden-Württemberg",
    "09": "Bayern", "10": "Saarland", "11": "Berlin", "12": "Brandenburg",
    "13": "Mecklenburg-Vorpommern", "14": "Sachsen", "15": "Sachsen-Anhalt", "16": "Thüringen",
}

#: the city states, which are Land and kreisfreie Stadt (Kreis level) at once
CITY_STATES: dict[str, str] = {"02": "Hamburg", "11": "Berlin"}

#: codes of a region variable in flat files (``1_variable_code``): the attribute code is the region code
REGION_VARIABLES = {"DINSG", "DLAND", "REGBEZ", "KREISE", "GEMEIN", "GEMVB", "GEMVBZ", "DGBUND"}


def region_level(codes: pd.Series | list[str]) -> pd.Series:
    """The level of each region code (``Deutschland``, ``Land``, ``Regierungsbezirk``, ``Kreis``,
    ``Gemeindeverband``, ``Gemeinde``); NaN for a code that follows none of the patterns.

    >>> region_level(pd.Series(["DG", "09", "095", "09562", "08136088", "073395003"])).tolist()
    ['Deutschland', 'Land', 'Regierungsbezirk', 'Kreis', 'Gemeinde', 'Gemeindeverband']
    """
    s = pd.Series(codes, dtype="string").str.strip()
    digits = s.str.fullmatch(r"\d+").fillna(False).to_numpy(bool)
    lengths = s.str.len().fillna(0).to_numpy(int)
    out = np.full(len(s), np.nan, dtype=object)
    for length, level in _LEVEL_BY_LENGTH.items():
        out[digits & (lengths == length)] = level
    out[(s == "DG").fillna(False).to_numpy(bool)] = DEUTSCHLAND
    return pd.Series(out, index=s.index, dtype=object, name="region_level")


def is_region_code(codes: pd.Series) -> pd.Series:
    """True where the text is a region code (``DG`` or 2, 3, 5, 8, 9 or 12 digits)."""
    return region_level(codes).notna()


def strip_names(names: pd.Series) -> pd.Series:
    """Region names without the indentation of classic tables (and without trailing blanks)."""
    return names.astype("string").str.strip().astype(object)


def region_from_title(lines: list[str]) -> tuple[str, str] | None:
    """(code, name) of a table's single region named on a title line (``Deutschland``, a Land)."""
    for line in lines:
        name = line.strip()
        if name in (DEUTSCHLAND, "Deutschland insgesamt", "Germany"):
            return "DG", DEUTSCHLAND
        for code, land in LAENDER.items():
            if name == land:
                return code, land
    return None
