"""Subcommands that record a change: item, approve, note, metric, cost, window."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from updeck.models.commands import (
    AddNote,
    CloseWindow,
    Command,
    DecideApproval,
    ItemAction,
    MoveItem,
    OpenWindow,
    PlanWindow,
    RecordCost,
    RecordMetric,
)
from updeck.models.project import Window
from updeck.models.rollups import metric_status, reading_problem
from updeck.tui.cli.context import (
    Context,
    print_events,
    value,
    warn,
)
from updeck.tui.cli.exit_codes import EXIT_OK, EXIT_USAGE, CliError
from updeck.tui.common.values import (
    parse_amount,
    parse_end,
    parse_moment,
)


def cmd_item(args: argparse.Namespace) -> int:
    ctx = Context(args)
    project_id = ctx.project_id()
    action = ItemAction(args.action)
    events = ctx.submit(project_id, MoveItem(item=args.item, action=action, reason=args.note,
                                             confirm_ponr=args.confirm_ponr,
                                             by=ctx.operator, at=ctx.now()))
    print_events(events)
    state = ctx.state(project_id)
    if action in (ItemAction.DONE, ItemAction.SKIP):
        ready = [d for d in state.dependents.get(args.item, ()) if state.is_ready(d)
                 and state.items[d].status.value == "todo"]
        if ready:
            warn(f"now ready: {', '.join(ready)}")
    return EXIT_OK


def _record(args: argparse.Namespace, make: Callable[..., Command], **fields: Any) -> int:
    """Submit one command (stamped with the operator and now) and print its events."""
    ctx = Context(args)
    project_id = ctx.project_id()
    print_events(ctx.submit(project_id, make(by=ctx.operator, at=ctx.now(), **fields)))
    return EXIT_OK


def cmd_approve(args: argparse.Namespace) -> int:
    return _record(args, DecideApproval, item=args.item, go=bool(args.go),
                   approver=args.role or None, note=args.note, change=args.change,
                   confirm_ponr=args.confirm_ponr)


def cmd_note(args: argparse.Namespace) -> int:
    if bool(args.text) == bool(args.lesson):
        raise CliError("give the note's TEXT, or --lesson TEXT (not both)", EXIT_USAGE)
    return _record(args, AddNote, text=args.lesson or args.text, item=args.item,
                   lesson=bool(args.lesson))


def cmd_metric(args: argparse.Namespace) -> int:
    """Refuse a reading that is not of the target's unit kind (exit 2), then say whether it
    is on target."""
    ctx = Context(args)
    project_id = ctx.project_id()
    state = ctx.state(project_id)
    spec = state.specs.get(args.item)
    if spec is not None and (bad := reading_problem(spec, args.value)) is not None:
        raise CliError(bad, EXIT_USAGE)
    print_events(ctx.submit(project_id, RecordMetric(item=args.item, value=args.value, note=args.note,
                                                     by=ctx.operator, at=ctx.now())))
    state = ctx.state(project_id)
    status = metric_status(state.specs[args.item], state.items[args.item])
    verdict = {True: "on target", False: "OFF TARGET", None: "not compared"}[status.met]
    warn(f"{args.item}: {verdict}: {status.reason}")
    return EXIT_OK


def cmd_cost(args: argparse.Namespace) -> int:
    amount = value(lambda: parse_amount(args.amount))
    return _record(args, RecordCost, item=args.item, amount=amount, note=args.note)


def cmd_window(args: argparse.Namespace) -> int:
    ctx = Context(args)
    now = ctx.now()
    command: Command
    if args.action == "set":
        if not args.start:
            raise CliError("window set needs a START (and optionally an END)", EXIT_USAGE)
        zone = ctx.site_zone(ctx.project_id())
        start = value(lambda: parse_moment(args.start, now, zone=zone))
        end = value(lambda: parse_end(args.end, start, now, zone=zone)) if args.end else None
        command = PlanWindow(window=Window(start, end), by=ctx.operator, at=now)
    else:
        if args.start or args.end:
            raise CliError(f"window {args.action} takes no times (it records now); "
                           "use 'window PROJECT set START [END]' to plan", EXIT_USAGE)
        cls = OpenWindow if args.action == "open" else CloseWindow
        command = cls(by=ctx.operator, at=now)
    project_id = ctx.project_id()
    print_events(ctx.submit(project_id, command))
    return EXIT_OK


