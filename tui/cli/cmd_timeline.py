"""``updeck timeline PROJECT``: the timeline of a phase as text (the dashboard's ``t`` view),
grouped by workstream when items name one."""

from __future__ import annotations

import argparse
import shutil

from updeck.models.phases import PHASE_BY_ID
from updeck.models.summary import summarise
from updeck.models.timeline import build_timeline, timeline_phase
from updeck.tui.cli.context import Context, schedule_of
from updeck.tui.cli.exit_codes import EXIT_OK, EXIT_USAGE, CliError
from updeck.tui.cli.output import emit
from updeck.tui.common.timeline_text import timeline_lines

MIN_WIDTH = 40


def cmd_timeline(args: argparse.Namespace) -> int:
    ctx = Context(args)
    project_id = ctx.project_id()
    state = ctx.state(project_id)
    schedule = schedule_of(state, ctx.now())
    phase = (args.phase or "").strip()
    if phase and phase not in PHASE_BY_ID:
        raise CliError(f"--phase: no phase {phase!r}; phases: {', '.join(PHASE_BY_ID)}",
                       EXIT_USAGE)
    phase = phase or timeline_phase(state, summarise(state, schedule).current_phase)
    width = args.width or shutil.get_terminal_size((100, 24)).columns
    if width < MIN_WIDTH:
        raise CliError(f"--width: at least {MIN_WIDTH} characters", EXIT_USAGE)
    title = ("REHEARSAL " if state.project.rehearsal_of else "") + \
        f"Timeline: {state.project.name} ({project_id})"
    emit("\n".join([title, *timeline_lines(build_timeline(state, schedule, phase), width)]))
    return EXIT_OK
