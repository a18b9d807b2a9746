"""``updeck team``: list a project's team, or add or remove one person in a role."""

from __future__ import annotations

import argparse

from updeck.models.commands import ChangeTeam
from updeck.tui.cli.context import Context, print_events
from updeck.tui.cli.exit_codes import EXIT_OK, EXIT_USAGE, CliError
from updeck.tui.cli.output import emit, emit_json
from updeck.tui.common.team_view import team_data, team_text


def cmd_team(args: argparse.Namespace) -> int:
    ctx = Context(args)
    project_id = ctx.project_id()
    if args.action is None:
        if args.user or args.role:
            raise CliError("team PROJECT takes add or remove before USER ROLE", EXIT_USAGE)
        data = team_data(ctx.state(project_id), ctx.operator)
        if args.json:
            emit_json(data)
        else:
            emit(team_text(data))
        return EXIT_OK
    if not args.user or not args.role:
        raise CliError(f"team PROJECT {args.action} needs USER ROLE", EXIT_USAGE)
    events = ctx.submit(project_id, ChangeTeam(user=args.user, role=args.role,
                                               add=args.action == "add",
                                               by=ctx.operator, at=ctx.now()))
    if args.json:
        emit_json(team_data(ctx.state(project_id), ctx.operator))
    else:
        print_events(events)
    return EXIT_OK
