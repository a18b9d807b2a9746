"""What operators ask for. The engine turns a command into events, or refuses it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from updeck.models.events import Operator
from updeck.models.notify_rules import NotifyRule
from updeck.models.project import Project, Window


class ItemAction(StrEnum):
    START = "start"
    DONE = "done"
    FAIL = "fail"
    SKIP = "skip"
    BLOCK = "block"
    UNBLOCK = "unblock"
    REOPEN = "reopen"


@dataclass(frozen=True, slots=True, kw_only=True)
class Command:
    by: Operator
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateProject(Command):
    project: Project


@dataclass(frozen=True, slots=True, kw_only=True)
class MoveItem(Command):
    item: str
    action: ItemAction
    reason: str = ""
    confirm_ponr: bool = False  # starting a point-of-no-return item needs it


@dataclass(frozen=True, slots=True, kw_only=True)
class DecideApproval(Command):
    item: str
    go: bool
    approver: str | None = None  # the role or person decided for; default: the operator
    note: str = ""
    change: bool = False  # says "I mean to change a decision already recorded"
    confirm_ponr: bool = False  # a go that starts a point-of-no-return approval needs it


@dataclass(frozen=True, slots=True, kw_only=True)
class AddNote(Command):
    text: str
    item: str | None = None
    lesson: bool = False  # a lesson learned, for the post-implementation review


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanWindow(Command):
    window: Window


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenWindow(Command):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class CloseWindow(Command):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordVerification(Command):
    item: str
    command: str
    exit_code: int
    output_tail: str
    duration: float
    host: str
    failure: str | None = None  # the runner's verdict ("" passed); None: judge the exit code


@dataclass(frozen=True, slots=True, kw_only=True)
class StartRollback(Command):
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RollbackStepAction(Command):
    """Start, finish (done), fail or skip one backout step (fail and skip need a note)."""

    item: str
    action: str  # start, done, fail, skip
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class FinishRollback(Command):
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelRollback(Command):
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordMetric(Command):
    item: str
    value: str
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordCost(Command):
    item: str
    amount: float
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeTeam(Command):
    """Add ``user`` to ``role`` in the project's team, or remove them."""

    user: str
    role: str
    add: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeNotifyRules(Command):
    """Add a notification rule (``rule``) or remove the one named ``remove``."""

    rule: NotifyRule | None = None
    remove: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordNotifyOutcomes(Command):
    """What the sender delivered, and what failed for good (each a plain dict: key, rule,
    target, trigger, tries; error for a failure)."""

    delivered: tuple[dict[str, object], ...] = ()
    failed: tuple[dict[str, object], ...] = ()


@dataclass(frozen=True, slots=True)
class Refusal:
    """The engine said no. ``not_found`` marks an unknown item (bad input, not a rule)."""

    reason: str
    not_found: bool = False

    def __str__(self) -> str:
        return self.reason
