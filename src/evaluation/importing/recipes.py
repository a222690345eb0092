"""Import recipes: which raw files feed which contract table, and how (declarative YAML, not code).

A recipe file (``data/raw/sources.yaml`` by default, or the file named under ``sources.recipes`` in a
parameter file) lists, per contract table, one or more *recipes*. Each recipe names a ``reader`` and
the raw file(s) it reads (paths relative to the recipe file's folder), plus what that reader needs:

``table``
    a CSV / Excel / Parquet file already laid out as the contract (``columns`` renames raw
    columns, ``recode`` maps raw values to contract values per column, ``constants`` fills columns).
``template``
    a workbook filled in from ``evaluation template <kind>`` (German headers; errors name sheet and cell).
``genesis``
    Regionaldatenbank / GENESIS downloads (several ``files`` = vintages of one table; the later Stand
    wins, revisions are listed in the provenance), the register ``indicators`` to compute and the
    ``regions`` (official code -> municipality_id). ``custom`` declares further indicators, with the
    denominator from another table if need be (``denominator_files``: e.g. 12411 population for a
    rate per 1,000 inhabitants).
``survey``
    an SPSS / Stata / CSV survey file plus a ``mapping`` file (see :mod:`evaluation.importing.survey`),
    the ``wave`` and the ``municipality_id``.
``refi`` / ``maxqda``
    a REFI-QDA project (``.qdpx``/``.qde``) or a MAXQDA coded-segment export, the ``coder`` (or
    ``coders``: user name -> coder id), the ``codebook_mapping`` (code -> Lebensbereich,
    Wirkungsstufe) and what the documents are (``municipality_id``, ``year``, ``kind``). Writes
    codings, codebook and qualitative/sources together; several recipes = several coders.

Every key is checked (a misspelled key is an error naming the key and those allowed), so a recipe
that says something the importer does not understand never passes silently.

Example::

    version: 1
    tables:
      indicator_values:
        - reader: genesis
          files: [amtlich/13211_2015-2020.csv]
          indicators: [arbeitslose_sb, arbeitslose_sb_anteil]
          regions: {"09562": erlangen}
      survey_responses:
        - reader: survey
          file: befragung/welle_2021.sav
          mapping: befragung/zuordnung.yaml
          wave: 2021
          municipality_id: erlangen
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import InputError, Problem, validation_problems
from ..yamlfile import read_yaml

__all__ = ["RecipeFile", "TableRecipe", "GenesisRecipe", "SurveyRecipe", "QdaRecipe", "TemplateRecipe",
           "CustomIndicator", "load_recipes", "parse_recipes", "TABLE_READERS", "QUALITATIVE_TABLES"]

#: the tables one QDA recipe writes together
QUALITATIVE_TABLES = ("codings", "codebook", "sources")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TableRecipe(_Strict):
    """A file already in (or close to) the contract's layout."""

    reader: Literal["table"]
    file: str
    sheet: str | int = 0
    columns: dict[str, str] = Field(default_factory=dict, description="raw column -> contract column")
    recode: dict[str, dict[str, Any]] = Field(default_factory=dict,
                                              description="contract column -> {raw value: contract value}")
    constants: dict[str, Any] = Field(default_factory=dict, description="contract column -> value for every row")


class TemplateRecipe(_Strict):
    """A workbook filled in from ``evaluation template <kind>``."""

    reader: Literal["template"]
    file: str


class SelectionSpec(_Strict):
    """Which cells of an official table hold a count (regular expressions on the header path and row dimensions)."""

    variable: str
    dimensions: dict[str, str] = Field(default_factory=dict)


class CustomIndicator(_Strict):
    """An official indicator not built in: value = scale * numerator / denominator."""

    table: str = Field(description="GENESIS table code (prefix), e.g. '22161'")
    numerator: SelectionSpec
    denominator: SelectionSpec | None = None
    scale: float = 1.0
    denominator_files: list[str] = Field(
        default_factory=list, description="downloads of another table the denominator comes from (e.g. 12411 "
                                          "population for a rate per 1,000 inhabitants); default: the same files")
    denominator_table: str | None = Field(default=None, description="table code of denominator_files, e.g. '12411'")

    @model_validator(mode="after")
    def _denominator_files_need_a_selection(self) -> CustomIndicator:
        if self.denominator_files and self.denominator is None:
            raise ValueError("denominator_files need a 'denominator' selection")
        return self


class GenesisRecipe(_Strict):
    """Official statistics (Regionaldatenbank / GENESIS downloads)."""

    reader: Literal["genesis"]
    files: list[str] = Field(min_length=1, description="one file, or several vintages of one table")
    indicators: list[str] = Field(min_length=1)
    regions: dict[str, str] = Field(min_length=1, description="official region code (AGS/Kreis) -> municipality_id")
    custom: dict[str, CustomIndicator] = Field(default_factory=dict)
    keep_nonexistent: bool = False

    @field_validator("regions", mode="before")
    @classmethod
    def _codes_as_text(cls, v: Any) -> Any:
        if isinstance(v, dict):
            for k in v:
                if isinstance(k, int):
                    raise ValueError(f"region code {k} was written as a number and may have lost its leading "
                                     f"zero: quote it, e.g. '{k:05d}'")
        return v


class SurveyRecipe(_Strict):
    """A survey file (SPSS/Stata/CSV) and its mapping."""

    reader: Literal["survey"]
    file: str
    mapping: str
    wave: int = Field(ge=1950, le=2100)
    municipality_id: str = Field(min_length=1)


