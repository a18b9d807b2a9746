"""Safe, bounded YAML composition: a node tree whose every node knows its line and column.

Templates are written by hand and shared, so the file is never turned into Python
objects by PyYAML's constructors. Instead :func:`compose` builds the *node* tree
(``yaml.compose`` with a safe loader whose composer counts nodes and nesting depth),
and :func:`expanded_size` counts how many nodes a walk would visit once aliases are
followed -- memoised per node, so a "billion laughs" file is measured in time
proportional to its *unique* nodes and refused before anything is expanded. The
template validator then walks the nodes itself, reporting every problem at the
node's 1-based line and column.

The loader is a subclass of ``yaml.CSafeLoader`` when PyYAML was built with libyaml
(fast; libyaml itself refuses nesting deeper than 1000 levels) and of the pure-Python
``yaml.SafeLoader`` otherwise (with a composer that refuses more than ``MAX_DEPTH``
levels or ``MAX_NODES`` nodes). Both resolve only the standard YAML tags and neither
constructs any object: only nodes are built.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

MAX_BYTES = 1024 * 1024
"""Files larger than this are refused before parsing."""
MAX_DEPTH = 64
"""Deepest nesting of collections accepted (a template needs about six)."""
MAX_NODES = 250_000
"""Most nodes a document may have once its aliases are expanded."""

TAG_STR = "tag:yaml.org,2002:str"
TAG_INT = "tag:yaml.org,2002:int"
TAG_FLOAT = "tag:yaml.org,2002:float"
TAG_BOOL = "tag:yaml.org,2002:bool"
TAG_NULL = "tag:yaml.org,2002:null"
TAG_TIMESTAMP = "tag:yaml.org,2002:timestamp"
TAG_MERGE = "tag:yaml.org,2002:merge"
TEXT_TAGS = frozenset({TAG_STR, TAG_INT, TAG_FLOAT, TAG_BOOL, TAG_TIMESTAMP})
"""Scalar tags whose source text is accepted where a string is expected."""


class YamlProblem(Exception):
    """A problem with the YAML itself, at a 1-based line and column."""

    def __init__(self, line: int, col: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.col = col
        self.message = message


class _BoundedComposer(Composer):
    """Composer that refuses documents nested too deeply or with too many nodes."""

    _depth: int = 0
    _count: int = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        self._depth += 1
        self._count += 1
        if self._depth > MAX_DEPTH or self._count > MAX_NODES:
            mark = self.peek_event().start_mark  # type: ignore[attr-defined]  # the Parser half of the loader has it
            what = (f"nested more than {MAX_DEPTH} levels deep" if self._depth > MAX_DEPTH
                    else f"more than {MAX_NODES} nodes")
            raise YamlProblem(mark.line + 1, mark.column + 1, f"the document is {what}; refused")
        try:
            node: Node | None = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        return node


class SafeNodeLoader(_BoundedComposer, yaml.SafeLoader):
    """Pure-Python safe loader with the bounded composer."""


# First characters for which the safe resolver has an implicit rule; a plain scalar
# starting with any other character is a string (there are no wildcard rules).
_RESOLVER_FIRST_CHARS = frozenset(yaml.SafeLoader.yaml_implicit_resolvers)
assert None not in _RESOLVER_FIRST_CHARS
_FastLoader: type | None
if getattr(yaml, "__with_libyaml__", False):

    class CSafeNodeLoader(yaml.CSafeLoader):
        """libyaml's safe loader, used only to compose nodes.

        libyaml refuses nesting deeper than 1000 levels itself, so its (recursive, C)
        composer cannot exhaust the stack; the 1 MiB limit bounds the node count.
        """

        def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
            # Same answers as the standard resolver, without its work for the common
            # case of text that cannot be anything but a string.
            if kind is ScalarNode:
                if not implicit[0]:
                    return TAG_STR
                if value and value[0] not in _RESOLVER_FIRST_CHARS:
                    return TAG_STR
            tag: str = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]  # untyped in the yaml stubs
            return tag

    _FastLoader = CSafeNodeLoader
else:  # pragma: no cover - PyYAML built without libyaml
    _FastLoader = None


def position(node: Node) -> tuple[int, int]:
    """The node's 1-based (line, column)."""
    mark = node.start_mark
    return mark.line + 1, mark.column + 1


def _line_col(text: str, index: int) -> tuple[int, int]:
    index = max(0, min(index, len(text)))
    line = text.count("\n", 0, index) + 1
    start = text.rfind("\n", 0, index) + 1
    return line, index - start + 1


