"""The ``notify:`` key of a template: a list of rules (``on``, ``items``/``phases``/
``owners``, ``to``), each target a ``webhook``, ``command`` or ``file`` with ``shape``,
``timeout`` and ``rehearsal``. Every problem is a located error."""

from __future__ import annotations

from dataclasses import dataclass

from updeck.models.notify_rules import (
    MAX_TIMEOUT,
    RULE_ID,
    SHAPES,
    TARGET_KINDS,
    NotifyRule,
    NotifyTarget,
    parse_trigger,
    target_problem,
    trigger_text,
)
from updeck.models.phases import PHASE_IDS
from updeck.storage.template_errors import TemplateError
from updeck.storage.template_fields import FieldReader, Pos
from updeck.storage.yaml_nodes import TAG_NULL, kind_of
from yaml.nodes import Node, ScalarNode, SequenceNode

NOTIFY_KEYS = ("id", "on", "items", "phases", "owners", "to")
TARGET_KEYS = ("webhook", "command", "file", "shape", "timeout", "rehearsal")


@dataclass(frozen=True, slots=True)
class RawRule:
    rule: NotifyRule
    item_pos: tuple[Pos, ...]  # where each of rule.items was written


def read_notify(reader: FieldReader, node: Node) -> list[RawRule]:
    """The rules of a ``notify:`` list, checked on their own (item ids are checked against
    the resolved template by :func:`check_rule_items`)."""
    if isinstance(node, ScalarNode) and node.tag == TAG_NULL:
        return []
    if not isinstance(node, SequenceNode):
        reader.error(node, f"notify: expected a list of rules (- on: ...), got {kind_of(node)}")
        return []
    rules: list[RawRule] = []
    seen: set[str] = set()
    for n, child in enumerate(node.value, 1):
        raw = _rule(reader, child, n)
        if raw is None:
            continue
        if raw.rule.id in seen:
            reader.error(child, f"notify: rule id '{raw.rule.id}' is used twice")
            continue
        seen.add(raw.rule.id)
        rules.append(raw)
    return rules


def _rule(reader: FieldReader, node: Node, n: int) -> RawRule | None:
    mapping = reader.mapping(node, "notify rule")
    if mapping is None:
        return None
    keys = reader.entries(mapping, NOTIFY_KEYS, "in a notify rule")
    rule_id = f"rule-{n}"
    if "id" in keys:
        rule_id = reader.slug(keys["id"].value, "notify rule id", RULE_ID,
                              "lowercase letters, digits, '.', '_' and '-'", 64) or rule_id
    ok = True
    for key in ("on", "to"):
        if key not in keys:
            reader.error(mapping, f"notify rule {rule_id}: missing required key '{key}'")
            ok = False
    triggers: list[str] = []
    if "on" in keys:
        for value, child in _texts(reader, keys["on"].value, "on"):
            try:
                name, seconds = parse_trigger(value)
            except ValueError as exc:
                reader.error(child, f"on: {exc}")
                ok = False
                continue
            triggers.append(trigger_text(name, seconds))
    targets: list[NotifyTarget] = []
    if "to" in keys:
        to = keys["to"].value
        children = to.value if isinstance(to, SequenceNode) else [to]
        for child in children:
            target = _target(reader, child)
            if target is None:
                ok = False
            else:
                targets.append(target)
    filters: dict[str, tuple[str, ...]] = {}
    item_pos: list[Pos] = []
    for key in ("items", "phases", "owners"):
        if key not in keys:
            continue
        values = _texts(reader, keys[key].value, key)
        if key == "phases":
            for value, child in values:
                if value not in PHASE_IDS:
                    reader.error(child, f"phases: '{value}' is not a phase; the phases are: "
                                        + ", ".join(PHASE_IDS))
                    ok = False
        if key == "items":
            item_pos = [reader.pos(child) for _, child in values]
        filters[key] = tuple(v for v, _ in values)
    if not ok or not triggers or not targets:
        return None
    rule = NotifyRule(rule_id, tuple(triggers), tuple(targets), filters.get("items", ()),
                      filters.get("phases", ()), filters.get("owners", ()))
    return RawRule(rule, tuple(item_pos))


def _texts(reader: FieldReader, node: Node, what: str) -> list[tuple[str, Node]]:
    """A list of texts, or one text on its own."""
    if isinstance(node, ScalarNode) and node.tag != TAG_NULL:
        value = reader.text(node, what, one_line=True, allow_empty=False)
        return [(value.strip(), node)] if value is not None else []
    return reader.text_list(node, what) or []


def _target(reader: FieldReader, node: Node) -> NotifyTarget | None:
    mapping = reader.mapping(node, "notify target")
    if mapping is None:
        return None
    keys = reader.entries(mapping, TARGET_KEYS, "in a notify target")
    kinds = [k for k in TARGET_KINDS if k in keys]
    if len(kinds) != 1:
        reader.error(mapping, "notify target: exactly one of webhook, command or file")
        return None
    kind = kinds[0]
    value = reader.text(keys[kind].value, kind, allow_empty=False)
    if value is None:
        return None
    shape = "generic"
    if "shape" in keys:
        shape = reader.text(keys["shape"].value, "shape", one_line=True) or ""
        if shape not in SHAPES:
            reader.error(keys["shape"].value, f"shape: \"{shape}\" is not a shape; expected one "
                                              "of: " + ", ".join(SHAPES))
            return None
    timeout = 0
    if "timeout" in keys:
        seconds = reader.duration(keys["timeout"].value, "timeout")
        if seconds is None:
            return None
        if not 0 < seconds <= MAX_TIMEOUT:
            reader.error(keys["timeout"].value, f"timeout: more than 0 and at most {MAX_TIMEOUT}s")
            return None
        timeout = seconds
    rehearsal = bool(reader.boolean(keys["rehearsal"].value, "rehearsal")) if "rehearsal" in keys else False
    target = NotifyTarget(kind, value.strip() if kind != "command" else value, shape, timeout,
                          rehearsal)
    if (problem := target_problem(target)) is not None:
        reader.error(keys[kind].value if not problem.startswith("shape") else keys["shape"].key_node,
                     problem)
        return None
    return target


def check_rule_items(rules: list[RawRule], item_ids: set[str], errors: list[TemplateError]) -> None:
    """Every item a rule names exists in the resolved template."""
    for raw in rules:
        for item_id, at in zip(raw.rule.items, raw.item_pos, strict=False):
            if item_id not in item_ids:
                errors.append(TemplateError(at.path, at.line, at.col,
                                            f"items: no item '{item_id}' in this template"))


def merge_rules(parent: list[RawRule], child: list[RawRule]) -> list[RawRule]:
    """The parent's rules with the child's replacing those of the same id, then the
    child's new ones."""
    mine = {r.rule.id: r for r in child}
    merged = [mine.pop(r.rule.id, r) for r in parent]
    return merged + [r for r in child if r.rule.id in mine]
