"""Read a YAML file (parameter files, the indicator register) with errors that name file and line.

YAML anchors and aliases (``&a`` / ``*a``) let a few hundred bytes describe a document of billions
of nodes (the "billion laughs" alias bomb): PyYAML's ``safe_load`` shares the aliased objects, but
every consumer that walks them (pydantic validation, an error message quoting the input) expands
them. :func:`parse_yaml` therefore composes the node graph first and refuses a document whose
*expanded* size exceeds :data:`MAX_NODES` nodes, or that uses more than :data:`MAX_ALIASES`
aliases, before any Python object is built. Parameter files use a handful of aliases at most.
PyYAML has no such limit of its own, so the count (a memoised walk over the composed nodes) is
written here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import InputError

#: largest expanded document (scalars + sequences + mappings, aliases counted at their full size)
MAX_NODES = 100_000
#: most alias uses (``*name``) in one document
MAX_ALIASES = 1_000
#: largest YAML file read (bytes)
MAX_BYTES = 10_000_000


def _expanded_size(root: yaml.Node, limit: int, source: str) -> int:
    """Number of nodes of the document with every alias expanded; stops once ``limit`` is passed."""
    memo: dict[int, int] = {}
    # iterative post-order walk: a deeply nested document must not hit the recursion limit
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    active: set[int] = set()
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            active.discard(key)
            if isinstance(node, yaml.SequenceNode):
                children = node.value
            elif isinstance(node, yaml.MappingNode):
                children = [n for pair in node.value for n in pair]
            else:
                children = []
            size = 1 + sum(memo[id(c)] for c in children)
            memo[key] = size
            if size > limit:
                mark = node.start_mark
                raise InputError(
                    f"the YAML document expands to more than {limit:,} nodes through its aliases "
                    "(an alias bomb?); refused", file=source, row=mark.line + 1 if mark else None,
                    expected=f"at most {limit:,} values after expanding aliases (&anchor / *alias)")
            continue
        if key in memo:
            continue
        if key in active:  # a recursive alias (PyYAML allows them): infinite when expanded
            mark = node.start_mark
            raise InputError("the YAML document refers to itself through an alias (infinite when expanded)",
                             file=source, row=mark.line + 1 if mark else None,
                             expected="aliases that refer to earlier, complete values")
        active.add(key)
        stack.append((node, True))
        if isinstance(node, yaml.SequenceNode):
            stack.extend((c, False) for c in node.value if id(c) not in memo)
        elif isinstance(node, yaml.MappingNode):
            stack.extend((c, False) for pair in node.value for c in pair if id(c) not in memo)
    return memo[id(root)]


class _BoundedLoader(yaml.SafeLoader):
    """``SafeLoader`` that counts aliases while composing and checks the expanded size before building."""

    max_nodes = MAX_NODES
    max_aliases = MAX_ALIASES
    source = "<yaml>"

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._aliases = 0

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > self.max_aliases:
                mark = self.peek_event().start_mark
                raise InputError(f"the YAML document uses more than {self.max_aliases:,} aliases; refused",
                                 file=self.source, row=mark.line + 1,
                                 expected=f"at most {self.max_aliases:,} aliases (*name)")
        return super().compose_node(parent, index)

    def compose_document(self):  # type: ignore[no-untyped-def]
        node = super().compose_document()
        if node is not None:
            _expanded_size(node, self.max_nodes, self.source)
        return node


def parse_yaml(text: str, source: str, *, max_nodes: int = MAX_NODES, max_aliases: int = MAX_ALIASES) -> Any:
    """Parse YAML text safely; a syntax error or an oversized document names the file and the line.

    Parameters
    ----------
    text:
        The YAML document.
    source:
        The file name used in error messages.
    max_nodes, max_aliases:
        Refuse documents that expand (aliases counted at full size) to more than ``max_nodes``
        nodes, or use more than ``max_aliases`` aliases (see the module docstring).

    Returns
    -------
    object
        The parsed document (``None`` for an empty one).

    Examples
    --------
    >>> parse_yaml("a: &x [1, 2]\\nb: *x", "example.yaml")
    {'a': [1, 2], 'b': [1, 2]}
    """
    loader_cls = type("_Loader", (_BoundedLoader,), {"max_nodes": max_nodes, "max_aliases": max_aliases,
                                                      "source": source})
    loader = loader_cls(text)
    try:
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        raise InputError(f"not valid YAML: {getattr(exc, 'problem', None) or exc}", file=source, row=row) from None
    except RecursionError:
        raise InputError("the YAML document is nested too deeply", file=source,
                         expected="a parameter file nested a few levels deep") from None
    finally:
        loader.dispose()


def read_yaml(path: str | Path, what: str, *, max_bytes: int = MAX_BYTES) -> Any:
    """Read and parse a UTF-8 YAML file; ``what`` names the file's role in the 'not found' message.

    A folder in place of the file, a file larger than ``max_bytes``, text that is not UTF-8 and
    the documents :func:`parse_yaml` refuses are each an :class:`~evaluation.errors.InputError`.
    """
    source = str(path)
    p = Path(path)
    try:
        if p.is_dir():
            raise InputError(f"{what} is a folder, not a file", file=source, expected="a YAML file")
        size = p.stat().st_size
        if size > max_bytes:
            raise InputError(f"{what} is too large ({size:,} bytes)", file=source,
                             expected=f"at most {max_bytes:,} bytes")
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{what} not found", file=source) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", file=source,
                         expected="a UTF-8 encoded YAML file") from None
    except PermissionError:
        raise InputError(f"{what} cannot be read (permission denied)", file=source) from None
    return parse_yaml(text, source)