def decode(data: bytes) -> str:
    """UTF-8 text (a BOM is dropped); a bad byte is a :class:`YamlProblem` at its place."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        raise YamlProblem(line, col, f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x}); "
                                     "save it as UTF-8") from None
    return text.removeprefix("\ufeff")


def compose(text: str, *, fast: bool = True) -> Node | None:
    """The node tree of a single-document YAML text; ``None`` for an empty document.

    Raises :class:`YamlProblem` for invalid YAML, several documents, or a document
    too deep or too big.
    """
    loader: Any = _FastLoader if (fast and _FastLoader is not None) else SafeNodeLoader
    try:
        node: Node | None = yaml.compose(text, Loader=loader)
    except YamlProblem:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        problem = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context and exc.context != problem else ""
        if "expected a single document" in (exc.context or ""):
            raise YamlProblem(line, col, "a template is one YAML document; remove the second "
                                         "'---' document") from None
        raise YamlProblem(line, col, f"invalid YAML: {problem}{context}") from None
    except yaml.reader.ReaderError as exc:
        line, col = _line_col(text, exc.position)
        raise YamlProblem(line, col, f"invalid YAML: character #x{exc.character:04x} is not "
                                     "allowed in a YAML file") from None
    except yaml.YAMLError as exc:
        raise YamlProblem(1, 1, f"invalid YAML: {exc}") from None
    except RecursionError:
        raise YamlProblem(1, 1, "the document is nested too deeply; refused") from None
    return node


def may_have_aliases(text: str) -> bool:
    """False when the text cannot contain an alias (no ``&`` anchor or no ``*``)."""
    return "&" in text and "*" in text


def expanded_size(root: Node, limit: int = MAX_NODES) -> int:
    """Nodes visited by a full walk that follows aliases, without expanding anything.

    Memoised per node, so the cost is proportional to the unique nodes. Raises
    :class:`YamlProblem` when the total exceeds ``limit`` (an alias bomb) or when an
    alias refers to a collection that contains it (a recursive document).
    """
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    # Iterative post-order walk: (node, children-pushed?)
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        key = id(node)
        if expanded:
            on_path.discard(key)
            total = 1
            for child in _children(node):
                total += sizes[id(child)]
                if total > limit:
                    line, col = position(root)
                    raise YamlProblem(line, col, f"aliases expand this document beyond {limit} "
                                                 "nodes; refused")
            sizes[key] = total
            continue
        if key in sizes:
            continue
        if key in on_path:
            line, col = position(node)
            raise YamlProblem(line, col, "an alias refers to a collection that contains it; "
                                         "recursive documents are refused")
        on_path.add(key)
        stack.append((node, True))
        for child in _children(node):
            child_key = id(child)
            if child_key in on_path:
                line, col = position(child)
                raise YamlProblem(line, col, "an alias refers to a collection that contains "
                                             "it; recursive documents are refused")
            if child_key not in sizes:
                stack.append((child, False))
    return sizes[id(root)]


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        out: list[Node] = []
        for key, value in node.value:
            out.append(key)
            out.append(value)
        return out
    return []


@dataclass(frozen=True, slots=True)
class Entry:
    """One ``key: value`` of a mapping node, with the key's text."""

    key: str
    key_node: Node
    value: Node


def kind_of(node: Node) -> str:
    """What the node is, in words, for messages: ``a list``, ``a number``, ``null``..."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if isinstance(node, ScalarNode):
        return {
            TAG_STR: "a string", TAG_INT: "a number", TAG_FLOAT: "a number",
            TAG_BOOL: "a boolean", TAG_NULL: "nothing (null)", TAG_TIMESTAMP: "a date",
        }.get(node.tag, f"a value tagged {node.tag}")
    return "an unknown node"  # pragma: no cover


def mapping_entries(node: MappingNode) -> tuple[list[Entry], list[YamlProblem]]:
    """The entries of a mapping, with YAML merge keys (``<<``) applied.

    Problems: keys that are not plain text, duplicate keys (the later one is reported
    and dropped), merge values that are not mappings.
    """
    problems: list[YamlProblem] = []
    own: list[Entry] = []
    merged: list[Entry] = []
    for key_node, value in node.value:
        if isinstance(key_node, ScalarNode) and key_node.tag == TAG_MERGE:
            sources = value.value if isinstance(value, SequenceNode) else [value]
            for source in sources:
                if isinstance(source, MappingNode):
                    entries, inner = mapping_entries(source)
                    merged.extend(entries)
                    problems.extend(inner)
                else:
                    line, col = position(source)
                    problems.append(YamlProblem(line, col, "a merge key (<<) needs a mapping or a "
                                                           f"list of mappings, not {kind_of(source)}"))
            continue
        if not isinstance(key_node, ScalarNode) or key_node.tag not in TEXT_TAGS:
            line, col = position(key_node)
            problems.append(YamlProblem(line, col, f"a key must be plain text, not {kind_of(key_node)}"))
            continue
        own.append(Entry(str(key_node.value), key_node, value))
    seen: dict[str, Entry] = {}
    result: list[Entry] = []
    for entry in own:
        if entry.key in seen:
            first_line, _ = position(seen[entry.key].key_node)
            line, col = position(entry.key_node)
            problems.append(YamlProblem(line, col, f"duplicate key '{entry.key}' (first at line "
                                                   f"{first_line})"))
            continue
        seen[entry.key] = entry
        result.append(entry)
    for entry in merged:  # explicit keys win over merged ones; first merged source wins
        if entry.key not in seen:
            seen[entry.key] = entry
            result.append(entry)
    return result, problems
