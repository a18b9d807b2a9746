"""Add a note to the status log, about the selected item or the whole project."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Checkbox, Input, Static
from updeck.tui.dashboard.screens._dialog import Dialog


@dataclass(frozen=True)
class NoteResult:
    text: str
    item: str | None


class NoteDialog(Dialog[NoteResult]):
    def __init__(self, item: str | None, *, lesson: bool = False) -> None:
        super().__init__()
        self.item = item
        self.lesson = lesson

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Note a lesson learned (for the review)" if self.lesson
                         else "Add a note to the status log", classes="dialog-title")
            yield Input(placeholder="what to do differently" if self.lesson else "what happened",
                        id="note")
            if self.item:
                yield Checkbox(f"about {self.item}", value=True, id="about")
            yield Static("", id="error", classes="dialog-error", markup=False)
            yield Static("enter: add   tab: about the item or not   esc: cancel",
                         classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one("#note", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            self.query_one("#error", Static).update("a note needs some text")
            return
        about = self.query("#about")
        item = self.item if about and about.first(Checkbox).value else None
        self.dismiss(NoteResult(text, item))
