"""One project's log as this process holds it, read from PostgreSQL: cold open, catch up, snapshots.

Every event read is checked as the files are: its seq follows, its ``prev`` is the hash
before it and its hash is recomputed (``Event.computed_hash``, the models' one hashing).
A cold open starts from the newest snapshot this operator wrote or checked (see
:mod:`updeck.storage.witness`), else replays the whole log and checks the snapshot on the way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from updeck.models.engine import apply, fold
from updeck.models.events import GENESIS, Event, EventKind
from updeck.models.state import ProjectState
from updeck.storage import snapshot
from updeck.storage.errors import DamagedProject, ProjectNotFound
from updeck.storage.layout import EventDecoder
from updeck.storage.snapshot_store import state_digest
from updeck.storage.witness import snapshot_trusted, trust_snapshot

SNAPSHOT_EVERY = 500  # a snapshot when the head passes a multiple of this many events


@dataclass(slots=True)
class PgLog:
    """What this process knows about one project (``events`` are those after ``base``)."""

    place: Path  # the project's name in the witness (no such folder exists)
    state: ProjectState
    events: list[Event]
    base: int = 0
    seen: int = 0
    decoder: EventDecoder = field(default_factory=EventDecoder)


class Broken(Exception):
    """An event in the database that does not fit the chain or cannot be replayed."""

    def __init__(self, seq: int, reason: str) -> None:
        super().__init__(f"event #{seq}: {reason}")
        self.seq = seq
        self.reason = reason


def decode_rows(rows: list[tuple[int, str]], decoder: EventDecoder, after_seq: int,
                prev: str, *, full_from: int = 0) -> list[Event]:
    """The events of ``(seq, doc)`` rows, each checked against the one before (seq, prev);
    the hash of each event after ``full_from`` is also recomputed from its content. (Older
    ones were checked when written and the database refuses to change them; ``check_log``
    recomputes every hash.)"""
    events = []
    expected = after_seq + 1
    for seq, doc in rows:
        try:
            event = decoder.event(orjson.loads(doc))
        except (ValueError, KeyError, TypeError) as exc:
            raise Broken(seq, f"unreadable ({exc})") from None
        if event.seq != seq or seq != expected:
            raise Broken(seq, f"sequence number {event.seq}, expected {expected}")
        if event.prev != prev:
            raise Broken(seq, "does not follow the event before it (previous hash differs)")
        if seq > full_from and event.computed_hash() != event.hash:
            raise Broken(seq, "content was changed after it was written")
        events.append(event)
        prev = event.hash
        expected += 1
    return events


def apply_checked(state: ProjectState, events: list[Event]) -> ProjectState:
    for event in events:
        try:
            state = apply(state, event)
        except (ValueError, KeyError, TypeError) as exc:
            raise Broken(event.seq, f"cannot be replayed ({exc})") from None
    return state


def fold_checked(events: list[Event]) -> ProjectState:
    """The fold of a whole log from its first event (which must create the project)."""
    if not events or events[0].kind is not EventKind.PROJECT_CREATED:
        raise Broken(1, "the first event does not create the project")
    try:
        return fold(events)
    except (ValueError, KeyError, TypeError) as exc:
        raise Broken(events[-1].seq, f"the log cannot be replayed ({exc})") from None


def read_cold(conn: Any, project_id: str, place: Path, where: str) -> PgLog:
    """Open ``project_id`` from the newest trusted snapshot, else from its first event."""
    head = conn.execute("SELECT head_seq FROM projects WHERE id = %s", (project_id,)).fetchone()
    if head is None:
        raise ProjectNotFound(project_id)
    decoder = EventDecoder()
    start = _trusted_snapshot(conn, project_id, place, decoder)
    state: ProjectState | None = None
    events: list[Event] = []
    try:
        if start is not None:
            state = start
            rows = conn.execute("SELECT seq, doc FROM events WHERE project_id = %s AND seq > %s "
                                "ORDER BY seq", (project_id, state.seq)).fetchall()
            events = decode_rows(rows, decoder, state.seq, state.last_hash)
            state = apply_checked(state, events)
            base = start.seq
        else:
            rows = conn.execute("SELECT seq, doc FROM events WHERE project_id = %s ORDER BY seq",
                                (project_id,)).fetchall()
            # every hash of the events after the newest snapshot; links before it
            events = decode_rows(rows, decoder, 0, GENESIS,
                                 full_from=max(0, len(rows) - SNAPSHOT_EVERY))
            state = _replay_checking_snapshot(conn, project_id, place, events)
            base = 0
        if state.id != project_id:
            raise Broken(1, f"creates project {state.id!r}")
    except Broken as exc:
        raise DamagedProject(Path(f"[events of project {project_id}]"), str(exc),
                             project_id=project_id, salvaged=None, good_seq=exc.seq - 1) from None
    return PgLog(place=place, state=state, events=events, base=base, seen=state.seq,
                 decoder=decoder)


def _replay_checking_snapshot(conn: Any, project_id: str, place: Path,
                              events: list[Event]) -> ProjectState:
    """Fold ``events``; on the way, trust the newest snapshot when it matches the fold."""
    row = conn.execute("SELECT seq, last_hash, state FROM snapshots WHERE project_id = %s "
                       "AND fingerprint = %s ORDER BY seq DESC LIMIT 1",
                       (project_id, snapshot.fingerprint())).fetchone()
    if row is None or not 1 < row[0] <= len(events):
        return fold_checked(events)
    middle = row[0]
    state = fold_checked(events[:middle])
    try:
        mine = state_digest(state.seq, state.last_hash, snapshot.encode_state(state))
        if mine == state_digest(row[0], row[1], orjson.loads(row[2])):
            trust_snapshot(place, middle, mine)
    except (snapshot.SnapshotError, ValueError, TypeError):
        pass
    return apply_checked(state, events[middle:])


def _trusted_snapshot(conn: Any, project_id: str, place: Path,
                      decoder: EventDecoder) -> ProjectState | None:
    fp = snapshot.fingerprint()
    if not fp:
        return None
    row = conn.execute("SELECT seq, last_hash, state FROM snapshots WHERE project_id = %s "
                       "AND fingerprint = %s ORDER BY seq DESC LIMIT 1",
                       (project_id, fp)).fetchone()
    if row is None:
        return None
    seq, last_hash, text = row
    try:
        encoded = orjson.loads(text)
        if not snapshot_trusted(place, seq, state_digest(seq, last_hash, encoded)):
            return None
        first = conn.execute("SELECT seq, doc FROM events WHERE project_id = %s AND seq = 1",
                             (project_id,)).fetchall()
        project = fold_checked(decode_rows(first, decoder, 0, GENESIS)).project
        at = conn.execute("SELECT hash FROM events WHERE project_id = %s AND seq = %s",
                          (project_id, seq)).fetchone()
        if at is None or at[0] != last_hash:
            return None
        state = snapshot.restore_state(project, encoded)
        if state.seq != seq or state.last_hash != last_hash:
            return None
        return state
    except (snapshot.SnapshotError, Broken, ValueError, KeyError, TypeError):
        return None


def snapshot_row(project_id: str, state: ProjectState, place: Path) -> tuple[Any, ...] | None:
    """The snapshots row of ``state`` (trusted by this operator from now on), or None."""
    fp = snapshot.fingerprint()
    if not fp:
        return None
    try:
        encoded = snapshot.encode_state(state)
        text = orjson.dumps(encoded).decode()
    except (snapshot.SnapshotError, TypeError, orjson.JSONEncodeError):
        return None
    trust_snapshot(place, state.seq, state_digest(state.seq, state.last_hash, encoded))
    return (project_id, state.seq, state.last_hash, fp, text)


def event_row(project_id: str, event: Event) -> tuple[Any, ...]:
    return (project_id, event.seq, event.prev, event.hash, orjson.dumps(event.to_dict()).decode())
