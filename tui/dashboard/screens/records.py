"""Dialogs that record numbers and times: a metric reading (``m``), an actual cost (``$``)
and the planned cutover window (``W``). Each checks what it can before it closes (a cost
must be a number, a window must parse); the engine has the last word, and a refusal is
shown by the app as for every other command."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, Static
from updeck.models.durations import format_duration
from updeck.models.project import Window
from updeck.models.state import ProjectState
from updeck.tui.common.values import parse_amount, parse_end, parse_moment
from updeck.tui.dashboard.format import day_hhmm, hhmm, money, plain, when
from updeck.tui.dashboard.screens._dialog import Dialog
from updeck.tui.dashboard.screens.base import ProjectShowingScreen
from updeck.tui.dashboard.view import budget_line, metric_check, metric_of, metric_word

KEYS = "enter: record   tab: next field   esc: cancel"


@dataclass(frozen=True)
class MetricResult:
    value: str
    note: str


@dataclass(frozen=True)
class CostResult:
    amount: float
    note: str


@dataclass(frozen=True)
class WindowResult:
    start: datetime
    end: datetime | None  # None: the template's default duration


# --- parsing what was typed -----------------------------------------------------------

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


def _clock_time(text: str) -> tuple[int, int] | None:
    match = _CLOCK.match(text.strip())
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise ValueError(f"{text.strip()!r} is not a time of day (00:00 to 23:59)")
    return hour, minute


def parse_start(text: str, now: datetime) -> datetime:
    """A window start: ``2026-12-05 22:00`` (UTC unless an offset is given), ``+2h``,
    ``now``, or ``HH:MM`` (UTC: the next one, or today's when it was less than an hour
    ago, for a window that has just begun)."""
    clock = _clock_time(text)
    if clock is None:
        return parse_moment(text, now)
    day = now.astimezone(UTC)
    moment = day.replace(hour=clock[0], minute=clock[1], second=0, microsecond=0)
    if moment < day - timedelta(hours=1):
        moment += timedelta(days=1)
    return moment


def parse_window_end(text: str, start: datetime, now: datetime) -> datetime:
    """A window end: a duration (``6h``), a date and time, or ``HH:MM`` (the first one
    after the start)."""
    clock = _clock_time(text)
    if clock is None:
        return parse_end(text, start, now)
    moment = start.astimezone(UTC).replace(hour=clock[0], minute=clock[1], second=0,
                                           microsecond=0)
    if moment <= start:
        moment += timedelta(days=1)
    return moment


def span(start: datetime, end: datetime | None) -> str:
    """``2026-12-05 22:00 → 02:00`` (the end's date only when it differs)."""
    if end is None:
        return f"{day_hhmm(start)} → no end"
    return f"{day_hhmm(start)} → {when(end, start)}"


def _clean(error: ValueError) -> str:
    return str(error).replace("2026-12-05T22:00", "2026-12-05 22:00")


# --- the dialogs ------------------------------------------------------------------------

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


class WindowDialog(Dialog[WindowResult]):
    """Plan (or re-plan) the cutover window: its start (T) and its end or length."""

    def __init__(self, state: ProjectState, now: datetime) -> None:
        super().__init__()
        self.window: Window = state.window
        self.now = now
        self.default = state.project.template.window_duration
        self.open_since = state.opened_at if state.closed_at is None else None

    def compose(self) -> ComposeResult:
        window = self.window
        facts = Text()
        if window.start is None:
            facts.append("no window planned yet")
        else:
            facts.append("planned now ", style="dim")
            facts.append(f"{span(window.start, window.end)} UTC", style="bold")
            if window.duration:
                facts.append(f" ({format_duration(window.duration)})")
        if self.open_since is not None:
            facts.append(f"\nthe window is OPEN since {hhmm(self.open_since)}: a new start "
                         "moves T and every T-time", style="bold")
        default = format_duration(self.default) if self.default else None
        end_help = ("End: a length (6h) or a time (YYYY-MM-DD HH:MM or HH:MM)"
                    + (f"; empty: {default}" if default else "; required"))
        with Vertical(classes="dialog record-dialog"):
            yield Static("Plan the cutover window", classes="dialog-title", markup=False)
            yield Static(facts, classes="dialog-body", markup=False)
            yield Static("Start: YYYY-MM-DD HH:MM or HH:MM (UTC unless you add +01:00)",
                         markup=False)
            example = (self.now + timedelta(days=1)).strftime("%Y-%m-%d 22:00")
            yield Input(value=day_hhmm(window.start) if window.start else "",
                        placeholder=f"such as {example}", id="start")
            yield Static(end_help, markup=False)
            yield Input(value=format_duration(window.duration) if window.duration else "",
                        placeholder=f"empty: {default}" if default else "such as 6h",
                        id="end")
            yield Static("", id="preview", markup=False)
            yield Static("", id="error", classes="dialog-error", markup=False)
            yield Static("enter: plan it   tab: next field   esc: cancel", classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one("#start", Input).focus()
        self._preview()

    def _parse(self) -> WindowResult:
        start_text = self.query_one("#start", Input).value
        end_text = self.query_one("#end", Input).value
        if not start_text.strip():
            raise ValueError("a start is required, such as "
                             + (self.now + timedelta(days=1)).strftime("%Y-%m-%d 22:00"))
        start = parse_start(start_text, self.now)
        if not end_text.strip():
            if not self.default:
                raise ValueError("an end or a length is required (the template sets no "
                                 "default window length), such as 6h")
            return WindowResult(start, None)
        return WindowResult(start, parse_window_end(end_text, start, self.now))

    def _preview(self) -> None:
        preview = Text()
        try:
            result = self._parse()
        except ValueError:
            preview.append("")
        else:
            end = result.end or result.start + timedelta(seconds=self.default or 0)
            preview.append(f"{span(result.start, end)} UTC", style="bold")
            preview.append(f", {format_duration((end - result.start).total_seconds())}")
            ahead = (result.start - self.now).total_seconds()
            if abs(ahead) < 60:
                preview.append(", starting now")
            elif ahead > 0:
                preview.append(f", starts in {format_duration(ahead)}")
            else:
                preview.append(f", started {format_duration(-ahead)} ago", style="bold")
        self.query_one("#preview", Static).update(preview)

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#error", Static).update("")
        self._preview()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            result = self._parse()
        except ValueError as exc:
            self.query_one("#preview", Static).update("")
            self.query_one("#error", Static).update(_clean(exc))
            return
        self.dismiss(result)


def ask_plan_window(screen: ProjectShowingScreen, state: ProjectState) -> None:
    """Open the window dialog over ``screen`` and submit ``PlanWindow`` when it closes."""
    from updeck.models.commands import PlanWindow

    screen.ask(WindowDialog(state, screen.now()),
               lambda result: PlanWindow(window=Window(result.start, result.end),
                                         **screen.stamp()))
