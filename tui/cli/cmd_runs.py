"""Subcommands about runs of a project: rehearse, compare, and the forecast from
rehearsal actuals behind ``status --forecast``."""

from __future__ import annotations

import argparse
import sys

from updeck.models.compare import Comparison, compare_runs, comparison_data, with_estimates
from updeck.models.project import Window
from updeck.models.state import ProjectState
from updeck.tui.cli.context import Context, value, warn, write_file
from updeck.tui.cli.exit_codes import EXIT_OK, EXIT_REFUSED, EXIT_USAGE, CliError
from updeck.tui.cli.output import emit, emit_json
from updeck.tui.common.values import parse_window


def cmd_rehearse(args: argparse.Namespace) -> int:
    from updeck.models.runs import rehearsal_name, rehearsal_of, rehearsals

    ctx = Context(args)
    now = ctx.now()
    live = ctx.state(ctx.project_id()).project
    window = None
    if args.window:
        start, end = value(lambda: parse_window(args.window, now))
        window = Window(start, end)
    live_id = live.rehearsal_of or live.id
    name = args.name or rehearsal_name(ctx.state(live_id).project if live.rehearsal_of else live,
                                       len(rehearsals(live_id, ctx.repo.list_projects())))
    project = value(lambda: rehearsal_of(live, name, window))
    ctx.repo.create_project(project, ctx.operator, now)
    emit(project.id)
    return EXIT_OK


def _runs(ctx: Context, refs: list[str]) -> list[ProjectState]:
    from updeck.models.runs import rehearsals

    states = [ctx.state(ctx.repo.resolve(ref)) for ref in refs]
    if len(states) == 1 and not states[0].project.rehearsal_of:
        # one live project: compare its rehearsals (and itself, listed last)
        found = rehearsals(states[0].id, ctx.repo.list_projects())
        if not found:
            raise CliError(f"{states[0].id} has no rehearsals; make one with "
                           f"'updeck rehearse {states[0].id}'", EXIT_REFUSED)
        states = [*found, states[0]]
    templates = {s.project.template_sha256 or s.project.template_id for s in states}
    if len(templates) > 1:
        warn("warning: these runs were made from different templates; items are those of "
             f"{states[0].id}")
    return states


def cmd_compare(args: argparse.Namespace) -> int:
    from updeck.tui.cli.export.compare_doc import (
        comparison_html,
        comparison_markdown,
        comparison_text,
    )

    ctx = Context(args)
    states = _runs(ctx, args.runs)
    comparison = compare_runs(states)
    if args.propose_estimates:
        if not args.output:
            raise CliError("--propose-estimates needs -o FILE", EXIT_USAGE)
        _write_patch(ctx, states[0], comparison, args.propose_estimates, args.output)
        return EXIT_OK
    if args.json:
        text = None
        emit_json(comparison_data(comparison))
    elif args.format == "md":
        text = comparison_markdown(comparison)
    elif args.format == "html":
        text = comparison_html(comparison)
    else:
        text = comparison_text(comparison) + "\n"
    if text is not None:
        if args.output:
            write_file(args.output, text)
            warn(f"wrote {args.output}")
        else:
            sys.stdout.write(text)
            sys.stdout.flush()
    return EXIT_OK


def _write_patch(ctx: Context, state: ProjectState, comparison: Comparison, basis: str,
                 output: str) -> None:
    from updeck.storage.estimate_patch import estimates_patch
    from updeck.storage.templates import TemplateErrors, TemplateNotFound, find_template

    template = state.project.template
    try:  # the template file itself keeps its {{variables}}: prefer it when it is the same
        loaded = find_template(state.project.template_id)
        if loaded.sha256 == state.project.template_sha256:
            template = loaded.template
    except (TemplateNotFound, TemplateErrors):
        warn(f"warning: template {state.project.template_id} is not on the search path; "
             "the patch extends it by id and repeats the project's substituted text")
    estimates = comparison.estimates(basis)
    write_file(output, estimates_patch(template, estimates, basis=basis,
                                       runs=[r.id for r in comparison.runs if r.counted]))
    warn(f"wrote {output}; check it with 'updeck validate {output}'")


def forecast_state(ctx: Context, state: ProjectState, basis: str) -> tuple[ProjectState, str]:
    """The live project with its estimates replaced by the rehearsals' median or p90."""
    from updeck.models.runs import rehearsals

    live_id = state.project.rehearsal_of or state.id
    found = rehearsals(live_id, ctx.repo.list_projects())
    if not found:
        raise CliError(f"{live_id} has no rehearsals to forecast from; make one with "
                       f"'updeck rehearse {live_id}'", EXIT_REFUSED)
    estimates = compare_runs(found).estimates(basis)
    return with_estimates(state, estimates), f"{basis} of {len(found)} rehearsal(s)"
