"""Builders for the engine-level tests: items, templates and a Driver that runs commands
through decide/apply with a clock."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from updeck.models.commands import (
    Command,
    CreateProject,
    ItemAction,
    MoveItem,
    Refusal,
)
from updeck.models.engine import apply, decide, fold
from updeck.models.events import Event, Operator
from updeck.models.phases import PHASE_IDS
from updeck.models.project import Window, instantiate
from updeck.models.state import ItemStatus, ProjectState
from updeck.models.template import ItemSpec, PhaseSpec, Template

S = ItemStatus
A = ItemAction
T0 = datetime(2026, 12, 5, 22, 0, tzinfo=UTC)
WINDOW = Window(T0, T0 + timedelta(hours=4))
ALICE = Operator("alice", "jump1", "10.0.0.5")
BOB = Operator("bob", "jump1")


# --- builders -----------------------------------------------------------------------

def item(item_id: str, phase: str = "execute", **fields: Any) -> ItemSpec:
    for name in ("depends_on", "approvers", "covers", "tags"):
        if name in fields:
            fields[name] = tuple(fields[name])
    return ItemSpec(id=item_id, title=f"Do {item_id}", phase=phase, **fields)


def template(*items: ItemSpec, window_duration: int | None = 4 * 3600) -> Template:
    by_phase: dict[str, list[ItemSpec]] = defaultdict(list)
    for spec in items:
        by_phase[spec.phase].append(spec)
    return Template(
        id="t", name="Test plan", window_duration=window_duration,
        roles=("dba", "app-owner", "change-manager"),
        phases=tuple(PhaseSpec(p, items=tuple(by_phase[p])) for p in PHASE_IDS if p in by_phase),
    )


class Driver:
    """Runs commands through decide/apply, keeping the log and a clock."""

    def __init__(self, *items: ItemSpec, window: Window | None = WINDOW,
                 at: datetime = T0 - timedelta(hours=1), window_duration: int | None = 4 * 3600) -> None:
        self.at = at
        project = instantiate(template(*items, window_duration=window_duration), "Test project",
                              window=window, project_id="test-000001")
        created = decide(None, CreateProject(project=project, by=ALICE, at=at))
        assert isinstance(created, list)
        self.events: list[Event] = list(created)
        self.state: ProjectState = fold(self.events)

    def tick(self, seconds: float) -> datetime:
        self.at += timedelta(seconds=seconds)
        return self.at

    def run(self, command_type: type[Command], *, by: Operator = ALICE,
            **fields: Any) -> list[Event] | Refusal:
        fields.setdefault("at", self.at)
        result = decide(self.state, command_type(by=by, **fields))
        if isinstance(result, list):
            for event in result:
                self.state = apply(self.state, event)
            self.events.extend(result)
        return result

    def ok(self, command_type: type[Command], **fields: Any) -> list[Event]:
        result = self.run(command_type, **fields)
        assert isinstance(result, list), f"refused: {result}"
        return result

    def no(self, command_type: type[Command], **fields: Any) -> Refusal:
        before = self.state
        result = self.run(command_type, **fields)
        assert isinstance(result, Refusal), f"not refused: {result}"
        assert self.state is before  # a refusal changes nothing
        return result

    def move(self, item_id: str, action: ItemAction, reason: str = "", **fields: Any) -> list[Event]:
        return self.ok(MoveItem, item=item_id, action=action, reason=reason, **fields)

    def refuse(self, item_id: str, action: ItemAction, reason: str = "") -> str:
        return self.no(MoveItem, item=item_id, action=action, reason=reason).reason

    def status(self, item_id: str) -> ItemStatus:
        return self.state.items[item_id].status


def bring_to(driver: Driver, item_id: str, status: ItemStatus) -> None:
    """Move a ready item from todo to ``status``."""
    if status is S.TODO:
        return
    if status is S.IN_PROGRESS:
        driver.move(item_id, A.START)
    elif status is S.DONE:
        driver.move(item_id, A.DONE)
    elif status is S.FAILED:
        driver.move(item_id, A.FAIL, "it broke")
    elif status is S.SKIPPED:
        driver.move(item_id, A.SKIP, "not needed")
    elif status is S.BLOCKED:
        driver.move(item_id, A.BLOCK, "waiting for the vendor")
    assert driver.status(item_id) is status
