"""The change feed: learn cheaply that another process changed a project, read only that.

A dashboard polls :meth:`Watcher.poll` every 0.5 s (in a worker thread): it costs two
``stat`` calls while nothing changes; when the stamp moves it reads the newest log segment
(a small file) and returns the new events. ``updeck log --follow`` uses :func:`follow`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from models.events import Event
from models.state import ProjectState
from storage.repository import Repository


class Watcher:
    """New events of one project, with its own cursor (independent of ``refresh``)."""

    def __init__(self, repo: Repository, project_id: str, *, since_seq: int | None = None) -> None:
        self.repo = repo
        self.project_id = project_id
        self._stamp: tuple[int, ...] | None = None
        if since_seq is None:
            since_seq = repo.load(project_id).seq
        self.seq = since_seq
        self.state: ProjectState | None = None

    def changed(self) -> bool:
        """True when the project's files moved since the last :meth:`poll` (two stats)."""
        return self.repo.stamp(self.project_id) != self._stamp

    def poll(self) -> list[Event]:
        """The events appended since the last poll (possibly none)."""
        stamp = self.repo.stamp(self.project_id)
        if stamp == self._stamp and self.state is not None:
            return []
        state, events = self.repo.changes_since(self.project_id, self.seq)
        # The stamp taken *before* reading: a write landing meanwhile shows up next poll.
        self._stamp = stamp
        self.state = state
        if events:
            self.seq = events[-1].seq
        return events


def follow(repo: Repository, project_id: str, *, interval: float = 0.5, since_seq: int = 0,
           stop: Callable[[], bool] = lambda: False) -> Iterator[Event]:
    """Yield the events after ``since_seq``, then every new one as it arrives (``tail -f``).
    Ends when ``stop()`` returns True."""
    watcher = Watcher(repo, project_id, since_seq=since_seq)
    while True:
        yield from watcher.poll()
        if stop():
            return
        time.sleep(interval)
