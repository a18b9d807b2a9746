"""Typed messages that workers post to the UI thread.

Workers never touch widgets: they post one of these (``post_message`` is thread-safe)
and a handler on the UI thread applies it. High-frequency ones coalesce with
``can_replace`` so a burst of changes costs one repaint.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual.message import Message
from updeck.models.events import Event
from updeck.models.state import ProjectState
from updeck.storage.errors import DamagedProject

if TYPE_CHECKING:  # the template reader (and YAML) loads only when a dialog lists templates
    from updeck.storage.templates import LoadedTemplate, TemplateEntry

Stamp = tuple[int, ...]
"""The repository's cheap change marker of one project (``Repository.stamp``)."""


class ProjectsListed(Message):
    """The home screen's list: every readable project, and the damaged ones."""

    def __init__(self, projects: Sequence[ProjectState], damaged: Sequence[DamagedProject]) -> None:
        super().__init__()
        self.projects = list(projects)
        self.damaged = list(damaged)

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ProjectsListed)


class ProjectLoaded(Message):
    """A project opened: its state and the newest part of its status log (the whole log
    follows in :class:`HistoryLoaded` when ``complete`` is false). ``stamp`` is the
    change marker read just before the state."""

    def __init__(self, project_id: str, state: ProjectState, events: Sequence[Event],
                 complete: bool = True, stamp: Stamp | None = None) -> None:
        super().__init__()
        self.project_id = project_id
        self.state = state
        self.events = list(events)
        self.complete = complete
        self.stamp = stamp


class HistoryLoaded(Message):
    """The whole status log of a project, read after its state was already shown."""

    def __init__(self, project_id: str, events: Sequence[Event]) -> None:
        super().__init__()
        self.project_id = project_id
        self.events = list(events)


class ProjectChanged(Message):
    """New events in a project (ours or another operator's), with the state after them.

    Two pending changes of one project merge: the newer state wins and the events of
    both are kept, so the status log never misses an entry. ``stamp`` is the change
    marker read before the state (None: not read); ``written`` the sequence numbers this
    dashboard's own write produced.
    """

    def __init__(self, project_id: str, state: ProjectState, events: Sequence[Event],
                 own: bool = False, stamp: Stamp | None = None,
                 written: Sequence[int] = ()) -> None:
        super().__init__()
        self.project_id = project_id
        self.state = state
        self.events = list(events)
        self.own = own
        self.stamp = stamp
        self.written = list(written)

    def can_replace(self, message: Message) -> bool:
        # Called on the older message with the newer one pending behind it.
        if (isinstance(message, ProjectChanged) and message.project_id == self.project_id
                and message.own == self.own):
            known = {e.seq for e in message.events}
            message.events[:0] = [e for e in self.events if e.seq not in known]
            message.written[:0] = [s for s in self.written if s not in message.written]
            if message.stamp is None:
                message.stamp = self.stamp
            return True
        return False


class ProjectFailed(Message):
    """A project could not be read (damaged, gone): say so, keep the last good view."""

    def __init__(self, project_id: str, error: str) -> None:
        super().__init__()
        self.project_id = project_id
        self.error = error


class CommandRefused(Message):
    """The engine said no; nothing changed."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class StorageTrouble(Message):
    """The data folder said no (busy, damaged, unreadable); nothing changed."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class TemplatesFound(Message):
    """The templates on the search path (broken ones with their errors)."""

    def __init__(self, entries: Sequence[TemplateEntry]) -> None:
        super().__init__()
        self.entries = list(entries)


class TemplateLoaded(Message):
    """One template read for the new-project dialog, or why it could not be."""

    def __init__(self, loaded: LoadedTemplate | None, error: str = "") -> None:
        super().__init__()
        self.loaded = loaded
        self.error = error


class ProjectCreated(Message):
    """The new-project dialog's project is on disk."""

    def __init__(self, project_id: str) -> None:
        super().__init__()
        self.project_id = project_id


class VerificationFinished(Message):
    """A verify command ran and its result was recorded (``failure``: why it did not
    pass; "" = passed)."""

    def __init__(self, item: str, exit_code: int, output_tail: str, duration: float,
                 failure: str = "") -> None:
        super().__init__()
        self.item = item
        self.exit_code = exit_code
        self.output_tail = output_tail
        self.duration = duration
        self.failure = failure  # why it did not pass; "" = passed


class OutboxChanged(Message):
    """What the project's notification outbox holds (``text``: "" when all is delivered;
    ``alarm``: something failed for good)."""

    def __init__(self, project_id: str, text: str, alarm: bool) -> None:
        super().__init__()
        self.project_id = project_id
        self.text = text
        self.alarm = alarm


class ChangeSignalled(Message):
    """The database said the project on screen changed (LISTEN/NOTIFY): poll now."""

    def __init__(self, project_id: str) -> None:
        super().__init__()
        self.project_id = project_id
