"""The projects in a data folder, shared by the CLI and the dashboard.

One :class:`Repository` per process (it is thread-safe). Every write is
``lock -> read what is new -> decide -> append -> durable write -> unlock``; reads never
lock. Each process caches the folded state of the projects it looked at and reads only
what other processes appended since (see :mod:`updeck.storage.layout` for the files).
"""

from __future__ import annotations

import contextlib
import gc
import os
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from tinydb.table import Document
from updeck.models.commands import Command, CreateProject, Refusal
from updeck.models.engine import apply, decide, fold
from updeck.models.events import GENESIS, ChainBreak, Event, EventKind, Operator, utc_now, verify_chain
from updeck.models.project import Project, project_from_dict
from updeck.models.state import ProjectState
from updeck.storage import layout, snapshot
from updeck.storage.atomic_storage import (
    StatKey,
    UnreadableFile,
    WriteError,
    clean_stale_temps,
    dir_mode,
    ensure_shared_dir,
    fsync_dir,
    iter_names,
    read_tables,
    stat_key,
    write_atomic,
)
from updeck.storage.errors import (
    AmbiguousProject,
    Busy,
    DamagedProject,
    ProjectExists,
    ProjectNotFound,
    StorageError,
    WriteFailed,
)
from updeck.storage.layout import Damage, EventDecoder, segment_path
from updeck.storage.locations import data_dir as default_data_dir
from updeck.storage.locked_db import LOCK_NAME, LockedDB, WriteLock, open_db, storage_of

__all__ = ["Busy", "DamagedProject", "ProjectExists", "ProjectNotFound", "Repository",
           "open_repository"]

TEMP_SWEEP_EVERY = 60.0  # seconds between stale-temp sweeps of one project, per process
NEW_DIR_PREFIX = ".new-"
FREEZE_AFTER = 10_000  # gc.freeze() after loading a log at least this long


