"""The projects in a data folder, shared by the CLI and the dashboard (a facade over the log files).

One :class:`Repository` per process (it is thread-safe). Every write is
``lock -> read what is new -> decide -> append -> durable write -> unlock``; reads never
lock. Each process caches the folded state of the projects it looked at and reads only
what other processes appended since (see :mod:`updeck.storage.layout` for the files).

The work lives in :mod:`updeck.storage.log_segments` (one project's log as this process
holds it: catch up, append), :mod:`updeck.storage.log_reader` (a cold open from the newest
snapshot, ``check_log``), :mod:`updeck.storage.snapshot_store` (snapshot files) and
:mod:`updeck.storage.project_create` (a new project folder from a sealed log).
"""

from __future__ import annotations

import contextlib
import gc
import os
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from updeck.models.commands import Command, CreateProject, Refusal
from updeck.models.engine import decide
from updeck.models.events import ChainBreak, Event, Operator, utc_now
from updeck.models.project import Project
from updeck.models.state import ProjectState
from updeck.storage import layout, log_reader, witness
from updeck.storage.atomic_storage import clean_stale_temps, iter_names, stat_key
from updeck.storage.contract import ProjectRepository, resolve_ref
from updeck.storage.errors import (
    Busy,
    DamagedProject,
    LogRewritten,
    ProjectExists,
    ProjectNotFound,
    StorageError,
)
from updeck.storage.layout import Damage, segment_path
from updeck.storage.locations import data_dir as default_data_dir
from updeck.storage.locked_db import WriteLock
from updeck.storage.log_segments import (
    CachedLog,
    append_events,
    catch_up,
    damaged_error,
    fill_prefix,
    fixed_files_changed,
)
from updeck.storage.project_create import write_new_project

__all__ = ["Busy", "DamagedProject", "ProjectExists", "ProjectNotFound", "Repository",
           "open_repository"]

TEMP_SWEEP_EVERY = 60.0  # seconds between stale-temp sweeps of one project, per process
FREEZE_AFTER = 10_000  # gc.freeze() after loading a log at least this long


