"""Subcommands that create, list and show projects: new, list, status."""

from __future__ import annotations

import argparse

from updeck.models.chain import head_label
from updeck.models.project import Window
from updeck.storage.groups import group_members
from updeck.tui.cli.context import (
    Context,
    schedule_of,
    value,
    warn,
)
from updeck.tui.cli.exit_codes import EXIT_OK, EXIT_REFUSED, EXIT_USAGE, CliError
from updeck.tui.cli.output import (
    emit,
    emit_json,
    list_text,
    project_row,
    status_data,
    status_text,
)
from updeck.tui.common.values import (
    parse_var,
    parse_window,
)


def cmd_new(args: argparse.Namespace) -> int:
    from updeck.models.project import instantiate
    from updeck.models.template import MissingVariableError
    from updeck.models.timezones import zone_named, zone_problem
    from updeck.storage.templates import TemplateErrors, TemplateNotFound, find_template

    ctx = Context(args)
    now = ctx.now()
    variables = dict(value(lambda: [parse_var(v) for v in args.var]))
    if args.timezone is not None and (problem := zone_problem(args.timezone)) is not None:
        raise CliError(f"--timezone: {problem}", EXIT_USAGE)
    try:
        loaded = find_template(args.template)
    except TemplateNotFound as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    except TemplateErrors as exc:
        if exc.unreadable:
            raise CliError(f"cannot read template {args.template}: "
                           + "; ".join(e.message for e in exc.errors), EXIT_USAGE) from None
        for error in exc.errors:
            warn(str(error))
        raise CliError(f"template {args.template} has {len(exc.errors)} error(s); "
                       "fix them and try again", EXIT_REFUSED) from None
    template = loaded.template
    zone_name = args.timezone.strip() if args.timezone is not None else template.timezone
    window = None
    if args.window:
        start, end = value(lambda: parse_window(args.window, now, zone=zone_named(zone_name)))
        window = Window(start, end)
    known = {v.name for v in template.variables} | template.variable_names()
    for name in variables:
        if name not in known:
            warn(f"warning: template {template.id} does not use variable {name!r}")
    try:
        project = instantiate(template, args.name, variables, window,
                              sources_sha256=loaded.sha256, expand_group=group_members,
                              timezone=args.timezone)
    except MissingVariableError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    except ValueError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    ctx.repo.create_project(project, ctx.operator, now)
    emit(project.id)
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    ctx = Context(args)
    now = ctx.now()
    from updeck.models.runs import group_runs

    rows = [project_row(state, schedule_of(state, now))
            for state in group_runs(ctx.repo.list_projects())]
    damaged = ctx.repo.damaged_projects()
    for problem in damaged:
        warn(f"warning: project {problem.project_id or problem.path} cannot be read: {problem.reason}"
             f" ('updeck check-log {problem.project_id}' says more)")
    if args.json:
        emit_json(rows)
    elif rows or not damaged:
        emit(list_text(rows))
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    ctx = Context(args)
    project_id = ctx.project_id()
    state = ctx.state(project_id)
    now = ctx.now()
    basis = ""
    if getattr(args, "forecast", None):
        from updeck.tui.cli.cmd_runs import forecast_state

        state, basis = forecast_state(ctx, state, args.forecast)
    data = status_data(state, schedule_of(state, now), now)
    if basis:
        data["forecast"]["basis"] = basis
    if args.stream:
        from updeck.tui.cli.stream_filter import only_stream

        data = only_stream(data, state, args.stream.strip())
    data["chain_head"] = {"seq": state.seq, "hash": state.last_hash,
                          "label": head_label(state.seq, state.last_hash)}
    data["log_rewritten"] = ctx.repo.log_rewritten(project_id)
    if args.json:
        emit_json(data)
    else:
        emit(status_text(data))
        emit(f"\nLog       chain head {data['chain_head']['label']}"
             + ("" if data["log_rewritten"] is None else
                f"; WARNING: {data['log_rewritten']}"))
    return EXIT_OK


