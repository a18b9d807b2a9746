"""The typed contract between the app and its screens: what a screen may ask of the
dashboard, and what a screen that shows one project must answer.

Screens reach the app through :attr:`DashboardScreen.dashboard` (typed as
:class:`UpdeckApp`, never ``Any``). A :class:`ProjectShowingScreen` gets its project's
live view, the repository and the operator as typed properties, and the app calls its
:meth:`~ProjectShowingScreen.project_updated` / :meth:`~ProjectShowingScreen.project_failed`
when workers bring news about that project.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, TypedDict, TypeVar

from textual.screen import ModalScreen, Screen
from updeck.models.commands import Command
from updeck.models.events import Event, Operator
from updeck.storage.contract import ProjectRepository
from updeck.tui.dashboard.host import dashboard
from updeck.tui.dashboard.live import LiveProject

if TYPE_CHECKING:
    from updeck.tui.dashboard.app import UpdeckApp

T = TypeVar("T")


class CommandStamp(TypedDict):
    """Who makes a command and when: ``MoveItem(item=..., **stamp)``."""

    by: Operator
    at: datetime


class DashboardScreen(Screen[None]):
    """A full screen of the dashboard, with typed access to the app."""

    @property
    def dashboard(self) -> UpdeckApp:
        return dashboard(self)

    @property
    def read_only(self) -> bool:
        return self.dashboard.read_only

    def now(self) -> datetime:
        """The dashboard's clock (injectable in tests)."""
        return self.dashboard.now()

    def poll_soon(self) -> None:
        """Look at the disk again as soon as possible (e.g. after a dialog was cancelled)."""
        self.dashboard.poller.poll_now()


class ProjectShowingScreen(DashboardScreen):
    """A screen that shows one project. Subclasses draw in :meth:`project_updated`."""

    def __init__(self, project_id: str) -> None:
        super().__init__()
        self.project_id = project_id

    @property
    def live(self) -> LiveProject | None:
        """What the dashboard knows of this project; None until it was first read."""
        return self.dashboard.live.get(self.project_id)

    @property
    def repo(self) -> ProjectRepository:
        return self.dashboard.repo

    @property
    def operator(self) -> Operator:
        return self.dashboard.operator

    def show_or_load(self) -> None:
        """On mount: draw what the app already knows, or ask it to read the project."""
        live = self.live
        if live is not None:
            # After the first refresh: by then every widget of the screen is mounted (one
            # drawn into before its own mount would keep its empty first frame).
            self.call_after_refresh(self._show_known, live)
        else:
            self.dashboard.load_project(self.project_id)

    def _show_known(self, live: LiveProject) -> None:
        self.project_updated(live, [], first=True)
        self.dashboard.history_after_paint(self.project_id)

    def submit(self, command: Command) -> None:
        """Persist ``command`` on this project (in a worker); the screen changes when the
        events are on disk. A command that would pass a point of no return (a start, a done
        or an approval's go, from any key or dialog) is confirmed by typing its id first."""
        from updeck.models.commands import DecideApproval, MoveItem
        from updeck.models.rollback import passes_point_of_no_return

        live = self.live
        if (live is not None and isinstance(command, MoveItem | DecideApproval)
                and passes_point_of_no_return(live.state, command)):
            from updeck.tui.dashboard.screens.ponr import confirm_and_submit

            confirm_and_submit(self, self.project_id, live.state, command)
            return
        self.dashboard.submit(self.project_id, command)

    def stamp(self) -> CommandStamp:
        """``by`` and ``at`` for a command made here now."""
        return self.dashboard.stamp_command()

    def ask(self, dialog: ModalScreen[T], command: Callable[[T], Command | None]) -> None:
        """Open ``dialog``; when it closes with an answer, submit the command made from it.
        Cancelled (or no command): nothing is submitted and the screen looks again."""

        def done(answer: T | None) -> None:
            made = command(answer) if answer is not None else None
            if made is not None:
                self.submit(made)
            else:
                self.poll_soon()

        self.app.push_screen(dialog, done)

    def project_updated(self, live: LiveProject, fresh: list[Event], first: bool = False) -> None:
        """The project changed (``fresh`` events, or the whole view when ``first``)."""
        raise NotImplementedError

    def project_failed(self, error: str) -> None:
        """The project could not be read: say so and keep the last good view."""
        raise NotImplementedError
