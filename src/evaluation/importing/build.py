"""``evaluation import``: build ``data/processed/`` from ``data/raw/`` with the recipes, validate, record provenance.

Steps (:func:`run_import`):

1. read the recipe file (:mod:`evaluation.importing.recipes`); every raw file it names must exist;
2. run each recipe (official tables, survey, QDA exports, templates, plain tables) and stack the parts
   of each contract table;
3. write every table as CSV into a temporary folder beside the output folder, in a canonical form:
   contract columns first, rows sorted by the contract key (else by all columns), UTF-8, ``\\n``
   line ends, no index, no time stamps - so the same raw files give byte-identical tables;
4. validate that folder as a whole with :func:`evaluation.dataset.load_dataset` (every contract, the
   checks across tables and the chapters' folder rules); on any problem the temporary folder is
   removed and the output folder is left exactly as it was;
5. write ``provenance/<table>.json`` per table: the raw files with their SHA-256 and size, the
   recipes used (as written), the recipe file's SHA-256, the time, the workbench version, the
   table's own SHA-256 and row count, and for official tables the revisions between vintages;
6. replace the output folder by the new one with renames (the old folder is moved aside, the new one
   renamed into place, the old one removed), so a reader never sees a half-written folder.

Raw files are only read. The output folder is rebuilt entirely: do not keep hand-made files in it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, UTC
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..contracts import CONTRACTS
from ..errors import InputError, Problem
from .recipes import QUALITATIVE_TABLES, RecipeFile, load_recipes

__all__ = ["run_import", "ImportResult", "sha256_of", "write_canonical_csv", "build_tables"]

#: contract name -> file inside the data folder (the same layout evaluation.dataset reads)
def _dataset_files() -> dict[str, str]:
    from ..dataset import DATASET_FILES

    return DATASET_FILES


@dataclass
class ImportResult:
    """What an import wrote: table -> (path, rows), the provenance files, and the revisions found."""

    folder: Path
    tables: dict[str, tuple[Path, int]]
    provenance: dict[str, Path]
    revisions: pd.DataFrame = field(default_factory=pd.DataFrame)
    unchanged: bool = False

    def summary(self) -> str:
        rows = ", ".join(f"{k} {n}" for k, (_, n) in self.tables.items())
        return f"{len(self.tables)} tables in {self.folder}: {rows}"


def sha256_of(path: str | Path) -> str:
    """SHA-256 of a file's bytes (hex)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_canonical_csv(df: pd.DataFrame, path: Path, contract: str | None) -> None:
    """Write ``df`` in the canonical form (see the module docstring) to ``path``."""
    c = CONTRACTS.get(contract) if contract else None
    cols = list(df.columns)
    if c is not None:
        first = [x for x in c.columns if x in cols]
        cols = first + [x for x in cols if x not in first]
    out = df[cols].copy()
    key = [k for k in (c.key if c is not None else ()) if k in out.columns]
    sort_cols = key or cols
    out = out.sort_values(sort_cols, kind="mergesort", na_position="last").reset_index(drop=True) if len(out) else out
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_float_dtype(s) and s.notna().any():
            finite = s.dropna()
            if (finite == np.round(finite)).all() and finite.abs().max() < 2 ** 53:
                out[col] = s.astype("Int64")  # whole numbers as 320, not 320.0
    path.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def _recipe_dict(recipe: Any) -> dict:
    return recipe.model_dump(mode="json", exclude_defaults=False)


def _run_table(recipe, rf: RecipeFile, table: str) -> pd.DataFrame:
    from ..io.tables import read_table, text_columns_of

    path = rf.path(recipe.file)
    t = read_table(path, sheet=recipe.sheet, text_columns=text_columns_of(table) | set(recipe.columns))
    df = t.frame.reset_index(drop=True).rename(columns=recipe.columns)
    for column, mapping in recipe.recode.items():
        if column not in df.columns:
            raise InputError(f"recode names column '{column}' that the table does not have", file=str(path),
                             column=column, expected=f"one of {list(df.columns)[:15]}")
        norm = {str(k): v for k, v in mapping.items()}
        unmapped = sorted({str(v) for v in df[column].dropna()} - set(norm))
        if unmapped:
            raise InputError(f"values of column '{column}' without a recoding: {unmapped[:8]}", file=str(path),
                             column=column, expected=f"one of {sorted(norm)}")
        df[column] = df[column].map(lambda v, n=norm: n[str(v)] if pd.notna(v) else v)
    for column, value in recipe.constants.items():
        df[column] = value
    return df


