"""Record a go or a no-go on an approval item, choosing the approver role."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option
from updeck.models.state import ItemRun
from updeck.models.template import ItemSpec
from updeck.tui.dashboard.screens._dialog import Dialog


@dataclass(frozen=True)
class ApprovalResult:
    approver: str
    go: bool
    note: str


class ApproveDialog(Dialog[ApprovalResult]):
    BINDINGS = [
        *Dialog.BINDINGS,
        Binding("g", "decide(True)", "Go", id="approve.go"),
        Binding("G", "decide(True)", "Go", show=False),
        Binding("n,N", "decide(False)", "No-go", id="approve.nogo"),
    ]

    def __init__(self, spec: ItemSpec, run: ItemRun, operator: str) -> None:
        super().__init__()
        self.spec = spec
        self.run = run
        self.operator = operator

    def compose(self) -> ComposeResult:
        decided = {d.approver: d for d in self.run.decisions}
        options = []
        for approver in self.spec.approvers:
            d = decided.get(approver)
            state = "pending" if d is None else ("GO" if d.go else "NO-GO") + f" by {d.by}"
            options.append(Option(f"{approver}  ({state})", id=approver))
        with Vertical(classes="dialog"):
            yield Static(f"Go/no-go: {self.spec.id}", classes="dialog-title", markup=False)
            yield Static(self.spec.title, markup=False)
            yield Static("Decide for which approver?", classes="dialog-label")
            yield OptionList(*options, id="approvers")
            yield Input(placeholder="note (optional; say why for a no-go)", id="note")
            yield Static("", id="error", classes="dialog-error", markup=False)
            yield Static("g: GO   n: NO-GO   tab: note   esc: cancel", classes="dialog-keys")

    def on_mount(self) -> None:
        options = self.query_one("#approvers", OptionList)
        options.focus()
        pending = [i for i, a in enumerate(self.spec.approvers)
                   if a not in {d.approver for d in self.run.decisions}]
        mine = [i for i, a in enumerate(self.spec.approvers) if a == self.operator]
        options.highlighted = (mine or pending or [0])[0]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # While typing a note, letters are text, not keys.
        return not (action == "decide" and isinstance(self.focused, Input))

    def action_decide(self, go: bool) -> None:
        options = self.query_one("#approvers", OptionList)
        index = options.highlighted
        if index is None:
            self.query_one("#error", Static).update("choose an approver first")
            return
        approver = self.spec.approvers[index]
        note = self.query_one("#note", Input).value.strip()
        self.dismiss(ApprovalResult(approver, go, note))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#approvers", OptionList).focus()
        self.query_one("#error", Static).update("now press g for GO or n for NO-GO")
