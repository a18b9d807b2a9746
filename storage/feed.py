"""The change feed: learn cheaply that another process changed a project, read only that.

:meth:`Watcher.poll` costs two ``stat`` calls while nothing changes; when the stamp moves
it reads the newest log segment (a small file) and returns the new events.
:meth:`Watcher.wait` sleeps until that happens: ``updeck log --follow`` and ``updeck gate
--wait`` are built on it. (The dashboard's poller, ``updeck.tui.dashboard.live``, does the same two steps in
a worker thread, with its cursor kept beside the screen's state.)
"""

from __future__ import annotations

import time
from collections.abc import Callable

from updeck.models.events import Event
from updeck.models.state import ProjectState
from updeck.storage.contract import ProjectRepository


class WatchStopped(Exception):
    """:meth:`Watcher.wait` was told to stop (its ``stop`` callback said so)."""


class Watcher:
    """New events of one project, with its own cursor (independent of ``refresh``)."""

    def __init__(self, repo: ProjectRepository, project_id: str, *, since_seq: int | None = None) -> None:
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

    def wait(self, timeout: float | None = None, *, interval: float = 0.3,
             full_check: float = 5.0, stop: Callable[[], bool] | None = None) -> bool:
        """Sleep until the stamp moves (True) or ``timeout`` seconds pass (False).

        Every ``full_check`` seconds it returns True anyway, so a caller reads even when a
        change did not move the stamp. Raises :class:`WatchStopped` when ``stop()`` says so.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        last = self._stamp if self._stamp is not None else self.repo.stamp(self.project_id)
        checked = time.monotonic()
        while True:
            if stop is not None and stop():
                raise WatchStopped
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                return False
            pause = interval if deadline is None else max(0.0, min(interval, deadline - now))
            waiter = getattr(self.repo, "wait_for_change", None)  # PostgreSQL: LISTEN/NOTIFY
            if waiter is not None:
                if waiter(self.project_id, last, pause):
                    return True
            else:
                time.sleep(pause)
            if self.repo.stamp(self.project_id) != last or time.monotonic() - checked >= full_check:
                return True
