"""Templates on the search path: list them all (with shadowing) and find one by id or path."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from updeck.storage.template_errors import TemplateError, TemplateErrors, TemplateNotFound
from updeck.storage.template_loader import LoadedTemplate, load_checked, load_template_file
from updeck.storage.template_session import (
    TEMPLATE_SUFFIXES,
    TemplateSession,
    available_ids,
    file_key,
    quick_id,
    template_files,
)


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


def discover(search_path: Sequence[str | os.PathLike[str]] | None = None) -> list[TemplateEntry]:
    """Every template file on the search path, in search order.

    A later template with the id of an earlier valid one is ``shadowed``. A broken file
    is listed with its ``errors`` (its id guessed from its text, else its file name) and
    never hides a good one.
    """
    session = TemplateSession(None if search_path is None else [Path(p) for p in search_path])
    entries: list[TemplateEntry] = []
    winners: set[str] = set()
    seen: set[Path] = set()
    for folder in session.search_path:
        for path in template_files(folder):
            key = file_key(path)
            if key in seen:
                continue
            seen.add(key)
            try:
                loaded = load_checked(session, path)
            except TemplateErrors as exc:
                _, raw, _, _ = session.parse(path, str(path))
                guessed = raw.id or quick_id(path) or path.stem
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
            session = TemplateSession(None if search_path is None else [Path(p) for p in search_path])
            raise TemplateNotFound(text, available_ids(session), is_path=True)
        return load_template_file(as_path, search_path)
    session = TemplateSession(None if search_path is None else [Path(p) for p in search_path])
    first_broken: TemplateErrors | None = None
    for candidate in session.candidates(text):
        _, raw, _, _ = session.parse(candidate, str(candidate))
        if raw.id != text:
            continue
        try:
            return load_checked(session, candidate)
        except TemplateErrors as exc:
            first_broken = first_broken or exc
    if first_broken is not None:
        raise first_broken
    raise TemplateNotFound(text, available_ids(session))
