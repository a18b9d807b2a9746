"""Template files: load, validate, resolve inheritance, find on the search path.

The contract is ``shared/specs/template-format.md`` (format 1). Public API:

- :func:`load_template_file` -- one file (and the parents it ``extends``) into a
  :class:`LoadedTemplate`; raises :class:`TemplateErrors` listing *every* problem.
- :func:`load_template_text` -- the same for text in memory (the importer checks its
  own output with it).
- :func:`validate_file` -- the problems of a file as a list (empty: valid).
- :func:`discover` -- every template on the search path, as :class:`TemplateEntry`
  rows (shadowed ones and broken ones included and marked).
- :func:`find_template` -- a template by id on the search path, or by file path;
  :class:`TemplateNotFound` lists the available ids.

Every problem is a :class:`TemplateError` whose ``str()`` is ``FILE:LINE:COL: message``
(1-based). Nothing here raises anything else for any input: an unexpected failure
while loading becomes a clean :class:`TemplateError` too.

Details the spec leaves open, decided here:

- Text is kept literally (no Markup processing); where a string is expected, a plain
  scalar such as ``2.1`` or ``yes`` is taken as its source text. ``null`` is not text.
- ``extends: X`` takes the first *valid* template with id ``X`` on the search path that
  is not already in the chain being loaded (so a user template may extend the shipped
  template it shadows); the folder of the file being loaded is searched last, after the
  search path. ``extends`` chains deeper than 16 are refused.
- A child item with a parent's id replaces it in the parent's position when both are
  in the same phase; listed under another phase, it moves there (appended).
- ``sha256`` is over the bytes of the source files, child first then each parent
  (``cat child.yaml parent.yaml | sha256sum``).
- YAML merge keys (``<<: *anchor``) are honoured; duplicate keys are errors.
"""

from __future__ import annotations

