"""REFI-QDA projects (``.qdpx``, ``.qde``) and code books (``.qdc``) <-> tidy tables.

The REFI-QDA standard (QDA-XML 1.0, Rotterdam Exchange Format Initiative 2019,
https://www.qdasoftware.org) lets MAXQDA, NVivo, ATLAS.ti, QualCoder, Quirkos and others exchange
coded material. A ``.qdpx`` is a zip archive holding ``project.qde`` (XML) and a ``sources/``
folder with the documents; a ``.qdc`` holds only the code book.

:func:`read_project` returns a :class:`QdaProject` of tidy tables (the ``codings`` and
``codebook`` contracts of :mod:`evaluation.contracts` plus sources, cases, users, variables and
sets). :func:`write_project` writes a project that validates against the official schemas
(``Project-mrt2019.xsd``, ``Codebook.xsd``); :func:`project_from_tables` builds one from the
tidy tables the Musterdaten generator produces.

Selection positions
-------------------
The standard counts ``startPosition``/``endPosition`` in characters of the plain-text file, but
exporters disagree on what a character is. NVivo 12 for Windows counts UTF-16 code units (an
emoji outside the Basic Multilingual Plane counts twice), counts CRLF as two and does not count the
byte-order mark; other tools count Unicode code points, and some count a CRLF line break as one.
The reader maps the exporter's positions to code-point offsets of the decoded text (BOM removed,
line endings kept as in the file), so that ``sources.text[start:end] == codings.text`` always holds
and ``codings.text`` is exactly the text the coder selected. ``positions="auto"`` picks the
convention under which the selections fall on word boundaries most often (the human selection in
a QDA tool snaps to words); ties go to the standard's code points. The chosen convention is
recorded in ``QdaProject.position_convention``. Positions are mapped with numpy cumulative sums,
written by hand because no maintained library implements REFI-QDA.

Safety
------
XML with a DOCTYPE or entity declarations is parsed with ``defusedxml`` (no entity expansion, no
external entities: a clear error); plain QDA-XML with lxml, entities and network off;
archive member names with absolute paths or ``..`` and archives whose members would expand beyond
``max_uncompressed`` bytes or by an implausible ratio are refused with an :class:`InputError`.
Raw files are only read, never modified.

Example::

    project = read_project("interviews.qdpx")
    project.codings[["code_id", "text"]].head()
    write_project(project, "copy.qdpx")

The implementation is split into :mod:`evaluation.io.refi_model` (the :class:`QdaProject` tables and
shared constants), :mod:`evaluation.io.refi_read` (reading) and :mod:`evaluation.io.refi_write`
(writing); this module re-exports their public names so ``from evaluation.io.refi import
read_project, write_project`` keeps working.
"""

from __future__ import annotations

from .refi_model import (  # noqa: F401 - re-exported
    CASE_COLUMNS,
    CASE_MEMBER_COLUMNS,
    CODE_COLUMNS,
    CODEBOOK_NS,
    CODING_COLUMNS,
    CONVENTIONS,
    LEBENSBEREICH_SET,
    PROJECT_NS,
    SET_COLUMNS,
    SOURCE_COLUMNS,
    USER_COLUMNS,
    VARIABLE_COLUMNS,
    WIRKUNGSSTUFE_SET,
    NewlineCount,
    PositionUnit,
    QdaProject,
)
from .refi_read import read_project
from .refi_write import _GUID_NAMESPACE, project_from_tables, refi_guid, write_project  # noqa: F401 - re-exported

__all__ = ["CONVENTIONS", "QdaProject", "project_from_tables", "read_project", "refi_guid", "write_project"]
