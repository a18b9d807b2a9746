"""Wakes the poller the moment the database says the project on screen changed
(PostgreSQL's LISTEN/NOTIFY, through the repository's ``wait_for_change``); the poll every
interval stays as the fallback. A repository without that signal (files) starts nothing.

A daemon thread, not a worker: it sleeps in the database's wait, and must never hold up
the app's exit."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from updeck.tui.dashboard.messages import ChangeSignalled

if TYPE_CHECKING:
    from updeck.tui.dashboard.app import UpdeckApp

Waiter = Callable[[str, tuple[int, ...], float], bool]
WAIT = 1.0  # seconds per wait: how soon a stop (or a new project on screen) is noticed


class ChangeWakeup:
    def __init__(self, app: UpdeckApp) -> None:
        self.app = app
        self._stop = threading.Event()
        self._target: tuple[str, tuple[int, ...]] | None = None  # written on the app's thread
        self.wakeups = 0  # how many times it woke the poller (tests look)

    def start(self) -> None:
        waiter: Waiter | None = getattr(self.app.repo, "wait_for_change", None)
        if waiter is None:
            return
        threading.Thread(target=self._run, args=(waiter,), name="updeck-wakeup",
                         daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def follow(self) -> None:
        """On the app's thread, after the view moved: watch the project on screen from the
        stamp the dashboard last read."""
        project_id = self.app.watched_project()
        live = self.app.live.get(project_id) if project_id else None
        self._target = ((project_id, live.stamp) if project_id and live is not None
                        and live.stamp is not None else None)

    def _run(self, waiter: Waiter) -> None:
        woken_for: tuple[str, tuple[int, ...]] | None = None
        while not self._stop.is_set():
            target = self._target
            if target is None or target == woken_for:  # nothing to watch, or not read yet
                self._stop.wait(0.05)
                continue
            try:
                changed = waiter(target[0], target[1], WAIT)
            except Exception:  # the poll says what is wrong; try again a little later
                self._stop.wait(WAIT)
                continue
            if changed and not self._stop.is_set():
                woken_for = target
                self.wakeups += 1
                self.app.post_message(ChangeSignalled(target[0]))  # thread-safe