def _run_template(recipe, rf: RecipeFile, table: str) -> pd.DataFrame:
    from .templates import TEMPLATES, read_template

    kinds = [k for k, s in TEMPLATES.items() if s.contract == table]
    if not kinds:
        raise InputError(f"there is no template for the table {table}", file=rf.source, column="reader",
                         expected=f"templates exist for {sorted({s.contract for s in TEMPLATES.values()})}")
    return read_template(rf.path(recipe.file), kinds[0])


def _run_genesis(recipe, rf: RecipeFile) -> tuple[pd.DataFrame, pd.DataFrame]:
    from ..io.official import OfficialIndicator, Selection, read_vintages, to_indicator_values

    table, revisions = read_vintages([rf.path(f) for f in recipe.files])
    parts = []
    for ind in recipe.indicators:
        spec = None
        cu = recipe.custom.get(ind)
        if cu is not None and cu.denominator_files:
            parts.append(_two_table_indicator(ind, cu, table, recipe, rf))
            continue
        if cu is not None:
            spec = OfficialIndicator(ind, cu.table, Selection(cu.numerator.variable, tuple(cu.numerator.dimensions.items())),
                                     Selection(cu.denominator.variable, tuple(cu.denominator.dimensions.items()))
                                     if cu.denominator else None, cu.scale)
        parts.append(to_indicator_values(table, ind, regions=recipe.regions, spec=spec,
                                         drop_nonexistent=not recipe.keep_nonexistent))
    out = pd.concat(parts, ignore_index=True)
    if len(revisions):
        revisions = revisions[revisions["region_code"].isin(list(recipe.regions))].reset_index(drop=True)
    return out, revisions


def _two_table_indicator(ind: str, cu, table: pd.DataFrame, recipe, rf: RecipeFile) -> pd.DataFrame:
    """value = scale * numerator / denominator with the denominator from another table (e.g. population, 12411).

    Both counts are read with the same selection rules and flags as a one-table indicator; they meet
    on municipality, area and year. A year the denominator table lacks gives NaN, never a guess.
    """
    from ..contracts import validate
    from ..io.official import OfficialIndicator, Selection, read_vintages, to_indicator_values

    keep = not recipe.keep_nonexistent
    num = to_indicator_values(table, ind, regions=recipe.regions, drop_nonexistent=keep, spec=OfficialIndicator(
        ind, cu.table, Selection(cu.numerator.variable, tuple(cu.numerator.dimensions.items()))))
    den_table, _ = read_vintages([rf.path(f) for f in cu.denominator_files])
    code = cu.denominator_table or str(den_table.attrs.get("genesis", {}).get("table") or "")
    den = to_indicator_values(den_table, ind, regions=recipe.regions, drop_nonexistent=keep, spec=OfficialIndicator(
        ind, code, Selection(cu.denominator.variable, tuple(cu.denominator.dimensions.items()))))
    keys = ["municipality_id", "area_id", "year"]
    out = num.merge(den[[*keys, "numerator", "flag", "source"]].rename(
        columns={"numerator": "den", "flag": "den_flag", "source": "den_source"}), on=keys, how="left")
    d = out["den"].where(out["den"] > 0)
    out["denominator"] = d
    out["value"] = cu.scale * out["numerator"] / d
    flags = [" | ".join(dict.fromkeys(str(f) for f in (a, b) if isinstance(f, str) and f)) or None
             for a, b in zip(out["flag"], out["den_flag"])]
    out["flag"] = pd.Series(flags, index=out.index, dtype=object)
    out["source"] = [f"{a}; Nenner: {b}" if isinstance(b, str) else a for a, b in zip(out["source"], out["den_source"])]
    out = out.drop(columns=["den", "den_flag", "den_source"])
    return validate(out, "indicator_values", file=str(rf.path(recipe.files[0])))


