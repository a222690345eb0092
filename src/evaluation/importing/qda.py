"""QDA exports -> the ``codings``, ``codebook`` and ``qualitative/sources`` tables, and the code-book mapping.

Readers: a REFI-QDA project (``.qdpx``/``.qde``, :func:`evaluation.io.refi.read_project`; NVivo,
MAXQDA, ATLAS.ti, QualCoder export it) or a MAXQDA coded-segment table
(:func:`evaluation.io.qda_tables.read_coded_segments`). Several files, one per coder, are imported
by several recipes and stacked; to compare coders across exports the identifiers must agree, so by
default a code is identified by its *path* in the code book (``Barrieren/Bauliche Barrieren``: the
same in every export of one code book, unlike the GUIDs each export invents) and a document by its
*name*.

The code-book mapping file (YAML) puts the team's codes on the workbench's impact logic::

    inherit: true          # a code without an entry takes its nearest mapped ancestor's values
    require_all: false     # true: every code must end up with a Lebensbereich
    codes:
      Barrieren: {lebensbereich: alltag}
      Barrieren/Bauliche Barrieren: {wirkungsstufe: 6}
      Teilhabe/Freizeit: {lebensbereich: freizeit, wirkungsstufe: 5}

A key is a code path (or a code name that occurs once); a key that matches no code, an unknown
Lebensbereich or Wirkungsstufe are :class:`~evaluation.errors.InputError` naming the mapping file
and the key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import InputError, Problem, validation_problems
from ..vocabulary import LEBENSBEREICHE, WIRKUNGSSTUFEN
from ..yamlfile import read_yaml

__all__ = ["CodebookMapping", "load_codebook_mapping", "apply_codebook_mapping", "import_qda", "SOURCE_COLUMNS"]

SOURCE_COLUMNS = ["source_id", "source_name", "kind", "municipality_id", "year", "case_id", "wave", "file"]
CODING_COLUMNS = ["project", "source_id", "source_name", "case_id", "coder", "code_id", "start", "end", "text"]
CODEBOOK_COLUMNS = ["code_id", "parent_id", "name", "path", "lebensbereich", "wirkungsstufe"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CodeTarget(_Strict):
    lebensbereich: str | None = None
    wirkungsstufe: int | None = None


class CodebookMapping(_Strict):
    """A parsed code-book mapping file (see the module docstring)."""

    inherit: bool = True
    require_all: bool = False
    codes: dict[str, CodeTarget] = Field(min_length=1)
    source: str | None = None


def load_codebook_mapping(path: str | Path) -> CodebookMapping:
    """Read and check a code-book mapping file (vocabulary checked here, code paths when applied)."""
    source = str(path)
    raw = read_yaml(path, "code-book mapping file")
    if not isinstance(raw, dict):
        raise InputError("the code-book mapping file is empty or not a mapping", file=source,
                         expected="keys inherit, require_all, codes (code path -> lebensbereich, wirkungsstufe)")
    try:
        mapping = CodebookMapping(**raw, source=source)
    except ValidationError as err:
        problems = validation_problems(err, source, allowed=lambda loc: [k for k in (
            CodeTarget if loc[0] == "codes" and len(loc) > 2 else CodebookMapping).model_fields if k != "source"])
        raise InputError(f"{source}: {len(problems)} problem(s) in the code-book mapping", file=source,
                         problems=problems) from None
    problems = []
    for key, t in mapping.codes.items():
        if t.lebensbereich is not None and t.lebensbereich not in LEBENSBEREICHE:
            problems.append(Problem(f"unknown Lebensbereich '{t.lebensbereich}' for code '{key}'", source, None,
                                    f"codes.{key}.lebensbereich", f"one of {list(LEBENSBEREICHE)}", t.lebensbereich))
        if t.wirkungsstufe is not None and t.wirkungsstufe not in WIRKUNGSSTUFEN:
            problems.append(Problem(f"unknown Wirkungsstufe {t.wirkungsstufe} for code '{key}'", source, None,
                                    f"codes.{key}.wirkungsstufe", f"one of {list(WIRKUNGSSTUFEN)}", t.wirkungsstufe))
    if problems:
        raise InputError(f"{source}: {len(problems)} problem(s) in the code-book mapping", file=source,
                         problems=problems)
    return mapping


def apply_codebook_mapping(codebook: pd.DataFrame, mapping: CodebookMapping) -> pd.DataFrame:
    """The code book with ``lebensbereich`` and ``wirkungsstufe`` filled from the mapping.

    Keys are matched to a code's ``path`` first, then to a unique ``name``. With ``inherit`` a code
    takes each value from its nearest ancestor that has it.
    """
    cb = codebook.copy()
    file = mapping.source
    by_path = {str(p): i for i, p in zip(cb.index, cb["path"]) if pd.notna(p)}
    names = cb["name"].astype(str)
    problems = []
    direct: dict[Any, CodeTarget] = {}
    for key, target in mapping.codes.items():
        key_n = key.strip().strip("/")
        if key_n in by_path:
            direct[by_path[key_n]] = target
            continue
        hits = cb.index[names == key_n].tolist()
        if len(hits) == 1:
            direct[hits[0]] = target
        elif len(hits) > 1:
            problems.append(Problem(f"code name '{key}' occurs {len(hits)} times in the code book", file, None,
                                    f"codes.{key}", "the code's full path, e.g. "
                                    + repr(str(cb.loc[hits[0], "path"]))))
        else:
            problems.append(Problem(f"code '{key}' is not in the code book", file, None, f"codes.{key}",
                                    f"a code path of the project, e.g. {sorted(by_path)[:5]}"))
    if problems:
        raise InputError(f"{file}: {len(problems)} code(s) of the mapping not in the code book", file=file,
                         problems=problems)
    parent_of = dict(zip(cb["code_id"], cb["parent_id"]))
    index_of = dict(zip(cb["code_id"], cb.index))
    leb, stufe = [], []
    for i, cid in zip(cb.index, cb["code_id"]):
        lb, ws = None, None
        node: Any = cid
        seen = set()
        while node is not None and not (isinstance(node, float) and np.isnan(node)) and node not in seen:
            seen.add(node)
            t = direct.get(index_of.get(node))
            if t is not None:
                lb = lb if lb is not None else t.lebensbereich
                ws = ws if ws is not None else t.wirkungsstufe
            if not mapping.inherit or (lb is not None and ws is not None):
                break
            node = parent_of.get(node)
        leb.append(lb if lb is not None else cb.at[i, "lebensbereich"])
        stufe.append(ws if ws is not None else cb.at[i, "wirkungsstufe"])
    cb["lebensbereich"] = pd.Series(leb, index=cb.index, dtype=object).where(pd.notna(pd.Series(leb, index=cb.index)), np.nan)
    cb["wirkungsstufe"] = pd.to_numeric(pd.Series(stufe, index=cb.index), errors="coerce").astype("Int64")
    if mapping.require_all:
        unmapped = cb[cb["lebensbereich"].isna()]
        if len(unmapped):
            raise InputError(f"{len(unmapped)} code(s) without a Lebensbereich (require_all is set)", file=file,
                             column="codes", expected="an entry for each of these codes or an ancestor",
                             found=unmapped["path"].astype(str).tolist()[:10])
    return cb


def _refi(path: Path, recipe) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    from ..io.refi import read_project

    project = read_project(path)
    codes = project.codes
    codings = project.codings.copy()
    if len(codings) and codes.empty:
        raise InputError("the project has codings but no code book", file=str(path),
                         expected="a REFI-QDA project with its <CodeBook>")
    codebook = codes[CODEBOOK_COLUMNS].copy()
    if recipe.code_ids == "path":
        to_path = dict(zip(codes["code_id"], codes["path"]))
        codebook["code_id"] = codebook["code_id"].map(to_path)
        codebook["parent_id"] = codebook["parent_id"].map(lambda p: to_path.get(p, np.nan) if pd.notna(p) else np.nan)
        codings["code_id"] = codings["code_id"].map(to_path)
        dup = codebook["code_id"].duplicated(keep=False)
        if dup.any():
            raise InputError("two codes share one path: code_ids 'path' cannot tell them apart", file=str(path),
                             column="code_ids", expected="unique code paths, or code_ids: id in the recipe",
                             found=codebook.loc[dup, "code_id"].tolist()[:5])
    st = project.source_table()
    sources = pd.DataFrame({"source_id": st["source_id"], "source_name": st["source_name"],
                            "case_id": st["case_id"]})
    if recipe.source_ids == "name":
        names = sources["source_name"].astype(str)
        dup = names.duplicated(keep=False)
        if dup.any():
            raise InputError("two documents share one name: source_ids 'name' cannot tell them apart", file=str(path),
                             column="source_ids", expected="unique document names, or source_ids: id in the recipe",
                             found=names[dup].tolist()[:5])
        to_name = dict(zip(sources["source_id"], names))
        codings["source_id"] = codings["source_id"].map(to_name)
        sources["source_id"] = names
    return codings, codebook, sources


def _maxqda(path: Path, recipe) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    from ..io.qda_tables import read_coded_segments
    from ..qualitative.codebook import codebook_from_paths

    codings = read_coded_segments(path, coder=recipe.coder, project=recipe.project)
    codebook = codebook_from_paths(codings["code_id"], separator="/")
    first = codings.drop_duplicates("source_id")
    sources = pd.DataFrame({"source_id": first["source_id"], "source_name": first["source_name"],
                            "case_id": first["case_id"]})
    return codings, codebook, sources


def import_qda(path: str | Path, recipe, *, raw_root: Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """One QDA export -> ``(codings, codebook, sources)`` as the contracts want them.

    ``recipe`` is a :class:`~evaluation.importing.recipes.QdaRecipe` (reader, coder/coders,
    codebook_mapping, municipality_id, year, kind, wave, code_ids, source_ids); the mapping path is
    relative to ``raw_root``.
    """
    path = Path(path)
    codings, codebook, sources = (_refi if recipe.reader == "refi" else _maxqda)(path, recipe)
    if recipe.coder:
        codings["coder"] = recipe.coder
    elif recipe.coders:
        unknown = sorted(set(codings["coder"].dropna().astype(str)) - set(recipe.coders))
        if unknown:
            raise InputError(f"coder(s) {unknown} of the export are not under 'coders' in the recipe", file=str(path),
                             column="coders", expected=f"an entry for every user: {sorted(set(codings['coder'].dropna()))}")
        codings["coder"] = codings["coder"].map(lambda c: recipe.coders.get(str(c), c) if pd.notna(c) else c)
    codings["project"] = recipe.project or codings["project"]
    if recipe.codebook_mapping:
        mp = Path(recipe.codebook_mapping)
        mp = mp if mp.is_absolute() or raw_root is None else raw_root / mp
        codebook = apply_codebook_mapping(codebook, load_codebook_mapping(mp))
    sources = sources.assign(kind=recipe.kind, municipality_id=recipe.municipality_id, year=int(recipe.year),
                             wave=recipe.wave if recipe.wave is not None else np.nan,
                             file=str(Path(recipe.file).as_posix()))
    for c in ("source_id", "source_name", "case_id"):
        sources[c] = sources[c].astype(object).where(sources[c].notna(), np.nan)
    return codings[CODING_COLUMNS].reset_index(drop=True), codebook[CODEBOOK_COLUMNS].reset_index(drop=True), \
        sources[SOURCE_COLUMNS].reset_index(drop=True)
