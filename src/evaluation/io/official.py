"""Official statistics as indicator values, and the context panel of the five model municipalities.

:func:`to_indicator_values` maps a table read by :func:`~evaluation.io.genesis.read_genesis` to
rows of the ``indicator_values`` contract (``municipality_id, area_id, year, indicator_id,
numerator, denominator, value, source, flag``) for the register's official indicators
(:data:`OFFICIAL_INDICATORS`):

* ``arbeitslose_sb`` -- unemployed severely disabled people (count, annual average), table 13211;
* ``arbeitslose_sb_anteil`` -- their share of all unemployed in % (numerator and denominator are
  the two counts, value = 100 * numerator / denominator), table 13211;
* ``foerderschulbesuchsquote`` -- pupils at Förderschulen per 100 pupils at allgemeinbildende
  Schulen, table 21111 (see ``caveat_foerderschule`` in ``texts/official.yaml``: Klemm's definition
  uses grades 1-10, which the Kreis table does not hold).

The columns are found by the wording of the header path and the row dimension (regular
expressions, tolerant of the small changes between vintages); a table that holds none or several
matching columns raises :class:`~evaluation.errors.InputError`. Flags travel with the numbers: a
``-`` (true zero) gives 0, a ``.`` gives NaN with flag ``.``; where numerator and denominator carry
different flags both are kept (``"- | ."``).

:func:`context_panel` builds the real context panel from the 13211 table: both indicators per Kreis
and year (every year of the table(s), or the years asked for; several vintages merged by
:func:`read_vintages`, the later one winning) for the Kreise asked for (default: the five model municipalities: Erlangen 09562,
Rostock 13003, Heidekreis 03358, Mainz-Bingen 07339, Ostalbkreis 08136) and all other Kreise as
comparison pool, with the licence attribution (Datenlizenz Deutschland – Namensnennung 2.0) and the
caveat that Kreis level is coarser than three of the municipalities.

>>> from pathlib import Path
>>> table = Path(__file__).parents[3] / "data/reference/regionalstatistik/regionalstatistik_13211-02-05-4_2015-2020.csv"
>>> panel = context_panel(table)
>>> panel.values.query("area_id == '09562' and year == 2020 and indicator_id == 'arbeitslose_sb'").value.item()
320.0
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..contracts import validate
from ..errors import InputError
from ..texts import text
from .genesis import read_genesis
from .genesis_regions import CITY_STATES, KREIS

__all__ = [
    "MODEL_KREISE",
    "OFFICIAL_INDICATORS",
    "ContextPanel",
    "OfficialIndicator",
    "Selection",
    "context_panel",
    "merge_vintages",
    "nonexistent_regions",
    "read_vintages",
    "source_line",
    "to_indicator_values",
]


@dataclass(frozen=True)
class Selection:
    """Which tidy rows hold a count: a pattern on ``variable`` and optional patterns on row dimensions."""

    variable: str
    dimensions: tuple[tuple[str, str], ...] = ()

    def mask(self, df: pd.DataFrame, *, file: str | None) -> pd.Series:
        m = df["variable"].astype("string").str.contains(self.variable, flags=re.IGNORECASE, regex=True).fillna(False)
        for column, pattern in self.dimensions:
            if column not in df.columns:
                raise InputError(f"the table has no row dimension '{column}'", file=file, column=column,
                                 expected=f"a column '{column}' (row dimension of the table)",
                                 found=[c for c in df.columns][:12])
            m &= df[column].astype("string").str.contains(pattern, flags=re.IGNORECASE, regex=True).fillna(False)
        matched = df.loc[m, ["variable", *[c for c, _ in self.dimensions]]].drop_duplicates()
        if len(matched) == 0:
            raise InputError("the table holds no column for this indicator", file=file, column="variable",
                             expected=f"a header path matching {self.variable!r}"
                                      + (f" with {dict(self.dimensions)}" if self.dimensions else ""),
                             found=sorted(df["variable"].dropna().unique().tolist())[:12])
        if len(matched) > 1:
            raise InputError("several columns of the table match this indicator", file=file, column="variable",
                             expected=f"exactly one header path matching {self.variable!r}",
                             found=matched.astype(str).agg(" / ".join, axis=1).tolist()[:6])
        return m


@dataclass(frozen=True)
class OfficialIndicator:
    """How a register indicator is computed from an official table (value = scale * num / den)."""

    indicator_id: str
    table: str  # the GENESIS table code the indicator comes from (prefix, e.g. "13211")
    numerator: Selection
    denominator: Selection | None = None
    scale: float = 1.0


OFFICIAL_INDICATORS: dict[str, OfficialIndicator] = {
    "arbeitslose_sb": OfficialIndicator(
        "arbeitslose_sb", "13211", Selection(r"^Arbeitslose \|\s*schwerbehindert")),
    "arbeitslose_sb_anteil": OfficialIndicator(
        "arbeitslose_sb_anteil", "13211", Selection(r"^Arbeitslose \|\s*schwerbehindert"),
        Selection(r"^Arbeitslose(?: \|\s*insgesamt)?$"), 100.0),
    "foerderschulbesuchsquote": OfficialIndicator(
        "foerderschulbesuchsquote", "21111",
        Selection(r"^Schülerinnen und Schüler.*\| Insgesamt$", (("Schulart", r"Förderschul"),)),
        Selection(r"^Schülerinnen und Schüler.*\| Insgesamt$", (("Schulart", r"^Insgesamt$"),)), 100.0),
}

#: Kreis code -> (municipality id in params/, name) of the five model municipalities
MODEL_KREISE: dict[str, tuple[str, str]] = {
    "09562": ("erlangen", "Erlangen"),
    "13003": ("rostock", "Rostock"),
    "03358": ("schneverdingen", "Schneverdingen"),
    "07339": ("nieder_olm", "Verbandsgemeinde Nieder-Olm"),
    "08136": ("schwaebisch_gmuend", "Schwäbisch Gmünd"),
}
#: model municipalities for which the Kreis is the municipality itself (kreisfreie Städte)
KREIS_IS_MUNICIPALITY = {"09562", "13003"}


def _holder(meta: dict) -> str:
    cr = meta.get("copyright") or ""
    m = re.match(r"^©\s*(.+?)(?:, Deutschland)?, \d{4}", cr)
    return m.group(1).strip() if m else text("official", "holder_default")


def source_line(table: pd.DataFrame) -> str:
    """The German source line of a table read by ``read_genesis`` (holder, table, Stand)."""
    meta = table.attrs.get("genesis", {})
    stand = (meta.get("stand") or "").split("/")[0].strip() or "unbekannt"
    return text("official", "source", holder=_holder(meta), table=meta.get("table") or meta.get("statistic") or "?",
                stand=stand)


def _join_flags(a: pd.Series, b: pd.Series) -> pd.Series:
    a = a.astype(object).where(a.notna(), None)
    b = b.astype(object).where(b.notna(), None)
    out = a.where(a.notna(), b)
    both = a.notna() & b.notna() & (a != b)
    out[both] = a[both].astype(str) + " | " + b[both].astype(str)
    return out


def nonexistent_regions(table: pd.DataFrame) -> pd.Series:
    """True for the rows of a region and time whose cells are *all* ``-``.

    The Regionaldatenbank keeps former Kreise (e.g. the Kreise of Mecklenburg-Vorpommern before the
    2011 reform, Osterode am Harz after 2016) in its Kreis tables and fills every cell with ``-``.
    ``-`` means a true zero for one cell, but a Kreis with no unemployed people in any group does
    not exist: those rows describe a region that did not exist in that year, not zeros.
    """
    dash = table["flag"].astype("string").eq("-").fillna(False)
    keys = [table["region_code"], table["time"]]
    return dash.groupby(keys, sort=False).transform("all").astype(bool)


def to_indicator_values(
    table: pd.DataFrame,
    indicator_id: str,
    *,
    regions: Mapping[str, str] | Iterable[str] | None = None,
    source: str | None = None,
    drop_nonexistent: bool = True,
    spec: OfficialIndicator | None = None,
) -> pd.DataFrame:
    """Rows of the ``indicator_values`` contract for one official indicator.

    ``regions`` selects regions: an iterable of region codes (municipality_id = area_id = the code)
    or a mapping code -> municipality_id. With a mapping the figures are whole-town values of that
    municipality, so ``area_id`` is the municipality_id too (a Kreis code is not a Sozialraum of the
    municipality, and ``validate`` would reject it); the official code stays in the extra column
    ``region_code``. Without ``regions`` every region of the table is returned. ``year`` is the
    table's ``time`` (its year for dates). With ``drop_nonexistent`` (default) regions whose cells
    are all ``-`` in a year are left out for that year (see :func:`nonexistent_regions`), instead of
    reporting zeros for a dissolved Kreis. ``spec`` declares an indicator that is not among
    :data:`OFFICIAL_INDICATORS` (e.g. from an import recipe: Eingliederungshilfe, table 22161).
    """
    if spec is None and indicator_id not in OFFICIAL_INDICATORS:
        raise InputError(f"unknown official indicator '{indicator_id}'", column="indicator_id",
                         expected=f"one of {sorted(OFFICIAL_INDICATORS)} (or declare it in the recipe)",
                         found=indicator_id)
    spec = spec if spec is not None else OFFICIAL_INDICATORS[indicator_id]
    meta = table.attrs.get("genesis", {})
    file = meta.get("file")
    code = meta.get("table")
    if code and not str(code).startswith(spec.table):
        raise InputError(f"indicator '{indicator_id}' comes from table {spec.table}, this is table {code}",
                         file=file, expected=f"a download of table {spec.table}", found=code)
    df = table[~nonexistent_regions(table)] if drop_nonexistent else table
    if regions is not None:
        wanted = list(regions.keys()) if isinstance(regions, Mapping) else list(regions)
        df = df[df["region_code"].isin(wanted)]
    keys = ["region_code", "time"]
    num = df[spec.numerator.mask(df, file=file)].set_index(keys)[["value", "flag"]]
    if num.index.duplicated().any():
        raise InputError("the numerator occurs twice for one region and time", file=file, column="variable",
                         expected="one value per region and time", found=num.index[num.index.duplicated()][:3].tolist())
    out = num.rename(columns={"value": "numerator", "flag": "num_flag"})
    if spec.denominator is not None:
        den = df[spec.denominator.mask(df, file=file)].set_index(keys)[["value", "flag"]]
        out = out.join(den.rename(columns={"value": "denominator", "flag": "den_flag"}), how="outer")
        zero_den = out["denominator"] == 0
        out["value"] = spec.scale * out["numerator"] / out["denominator"].where(~zero_den)
        out.loc[zero_den, "denominator"] = np.nan  # contract: a denominator is > 0; the flag keeps the '-'
        out["flag"] = _join_flags(out["num_flag"], out["den_flag"])
    else:
        out["denominator"] = np.nan
        out["value"] = out["numerator"]
        out["flag"] = out["num_flag"].astype(object).where(out["num_flag"].notna(), None)
    out = out.reset_index()
    time = out["time"]
    if pd.api.types.is_integer_dtype(time):
        year = time.astype("int64")
    else:
        year = pd.to_numeric(time.astype("string").str.extract(r"(\d{4})(?!.*\d{4})", expand=False), errors="coerce")
        if year.isna().any():
            raise InputError("a time label without a year", file=file, column="time", expected="a year such as 2020",
                             found=time[year.isna()].iloc[0])
        year = year.astype("int64")
    codes = out["region_code"].astype(str)
    muni = codes.map(regions) if isinstance(regions, Mapping) else codes
    result = pd.DataFrame({
        "municipality_id": muni.astype(str),
        "area_id": muni.astype(str),
        "year": year,
        "indicator_id": indicator_id,
        "numerator": out["numerator"].astype(float),
        "denominator": out["denominator"].astype(float),
        "value": out["value"].astype(float),
        "source": source or source_line(table),
        "flag": out["flag"].astype(object).where(out["flag"].notna(), None),
    })
    if isinstance(regions, Mapping):
        result["region_code"] = codes.to_numpy()
    result = result.sort_values(["municipality_id", "area_id", "year"], kind="stable").reset_index(drop=True)
    return validate(result, "indicator_values", file=file)


def _stand_key(meta: dict) -> tuple:
    """Sort key of a vintage: its Stand date (dd.mm.yyyy [/ hh:mm:ss]); unknown dates sort first."""
    m = re.match(r"\s*(\d{2})\.(\d{2})\.(\d{4})(?:\s*/\s*(\d{2}):(\d{2}):(\d{2}))?", meta.get("stand") or "")
    if not m:
        return (0,)
    d, mo, y, hh, mm, ss = m.groups()
    return (1, int(y), int(mo), int(d), int(hh or 0), int(mm or 0), int(ss or 0))


def merge_vintages(tables: list[pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Several downloads (vintages) of one table, merged: the later vintage wins, revisions listed.

    ``tables`` are tidy tables of :func:`~evaluation.io.genesis.read_genesis`, in vintage order
    (earliest first); a cell is identified by region, time, variable and the row dimensions. The
    result holds every cell once, from the latest vintage that has it, with the extra column
    ``vintage`` (the file it came from). ``revisions`` lists the cells whose value or flag changed
    between vintages: ``region_code, time, variable, (row dimensions), old_value, old_flag,
    new_value, new_flag, old_file, new_file``. Flags (official symbols) travel with the values.
    """
    if not tables:
        raise InputError("no table given", expected="at least one downloaded table")
    codes = {str(t.attrs.get("genesis", {}).get("table") or "") for t in tables}
    if len(codes - {""}) > 1:
        raise InputError("vintages of different tables cannot be merged", file=tables[0].attrs.get("genesis", {}).get("file"),
                         expected="downloads of one table code", found=sorted(codes))
    dims = [c for c in tables[0].columns if c not in ("time", "region_code", "region_name", "region_level", "variable",
                                                      "unit", "value", "flag")]
    keys = ["region_code", "time", "variable", *dims]
    parts = []
    for t in tables:
        missing = [c for c in keys if c not in t.columns]
        if missing:
            raise InputError("the vintages have different row dimensions", file=t.attrs.get("genesis", {}).get("file"),
                             column=", ".join(missing), expected=f"columns {keys}")
        part = t.copy()
        for c in ("variable", "region_level", "unit", "flag", *dims):
            if c in part.columns:
                part[c] = part[c].astype(object)
        part["vintage"] = str(t.attrs.get("genesis", {}).get("file") or "")
        parts.append(part)
    allrows = pd.concat(parts, ignore_index=True)
    allrows["_order"] = np.repeat(np.arange(len(parts)), [len(p) for p in parts])
    merged = allrows.drop_duplicates(keys, keep="last")
    revisions = pd.DataFrame(columns=[*keys, "old_value", "old_flag", "new_value", "new_flag", "old_file", "new_file"])
    if len(parts) > 1:
        dup = allrows[allrows.duplicated(keys, keep=False)].sort_values("_order", kind="stable")
        if len(dup):
            first = dup.drop_duplicates(keys, keep="first").set_index(keys)
            last = dup.drop_duplicates(keys, keep="last").set_index(keys)
            changed = ~((first["value"] == last["value"]) | (first["value"].isna() & last["value"].isna())) | \
                (first["flag"].astype(object).where(first["flag"].notna(), "").astype(str)
                 != last["flag"].astype(object).where(last["flag"].notna(), "").astype(str))
            if changed.any():
                revisions = pd.DataFrame({
                    "old_value": first.loc[changed, "value"], "old_flag": first.loc[changed, "flag"],
                    "new_value": last.loc[changed, "value"], "new_flag": last.loc[changed, "flag"],
                    "old_file": first.loc[changed, "vintage"], "new_file": last.loc[changed, "vintage"],
                }).reset_index()
    merged = merged.drop(columns="_order").sort_values(["region_code", "time", "variable"], kind="stable")
    merged = merged.reset_index(drop=True)
    meta = dict(tables[-1].attrs.get("genesis", {}))
    meta["vintages"] = [dict(t.attrs.get("genesis", {})) for t in tables]
    merged.attrs["genesis"] = meta
    return merged, revisions


