"""Errors that storage raises; each message is one sentence a person can act on."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class StorageError(Exception):
    """Base class: something about the data folder went wrong."""


class ProjectNotFound(StorageError):
    def __init__(self, ref: str) -> None:
        super().__init__(f"no project matches {ref!r}; `updeck list` shows the projects")
        self.ref = ref


class AmbiguousProject(StorageError):
    def __init__(self, ref: str, candidates: Sequence[str]) -> None:
        super().__init__(f"{ref!r} matches several projects: {', '.join(candidates)}; "
                         "give more of the id")
        self.ref = ref
        self.candidates = list(candidates)


class Busy(StorageError):
    """Another writer held the project's lock for too long."""

    def __init__(self, project_id: str, waited: float) -> None:
        super().__init__(f"project {project_id} is busy (another writer held it for "
                         f"{waited:.0f}s); retry")
        self.project_id = project_id


class DamagedProject(StorageError):
    """A project file that cannot be read is never overwritten; writes are refused."""

    def __init__(self, path: Path, reason: str, *, project_id: str = "",
                 salvaged: object | None = None, good_seq: int = 0) -> None:
        super().__init__(f"{path}: {reason}; the file was left untouched and writes to this "
                         "project are refused until it is repaired")
        self.path = path
        self.reason = reason
        self.project_id = project_id
        # The last good state (a updeck.models.state.ProjectState of the events up to good_seq)
        # when one could be recovered, else None. Typed loosely: errors import no models.
        self.salvaged = salvaged
        self.good_seq = good_seq


class ProjectExists(StorageError):
    def __init__(self, project_id: str) -> None:
        super().__init__(f"a project with the id {project_id!r} already exists")
        self.project_id = project_id


class WriteFailed(StorageError):
    """Saving failed (disk full, permissions): the change was not acknowledged. The files
    on disk are as they were before, except in the rare case the reason says otherwise."""

    def __init__(self, project_id: str, reason: str) -> None:
        super().__init__(f"project {project_id}: {reason}; the change was not acknowledged, "
                         "retry when fixed")
        self.project_id = project_id
        self.reason = reason


class LogRewritten(StorageError):
    """The log no longer holds an event this operator saw: cut or rewritten (witness)."""

    def __init__(self, project_id: str, problem: str, witness: Path) -> None:
        super().__init__(
            f"project {project_id}: {problem}; writes are refused. Compare with a chain head "
            f"recorded elsewhere (updeck check-log {project_id} --head N:HASH) and restore the "
            f"log from a backup; if the change was intended, remove {witness}")
        self.project_id = project_id
        self.problem = problem


class DatabaseProblem(StorageError):
    """The database named by ``--db``/``UPDECK_DB`` cannot be used as given (the CLI exits 2)."""


class DatabaseUnreachable(DatabaseProblem):
    """The PostgreSQL server does not answer (down, restarting, network); nothing was written
    unless the reason says the outcome of a write is unknown."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"the database {where} is unreachable ({reason}); nothing was changed "
                         "by this command. Check that the server runs and that "
                         f"`psql '{where}'` connects, then retry")
        self.where = where
        self.reason = reason
