"""Runs built by the engine with known durations: a live project and its rehearsals."""

from __future__ import annotations

from datetime import datetime, timedelta

from updeck.models.commands import CreateProject, DecideApproval, ItemAction, MoveItem
from updeck.models.engine import apply, decide, fold
from updeck.models.events import Event, Operator
from updeck.models.project import Project
from updeck.models.runs import rehearsal_of
from updeck.models.state import ProjectState

TESTER = Operator("tester", "jump1")


class RunDriver:
    """Creates ``project`` and walks items with a clock of its own."""

    def __init__(self, project: Project, at: datetime) -> None:
        self.at = at
        created = decide(None, CreateProject(project=project, by=TESTER, at=at))
        assert isinstance(created, list)
        self.events: list[Event] = list(created)
        self.state: ProjectState = fold(self.events)

    def move(self, item_id: str, action: ItemAction, reason: str = "") -> None:
        # The driver walks a run as a script does with --confirm-ponr: a start that passes
        # a point of no return is confirmed explicitly (the rule itself: tests/unit/test_rollback.py).
        result = decide(self.state, MoveItem(item=item_id, action=action, reason=reason,
                                             by=TESTER, at=self.at,
                                             confirm_ponr=action is ItemAction.START))
        assert isinstance(result, list), f"refused: {result}"
        for event in result:
            self.state = apply(self.state, event)
        self.events.extend(result)

    def do(self, command_type: type, **fields: object) -> None:
        result = decide(self.state, command_type(by=TESTER, at=self.at, **fields))
        assert isinstance(result, list), f"refused: {result}"
        for event in result:
            self.state = apply(self.state, event)
        self.events.extend(result)

    def approve(self, item_id: str, *approvers: str) -> None:
        for approver in approvers:
            result = decide(self.state, DecideApproval(item=item_id, go=True, approver=approver,
                                                       by=TESTER, at=self.at))
            assert isinstance(result, list), f"refused: {result}"
            for event in result:
                self.state = apply(self.state, event)
            self.events.extend(result)

    def work(self, item_id: str, seconds: float) -> None:
        """Start the item now, finish it ``seconds`` later."""
        self.move(item_id, ItemAction.START)
        self.at += timedelta(seconds=seconds)
        self.move(item_id, ItemAction.DONE)


def rehearsal_run(live: Project, name: str, at: datetime, durations: dict[str, float],
                  skips: dict[str, str] | None = None, run_id: str | None = None) -> RunDriver:
    """A rehearsal of ``live`` where each item of ``durations`` is done in that many
    seconds (in the order given) and each item of ``skips`` skipped with its reason."""
    driver = RunDriver(rehearsal_of(live, name, project_id=run_id), at)
    for item_id, reason in (skips or {}).items():
        driver.move(item_id, ItemAction.SKIP, reason)
    for item_id, seconds in durations.items():
        driver.work(item_id, seconds)
    return driver