def read_vintages(paths: str | Path | Iterable[str | Path]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read one or several downloads of a table and merge them (:func:`merge_vintages`).

    The vintages are ordered by the Stand date each file states (the file order breaks ties and
    decides where a file states none), so the latest download wins however the files are listed.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    tables = [read_genesis(p) for p in paths]
    order = sorted(range(len(tables)), key=lambda i: (_stand_key(tables[i].attrs.get("genesis", {})), i))
    return merge_vintages([tables[i] for i in order])


@dataclass(frozen=True)
class ContextPanel:
    """Official context figures per Kreis and year for the model municipalities and a comparison pool.

    ``values``: ``indicator_values`` rows (municipality_id = area_id = Kreis code) plus ``group``
    (``model``/``comparison``); ``regions``: ``code, name, level, group, model_municipality_id,
    model_municipality, kreis_is_municipality``; ``attribution``: the licence line every output
    must show; ``caveat``: why the Kreis figures are context, not evidence of local effects.
    """

    values: pd.DataFrame
    regions: pd.DataFrame
    attribution: str
    caveat: str
    source_file: str

    def wide(self, indicator_id: str) -> pd.DataFrame:
        """One row per Kreis (code, name, group), one column per year: the table behind a figure."""
        v = self.values[self.values["indicator_id"] == indicator_id]
        w = v.pivot(index="area_id", columns="year", values="value")
        names = self.regions.set_index("code")[["name", "group"]]
        return names.join(w, how="inner").reset_index(names="code")

    def summary(self, indicator_id: str) -> pd.DataFrame:
        """Per year: each model Kreis's value beside the comparison pool's median and quartiles.

        Columns: ``year, code, name, model_municipality, value, pool_n, pool_q25, pool_median, pool_q75,
        pool_rank_pct`` (share of pool Kreise with a lower value, in %).
        """
        v = self.values[self.values["indicator_id"] == indicator_id]
        pool = v[v["group"] == "comparison"].groupby("year")["value"]
        stats = pd.DataFrame({"pool_n": pool.count(), "pool_q25": pool.quantile(0.25),
                              "pool_median": pool.median(), "pool_q75": pool.quantile(0.75)})
        model = v[v["group"] == "model"][["year", "area_id", "value"]].rename(columns={"area_id": "code"})
        model = model.merge(self.regions[["code", "name", "model_municipality"]], on="code").join(stats, on="year")
        pool_values = {y: g.dropna().to_numpy() for y, g in pool}
        model["pool_rank_pct"] = [
            100.0 * np.mean(pool_values[y] < val) if y in pool_values and len(pool_values[y]) and not np.isnan(val)
            else np.nan for y, val in zip(model["year"], model["value"])]
        return model.sort_values(["code", "year"]).reset_index(drop=True)


def context_panel(path: str | Path | Iterable[str | Path], *, years: Iterable[int] | None = None,
                  kreise: Mapping[str, tuple[str, str]] | Iterable[str] | None = None,
                  required: Iterable[str] | None = None) -> ContextPanel:
    """The real context panel from the Regionaldatenbank table 13211-02-05-4 (see module docstring).

    ``path``: one download, or several vintages of it (merged by :func:`read_vintages`: the later
    vintage wins). ``years``: the years to show (default: every year the table holds); a year the
    table lacks is an :class:`~evaluation.errors.InputError`. ``kreise``: the Kreise shown as
    ``model`` (default: the Kreise of the five model municipalities, :data:`MODEL_KREISE`), either
    codes or a mapping code -> (municipality id, municipality name); every other Kreis is the
    comparison pool. ``required``: the Kreise the table must hold (default: all of ``kreise``); a
    Kreis of ``kreise`` outside ``required`` that a download lacks (e.g. after a Kreis reform) is
    left out instead. Kreise are the regions of level Kreis plus Berlin and Hamburg, which are Land
    and kreisfreie Stadt at once. Values are ``arbeitslose_sb`` and ``arbeitslose_sb_anteil``.
    """
    table, _revisions = read_vintages(path)
    meta = table.attrs["genesis"]
    if not str(meta.get("table") or "").startswith("13211"):
        raise InputError("the context panel needs the Regionaldatenbank table 13211-02-05-4", file=meta["file"],
                         expected="table 13211-02-05-4 (Arbeitslose nach ausgewählten Personengruppen)",
                         found=meta.get("table"))
    available = sorted(int(y) for y in table["time"].unique().tolist())
    years = available if years is None else sorted(int(y) for y in years)
    missing = sorted(set(years) - set(available))
    if missing:
        raise InputError(f"the table lacks the years {missing}", file=meta["file"], column="time",
                         expected=f"the years {years[0]}-{years[-1]}", found=available)
    model: dict[str, tuple[str | None, str | None]]
    if kreise is None:
        model = dict(MODEL_KREISE)
    elif isinstance(kreise, Mapping):
        model = {str(k): (v[0], v[1]) for k, v in kreise.items()}
    else:
        model = {str(k): MODEL_KREISE.get(str(k), (None, None)) for k in kreise}
    kreis = (table["region_level"] == KREIS) | table["region_code"].isin(list(CITY_STATES))
    sub = table[kreis & table["time"].isin(years) & ~nonexistent_regions(table)]
    sub.attrs = table.attrs
    present = set(sub["region_code"].unique())
    must = set(model) if required is None else {str(k) for k in required}
    model = {k: v for k, v in model.items() if k in present or k in must}
    absent = sorted((set(model) | must) - present)
    if absent:
        raise InputError(f"the table lacks the Kreise {absent}", file=meta["file"],
                         column="region_code", expected="5-digit Kreis codes the table holds, e.g. '09562'",
                         found=absent)
    values = pd.concat([to_indicator_values(sub, ind) for ind in ("arbeitslose_sb", "arbeitslose_sb_anteil")],
                       ignore_index=True)
    values["group"] = np.where(values["area_id"].isin(list(model)), "model", "comparison")
    latest = (sub.sort_values("time").drop_duplicates("region_code", keep="last")
              .set_index("region_code")[["region_name", "region_level"]])
    regions = pd.DataFrame({
        "code": latest.index.astype(str),
        "name": latest["region_name"].to_numpy(),
        "level": np.where(latest.index.isin(list(CITY_STATES)), KREIS, latest["region_level"].to_numpy()),
    })
    regions["group"] = np.where(regions["code"].isin(list(model)), "model", "comparison")
    regions["model_municipality_id"] = regions["code"].map({k: v[0] for k, v in model.items()})
    regions["model_municipality"] = regions["code"].map({k: v[1] for k, v in model.items()})
    regions["kreis_is_municipality"] = regions["code"].isin(list(KREIS_IS_MUNICIPALITY))
    regions = regions.sort_values(["group", "code"], ascending=[False, True]).reset_index(drop=True)
    stand = (meta.get("stand") or "").split("/")[0].strip() or "unbekannt"
    attribution = text("official", "attribution", holder=_holder(meta), table=meta.get("table"), stand=stand)
    caveat = text("official", "caveat_kreis") + " " + text("official", "caveat_comparison")
    return ContextPanel(values=values, regions=regions, attribution=attribution, caveat=caveat,
                        source_file=str(meta["file"]))
