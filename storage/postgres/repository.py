"""The projects of a PostgreSQL database, behind the same contract as the data folder.

One :class:`PgRepository` per process (thread-safe: one connection under a lock, plus the
listening thread). A write is one transaction: ``SELECT ... FOR UPDATE`` on the project's
row (waiting at most ``lock_timeout``, else :class:`Busy` as with files), read what other
writers appended, check that the head (seq, hash) is the one the events end with, decide,
insert the events, move the head, ``NOTIFY`` the project's channel, commit. The primary key
``(project_id, seq)`` and the chain trigger (:mod:`.schema`) make a fork impossible even for
a writer that skipped the lock. Reads are cached per process as with files.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from updeck.models.commands import Command, CreateProject, Refusal
from updeck.models.engine import apply, decide, fold
from updeck.models.events import GENESIS, ChainBreak, Event, Operator, utc_now, verify_chain
from updeck.models.project import Project
from updeck.models.state import ProjectState
from updeck.storage import witness
from updeck.storage.contract import resolve_ref
from updeck.storage.errors import (
    Busy,
    DamagedProject,
    LogRewritten,
    ProjectExists,
    ProjectNotFound,
    StorageError,
)
from updeck.storage.layout import PROJECT_ID_RE
from updeck.storage.postgres import schema as pg_schema
from updeck.storage.postgres.dsn import check_address, describe
from updeck.storage.postgres.link import Link, connect, psycopg_module
from updeck.storage.postgres.listener import Listener, channel_name
from updeck.storage.postgres.pg_log import (
    SNAPSHOT_EVERY,
    Broken,
    PgLog,
    apply_checked,
    decode_rows,
    event_row,
    read_cold,
    snapshot_row,
)
from updeck.storage.postgres.pg_outbox import PgOutbox
from updeck.storage.postgres.pg_witness import PgWitness, event_at_seq
from updeck.storage.project_create import importable_state

_INSERT_EVENT = "INSERT INTO events (project_id, seq, prev, hash, doc) VALUES (%s, %s, %s, %s, %s)"
_INSERT_SNAPSHOT = ("INSERT INTO snapshots (project_id, seq, last_hash, fingerprint, state) "
                    "VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING")


class PgRepository:
    """The projects of one PostgreSQL schema. See docs/contracts.md (storage)."""

    def __init__(self, dsn: str, *, schema: str = pg_schema.DEFAULT_SCHEMA,
                 lock_timeout: float = 10.0) -> None:
        self.dsn = check_address(dsn)
        self.schema = pg_schema.identifier(schema)
        self.lock_timeout = lock_timeout
        self.label = describe(self.dsn)
        self._link = Link(self.dsn, self.schema, self.label, lock_timeout)  # for FOR UPDATE
        self._store_key = hashlib.sha256(f"{self.label}|{self.schema}".encode()).hexdigest()[:24]
        self._cache: dict[str, PgLog] = {}
        self._thread_locks: dict[str, threading.RLock] = {}
        self._witnesses = PgWitness()
        self._guard = threading.Lock()
        self._listener: Listener | None = None
        self._unreachable_polls = 0

    # --- the store ---------------------------------------------------------------------

    def where(self) -> str:
        return self.label if self.schema == pg_schema.DEFAULT_SCHEMA else \
            f"{self.label} (schema {self.schema})"

    def check(self) -> None:
        """Connect and check the schema's version (the CLI's first contact)."""
        with self._link.use() as conn:
            pg_schema.check_version(conn, self.schema)

    def reopen(self, *, lock_timeout: float | None = None) -> PgRepository:
        return PgRepository(self.dsn, schema=self.schema, lock_timeout=self.lock_timeout
                            if lock_timeout is None else lock_timeout)

    def close(self) -> None:
        self.forget()
        if self._listener is not None:
            self._listener.stop()
            self._listener = None
        self._link.drop()

    def notify_outbox(self, project_id: str) -> PgOutbox:
        """The project's notification outbox and sender lease (on this connection)."""
        return PgOutbox(self._link, project_id)

    @property
    def connection_down(self) -> bool:
        return self._link.down

    def _place(self, project_id: str) -> Path:
        """The project's key for the witness files (no such folder exists)."""
        return Path("/postgresql") / self._store_key / project_id

    def _thread_lock(self, project_id: str) -> threading.RLock:
        with self._guard:
            lock = self._thread_locks.get(project_id)
            if lock is None:
                lock = self._thread_locks[project_id] = threading.RLock()
            return lock

    # --- creating and listing ------------------------------------------------------------

    def create_project(self, project: Project, by: Operator, at: datetime | None = None) -> ProjectState:
        if not PROJECT_ID_RE.match(project.id):
            raise StorageError(f"{project.id!r} is not a usable project id "
                               "(letters, digits, '.', '_' and '-')")
        result = decide(None, CreateProject(project=project, by=by, at=at or utc_now()))
        if isinstance(result, Refusal):  # pragma: no cover - decide(None, Create) never refuses
            raise StorageError(result.reason)
        return self.import_log(result)

    def import_log(self, events: list[Event], *, segment_size: int | None = None) -> ProjectState:
        """A new project from a whole, sealed log (verified first), in one transaction:
        a restore, a move from a data folder. ``ProjectExists`` if the id is taken."""
        state = importable_state(events)
        project_id = state.project.id
        if not PROJECT_ID_RE.match(project_id):
            raise StorageError(f"{project_id!r} is not a usable project id")
        snap = None
        if len(events) > SNAPSHOT_EVERY:  # as the writers leave it: the newest events after it
            middle = (len(events) - 1) // SNAPSHOT_EVERY * SNAPSHOT_EVERY
            snap = snapshot_row(project_id, fold(events[:middle]), self._place(project_id))
        with self._link.use() as conn, conn.transaction():
            added = conn.execute(
                "INSERT INTO projects (id, name, created_at, head_seq, head_hash) "
                "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING RETURNING id",
                (project_id, state.project.name, events[0].at, state.seq,
                 state.last_hash)).fetchone()
            if added is None:
                raise ProjectExists(project_id)
            with conn.cursor() as cur, cur.copy(
                    "COPY events (project_id, seq, prev, hash, doc) FROM STDIN") as copy:
                for event in events:
                    copy.write_row(event_row(project_id, event))
            if snap is not None:
                conn.execute(_INSERT_SNAPSHOT, snap)
            conn.execute("SELECT pg_notify(%s, %s)", (self._channel(project_id), str(state.seq)))
        return self.load(project_id)

    def project_ids(self) -> list[str]:
        with self._link.use() as conn:
            return [row[0] for row in conn.execute("SELECT id FROM projects ORDER BY id")]

    def list_projects(self) -> list[ProjectState]:
        states = []
        for project_id in self.project_ids():
            with contextlib.suppress(DamagedProject, ProjectNotFound):
                states.append(self.load(project_id))
        return states

    def damaged_projects(self) -> list[DamagedProject]:
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
        with self._link.use() as conn:
            row = conn.execute("SELECT name FROM projects WHERE id = %s", (project_id,)).fetchone()
        return None if row is None else str(row[0])

    def resolve(self, ref: str) -> str:
        with self._link.use() as conn:
            rows = conn.execute("SELECT id, name FROM projects ORDER BY id").fetchall()
        names = {str(pid): str(name) for pid, name in rows}
        return resolve_ref(ref, list(names), names)

    # --- reading ---------------------------------------------------------------------------

    def load(self, project_id: str) -> ProjectState:
        return self._sync(project_id).state

    def events(self, project_id: str, since_seq: int = 0) -> list[Event]:
        with self._thread_lock(project_id):
            return self._tail(project_id, self._sync(project_id), since_seq)

    def refresh(self, project_id: str) -> tuple[ProjectState, list[Event]]:
        with self._thread_lock(project_id):
            cached = self._sync(project_id)
            new = self._tail(project_id, cached, cached.seen)
            cached.seen = cached.state.seq
            return cached.state, new

    def changes_since(self, project_id: str, seq: int) -> tuple[ProjectState, list[Event]]:
        with self._thread_lock(project_id):
            cached = self._sync(project_id)
            return cached.state, self._tail(project_id, cached, seq)

    def stamp(self, project_id: str) -> tuple[int, ...]:
        """The change marker: the project's head seq (one indexed read); ``(-1, n)`` while
        the database is unreachable (always new, so the reader asks and is told why)."""
        try:
            with self._link.use() as conn:
                row = conn.execute("SELECT head_seq FROM projects WHERE id = %s",
                                   (project_id,)).fetchone()
        except StorageError:
            self._unreachable_polls += 1
            return (-1, self._unreachable_polls)
        return (int(row[0]) if row else 0,)

    def wait_for_change(self, project_id: str, stamp: tuple[int, ...], timeout: float) -> bool:
        """Sleep until a NOTIFY on the project's channel (LISTEN on a connection of its own)
        or ``timeout``; True when the stamp then differs from ``stamp``. While the listening
        connection is down this is a plain poll every 0.3 s."""
        if self._listener is None:
            with self._guard:
                if self._listener is None:
                    self._listener = Listener(lambda: connect(self.dsn, self.schema, self.label))
        channel = self._channel(project_id)
        count = self._listener.counter(channel)
        if self.stamp(project_id) != stamp:
            return True
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            if count is not None and self._listener.healthy:
                self._listener.wait(channel, count, left)
            else:
                time.sleep(min(left, 0.3))
            if self.stamp(project_id) != stamp:
                return True
            count = self._listener.counter(channel)
        return False

    def chain_head(self, project_id: str) -> tuple[int, str]:
        state = self.load(project_id)
        return state.seq, state.last_hash

    def notice(self, project_id: str) -> str | None:
        return None

    def log_rewritten(self, project_id: str) -> str | None:
        with self._thread_lock(project_id):
            self._sync(project_id)
            return self._witnesses.rewritten.get(project_id)

    def check_log(self, project_id: str) -> ChainBreak | None:
        """The whole chain read again from the database (not the cache)."""
        with self._link.use() as conn:
            if conn.execute("SELECT 1 FROM projects WHERE id = %s", (project_id,)).fetchone() is None:
                raise ProjectNotFound(project_id)
            rows = conn.execute("SELECT seq, doc FROM events WHERE project_id = %s ORDER BY seq",
                                (project_id,)).fetchall()
        try:
            events = decode_rows(rows, self._cache_decoder(project_id), 0, GENESIS)
        except Broken as exc:
            return ChainBreak(exc.seq - 1, exc.seq, exc.reason)
        if not events:
            return ChainBreak(0, 1, "the project has no events")
        return verify_chain(events)

    def _cache_decoder(self, project_id: str) -> Any:
        cached = self._cache.get(project_id)
        from updeck.storage.layout import EventDecoder

        return cached.decoder if cached is not None else EventDecoder()

    # --- writing ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def locked(self, project_id: str) -> Iterator[None]:
        """Hold the project's row lock (``Busy`` after ``lock_timeout``) in a transaction."""
        with self._thread_lock(project_id), self._link.use() as conn, conn.transaction():
            self._lock_row(conn, project_id)
            yield

    def _lock_row(self, conn: Any, project_id: str) -> tuple[int, str]:
        psycopg = psycopg_module()
        try:
            row = conn.execute("SELECT head_seq, head_hash FROM projects WHERE id = %s FOR UPDATE",
                               (project_id,)).fetchone()
        except psycopg.errors.LockNotAvailable:
            raise Busy(project_id, self.lock_timeout) from None
        if row is None:
            raise ProjectNotFound(project_id)
        return int(row[0]), str(row[1])

    def submit(self, project_id: str, command: Command) -> list[Event] | Refusal:
        """Decide ``command`` against the newest state and append its events in one
        transaction under the project's row lock; see the module docstring."""
        with self._thread_lock(project_id), self._link.use() as conn, conn.transaction():
            head = self._lock_row(conn, project_id)
            cached = self._sync(project_id)
            if (cached.state.seq, cached.state.last_hash) != head:
                raise DamagedProject(Path(f"[project {project_id}]"),
                                     f"the head row says #{head[0]} but the events end at "
                                     f"#{cached.state.seq}", project_id=project_id)
            problem = self._witnesses.rewritten.get(project_id)
            if problem is not None:
                raise LogRewritten(project_id, problem, witness.witness_path(cached.place))
            result = decide(cached.state, command)
            if isinstance(result, Refusal) or not result:
                return result
            new_state = cached.state
            for event in result:
                new_state = apply(new_state, event)
            with conn.cursor() as cur:
                cur.executemany(_INSERT_EVENT, [event_row(project_id, e) for e in result])
            conn.execute("UPDATE projects SET head_seq = %s, head_hash = %s WHERE id = %s",
                         (new_state.seq, new_state.last_hash, project_id))
            if cached.state.seq // SNAPSHOT_EVERY != new_state.seq // SNAPSHOT_EVERY:
                snap = snapshot_row(project_id, new_state, cached.place)
                if snap is not None:
                    conn.execute(_INSERT_SNAPSHOT, snap)
            conn.execute("SELECT pg_notify(%s, %s)",
                         (self._channel(project_id), str(new_state.seq)))
        # committed (leaving the block without an exception): now it is acknowledged
        with self._thread_lock(project_id):
            if cached.state.seq == result[0].seq - 1:
                cached.state = new_state
                cached.events.extend(result)
            self._witness(project_id, cached)
        return result

    # --- the cache -------------------------------------------------------------------------

    def _channel(self, project_id: str) -> str:
        return channel_name(self.schema, project_id)

    def _tail(self, project_id: str, cached: PgLog, since_seq: int) -> list[Event]:
        since_seq = max(since_seq, 0)
        if since_seq < cached.base:
            with self._link.use() as conn:
                rows = conn.execute("SELECT seq, doc FROM events WHERE project_id = %s "
                                    "AND seq <= %s ORDER BY seq", (project_id, cached.base)).fetchall()
            try:
                prefix = decode_rows(rows, cached.decoder, 0, GENESIS, full_from=cached.base)
            except Broken as exc:
                raise self._damaged(project_id, exc) from None
            if len(prefix) != cached.base or (cached.events and cached.events[0].prev != prefix[-1].hash):
                raise self._damaged(project_id, Broken(cached.base, "the older events do not "
                                                       "lead to the snapshot"))
            cached.events[:0] = prefix
            cached.base = 0
        return cached.events[since_seq - cached.base:]

    def _damaged(self, project_id: str, exc: Broken) -> DamagedProject:
        return DamagedProject(Path(f"[events of project {project_id}]"), str(exc),
                              project_id=project_id, good_seq=exc.seq - 1)

    def _sync(self, project_id: str) -> PgLog:
        with self._thread_lock(project_id), self._link.use() as conn:
            cached = self._cache.get(project_id)
            if cached is None:
                if not PROJECT_ID_RE.match(project_id):
                    raise ProjectNotFound(project_id)
                cached = read_cold(conn, project_id, self._place(project_id), self.label)
                self._cache[project_id] = cached
            else:
                self._catch_up(conn, project_id, cached)
            self._witness(project_id, cached)
            return cached

    def _catch_up(self, conn: Any, project_id: str, cached: PgLog) -> None:
        """Read and check the events other writers appended since."""
        rows = conn.execute("SELECT seq, doc FROM events WHERE project_id = %s AND seq > %s "
                            "ORDER BY seq", (project_id, cached.state.seq)).fetchall()
        if rows:
            try:
                new = decode_rows(rows, cached.decoder, cached.state.seq, cached.state.last_hash)
                cached.state = apply_checked(cached.state, new)
            except Broken as exc:
                raise self._damaged(project_id, exc) from None
            cached.events.extend(new)

    def _witness(self, project_id: str, cached: PgLog) -> None:
        def catch_up() -> None:
            with self._link.use() as conn:
                self._catch_up(conn, project_id, cached)

        def event_at(seq: int) -> list[Event]:
            with self._link.use() as conn:
                return event_at_seq(conn, project_id, seq, cached.decoder)

        self._witnesses.check(project_id, cached, catch_up, event_at)

    def forget(self, project_id: str | None = None) -> None:
        with self._guard:
            ids = [project_id] if project_id else list(self._cache)
            for pid in ids:
                self._cache.pop(pid, None)
                self._witnesses.forget(pid)


def open_postgres(dsn: str, *, lock_timeout: float = 10.0,
                  schema: str = pg_schema.DEFAULT_SCHEMA) -> PgRepository:
    """The repository of a database address, checked (reachable, schema at our version)."""
    repo = PgRepository(dsn, schema=schema, lock_timeout=lock_timeout)
    repo.check()
    return repo