def build_tables(rf: RecipeFile) -> tuple[dict[str, pd.DataFrame], dict[str, list[dict]], pd.DataFrame]:
    """Run every recipe: (contract name -> table, contract name -> provenance of its parts, revisions)."""
    from .qda import import_qda
    from .survey import import_survey, load_mapping

    missing = [p for p in rf.raw_files() if not p.is_file()]
    if missing:
        raise InputError(f"{len(missing)} raw file(s) named in the recipes are missing", file=rf.source,
                         problems=[Problem("raw file named in the recipes is missing", str(p), None, None,
                                           "the file as downloaded or exported, relative to the recipe file")
                                   for p in missing])
    parts: dict[str, list[pd.DataFrame]] = {}
    prov: dict[str, list[dict]] = {}
    revisions = []

    def add(table: str, df: pd.DataFrame, recipe, files: list[Path]) -> None:
        parts.setdefault(table, []).append(df)
        prov.setdefault(table, []).append({
            "recipe": _recipe_dict(recipe),
            "inputs": [{"file": _rel(f, rf.root), "sha256": sha256_of(f), "bytes": f.stat().st_size} for f in files],
            "rows": int(len(df)),
        })

    for table, recipes in rf.tables.items():
        for recipe in recipes:
            files = [rf.path(recipe.file)] if getattr(recipe, "file", None) else []
            files += [rf.path(f) for f in getattr(recipe, "files", []) or []]
            files += [rf.path(f) for cu in (getattr(recipe, "custom", None) or {}).values() for f in cu.denominator_files]
            for attr in ("mapping", "codebook_mapping"):
                if getattr(recipe, attr, None):
                    files.append(rf.path(getattr(recipe, attr)))
            if recipe.reader == "table":
                add(table, _run_table(recipe, rf, table), recipe, files)
            elif recipe.reader == "template":
                add(table, _run_template(recipe, rf, table), recipe, files)
            elif recipe.reader == "genesis":
                values, rev = _run_genesis(recipe, rf)
                add(table, values, recipe, files)
                if len(rev):
                    revisions.append(rev)
            elif recipe.reader == "survey":
                responses, items = import_survey(rf.path(recipe.file), load_mapping(rf.path(recipe.mapping)),
                                                 wave=recipe.wave, municipality_id=recipe.municipality_id)
                add("survey_responses", responses, recipe, files)
                add("survey_items", items, recipe, files)
            else:  # refi / maxqda
                codings, codebook, sources = import_qda(rf.path(recipe.file), recipe, raw_root=rf.root)
                for name, df in zip(QUALITATIVE_TABLES, (codings, codebook, sources)):
                    add(name, df, recipe, files)
    tables = {}
    for name, dfs in parts.items():
        dfs = [d for d in dfs if len(d.columns)]
        df = pd.concat(dfs, ignore_index=True) if len(dfs) > 1 else dfs[0]
        if name == "codebook":
            df = _merge_codebooks(df)
        elif name == "sources":
            df = _merge_sources(df, rf.source)
        elif name == "survey_items":
            df = _merge_items(df, rf.source)
        tables[name] = df
    rev = pd.concat(revisions, ignore_index=True) if revisions else pd.DataFrame()
    return tables, prov, rev


def _merge_codebooks(df: pd.DataFrame) -> pd.DataFrame:
    """Several coders' exports of one code book: one row per code, the first mapping that says something wins."""
    out = df.groupby("code_id", sort=False, dropna=False).first().reset_index()
    return out[df.columns]


def _merge_sources(df: pd.DataFrame, source: str) -> pd.DataFrame:
    key = ["source_id"]
    conflict = df.drop_duplicates([*key, "municipality_id", "year"]).duplicated(key, keep=False)
    if conflict.any():
        bad = df.drop_duplicates([*key, "municipality_id", "year"])[conflict]
        raise InputError("one document is declared with different municipality or year in two recipes", file=source,
                         column="source_id", expected="the same municipality_id and year in every recipe of a document",
                         found=bad["source_id"].tolist()[:5])
    return df.drop_duplicates(key, keep="first").reset_index(drop=True)


