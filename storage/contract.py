"""The repository contract both backends keep (files and PostgreSQL); the faces type against it.

:class:`updeck.storage.repository.Repository` (a data folder of TinyDB files, the default)
and :class:`updeck.storage.postgres.repository.PgRepository` satisfy it; the CLI and the
dashboard only ever see a :class:`ProjectRepository`. docs/contracts.md (storage) says what
each method promises; tests/storage/test_repository_contract.py runs the same tests on both.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Protocol, runtime_checkable

from updeck.models.commands import Command, Refusal
from updeck.models.events import ChainBreak, Event, Operator
from updeck.models.project import Project
from updeck.models.state import ProjectState
from updeck.storage.errors import AmbiguousProject, DamagedProject, ProjectNotFound


@runtime_checkable
class ProjectRepository(Protocol):
    """The projects of one store: a data folder or a PostgreSQL database."""

    lock_timeout: float

    def where(self) -> str:
        """The store, for people: the folder, or the database address without a password."""
        ...

    def reopen(self, *, lock_timeout: float | None = None) -> ProjectRepository:
        """A second repository on the same store with its own cache (and connection)."""
        ...

    def close(self) -> None:
        """Drop the caches and release connections (a closed repository may be reused)."""
        ...

    # --- creating and listing
    def create_project(self, project: Project, by: Operator,
                       at: datetime | None = None) -> ProjectState: ...

    def import_log(self, events: list[Event]) -> ProjectState: ...

    def project_ids(self) -> list[str]: ...

    def list_projects(self) -> list[ProjectState]: ...

    def damaged_projects(self) -> list[DamagedProject]: ...

    def project_name(self, project_id: str) -> str | None: ...

    def resolve(self, ref: str) -> str: ...

    # --- reading
    def load(self, project_id: str) -> ProjectState: ...

    def events(self, project_id: str, since_seq: int = 0) -> list[Event]: ...

    def refresh(self, project_id: str) -> tuple[ProjectState, list[Event]]: ...

    def changes_since(self, project_id: str, seq: int) -> tuple[ProjectState, list[Event]]: ...

    def stamp(self, project_id: str) -> tuple[int, ...]: ...

    def chain_head(self, project_id: str) -> tuple[int, str]: ...

    def notice(self, project_id: str) -> str | None: ...

    def log_rewritten(self, project_id: str) -> str | None: ...

    def check_log(self, project_id: str) -> ChainBreak | None: ...

    # --- writing
    def submit(self, project_id: str, command: Command) -> list[Event] | Refusal: ...

    def locked(self, project_id: str) -> AbstractContextManager[None]: ...

    def forget(self, project_id: str | None = None) -> None: ...


def resolve_ref(ref: str, ids: Sequence[str], name_of: dict[str, str]) -> str:
    """A project id from an id, or a prefix of an id or a name that matches one project.

    An exact id wins, then an exact name (case-insensitive), then prefixes.
    ``ProjectNotFound`` when nothing matches, ``AmbiguousProject`` (with the candidates)
    when several do. ``name_of`` maps ids to names ("" when unknown).
    """
    ref = ref.strip()
    if not ref:
        raise ProjectNotFound(ref)
    if ref in ids:
        return ref
    folded = ref.casefold()
    names = {pid: name_of.get(pid, "") for pid in ids}
    exact = [pid for pid in ids if names[pid].casefold() == folded]
    if len(exact) == 1:
        return exact[0]
    matches = [pid for pid in ids
               if pid.startswith(ref) or names[pid].casefold().startswith(folded)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise ProjectNotFound(ref)
    raise AmbiguousProject(ref, [f"{pid} ({names[pid]})" if names[pid] else pid
                                 for pid in matches])
