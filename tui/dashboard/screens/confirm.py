"""Yes/no questions, and the verification dialog that shows the command before it runs."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static
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
            yield Static(self.title_text, classes="dialog-title", markup=False)
            yield Static(self.body, classes="dialog-body", markup=False)
            yield Static(self.question, markup=False)
            yield Static("y: yes   n / esc: no", classes="dialog-keys")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class VerifyDialog(ConfirmDialog):
    """Show the exact command, where it runs and the timeout; ask before running it."""

    def __init__(self, item: str, command: str, host: str, timeout: float) -> None:
        super().__init__(
            f"Run the verification of {item}?",
            f"$ {command}\n\nruns on {host} as you, in a shell, for at most {timeout:.0f}s;"
            " its exit code and the end of its output go in the status log",
            "Run it now?",
        )
