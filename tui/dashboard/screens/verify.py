"""The verification dialog: the command exactly as it will run, every line numbered and
scrollable, with the host and the operator; it asks only once all of it has been shown."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static
from updeck.models.text import numbered
from updeck.tui.dashboard.format import plain
from updeck.tui.dashboard.screens._dialog import Dialog


class VerifyDialog(Dialog[bool]):
    """``y`` runs the command, but only when its last line has been on screen."""

    BINDINGS = [
        *Dialog.BINDINGS,
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, item: str, command: str, host: str, operator: str,
                 timeout: float) -> None:
        super().__init__()
        self.item = item
        self.command = command
        self.host = host
        self.operator = operator
        self.timeout = timeout
        self.lines = numbered(command)

    def compose(self) -> ComposeResult:
        count = len(self.lines)
        with Vertical(classes="dialog verify-dialog"):
            yield Static(f"Run the verification of {plain(self.item)}?",
                         classes="dialog-title", markup=False)
            yield Static(
                f"{count} line{'s' * (count != 1)}, exactly as the shell will get them, on "
                f"{plain(self.host)} as {plain(self.operator)}, for at most "
                f"{self.timeout:.0f}s; its exit code and the end of its output go in the "
                "status log", classes="dialog-body", markup=False)
            with VerticalScroll(id="verify-command"):
                yield Static(Text("\n".join(self.lines), no_wrap=False), markup=False,
                             id="verify-lines")
            yield Static("", id="verify-question", markup=False)
            yield Static("y: run it   n / esc: no   ↑↓ pgup pgdn: scroll",
                         classes="dialog-keys")

    def on_mount(self) -> None:
        scroller = self.query_one("#verify-command", VerticalScroll)
        scroller.focus()
        self.watch(scroller, "scroll_y", lambda _: self._ask(), init=False)
        self.watch(scroller, "max_scroll_y", lambda _: self._ask(), init=False)
        self._ask()
        self.call_after_refresh(self._ask)

    def all_shown(self) -> bool:
        scroller = self.query_one("#verify-command", VerticalScroll)
        return scroller.max_scroll_y <= 0 or scroller.scroll_y >= scroller.max_scroll_y

    def _ask(self) -> None:
        question = ("Run it now?" if self.all_shown() else
                    f"Scroll to line {len(self.lines)} before answering: "
                    "the command continues below.")
        self.query_one("#verify-question", Static).update(question)

    def action_answer(self, yes: bool) -> None:
        if yes and not self.all_shown():
            self._ask()
            self.notify(f"the command has {len(self.lines)} lines; read them all first "
                        "(scroll down)", severity="warning", markup=False)
            return
        self.dismiss(yes)
