"""Ask for the reason of a fail, skip, block or reopen (the engine requires one)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, Static
from updeck.tui.dashboard.format import plain
from updeck.tui.dashboard.screens._dialog import Dialog


class ReasonDialog(Dialog[str]):
    def __init__(self, title: str, prompt: str = "Why? (required; it goes in the log)",
                 placeholder: str = "reason") -> None:
        super().__init__()
        self.title_text = title
        self.prompt = prompt
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(plain(self.title_text), classes="dialog-title", markup=False)
            yield Label(plain(self.prompt), markup=False)
            yield Input(placeholder=self.placeholder, id="reason")
            yield Static("", id="error", classes="dialog-error", markup=False)
            yield Static("enter: confirm   esc: cancel", classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            self.query_one("#error", Static).update("a reason is required; say why")
            return
        self.dismiss(text)
