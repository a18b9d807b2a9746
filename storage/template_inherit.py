"""Template inheritance: merge a child onto its parent (extends/drop), then check references."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from updeck.models.phases import PHASE_IDS
from updeck.storage.template_errors import TemplateError
from updeck.storage.template_fields import Pos
from updeck.storage.template_notify import merge_rules
from updeck.storage.template_roles import merge_roles
from updeck.storage.template_schema import RawItem, RawTemplate


@dataclass(slots=True)
class Resolved:
    raw: RawTemplate  # the merged view (scalars resolved)
    items: dict[str, list[RawItem]]
    sources: list[Path]
    data: list[bytes]
    complete: bool = True  # false when a parent could not be loaded


def merge_parent(parent: Resolved, child: Resolved, errors: list[TemplateError]) -> Resolved:
    c, p = child.raw, parent.raw
    merged = RawTemplate(c.path, given=dict(c.given))
    for name in ("format", "id", "extends"):
        setattr(merged, name, getattr(c, name))
    for name in ("name", "version", "description"):
        setattr(merged, name, getattr(c, name) if name in c.given else getattr(p, name))
    merged.window_duration = c.window_duration if "window" in c.given else p.window_duration
    merged.timezone = c.timezone if "timezone" in c.given else p.timezone
    merged.extensions = {**p.extensions, **c.extensions}
    merged.variables = _merge_named(p.variables, c.variables)
    merged.stakeholders = _merge_named(p.stakeholders, c.stakeholders)
    merged.roles = list(dict.fromkeys([*p.roles, *c.roles]))
    merged.role_specs = merge_roles(p.role_specs, c.role_specs)
    merged.enforce_owners = c.enforce_owners if "enforce_owners" in c.given else p.enforce_owners
    merged.phase_descriptions = {**p.phase_descriptions, **c.phase_descriptions}
    merged.drop = c.drop
    merged.notify = merge_rules(p.notify, c.notify)
    # items by id
    parent_where: dict[str, str] = {}
    for phase, values in parent.items.items():
        for item in values:
            parent_where[item.spec.id] = phase
    dropped: dict[str, Pos] = {}
    for item_id, at in c.drop:
        if item_id not in parent_where:
            close = difflib.get_close_matches(item_id, list(parent_where), n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            errors.append(TemplateError(at.path, at.line, at.col, f"drop: '{item_id}' is not an item of the "
                                                                  f"parent template '{p.id}'{hint}"))
        else:
            dropped[item_id] = at
    child_ids: dict[str, RawItem] = {}
    for values in child.items.values():
        for item in values:
            child_ids[item.spec.id] = item
            if item.spec.id in dropped:
                at = dropped[item.spec.id]
                errors.append(TemplateError(at.path, at.line, at.col, f"drop: '{item.spec.id}' is dropped "
                                                                      "and also redefined by this template"))
    items: dict[str, list[RawItem]] = {}
    for phase in PHASE_IDS:
        out: list[RawItem] = []
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
    return Resolved(merged, items, [*child.sources, *parent.sources], [*child.data, *parent.data])


def _merge_named(parent: Sequence[Any], child: Sequence[Any]) -> list[Any]:
    by_name = {value.name: value for value in child}
    out = [by_name.pop(value.name, value) for value in parent]
    out.extend(value for value in child if value.name in by_name)
    return out


def check_references(resolved: Resolved, errors: list[TemplateError], dropped: set[str]) -> None:
    by_id: dict[str, RawItem] = {}
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


def _check_cycles(by_id: dict[str, RawItem], errors: list[TemplateError]) -> None:
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
