"""The header clock: the window, T-minus/T-plus now, the forecast finish and its margin
(colour AND a word), the backout time, the latest moment to decide on rollback, and
whether the point of no return is behind us.

It tells the cutover's one truth (:func:`updeck.models.cutover_clock.cutover_clock`):
after the point of no return no backout and no decide-by, "fix forward since HH:MM";
during a rollback its steps and the backout forecast; once the window is closed the
clock stops at the close and the outcome and the actual duration against the plan show.
"""

from __future__ import annotations

import os
from datetime import datetime

from rich.text import Text
from textual.widget import Widget
from updeck.models.cutover_clock import cutover_clock
from updeck.models.schedule import Schedule
from updeck.models.state import ProjectState
from updeck.models.timezones import operator_zone
from updeck.tui.common.rollback_text import clock_line
from updeck.tui.common.site_time import site_zone
from updeck.tui.dashboard.format import day_hhmm, dur, hhmm, margin_text, plain, t_offset, when
from updeck.tui.dashboard.widgets.site_clock import clock_text


class HeaderClock(Widget):
    """Two lines; rebuilt on every state change and every clock tick (cheap)."""

    DEFAULT_CSS = """
    HeaderClock { height: 2; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.state: ProjectState | None = None
        self.schedule: Schedule | None = None
        self.now: datetime | None = None
        self.read_only = False
        self.stale = ""
        self.own_zone = operator_zone(os.environ.get("TZ"))  # the operator's zone, from TZ

    def show(self, state: ProjectState, schedule: Schedule, now: datetime) -> None:
        self.state, self.schedule, self.now = state, schedule, now
        self.refresh()

    def render(self) -> Text:
        state, sched, now = self.state, self.schedule, self.now
        if state is None or sched is None or now is None:
            return Text("loading…", style="dim")
        wide = self.size.width >= 110
        clock = cutover_clock(state, sched)
        top = Text(no_wrap=True, overflow="ellipsis")
        if sched.window_start is None:
            top.append(" no window planned ", style="bold reverse")
            if not self.read_only:
                top.append(" — W to plan one ", style="bold")
        else:  # stopped at the close once the window is closed
            top.append(f" {t_offset(clock.clock_at, sched.window_start)} ", style="bold reverse")
        zone = site_zone(state.project.timezone)
        top.append_text(clock_text(now, zone, self.own_zone, wide=wide))
        if self.read_only:
            top.append(" [read-only]", style="bold yellow")
        if clock.mode == "rollback":
            top.append(" ROLLBACK IN PROGRESS", style="bold red reverse")
        if self.stale:
            top.append(f" {self.stale}", style="bold red")
        if sched.window_start is not None:
            top.append(" window ")
            end = sched.window_end
            start_text = (day_hhmm(sched.window_start, zone) if wide
                          else when(sched.window_start, now, zone))
            top.append(f"{start_text}→{when(end, sched.window_start, zone) if end else '?'}")
            if state.closed_at is not None:
                top.append(" closed", style="bold")
            elif state.opened_at is not None:
                top.append(" OPEN", style="bold green")
            else:
                top.append(" planned", style="dim")
        if sched.late:
            top.append(f"  ▲ {len(sched.late)} LATE", style="bold red")
        top.rstrip()
        top.append("  ")
        if state.project.rehearsal_of:
            top.append("REHEARSAL", style="bold reverse")
            top.append(" ")
        top.append(plain(state.project.name), style="bold")

        bottom = Text(no_wrap=True, overflow="ellipsis")
        if clock.mode in ("closed", "rollback"):
            bottom.append(" " + clock_line(clock), style="bold red" if clock.mode == "rollback"
                          else "bold")
            return _two_lines(top, bottom)
        bottom.append(" forecast " if wide else " fcst ")
        bottom.append(when(sched.forecast_finish, now, zone), style="bold")
        bottom.append(" · " if sched.window_end is None else " ")
        bottom.append_text(margin_text(sched, wide=wide))
        if clock.mode == "fix_forward":
            bottom.append(" │ ")
            bottom.append(f"PONR passed: fix forward since {hhmm(clock.ponr_at, zone=zone)}" if wide
                          else f"fix forward since {hhmm(clock.ponr_at, zone=zone)}", style="bold red")
            return _two_lines(top, bottom)
        bottom.append(" │ backout ")
        bottom.append(dur(sched.backout_total) if sched.backout else "none")
        if sched.rollback_decide_by is not None:
            bottom.append(" · decide by " if wide else " decide ")
            style = "bold red" if sched.rollback_decide_passed else "bold"
            bottom.append(when(sched.rollback_decide_by, now, zone), style=style)
            if sched.rollback_decide_passed:
                bottom.append(" PASSED", style="bold red")
        bottom.append(" │ ")
        if sched.point_of_no_return_passed:
            bottom.append("PONR passed: fix forward" if wide else "PONR passed",
                          style="bold red")
        else:
            bottom.append("PONR not passed" if wide else "PONR no")
        return _two_lines(top, bottom)


def _two_lines(top: Text, bottom: Text) -> Text:
    both = Text("\n", no_wrap=True, overflow="ellipsis").join([top, bottom])
    both.no_wrap = True
    both.overflow = "ellipsis"
    return both

