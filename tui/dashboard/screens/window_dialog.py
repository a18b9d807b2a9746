"""The window dialog (``W``): plan or re-plan the cutover window, its start (T) and its end
or length, with a preview; the start and end must parse before it closes. The engine has
the last word, and a refusal is shown by the app as for every other command."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static
from updeck.models.durations import format_duration
from updeck.models.project import Window
from updeck.models.state import ProjectState
from updeck.tui.common.site_time import site_zone
from updeck.tui.common.values import parse_end, parse_moment
from updeck.tui.dashboard.format import day_hhmm, hhmm, when
from updeck.tui.dashboard.screens._dialog import Dialog
from updeck.tui.dashboard.screens.base import ProjectShowingScreen


@dataclass(frozen=True)
class WindowResult:
    start: datetime
    end: datetime | None  # None: the template's default duration



# --- parsing what was typed ----------------------------------------------------------

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


def _clock_time(text: str) -> tuple[int, int] | None:
    match = _CLOCK.match(text.strip())
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise ValueError(f"{text.strip()!r} is not a time of day (00:00 to 23:59)")
    return hour, minute


def parse_start(text: str, now: datetime, zone: tzinfo = UTC) -> datetime:
    """A window start: ``2026-12-05 22:00`` (site time unless an offset or ``[Zone]`` is
    given), ``+2h``, ``now``, or ``HH:MM`` (site time: the next one, or today's when it was
    less than an hour ago, for a window that has just begun)."""
    clock = _clock_time(text)
    if clock is None:
        return parse_moment(text, now, zone=zone)
    day = now.astimezone(zone)
    moment = _wall(day, clock, zone)
    if moment < now - timedelta(hours=1):
        moment = _wall(day + timedelta(days=1), clock, zone)
    return moment


def parse_window_end(text: str, start: datetime, now: datetime, zone: tzinfo = UTC) -> datetime:
    """A window end: a duration (``6h``), a date and time, or ``HH:MM`` (the first one
    after the start, in site time)."""
    clock = _clock_time(text)
    if clock is None:
        return parse_end(text, start, now, zone=zone)
    day = start.astimezone(zone)
    moment = _wall(day, clock, zone)
    if moment <= start:
        moment = _wall(day + timedelta(days=1), clock, zone)
    return moment


def _wall(day: datetime, clock: tuple[int, int], zone: tzinfo) -> datetime:
    """``HH:MM`` on ``day``'s date as the wall clock in ``zone`` says, in UTC."""
    local = datetime(day.year, day.month, day.day, clock[0], clock[1], tzinfo=zone)
    return local.astimezone(UTC)


def span(start: datetime, end: datetime | None, zone: tzinfo = UTC) -> str:
    """``2026-12-05 22:00 → 02:00`` (the end's date only when it differs)."""
    if end is None:
        return f"{day_hhmm(start, zone)} → no end"
    return f"{day_hhmm(start, zone)} → {when(end, start, zone)}"


def _clean(error: ValueError) -> str:
    return str(error).replace("2026-12-05T22:00", "2026-12-05 22:00")


class WindowDialog(Dialog[WindowResult]):
    """Plan (or re-plan) the cutover window: its start (T) and its end or length."""

    def __init__(self, state: ProjectState, now: datetime) -> None:
        super().__init__()
        self.window: Window = state.window
        self.now = now
        self.zone_name = state.project.timezone
        self.zone = site_zone(self.zone_name)
        self.default = state.project.template.window_duration
        self.open_since = state.opened_at if state.closed_at is None else None

    def compose(self) -> ComposeResult:
        window = self.window
        facts = Text()
        if window.start is None:
            facts.append("no window planned yet")
        else:
            facts.append("planned now ", style="dim")
            facts.append(f"{span(window.start, window.end, self.zone)} {self._zone_word()}",
                         style="bold")
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
            yield Static(f"Start: YYYY-MM-DD HH:MM or HH:MM ({self._zone_word()} unless you add "
                         "+01:00 or [Zone])", markup=False)
            example = (self.now + timedelta(days=1)).strftime("%Y-%m-%d 22:00")
            yield Input(value=day_hhmm(window.start, self.zone) if window.start else "",
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
        start = parse_start(start_text, self.now, self.zone)
        if not end_text.strip():
            if not self.default:
                raise ValueError("an end or a length is required (the template sets no "
                                 "default window length), such as 6h")
            return WindowResult(start, None)
        return WindowResult(start, parse_window_end(end_text, start, self.now, self.zone))

    def _zone_word(self) -> str:
        """``UTC``, or the site zone's name (``Europe/Berlin``)."""
        return self.zone_name or "UTC"

    def _preview(self) -> None:
        preview = Text()
        try:
            result = self._parse()
        except ValueError:
            preview.append("")
        else:
            end = result.end or result.start + timedelta(seconds=self.default or 0)
            preview.append(f"{span(result.start, end, self.zone)} {self._zone_word()}",
                           style="bold")
            if self.zone_name:
                preview.append(f" ({span(result.start, end)} UTC)")
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
