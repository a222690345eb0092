"""The report's chapters, in the order of ARCHITECTURE.md. Each takes a
:class:`~evaluation.reporting.context.ReportContext` and returns a :class:`~evaluation.reporting.blocks.Section`."""

from .befragung import befragung
from .index import index
from .kontext import kontext
from .kurzfassung import kurzfassung
from .methoden import methoden
from .netzwerk import netzwerk
from .qualitativ import qualitativ
from .wirkung import wirkung
from .wirkungstreppe import wirkungstreppe

__all__ = ["kurzfassung", "kontext", "wirkungstreppe", "befragung", "netzwerk", "qualitativ", "wirkung", "index",
           "methoden"]
