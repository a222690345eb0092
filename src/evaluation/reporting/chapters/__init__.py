"""The report's chapters, in the order of ARCHITECTURE.md. Each takes a
:class:`~evaluation.reporting.context.ReportContext` and returns a :class:`~evaluation.reporting.blocks.Section`."""

from .kontext import kontext
from .kurzfassung import kurzfassung
from .methoden import methoden
from .wirkung import wirkung
from .wirkungstreppe import wirkungstreppe

__all__ = ["kurzfassung", "kontext", "wirkungstreppe", "wirkung", "methoden"]