def _merge_items(df: pd.DataFrame, source: str) -> pd.DataFrame:
    cols = ["item_id", "label", "kind", "positive_codes", "domain"]
    distinct = df.drop_duplicates(cols)
    conflict = distinct["item_id"].duplicated(keep=False)
    if conflict.any():
        raise InputError("one survey item is defined differently in two mapping files", file=source, column="item_id",
                         expected="the same label, kind, positive codes and domain in every wave's mapping",
                         found=sorted(distinct.loc[conflict, "item_id"].unique().tolist())[:5])
    return df.drop_duplicates("item_id", keep="first").reset_index(drop=True)


def _renamed(err: InputError, tmp: Path, out: Path, prov: dict[str, list[dict]], files: dict[str, str]) -> InputError:
    """The validation error with the final folder's paths and, per table, the raw files it came from."""
    origin = {}
    for name, parts in prov.items():
        raw = sorted({i["file"] for part in parts for i in part["inputs"]})
        origin[str(out / files[name])] = raw
    problems = []
    for p in err.problems:
        file = p.file.replace(str(tmp), str(out)) if p.file else p.file
        if file in origin:
            file = f"{file} (from {', '.join(origin[file])})"
        problems.append(Problem(p.message, file, p.row, p.column, p.expected, p.found))
    return type(err)(f"{out}: {len(problems)} problem(s) in the imported tables (nothing was written)", file=out,
                     problems=problems)


def _rel(path: Path, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()


def run_import(recipes: str | Path, out: str | Path, *, now: datetime | None = None) -> ImportResult:
    """Build the data folder ``out`` from the recipe file ``recipes`` (see the module docstring).

    Raises :class:`~evaluation.errors.InputError` (a missing raw file, an unmapped code, a wrong
    template cell ...) or :class:`~evaluation.errors.ContractError` (the result breaks a contract);
    ``out`` is then unchanged.
    """
    from .. import __version__
    from ..dataset import load_dataset

    rf = load_recipes(recipes)
    out = Path(out)
    tables, prov, revisions = build_tables(rf)
    files = _dataset_files()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.import-", dir=out.parent))
    try:
        written: dict[str, tuple[Path, int]] = {}
        for name, df in tables.items():
            rel = files[name]
            write_canonical_csv(df, tmp / rel, name)
            written[name] = (out / rel, int(len(df)))
        if len(revisions):
            write_canonical_csv(revisions, tmp / "provenance" / "revisions.csv", None)
        try:
            load_dataset(tmp)  # every contract, the checks across tables, the chapters' folder rules
        except InputError as err:
            raise _renamed(err, tmp, out, prov, files) from None
        unchanged = out.is_dir() and all((out / files[n]).is_file() and
                                         sha256_of(out / files[n]) == sha256_of(tmp / files[n]) for n in tables)
        stamp = (now or datetime.now(UTC)).isoformat(timespec="seconds")
        recipe_hash = sha256_of(rf.source)
        provenance: dict[str, Path] = {}
        for name in tables:
            rel = files[name]
            record = {
                "table": name,
                "file": rel,
                "sha256": sha256_of(tmp / rel),
                "rows": written[name][1],
                "recipe_file": Path(rf.source).as_posix(),
                "recipe_sha256": recipe_hash,
                "parts": prov.get(name, []),
                "created": stamp,
                "package": "evaluation",
                "package_version": __version__,
            }
            if name == "indicator_values" and len(revisions):
                record["revisions"] = {"file": "provenance/revisions.csv", "n": int(len(revisions))}
            p = tmp / "provenance" / f"{name}.json"
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(json.dumps(record, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
            provenance[name] = out / "provenance" / f"{name}.json"
        old = None
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            os.replace(out, old / out.name)
        os.replace(tmp, out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return ImportResult(folder=out, tables=written, provenance=provenance, revisions=revisions, unchanged=unchanged)
