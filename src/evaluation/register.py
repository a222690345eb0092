"""The indicator register (Indikatorenkatalog): what each indicator means and where it sits.

Every indicator has a definition, numerator and denominator, a unit, a polarity (whether higher is
better, worse, or a context figure without direction), a source, a spatial level, a step on the
Wirkungstreppe (1-7) and a Lebensbereich (after the federal Teilhabebericht). The catalogue ships as
``evaluation/data/indicator_register.yaml``; a team can load its own file with the same fields.

Baselines (Basiswert) and targets (Sollwert) are not part of the register: they differ per
municipality and come from the parameter files (:mod:`evaluation.params`); :meth:`IndicatorRegister.targets`
joins them.

>>> reg = load_register()
>>> reg["arbeitslose_sb_anteil"].polarity
-1
>>> sorted(reg.table["wirkungsstufe"].unique().tolist())
[1, 2, 3, 4, 5, 6, 7]
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import InputError, Problem
from .yamlfile import parse_yaml, read_yaml
from .vocabulary import LEBENSBEREICHE, WIRKUNGSEBENE, WIRKUNGSSTUFEN

Unit = Literal["percent", "per_1000", "count", "score"]
Kind = Literal["proportion", "rate", "count", "mean"]

#: factor from the numerator/denominator ratio to the published value, per unit
UNIT_SCALE: dict[str, float] = {"percent": 100.0, "per_1000": 1000.0, "count": 1.0, "score": 1.0}


class _IndicatorSpec(BaseModel):
    """Schema of one register entry; unknown keys are refused."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    definition: str = Field(min_length=1)
    numerator: str | None = None
    denominator: str | None = None
    unit: Unit
    kind: Kind
    polarity: Literal[-1, 0, 1]
    source_type: Literal["official", "local", "survey", "process", "participants"]
    source: str
    spatial_level: Literal["kreis", "gemeinde", "sozialraum"]
    wirkungsstufe: int = Field(ge=1, le=7)
    lebensbereich: str


@dataclass(frozen=True)
class Indicator:
    """One indicator of the register."""

    indicator_id: str
    name: str
    definition: str
    numerator: str | None
    denominator: str | None
    unit: str
    kind: str
    polarity: int
    source_type: str
    source: str
    spatial_level: str
    wirkungsstufe: int
    lebensbereich: str

    @property
    def scale(self) -> float:
        """Factor from numerator/denominator to the published value (100 for percent ...)."""
        return UNIT_SCALE[self.unit]

    @property
    def ebene(self) -> str:
        """Output, Outcome or Impact (Wirkungstreppe steps 1-3, 4-6, 7)."""
        return WIRKUNGSEBENE[self.wirkungsstufe]


class IndicatorRegister:
    """The catalogue of indicators, indexable by id; ``table`` is the tidy view."""

    def __init__(self, indicators: dict[str, Indicator], source: str = "built-in") -> None:
        self._indicators = dict(indicators)
        self.source = source

    def __getitem__(self, indicator_id: str) -> Indicator:
        try:
            return self._indicators[indicator_id]
        except KeyError:
            raise InputError(
                f"unknown indicator '{indicator_id}'",
                file=self.source,
                expected=f"one of the register's {len(self._indicators)} indicators, e.g. {sorted(self._indicators)[:5]}",
            ) from None

    def __contains__(self, indicator_id: object) -> bool:
        return indicator_id in self._indicators

    def __iter__(self):
        return iter(self._indicators.values())

    def __len__(self) -> int:
        return len(self._indicators)

    @property
    def ids(self) -> list[str]:
        return list(self._indicators)

    @property
    def table(self) -> pd.DataFrame:
        """One row per indicator with every field, plus ``scale`` and ``ebene``."""
        rows = [{**asdict(i), "scale": i.scale, "ebene": i.ebene} for i in self._indicators.values()]
        df = pd.DataFrame(rows)
        df["lebensbereich_name"] = df["lebensbereich"].map(LEBENSBEREICHE)
        df["wirkungsstufe_name"] = df["wirkungsstufe"].map(WIRKUNGSSTUFEN)
        return df

    def coverage(self) -> pd.DataFrame:
        """Count of indicators per Lebensbereich x Wirkungsstufe (all cells, zeros included)."""
        t = self.table
        grid = pd.crosstab(t["lebensbereich"], t["wirkungsstufe"])
        return grid.reindex(index=list(LEBENSBEREICHE), columns=list(WIRKUNGSSTUFEN), fill_value=0)

    def targets(self, params) -> pd.DataFrame:
        """The register joined with a municipality's baselines and targets (from its parameter file).

        Returns one row per indicator that has a target: indicator_id, the register fields,
        baseline_year, baseline, target, target_year.
        """
        rows = []
        for indicator_id, tgt in params.targets.items():
            ind = self[indicator_id]
            rows.append({**asdict(ind), **tgt.model_dump()})
        cols = list(Indicator.__dataclass_fields__) + ["baseline_year", "baseline", "target", "target_year"]
        return pd.DataFrame(rows, columns=cols)


def load_register(path: str | Path | None = None) -> IndicatorRegister:
    """Load the register from YAML (default: the built-in catalogue) and check every entry.

    Every problem is reported at once: the indicator, the field and what was expected.
    """
    if path is None:
        source = "evaluation/data/indicator_register.yaml"
        raw = parse_yaml(resources.files("evaluation").joinpath("data/indicator_register.yaml").read_text(encoding="utf-8"),
                         source)
    else:
        source = str(path)
        raw = read_yaml(path, "indicator register")
    if not isinstance(raw, dict) or not raw:
        raise InputError("the register is empty or not a mapping of indicator ids", file=source,
                         expected="indicator_id: {name: ..., unit: ..., ...}")
    problems: list[Problem] = []
    indicators: dict[str, Indicator] = {}
    allowed = sorted(_IndicatorSpec.model_fields)
    for indicator_id, spec in raw.items():
        if not isinstance(spec, dict):
            problems.append(Problem("entry is not a mapping", source, str(indicator_id), None, "a mapping of fields"))
            continue
        try:
            parsed = _IndicatorSpec(**spec)
        except ValidationError as err:
            for e in err.errors():
                field = ".".join(str(x) for x in e["loc"])
                if e["type"] == "extra_forbidden":
                    problems.append(Problem(f"unknown key '{field}'", source, f"indicator {indicator_id}", field,
                                            f"one of {allowed}"))
                else:
                    problems.append(Problem(e["msg"], source, f"indicator {indicator_id}", field, None,
                                            e.get("input")))
            continue
        if parsed.lebensbereich not in LEBENSBEREICHE:
            problems.append(Problem(f"unknown Lebensbereich '{parsed.lebensbereich}'", source,
                                    f"indicator {indicator_id}", "lebensbereich", f"one of {list(LEBENSBEREICHE)}"))
            continue
        if parsed.kind in ("proportion", "rate") and not parsed.denominator:
            problems.append(Problem(f"a {parsed.kind} needs a denominator", source, f"indicator {indicator_id}",
                                    "denominator", "the denominator's definition"))
            continue
        indicators[str(indicator_id)] = Indicator(indicator_id=str(indicator_id), **parsed.model_dump())
    if problems:
        raise InputError(f"{source}: {len(problems)} problem(s) in the indicator register", file=source,
                         problems=problems)
    return IndicatorRegister(indicators, source)
