"""``updeck rollback PROJECT start|status|step|finish|cancel``: the backout as a runbook."""

from __future__ import annotations

import argparse
from datetime import datetime

from updeck.models.commands import CancelRollback, FinishRollback, RollbackStepAction, StartRollback
from updeck.models.cutover_clock import cutover_clock
from updeck.models.durations import format_duration
from updeck.models.rollback import backout_forecast, rollback_data
from updeck.models.state import ProjectState
from updeck.tui.cli.context import Context, print_events, schedule_of
from updeck.tui.cli.exit_codes import EXIT_OK, EXIT_USAGE, CliError
from updeck.tui.cli.output import emit, emit_json
from updeck.tui.common.rollback_text import clock_line, forecast_line, hhmm, step_line


def cmd_rollback(args: argparse.Namespace) -> int:
    ctx = Context(args)
    project_id = ctx.project_id()
    action = args.rollback_action
    if action == "status":
        state = ctx.state(project_id)
        _print_status(state, ctx.now(), as_json=args.json)
        return EXIT_OK
    at, by = ctx.now(), ctx.operator
    command: StartRollback | RollbackStepAction | FinishRollback | CancelRollback
    if action == "start":
        command = StartRollback(reason=args.note, by=by, at=at)
    elif action == "step":
        command = RollbackStepAction(item=args.item, action=args.step_action, note=args.note,
                                     by=by, at=at)
    elif action == "finish":
        command = FinishRollback(note=args.note, by=by, at=at)
    elif action == "cancel":
        command = CancelRollback(reason=args.note, by=by, at=at)
    else:  # pragma: no cover - argparse allows only the above
        raise CliError(f"unknown rollback action {action!r}", EXIT_USAGE)
    print_events(ctx.submit(project_id, command))
    state = ctx.state(project_id)
    if state.rollback is not None and state.rollback.active:
        _print_next(state, ctx.now())
    return EXIT_OK


def _print_next(state: ProjectState, now: datetime) -> None:
    assert state.rollback is not None
    forecast = backout_forecast(state.rollback, now, schedule_of(state, now).window_end)
    step = forecast.next_step
    nxt = (f"next step: {step} ('updeck rollback {state.id} step {step} start')" if step
           else f"every step is closed: 'updeck rollback {state.id} finish'")
    emit(f"{forecast_line(forecast)}; {nxt}")


def _print_status(state: ProjectState, now: datetime, *, as_json: bool) -> None:
    schedule = schedule_of(state, now)
    data = rollback_data(state, now, schedule.window_end)
    if as_json:
        emit_json(data)
        return
    clock = cutover_clock(state, schedule)
    plan = state.rollback
    lines = [f"{state.project.name}  ({state.id}): {clock_line(clock)}"]
    if plan is None:
        lines.append("Rollback  not started"
                     + (f"; refused now: {data['refused']}" if data["refused"] else
                        f"; {len(schedule.backout)} backout steps would run, about "
                        f"{format_duration(schedule.backout_total)}"))
    else:
        lines.append(f"Rollback  {plan.state.replace('_', ' ')}; started {hhmm(plan.started_at)} UTC "
                     f"by {plan.by}: {plan.reason}")
        if not plan.active:
            lines.append(f"          {plan.state} {hhmm(plan.ended_at)} UTC by {plan.ended_by}"
                         + (f": {plan.end_note}" if plan.end_note else ""))
        if plan.active:
            lines.append(f"Forecast  {forecast_line(backout_forecast(plan, now, schedule.window_end))}")
        lines.append("")
        lines.append("Steps (newest item first)")
        if not plan.steps:
            lines.append("  none: no done item has a rollback")
        for step in plan.steps:
            lines.append("  " + step_line(step, now))
            lines.append("      " + " ⏎ ".join(step.text.splitlines()))
    emit("\n".join(lines))

