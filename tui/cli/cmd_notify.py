"""``updeck notify``: a project's notification rules (add, list, remove), the outbox's
status, and ``notify run``, the sender."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from types import FrameType
from typing import TYPE_CHECKING

from updeck.models.commands import ChangeNotifyRules
from updeck.models.durations import parse_duration
from updeck.models.notify_rules import (
    NotifyRule,
    next_rule_id,
    parse_trigger,
    rule_to_dict,
    target_from_text,
    trigger_text,
)
from updeck.storage.errors import StorageError
from updeck.tui.cli.context import Context, print_events, value, warn
from updeck.tui.cli.exit_codes import EXIT_OK, EXIT_PENDING, EXIT_REFUSED, EXIT_USAGE, CliError
from updeck.tui.cli.output import emit, emit_json

if TYPE_CHECKING:  # loaded by the subcommands that use them: every other command starts fast
    from updeck.tui.common.notify_sender import Sender

ACTIONS = ("add", "list", "remove", "status")
IDLE_WAIT = 0.1  # seconds between looks at the logs while nothing is due
STOP_PATIENCE = 15.0  # seconds a stopping sender waits for deliveries in flight
LIST_EVERY = 5.0  # seconds between looks for projects with rules (notify run without PROJECT)


def cmd_notify(args: argparse.Namespace) -> int:
    ctx = Context(args)
    if args.project == "run":
        return _run(ctx, args.action)
    action = args.action or "list"
    if action not in ACTIONS:
        raise CliError(f"notify PROJECT takes one of {', '.join(ACTIONS)} (got {action!r}); "
                       "or 'notify run [PROJECT]'", EXIT_USAGE)
    project_id = ctx.project_id()
    if action == "add":
        return _add(ctx, project_id, args)
    if action == "remove":
        if not args.rule:
            raise CliError("notify PROJECT remove needs the rule's id (see notify PROJECT list)",
                           EXIT_USAGE)
        print_events(ctx.submit(project_id, ChangeNotifyRules(remove=args.rule, by=ctx.operator,
                                                              at=ctx.now())))
        return EXIT_OK
    from updeck.tui.common.notify_sender import outbox_for
    from updeck.tui.common.notify_status import rules_text, status_data, status_text

    state = ctx.state(project_id)
    if action == "list":
        if args.json:
            emit_json([rule_to_dict(r) for r in state.notify_rules])
        else:
            emit(rules_text(state.notify_rules))
        return EXIT_OK
    from updeck.models.notify_log import NOTIFY_KINDS

    outbox = outbox_for(ctx.repo, project_id)
    view = outbox.view()
    # The sender's own outcomes (and rule changes) notify nobody: not "waiting for a sender".
    unscanned = sum(1 for event in ctx.repo.events(project_id, since_seq=view.cursor)
                    if event.kind not in NOTIFY_KINDS)
    data = status_data(project_id, view, outbox.lease().current(), state.seq,
                       state.notify_rules, unscanned=unscanned)
    if args.json:
        emit_json(data)
    else:
        emit(status_text(data))
    return EXIT_OK


def _split(values: list[str] | None) -> tuple[str, ...]:
    return tuple(v.strip() for value in values or () for v in value.split(",") if v.strip())


def _add(ctx: Context, project_id: str, args: argparse.Namespace) -> int:
    triggers = _split(args.on)
    if not triggers or not args.to:
        raise CliError("notify PROJECT add needs --on TRIGGER and --to TARGET", EXIT_USAGE)
    on = tuple(trigger_text(*value(lambda t=t: parse_trigger(t))) for t in triggers)  # type: ignore[misc]
    timeout = value(lambda: parse_duration(args.timeout)) if args.timeout else 0
    targets = tuple(value(lambda t=t: target_from_text(  # type: ignore[misc]
        t, shape=args.shape or "generic", timeout=timeout, rehearsal=args.rehearsal))
        for t in args.to)
    state = ctx.state(project_id)
    rule = NotifyRule(args.id or next_rule_id(state.notify_rules), on, targets,
                      _split(args.items), _split(args.phases), _split(args.owners))
    print_events(ctx.submit(project_id, ChangeNotifyRules(rule=rule, by=ctx.operator,
                                                          at=ctx.now())))
    return EXIT_OK


class _Stop:
    """SIGTERM (systemd's stop) and Ctrl-C end the loop after the current delivery."""

    def __init__(self) -> None:
        self.stopped = False
        signal.signal(signal.SIGTERM, self._handler)

    def _handler(self, signum: int, frame: FrameType | None) -> None:
        self.stopped = True


def _run(ctx: Context, project_ref: str | None) -> int:
    from updeck.tui.common.notify_sender import Sender, SenderConfig

    args = ctx.args
    if args.rule:
        raise CliError("notify run takes at most one PROJECT", EXIT_USAGE)
    config = SenderConfig(kind="run", commands=args.allow_commands, max_tries=args.max_tries,
                          backoff=float(value(lambda: parse_duration(args.backoff))))
    if config.max_tries < 1:
        raise CliError("--max-tries: at least 1", EXIT_USAGE)
    fixed = ctx.repo.resolve(project_ref) if project_ref else None
    senders: dict[str, Sender] = {}
    stop = _Stop()
    listed = 0.0
    waiting_said: set[str] = set()
    troubles: dict[str, str] = {}
    try:
        while not stop.stopped:
            if fixed is not None and not senders:
                senders[fixed] = Sender(ctx.repo, fixed, ctx.operator, config=config)
            elif fixed is None and time.monotonic() - listed >= LIST_EVERY:
                listed = time.monotonic()
                for state in ctx.repo.list_projects():
                    if state.notify_rules and state.id not in senders:
                        senders[state.id] = Sender(ctx.repo, state.id, ctx.operator, config=config)
            busy, left, flying = False, 0, 0
            for project_id, sender in senders.items():
                try:
                    result = sender.step()
                except (StorageError, OSError) as exc:  # one project's trouble, not all
                    if troubles.get(project_id) != str(exc):
                        troubles[project_id] = str(exc)
                        warn(f"{project_id}: cannot deliver now: {exc}")
                    continue
                troubles.pop(project_id, None)
                if not result.holding and args.once:
                    holder = sender.lease.current()
                    raise CliError(f"{project_id}: another sender holds the lease"
                                   + (f" ({holder.holder()})" if holder else "")
                                   + "; stop it, or let it deliver", EXIT_REFUSED)
                if not result.holding:
                    if project_id not in waiting_said:
                        waiting_said.add(project_id)
                        holder = sender.lease.current()
                        warn(f"{project_id}: waiting, another sender holds the lease"
                             + (f" ({holder.holder()})" if holder else ""))
                    continue
                waiting_said.discard(project_id)
                busy = busy or bool(result.queued)  # new work: look again at once
                left += result.pending
                flying += result.in_flight
            if args.once and not busy and not flying:
                return EXIT_OK if not left else EXIT_PENDING
            if not busy:
                time.sleep(IDLE_WAIT)
    finally:
        for sender in senders.values():
            try:
                sender.wait_idle(STOP_PATIENCE)  # let deliveries in flight finish
                sender.release()
            except Exception as exc:
                print(f"updeck: could not release the lease: {exc}", file=sys.stderr)
    return EXIT_OK
