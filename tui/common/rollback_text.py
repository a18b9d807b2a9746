"""Rollback words both faces use: step marks, one line per step, the backout forecast,
the cutover's state line (before T, running, ROLLBACK, fix forward, closed)."""

from __future__ import annotations

from datetime import UTC, datetime

from updeck.models.cutover_clock import CutoverClock
from updeck.models.durations import format_duration
from updeck.models.rollback import BackoutForecast, step_remaining
from updeck.models.state import STATUS_SYMBOL, ItemStatus, RollbackStep

STEP_WORD = {ItemStatus.TODO: "todo", ItemStatus.IN_PROGRESS: "running", ItemStatus.DONE: "done",
             ItemStatus.FAILED: "FAILED", ItemStatus.SKIPPED: "skipped"}


def hhmm(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%H:%M") if moment is not None else "--:--"


def step_line(step: RollbackStep, now: datetime) -> str:
    """``✔ dns  done 22:40-22:45 (est 5m)`` or ``▶ upgrade  running 12m of 1h``."""
    mark = STATUS_SYMBOL.get(step.status, "?")
    word = STEP_WORD.get(step.status, step.status.value)
    estimate = format_duration(step.estimate) if step.estimate else "no estimate"
    if step.status is ItemStatus.IN_PROGRESS and step.started_at is not None:
        elapsed = (now - step.started_at).total_seconds()
        detail = f"running {format_duration(elapsed)} of {estimate} since {hhmm(step.started_at)}"
    elif step.status in (ItemStatus.DONE, ItemStatus.SKIPPED, ItemStatus.FAILED):
        span = (f"{hhmm(step.started_at)}-{hhmm(step.finished_at)}" if step.started_at
                else hhmm(step.finished_at))
        detail = f"{word} {span} (est {estimate})"
    else:
        detail = f"{word}, est {estimate}"
    why = f": {step.reason}" if step.reason else ""
    return f"{mark} {step.item}  {detail}{why}"


def forecast_line(forecast: BackoutForecast) -> str:
    """``backout finishes 01:10 UTC (1h05m left), 2h50m before the window end 04:00``."""
    text = f"backout finishes {hhmm(forecast.finish)} UTC ({format_duration(forecast.remaining)} left)"
    if forecast.margin is None or forecast.window_end is None:
        return text + ", no window end to measure against"
    end = hhmm(forecast.window_end)
    if forecast.margin >= 0:
        return text + f", {format_duration(forecast.margin)} before the window end {end}"
    return text + f", {format_duration(-forecast.margin)} AFTER the window end {end}"


def steps_left(steps: tuple[RollbackStep, ...], now: datetime) -> float:
    return sum(step_remaining(step, now) for step in steps)


def clock_line(clock: CutoverClock) -> str:
    """The cutover's state in one sentence (header, cutover view and ``status`` agree)."""
    if clock.mode == "closed":
        took = format_duration(clock.actual_duration) if clock.actual_duration is not None else "?"
        planned = (f" against {format_duration(clock.planned_duration)} planned"
                   if clock.planned_duration else "")
        return f"CLOSED {hhmm(clock.clock_at)}: {clock.outcome}; took {took}{planned}"
    if clock.mode == "rollback" and clock.rollback is not None:
        plan = clock.rollback
        done = sum(1 for s in plan.steps if s.status in (ItemStatus.DONE, ItemStatus.SKIPPED))
        text = (f"ROLLBACK since {hhmm(plan.started_at)} by {plan.by}: "
                f"{done}/{len(plan.steps)} steps")
        return text + (f"; {forecast_line(clock.backout)}" if clock.backout else "")
    if clock.mode == "fix_forward":
        return f"point of no return passed: fix forward since {hhmm(clock.ponr_at)}"
    if clock.mode == "before":
        return "before T"
    if clock.mode == "running":
        return "running"
    return "no window planned"
