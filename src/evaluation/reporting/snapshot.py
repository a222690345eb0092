"""A validated data folder, written once by the annual run and read by every report of that run.

Validating a data folder through the pandera contracts takes seconds; the annual run does it once
per folder (:func:`evaluation.batch.run_annual`) and hands each notebook a *snapshot*: the validated
:class:`~evaluation.dataset.Dataset` pickled into the run's work folder together with

- the SHA-256 of every file of the data folder at validation time (``input_hash``), checked again
  when a report opens the snapshot, so a snapshot never stands in for data that changed since;
- results that are identical for every report of a year and are computed once in the parent, e.g.
  the composite index of :func:`evaluation.reporting.chapters.index.fitted_index` (keyed by year and
  Monte Carlo seed; the chapter finds it in its usual cache on the dataset).

A snapshot is a private hand-over between the batch and its workers (pickle: only ever load
snapshots this workbench wrote itself), not an exchange format. It holds survey microdata and
codings, so it lives only in the run's private work folder (mode 0700, ``<year>/.work-*``), which the
run removes at its end and, after a run that was killed, the next run's start
(:mod:`evaluation.batch.outdir`). Without a snapshot,
:meth:`ReportContext.open <evaluation.reporting.context.ReportContext.open>` validates the folder
itself, as in an interactive session; the numbers are the same either way (tested byte for byte).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..dataset import DATASET_FILES, Dataset
from ..errors import InputError

FORMAT = 1
INDEX_CACHE = "_index_cache"  # the attribute chapters/index.py:fitted_index caches its result in


def folder_hash(folder: str | Path) -> str:
    """One SHA-256 over every file below ``folder`` (relative path and content), in sorted order."""
    folder = Path(folder)
    h = hashlib.sha256()
    for f in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(str(f.relative_to(folder)).encode("utf-8") + b"\0")
        with open(f, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        h.update(b"\0")
    return h.hexdigest()


@dataclass
class Snapshot:
    """What a snapshot file holds (see the module docstring)."""

    dataset: Dataset
    folder: str
    input_hash: str
    #: (year, seed) -> the value fitted_index caches for that year
    index: dict[tuple[int, int], Any] = field(default_factory=dict)
    format: int = FORMAT

    def index_cache_for(self, seed: int) -> dict[int, Any]:
        """The index chapter's cache ({year: result}) for reports using Monte Carlo seed ``seed``."""
        return {year: value for (year, s), value in self.index.items() if s == seed}


def write_snapshot(snapshot: Snapshot, path: str | Path) -> Path:
    """Pickle ``snapshot`` to ``path`` atomically (temporary file + rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    ds = snapshot.dataset
    cache = ds.__dict__.pop(INDEX_CACHE, None)  # results travel in snapshot.index, keyed by seed too
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(snapshot, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    finally:
        if cache is not None:
            ds.__dict__[INDEX_CACHE] = cache
    return path


def load_snapshot(path: str | Path, *, folder: str | Path | None = None, verify: bool = True) -> Snapshot:
    """Read a snapshot; with ``verify``, check that the data folder's files still have the hash it was made from.

    ``folder``, if given, must be the folder the snapshot was made from (the parameter file's or the
    run's data folder): a snapshot of another folder is refused.
    """
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            snap = pickle.load(fh)
    except FileNotFoundError:
        raise InputError("snapshot not found", file=path, expected="a snapshot written by the annual run") from None
    if not isinstance(snap, Snapshot) or snap.format != FORMAT:
        raise InputError("not a snapshot of this workbench version", file=path,
                         expected=f"a Snapshot of format {FORMAT}")
    if folder is not None and Path(folder).resolve() != Path(snap.folder).resolve():
        raise InputError(f"the snapshot was made from {snap.folder}", file=path, expected=f"a snapshot of {folder}")
    if verify:
        now = folder_hash(snap.folder)
        if now != snap.input_hash:
            raise InputError("the data folder changed after its snapshot was written", file=snap.folder,
                             expected=f"input hash {snap.input_hash[:12]}…", found=now[:12] + "…")
    return snap


def snapshot_dataset(path: str | Path, *, folder: str | Path | None = None, seed: int | None = None,
                     municipality_ids: list[str] | None = None) -> Dataset:
    """The validated dataset of a snapshot, with the shared results for ``seed`` pre-filled.

    ``municipality_ids`` are checked against ``municipalities.csv`` as
    :func:`evaluation.dataset.load_dataset` does.
    """
    from ..errors import ContractError, Problem

    snap = load_snapshot(path, folder=folder)
    ds = snap.dataset
    if municipality_ids:
        known = set(ds.municipalities["municipality_id"].astype(str))
        missing = [m for m in municipality_ids if m not in known]
        if missing:
            file = str(Path(snap.folder) / DATASET_FILES["municipalities"])
            raise ContractError(f"{snap.folder}: {len(missing)} problem(s) in the data folder", file=snap.folder,
                                problems=[Problem(f"municipality '{m}' of the parameter files is not in municipalities.csv",
                                                  file, None, "municipality_id",
                                                  "a row for every municipality with a parameter file")
                                          for m in missing])
    if seed is not None:
        cache = snap.index_cache_for(int(seed))
        if cache:
            ds.__dict__[INDEX_CACHE] = cache
    return ds