@dataclass(slots=True)
class _Cached:
    """What this process knows about one project."""

    folder: Path
    meta: dict[str, Any]
    state: ProjectState
    events: list[Event]
    active: int  # number of the newest segment read
    active_first: int  # first seq in it
    active_key: StatKey | None  # stat key of that segment as last read
    db: LockedDB  # TinyDB on the active segment (its storage holds the parse cache)
    seen: int = 0  # refresh() cursor: events up to this seq were handed out
    decoder: EventDecoder = field(default_factory=EventDecoder)
    # ``events`` holds the events after ``base`` (0: the whole log). A process that opened
    # the project from a snapshot reads the older, sealed segments only when asked.
    base: int = 0
    base_segment: int = 1  # the first segment whose events are in ``events``
    # path -> (size, mtime_ns) of the files that never change (project.json, sealed segments)
    fixed: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def active_count(self) -> int:
        return self.state.seq - self.active_first + 1

    @property
    def active_full(self) -> bool:
        nbytes = self.active_key[1] if self.active_key else 0
        return layout.segment_full(self.meta, self.active_count, nbytes)


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
        self._cache: dict[str, _Cached] = {}
        self._damaged: dict[str, tuple[tuple[Any, ...], DamagedProject]] = {}
        self._names: dict[str, str] = {}
        self._locks: dict[str, WriteLock] = {}
        self._thread_locks: dict[str, threading.RLock] = {}
        self._swept: dict[str, float] = {}
        self._guard = threading.Lock()

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
        broken = verify_chain(events)
        if broken is not None:
            raise StorageError(f"cannot import a broken log: {broken}")
        try:
            state = fold(events)
        except (ValueError, KeyError, TypeError) as exc:
            raise StorageError(f"cannot import: the log cannot be replayed ({exc})") from exc
        project = state.project
        if not layout.PROJECT_ID_RE.match(project.id):
            raise StorageError(f"{project.id!r} is not a usable project id")
        size = segment_size or self.segment_size
        ensure_shared_dir(self.projects_dir)
        final = self.projects_dir / project.id
        if final.exists():
            raise ProjectExists(project.id)
        self._sweep_new_dirs()
        aside = self.projects_dir / f"{NEW_DIR_PREFIX}{project.id}-{os.getpid()}-{os.urandom(3).hex()}"
        try:
            os.mkdir(aside)
            os.chmod(aside, dir_mode())
            meta = layout.project_meta_doc(
                project.id, size, project.name, project.template_id, project.template_version,
                events[0].at.isoformat(), events[0].by.user, self.segment_bytes)
            write_atomic(aside / layout.PROJECT_FILE, orjson.dumps(meta))
            starts = list(range(0, len(events), size))
            for number, start in enumerate(starts, start=1):
                chunk = events[start:start + size]
                write_atomic(segment_path(aside, number),
                             orjson.dumps(layout.segment_doc(number, chunk[0].seq, chunk)))
            if len(starts) > 1:
                self._write_snapshot(aside, len(starts), fold(events[:starts[-1]]))
            write_atomic(aside / LOCK_NAME, b"")  # the lock file, group-writable from the start
            try:
                os.rename(aside, final)
            except OSError as exc:
                if final.exists():
                    raise ProjectExists(project.id) from exc
                raise
            fsync_dir(self.projects_dir)
        except (OSError, WriteError) as exc:
            shutil.rmtree(aside, ignore_errors=True)
            raise WriteFailed(project.id, f"could not create the project: {exc}") from exc
        except BaseException:
            shutil.rmtree(aside, ignore_errors=True)
            raise
        return self.load(project.id)

    def _sweep_new_dirs(self) -> None:
        """Half-built project folders left by a crash during create (10 minutes old)."""
        now = time.time()
        for name in iter_names(self.projects_dir):
            if name.startswith(NEW_DIR_PREFIX):
                path = self.projects_dir / name
                with contextlib.suppress(OSError):
                    if now - path.stat().st_mtime > 600:
                        shutil.rmtree(path, ignore_errors=True)

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
        ref = ref.strip()
        ids = self.project_ids()
        if not ref:
            raise ProjectNotFound(ref)
        if ref in ids:
            return ref
        folded = ref.casefold()
        names = {pid: (self.project_name(pid) or "") for pid in ids}
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

    def check_log(self, project_id: str) -> ChainBreak | None:
        """Verify the whole hash chain from disk (not the cache), across segments; the
        first bad event and why, or None when the log is intact."""
        folder = self.project_dir(project_id)
        if not folder.is_dir():
            raise ProjectNotFound(project_id)
        events: list[Event] = []
        decoder = EventDecoder()
        try:  # the log cannot be trusted without its project record
            layout.read_project_meta(folder / layout.PROJECT_FILE)
        except Damage as exc:
            return ChainBreak(0, None, str(exc))
        numbers = layout.segment_numbers(list(iter_names(folder)))
        if not numbers:
            return ChainBreak(0, 1, f"{folder}: the project has no log segments")
        expected = 1
        for index, number in enumerate(numbers, start=1):
            path = segment_path(folder, number)
            if number != index:
                return ChainBreak(len(events), expected, f"{segment_path(folder, index)} is missing")
            try:
                loaded = read_tables(path)
                if loaded is None:
                    raise Damage(path, "missing")
                segment = layout.decode_segment(path, number, loaded[0], decoder, expected, "",
                                                check_links=False)
            except UnreadableFile as exc:
                return ChainBreak(len(events), expected, f"{path}: {exc.reason}")
            except Damage as exc:
                return ChainBreak(len(events), expected, str(exc))
            events.extend(segment.events)
            if segment.damage is not None:
                found = verify_chain(events)
                return found or ChainBreak(len(events), expected + len(segment.events),
                                           str(segment.damage))
            expected += len(segment.events)
        return verify_chain(events)

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
            result = decide(cached.state, command)
            if isinstance(result, Refusal) or not result:
                return result
            self._append(project_id, cached, result)
            return result

    def _append(self, project_id: str, cached: _Cached, events: list[Event]) -> None:
        # The new state first: if the engine could not apply its own events, write nothing.
        new_state = cached.state
        for event in events:
            new_state = apply(new_state, event)
        try:
            if cached.active_full:
                number = cached.active + 1
                self._write_snapshot(cached.folder, number, cached.state)
                path = segment_path(cached.folder, number)
                db = open_db(path)
                storage_of(db).write(layout.segment_doc(number, events[0].seq, events))
                cached.db.close()
                self._fix(cached, cached.active)
                cached.db, cached.active, cached.active_first = db, number, events[0].seq
            else:
                cached.db.table("events").insert_multiple(
                    [Document(event.to_dict(), doc_id=event.seq) for event in events])
        except OSError as exc:
            raise WriteFailed(project_id, str(exc.strerror or exc)) from exc
        cached.active_key = storage_of(cached.db).cached_key
        cached.state = new_state
        cached.events.extend(events)

    @staticmethod
    def _write_snapshot(folder: Path, number: int, state: ProjectState) -> None:
        """Best effort: ``snap-<number>.json``, the state before segment ``number``, and
        the stat of every sealed segment; older snapshots but one are removed."""
        fp = snapshot.fingerprint()
        if not fp:
            return
        try:
            sealed: dict[str, list[int]] = {}
            for n in range(1, number):
                key = stat_key(segment_path(folder, n))
                if key is None:
                    return
                sealed[str(n)] = [key[1], key[2]]
            doc = {"snapshot": {"1": {
                "schema": layout.SCHEMA_VERSION, "fingerprint": fp, "segment": number,
                "seq": state.seq, "last_hash": state.last_hash, "sealed": sealed,
                "state": snapshot.encode_state(state),
            }}}
            write_atomic(snapshot.snapshot_path(folder, number), orjson.dumps(doc))
        except (snapshot.SnapshotError, OSError, TypeError, orjson.JSONEncodeError):
            return
        for old in snapshot.snapshot_numbers(list(iter_names(folder))):
            if old < number - 1:
                with contextlib.suppress(OSError):
                    os.unlink(snapshot.snapshot_path(folder, old))

    def _tail(self, project_id: str, cached: _Cached, since_seq: int) -> list[Event]:
        """The cached events after ``since_seq``, reading older sealed segments if needed."""
        since_seq = max(since_seq, 0)
        if since_seq < cached.base:
            try:
                self._fill_prefix(cached)
            except Damage as exc:
                raise self._damaged_error(project_id, exc, cached.state) from None
        return cached.events[since_seq - cached.base:]

    def _fill_prefix(self, cached: _Cached) -> None:
        """Read the sealed segments before ``base_segment`` (once; they never change)."""
        decoder = cached.decoder
        prefix: list[Event] = []
        prev = GENESIS
        for number in range(1, cached.base_segment):
            path = segment_path(cached.folder, number)
            try:
                loaded = read_tables(path)
            except UnreadableFile as exc:
                raise Damage(path, exc.reason) from exc
            if loaded is None:
                raise Damage(path, "log segment missing")
            segment = layout.decode_segment(path, number, loaded[0], decoder, len(prefix) + 1, prev)
            if segment.damage is not None:
                raise segment.damage
            prefix.extend(segment.events)
            prev = prefix[-1].hash
        if len(prefix) != cached.base or (cached.events and cached.events[0].prev != prev):
            raise Damage(segment_path(cached.folder, cached.base_segment),
                         "the sealed segments do not lead to this one (events missing or changed)")
        cached.events[:0] = prefix
        cached.base, cached.base_segment = 0, 1

    def _sync(self, project_id: str) -> _Cached:
        """The cached project brought up to date with the disk."""
        with self._thread_lock(project_id):
            cached = self._cache.get(project_id)
            if cached is not None and self._fixed_files_changed(cached):
                # project.json or a sealed segment changed under us: never trust the cache
                # then, read everything again (and report the damage, if that is what it is)
                self.forget(project_id)
                cached = None
            if cached is None:
                return self._load_cold(project_id)
            try:
                self._catch_up(project_id, cached)
            except Damage as exc:
                raise self._damaged_error(project_id, exc, cached.state) from None
            return cached

    @staticmethod
    def _fixed_files_changed(cached: _Cached) -> bool:
        """One stat per sealed segment (and project.json): they must never change."""
        for path, (size, mtime) in cached.fixed.items():
            try:
                st = os.stat(path)
            except OSError:
                return True
            if st.st_size != size or st.st_mtime_ns != mtime:
                return True
        return False

    @staticmethod
    def _fix(cached: _Cached, number: int) -> None:
        path = str(segment_path(cached.folder, number))
        key = stat_key(Path(path))
        if key is not None:
            cached.fixed[path] = (key[1], key[2])

    def _catch_up(self, project_id: str, cached: _Cached) -> None:
        while True:
            self._read_active(cached)
            following = segment_path(cached.folder, cached.active + 1)
            if not os.path.exists(following):
                return
            # The active segment is sealed now; read it once more in case events landed
            # in it between our read and the creation of the next one.
            self._read_active(cached)
            if not cached.active_full:
                raise Damage(following, f"segment {cached.active} holds only "
                             f"{cached.active_count} events but a next segment exists")
            cached.db.close()
            self._fix(cached, cached.active)
            cached.active += 1
            cached.active_first = cached.state.seq + 1
            cached.active_key = None
            cached.db = open_db(following)

    def _read_active(self, cached: _Cached) -> None:
        path = segment_path(cached.folder, cached.active)
        key = stat_key(path)
        if key is not None and key == cached.active_key:
            return
        storage = storage_of(cached.db)
        try:
            tables = storage.read()
        except UnreadableFile as exc:
            raise Damage(path, exc.reason) from exc
        if tables is None:
            raise Damage(path, "the log segment disappeared")
        segment = layout.decode_segment(path, cached.active, tables, cached.decoder,
                                        cached.active_first, cached.state.last_hash,
                                        after_seq=cached.state.seq, full_hash=True)
        if segment.events:
            cached.state = _apply_all(cached.state, segment.events, path)
            cached.events.extend(segment.events)
        if segment.damage is not None:
            raise segment.damage
        cached.active_key = storage.cached_key

    def _signature(self, folder: Path) -> tuple[Any, ...]:
        names = sorted(iter_names(folder))
        return tuple((name, stat_key(folder / name)) for name in names
                     if name == layout.PROJECT_FILE or layout.SEGMENT_RE.match(name))

    def _damaged_error(self, project_id: str, damage: Damage,
                       salvaged: ProjectState | None) -> DamagedProject:
        return DamagedProject(damage.path, damage.reason, project_id=project_id,
                              salvaged=salvaged, good_seq=salvaged.seq if salvaged else 0)

    def _load_cold(self, project_id: str) -> _Cached:
        folder = self.project_dir(project_id)
        if not folder.is_dir():
            raise ProjectNotFound(project_id)
        self._migrate_if_needed(project_id, folder)
        signature = self._signature(folder)
        known = self._damaged.get(project_id)
        if known is not None and known[0] == signature:
            raise known[1]
        gc_was_enabled = gc.isenabled()
        gc.disable()  # decoding makes many objects and no cycles: the GC only costs time
        try:
            cached = self._read_all(project_id, folder)
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

    @staticmethod
    def _schema_of(folder: Path) -> int | None:
        try:
            loaded = read_tables(folder / layout.PROJECT_FILE)
        except UnreadableFile:
            return None
        doc = loaded[0].get("project", {}).get("1") if loaded else None
        version = doc.get("schema") if isinstance(doc, dict) else None
        return version if isinstance(version, int) and not isinstance(version, bool) else None

    def _migrate_if_needed(self, project_id: str, folder: Path) -> None:
        """Run ``layout.MIGRATIONS`` (v -> v + 1) under the write lock when the project was
        written with an older schema. Anything unreadable is left for the load to report."""
        version = self._schema_of(folder)
        target = layout.SCHEMA_VERSION
        if version is None or not 1 <= version < target:
            return
        if any(v not in layout.MIGRATIONS for v in range(version, target)):
            return
        with self.locked(project_id):
            version = self._schema_of(folder)  # another process may have done it meanwhile
            if version is None or not 1 <= version < target:
                return
            for v in range(version, target):
                layout.MIGRATIONS[v](folder)

    def _read_all(self, project_id: str, folder: Path) -> _Cached:
        decoder = EventDecoder()
        events: list[Event] = []
        state: ProjectState | None = None
        base = 0
        try:
            meta = layout.read_project_meta(folder / layout.PROJECT_FILE)
            if meta.get("id") != project_id:
                raise Damage(folder / layout.PROJECT_FILE,
                             f"holds project {meta.get('id')!r}, not {project_id!r}")
            names = list(iter_names(folder))
            numbers = layout.segment_numbers(names)
            if not numbers:
                raise Damage(folder, "the project has no log segments")
            for index, number in enumerate(numbers, start=1):
                if number != index:
                    raise Damage(segment_path(folder, index), "log segment missing")
            suspicious: set[int] = set()  # sealed segments changed since a snapshot saw them
            start = self._from_snapshot(folder, names, numbers, decoder, suspicious)
            base, first_segment = 0, 1
            if start is not None:
                state, first_segment = start
                base = state.seq
            prev = state.last_hash if state is not None else GENESIS
            db: LockedDB | None = None
            first = base + 1
            for number in numbers[first_segment - 1:]:
                path = segment_path(folder, number)
                first = base + len(events) + 1
                last = number == numbers[-1]
                nbytes = 0
                try:
                    if last:
                        db = open_db(path)
                        tables = storage_of(db).read()
                    else:  # sealed: parsed once, never cached as raw data
                        loaded = read_tables(path)
                        tables, nbytes = (loaded[0], loaded[1][1]) if loaded else (None, 0)
                except UnreadableFile as exc:
                    raise Damage(path, exc.reason) from exc
                if tables is None:
                    raise Damage(path, "log segment missing")
                # every hash of the newest segment and of a sealed one that changed since
                # it was sealed; the others are checked by their links (and by check_log)
                segment = layout.decode_segment(path, number, tables, decoder, first, prev,
                                                full_hash=last or number in suspicious)
                if state is not None:
                    state = _apply_all(state, segment.events, path)
                events.extend(segment.events)
                if segment.damage is not None:
                    raise segment.damage
                if not last and not layout.segment_full(meta, len(segment.events), nbytes):
                    raise Damage(path, f"a sealed segment holds only {len(segment.events)} events")
                if events:
                    prev = events[-1].hash
            assert db is not None
            before_active: ProjectState | None = None
            if state is None:
                try:
                    if len(numbers) > 1 and first > 1:
                        # replayed in two steps to keep the state before the newest segment:
                        # it becomes the snapshot that was missing (or made by other code)
                        before_active = fold(events[:first - 1])
                        state = _apply_all(before_active, events[first - 1:],
                                           segment_path(folder, numbers[-1]))
                    else:
                        state = fold(events)
                except (ValueError, KeyError, TypeError) as exc:
                    raise Damage(folder, f"the log cannot be replayed ({exc})") from exc
            if state.id != project_id:
                raise Damage(segment_path(folder, 1), f"creates project {state.id!r}")
        except Damage as exc:
            salvaged = state if base else self._salvage(events)
            raise self._damaged_error(project_id, exc, salvaged) from None
        if before_active is not None:
            # Best effort and harmless without the lock: the snapshot of a given segment is
            # the same whoever writes it, and it is replaced atomically.
            self._write_snapshot(folder, numbers[-1], before_active)
        cached = _Cached(folder=folder, meta=meta, state=state, events=events, active=numbers[-1],
                         active_first=first, active_key=storage_of(db).cached_key, db=db,
                         seen=state.seq, decoder=decoder, base=base, base_segment=first_segment)
        key = stat_key(folder / layout.PROJECT_FILE)
        if key is not None:
            cached.fixed[str(folder / layout.PROJECT_FILE)] = (key[1], key[2])
        for number in numbers[:-1]:
            self._fix(cached, number)
        return cached

    def _from_snapshot(self, folder: Path, names: list[str], numbers: list[int],
                       decoder: EventDecoder, suspicious: set[int]) -> tuple[ProjectState, int] | None:
        """The state from the newest usable snapshot and the segment it precedes, or None
        (no snapshot, another fingerprint, a sealed segment changed since: replay all).
        Sealed segments whose size or mtime differ from a snapshot's record are added to
        ``suspicious``: the replay checks every hash in them."""
        fp = snapshot.fingerprint()
        if len(numbers) < 2:
            return None
        usable = [n for n in snapshot.snapshot_numbers(names) if 2 <= n <= numbers[-1]]
        for number in reversed(usable[-2:]):
            try:
                loaded = read_tables(snapshot.snapshot_path(folder, number))
                if loaded is None:
                    continue
                doc = loaded[0]["snapshot"]["1"]
                if doc.get("segment") != number or doc.get("schema") != layout.SCHEMA_VERSION:
                    continue
                # the record of the sealed segments holds whatever code wrote the snapshot
                sealed = doc["sealed"]
                changed = set()
                for n in range(1, number):
                    key = stat_key(segment_path(folder, n))
                    if key is None or [key[1], key[2]] != sealed.get(str(n)):
                        changed.add(n)
                if changed:
                    suspicious.update(changed)
                    raise snapshot.SnapshotError(f"segments {sorted(changed)} changed since the snapshot")
                if doc.get("fingerprint") != fp:
                    continue
                project = self._project_from_first_segment(folder, decoder)
                state = snapshot.restore_state(project, doc["state"])
                if state.seq != doc["seq"] or state.last_hash != doc["last_hash"]:
                    continue
                return state, number
            except (UnreadableFile, snapshot.SnapshotError, KeyError, TypeError, ValueError):
                continue
        return None

    @staticmethod
    def _project_from_first_segment(folder: Path, decoder: EventDecoder) -> Project:
        path = segment_path(folder, 1)
        loaded = read_tables(path)
        if loaded is None:
            raise snapshot.SnapshotError("segment 1 is missing")
        doc = loaded[0]["events"]["1"]
        event = decoder.event(doc)
        if event.computed_hash() != event.hash or event.prev != GENESIS:
            raise snapshot.SnapshotError("the first event does not match its hash")
        if event.kind is not EventKind.PROJECT_CREATED:
            raise snapshot.SnapshotError("the first event does not create the project")
        return project_from_dict(event.payload["project"])

    @staticmethod
    def _salvage(events: list[Event]) -> ProjectState | None:
        """The state of the longest good prefix of the log, if it can be replayed."""
        good = list(events)
        while good:
            try:
                return fold(good)
            except (ValueError, KeyError, TypeError):
                good.pop()
        return None

    def forget(self, project_id: str | None = None) -> None:
        """Drop this process's cache (of one project, or all)."""
        with self._guard:
            ids = [project_id] if project_id else list(self._cache)
            for pid in ids:
                cached = self._cache.pop(pid, None)
                if cached is not None:
                    cached.db.close()
                self._damaged.pop(pid, None)


def _apply_all(state: ProjectState, events: list[Event], path: Path) -> ProjectState:
    """``apply`` each event; an event the engine rejects is damage in ``path``."""
    for event in events:
        try:
            state = apply(state, event)
        except (ValueError, KeyError, TypeError) as exc:
            raise Damage(path, f"event #{event.seq} cannot be replayed ({exc})") from exc
    return state


def open_repository(db: str | os.PathLike[str] | None = None, *,
                    lock_timeout: float | None = None) -> Repository:
    """The repository of ``--db`` / ``UPDECK_DB`` / the platform data folder.
    ``UPDECK_LOCK_TIMEOUT`` (seconds) overrides the default lock timeout."""
    if lock_timeout is None:
        try:
            lock_timeout = float(os.environ.get("UPDECK_LOCK_TIMEOUT", "") or 10.0)
        except ValueError:
            lock_timeout = 10.0
    return Repository(default_data_dir(db), lock_timeout=lock_timeout)
