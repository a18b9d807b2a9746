"""Load a template file or text with its extends chain into a checked Template and its sha256."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from updeck.models.phases import PHASE_IDS
from updeck.models.template import (
    PhaseSpec,
    Template,
)
from updeck.storage.template_errors import TemplateError, TemplateErrors
from updeck.storage.template_fields import Pos
from updeck.storage.template_inherit import Resolved, check_references, merge_parent
from updeck.storage.template_notify import check_rule_items
from updeck.storage.template_session import TemplateSession, available_ids, file_key

MAX_EXTENDS_DEPTH = 16


@dataclass(frozen=True, slots=True)
class LoadedTemplate:
    """A resolved template and where it came from (``sources``: child first)."""

    template: Template
    path: Path
    sha256: str
    sources: tuple[Path, ...]


def load_chain(session: TemplateSession, path: Path, shown: str, chain: list[Path],
          errors: list[TemplateError], data: bytes | None = None) -> tuple[Resolved | None, bool]:
    """Load ``path`` and its parents; errors go to ``errors``. Returns (resolved, unreadable)."""
    content, raw, own_errors, unreadable = session.parse(path, shown, data)
    errors.extend(own_errors)
    if content is None:
        return None, unreadable
    chain = [*chain, file_key(path)]
    items = {phase: list(values) for phase, values in raw.items.items()}
    resolved = Resolved(raw, items, [path], [content])
    if not raw.extends:
        return resolved, False
    extends_pos = raw.given.get("extends", Pos(shown, 1, 1))
    own_folder = [path.parent] if data is None else []
    parent = _find_parent(session, raw.extends, own_folder, chain, errors, extends_pos, shown)
    if parent is None:
        resolved.complete = False
        return resolved, False
    return merge_parent(parent, resolved, errors), False


def _find_parent(session: TemplateSession, parent_id: str, extra: list[Path], chain: list[Path],
                 errors: list[TemplateError], at: Pos, shown: str) -> Resolved | None:
    if len(chain) > MAX_EXTENDS_DEPTH:
        errors.append(TemplateError(shown, at.line, at.col, f"extends: more than {MAX_EXTENDS_DEPTH} "
                                                            "levels of inheritance; refused"))
        return None
    in_chain = False
    broken: list[TemplateError] = []
    broken_path: Path | None = None
    for candidate in session.candidates(parent_id, extra=extra):
        if file_key(candidate) in chain:
            if session.parse(candidate, str(candidate))[1].id == parent_id:
                in_chain = True
            continue
        raw = session.parse(candidate, str(candidate))[1]
        if raw.id != parent_id:
            continue
        parent_errors: list[TemplateError] = []
        resolved, _ = load_chain(session, candidate, str(candidate), chain, parent_errors)
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
    available = available_ids(session)
    errors.append(TemplateError(shown, at.line, at.col, f"extends: no template '{parent_id}' on the "
                                f"search path; available: {', '.join(available) or 'none'}"))
    return None


def _finish(resolved: Resolved, errors: list[TemplateError], path: Path) -> LoadedTemplate | None:
    raw = resolved.raw
    dropped = {item_id for item_id, _ in raw.drop}
    if resolved.complete:
        check_references(resolved, errors, dropped)
        item_ids = {item.spec.id for values in resolved.items.values() for item in values}
        check_rule_items(raw.notify, item_ids, errors)
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
        timezone=raw.timezone, extensions=raw.extensions, role_specs=tuple(raw.role_specs),
        enforce_owners=raw.enforce_owners, notify=tuple(r.rule for r in raw.notify),
    )
    digest = hashlib.sha256()
    for chunk in resolved.data:
        digest.update(chunk)
    return LoadedTemplate(template, path, digest.hexdigest(), tuple(resolved.sources))


def load_checked(session: TemplateSession, path: Path, data: bytes | None = None,
                  shown: str | None = None) -> LoadedTemplate:
    errors: list[TemplateError] = []
    shown = str(path) if shown is None else shown
    try:
        resolved, unreadable = load_chain(session, path, shown, [], errors, data)
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


def load_template_file(path: str | os.PathLike[str],
                       search_path: Sequence[str | os.PathLike[str]] | None = None) -> LoadedTemplate:
    """Load, validate and resolve one template file.

    ``search_path`` (default: :func:`updeck.storage.locations.template_search_path`) is where
    ``extends`` parents are looked up. Raises :class:`TemplateErrors` with every problem
    of the file and its parents.
    """
    session = TemplateSession(None if search_path is None else [Path(p) for p in search_path])
    return load_checked(session, Path(path), shown=os.fspath(path))


def load_template_text(text: str | bytes, name: str = "<template>",
                       search_path: Sequence[str | os.PathLike[str]] | None = None) -> LoadedTemplate:
    """Like :func:`load_template_file`, for text in memory; errors name ``name``."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    session = TemplateSession(None if search_path is None else [Path(p) for p in search_path])
    return load_checked(session, Path(name), data=data, shown=name)


def validate_file(path: str | os.PathLike[str],
                  search_path: Sequence[str | os.PathLike[str]] | None = None) -> list[TemplateError]:
    """Every problem of a template file, sorted by place; an empty list means valid."""
    try:
        load_template_file(path, search_path)
    except TemplateErrors as exc:
        return exc.errors
    return []
