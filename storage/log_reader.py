"""Read a project's log cold from disk: from the newest usable snapshot, or the whole chain (check_log)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from updeck.models.engine import fold
from updeck.models.events import GENESIS, ChainBreak, Event, verify_chain
from updeck.models.state import ProjectState
from updeck.storage import layout
from updeck.storage.atomic_storage import (
    UnreadableFile,
    iter_names,
    read_tables,
    stat_key,
)
from updeck.storage.layout import Damage, EventDecoder, segment_path
from updeck.storage.locked_db import LockedDB, open_db, storage_of
from updeck.storage.log_segments import CachedLog, apply_all, damaged_error, fix_sealed
from updeck.storage.snapshot_store import check_snapshot, read_snapshot


def read_log(project_id: str, folder: Path) -> CachedLog:
    """Open a project's log cold: from the newest usable snapshot, else the whole chain."""
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
        start = read_snapshot(folder, names, numbers, decoder, suspicious)
        base, first_segment = 0, 1
        if start is not None:
            state, first_segment = start
            base = state.seq
        prev = state.last_hash if state is not None else GENESIS
        db: LockedDB | None = None
        replayed_before_active: ProjectState | None = None
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
                if last and number != first_segment:
                    replayed_before_active = state  # a newer snapshot was not used
                state = apply_all(state, segment.events, path)
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
                    state = apply_all(before_active, events[first - 1:],
                                       segment_path(folder, numbers[-1]))
                else:
                    state = fold(events)
            except (ValueError, KeyError, TypeError) as exc:
                raise Damage(folder, f"the log cannot be replayed ({exc})") from exc
        if state.id != project_id:
            raise Damage(segment_path(folder, 1), f"creates project {state.id!r}")
    except Damage as exc:
        salvaged = state if base else _salvage(events)
        raise damaged_error(project_id, exc, salvaged) from None
    notice = None
    before_active = before_active or replayed_before_active
    if before_active is not None:
        # Best effort and harmless without the lock: the snapshot of a given segment is
        # the same whoever writes it, and it is replaced atomically. One that differs
        # from the replay was edited: said once, and replaced.
        notice = check_snapshot(folder, numbers[-1], before_active)
    cached = CachedLog(folder=folder, meta=meta, state=state, events=events, active=numbers[-1],
                     active_first=first, active_key=storage_of(db).cached_key, db=db,
                     seen=state.seq, decoder=decoder, base=base, base_segment=first_segment,
                     notice=notice)
    key = stat_key(folder / layout.PROJECT_FILE)
    if key is not None:
        cached.fixed[str(folder / layout.PROJECT_FILE)] = (key[1], key[2])
    for number in numbers[:-1]:
        fix_sealed(cached, number)
    return cached


def _salvage(events: list[Event]) -> ProjectState | None:
    """The state of the longest good prefix of the log, if it can be replayed."""
    good = list(events)
    while good:
        try:
            return fold(good)
        except (ValueError, KeyError, TypeError):
            good.pop()
    return None


def signature(folder: Path) -> tuple[Any, ...]:
    """The stat of project.json and every segment: a damaged project is re-read when it moves."""
    names = sorted(iter_names(folder))
    return tuple((name, stat_key(folder / name)) for name in names
                 if name == layout.PROJECT_FILE or layout.SEGMENT_RE.match(name))


def schema_of(folder: Path) -> int | None:
    try:
        loaded = read_tables(folder / layout.PROJECT_FILE)
    except UnreadableFile:
        return None
    doc = loaded[0].get("project", {}).get("1") if loaded else None
    version = doc.get("schema") if isinstance(doc, dict) else None
    return version if isinstance(version, int) and not isinstance(version, bool) else None


def check_log(folder: Path) -> ChainBreak | None:
    """Verify the whole hash chain from disk (not a cache), across segments; the
    first bad event and why, or None when the log is intact."""
    """Verify the whole hash chain from disk (not the cache), across segments; the
    first bad event and why, or None when the log is intact."""
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