class Repository:
    """The projects of one data folder. See docs/contracts.md (storage) for the contract."""

    def __init__(self, data_dir: Path, *, lock_timeout: float = 10.0,
                 segment_size: int = layout.DEFAULT_SEGMENT_SIZE,
                 segment_bytes: int = layout.DEFAULT_SEGMENT_BYTES) -> None:
        self.data_dir = Path(data_dir)
        self.lock_timeout = lock_timeout
        # for new projects (kept in their project.json); existing ones keep theirs
        self.segment_size = segment_size
        self.segment_bytes = segment_bytes
        self._cache: dict[str, CachedLog] = {}
        self._damaged: dict[str, tuple[tuple[Any, ...], DamagedProject]] = {}
        self._names: dict[str, str] = {}
        self._locks: dict[str, WriteLock] = {}
        self._thread_locks: dict[str, threading.RLock] = {}
        self._swept: dict[str, float] = {}
        self._witnessed: dict[str, tuple[int, str]] = {}  # heads checked against the witness
        self._rewritten: dict[str, str] = {}  # project -> what the witness contradicts
        self._guard = threading.Lock()

    def where(self) -> str:
        """The data folder, for people."""
        return str(self.data_dir)

    def reopen(self, *, lock_timeout: float | None = None) -> Repository:
        """A second repository on the same folder, with its own cache."""
        return Repository(self.data_dir, lock_timeout=self.lock_timeout if lock_timeout is None
                          else lock_timeout, segment_size=self.segment_size,
                          segment_bytes=self.segment_bytes)

    def close(self) -> None:
        """Drop the caches (files hold no connection)."""
        self.forget()

    # --- paths ---------------------------------------------------------------------

    @property
    def projects_dir(self) -> Path:
        return self.data_dir / layout.PROJECTS

    def project_dir(self, project_id: str) -> Path:
        if not layout.PROJECT_ID_RE.match(project_id):
            raise ProjectNotFound(project_id)
        return self.projects_dir / project_id

    def _thread_lock(self, project_id: str) -> threading.RLock:
        with self._guard:
            lock = self._thread_locks.get(project_id)
            if lock is None:
                lock = self._thread_locks[project_id] = threading.RLock()
            return lock

    def _write_lock(self, project_id: str, folder: Path) -> WriteLock:
        with self._guard:
            lock = self._locks.get(project_id)
            if lock is None:
                lock = self._locks[project_id] = WriteLock(folder, project_id, self.lock_timeout)
            return lock

    @contextlib.contextmanager
    def locked(self, project_id: str) -> Iterator[None]:
        """Hold the project's write lock (``Busy`` after ``lock_timeout``)."""
        folder = self.project_dir(project_id)
        if not folder.is_dir():
            raise ProjectNotFound(project_id)
        with self._thread_lock(project_id), self._write_lock(project_id, folder).held():
            self._sweep(project_id, folder)
            yield

    def _sweep(self, project_id: str, folder: Path) -> None:
        now = time.monotonic()
        if now - self._swept.get(project_id, -TEMP_SWEEP_EVERY) >= TEMP_SWEEP_EVERY:
            clean_stale_temps(folder)
            self._swept[project_id] = now

    # --- creating and listing ---------------------------------------------------------

    def create_project(self, project: Project, by: Operator, at: datetime | None = None) -> ProjectState:
        """Write a new project (its first event creates it); ``ProjectExists`` if the id
        is taken. The project folder appears whole or not at all (built aside, renamed)."""
        if not layout.PROJECT_ID_RE.match(project.id):
            raise StorageError(f"{project.id!r} is not a usable project id "
                               "(letters, digits, '.', '_' and '-')")
        result = decide(None, CreateProject(project=project, by=by, at=at or utc_now()))
        if isinstance(result, Refusal):  # pragma: no cover - decide(None, Create) never refuses
            raise StorageError(result.reason)
        return self.import_log(result)

    def import_log(self, events: list[Event], *, segment_size: int | None = None) -> ProjectState:
        """Write a new project from a whole, sealed status log (its first event creates the
        project): a restore, a move between data folders, a benchmark. The chain is
        verified first; segments and the newest snapshot are written as the writers would.
        ``ProjectExists`` if the id is taken; the folder appears whole or not at all."""
        project_id = write_new_project(self.projects_dir, events, segment_size or self.segment_size,
                                       self.segment_bytes)
        return self.load(project_id)

    def project_ids(self) -> list[str]:
        """Ids of every project folder, sorted (damaged ones included)."""
        return sorted(name for name in iter_names(self.projects_dir)
                      if not name.startswith(".") and layout.PROJECT_ID_RE.match(name)
                      and (self.projects_dir / name).is_dir())

    def list_projects(self) -> list[ProjectState]:
        """Every readable project; damaged ones are skipped (see :meth:`damaged_projects`)."""
        states = []
        for project_id in self.project_ids():
            with contextlib.suppress(DamagedProject, ProjectNotFound):
                states.append(self.load(project_id))
        return states

    def damaged_projects(self) -> list[DamagedProject]:
        """The projects that cannot be read, each with the file and the reason (and the
        last good state in ``salvaged`` when one could be recovered)."""
        damaged = []
        for project_id in self.project_ids():
            try:
                self.load(project_id)
            except DamagedProject as exc:
                damaged.append(exc)
            except ProjectNotFound:
                continue
        return damaged

    def project_name(self, project_id: str) -> str | None:
        """The name from ``project.json`` (no log read); None when unreadable."""
        name = self._names.get(project_id)
        if name is None:
            try:
                meta = layout.read_project_meta(self.project_dir(project_id) / layout.PROJECT_FILE)
            except (Damage, ProjectNotFound):
                return None
            name = self._names[project_id] = str(meta.get("name", ""))
        return name

    def resolve(self, ref: str) -> str:
        """A project id from an id, or a prefix of an id or a name that matches one project.

        An exact id wins, then an exact name (case-insensitive), then prefixes.
        ``ProjectNotFound`` when nothing matches, ``AmbiguousProject`` (with the
        candidates) when several do.
        """
        ids = self.project_ids()
        if ref.strip() in ids:
            return ref.strip()
        return resolve_ref(ref, ids, {pid: self.project_name(pid) or "" for pid in ids})

    # --- reading ---------------------------------------------------------------------

    def load(self, project_id: str) -> ProjectState:
        """The project's current state (the fold of its log). Cached per process: a second
        call only reads events appended since. ``ProjectNotFound`` / ``DamagedProject``."""
        return self._sync(project_id).state

    def events(self, project_id: str, since_seq: int = 0) -> list[Event]:
        """The events with ``seq > since_seq``, oldest first."""
        with self._thread_lock(project_id):
            cached = self._sync(project_id)
            return self._tail(project_id, cached, since_seq)

    def refresh(self, project_id: str) -> tuple[ProjectState, list[Event]]:
        """The state and the events since this process's previous ``refresh`` (or since it
        first read the project), its own writes included, oldest first. One cursor per
        process and project: screens with their own pace use :meth:`changes_since`."""
        with self._thread_lock(project_id):
            cached = self._sync(project_id)
            new = self._tail(project_id, cached, cached.seen)
            cached.seen = cached.state.seq
            return cached.state, new

    def changes_since(self, project_id: str, seq: int) -> tuple[ProjectState, list[Event]]:
        """Like :meth:`refresh` but with the caller's own cursor (no shared state)."""
        with self._thread_lock(project_id):
            cached = self._sync(project_id)
            return cached.state, self._tail(project_id, cached, seq)

    def stamp(self, project_id: str) -> tuple[int, ...]:
        """A cheap change marker: two ``stat`` calls, no parsing. When it differs from the
        last one seen, :meth:`refresh` has something new (or a new segment to look at)."""
        if not layout.PROJECT_ID_RE.match(project_id):
            return (0, 0, 0, 0, 0)
        cached = self._cache.get(project_id)
        folder = self.projects_dir / project_id
        if cached is not None:
            number = cached.active
        else:
            numbers = layout.segment_numbers(list(iter_names(folder)))
            number = numbers[-1] if numbers else 0
        key = stat_key(segment_path(folder, number)) or (0, 0, 0)
        following = os.path.exists(segment_path(folder, number + 1))
        return (number, *key, int(following))

    def chain_head(self, project_id: str) -> tuple[int, str]:
        """``(seq, hash)`` of the newest event (the chain head people quote)."""
        state = self.load(project_id)
        return state.seq, state.last_hash

    def notice(self, project_id: str) -> str | None:
        """Something the reader should be told once about the last cold read (a snapshot
        that did not match the log and was replaced by a full replay), else None."""
        cached = self._cache.get(project_id)
        if cached is None or cached.notice is None:
            return None
        said, cached.notice = cached.notice, None
        return said

    def log_rewritten(self, project_id: str) -> str | None:
        """What this operator's witness contradicts in the log (cut or rewritten since it
        was seen), or None; writes are refused while it is not None."""
        with self._thread_lock(project_id):
            self._sync(project_id)
            return self._rewritten.get(project_id)

    def check_log(self, project_id: str) -> ChainBreak | None:
        """Verify the whole hash chain from disk (not the cache), across segments; the
        first bad event and why, or None when the log is intact."""
        folder = self.project_dir(project_id)
        if not folder.is_dir():
            raise ProjectNotFound(project_id)
        return log_reader.check_log(folder)

    # --- writing ---------------------------------------------------------------------

    def submit(self, project_id: str, command: Command) -> list[Event] | Refusal:
        """Decide ``command`` against the newest state and append its events durably.

        Under the project's write lock: read what other processes appended, decide,
        write, release. Returns the events written (acknowledged: on disk, fsync'd) or the
        engine's :class:`Refusal` (nothing written). ``Busy`` when the lock was not
        obtained within ``lock_timeout``; ``DamagedProject`` when the project cannot be
        read (nothing is written to it); ``WriteFailed`` when saving failed (disk full).
        """
        with self.locked(project_id):
            cached = self._sync(project_id)
            problem = self._rewritten.get(project_id)
            if problem is not None:
                raise LogRewritten(project_id, problem, witness.witness_path(cached.folder))
            result = decide(cached.state, command)
            if isinstance(result, Refusal) or not result:
                return result
            append_events(project_id, cached, result)
            self._witness(project_id, cached)
            return result

    def _tail(self, project_id: str, cached: CachedLog, since_seq: int) -> list[Event]:
        """The cached events after ``since_seq``, reading older sealed segments if needed."""
        since_seq = max(since_seq, 0)
        if since_seq < cached.base:
            try:
                fill_prefix(cached)
            except Damage as exc:
                raise damaged_error(project_id, exc, cached.state) from None
        return cached.events[since_seq - cached.base:]

    def _sync(self, project_id: str) -> CachedLog:
        """The cached project brought up to date with the disk."""
        with self._thread_lock(project_id):
            cached = self._cache.get(project_id)
            if cached is not None and fixed_files_changed(cached):
                # project.json or a sealed segment changed under us: never trust the cache
                # then, read everything again (and report the damage, if that is what it is)
                self.forget(project_id)
                cached = None
            if cached is None:
                cached = self._load_cold(project_id)
            else:
                try:
                    catch_up(cached)
                except Damage as exc:
                    raise damaged_error(project_id, exc, cached.state) from None
            self._witness(project_id, cached)
            return cached

    def _witness(self, project_id: str, cached: CachedLog) -> None:
        """Check the log against what this operator saw before, then record its head
        (:mod:`updeck.storage.witness`); a contradiction is kept and refuses writes."""
        head = (cached.state.seq, cached.state.last_hash)
        if self._witnessed.get(project_id) == head or project_id in self._rewritten:
            return
        seen = witness.load(cached.folder)
        if seen is not None and seen.seq > 0:
            tail: list[Event] = []
            if seen.seq <= head[0]:
                try:
                    tail = self._tail(project_id, cached, seen.seq - 1)[:1]
                except DamagedProject:
                    tail = []
            problem = witness.contradiction(seen, tail)
            if problem is not None:
                self._rewritten[project_id] = problem
                return
        if head[0] > 0 and (seen is None or head[0] > seen.seq):
            witness.record(cached.folder, *head)
        self._witnessed[project_id] = head

    def _load_cold(self, project_id: str) -> CachedLog:
        folder = self.project_dir(project_id)
        if not folder.is_dir():
            raise ProjectNotFound(project_id)
        self._migrate_if_needed(project_id, folder)
        signature = log_reader.signature(folder)
        known = self._damaged.get(project_id)
        if known is not None and known[0] == signature:
            raise known[1]
        gc_was_enabled = gc.isenabled()
        gc.disable()  # decoding makes many objects and no cycles: the GC only costs time
        try:
            cached = log_reader.read_log(project_id, folder)
        except DamagedProject as exc:
            self._damaged[project_id] = (signature, exc)
            raise
        finally:
            if gc_was_enabled:
                gc.enable()
        self._damaged.pop(project_id, None)
        self._cache[project_id] = cached
        if len(cached.events) >= FREEZE_AFTER:
            gc.freeze()  # keep the loaded log out of every future collection
        return cached

    def _migrate_if_needed(self, project_id: str, folder: Path) -> None:
        """Run ``layout.MIGRATIONS`` (v -> v + 1) under the write lock when the project was
        written with an older schema. Anything unreadable is left for the load to report."""
        version = log_reader.schema_of(folder)
        target = layout.SCHEMA_VERSION
        if version is None or not 1 <= version < target:
            return
        if any(v not in layout.MIGRATIONS for v in range(version, target)):
            return
        with self.locked(project_id):
            version = log_reader.schema_of(folder)  # another process may have done it meanwhile
            if version is None or not 1 <= version < target:
                return
            for v in range(version, target):
                layout.MIGRATIONS[v](folder)

    def forget(self, project_id: str | None = None) -> None:
        """Drop this process's cache (of one project, or all)."""
        with self._guard:
            ids = [project_id] if project_id else list(self._cache)
            for pid in ids:
                cached = self._cache.pop(pid, None)
                if cached is not None:
                    cached.db.close()
                self._damaged.pop(pid, None)
                self._witnessed.pop(pid, None)
                self._rewritten.pop(pid, None)


def open_repository(db: str | os.PathLike[str] | None = None, *,
                    lock_timeout: float | None = None) -> ProjectRepository:
    """The repository of ``--db`` / ``UPDECK_DB`` / the platform data folder: a
    ``postgresql://`` / ``postgres://`` URL or a ``service=NAME`` DSN opens PostgreSQL
    (:mod:`updeck.storage.postgres`, imported only then), anything else a data folder.
    ``UPDECK_LOCK_TIMEOUT`` (seconds) overrides the default lock timeout."""
    if lock_timeout is None:
        try:
            lock_timeout = float(os.environ.get("UPDECK_LOCK_TIMEOUT", "") or 10.0)
        except ValueError:
            lock_timeout = 10.0
    chosen = os.fspath(db) if db else os.environ.get("UPDECK_DB", "")
    from updeck.storage.postgres.dsn import is_database_address

    if is_database_address(chosen):
        from updeck.storage.postgres.repository import open_postgres

        return open_postgres(chosen, lock_timeout=lock_timeout)
    return Repository(default_data_dir(db), lock_timeout=lock_timeout)
