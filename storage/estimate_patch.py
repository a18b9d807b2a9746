"""Proposed estimates written as a template overlay (``extends`` the run's template and
redefines the items whose estimate changes); never writes a template by itself."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import yaml
from updeck.models.compare import exact_duration
from updeck.models.template import ItemSpec, Template


def _ttime(offset: int) -> str:
    if offset == 0:
        return "T"
    return ("T-" if offset < 0 else "T+") + exact_duration(abs(offset))


def item_to_file(spec: ItemSpec, estimate: int | None = None) -> dict[str, Any]:
    """An item as the template format writes it (every key it sets), with ``estimate``
    replaced when given."""
    out: dict[str, Any] = {"id": spec.id, "title": spec.title}
    if spec.details:
        out["details"] = spec.details
    if spec.kind != "task":
        out["kind"] = spec.kind
    for key in ("owner",):
        if getattr(spec, key):
            out[key] = getattr(spec, key)
    if not spec.required:
        out["required"] = False
    value = estimate if estimate is not None else spec.estimate
    if value is not None:
        out["estimate"] = exact_duration(value)
    if spec.depends_on:
        out["depends_on"] = list(spec.depends_on)
    if spec.at is not None:
        out["at"] = _ttime(spec.at)
    if spec.due is not None:
        out["due"] = _ttime(spec.due)
    for key in ("verify", "rollback"):
        if getattr(spec, key):
            out[key] = getattr(spec, key)
    if spec.rollback_estimate is not None:
        out["rollback_estimate"] = exact_duration(spec.rollback_estimate)
    if spec.point_of_no_return:
        out["point_of_no_return"] = True
    if spec.approvers:
        out["approvers"] = list(spec.approvers)
    for key in ("priority", "goal"):
        if getattr(spec, key):
            out[key] = getattr(spec, key)
    if spec.covers:
        out["covers"] = list(spec.covers)
    if spec.cost is not None:
        out["cost"] = spec.cost
    for key in ("audience", "baseline", "target", "when"):
        if getattr(spec, key):
            out[key] = getattr(spec, key)
    if spec.tags:
        out["tags"] = list(spec.tags)
    for key, extra in spec.extensions.items():
        out[key] = extra
    return out


def estimates_patch(template: Template, estimates: Mapping[str, int], *, basis: str,
                    runs: Sequence[str]) -> str:
    """YAML of a template that ``extends`` ``template`` and redefines each item whose
    proposed estimate differs from its own (repeating its other keys: a redefined item
    replaces the parent's whole)."""
    phases: dict[str, dict[str, list[dict[str, Any]]]] = {}
    changed = 0
    for spec in template.items():
        proposed = estimates.get(spec.id)
        if proposed is None or proposed == spec.estimate:
            continue
        phases.setdefault(spec.phase, {"items": []})["items"].append(item_to_file(spec, proposed))
        changed += 1
    doc: dict[str, Any] = {
        "format": 1,
        "id": f"{template.id}-rehearsed"[:64],
        "name": f"{template.name} (estimates from rehearsals)",
        "extends": template.id,
    }
    if template.version:
        doc["version"] = template.version
    if phases:
        doc["phases"] = phases
    header = (f"# Proposed estimates for template {template.id}: the {basis} of the actual\n"
              f"# durations in {', '.join(runs)}.\n"
              f"# {changed} item(s) redefined; review before use (updeck validate FILE).\n")
    body = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=10_000,
                          default_flow_style=False)
    return header + body
