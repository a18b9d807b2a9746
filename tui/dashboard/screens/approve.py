"""Record a go or a no-go on an approval item: who you are, the roles you hold, each
role's decision and who made it; changing a recorded decision is asked about first."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option
from updeck.models.events import Operator
from updeck.models.state import Decision, ProjectState
from updeck.models.team import has_team, holders, names
from updeck.tui.common.team_view import you_line
from updeck.tui.dashboard.format import plain
from updeck.tui.dashboard.screens._dialog import Dialog

SELECTED, OTHER = "▸ ", "  "


@dataclass(frozen=True)
class ApprovalResult:
    approver: str
    go: bool
    note: str
    change: bool = False  # the operator confirmed changing a recorded decision


class ApproveDialog(Dialog[ApprovalResult]):
    BINDINGS = [
        *Dialog.BINDINGS,
        Binding("g", "decide(True)", "Go", id="approve.go"),
        Binding("G", "decide(True)", "Go", show=False),
        Binding("n,N", "decide(False)", "No-go", id="approve.nogo"),
    ]

    def __init__(self, state: ProjectState, item_id: str, operator: Operator) -> None:
        super().__init__()
        self.state = state
        self.spec = state.specs[item_id]
        self.run = state.items[item_id]
        self.operator = operator
        self.decided: dict[str, Decision] = {d.approver: d for d in self.run.decisions}
        self.asked: tuple[str, bool] | None = None  # (role, go) whose change was asked about

    def _row(self, approver: str, selected: bool) -> str:
        d = self.decided.get(approver)
        said = "pending" if d is None else ("GO" if d.go else "NO-GO") + f" by {d.who()}"
        mine = ""
        if has_team(self.state.team):
            people = holders(self.state.team, self.state.project.template, approver)
            mine = "  yours" if self.operator.user in people else f"  held by {names(people)}"
        return plain(f"{SELECTED if selected else OTHER}{approver}  ({said}){mine}")

    def compose(self) -> ComposeResult:
        options = [Option(self._row(a, False), id=a) for a in self.spec.approvers]
        with Vertical(classes="dialog"):
            yield Static(f"Go/no-go: {plain(self.spec.id)}", classes="dialog-title", markup=False)
            yield Static(plain(self.spec.title), markup=False)
            yield Static(plain(you_line(self.state, self.operator)), id="you", markup=False)
            yield Static("Decide for which approver?", classes="dialog-label")
            yield OptionList(*options, id="approvers")
            yield Input(placeholder="note (optional; say why for a no-go)", id="note")
            yield Static("", id="error", classes="dialog-error", markup=False)
            yield Static("g: GO   n: NO-GO   tab: note   esc: cancel", classes="dialog-keys")

    def on_mount(self) -> None:
        options = self.query_one("#approvers", OptionList)
        options.focus()
        approvers = self.spec.approvers
        pending = [i for i, a in enumerate(approvers) if a not in self.decided]
        if has_team(self.state.team):
            template = self.state.project.template
            mine = [i for i, a in enumerate(approvers)
                    if self.operator.user in holders(self.state.team, template, a)]
        else:
            mine = [i for i, a in enumerate(approvers) if a == self.operator.user]
        choice = [i for i in mine if i in pending] or mine or pending or [0]
        options.highlighted = choice[0]
        self._mark(choice[0])

    def _mark(self, index: int | None) -> None:
        options = self.query_one("#approvers", OptionList)
        for i, approver in enumerate(self.spec.approvers):
            options.replace_option_prompt_at_index(i, self._row(approver, i == index))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._mark(event.option_index)
        self.asked = None
        self.query_one("#error", Static).update("")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # While typing a note, letters are text, not keys.
        return not (action == "decide" and isinstance(self.focused, Input))

    def action_decide(self, go: bool) -> None:
        options = self.query_one("#approvers", OptionList)
        error = self.query_one("#error", Static)
        index = options.highlighted
        if index is None:
            error.update("choose an approver first")
            return
        approver = self.spec.approvers[index]
        note = self.query_one("#note", Input).value.strip()
        recorded = self.decided.get(approver)
        if recorded is None:
            self.dismiss(ApprovalResult(approver, go, note))
            return
        said = "GO" if recorded.go else "NO-GO"
        new = "GO" if go else "NO-GO"
        if self.asked != (approver, go):
            self.asked = (approver, go)
            key = "g" if go else "n"
            error.update(plain(f"{approver} already has {said} by {recorded.who()}. Change it to "
                               f"{new}? Say why in the note, then press {key} again; esc cancels."))
            return
        if not note:
            error.update("changing a recorded decision needs a reason: type it in the note (tab)")
            return
        self.dismiss(ApprovalResult(approver, go, note, change=True))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#approvers", OptionList).focus()
        if self.asked is None:
            self.query_one("#error", Static).update("now press g for GO or n for NO-GO")
