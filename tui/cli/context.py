"""What the subcommands share: the context (repository, operator, time), value parsing
with usage errors, printing events, warnings on stderr, confirmation, writing files."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from updeck.models.commands import (
    Command,
    Refusal,
)
from updeck.models.events import Event, Operator, utc_now
from updeck.models.state import ProjectState
from updeck.storage.contract import ProjectRepository
from updeck.storage.identity import current_operator
from updeck.storage.repository import open_repository
from updeck.tui.cli.exit_codes import EXIT_REFUSED, EXIT_USAGE, CliError

if TYPE_CHECKING:  # the schedule is loaded only by the commands that need it
    from updeck.models.schedule import Schedule
from updeck.tui.cli.output import (
    clean,
    emit,
    log_line,
)


def warn(message: str) -> None:
    with contextlib.suppress(OSError, ValueError):
        print(clean(f"updeck: {message}"), file=sys.stderr, flush=True)


class Context:
    """What most commands need: the repository, the operator, the time."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self._warned: set[str] = set()

    @cached_property
    def repo(self) -> ProjectRepository:
        return open_repository(getattr(self.args, "db", None))

    @cached_property
    def operator(self) -> Operator:
        return current_operator(getattr(self.args, "as_name", None))

    def now(self) -> datetime:
        return utc_now()

    def project_id(self) -> str:
        return self.repo.resolve(self.args.project)

    def state(self, project_id: str) -> ProjectState:
        state = self.repo.load(project_id)
        notice = self.repo.notice(project_id)
        if notice is not None:
            warn(f"{project_id}: {notice}")
        self.say_if_rewritten(project_id)
        return state

    def say_if_rewritten(self, project_id: str) -> str | None:
        """Once per command: warn when this operator's witness contradicts the log."""
        problem = self.repo.log_rewritten(project_id)
        if problem is not None and project_id not in self._warned:
            self._warned.add(project_id)
            warn(f"WARNING: {problem}; writes to {project_id} are refused "
                 f"(updeck check-log {project_id} says more)")
        return problem

    def site_zone(self, project_id: str) -> tzinfo:
        """The project's site zone: how a time typed without an offset is read."""
        from updeck.models.timezones import zone_named

        try:
            return zone_named(self.state(project_id).project.timezone)
        except ValueError:
            return UTC  # a zone this system does not know: UTC, as the log stores

    def submit(self, project_id: str, command: Command) -> list[Event]:
        return self.accepted(project_id, getattr(command, "item", None),
                             self.repo.submit(project_id, command))

    def accepted(self, project_id: str, item: str | None,
                 result: list[Event] | Refusal) -> list[Event]:
        """The events of a submitted command, or a CliError for the engine's refusal."""
        if isinstance(result, Refusal):
            if result.not_found:
                hint = _item_hint(self.state(project_id), item) if item else ""
                raise CliError(result.reason + hint, EXIT_USAGE)
            raise CliError(result.reason, EXIT_REFUSED)
        return result


def _item_hint(state: ProjectState, item_id: str) -> str:
    import difflib

    close = difflib.get_close_matches(item_id, list(state.specs), n=3, cutoff=0.6)
    if close:
        return "; did you mean " + " or ".join(close) + "?"
    return f"; 'updeck export {state.id} --format csv' lists the items"


def need_item(state: ProjectState, item_id: str) -> None:
    if item_id not in state.specs:
        raise CliError(f"no item {item_id!r} in project {state.id}" + _item_hint(state, item_id),
                       EXIT_USAGE)


def print_events(events: list[Event]) -> None:
    for event in events:
        emit(log_line(event))


T = TypeVar("T")


def value(parse: Callable[[], T]) -> T:
    """``parse()``; its ValueError becomes a usage error."""
    try:
        return parse()
    except ValueError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None


def schedule_of(state: ProjectState, now: datetime) -> Schedule:
    from updeck.models.schedule import compute_schedule

    return compute_schedule(state, now)






def confirm(question: str) -> bool:
    sys.stderr.write(question)
    sys.stderr.flush()
    answer = sys.stdin.readline()
    if not answer:
        sys.stderr.write("\n")
    return answer.strip().lower() in ("y", "yes")


def write_file(name: str, text: str) -> None:
    """Write whole or not at all through an exclusive temp file beside the target; only a
    regular file is replaced, and it keeps its mode (storage.safe_files)."""
    from updeck.storage.safe_files import UnsafeFile, write_replacing

    target = Path(name)
    try:
        write_replacing(target, text.encode("utf-8"))
    except UnsafeFile as exc:
        raise CliError(f"not writing {exc}", EXIT_REFUSED) from None
    except OSError as exc:
        if not target.parent.is_dir():
            raise CliError(f"cannot write {target}: the folder {target.parent} does not exist",
                           EXIT_USAGE) from None
        raise CliError(f"cannot write {target}: {exc.strerror or exc}", EXIT_USAGE) from None


