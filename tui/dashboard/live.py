"""The live feed: what this dashboard knows of each open project, and the poller that
keeps it fresh.

The poller asks the repository for a cheap change marker (``stamp``) every interval, in
a thread worker; only when the marker moved does it read the new events. It never
overlaps itself (the next poll is scheduled when the last one has finished) and it
pauses while a modal dialog is open, like dolphie's refresh loop.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual.timer import Timer
from textual.worker import Worker, WorkerState
from updeck.models.events import Event
from updeck.models.state import ProjectState
from updeck.storage.errors import DatabaseUnreachable, StorageError
from updeck.tui.dashboard.messages import ProjectChanged, ProjectFailed, ProjectsListed, Stamp

if TYPE_CHECKING:
    from updeck.tui.dashboard.app import UpdeckApp

POLL_GROUP = "poll"
FULL_CHECK_POLLS = 10  # about every 5 s at the default interval


@dataclass(slots=True)
class LiveProject:
    """One project as the dashboard sees it: its state, its log, the log per item."""

    project_id: str
    state: ProjectState
    events: list[Event] = field(default_factory=list)
    by_item: dict[str, list[Event]] = field(default_factory=dict)
    seq: int = 0
    stamp: Stamp | None = None
    error: str = ""
    complete: bool = True  # False until the whole log was read

    def __post_init__(self) -> None:
        for event in self.events:
            if event.item:
                self.by_item.setdefault(event.item, []).append(event)
        self.seq = self.events[-1].seq if self.events else self.state.seq

    def merge(self, state: ProjectState, events: Iterable[Event]) -> list[Event]:
        """Take a newer state and the events behind it; return the ones not seen yet."""
        fresh = sorted((e for e in events if e.seq > self.seq), key=lambda e: e.seq)
        for event in fresh:
            self.events.append(event)
            if event.item:
                self.by_item.setdefault(event.item, []).append(event)
        if fresh:
            self.seq = fresh[-1].seq
        if state.seq >= self.state.seq:
            self.state = state
        self.error = ""
        return fresh

    def take_history(self, events: Iterable[Event]) -> list[Event]:
        """The whole log arrived: keep it, and whatever newer came in meanwhile. Returns the
        events it holds beyond what this view had seen: written by someone while the log
        was being read, so nobody has been told of them yet."""
        older = sorted(events, key=lambda e: e.seq)
        last = older[-1].seq if older else 0
        arrived = [e for e in older if e.seq > self.seq]
        self.events = older + [e for e in self.events if e.seq > last]
        self.by_item = {}
        for event in self.events:
            if event.item:
                self.by_item.setdefault(event.item, []).append(event)
        self.seq = max(self.seq, last)
        self.complete = True
        return arrived

    def history(self, item_id: str) -> list[Event]:
        return self.by_item.get(item_id, [])


class Poller:
    """Schedules one poll at a time on the app; see the module docstring."""

    def __init__(self, app: UpdeckApp, interval: float = 0.5, list_every: float = 2.0) -> None:
        self.app = app
        self.interval = interval
        self.list_every = list_every
        self._timer: Timer | None = None
        self._running: Worker[None] | None = None
        self._since_list = list_every  # list on the first poll
        self.stopped = False
        self.polls = 0

    def start(self) -> None:
        self.schedule(0.05)

    def stop(self) -> None:
        self.stopped = True
        if self._timer is not None:
            self._timer.stop()

    def schedule(self, delay: float | None = None) -> None:
        if self.stopped:
            return
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.app.set_timer(max(0.01, self.interval if delay is None else delay),
                                         self._tick)

    def poll_now(self) -> None:
        """Poll as soon as possible (e.g. after a dialog closed)."""
        if self._running is None:
            self.schedule(0.01)

    def _tick(self) -> None:
        self._timer = None
        if self.stopped or self._running is not None:
            return
        if self.app.modal_open or self.app.writes_in_flight:
            # Paused while a dialog is open; and while our own write is on its way (it
            # brings the new state itself, and a poll would only contend for the lock).
            self.schedule()
            return
        watched = self.app.watched_project()
        want_list = self.app.home_visible()
        self._since_list += self.interval
        list_now = want_list and self._since_list >= self.list_every
        if list_now:
            self._since_list = 0.0
        if watched is None and not list_now:
            self.schedule()
            return
        known = self.app.live.get(watched) if watched else None
        stamp = known.stamp if known else None
        self.app.wakeup.follow()  # the screen may show another project now
        seq = known.seq if known else 0
        repo = self.app.repo

        def poll() -> None:
            self.polls += 1
            # Every FULL_CHECK_POLLS polls read anyway, whatever the marker says: a last
            # line of defence against a change the marker did not show.
            force = self.polls % FULL_CHECK_POLLS == 0
            if watched is not None and known is not None:
                new_stamp = repo.stamp(watched)
                if new_stamp != stamp or force:
                    try:
                        state, events = repo.changes_since(watched, seq)
                    except Exception as exc:  # damaged, gone: keep the last good view
                        self.app.post_message(ProjectFailed(watched, _sentence(exc)))
                    else:
                        self.app.post_message(ProjectChanged(watched, state, events,
                                                             stamp=new_stamp))
            if list_now:
                try:
                    listed = ProjectsListed(repo.list_projects(), repo.damaged_projects())
                except StorageError:  # the database went away: keep the last list shown
                    return
                self.app.post_message(listed)

        self._running = self.app.run_worker(poll, thread=True, group=POLL_GROUP, name="poll",
                                            exit_on_error=False, description="Polling")

    def finished(self, worker: Worker[object], state: WorkerState) -> None:
        """Called by the app when the poll worker ends, however it ends."""
        if worker is self._running and state in (WorkerState.SUCCESS, WorkerState.ERROR,
                                                 WorkerState.CANCELLED):
            self._running = None
            self.schedule()


def _sentence(exc: BaseException) -> str:
    if isinstance(exc, DatabaseUnreachable):  # short: it must fit the header
        return "DATABASE UNREACHABLE: reconnecting, read-only"
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
