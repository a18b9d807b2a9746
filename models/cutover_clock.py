"""One truth about the cutover for every face: which state it is in (before T, running,
rollback, fix forward, closed), what the clock shows, and the outcome once closed.

The header, the cutover view, ``updeck status`` and the report read :func:`cutover_clock`
so they never disagree: after the point of no return there is no backout and no
decide-by, only "fix forward since HH:MM"; during a rollback its steps and forecast
replace the forward plan; after the window is closed the clock stops at the close.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from updeck.models.rollback import BackoutForecast, backout_forecast
from updeck.models.schedule import Schedule
from updeck.models.state import CLOSED, ProjectState, RollbackPlan

Mode = Literal["no_window", "before", "running", "rollback", "fix_forward", "closed"]
MODE_WORD: dict[str, str] = {
    "no_window": "no window planned", "before": "before T", "running": "running",
    "rollback": "ROLLBACK", "fix_forward": "fix forward", "closed": "closed",
}


@dataclass(frozen=True, slots=True)
class CutoverClock:
    mode: Mode
    clock_at: datetime  # the moment the clock shows: now, or the close when it stopped
    stopped: bool  # the window was closed: the clock no longer runs
    window_start: datetime | None  # T
    ponr_at: datetime | None  # the point of no return was passed then: fix forward since
    rollback: RollbackPlan | None  # the latest rollback (any state)
    backout: BackoutForecast | None  # while a rollback is in progress
    outcome: str | None  # once closed: completed, rolled back, closed with N open items
    actual_duration: float | None  # once closed: opened (or T) to closed, seconds
    planned_duration: float | None  # the planned window's length, seconds

    @property
    def t_offset(self) -> float | None:
        """Clock - T in seconds (negative: T-minus); frozen once the window is closed."""
        if self.window_start is None:
            return None
        return (self.clock_at - self.window_start).total_seconds()


def outcome(state: ProjectState) -> str:
    """How the cutover ended: ``rolled back``, ``completed``, ``closed during rollback``
    or ``closed with N open items`` (required execute items neither done nor skipped)."""
    plan = state.rollback
    if plan is not None and plan.state == "finished":
        return "rolled back"
    if plan is not None and plan.active:
        return "closed during rollback"
    open_items = [spec.id for spec in state.specs.values()
                  if spec.phase == "execute" and spec.required
                  and state.items[spec.id].status not in CLOSED]
    if not open_items:
        return "completed"
    return f"closed with {len(open_items)} open item{'s' if len(open_items) != 1 else ''}"


def cutover_clock(state: ProjectState, schedule: Schedule) -> CutoverClock:
    now = schedule.now
    t = schedule.window_start
    plan = state.rollback
    closed = state.closed_at is not None and state.opened_at is not None \
        and state.closed_at >= state.opened_at
    planned = state.window.duration
    if planned is None and t is not None and schedule.window_end is not None:
        planned = (schedule.window_end - t).total_seconds()
    mode: Mode
    if closed:
        mode = "closed"
    elif plan is not None and plan.active:
        mode = "rollback"
    elif schedule.point_of_no_return_at is not None:
        mode = "fix_forward"
    elif t is None and state.opened_at is None:
        mode = "no_window"
    elif state.opened_at is not None or (t is not None and now >= t):
        mode = "running"
    else:
        mode = "before"
    backout = backout_forecast(plan, now, schedule.window_end) \
        if plan is not None and plan.active else None
    actual = None
    result = None
    clock_at = now
    if closed and state.closed_at is not None:
        clock_at = state.closed_at
        began = state.opened_at or t
        actual = (state.closed_at - began).total_seconds() if began is not None else None
        result = outcome(state)
    return CutoverClock(mode=mode, clock_at=clock_at, stopped=closed, window_start=t,
                        ponr_at=schedule.point_of_no_return_at, rollback=plan, backout=backout,
                        outcome=result, actual_duration=actual, planned_duration=planned)
