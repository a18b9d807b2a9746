"""The dashboard's disk work, as jobs for thread workers: each reads or writes through the
repository and returns the typed message (updeck.tui.dashboard.messages) that the UI
thread applies. No widget is touched here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from textual.message import Message
from updeck.models.commands import Command, Refusal
from updeck.models.events import Operator
from updeck.storage.contract import ProjectRepository
from updeck.storage.errors import StorageError
from updeck.tui.common.verify_record import record_verification
from updeck.tui.common.verify_run import run_check
from updeck.tui.dashboard.messages import (
    CommandRefused,
    HistoryLoaded,
    ProjectChanged,
    ProjectFailed,
    ProjectLoaded,
    VerificationFinished,
)

Post = Callable[[Message], object]


def sentence(exc: BaseException | None) -> str:
    """The first line of an error, for a notification."""
    if exc is None:
        return "unknown error"
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def read_project(repo: ProjectRepository, project_id: str) -> Message:
    """Open a project: its state (cheap: storage keeps snapshots) without its log, which
    can be long; :func:`read_history` reads that once the first screen is drawn."""
    try:
        stamp = repo.stamp(project_id)
        state = repo.load(project_id)
    except StorageError as exc:
        return ProjectFailed(project_id, sentence(exc))
    return ProjectLoaded(project_id, state, [], complete=False, stamp=stamp)


def read_history(repo: ProjectRepository, project_id: str) -> Message:
    """The whole log of a project, for the status log and the item history."""
    # Through a reader of its own, so reading a long history never holds the lock that a
    # key press's write needs.
    reader = repo.reopen()
    try:
        history = reader.events(project_id, 0)
    except StorageError as exc:
        return ProjectFailed(project_id, sentence(exc))
    finally:
        reader.close()
    return HistoryLoaded(project_id, history)


def write_command(repo: ProjectRepository, project_id: str, command: Command, since_seq: int,
                  own: set[int]) -> Message:
    """Submit ``command``; the change it made (noting its events in ``own`` before any
    poll can show them as another operator's) or the engine's refusal."""
    result = repo.submit(project_id, command)
    if isinstance(result, Refusal):
        return CommandRefused(result.reason)
    own.update(e.seq for e in result)
    # The marker first, then the state: a write by another process in between is then
    # seen as new by the next poll instead of being taken as already read.
    stamp = repo.stamp(project_id)
    state, events = repo.changes_since(project_id, since_seq)
    return ProjectChanged(project_id, state, events, own=True, stamp=stamp,
                          written=[e.seq for e in result])


def verify_and_record(repo: ProjectRepository, project_id: str, item: str, command: str, *,
                      timeout: float, expect_exit: int = 0, expect_output: str = "",
                      by: Operator, now: Callable[[], datetime],
                      since_seq: Callable[[], int], own: set[int], post: Post) -> Message:
    """Run ``item``'s verify command and record the result (patiently, see
    updeck.tui.common.verify_record); post the verdict, return the change."""
    try:
        run = run_check(command, timeout, expect_exit=expect_exit, expect_output=expect_output)
    except OSError as exc:  # no shell to run it in: no evidence either way, as the CLI says
        return CommandRefused(f"could not start the shell to run the verify command: {exc}; "
                              "nothing was recorded")
    result = record_verification(repo, project_id, item, command, run, by=by, at=now())
    if isinstance(result, Refusal):
        return CommandRefused(result.reason)
    own.update(e.seq for e in result)
    post(VerificationFinished(item, run.exit_code, run.output_tail, run.duration, run.failure))
    state, events = repo.changes_since(project_id, since_seq())
    return ProjectChanged(project_id, state, events, own=True, written=[e.seq for e in result])
