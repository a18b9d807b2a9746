"""Warnings about a valid template: verify commands that cannot fail, and a point of no
return with no rollback plan before it. ``updeck validate`` prints them; ``--strict``
makes them errors."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from updeck.models.phases import PHASE_IDS
from updeck.models.verify_verdict import cannot_fail
from updeck.storage.template_errors import TemplateError
from updeck.storage.template_loader import load_chain
from updeck.storage.template_schema import RawItem
from updeck.storage.template_session import TemplateSession


def lint_file(path: str | os.PathLike[str],
              search_path: Sequence[str | os.PathLike[str]] | None = None) -> list[TemplateError]:
    """The warnings of a template file (and the parents it extends), sorted; none when the
    file has errors (those come first)."""
    session = TemplateSession(None if search_path is None else [Path(p) for p in search_path])
    errors: list[TemplateError] = []
    try:
        resolved, _ = load_chain(session, Path(path), os.fspath(path), [], errors)
    except Exception:  # the loader reports every problem as an error; nothing to add here
        return []
    if resolved is None or errors:
        return []
    dropped = {item_id for item_id, _ in resolved.raw.drop}
    ordered = [item for phase in PHASE_IDS for item in resolved.items.get(phase, [])
               if item.spec.id not in dropped]
    return sorted(set(lint_items(ordered)), key=lambda w: (w.path, w.line, w.col, w.message))


def lint_items(ordered: Sequence[RawItem]) -> list[TemplateError]:
    """Warnings for items in template order (phase by phase)."""
    warnings: list[TemplateError] = []
    by_id = {item.spec.id: item for item in ordered}
    for index, item in enumerate(ordered):
        spec = item.spec
        if spec.verify.strip() and (why := cannot_fail(spec.verify)) is not None:
            at = item.value_pos.get("verify", item.pos)
            warnings.append(TemplateError(at.path, at.line, at.col,
                                          f"warning: item '{spec.id}': {why}; make it fail when "
                                          "the check fails (or use expect_exit/expect_output)"))
        if spec.point_of_no_return:
            before = {i.spec.id for i in ordered[:index]} | _ancestors(spec.id, by_id)
            if not any(by_id[i].spec.rollback.strip() for i in before if i in by_id):
                at = item.value_pos.get("point_of_no_return", item.pos)
                warnings.append(TemplateError(
                    at.path, at.line, at.col,
                    f"warning: item '{spec.id}' is a point of no return, but no item before it "
                    "has a rollback plan; give the steps before it a rollback"))
    return warnings


def _ancestors(item_id: str, by_id: dict[str, RawItem]) -> set[str]:
    seen: set[str] = set()
    todo = list(by_id[item_id].spec.depends_on)
    while todo:
        current = todo.pop()
        if current in seen or current not in by_id:
            continue
        seen.add(current)
        todo.extend(by_id[current].spec.depends_on)
    return seen
