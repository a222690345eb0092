"""A data folder as one validated object: every contract table, checked alone and against each other.

A data folder (``data/demo/`` for the Musterdaten, ``data/processed/`` for a team's own data) holds one
file per contract (see :data:`DATASET_FILES`). :func:`load_dataset` reads every file that is there,
validates each against its contract and then across tables (unknown municipality, unknown indicator,
Sozialraum not in its municipality, code not in the code book), and reports *every* problem of *every*
file at once, each naming file, line, column and what was expected.

Raw data are never modified: the loader only reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .contracts import MAX_LISTED, check_references, empty_table
from .errors import ContractError, InputError, Problem
from .io.tables import read_contract_table, read_table

#: contract name -> file name inside a data folder
DATASET_FILES: dict[str, str] = {
    "municipalities": "municipalities.csv",
    "areas": "areas.csv",
    "indicator_values": "indicator_values.csv",
    "survey_responses": "survey_responses.csv",
    "population_margins": "population_margins.csv",
    "participant_responses": "participant_responses.csv",
    "measures": "measures.csv",
    "network_edges": "network_edges.csv",
    "events": "events.csv",
    "index_responses": "index_responses.csv",
    "codebook": "qualitative/codebook.csv",
    "codings": "qualitative/codings.csv",
    "sources": "qualitative/sources.csv",
    "structure": "structure.csv",
    "survey_items": "survey_items.csv",
}
REQUIRED = ("municipalities", "indicator_values")
SYNTHETIC_MARKER = "Musterdaten"


@dataclass
class Dataset:
    """Validated tables of one data folder; absent optional tables are empty frames with the contract's columns."""

    folder: Path
    tables: dict[str, pd.DataFrame]
    notes: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(name)

    @property
    def is_synthetic(self) -> bool:
        """True when any file of the folder says it holds Musterdaten (synthetic data)."""
        return any(SYNTHETIC_MARKER in n for notes in self.notes.values() for n in notes) or (
            (self.folder / "ground_truth.json").exists()
        )

    def extra(self, relative: str) -> pd.DataFrame:
        """Another table of the folder without a contract (e.g. ``structure.csv``, ``qualitative/sources.csv``)."""
        return read_table(self.folder / relative).frame.reset_index(drop=True)

    def for_municipality(self, municipality_id: str) -> dict[str, pd.DataFrame]:
        """The tables restricted to one municipality (tables without municipality_id are returned whole)."""
        out = {}
        for name, df in self.tables.items():
            out[name] = df[df["municipality_id"] == municipality_id] if "municipality_id" in df.columns else df
        return out


def _notes_of(path: Path, max_line: int = 100_000) -> list[str]:
    """The leading ``#`` comment lines (at most ``max_line`` characters read per line; none for a folder)."""
    notes: list[str] = []
    if not path.is_file():
        return notes  # the reader reports a folder in place of the file
    with open(path, encoding="utf-8", errors="replace") as fh:
        while True:
            line = fh.readline(max_line)
            if not line.startswith("#"):
                break
            notes.append(line.lstrip("#").strip())
    return notes


