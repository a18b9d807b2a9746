"""Yes/no questions (the verification dialog is in verify.py)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static
from updeck.models.text import block
from updeck.tui.dashboard.format import plain
from updeck.tui.dashboard.screens._dialog import Dialog


class ConfirmDialog(Dialog[bool]):
    BINDINGS = [
        *Dialog.BINDINGS,
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, title: str, body: str, question: str = "Go ahead?") -> None:
        super().__init__()
        self.title_text = title
        self.body = body
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(plain(self.title_text), classes="dialog-title", markup=False)
            yield Static(block(self.body), classes="dialog-body", markup=False)
            yield Static(plain(self.question), markup=False)
            yield Static("y: yes   n / esc: no", classes="dialog-keys")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
