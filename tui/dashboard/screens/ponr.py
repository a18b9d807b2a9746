"""Passing the point of no return: the operator types the item's id to confirm.

:func:`confirm_and_submit` is where every screen's submit sends a command that would pass
a point of no return (a start, a done, an approval's go): it is first tried against the
engine (a refusal, e.g. during a rollback, is shown at once, before asking anything), then
confirmed in :class:`PonrDialog`, and only then submitted with ``confirm_ponr``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input, Label, Static
from updeck.models.commands import DecideApproval, MoveItem, Refusal
from updeck.models.durations import format_duration
from updeck.models.engine import backout_steps, decide
from updeck.models.state import ProjectState
from updeck.tui.dashboard.format import plain
from updeck.tui.dashboard.screens._dialog import Dialog


class PonrDialog(Dialog[bool]):
    """Dismissed with True only when the item's id was typed exactly."""

    def __init__(self, item: str, title: str, lost: str) -> None:
        super().__init__()
        self.item = item
        self.title_text = title
        self.lost = lost

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(f"POINT OF NO RETURN: {self.item}", classes="dialog-title", markup=False)
            yield Static(f"{plain(self.title_text)}\n\nStarting it means {self.lost}. From then on "
                         "the only way is to fix forward.", classes="dialog-body", markup=False)
            yield Label(f"Type {self.item} to pass it:", markup=False)
            yield Input(placeholder=self.item, id="ponr-id")
            yield Static("", id="error", classes="dialog-error", markup=False)
            yield Static("enter: confirm   esc: cancel", classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one("#ponr-id", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.value.strip() != self.item:
            self.query_one("#error", Static).update(f"type exactly {self.item} (or esc to cancel)")
            return
        self.dismiss(True)


def lost_words(state: ProjectState) -> str:
    steps = backout_steps(state)
    if not steps:
        return "a rollback can no longer be started"
    total = sum(step.estimate or 0 for step in steps)
    return f"the backout ({len(steps)} steps, about {format_duration(total)}) can no longer be run"


def confirm_and_submit(screen: Screen[Any], project_id: str, state: ProjectState,
                       command: MoveItem | DecideApproval) -> None:
    """Submit a command that passes a point of no return: tried against the engine first
    (a refusal is shown at once, before asking anything), then confirmed by typing the id."""
    app: Any = screen.app
    confirmed = replace(command, confirm_ponr=True)
    verdict = decide(state, confirmed)
    if isinstance(verdict, Refusal):  # refused anyway: say so before asking anything
        screen.notify(verdict.reason, title="Refused", severity="error", markup=False)
        return
    what = "go not recorded" if isinstance(command, DecideApproval) else "not started"

    def done(yes: bool | None) -> None:
        if yes:
            app.submit(project_id, replace(confirmed, at=app.now()))
        else:
            screen.notify(f"{command.item} {what}: the point of no return was not passed",
                          markup=False)

    app.push_screen(PonrDialog(command.item, state.specs[command.item].title, lost_words(state)), done)
