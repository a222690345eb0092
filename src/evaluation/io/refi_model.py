"""The REFI-QDA project as tidy tables (:class:`QdaProject`) and the constants reader and writer share.

See :mod:`evaluation.io.refi` for the format, the position conventions and the safety rules;
:mod:`evaluation.io.refi_read` reads, :mod:`evaluation.io.refi_write` writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"

#: conventions for counting selection positions: (unit, newline counting)
PositionUnit = Literal["codepoints", "utf16", "utf8"]
NewlineCount = Literal["as_is", "crlf_as_one"]
CONVENTIONS: tuple[tuple[str, str], ...] = (
    ("codepoints", "as_is"),
    ("utf16", "as_is"),
    ("codepoints", "crlf_as_one"),
    ("utf16", "crlf_as_one"),
    ("utf8", "as_is"),
)

#: prefix of the REFI sets that carry the code book's Lebensbereich / Wirkungsstufe mapping
LEBENSBEREICH_SET = "lebensbereich:"
WIRKUNGSSTUFE_SET = "wirkungsstufe:"


CODE_COLUMNS = ["code_id", "parent_id", "name", "path", "lebensbereich", "wirkungsstufe",
                "is_codable", "color", "description", "depth"]
SOURCE_COLUMNS = ["source_id", "source_name", "kind", "path", "text", "n_chars", "description"]
CODING_COLUMNS = ["project", "source_id", "source_name", "case_id", "coder", "code_id", "start",
                  "end", "text", "selection_id", "coding_id", "raw_start", "raw_end"]
CASE_COLUMNS = ["case_id", "name", "description"]
CASE_MEMBER_COLUMNS = ["case_id", "source_id", "selection_id"]
USER_COLUMNS = ["user_id", "name"]
VARIABLE_COLUMNS = ["entity", "entity_id", "variable", "type", "value"]
SET_COLUMNS = ["set_id", "name", "member_kind", "member_id"]

_SOURCE_KINDS = {"TextSource": "text", "PDFSource": "pdf", "PictureSource": "picture",
                 "AudioSource": "audio", "VideoSource": "video"}


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


@dataclass(frozen=True)
class QdaProject:
    """A coded qualitative project as tidy tables.

    - ``codes``: the code book (``codebook`` contract: code_id, parent_id, name, path,
      lebensbereich, wirkungsstufe) plus is_codable, color, description, depth; ``path`` joins the
      names from the root with ``/``.
    - ``sources``: source_id, source_name, kind (text, pdf, picture, audio, video), path, text
      (NaN where the source has no plain text, e.g. a PDF without representation), n_chars.
    - ``codings``: one row per coding of a text selection (``codings`` contract); ``start``/``end``
      are code-point offsets into ``sources.text`` and ``text`` is exactly the selected text;
      ``raw_start``/``raw_end`` keep the positions as the exporter wrote them. Codings of
      non-text selections (PDF areas, pictures, audio) keep NaN positions and text.
    - ``cases`` (case_id, name, description) and ``case_members`` (case_id, source_id,
      selection_id); ``users`` (user_id, name); ``variables`` long (entity = case|source,
      entity_id, variable, type, value); ``sets`` long (set_id, name, member_kind, member_id).
    """

    codes: pd.DataFrame
    sources: pd.DataFrame
    codings: pd.DataFrame
    cases: pd.DataFrame
    users: pd.DataFrame
    variables: pd.DataFrame
    sets: pd.DataFrame = field(default_factory=lambda: _empty(SET_COLUMNS))
    case_members: pd.DataFrame = field(default_factory=lambda: _empty(CASE_MEMBER_COLUMNS))
    name: str = "project"
    origin: str | None = None
    position_convention: tuple[str, str] = ("codepoints", "as_is")

    @property
    def codebook(self) -> pd.DataFrame:
        """The code book in the ``codebook`` contract's columns."""
        return self.codes[["code_id", "parent_id", "name", "path", "lebensbereich", "wirkungsstufe"]].copy()

    def source_table(self) -> pd.DataFrame:
        """Document metadata for aggregation: source_id, source_name, municipality_id, year,
        case_id, kind, then any further source variables (one column each).

        ``municipality_id``, ``year`` and ``kind`` come from source variables of those names where
        present (``kind`` then is the document kind, e.g. interview, else the REFI medium: text,
        pdf, ...); ``case_id`` from case membership, as the case's name (the identifier the case
        had when it was written by :func:`write_project`), else its GUID."""
        out = self.sources[["source_id", "source_name", "kind"]].copy()
        var = self.variables[self.variables["entity"] == "source"]
        names = [n for n in pd.unique(var["variable"].dropna()) if n not in ("source_id", "source_name", "case_id")]
        for name in ["municipality_id", "year"] + [n for n in names if n not in ("municipality_id", "year")]:
            values = var[var["variable"] == name].drop_duplicates("entity_id").set_index("entity_id")["value"]
            mapped = out["source_id"].map(values)
            out[name] = mapped.where(mapped.notna(), out[name]) if name == "kind" else mapped
        out["year"] = pd.to_numeric(out["year"], errors="coerce").astype("Int64")
        members = self.case_members[self.case_members["source_id"].notna()].drop_duplicates("source_id")
        case_names = self.cases.set_index("case_id")["name"] if len(self.cases) else pd.Series(dtype=object)
        case_guid = out["source_id"].map(members.set_index("source_id")["case_id"])
        case_name = case_guid.map(case_names)
        out["case_id"] = case_name.where(case_name.notna(), case_guid).astype(object)
        first = ["source_id", "source_name", "municipality_id", "year", "case_id", "kind"]
        return out[first + [c for c in out.columns if c not in first]]

    def summary(self) -> str:
        """One line per table with its size."""
        unit, nl = self.position_convention
        return (f"QDA project '{self.name}' (origin: {self.origin or 'unknown'})\n"
                f"  codes: {len(self.codes)}, sources: {len(self.sources)}, codings: {len(self.codings)}, "
                f"cases: {len(self.cases)}, users: {len(self.users)}, variables: {len(self.variables)}, "
                f"sets: {self.sets['set_id'].nunique()}\n  selection positions counted as {unit}, line breaks {nl}")
