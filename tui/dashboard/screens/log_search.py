"""Search the status log (``/`` on the log): words, ``by:NAME``, ``item:ID``, ``kind:KIND``."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static
from updeck.tui.dashboard.screens._dialog import Dialog

KEYS = ("words match the line; by:NAME (operator)  item:ID  kind:moves,approvals,notes,"
        "verify,window\nenter: search (empty shows everything)   esc: cancel")


class LogSearchDialog(Dialog[str]):
    def __init__(self, current: str) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Search the status log", classes="dialog-title")
            yield Input(value=self.current, placeholder="by:bob item:stop-apps words",
                        id="log-query")
            yield Static(KEYS, classes="dialog-keys", markup=False)

    def on_mount(self) -> None:
        self.query_one("#log-query", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip())
