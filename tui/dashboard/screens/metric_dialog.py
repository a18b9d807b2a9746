"""The metric dialog (``m``): a reading of a ``kind: metric`` item, shown against its
baseline and target, with a live verdict as it is typed."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, Static
from updeck.models.state import ProjectState
from updeck.tui.dashboard.format import hhmm, plain
from updeck.tui.dashboard.screens._dialog import Dialog
from updeck.tui.dashboard.view import metric_check, metric_of, metric_word

KEYS = "enter: record   tab: next field   esc: cancel"


@dataclass(frozen=True)
class MetricResult:
    value: str
    note: str


class MetricDialog(Dialog[MetricResult]):
    """A reading of a ``kind: metric`` item, shown against its baseline and target."""

    def __init__(self, state: ProjectState, item_id: str) -> None:
        super().__init__()
        self.spec = state.specs[item_id]
        self.status = metric_of(state, item_id)
        self.last = state.items[item_id].metrics[-1] if state.items[item_id].metrics else None

    def compose(self) -> ComposeResult:
        spec, status = self.spec, self.status
        facts = Text()
        facts.append("baseline ", style="dim")
        facts.append(plain(spec.baseline) or "-", style="bold")
        facts.append("   target ", style="dim")
        facts.append(plain(spec.target) or "none set", style="bold")
        facts.append("\nlatest   ", style="dim")
        if self.last is None:
            facts.append("no reading yet")
        else:
            facts.append(plain(self.last.value), style="bold")
            facts.append(f" at {hhmm(self.last.at)} by {plain(self.last.by)}: ")
            facts.append(metric_word(status.met, status.latest), style="bold")
        with Vertical(classes="dialog record-dialog"):
            yield Static(f"Record a reading of {spec.id}", classes="dialog-title", markup=False)
            yield Static(plain(spec.title), markup=False)
            yield Static(facts, classes="dialog-body", markup=False)
            example = plain(spec.baseline) or "135ms"
            yield Label(f"Value, with its unit (such as {example})", markup=False)
            yield Input(placeholder="value", id="value")
            yield Static("", id="preview", markup=False)
            yield Input(placeholder="note (optional)", id="note")
            yield Static("", id="error", classes="dialog-error", markup=False)
            yield Static(KEYS, classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one("#value", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "value":
            return
        self.query_one("#error", Static).update("")
        value = event.value.strip()
        preview = Text()
        if value:
            met, reason = metric_check(value, self.spec.target)
            preview.append(metric_word(met, value), style="bold")
            preview.append(f": {plain(reason)}")
            if met is None:
                preview.append(" (recorded as written)", style="dim")
        self.query_one("#preview", Static).update(preview)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        value = self.query_one("#value", Input).value.strip()
        if not value:
            self.query_one("#error", Static).update("a reading needs a value, such as "
                                                    + (plain(self.spec.baseline) or "135ms"))
            self.query_one("#value", Input).focus()
            return
        note = self.query_one("#note", Input).value.strip()
        self.dismiss(MetricResult(value, note))
