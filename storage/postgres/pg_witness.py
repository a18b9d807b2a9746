"""The witness for PostgreSQL projects: what this operator saw of each log, checked on every read.

The same rule as for a data folder (:mod:`updeck.storage.witness`): the newest ``(seq,
hash)`` this operator's processes saw is kept in their own state folder, under a key made
of the database address, the schema and the project id; a later read that finds that event
missing or with another hash refuses writes. A head newer than what this process has read
is not a contradiction: another process of the same operator wrote since, so it reads on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from updeck.models.events import Event
from updeck.storage import witness
from updeck.storage.layout import EventDecoder
from updeck.storage.postgres.pg_log import PgLog


def event_at_seq(conn: Any, project_id: str, seq: int, decoder: EventDecoder) -> list[Event]:
    """``[event #seq]`` read from the database with its hash recomputed, or []."""
    rows = conn.execute("SELECT seq, doc FROM events WHERE project_id = %s AND seq = %s",
                        (project_id, seq)).fetchall()
    if not rows:
        return []
    try:
        event = decoder.event(orjson.loads(rows[0][1]))
    except (ValueError, KeyError, TypeError):
        return []
    return [event] if event.seq == seq and event.computed_hash() == event.hash else []


class PgWitness:
    """The heads checked by this process, and the contradictions found (writes refused)."""

    def __init__(self) -> None:
        self.witnessed: dict[str, tuple[int, str]] = {}
        self.rewritten: dict[str, str] = {}

    def check(self, project_id: str, cached: PgLog, catch_up: Callable[[], None],
              event_at: Callable[[int], list[Event]]) -> None:
        head = (cached.state.seq, cached.state.last_hash)
        if self.witnessed.get(project_id) == head or project_id in self.rewritten:
            return
        seen = witness.load(cached.place)
        if seen is not None and seen.seq > head[0]:
            catch_up()  # another process of this operator wrote since we read: read on
            head = (cached.state.seq, cached.state.last_hash)
        if seen is not None and seen.seq > 0:
            tail: list[Event] = []
            if cached.base < seen.seq <= head[0]:
                tail = cached.events[seen.seq - cached.base - 1:seen.seq - cached.base]
            elif seen.seq <= cached.base:  # before the snapshot: that one event, checked
                tail = event_at(seen.seq)
            problem = witness.contradiction(seen, tail)
            if problem is not None:
                self.rewritten[project_id] = problem
                return
        if head[0] > 0 and (seen is None or head[0] > seen.seq):
            witness.record(cached.place, *head)
        self.witnessed[project_id] = head

    def forget(self, project_id: str) -> None:
        self.witnessed.pop(project_id, None)
        self.rewritten.pop(project_id, None)