def load_dataset(folder: str | Path, *, required: tuple[str, ...] = REQUIRED, register=None,
                 municipality_ids: list[str] | None = None) -> Dataset:
    """Read and validate every contract table of ``folder``.

    ``required`` tables must exist; others are optional. ``register`` (default: the built-in indicator
    register) decides which indicator ids are known. ``municipality_ids``, if given, must all appear in
    ``municipalities.csv`` (e.g. the ids of the parameter files).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("data folder not found", file=folder,
                         expected="a folder with municipalities.csv, indicator_values.csv, ... (run 'evaluation demo-data')")
    if register is None:
        from .register import load_register

        register = load_register()
    problems: list[Problem] = []
    tables: dict[str, pd.DataFrame] = {}
    notes: dict[str, list[str]] = {}
    files: dict[str, Path] = {}
    file_lines: dict[str, list[int]] = {}
    for name, rel in DATASET_FILES.items():
        path = folder / rel
        if not path.exists():
            if name in required:
                problems.append(Problem(f"required file {rel} is missing", str(folder), None, None,
                                        f"{rel} with the {name} contract's columns"))
            tables[name] = empty_table(name)
            continue
        files[name] = path
        if path.suffix == ".csv":
            notes[name] = _notes_of(path)
        raw: list[pd.DataFrame] = []
        try:
            tables[name] = read_contract_table(path, name, keep_raw=raw)
        except InputError as err:  # ContractError included
            problems.extend(err.problems)
            # keep the rows as read so that the checks across tables still speak of them
            tables[name] = raw[0].reset_index(drop=True) if raw else empty_table(name)
        if raw and len(raw[0]) == len(tables[name]):
            file_lines[name] = raw[0].index.tolist()  # the reader's index is the line in the file

    # checks across tables, with the line of each offending row
    def lines(name: str) -> dict:
        if name in file_lines:
            return dict(zip(tables[name].index, file_lines[name]))
        return {i: i + 2 + len(notes.get(name, [])) for i in tables[name].index}

    municipalities = set(tables["municipalities"]["municipality_id"].astype(str))
    if municipalities:
        for name in DATASET_FILES:
            if name == "municipalities" or "municipality_id" not in tables[name].columns or name not in files:
                continue
            problems += check_references(tables[name], "municipality_id", municipalities, what="municipality",
                                         file=files[name], index_to_line=lines(name))
    if "indicator_values" in files:
        problems += check_references(tables["indicator_values"], "indicator_id", register.ids, what="indicator",
                                     file=files["indicator_values"], index_to_line=lines("indicator_values"))
        iv = tables["indicator_values"]
        areas = tables["areas"]
        known_areas = set(zip(areas["municipality_id"].astype(str), areas["area_id"].astype(str)))
        has_keys = {"area_id", "municipality_id"} <= set(iv.columns)
        sub = iv[iv["area_id"] != iv["municipality_id"]] if has_keys else iv.iloc[0:0]
        pairs = pd.MultiIndex.from_arrays([sub["municipality_id"].astype(str), sub["area_id"].astype(str)]) \
            if len(sub) else pd.MultiIndex.from_arrays([[], []])
        unknown = sub[~pairs.isin(list(known_areas))] if len(sub) else sub
        iv_lines = lines("indicator_values")
        expected = "an area_id listed in areas.csv, or the municipality_id for whole-town values"
        for idx, mid, aid in zip(unknown.index[:MAX_LISTED], unknown["municipality_id"], unknown["area_id"]):
            problems.append(Problem(f"unknown Sozialraum '{aid}' of municipality '{mid}'",
                                    str(files["indicator_values"]), iv_lines.get(idx), "area_id", expected))
        if len(unknown) > MAX_LISTED:
            problems.append(Problem(f"{len(unknown):,} rows in all name an unknown Sozialraum; the first "
                                    f"{MAX_LISTED} are listed above", str(files["indicator_values"]), None,
                                    "area_id", expected, len(unknown)))
    if "codings" in files and "codebook" in files and "code_id" in tables["codebook"].columns:
        problems += check_references(tables["codings"], "code_id", tables["codebook"]["code_id"], what="code",
                                     file=files["codings"], index_to_line=lines("codings"))
    from .contracts import check_folder_rules  # chapters' needs across files (margins, sources, items)

    problems += check_folder_rules(tables, files, {n: lines(n) for n in files}, folder=folder)
    if municipality_ids and municipalities:
        for mid in municipality_ids:
            if mid not in municipalities:
                problems.append(Problem(f"municipality '{mid}' of the parameter files is not in municipalities.csv",
                                        str(folder / DATASET_FILES["municipalities"]), None, "municipality_id",
                                        "a row for every municipality with a parameter file"))
    if problems:
        raise ContractError(f"{folder}: {len(problems)} problem(s) in the data folder", file=folder, problems=problems)
    return Dataset(folder, tables, notes, files)