class QdaRecipe(_Strict):
    """A QDA export (REFI-QDA project or MAXQDA coded segments)."""

    reader: Literal["refi", "maxqda"]
    file: str
    codebook_mapping: str | None = Field(default=None, description="code path -> lebensbereich, wirkungsstufe")
    coder: str | None = Field(default=None, description="coder id for every coding of this file")
    coders: dict[str, str] = Field(default_factory=dict, description="user name in the export -> coder id")
    municipality_id: str = Field(min_length=1)
    year: int = Field(ge=1950, le=2100)
    kind: str = Field(default="interview", min_length=1, description="interview, workshop, begehung, ...")
    wave: int | None = Field(default=None, ge=1950, le=2100)
    project: str | None = None
    code_ids: Literal["path", "id"] = Field(
        default="path", description="'path' (the code's path in the code book: the same in every export) or the tool's id")
    source_ids: Literal["name", "id"] = Field(default="name", description="'name' (the document name) or the tool's id")

    @model_validator(mode="after")
    def _one_coder_rule(self) -> QdaRecipe:
        if self.coder and self.coders:
            raise ValueError("give either 'coder' (one coder for the file) or 'coders' (user name -> coder), not both")
        return self


Recipe = TableRecipe | TemplateRecipe | GenesisRecipe | SurveyRecipe | QdaRecipe

#: which readers may feed which table
TABLE_READERS: dict[str, tuple[str, ...]] = {
    "municipalities": ("table", "template"),
    "areas": ("table", "template"),
    "indicator_values": ("table", "template", "genesis"),
    "survey_responses": ("table", "survey"),
    "population_margins": ("table",),
    "participant_responses": ("table", "template"),
    "measures": ("table", "template"),
    "network_edges": ("table", "template"),
    "events": ("table", "template"),
    "index_responses": ("table", "template"),
    "structure": ("table",),
    "codings": ("refi", "maxqda"),
}

_MODELS: dict[str, type[BaseModel]] = {"table": TableRecipe, "template": TemplateRecipe, "genesis": GenesisRecipe, "survey": SurveyRecipe,
           "refi": QdaRecipe, "maxqda": QdaRecipe}


class RecipeFile(BaseModel):
    """A parsed recipe file: table -> recipes, and the folder the raw paths are relative to."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    version: int = 1
    tables: dict[str, list[Any]]
    source: str
    root: Path

    def path(self, relative: str) -> Path:
        """A raw file named in a recipe, resolved against the recipe file's folder."""
        p = Path(relative)
        return p if p.is_absolute() else self.root / p

    def raw_files(self) -> list[Path]:
        """Every raw file the recipes name (data files, mapping files), in recipe order."""
        out: list[Path] = []
        for recipes in self.tables.values():
            for r in recipes:
                for attr in ("file", "mapping", "codebook_mapping"):
                    v = getattr(r, attr, None)
                    if v:
                        out.append(self.path(v))
                for f in getattr(r, "files", []) or []:
                    out.append(self.path(f))
                for cu in (getattr(r, "custom", None) or {}).values():
                    out.extend(self.path(f) for f in cu.denominator_files)
        return out


def parse_recipes(raw: Any, *, source: str = "<recipes>", root: str | Path = ".") -> RecipeFile:
    """Validate a parsed recipe mapping; every problem names its place (``tables.survey_responses[0].wave``)."""
    if not isinstance(raw, dict) or "tables" not in raw:
        raise InputError("the recipe file is empty or has no 'tables'", file=source,
                         expected="keys 'version' and 'tables' (contract table -> list of recipes)")
    unknown_top = sorted(set(raw) - {"version", "tables"})
    problems: list[Problem] = [Problem(f"unknown key '{k}'", source, None, k, "one of ['tables', 'version']")
                               for k in unknown_top]
    tables = raw.get("tables") or {}
    if not isinstance(tables, dict):
        raise InputError("'tables' must map contract tables to lists of recipes", file=source, column="tables")
    parsed: dict[str, list[Any]] = {}
    for table, recipes in tables.items():
        if table not in TABLE_READERS:
            problems.append(Problem(f"unknown table '{table}'", source, None, f"tables.{table}",
                                    f"one of {sorted(TABLE_READERS)} (the QDA readers write codings, codebook and sources)"))
            continue
        if isinstance(recipes, dict):
            recipes = [recipes]
        if not isinstance(recipes, list) or not recipes:
            problems.append(Problem("expected a list of recipes", source, None, f"tables.{table}", "a list"))
            continue
        out = []
        for i, r in enumerate(recipes):
            where = f"tables.{table}[{i}]"
            reader = r.get("reader") if isinstance(r, dict) else None
            if reader not in TABLE_READERS[table]:
                problems.append(Problem(f"reader {reader!r} cannot feed the table {table}", source, None,
                                        f"{where}.reader", f"one of {list(TABLE_READERS[table])}", reader))
                continue
            try:
                out.append(_MODELS[reader](**r))
            except ValidationError as err:
                problems.extend(validation_problems(err, source, allowed=list(_MODELS[reader].model_fields),
                                                    prefix=(where,)))
        parsed[table] = out
    if problems:
        raise InputError(f"{source}: {len(problems)} problem(s) in the recipe file", file=source, problems=problems)
    return RecipeFile(version=int(raw.get("version", 1)), tables=parsed, source=source, root=Path(root))


def load_recipes(path: str | Path) -> RecipeFile:
    """Read and check a recipe file; raw paths in it are relative to its folder."""
    path = Path(path)
    raw = read_yaml(path, "recipe file (sources.yaml)")
    return parse_recipes(raw, source=str(path), root=path.resolve().parent)
