"""The checklist filter: words, ``owner:NAME``, ``state:todo``, ``kind:check``, ``stream:dba``, ``late``,
``ready``. Empty clears it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static
from updeck.tui.dashboard.item_filter import ItemFilter
from updeck.tui.dashboard.screens._dialog import Dialog


class FilterDialog(Dialog[str]):
    def __init__(self, current: str) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Filter the checklist", classes="dialog-title")
            yield Input(value=self.current, placeholder="owner:dba state:todo words", id="query")
            yield Static("", id="error", classes="dialog-error", markup=False)
            yield Static("words match id/title/owner; owner:NAME owner:me  state:todo,running,"
                         "done,failed,skipped,blocked,open  kind:KIND  stream:NAME  late  ready;  "
                         "* first: every phase\n"
                         "enter: apply (empty clears)   esc: cancel", classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one("#query", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        parsed = ItemFilter.parse(event.value, me=("me",))
        if parsed.errors:
            self.query_one("#error", Static).update("; ".join(parsed.errors))
            return
        self.dismiss(event.value.strip())
