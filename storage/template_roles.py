"""The ``roles:`` key of a template: a list of role ids, or a map of role id to a title
or to ``title``, ``members`` (user names or ``group:NAME``) and ``lead``."""

from __future__ import annotations

import re

from updeck.models.template import RoleSpec
from updeck.storage import yaml_nodes
from updeck.storage.template_fields import FieldReader
from updeck.storage.yaml_nodes import TAG_NULL, TEXT_TAGS, kind_of
from yaml.nodes import MappingNode, Node, ScalarNode

ROLE_KEYS = ("title", "members", "lead")
ROLE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
MEMBER = re.compile(r"(group:)?[A-Za-z0-9_][A-Za-z0-9._@+-]{0,63}")


def read_roles(reader: FieldReader, node: Node) -> tuple[list[str], list[RoleSpec]] | None:
    """Role ids and, for a map, their details; None when ``node`` is not a map (the
    caller reads it as today's list of ids)."""
    if not isinstance(node, MappingNode):
        return None
    found, problems = yaml_nodes.mapping_entries(node)
    for problem in problems:
        reader.error(node, problem.message)
    ids: list[str] = []
    specs: list[RoleSpec] = []
    for entry in found:
        if entry.key.startswith("x-"):
            continue
        role_id = entry.key
        if not ROLE_ID.fullmatch(role_id):
            reader.error(entry.key_node, f"roles: \"{role_id}\" is not a role id (letters, digits, "
                                         "'.', '_' and '-', starting with a letter or digit)")
            continue
        role = _role(reader, role_id, entry.value)
        if role is not None:
            ids.append(role_id)
            specs.append(role)
    return ids, specs


def _role(reader: FieldReader, role_id: str, node: Node) -> RoleSpec | None:
    where = f"role {role_id}"
    if isinstance(node, ScalarNode) and node.tag in TEXT_TAGS:
        title = reader.text(node, f"{where} title", one_line=True)
        return RoleSpec(role_id, (title or "").strip())
    if isinstance(node, ScalarNode) and node.tag == TAG_NULL:
        return RoleSpec(role_id)
    if not isinstance(node, MappingNode):
        reader.error(node, f"{where}: expected a title or a mapping (title, members, lead), "
                           f"got {kind_of(node)}")
        return None
    keys = reader.entries(node, ROLE_KEYS, f"in {where}")
    title = ""
    if "title" in keys:
        title = (reader.text(keys["title"].value, f"{where} title", one_line=True) or "").strip()
    members: list[str] = []
    if "members" in keys:
        for value, child in reader.text_list(keys["members"].value, f"{where} members") or []:
            if not MEMBER.fullmatch(value):
                reader.error(child, f"{where} members: \"{value}\" is not a user name or "
                                    "group:NAME (letters, digits, . _ @ + -)")
            elif value in members:
                reader.error(child, f"{where} members: '{value}' is listed twice")
            else:
                members.append(value)
    lead = False
    if "lead" in keys:
        lead = bool(reader.boolean(keys["lead"].value, f"{where} lead"))
    return RoleSpec(role_id, title, tuple(members), lead)


def merge_roles(parent: list[RoleSpec], child: list[RoleSpec]) -> list[RoleSpec]:
    """The parent's roles with the child's replacing those of the same id, then the
    child's new ones."""
    mine = {r.id: r for r in child}
    merged = [mine.pop(r.id, r) for r in parent]
    return merged + [r for r in child if r.id in mine]
