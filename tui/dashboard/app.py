"""The updeck dashboard: the Textual app, its workers and :func:`run_dashboard`.

All disk work and command runs happen in thread workers started on the app; they post
typed messages (updeck.tui.dashboard.messages) that handlers here apply on the UI thread. One handler
turns any worker failure into a clear notification, never a traceback.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

from rich.console import RenderableType
from textual.app import App, ScreenStackError
from textual.message import Message
from textual.message_pump import MessagePump
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState
from updeck.models.commands import Command
from updeck.models.events import Operator, utc_now
from updeck.models.state import ProjectState
from updeck.storage.contract import ProjectRepository
from updeck.storage.errors import DamagedProject, StorageError
from updeck.storage.identity import current_operator
from updeck.tui.common import startup_gc
from updeck.tui.dashboard.change_wakeup import ChangeWakeup
from updeck.tui.dashboard.keys import APP_BINDINGS
from updeck.tui.dashboard.live import LiveProject, Poller
from updeck.tui.dashboard.messages import (
    ChangeSignalled,
    CommandRefused,
    HistoryLoaded,
    OutboxChanged,
    ProjectChanged,
    ProjectFailed,
    ProjectLoaded,
    ProjectsListed,
    StorageTrouble,
    VerificationFinished,
)
from updeck.tui.dashboard.notices import tell_of
from updeck.tui.dashboard.notify_watch import NotifyWatch
from updeck.tui.dashboard.palette import UpdeckCommands
from updeck.tui.dashboard.screens.base import CommandStamp, ProjectShowingScreen
from updeck.tui.dashboard.terminal import end_within, exit_on_hangup, should_watch, terminal_gone
from updeck.tui.dashboard.workers import (
    read_history,
    read_project,
    sentence,
    verify_and_record,
    write_command,
)

VERIFY_TIMEOUT = 300.0  # seconds a verify command may run
SWITCH_INTERVAL = 0.0005  # seconds; see on_mount
STARTUP_GC_GRACE = 3.0  # seconds; the garbage collector's start-up setting ends by then


class UpdeckApp(App[int]):
    """The dashboard. ``now`` is injectable so snapshots and tests are stable."""

    CSS_PATH = Path(__file__).parent / "updeck.tcss"
    TITLE = "updeck"
    BINDINGS = APP_BINDINGS
    COMMANDS = App.COMMANDS | {UpdeckCommands}
    AUTO_FOCUS = None
    NOTIFICATION_TIMEOUT = 6

    def __init__(self, repo: ProjectRepository, *, project_id: str | None = None, read_only: bool = False,
                 operator: Operator | str | None = None,
                 now: Callable[[], datetime] | None = None, poll_interval: float = 0.5,
                 watch_terminal: bool = False, verify_timeout: float = VERIFY_TIMEOUT,
                 only_project: bool = False, start_state: ProjectState | None = None) -> None:
        super().__init__()
        # Only the start project, never the home screen's list of all (updeck serve PROJECT).
        self.only_project = only_project and project_id is not None
        self.animation_level = "none"
        self.repo = repo
        self.start_project = project_id
        self.read_only = read_only
        if operator is None or isinstance(operator, str):
            operator = current_operator(operator)
        self.operator: Operator = operator
        self.now: Callable[[], datetime] = now or utc_now
        self.live: dict[str, LiveProject] = {}
        self.poller = Poller(self, poll_interval)
        self.wakeup = ChangeWakeup(self)  # PostgreSQL: NOTIFY wakes the poller at once
        self.notify_watch = NotifyWatch(self)
        self.watch_terminal = watch_terminal
        self.verify_timeout = verify_timeout
        self.own_seqs: dict[str, set[int]] = {}
        self.projects: list[ProjectState] = []
        self.damaged: list[DamagedProject] = []
        self._exiting = False
        self.writes_in_flight = 0  # the poller waits while our own write is on its way
        self._ppid = os.getppid()
        self._history_read: set[str] = set()  # projects whose whole log is read or on its way
        if start_state is not None and project_id == start_state.id:
            # Read by the command line already: the first screen is drawn full at once,
            # the log follows (see load_history).
            self.live[project_id] = LiveProject(project_id, start_state, [], complete=False)

    # --- life cycle ------------------------------------------------------------------

    def on_mount(self) -> None:
        # Workers do short bursts of I/O between long stretches of UI rendering; with the
        # default 5 ms GIL switch interval each I/O return waits for the renderer, which
        # added tens of milliseconds to a write made while the screen repaints.
        sys.setswitchinterval(SWITCH_INTERVAL)
        from updeck.tui.dashboard.screens.home import HomeScreen
        from updeck.tui.dashboard.screens.project import ProjectScreen

        if not self.only_project:
            # Under a start project the home screen is built when first shown.
            self.push_screen(HomeScreen(deferred=self.start_project is not None))
        if self.start_project:
            self.push_screen(ProjectScreen(self.start_project))
        self.poller.start()
        self.wakeup.start()
        self.set_timer(STARTUP_GC_GRACE, startup_gc.loaded)  # the home screen, or a failed load
        self.notify_watch.start()
        if self.watch_terminal and should_watch():
            self.set_interval(2.0, self._check_terminal)

    def _check_terminal(self) -> None:
        """Exit when the terminal has gone away (dropped SSH session): no spinning."""
        why = terminal_gone(self._ppid)
        if why:
            self.log.warning(f"terminal gone: {why}")
            end_within()  # the clean exit below may block writing to the gone terminal
            self.exit(return_code=0)

    def exit(self, result: int | None = None, return_code: int = 0,
             message: RenderableType | None = None) -> None:
        self._exiting = True
        self.poller.stop()
        self.wakeup.stop()
        self.notify_watch.stop()
        super().exit(result, return_code, message)

    def _handle_exception(self, error: Exception) -> None:
        # Once we are leaving, late errors (a worker finishing into a closed app, a
        # timer firing) must not print a traceback over the user's shell.
        if self._exiting:
            self.log.error(f"after exit: {error!r}")
            return
        super()._handle_exception(error)

    def action_quit_app(self) -> None:
        self.exit(return_code=0)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "help":
            from updeck.tui.dashboard.screens.help import HelpScreen

            return not isinstance(self.top_screen, HelpScreen)
        return True

    def action_help(self) -> None:
        from updeck.tui.dashboard.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    # --- what the poller looks at ------------------------------------------------------

    @property
    def top_screen(self) -> Screen[object] | None:
        """The active screen, or None while the app starts or shuts down."""
        try:
            return self.screen
        except ScreenStackError:
            return None

    @property
    def modal_open(self) -> bool:
        return isinstance(self.top_screen, ModalScreen)

    def watched_project(self) -> str | None:
        """The project of the top-most project-showing screen, if it is loaded."""
        for screen in reversed(self.screen_stack):
            if isinstance(screen, ProjectShowingScreen):
                return screen.project_id if screen.project_id in self.live else None
        return None

    def showing(self, project_id: str) -> Iterator[ProjectShowingScreen]:
        """The screens on the stack that show ``project_id`` and can draw: composed and
        mounted, and not while the app shuts down (a worker's last message can arrive after
        the screens were taken apart)."""
        if not self.is_running:
            return
        for screen in self.screen_stack:
            if (isinstance(screen, ProjectShowingScreen) and screen.project_id == project_id
                    and screen.is_mounted):
                yield screen

    def home_visible(self) -> bool:
        from updeck.tui.dashboard.screens.home import HomeScreen

        return isinstance(self.top_screen, HomeScreen)

    # --- workers -----------------------------------------------------------------------

    def background(self, job: Callable[[], Message | None], *, group: str = "io",
                   name: str = "", target: MessagePump | None = None) -> Worker[None]:
        """Run ``job`` in a thread; post the message it returns to ``target`` (the app by
        default). A storage error becomes a StorageTrouble message; anything else ends
        the worker in ERROR, which :meth:`on_worker_state_changed` reports."""

        def run() -> None:
            try:
                message = job()
            except StorageError as exc:
                message = StorageTrouble(sentence(exc))
            target_ = target or self
            if message is not None:
                target_.post_message(message)

        return self.run_worker(run, thread=True, group=group, name=name or group,
                               exit_on_error=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.name == "poll":
            self.poller.finished(worker, event.state)
        if worker.name == "save" and event.state in (WorkerState.SUCCESS, WorkerState.ERROR,
                                                     WorkerState.CANCELLED):
            self.writes_in_flight = max(0, self.writes_in_flight - 1)
        if event.state is WorkerState.ERROR:
            error = worker.error
            what = worker.name or "background work"
            text = sentence(error)
            self.log.error(f"worker {what} failed: {error!r}")
            if isinstance(error, StorageError):
                self.notify(text, title="Storage", severity="error", timeout=10)
            else:
                self.notify(f"{what} failed: {text}", title="Error", severity="error",
                            timeout=10)

    def _say_log_trouble(self, project_id: str) -> None:
        """From a worker: a rewritten log (the witness) or a replaced snapshot, said once."""
        from updeck.tui.dashboard.format import plain

        for ask, severity in (("log_rewritten", "error"), ("notice", "warning")):
            said = getattr(self.repo, ask, lambda _pid: None)(project_id)
            if isinstance(said, str) and said:
                self.call_from_thread(self.notify, plain(f"{project_id}: {said}"),
                                      title="Status log", severity=severity, timeout=30,
                                      markup=False)

    def load_project(self, project_id: str) -> None:
        repo = self.repo

        def job() -> Message:
            result = read_project(repo, project_id)
            self._say_log_trouble(project_id)  # a cut or rewritten log, a replaced snapshot
            return result

        self.background(job, group="load", name="load project")

    def load_history(self, project_id: str, *, say_trouble: bool = False) -> None:
        """Read the whole log (once); started when the project is on the screen, so a long
        log never competes with drawing the first screen. ``say_trouble``: the state was
        read without :meth:`load_project`, so say a cut or rewritten log here."""
        startup_gc.loaded()  # the first screen is drawn: collect as usual from now on
        if self._exiting or project_id in self._history_read:
            return
        self._history_read.add(project_id)
        repo = self.repo

        def job() -> Message:
            result = read_history(repo, project_id)
            if say_trouble:
                self._say_log_trouble(project_id)
            return result

        self.background(job, group="load", name="load history")

    def history_after_paint(self, project_id: str) -> None:
        """A screen drew a project read at start-up: read its log once that is painted."""
        live = self.live.get(project_id)
        if live is not None and not live.complete and project_id not in self._history_read:
            self.call_after_refresh(self.load_history, project_id, say_trouble=True)

    def submit(self, project_id: str, command: Command) -> None:
        """Persist a command in a worker; the screen changes when it is on disk."""
        if self.read_only:
            self.notify("read-only: nothing can be changed here", severity="warning")
            return
        known = self.live.get(project_id)
        if known is not None and known.error:  # not current (database unreachable, damage)
            self.notify(f"not saved: this view is not current ({known.error})",
                        severity="error", timeout=8, markup=False)
            return
        seq = known.seq if known else 0
        repo = self.repo
        own = self.own_seqs.setdefault(project_id, set())
        self.writes_in_flight += 1
        self.background(lambda: write_command(repo, project_id, command, seq, own),
                        group="write", name="save")

    def stamp_command(self) -> CommandStamp:
        """``by`` and ``at`` of a command this operator makes now."""
        return {"by": self.operator, "at": self.now()}

    def run_verification(self, project_id: str, item_id: str, command: str) -> None:
        self.notify(f"running the verification of {item_id}…", title="Verify", timeout=4)
        repo, operator, now, timeout = self.repo, self.operator, self.now, self.verify_timeout

        def since_seq() -> int:
            known = self.live.get(project_id)
            return known.seq if known else 0

        own = self.own_seqs.setdefault(project_id, set())
        live = self.live.get(project_id)
        spec = live.state.specs.get(item_id) if live is not None else None
        expect_exit = spec.expect_exit if spec is not None else 0
        expect_output = spec.expect_output if spec is not None else ""
        self.background(lambda: verify_and_record(
            repo, project_id, item_id, command, timeout=timeout, expect_exit=expect_exit,
            expect_output=expect_output, by=operator, now=now, since_seq=since_seq, own=own,
            post=self.post_message),
            group="verify", name="verification")

    # --- applying what workers found ----------------------------------------------------

    def on_project_loaded(self, message: ProjectLoaded) -> None:
        live = LiveProject(message.project_id, message.state, message.events)
        live.complete = message.complete
        live.stamp = message.stamp
        self.live[message.project_id] = live
        self.wakeup.follow()
        for screen in self.showing(message.project_id):
            screen.project_updated(live, [], first=True)
        if not message.complete:
            self._history_read.discard(message.project_id)  # a new read: its log too
            self.call_after_refresh(self.load_history, message.project_id)

    def on_history_loaded(self, message: HistoryLoaded) -> None:
        live = self.live.get(message.project_id)
        if live is None:
            return
        arrived = live.take_history(message.events)
        if arrived:  # written while the log was read: tell of them as of any other change
            tell_of(self, message.project_id, arrived)
        if len(message.events) >= 10_000:
            # A long log is tens of thousands of objects that never form cycles: keep them
            # out of every later collection, so no key press waits for a full GC pass.
            gc.freeze()
        for screen in self.showing(message.project_id):
            screen.project_updated(live, [], first=True)

    def on_project_changed(self, message: ProjectChanged) -> None:
        live = self.live.get(message.project_id)
        if live is None:
            return
        if message.stamp is not None:
            live.stamp = message.stamp
            self.wakeup.follow()
        own = self.own_seqs.setdefault(message.project_id, set())
        own.update(message.written)
        before, was_failing = live.state.seq, bool(live.error)
        fresh = live.merge(message.state, message.events)
        if not fresh:
            # newer state (its events came with the history), or current again after an error
            if live.state.seq != before or was_failing:
                for screen in self.showing(message.project_id):
                    screen.project_updated(live, [])
            return
        tell_of(self, message.project_id, fresh)
        for screen in self.showing(message.project_id):
            screen.project_updated(live, fresh)

    def on_project_failed(self, message: ProjectFailed) -> None:
        live = self.live.get(message.project_id)
        if live is not None:
            live.error = message.error
        for screen in self.showing(message.project_id):
            screen.project_failed(message.error)

    def on_projects_listed(self, message: ProjectsListed) -> None:
        self.projects, self.damaged = message.projects, message.damaged
        from updeck.tui.dashboard.screens.home import HomeScreen

        for screen in self.screen_stack:
            if isinstance(screen, HomeScreen):
                screen.show_projects(message.projects, message.damaged)

    def on_change_signalled(self, message: ChangeSignalled) -> None:
        self.poller.poll_now()

    def on_outbox_changed(self, message: OutboxChanged) -> None:
        from updeck.tui.dashboard.widgets.notice_bar import NoticeBar

        for screen in self.showing(message.project_id):
            for bar in screen.query(NoticeBar):
                bar.outbox(message.text, alarm=message.alarm)

    def on_command_refused(self, message: CommandRefused) -> None:
        self.notify(message.reason, title="Refused (nothing changed)", severity="error",
                    timeout=8, markup=False)

    def on_storage_trouble(self, message: StorageTrouble) -> None:
        self.notify(message.text, title="Not saved", severity="error", timeout=10, markup=False)

    def on_verification_finished(self, message: VerificationFinished) -> None:
        if not message.failure:
            self.notify(f"{message.item}: verification passed ({message.duration:.1f}s)",
                        title="Verify", markup=False)
        else:
            self.notify(f"{message.item}: verification FAILED: {message.failure}",
                        title="Verify", severity="error", timeout=10, markup=False)


def run_dashboard(repo: ProjectRepository, *, project_id: str | None = None, read_only: bool = False,
                  operator: Operator | str | None = None, only_project: bool = False,
                  start_state: ProjectState | None = None) -> int:
    """Run the dashboard in this terminal until the user quits; the exit code.
    ``start_state``: the start project as the caller just read it (drawn at once)."""
    app = UpdeckApp(repo, project_id=project_id, read_only=read_only, operator=operator,
                    watch_terminal=True, only_project=only_project, start_state=start_state)

    def leave() -> None:
        end_within()  # hung up: the clean exit may block writing to the gone terminal
        loop = app._loop  # Textual's event loop, None until the app runs
        if loop is None:
            raise SystemExit(0)
        loop.call_soon_threadsafe(app.exit)

    with exit_on_hangup(leave):
        app.run()
    return app.return_code or 0


__all__ = ["UpdeckApp", "run_dashboard"]
