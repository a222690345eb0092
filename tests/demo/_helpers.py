"""Reading the Musterdaten the way the brief documents it."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from evaluation.contracts import ID_COLUMNS

NOTICE = ("# Musterdaten: synthetisch erzeugt (evaluation demo-data, seed={seed}); "
          "keine echten Personen oder Kommunen.")
ID_COLS = sorted(ID_COLUMNS | {"kreis", "actor_id", "file", "source_name", "title"})


def read(folder: Path, name: str) -> pd.DataFrame:
    """CSV with the one comment line skipped and every id column as text."""
    path = Path(folder) / name
    header = pd.read_csv(path, comment=None, skiprows=1, nrows=0).columns
    dtype = {c: str for c in ID_COLS if c in header}
    return pd.read_csv(path, comment=None, skiprows=1, dtype=dtype, keep_default_na=True)


def truth(folder: Path) -> dict:
    return json.loads((Path(folder) / "ground_truth.json").read_text(encoding="utf-8"))


def content(folder: Path, source_file: str) -> str:
    """A text document's content: everything after its first (notice) line."""
    return (Path(folder) / source_file).read_text(encoding="utf-8").split("\n", 1)[1]
