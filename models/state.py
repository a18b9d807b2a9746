"""Project state: the fold of the status log over the project's template."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from updeck.models.events import GENESIS
from updeck.models.notify_rules import NotifyRule
from updeck.models.project import Project, Window
from updeck.models.template import ItemSpec


class ItemStatus(StrEnum):
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"
    BLOCKED = "blocked"


CLOSED: frozenset[ItemStatus] = frozenset({ItemStatus.DONE, ItemStatus.SKIPPED})

# A symbol and a word for each state: never colour alone (16 colours, NO_COLOR).
STATUS_SYMBOL: dict[ItemStatus, str] = {
    ItemStatus.TODO: "○",
    ItemStatus.IN_PROGRESS: "▶",
    ItemStatus.DONE: "✔",
    ItemStatus.FAILED: "✘",
    ItemStatus.SKIPPED: "⤼",
    ItemStatus.BLOCKED: "■",
}
STATUS_WORD: dict[ItemStatus, str] = {
    ItemStatus.TODO: "todo",
    ItemStatus.IN_PROGRESS: "running",
    ItemStatus.DONE: "done",
    ItemStatus.FAILED: "failed",
    ItemStatus.SKIPPED: "skipped",
    ItemStatus.BLOCKED: "blocked",
}


@dataclass(frozen=True, slots=True)
class Decision:
    approver: str
    go: bool
    by: str
    at: datetime
    note: str = ""
    login: str = ""  # the real login when it differs from ``by`` (``--as``)
    previous: Decision | None = None  # the decision this one changed, if any

    def who(self) -> str:
        """``alice``, or ``bob (as alice)`` when bob decided through ``--as``."""
        return f"{self.login} (as {self.by})" if self.login and self.login != self.by else self.by


@dataclass(frozen=True, slots=True)
class Verification:
    command: str
    exit_code: int
    output_tail: str
    duration: float
    host: str
    by: str
    at: datetime
    failure: str = ""  # why it failed ("exit 1, expected 0", "not run: ..."); "" = passed

    @property
    def passed(self) -> bool:
        return not self.failure


@dataclass(frozen=True, slots=True)
class MetricReading:
    value: str
    by: str
    at: datetime
    note: str = ""


@dataclass(frozen=True, slots=True)
class ItemRun:
    """What has happened to one item so far."""

    status: ItemStatus = ItemStatus.TODO
    started_at: datetime | None = None
    finished_at: datetime | None = None
    reason: str = ""
    held_status: ItemStatus | None = None  # the status a block interrupted
    by: str = ""  # who made the last move
    decisions: tuple[Decision, ...] = ()
    verifications: tuple[Verification, ...] = ()
    metrics: tuple[MetricReading, ...] = ()
    actual_cost: float | None = None
    last_seq: int = 0
    finished_seq: int = 0  # seq of the event that last closed or failed it (0: none)

    @property
    def closed(self) -> bool:
        return self.status in CLOSED

    @property
    def last_verification(self) -> Verification | None:
        return self.verifications[-1] if self.verifications else None

    @property
    def actual_duration(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


@dataclass(frozen=True, slots=True)
class RollbackStep:
    """One backout step: a done item's ``rollback`` text; with its run during a rollback."""

    item: str
    text: str
    estimate: int | None
    status: ItemStatus = ItemStatus.TODO  # todo, in_progress, done, failed or skipped
    started_at: datetime | None = None
    finished_at: datetime | None = None
    reason: str = ""
    by: str = ""


@dataclass(frozen=True, slots=True)
class RollbackPlan:
    """A rollback: its steps (newest item first) and whether it is still going on.

    ``state`` is ``in_progress``, ``finished`` or ``cancelled``; ``ended_*`` say when, by
    whom and why it was finished or cancelled. (Rules: :mod:`updeck.models.rollback`.)
    """

    steps: tuple[RollbackStep, ...]
    started_at: datetime | None = None
    by: str = ""
    reason: str = ""
    state: str = "in_progress"
    ended_at: datetime | None = None
    ended_by: str = ""
    end_note: str = ""

    @property
    def total_estimate(self) -> int:
        return sum(step.estimate or 0 for step in self.steps)

    @property
    def active(self) -> bool:
        """In progress: forward work is frozen."""
        return self.state == "in_progress"


@dataclass(slots=True)
class ProjectState:
    """The current picture of a project. Only :func:`updeck.models.fold.apply` changes it."""

    project: Project
    specs: Mapping[str, ItemSpec]
    dependents: Mapping[str, tuple[str, ...]]
    items: dict[str, ItemRun]
    window: Window  # the planned window (T is its start)
    opened_at: datetime | None = None
    closed_at: datetime | None = None
    rollback: RollbackPlan | None = None
    seq: int = 0
    last_hash: str = GENESIS
    created_at: datetime | None = None
    updated_at: datetime | None = None
    notes: int = 0
    extra: dict[str, object] = field(default_factory=dict)
    team: dict[str, tuple[str, ...]] = field(default_factory=dict)  # role -> people
    creator: str = ""  # the person who created the project (login when known)
    notify_rules: tuple[NotifyRule, ...] = ()  # the template's, then as changed by events

    @property
    def id(self) -> str:
        return self.project.id

    def run(self, item_id: str) -> ItemRun:
        return self.items[item_id]

    def status(self, item_id: str) -> ItemStatus:
        return self.items[item_id].status

    def open_dependencies(self, item_id: str) -> list[str]:
        """Ids of the items this one depends on that are neither done nor skipped."""
        return [dep for dep in self.specs[item_id].depends_on
                if self.items[dep].status not in CLOSED]

    def is_ready(self, item_id: str) -> bool:
        return not self.open_dependencies(item_id)

    def window_start(self) -> datetime | None:
        """T: the planned start, or the real one when none was planned."""
        return self.window.start or self.opened_at

    def phase_items(self, phase_id: str) -> list[ItemSpec]:
        return list(self.project.template.phase(phase_id).items)

    def point_of_no_return_passed(self) -> bool:
        """A point-of-no-return item has been started (or done): rollback is over."""
        return self.point_of_no_return_at() is not None

    def point_of_no_return_at(self) -> datetime | None:
        """When the first point-of-no-return item was started (passing it), or None."""
        moments = [started for spec in self.specs.values() if spec.point_of_no_return
                   and (started := self.items[spec.id].started_at) is not None]
        return min(moments) if moments else None

    def rollback_active(self) -> bool:
        """A rollback is in progress (forward work is frozen)."""
        return self.rollback is not None and self.rollback.active
