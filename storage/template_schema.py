"""The template schema: allowed keys per level, and the check of one file on its own."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from updeck.models.phases import PHASE_IDS
from updeck.models.template import (
    ITEM_KINDS,
    PRIORITIES,
    TEMPLATE_FORMAT,
    ItemSpec,
    RoleSpec,
    Stakeholder,
    Variable,
)
from updeck.storage import yaml_nodes
from updeck.storage.template_errors import TemplateError
from updeck.storage.template_evidence import check_evidence
from updeck.storage.template_fields import ITEM_ID, FieldReader, Pos, plain_value
from updeck.storage.template_notify import NOTIFY_KEYS, TARGET_KEYS, RawRule, read_notify
from updeck.storage.template_roles import ROLE_KEYS, read_roles
from updeck.storage.template_zones import check_stream, check_timezone
from updeck.storage.yaml_nodes import (
    TAG_INT,
    TAG_NULL,
    TEXT_TAGS,
    YamlProblem,
    kind_of,
)
from yaml.nodes import Node, ScalarNode, SequenceNode

SUPPORTED_FORMATS: tuple[int, ...] = (TEMPLATE_FORMAT,)

TEMPLATE_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# The keys each level of a template allows, in the order error hints list them.
TOP_KEYS = ("format", "id", "name", "version", "description", "extends", "variables", "roles",
            "stakeholders", "window", "timezone", "phases", "drop", "enforce_owners", "notify")
ITEM_KEYS = ("id", "title", "details", "kind", "owner", "required", "estimate", "depends_on", "at",
             "due", "verify", "expect_exit", "expect_output", "rollback", "rollback_estimate",
             "point_of_no_return", "approvers",
             "priority", "goal", "covers", "cost", "audience", "baseline", "target", "when", "tags",
             "separation_of_duties", "stream")
PHASE_KEYS = ("description", "items")
VARIABLE_KEYS = ("name", "prompt", "default", "required")
STAKEHOLDER_KEYS = ("name", "role", "contact")
WINDOW_KEYS = ("duration",)

#: Every allowed key, by level (``x-`` keys are allowed everywhere besides these).
TEMPLATE_KEYS: Mapping[str, frozenset[str]] = MappingProxyType({
    "top": frozenset(TOP_KEYS),
    "phase": frozenset(PHASE_KEYS),
    "item": frozenset(ITEM_KEYS),
    "variable": frozenset(VARIABLE_KEYS),
    "stakeholder": frozenset(STAKEHOLDER_KEYS),
    "window": frozenset(WINDOW_KEYS),
    "role": frozenset(ROLE_KEYS),
    "notify": frozenset(NOTIFY_KEYS),
    "target": frozenset(TARGET_KEYS),
})


@dataclass(slots=True)
class RawItem:
    spec: ItemSpec
    path: str
    pos: Pos
    dep_pos: list[Pos]
    cover_pos: list[Pos]
    value_pos: dict[str, Pos] = field(default_factory=dict)  # where each value was written


@dataclass(slots=True)
class RawTemplate:
    """One file, checked on its own; ``given`` names the top-level keys it set."""

    path: str
    given: dict[str, Pos] = field(default_factory=dict)
    format: int = TEMPLATE_FORMAT
    id: str = ""
    name: str = ""
    version: str = ""
    description: str = ""
    extends: str = ""
    variables: list[Variable] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    role_specs: list[RoleSpec] = field(default_factory=list)
    enforce_owners: bool = False
    stakeholders: list[Stakeholder] = field(default_factory=list)
    window_duration: int | None = None
    timezone: str = ""
    extensions: dict[str, Any] = field(default_factory=dict)
    phase_descriptions: dict[str, str] = field(default_factory=dict)
    items: dict[str, list[RawItem]] = field(default_factory=dict)
    drop: list[tuple[str, Pos]] = field(default_factory=list)
    notify: list[RawRule] = field(default_factory=list)


class SchemaChecker(FieldReader):
    """Walks one file's document, checking every key against the schema."""

    def check(self, root: Node | None) -> RawTemplate:
        raw = RawTemplate(self.path)
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
            if (isinstance(node, ScalarNode) and node.tag == TAG_INT
                    and plain_value(node) in SUPPORTED_FORMATS):
                raw.format = int(plain_value(node))
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
        if "roles" in found and (as_map := read_roles(self, found["roles"].value)) is not None:
            raw.roles, raw.role_specs = as_map
        elif "roles" in found:
            seen: set[str] = set()
            for value, node in self.text_list(found["roles"].value, "roles") or []:
                if value in seen:
                    self.error(node, f"roles: '{value}' is listed twice")
                    continue
                seen.add(value)
                raw.roles.append(value)
        if "enforce_owners" in found:
            raw.enforce_owners = bool(self.boolean(found["enforce_owners"].value, "enforce_owners"))
        if "stakeholders" in found:
            self.stakeholders(found["stakeholders"].value, raw)
        if "window" in found:
            window = self.mapping(found["window"].value, "window")
            if window is not None:
                wkeys = self.entries(window, WINDOW_KEYS, "in window")
                if "duration" in wkeys:
                    raw.window_duration = self.duration(wkeys["duration"].value, "window duration")
        if "timezone" in found:
            raw.timezone = check_timezone(self, found["timezone"].value) or ""
        if "phases" in found:
            self.phases(found["phases"].value, raw)
        if "notify" in found:
            raw.notify = read_notify(self, found["notify"].value)
        if "drop" in found:
            if "extends" not in found:
                self.error(found["drop"].key_node, "drop: only makes sense with extends (it removes "
                                                   "items of the parent template)")
            raw.drop = self.id_list(found["drop"].value, "drop")
        return raw

    def variables(self, node: Node, raw: RawTemplate) -> None:
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

    def stakeholders(self, node: Node, raw: RawTemplate) -> None:
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

    def phases(self, node: Node, raw: RawTemplate) -> None:
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

    def item(self, node: Node, phase_id: str, seen_ids: dict[str, int]) -> RawItem | None:
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
        for key in ("required", "point_of_no_return", "separation_of_duties"):
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
        if "stream" in found and (stream := check_stream(self, found["stream"].value)):
            kw["stream"] = stream
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
        deps: list[tuple[str, Pos]] = []
        covers: list[tuple[str, Pos]] = []
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
        if kind and kind != "approval" and "separation_of_duties" in found:
            self.error(found["separation_of_duties"].key_node, f"separation_of_duties: only for kind "
                                                               f"approval ({label} is kind {kind})")
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
        check_evidence(self, found, kw, label, kind)
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
        return RawItem(spec, self.path, self.pos(found["id"].value),
                        [p for _, p in deps], [p for _, p in covers],
                        {key: self.pos(entry.value) for key, entry in found.items()})


def check_bytes(data: bytes, shown: str) -> tuple[RawTemplate, list[TemplateError]]:
    raw = RawTemplate(shown)
    if len(data) > yaml_nodes.MAX_BYTES:
        return raw, [TemplateError(shown, 1, 1, f"the file is larger than 1 MiB ({len(data)} bytes); "
                                                "refused")]
    try:
        text = yaml_nodes.decode(data)
        root = yaml_nodes.compose(text)
        if root is not None and yaml_nodes.may_have_aliases(text):
            yaml_nodes.expanded_size(root)
        checker = SchemaChecker(shown)
        raw = checker.check(root)
        return raw, checker.errors
    except YamlProblem as problem:
        return raw, [TemplateError(shown, problem.line, problem.col, problem.message)]
    except Exception as exc:  # no traceback for any input
        return raw, [TemplateError(shown, 1, 1, f"could not load the template ({type(exc).__name__}: "
                                                f"{exc})")]
