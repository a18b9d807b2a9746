"""Typed values read from a template's YAML nodes; each bad value becomes a located error."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from updeck.models.durations import DurationError, parse_duration, parse_ttime
from updeck.storage import yaml_nodes
from updeck.storage.template_errors import TemplateError
from updeck.storage.yaml_nodes import (
    TAG_BOOL,
    TAG_FLOAT,
    TAG_INT,
    TAG_NULL,
    TEXT_TAGS,
    Entry,
    kind_of,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

ITEM_ID = re.compile(r"[a-z0-9][a-z0-9._-]*")


@dataclass(slots=True)
class Pos:
    path: str
    line: int
    col: int


def plain_value(node: Node, depth: int = 0) -> Any:
    """Plain Python data for an ``x-`` extension (already size-checked; cut at 64 levels)."""
    if depth > 64:
        return None
    if isinstance(node, ScalarNode):
        if node.tag == TAG_NULL:
            return None
        if node.tag == TAG_BOOL:
            return str(node.value).lower() in ("yes", "true", "on", "y")
        if node.tag == TAG_INT:
            try:
                return int(str(node.value).replace("_", ""), 0)
            except ValueError:
                return str(node.value)
        if node.tag == TAG_FLOAT:
            try:
                return float(str(node.value).replace("_", ""))
            except ValueError:
                return str(node.value)
        return str(node.value)
    if isinstance(node, SequenceNode):
        return [plain_value(child, depth + 1) for child in node.value]
    if isinstance(node, MappingNode):
        return {str(k.value) if isinstance(k, ScalarNode) else repr(k.tag): plain_value(v, depth + 1)
                for k, v in node.value}
    return None  # pragma: no cover


class FieldReader:
    """Reads typed values from one file's nodes, collecting every problem in ``errors``."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.errors: list[TemplateError] = []

    # helpers --------------------------------------------------------------------------

    def pos(self, node: Node) -> Pos:
        line, col = yaml_nodes.position(node)
        return Pos(self.path, line, col)

    def error(self, node: Node | Pos, message: str) -> None:
        p = node if isinstance(node, Pos) else self.pos(node)
        self.errors.append(TemplateError(self.path, p.line, p.col, message))

    def entries(self, node: MappingNode, allowed: Sequence[str], where: str,
                extensions: dict[str, Any] | None = None) -> dict[str, Entry]:
        found, problems = yaml_nodes.mapping_entries(node)
        for problem in problems:
            self.errors.append(TemplateError(self.path, problem.line, problem.col, problem.message))
        out: dict[str, Entry] = {}
        for entry in found:
            if entry.key.startswith("x-"):
                if extensions is not None:
                    extensions[entry.key] = plain_value(entry.value)
                continue
            if entry.key not in allowed:
                close = difflib.get_close_matches(entry.key, allowed, n=1, cutoff=0.6)
                hint = (f"did you mean '{close[0]}'?" if close
                        else "expected one of: " + ", ".join(allowed))
                self.error(entry.key_node, f"unknown key '{entry.key}' {where}; {hint} "
                                           "(keys starting with x- are kept and ignored)")
                continue
            out[entry.key] = entry
        return out

    def mapping(self, node: Node, what: str) -> MappingNode | None:
        if isinstance(node, MappingNode):
            return node
        self.error(node, f"{what}: expected a mapping (key: value lines), got {kind_of(node)}")
        return None

    def text(self, node: Node, what: str, *, one_line: bool = False, allow_empty: bool = True) -> str | None:
        if not isinstance(node, ScalarNode) or node.tag not in TEXT_TAGS:
            self.error(node, f"{what}: expected text, got {kind_of(node)}")
            return None
        value = str(node.value)
        if one_line and ("\n" in value.strip() or "\r" in value.strip()):
            self.error(node, f"{what}: must be one line; put the rest in details")
            return None
        if not allow_empty and not value.strip():
            self.error(node, f"{what}: must not be empty")
            return None
        return value

    def boolean(self, node: Node, what: str) -> bool | None:
        if isinstance(node, ScalarNode) and node.tag == TAG_BOOL:
            return str(node.value).lower() in ("yes", "true", "on", "y")
        shown = f' "{node.value}"' if isinstance(node, ScalarNode) else ""
        self.error(node, f"{what}: expected true or false, got {kind_of(node)}{shown}")
        return None

    def number(self, node: Node, what: str) -> float | None:
        if isinstance(node, ScalarNode) and node.tag in (TAG_INT, TAG_FLOAT):
            value = plain_value(node)
            if isinstance(value, (int, float)) and math.isfinite(value):
                return float(value)
        shown = f' "{node.value}"' if isinstance(node, ScalarNode) else ""
        self.error(node, f"{what}: expected a number such as 1200 or 99.5, got {kind_of(node)}{shown}")
        return None

    def duration(self, node: Node, what: str) -> int | None:
        if not isinstance(node, ScalarNode) or node.tag not in TEXT_TAGS:
            self.error(node, f"{what}: expected a duration such as 30m, 2h or 1h30m, got {kind_of(node)}")
            return None
        try:
            return parse_duration(str(node.value))
        except DurationError as exc:
            self.error(node, f"{what}: {exc}")
            return None

    def ttime(self, node: Node, what: str) -> int | None:
        if not isinstance(node, ScalarNode) or node.tag not in TEXT_TAGS:
            self.error(node, f"{what}: expected a T-time such as T, T-14d or T+1h30m, got {kind_of(node)}")
            return None
        try:
            return parse_ttime(str(node.value))
        except DurationError as exc:
            self.error(node, f"{what}: {exc}")
            return None

    def text_list(self, node: Node, what: str) -> list[tuple[str, Node]] | None:
        if not isinstance(node, SequenceNode):
            shown = f"; write [{node.value}]" if isinstance(node, ScalarNode) and node.tag != TAG_NULL else ""
            self.error(node, f"{what}: expected a list, got {kind_of(node)}{shown}")
            return None
        out: list[tuple[str, Node]] = []
        for child in node.value:
            value = self.text(child, f"{what} entry", one_line=True, allow_empty=False)
            if value is not None:
                out.append((value.strip(), child))
        return out

    def slug(self, node: Node, what: str, pattern: re.Pattern[str], rule: str,
             limit: int | None = None) -> str | None:
        value = self.text(node, what)
        if value is None:
            return None
        if not pattern.fullmatch(value) or (limit is not None and len(value) > limit):
            self.error(node, f"{what}: \"{value}\" is not valid; expected {rule}")
            return None
        return value

    def id_list(self, node: Node, what: str) -> list[tuple[str, Pos]]:
        values = self.text_list(node, what)
        if values is None:
            return []
        out: list[tuple[str, Pos]] = []
        for value, child in values:
            if not ITEM_ID.fullmatch(value):
                self.error(child, f"{what}: \"{value}\" is not an item id (lowercase letters, digits, "
                                  "'.', '_' and '-', starting with a letter or digit)")
                continue
            out.append((value, self.pos(child)))
        return out

