"""The cost dialog (``$``): an actual cost for an item, added to what was recorded before
(a negative amount corrects it); the amount must be a number before it closes."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, Static
from updeck.models.state import ProjectState
from updeck.tui.common.values import parse_amount
from updeck.tui.dashboard.format import money, plain
from updeck.tui.dashboard.screens._dialog import Dialog
from updeck.tui.dashboard.view import budget_line

KEYS = "enter: record   tab: next field   esc: cancel"


@dataclass(frozen=True)
class CostResult:
    amount: float
    note: str


class CostDialog(Dialog[CostResult]):
    """An actual cost for an item; it adds to what was recorded before."""

    def __init__(self, state: ProjectState, item_id: str) -> None:
        super().__init__()
        self.spec = state.specs[item_id]
        self.line = budget_line(state, item_id)
        self.has_cost = state.items[item_id].actual_cost is not None

    def compose(self) -> ComposeResult:
        line = self.line
        facts = Text()
        facts.append("planned ", style="dim")
        facts.append(money(line.planned) if self.spec.cost is not None else "none",
                     style="bold")
        facts.append("   recorded so far ", style="dim")
        facts.append(money(line.actual) if self.has_cost else "nothing", style="bold")
        facts.append("\nan amount adds to what is recorded; a negative one corrects it",
                     style="dim")
        with Vertical(classes="dialog record-dialog"):
            yield Static(f"Record an actual cost for {self.spec.id}", classes="dialog-title",
                         markup=False)
            yield Static(plain(self.spec.title), markup=False)
            yield Static(facts, classes="dialog-body", markup=False)
            yield Label("Amount (a number, such as 1350 or 1,350.50)", markup=False)
            yield Input(placeholder="amount", id="amount")
            yield Static("", id="preview", markup=False)
            yield Input(placeholder="note (optional: invoice, what it paid for)", id="note")
            yield Static("", id="error", classes="dialog-error", markup=False)
            yield Static(KEYS, classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one("#amount", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "amount":
            return
        self.query_one("#error", Static).update("")
        preview = Text()
        if event.value.strip():
            try:
                amount = parse_amount(event.value)
            except ValueError:
                preview.append("not a number (yet)", style="dim")
            else:
                total = self.line.actual + amount
                preview.append(f"recorded total becomes {money(total)}")
                if self.spec.cost is not None:
                    preview.append(f" of {money(self.line.planned)} planned")
                    if total > self.line.planned:
                        preview.append(f": OVER by {money(total - self.line.planned)}",
                                       style="bold")
        self.query_one("#preview", Static).update(preview)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        field = self.query_one("#amount", Input)
        try:
            amount = parse_amount(field.value)
        except ValueError as exc:
            self.query_one("#preview", Static).update("")
            self.query_one("#error", Static).update(str(exc))
            field.focus()
            return
        note = self.query_one("#note", Input).value.strip()
        self.dismiss(CostResult(amount, note))
