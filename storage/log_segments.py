"""The log of one project as this process holds it: catch up with the disk, read older segments, append."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tinydb.table import Document
from updeck.models.engine import apply
from updeck.models.events import GENESIS, Event
from updeck.models.state import ProjectState
from updeck.storage import layout
from updeck.storage.atomic_storage import (
    StatKey,
    UnreadableFile,
    read_tables,
    stat_key,
)
from updeck.storage.errors import DamagedProject, WriteFailed
from updeck.storage.layout import Damage, EventDecoder, segment_path
from updeck.storage.locked_db import LockedDB, open_db, storage_of
from updeck.storage.snapshot_store import write_snapshot


@dataclass(slots=True)
class CachedLog:
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
    notice: str | None = None  # said once to the reader (a snapshot that did not match)

    @property
    def active_count(self) -> int:
        return self.state.seq - self.active_first + 1

    @property
    def active_full(self) -> bool:
        nbytes = self.active_key[1] if self.active_key else 0
        return layout.segment_full(self.meta, self.active_count, nbytes)


def apply_all(state: ProjectState, events: list[Event], path: Path) -> ProjectState:
    """``apply`` each event; an event the engine rejects is damage in ``path``."""
    for event in events:
        try:
            state = apply(state, event)
        except (ValueError, KeyError, TypeError) as exc:
            raise Damage(path, f"event #{event.seq} cannot be replayed ({exc})") from exc
    return state


def damaged_error(project_id: str, damage: Damage, salvaged: ProjectState | None) -> DamagedProject:
    """The error a reader raises for ``damage``, with the last good state when there is one."""
    return DamagedProject(damage.path, damage.reason, project_id=project_id,
                          salvaged=salvaged, good_seq=salvaged.seq if salvaged else 0)


def fixed_files_changed(cached: CachedLog) -> bool:
    """One stat per sealed segment (and project.json): they must never change."""
    for path, (size, mtime) in cached.fixed.items():
        try:
            st = os.stat(path)
        except OSError:
            return True
        if st.st_size != size or st.st_mtime_ns != mtime:
            return True
    return False


def fix_sealed(cached: CachedLog, number: int) -> None:
    """Record the size and mtime of a sealed segment: it must never change again."""
    path = str(segment_path(cached.folder, number))
    key = stat_key(Path(path))
    if key is not None:
        cached.fixed[path] = (key[1], key[2])


def catch_up(cached: CachedLog) -> None:
    """Read what was appended since, following the log into newer segments."""
    while True:
        read_active(cached)
        following = segment_path(cached.folder, cached.active + 1)
        if not os.path.exists(following):
            return
        # The active segment is sealed now; read it once more in case events landed
        # in it between our read and the creation of the next one.
        read_active(cached)
        if not cached.active_full:
            raise Damage(following, f"segment {cached.active} holds only "
                         f"{cached.active_count} events but a next segment exists")
        cached.db.close()
        fix_sealed(cached, cached.active)
        cached.active += 1
        cached.active_first = cached.state.seq + 1
        cached.active_key = None
        cached.db = open_db(following)


def read_active(cached: CachedLog) -> None:
    """Apply the new events of the active segment (nothing when its stat is unchanged)."""
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
        cached.state = apply_all(cached.state, segment.events, path)
        cached.events.extend(segment.events)
    if segment.damage is not None:
        raise segment.damage
    cached.active_key = storage.cached_key


def fill_prefix(cached: CachedLog) -> None:
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


def append_events(project_id: str, cached: CachedLog, events: list[Event]) -> None:
    """Append one command's events durably (a new segment, and its snapshot, when full)."""
    # The new state first: if the engine could not apply its own events, write nothing.
    new_state = cached.state
    for event in events:
        new_state = apply(new_state, event)
    try:
        if cached.active_full:
            number = cached.active + 1
            write_snapshot(cached.folder, number, cached.state)
            path = segment_path(cached.folder, number)
            db = open_db(path)
            storage_of(db).write(layout.segment_doc(number, events[0].seq, events))
            cached.db.close()
            fix_sealed(cached, cached.active)
            cached.db, cached.active, cached.active_first = db, number, events[0].seq
        else:
            cached.db.table("events").insert_multiple(
                [Document(event.to_dict(), doc_id=event.seq) for event in events])
    except OSError as exc:
        raise WriteFailed(project_id, str(exc.strerror or exc)) from exc
    cached.active_key = storage_of(cached.db).cached_key
    cached.state = new_state
    cached.events.extend(events)
