"""LISTEN/NOTIFY: one channel per project; a thread counts the notifications each project gets.

Every write sends ``NOTIFY`` on its project's channel in the same transaction (delivered at
commit). :meth:`Listener.counter` is then the change marker of a project at the cost of a
dictionary look-up. While the listening connection is down the counter is None and the
repository polls the project's head instead; when it is back every counter moves once, so
whatever was missed meanwhile is read.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from collections.abc import Callable
from typing import Any

from updeck.storage.postgres.link import BACKOFF_FIRST, BACKOFF_MAX

WAIT_SLICE = 0.05  # seconds the thread waits for notifications before it looks for new channels
READY_WAIT = 1.0  # seconds the first counter() of a channel waits for its LISTEN


def channel_name(schema: str, project_id: str) -> str:
    """The project's channel (a hash when schema + id would pass PostgreSQL's 63 bytes)."""
    name = f"updeck.{schema}.{project_id}"
    if len(name.encode()) <= 63:
        return name
    return "updeck." + hashlib.sha256(name.encode()).hexdigest()[:48]


class Listener:
    """A daemon thread on its own connection; see the module docstring."""

    def __init__(self, connect: Callable[[], Any]) -> None:
        self._connect = connect
        self._counts: dict[str, int] = {}
        self._wanted: set[str] = set()
        self._listening: set[str] = set()
        self._cond = threading.Condition()
        self._stop = False
        self.healthy = False
        self._down = False  # the last attempt failed (counter() then does not wait)
        self._thread = threading.Thread(target=self._run, name="updeck-listen", daemon=True)
        self._thread.start()

    def counter(self, channel: str) -> int | None:
        """How many notifications ``channel`` had (or reconnects saw); None: not listening."""
        with self._cond:
            if channel not in self._wanted:
                self._wanted.add(channel)
                self._cond.wait_for(lambda: channel in self._listening or self._down
                                    or self._stop, timeout=READY_WAIT)
            if not self.healthy or channel not in self._listening:
                return None
            return self._counts.get(channel, 0)

    def wait(self, channel: str, count: int | None, timeout: float) -> bool:
        """Sleep until ``channel``'s counter differs from ``count`` (True) or ``timeout``."""
        with self._cond:
            return self._cond.wait_for(
                lambda: self._stop or self._counts.get(channel, 0) != count, timeout=timeout)

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()

    def _bump_all(self) -> None:
        for channel in self._wanted:
            self._counts[channel] = self._counts.get(channel, 0) + 1

    def _run(self) -> None:
        failures = 0
        while not self._stop:
            conn = None
            try:
                conn = self._connect()
                with self._cond:
                    self._listening.clear()
                while not self._stop:
                    with self._cond:
                        todo = self._wanted - self._listening
                    for channel in todo:
                        conn.execute(f'LISTEN "{channel}"')
                    with self._cond:
                        self._listening |= todo
                        if not self.healthy:
                            self.healthy, self._down = True, False
                            self._bump_all()  # whatever happened while we were away
                        failures = 0
                        self._cond.notify_all()
                    for note in conn.notifies(timeout=WAIT_SLICE):
                        with self._cond:
                            self._counts[note.channel] = self._counts.get(note.channel, 0) + 1
                            self._cond.notify_all()
            except Exception:  # the server went away, or will not take us: poll meanwhile
                with self._cond:
                    if self.healthy:
                        self._bump_all()
                    self.healthy, self._down = False, True
                    self._listening.clear()
                    self._cond.notify_all()
                failures += 1
                time.sleep(min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** (failures - 1)))
            finally:
                if conn is not None:
                    with contextlib.suppress(Exception):
                        conn.close()