import difflib
import hashlib
import math
import os
import re
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from updeck.models.durations import DurationError, parse_duration, parse_ttime
from updeck.models.phases import PHASE_IDS
from updeck.models.template import (
    ITEM_KINDS,
    PRIORITIES,
    TEMPLATE_FORMAT,
    ItemSpec,
    PhaseSpec,
    Stakeholder,
    Template,
    Variable,
)
from updeck.storage import yaml_nodes
from updeck.storage.yaml_nodes import (
    TAG_BOOL,
    TAG_FLOAT,
    TAG_INT,
    TAG_NULL,
    TEXT_TAGS,
    Entry,
    YamlProblem,
    kind_of,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

__all__ = [
    "SUPPORTED_FORMATS",
    "LoadedTemplate",
    "TemplateEntry",
    "TemplateError",
    "TemplateErrors",
    "TemplateNotFound",
    "discover",
    "find_template",
    "load_template_file",
    "load_template_text",
    "template_files",
    "validate_file",
]

SUPPORTED_FORMATS: tuple[int, ...] = (TEMPLATE_FORMAT,)
TEMPLATE_SUFFIXES = (".yaml", ".yml")
MAX_EXTENDS_DEPTH = 16

TEMPLATE_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
ITEM_ID = re.compile(r"[a-z0-9][a-z0-9._-]*")
VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ID_LINE = re.compile(r"""^id:[ \t]*['"]?([a-z0-9][a-z0-9-]*)['"]?[ \t]*(?:#.*)?$""", re.MULTILINE)

TOP_KEYS = ("format", "id", "name", "version", "description", "extends", "variables", "roles",
            "stakeholders", "window", "phases", "drop")
ITEM_KEYS = ("id", "title", "details", "kind", "owner", "required", "estimate", "depends_on", "at",
             "due", "verify", "rollback", "rollback_estimate", "point_of_no_return", "approvers",
             "priority", "goal", "covers", "cost", "audience", "baseline", "target", "when", "tags")
PHASE_KEYS = ("description", "items")
VARIABLE_KEYS = ("name", "prompt", "default", "required")
STAKEHOLDER_KEYS = ("name", "role", "contact")
WINDOW_KEYS = ("duration",)


# --- errors -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, order=True)
class TemplateError:
    """One problem, at a 1-based line and column of a file."""

    path: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"


class TemplateErrors(Exception):
    """Every problem found while loading a template (``errors``, sorted by place).

    ``unreadable`` is true when the file itself could not be read (missing, a folder,
    no permission): the CLI treats that as bad input rather than a broken template.
    """

    def __init__(self, errors: Sequence[TemplateError], *, unreadable: bool = False) -> None:
        self.errors: list[TemplateError] = sorted(set(errors))
        self.unreadable = unreadable
        super().__init__("\n".join(str(e) for e in self.errors))


class TemplateNotFound(LookupError):
    """No template with that id on the search path (``available`` lists the ids)."""

    def __init__(self, ref: str, available: Sequence[str], *, is_path: bool = False) -> None:
        self.ref = ref
        self.available = list(available)
        listed = ", ".join(self.available) if self.available else "none"
        what = f"no template file {ref}" if is_path else f"no template {ref!r} on the search path"
        super().__init__(f"{what}; available: {listed}")


# --- results ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoadedTemplate:
    """A resolved template and where it came from (``sources``: child first)."""

    template: Template
    path: Path
    sha256: str
    sources: tuple[Path, ...]


@dataclass(frozen=True, slots=True)
class TemplateEntry:
    """One file on the search path, as ``discover`` lists it."""

    id: str
    version: str
    name: str
    path: Path
    shadowed: bool = False
    errors: list[TemplateError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# --- the per-file schema check ----------------------------------------------------------


@dataclass(slots=True)
class _Pos:
    path: str
    line: int
    col: int


@dataclass(slots=True)
class _RawItem:
    spec: ItemSpec
    path: str
    pos: _Pos
    dep_pos: list[_Pos]
    cover_pos: list[_Pos]


@dataclass(slots=True)
class _RawTemplate:
    """One file, checked on its own; ``given`` names the top-level keys it set."""

    path: str
    given: dict[str, _Pos] = field(default_factory=dict)
    format: int = TEMPLATE_FORMAT
    id: str = ""
    name: str = ""
    version: str = ""
    description: str = ""
    extends: str = ""
    variables: list[Variable] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    stakeholders: list[Stakeholder] = field(default_factory=list)
    window_duration: int | None = None
    extensions: dict[str, Any] = field(default_factory=dict)
    phase_descriptions: dict[str, str] = field(default_factory=dict)
    items: dict[str, list[_RawItem]] = field(default_factory=dict)
    drop: list[tuple[str, _Pos]] = field(default_factory=list)


def _plain(node: Node, depth: int = 0) -> Any:
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
        return [_plain(child, depth + 1) for child in node.value]
    if isinstance(node, MappingNode):
        return {str(k.value) if isinstance(k, ScalarNode) else repr(k.tag): _plain(v, depth + 1)
                for k, v in node.value}
    return None  # pragma: no cover


class _Checker:
    """Walks one file's nodes, collecting typed values and every problem."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.errors: list[TemplateError] = []

    # helpers --------------------------------------------------------------------------

    def pos(self, node: Node) -> _Pos:
        line, col = yaml_nodes.position(node)
        return _Pos(self.path, line, col)

    def error(self, node: Node | _Pos, message: str) -> None:
        p = node if isinstance(node, _Pos) else self.pos(node)
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
                    extensions[entry.key] = _plain(entry.value)
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
            value = _plain(node)
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

    def id_list(self, node: Node, what: str) -> list[tuple[str, _Pos]]:
        values = self.text_list(node, what)
        if values is None:
            return []
        out: list[tuple[str, _Pos]] = []
        for value, child in values:
            if not ITEM_ID.fullmatch(value):
                self.error(child, f"{what}: \"{value}\" is not an item id (lowercase letters, digits, "
                                  "'.', '_' and '-', starting with a letter or digit)")
                continue
            out.append((value, self.pos(child)))
        return out

    # the document -------------------------------------------------------------------

    def check(self, root: Node | None) -> _RawTemplate:
        raw = _RawTemplate(self.path)
        if root is None:
            self.errors.append(TemplateError(self.path, 1, 1, "the file is empty; a template needs at "
                                                              "least format, id, name and phases"))
            return raw
        top = self.mapping(root, "template")
        if top is None:
            return raw
        found = self.entries(top, TOP_KEYS, "at the top level", raw.extensions)
        for key, entry in found.items():
            raw.given[key] = self.pos(entry.key_node)
        for key in ("format", "id", "name", "phases"):
            if key not in found:
                self.error(top, f"missing required key '{key}'")
        if "format" in found:
            node = found["format"].value
            if isinstance(node, ScalarNode) and node.tag == TAG_INT and _plain(node) in SUPPORTED_FORMATS:
                raw.format = int(_plain(node))
            else:
                shown = node.value if isinstance(node, ScalarNode) else kind_of(node)
                supported = ", ".join(str(v) for v in SUPPORTED_FORMATS)
                self.error(node, f"format: {shown!s} is not supported; supported format versions: "
                                 f"{supported} (write format: 1)")
        if "id" in found:
            raw.id = self.slug(found["id"].value, "id", TEMPLATE_ID,
                               "lowercase letters, digits and '-', starting with a letter or digit, "
                               "at most 64 characters", 64) or ""
        if "name" in found:
            name = self.text(found["name"].value, "name", one_line=True, allow_empty=False)
            raw.name = (name or "").strip()
        if "version" in found:
            raw.version = (self.text(found["version"].value, "version", one_line=True) or "").strip()
        if "description" in found:
            raw.description = self.text(found["description"].value, "description") or ""
        if "extends" in found:
            raw.extends = self.slug(found["extends"].value, "extends", TEMPLATE_ID,
                                    "the id of a template on the search path", 64) or ""
        if "variables" in found:
            self.variables(found["variables"].value, raw)
        if "roles" in found:
            seen: set[str] = set()
            for value, node in self.text_list(found["roles"].value, "roles") or []:
                if value in seen:
                    self.error(node, f"roles: '{value}' is listed twice")
                    continue
                seen.add(value)
                raw.roles.append(value)
        if "stakeholders" in found:
            self.stakeholders(found["stakeholders"].value, raw)
        if "window" in found:
            window = self.mapping(found["window"].value, "window")
            if window is not None:
                wkeys = self.entries(window, WINDOW_KEYS, "in window")
                if "duration" in wkeys:
                    raw.window_duration = self.duration(wkeys["duration"].value, "window duration")
        if "phases" in found:
            self.phases(found["phases"].value, raw)
        if "drop" in found:
            if "extends" not in found:
                self.error(found["drop"].key_node, "drop: only makes sense with extends (it removes "
                                                   "items of the parent template)")
            raw.drop = self.id_list(found["drop"].value, "drop")
        return raw

    def variables(self, node: Node, raw: _RawTemplate) -> None:
        if not isinstance(node, SequenceNode):
            self.error(node, f"variables: expected a list of variables (- name: ...), got {kind_of(node)}")
            return
        seen: dict[str, int] = {}
        for child in node.value:
            mapping = self.mapping(child, "variable")
            if mapping is None:
                continue
            found = self.entries(mapping, VARIABLE_KEYS, "in a variable")
            if "name" not in found:
                self.error(mapping, "variable: missing required key 'name'")
                continue
            name = self.text(found["name"].value, "variable name")
            if name is None:
                continue
            if not VARIABLE_NAME.fullmatch(name):
                self.error(found["name"].value, f"variable name: \"{name}\" is not an identifier "
                                                "(letters, digits and _, not starting with a digit)")
                continue
            if name in seen:
                self.error(found["name"].value, f"variable '{name}' is declared twice (first at line "
                                                f"{seen[name]})")
                continue
            seen[name] = self.pos(found["name"].value).line
            prompt = ""
            if "prompt" in found:
                prompt = self.text(found["prompt"].value, "prompt", one_line=True) or ""
            default: str | None = None
            if "default" in found:
                dnode = found["default"].value
                if not (isinstance(dnode, ScalarNode) and dnode.tag == TAG_NULL):
                    default = self.text(dnode, "default")
            required = False
            if "required" in found:
                required = bool(self.boolean(found["required"].value, "required"))
            raw.variables.append(Variable(name, prompt, default, required))

    def stakeholders(self, node: Node, raw: _RawTemplate) -> None:
        if not isinstance(node, SequenceNode):
            self.error(node, f"stakeholders: expected a list (- name: ...), got {kind_of(node)}")
            return
        seen: set[str] = set()
        for child in node.value:
            mapping = self.mapping(child, "stakeholder")
            if mapping is None:
                continue
            found = self.entries(mapping, STAKEHOLDER_KEYS, "in a stakeholder")
            if "name" not in found:
                self.error(mapping, "stakeholder: missing required key 'name'")
                continue
            name = self.text(found["name"].value, "stakeholder name", one_line=True, allow_empty=False)
            if name is None:
                continue
            name = name.strip()
            if name in seen:
                self.error(found["name"].value, f"stakeholder '{name}' is listed twice")
                continue
            seen.add(name)
            role = (self.text(found["role"].value, "role", one_line=True) or "") if "role" in found else ""
            contact = (self.text(found["contact"].value, "contact", one_line=True) or ""
                       if "contact" in found else "")
            raw.stakeholders.append(Stakeholder(name, role, contact))

    def phases(self, node: Node, raw: _RawTemplate) -> None:
        phases = self.mapping(node, "phases")
        if phases is None:
            return
        found, problems = yaml_nodes.mapping_entries(phases)
        for problem in problems:
            self.errors.append(TemplateError(self.path, problem.line, problem.col, problem.message))
        seen_ids: dict[str, int] = {}
        for entry in found:
            if entry.key.startswith("x-"):
                continue  # kept in the file, ignored
            if entry.key not in PHASE_IDS:
                close = difflib.get_close_matches(entry.key, PHASE_IDS, n=1, cutoff=0.6)
                hint = f"did you mean '{close[0]}'? " if close else ""
                self.error(entry.key_node, f"unknown phase '{entry.key}'; {hint}the phases are: "
                                           + ", ".join(PHASE_IDS))
                continue
            phase_id = entry.key
            raw.items.setdefault(phase_id, [])
            value = entry.value
            if isinstance(value, ScalarNode) and value.tag == TAG_NULL:
                continue  # an empty phase
            body = self.mapping(value, f"phase {phase_id}")
            if body is None:
                continue
            keys = self.entries(body, PHASE_KEYS, f"in phase {phase_id}")
            if "description" in keys:
                raw.phase_descriptions[phase_id] = self.text(keys["description"].value, "description") or ""
            if "items" not in keys:
                continue
            items = keys["items"].value
            if isinstance(items, ScalarNode) and items.tag == TAG_NULL:
                continue
            if not isinstance(items, SequenceNode):
                self.error(items, f"items: expected a list of items (- id: ...), got {kind_of(items)}")
                continue
            for child in items.value:
                item = self.item(child, phase_id, seen_ids)
                if item is not None:
                    raw.items[phase_id].append(item)

    def item(self, node: Node, phase_id: str, seen_ids: dict[str, int]) -> _RawItem | None:
        mapping = self.mapping(node, f"item in phase {phase_id}")
        if mapping is None:
            return None
        extensions: dict[str, Any] = {}
        where = "in an item"
        for key_node, value_node in mapping.value:
            if (isinstance(key_node, ScalarNode) and key_node.value == "id"
                    and isinstance(value_node, ScalarNode) and value_node.tag in TEXT_TAGS):
                where = f"in item '{value_node.value}'"
        found = self.entries(mapping, ITEM_KEYS, where, extensions)
        label = "item"
        item_id = ""
        if "id" not in found:
            self.error(mapping, "item: missing required key 'id'")
        else:
            item_id = self.slug(found["id"].value, "item id", ITEM_ID,
                                "lowercase letters, digits, '.', '_' and '-', starting with a letter "
                                "or digit") or ""
            if item_id:
                label = f"item '{item_id}'"
                line = self.pos(found["id"].value).line
                if item_id in seen_ids:
                    self.error(found["id"].value, f"duplicate item id '{item_id}' (first at line "
                                                  f"{seen_ids[item_id]}); ids are unique across all phases")
                    item_id = ""
                else:
                    seen_ids[item_id] = line
        title = ""
        if "title" not in found:
            self.error(mapping, f"{label}: missing required key 'title'")
        else:
            title = (self.text(found["title"].value, "title", one_line=True, allow_empty=False) or "").strip()
        kw: dict[str, Any] = {}
        for key in ("details", "owner", "verify", "rollback", "goal", "audience", "baseline", "target",
                    "when"):
            if key in found:
                value = self.text(found[key].value, key, one_line=key in ("owner",))
                if value is not None:
                    kw[key] = value.strip() if key == "owner" else value
        kind = "task"
        if "kind" in found:
            value = self.text(found["kind"].value, "kind")
            if value is not None and value not in ITEM_KINDS:
                close = difflib.get_close_matches(value, ITEM_KINDS, n=1, cutoff=0.6)
                hint = f"did you mean '{close[0]}'? " if close else ""
                self.error(found["kind"].value, f"kind: \"{value}\" is not a kind; {hint}expected one of: "
                                                + ", ".join(ITEM_KINDS))
                kind = ""  # unknown: skip the kind-specific checks
            elif value is not None:
                kind = value
        for key in ("required", "point_of_no_return"):
            if key in found:
                flag = self.boolean(found[key].value, key)
                if flag is not None:
                    kw[key] = flag
        for key in ("estimate", "rollback_estimate"):
            if key in found:
                kw[key] = self.duration(found[key].value, key)
        for key in ("at", "due"):
            if key in found:
                kw[key] = self.ttime(found[key].value, key)
        if "cost" in found:
            kw["cost"] = self.number(found["cost"].value, "cost")
        if "tags" in found:
            kw["tags"] = tuple(v for v, _ in self.text_list(found["tags"].value, "tags") or [])
        if "approvers" in found:
            approvers = self.text_list(found["approvers"].value, "approvers")
            kw["approvers"] = tuple(v for v, _ in approvers or [])
            if approvers is not None and not approvers and kind == "approval":
                self.error(found["approvers"].value, "approvers: an approval needs at least one approver")
        if "priority" in found:
            value = self.text(found["priority"].value, "priority")
            if value is not None and value not in PRIORITIES:
                self.error(found["priority"].value, f"priority: \"{value}\" is not a priority; expected one "
                                                    "of: " + ", ".join(PRIORITIES))
            elif value is not None:
                kw["priority"] = value
        deps: list[tuple[str, _Pos]] = []
        covers: list[tuple[str, _Pos]] = []
        if "depends_on" in found:
            deps = list(dict(reversed(self.id_list(found["depends_on"].value, "depends_on"))).items())
            deps.reverse()
        if "covers" in found:
            covers = list(dict(reversed(self.id_list(found["covers"].value, "covers"))).items())
            covers.reverse()
        # kind- and phase-specific keys
        if kind == "approval" and "approvers" not in found:
            self.error(mapping, f"{label}: kind approval needs approvers (the roles or people whose go "
                                "is needed)")
        if kind and kind != "approval" and "approvers" in found:
            self.error(found["approvers"].key_node, f"approvers: only for kind approval ({label} is "
                                                    f"kind {kind})")
        for key in ("priority", "goal"):
            if key in found and phase_id != "requirements":
                self.error(found[key].key_node, f"{key}: only for items of the requirements phase "
                                                f"({label} is in {phase_id})")
        for key in ("baseline", "target"):
            if key in found and kind and kind != "metric":
                self.error(found[key].key_node, f"{key}: only for kind metric ({label} is kind {kind})")
        if "audience" in found and kind and kind not in ("comms", "training"):
            self.error(found["audience"].key_node, f"audience: only for kind comms or training ({label} is "
                                                   f"kind {kind})")
        if not item_id:
            return None
        for key, value in list(kw.items()):
            if value is None:
                del kw[key]
        spec = ItemSpec(
            id=item_id, title=title, phase=phase_id, kind=kind or "task",
            depends_on=tuple(v for v, _ in deps),
            covers=tuple(v for v, _ in covers),
            extensions=extensions, **kw,
        )
        return _RawItem(spec, self.path, self.pos(found["id"].value),
                        [p for _, p in deps], [p for _, p in covers])


# --- loading, inheritance, references ------------------------------------------------


@dataclass(slots=True)
class _Resolved:
    raw: _RawTemplate  # the merged view (scalars resolved)
    items: dict[str, list[_RawItem]]
    sources: list[Path]
    data: list[bytes]
    complete: bool = True  # false when a parent could not be loaded


class _Session:
    """One load: a parse cache, the search path, and the errors gathered so far."""

    def __init__(self, search_path: Sequence[Path] | None) -> None:
        if search_path is None:
            from updeck.storage.locations import template_search_path

            search_path = template_search_path()
        self.search_path = [Path(p) for p in search_path]
        self.cache: dict[Path, tuple[bytes | None, _RawTemplate, list[TemplateError], bool]] = {}

    def parse(self, path: Path, shown: str, data: bytes | None = None
              ) -> tuple[bytes | None, _RawTemplate, list[TemplateError], bool]:
        """(bytes, raw, errors, unreadable) of one file, cached by resolved path."""
        key = _key(path)
        if data is None and key in self.cache:
            return self.cache[key]
        unreadable = False
        errors: list[TemplateError] = []
        raw = _RawTemplate(shown)
        if data is None:
            try:
                info = path.stat()
                if stat.S_ISDIR(info.st_mode):
                    unreadable = True
                    errors.append(TemplateError(shown, 1, 1, "is a folder, not a template file"))
                elif not stat.S_ISREG(info.st_mode):
                    unreadable = True
                    errors.append(TemplateError(shown, 1, 1, "is not a regular file"))
                elif info.st_size > yaml_nodes.MAX_BYTES:
                    errors.append(TemplateError(shown, 1, 1, f"the file is larger than 1 MiB "
                                                              f"({info.st_size} bytes); refused"))
                else:
                    with path.open("rb") as handle:  # never more than the limit, whatever stat said
                        data = handle.read(yaml_nodes.MAX_BYTES + 1)
            except FileNotFoundError:
                unreadable = True
                errors.append(TemplateError(shown, 1, 1, "no such file"))
            except OSError as exc:
                unreadable = True
                errors.append(TemplateError(shown, 1, 1, f"cannot read the file: {exc.strerror or exc}"))
        if data is not None:
            raw, errors = _check_bytes(data, shown)
        result: tuple[bytes | None, _RawTemplate, list[TemplateError], bool] = (data, raw, errors, unreadable)
        self.cache[key] = result
        return result

    def candidates(self, template_id: str, extra: Sequence[Path] = ()) -> Iterable[Path]:
        """Files on the search path (then ``extra`` folders) that may hold ``template_id``."""
        seen: set[Path] = set()
        for folder in [*self.search_path, *extra]:
            for path in template_files(folder):
                key = _key(path)
                if key in seen:
                    continue
                seen.add(key)
                if _quick_id(path) in (template_id, None):
                    yield path


def _key(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()


def _quick_id(path: Path) -> str | None:
    """The id of a file by a cheap look at its lines; ``None`` when unsure."""
    try:
        with path.open("rb") as handle:
            head = handle.read(yaml_nodes.MAX_BYTES + 1)
    except OSError:
        return None
    text = head.decode("utf-8", errors="replace")
    ids = _ID_LINE.findall(text)
    return ids[0] if len(ids) == 1 else None


def _check_bytes(data: bytes, shown: str) -> tuple[_RawTemplate, list[TemplateError]]:
    raw = _RawTemplate(shown)
    if len(data) > yaml_nodes.MAX_BYTES:
        return raw, [TemplateError(shown, 1, 1, f"the file is larger than 1 MiB ({len(data)} bytes); "
                                                "refused")]
    try:
        text = yaml_nodes.decode(data)
        root = yaml_nodes.compose(text)
        if root is not None and yaml_nodes.may_have_aliases(text):
            yaml_nodes.expanded_size(root)
        checker = _Checker(shown)
        raw = checker.check(root)
        return raw, checker.errors
    except YamlProblem as problem:
        return raw, [TemplateError(shown, problem.line, problem.col, problem.message)]
    except Exception as exc:  # no traceback for any input
        return raw, [TemplateError(shown, 1, 1, f"could not load the template ({type(exc).__name__}: "
                                                f"{exc})")]


def _load(session: _Session, path: Path, shown: str, chain: list[Path],
          errors: list[TemplateError], data: bytes | None = None) -> tuple[_Resolved | None, bool]:
    """Load ``path`` and its parents; errors go to ``errors``. Returns (resolved, unreadable)."""
    content, raw, own_errors, unreadable = session.parse(path, shown, data)
    errors.extend(own_errors)
    if content is None:
        return None, unreadable
    chain = [*chain, _key(path)]
    items = {phase: list(values) for phase, values in raw.items.items()}
    resolved = _Resolved(raw, items, [path], [content])
    if not raw.extends:
        return resolved, False
    extends_pos = raw.given.get("extends", _Pos(shown, 1, 1))
    own_folder = [path.parent] if data is None else []
    parent = _find_parent(session, raw.extends, own_folder, chain, errors, extends_pos, shown)
    if parent is None:
        resolved.complete = False
        return resolved, False
    return _merge(parent, resolved, errors), False


def _find_parent(session: _Session, parent_id: str, extra: list[Path], chain: list[Path],
                 errors: list[TemplateError], at: _Pos, shown: str) -> _Resolved | None:
    if len(chain) > MAX_EXTENDS_DEPTH:
        errors.append(TemplateError(shown, at.line, at.col, f"extends: more than {MAX_EXTENDS_DEPTH} "
                                                            "levels of inheritance; refused"))
        return None
    in_chain = False
    broken: list[TemplateError] = []
    broken_path: Path | None = None
    for candidate in session.candidates(parent_id, extra=extra):
        if _key(candidate) in chain:
            if session.parse(candidate, str(candidate))[1].id == parent_id:
                in_chain = True
            continue
        raw = session.parse(candidate, str(candidate))[1]
        if raw.id != parent_id:
            continue
        parent_errors: list[TemplateError] = []
        resolved, _ = _load(session, candidate, str(candidate), chain, parent_errors)
        if resolved is not None and not parent_errors:
            return resolved
        if broken_path is None:
            broken, broken_path = parent_errors, candidate
    if broken_path is not None:
        errors.append(TemplateError(shown, at.line, at.col, f"extends: the parent template '{parent_id}' "
                                                            f"({broken_path}) has errors, listed below"))
        errors.extend(broken)
        return None
    if in_chain:
        names = [session.parse(p, str(p))[1].id or p.name for p in chain]
        errors.append(TemplateError(shown, at.line, at.col, "extends cycle: "
                                    + " -> ".join([*names, parent_id])))
        return None
    available = _available_ids(session)
    errors.append(TemplateError(shown, at.line, at.col, f"extends: no template '{parent_id}' on the "
                                f"search path; available: {', '.join(available) or 'none'}"))
    return None


def _available_ids(session: _Session) -> list[str]:
    """Ids of the files on the search path that parse cleanly on their own (no extends)."""
    ids: set[str] = set()
    for folder in session.search_path:
        for path in template_files(folder):
            _, raw, own_errors, _ = session.parse(path, str(path))
            if raw.id and not own_errors:
                ids.add(raw.id)
    return sorted(ids)


def _merge(parent: _Resolved, child: _Resolved, errors: list[TemplateError]) -> _Resolved:
    c, p = child.raw, parent.raw
    merged = _RawTemplate(c.path, given=dict(c.given))
    for name in ("format", "id", "extends"):
        setattr(merged, name, getattr(c, name))
    for name in ("name", "version", "description"):
        setattr(merged, name, getattr(c, name) if name in c.given else getattr(p, name))
    merged.window_duration = c.window_duration if "window" in c.given else p.window_duration
    merged.extensions = {**p.extensions, **c.extensions}
    merged.variables = _merge_named(p.variables, c.variables)
    merged.stakeholders = _merge_named(p.stakeholders, c.stakeholders)
    merged.roles = list(dict.fromkeys([*p.roles, *c.roles]))
    merged.phase_descriptions = {**p.phase_descriptions, **c.phase_descriptions}
    merged.drop = c.drop
    # items by id
    parent_where: dict[str, str] = {}
    for phase, values in parent.items.items():
        for item in values:
            parent_where[item.spec.id] = phase
    dropped: dict[str, _Pos] = {}
    for item_id, at in c.drop:
        if item_id not in parent_where:
            close = difflib.get_close_matches(item_id, list(parent_where), n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            errors.append(TemplateError(at.path, at.line, at.col, f"drop: '{item_id}' is not an item of the "
                                                                  f"parent template '{p.id}'{hint}"))
        else:
            dropped[item_id] = at
    child_ids: dict[str, _RawItem] = {}
    for values in child.items.values():
        for item in values:
            child_ids[item.spec.id] = item
            if item.spec.id in dropped:
                at = dropped[item.spec.id]
                errors.append(TemplateError(at.path, at.line, at.col, f"drop: '{item.spec.id}' is dropped "
                                                                      "and also redefined by this template"))
    items: dict[str, list[_RawItem]] = {}
    for phase in PHASE_IDS:
        out: list[_RawItem] = []
        for item in parent.items.get(phase, []):
            if item.spec.id in dropped:
                continue
            replacement = child_ids.get(item.spec.id)
            if replacement is None:
                out.append(item)
            elif replacement.spec.phase == phase:
                out.append(replacement)
        for item in child.items.get(phase, []):
            if parent_where.get(item.spec.id) != phase:
                out.append(item)
        if out or phase in parent.items or phase in child.items:
            items[phase] = out
    # nothing may still depend on a dropped item
    for values in items.values():
        for item in values:
            for ref_field in ("depends_on", "covers"):
                for ref in getattr(item.spec, ref_field):
                    if ref in dropped and ref not in child_ids:
                        at = dropped[ref]
                        errors.append(TemplateError(
                            at.path, at.line, at.col,
                            f"drop: cannot drop '{ref}': item '{item.spec.id}' ({item.path}:{item.pos.line}) "
                            f"still names it in {ref_field}; drop or redefine '{item.spec.id}' too"))
    return _Resolved(merged, items, [*child.sources, *parent.sources], [*child.data, *parent.data])


def _merge_named(parent: Sequence[Any], child: Sequence[Any]) -> list[Any]:
    by_name = {value.name: value for value in child}
    out = [by_name.pop(value.name, value) for value in parent]
    out.extend(value for value in child if value.name in by_name)
    return out


def _check_references(resolved: _Resolved, errors: list[TemplateError], dropped: set[str]) -> None:
    by_id: dict[str, _RawItem] = {}
    for values in resolved.items.values():
        for item in values:
            by_id[item.spec.id] = item
    known = list(by_id)
    for item in by_id.values():
        for ref, at in zip(item.spec.depends_on, item.dep_pos, strict=True):
            if ref in dropped:
                continue  # reported by the drop check
            if ref not in by_id:
                errors.append(TemplateError(at.path, at.line, at.col, f"depends_on: no item '{ref}' in this "
                                                                      f"template{_hint(ref, known)}"))
            elif ref == item.spec.id:
                errors.append(TemplateError(at.path, at.line, at.col, f"depends_on: item '{ref}' depends on "
                                                                      "itself"))
        for ref, at in zip(item.spec.covers, item.cover_pos, strict=True):
            if ref in dropped:
                continue
            target = by_id.get(ref)
            if target is None:
                errors.append(TemplateError(at.path, at.line, at.col, f"covers: no item '{ref}' in this "
                                                                      f"template{_hint(ref, known)}"))
            elif target.spec.phase != "requirements":
                errors.append(TemplateError(at.path, at.line, at.col, f"covers: '{ref}' is in phase "
                                            f"{target.spec.phase}; covers names only requirements items"))
    _check_cycles(by_id, errors)


def _hint(ref: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(ref, known, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _check_cycles(by_id: dict[str, _RawItem], errors: list[TemplateError]) -> None:
    """Report each depends_on cycle once, named ``a -> b -> c -> a``."""
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(by_id, white)
    reported: set[frozenset[str]] = set()
    for start in by_id:
        if colour[start] != white:
            continue
        stack: list[tuple[str, int]] = [(start, 0)]
        path: list[str] = [start]
        colour[start] = grey
        while stack:
            node, index = stack[-1]
            deps = [d for d in by_id[node].spec.depends_on if d in by_id and d != node]
            if index < len(deps):
                stack[-1] = (node, index + 1)
                nxt = deps[index]
                if colour[nxt] == white:
                    colour[nxt] = grey
                    stack.append((nxt, 0))
                    path.append(nxt)
                elif colour[nxt] == grey:
                    cycle = path[path.index(nxt):]
                    members = frozenset(cycle)
                    if members not in reported:
                        reported.add(members)
                        item = by_id[node]
                        at = item.dep_pos[item.spec.depends_on.index(nxt)]
                        errors.append(TemplateError(at.path, at.line, at.col, "depends_on cycle: "
                                                    + " -> ".join([*cycle, nxt])))
            else:
                colour[node] = black
                stack.pop()
                path.pop()


def _finish(resolved: _Resolved, errors: list[TemplateError], path: Path) -> LoadedTemplate | None:
    raw = resolved.raw
    dropped = {item_id for item_id, _ in raw.drop}
    if resolved.complete:
        _check_references(resolved, errors, dropped)
    if errors:
        return None
    phases = tuple(
        PhaseSpec(phase, raw.phase_descriptions.get(phase, ""),
                  tuple(item.spec for item in resolved.items[phase]))
        for phase in PHASE_IDS if phase in resolved.items
    )
    template = Template(
        id=raw.id, name=raw.name, phases=phases, format=raw.format, version=raw.version,
        description=raw.description, variables=tuple(raw.variables), roles=tuple(raw.roles),
        stakeholders=tuple(raw.stakeholders), window_duration=raw.window_duration,
        extensions=raw.extensions,
    )
    digest = hashlib.sha256()
    for chunk in resolved.data:
        digest.update(chunk)
    return LoadedTemplate(template, path, digest.hexdigest(), tuple(resolved.sources))


def _load_checked(session: _Session, path: Path, data: bytes | None = None,
                  shown: str | None = None) -> LoadedTemplate:
    errors: list[TemplateError] = []
    shown = str(path) if shown is None else shown
    try:
        resolved, unreadable = _load(session, path, shown, [], errors, data)
        if resolved is None:
            raise TemplateErrors(errors or [TemplateError(shown, 1, 1, "could not load the template")],
                                 unreadable=unreadable)
        loaded = _finish(resolved, errors, path)
    except TemplateErrors:
        raise
    except Exception as exc:  # no traceback for any input
        errors.append(TemplateError(shown, 1, 1, f"could not load the template ({type(exc).__name__}: "
                                                 f"{exc})"))
        loaded = None
    if loaded is None:
        raise TemplateErrors(errors)
    return loaded


# --- public API ----------------------------------------------------------------------


def load_template_file(path: str | os.PathLike[str],
                       search_path: Sequence[str | os.PathLike[str]] | None = None) -> LoadedTemplate:
    """Load, validate and resolve one template file.

    ``search_path`` (default: :func:`updeck.storage.locations.template_search_path`) is where
    ``extends`` parents are looked up. Raises :class:`TemplateErrors` with every problem
    of the file and its parents.
    """
    session = _Session(None if search_path is None else [Path(p) for p in search_path])
    return _load_checked(session, Path(path), shown=os.fspath(path))


def load_template_text(text: str | bytes, name: str = "<template>",
                       search_path: Sequence[str | os.PathLike[str]] | None = None) -> LoadedTemplate:
    """Like :func:`load_template_file`, for text in memory; errors name ``name``."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    session = _Session(None if search_path is None else [Path(p) for p in search_path])
    return _load_checked(session, Path(name), data=data, shown=name)


def validate_file(path: str | os.PathLike[str],
                  search_path: Sequence[str | os.PathLike[str]] | None = None) -> list[TemplateError]:
    """Every problem of a template file, sorted by place; an empty list means valid."""
    try:
        load_template_file(path, search_path)
    except TemplateErrors as exc:
        return exc.errors
    return []


def template_files(folder: str | os.PathLike[str]) -> list[Path]:
    """The ``*.yaml`` / ``*.yml`` files directly in a folder, by name; none if it is missing."""
    base = Path(folder)
    try:
        return sorted(p for p in base.iterdir() if p.suffix.lower() in TEMPLATE_SUFFIXES and p.is_file())
    except OSError:
        return []


def discover(search_path: Sequence[str | os.PathLike[str]] | None = None) -> list[TemplateEntry]:
    """Every template file on the search path, in search order.

    A later template with the id of an earlier valid one is ``shadowed``. A broken file
    is listed with its ``errors`` (its id guessed from its text, else its file name) and
    never hides a good one.
    """
    session = _Session(None if search_path is None else [Path(p) for p in search_path])
    entries: list[TemplateEntry] = []
    winners: set[str] = set()
    seen: set[Path] = set()
    for folder in session.search_path:
        for path in template_files(folder):
            key = _key(path)
            if key in seen:
                continue
            seen.add(key)
            try:
                loaded = _load_checked(session, path)
            except TemplateErrors as exc:
                _, raw, _, _ = session.parse(path, str(path))
                guessed = raw.id or _quick_id(path) or path.stem
                entries.append(TemplateEntry(guessed, raw.version, raw.name, path,
                                             shadowed=guessed in winners, errors=exc.errors))
                continue
            template = loaded.template
            entries.append(TemplateEntry(template.id, template.version, template.name, path,
                                         shadowed=template.id in winners))
            winners.add(template.id)
    return entries


def find_template(ref: str | os.PathLike[str],
                  search_path: Sequence[str | os.PathLike[str]] | None = None) -> LoadedTemplate:
    """A template by id (first valid match on the search path) or by file path.

    Raises :class:`TemplateNotFound` when no file or id matches (listing the ids that
    exist) and :class:`TemplateErrors` when the only match is broken.
    """
    text = os.fspath(ref)
    as_path = Path(text)
    looks_like_path = (os.sep in text or "/" in text or as_path.suffix.lower() in TEMPLATE_SUFFIXES
                       or as_path.is_file())
    if looks_like_path:
        if not as_path.exists():
            session = _Session(None if search_path is None else [Path(p) for p in search_path])
            raise TemplateNotFound(text, _available_ids(session), is_path=True)
        return load_template_file(as_path, search_path)
    session = _Session(None if search_path is None else [Path(p) for p in search_path])
    first_broken: TemplateErrors | None = None
    for candidate in session.candidates(text):
        _, raw, _, _ = session.parse(candidate, str(candidate))
        if raw.id != text:
            continue
        try:
            return _load_checked(session, candidate)
        except TemplateErrors as exc:
            first_broken = first_broken or exc
    if first_broken is not None:
        raise first_broken
    raise TemplateNotFound(text, _available_ids(session))
