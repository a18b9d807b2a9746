"""Shared base of the phase panels: a Static of literal Text with a border title."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import Static
from updeck.models.schedule import Schedule
from updeck.models.state import ProjectState


class PhasePanel(Static, can_focus=True):
    """A panel that draws itself from a state; subclasses implement :meth:`build`."""

    TITLE = ""
    PHASES: tuple[str, ...] = ()

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.border_title = self.TITLE

    def show(self, state: ProjectState, schedule: Schedule | None, now: datetime) -> None:
        self.update(self.build(state, schedule, now))

    def build(self, state: ProjectState, schedule: Schedule | None, now: datetime) -> Text:
        raise NotImplementedError
